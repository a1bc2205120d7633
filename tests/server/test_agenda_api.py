"""The agenda over HTTP (the organiser) and over the wire (moderators)."""

from typing import Any

import pytest

from rooms.plain import to_plain

from .conftest import ADMIN_TOKEN, Serve, ServedMeeting, api

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PROGRAMME = [
    {"title": "Welcome", "minutes": 5},
    {"title": "Initiatives", "minutes": 40, "presenters": ["Ola Nowak", {"name": "Jan Lis"}]},
]
# On the wire a presenter is always a map (the API takes a bare name as one too).
WIRE_PROGRAMME = [
    {"title": "Welcome", "minutes": 5},
    {"title": "Initiatives", "minutes": 40, "presenters": [{"name": "Ola Nowak"}]},
]


def titles(agenda: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(i["id"], i["title"], i["minutes"]) for i in agenda["items"]]


async def test_a_meeting_created_with_an_agenda_shows_it_to_whoever_joins(
    meeting: ServedMeeting,
) -> None:
    async with api(meeting.app) as http:
        response = await http.post(
            "/api/meetings", json={"title": "Forum", "agenda": PROGRAMME}, headers=ADMIN
        )
    assert response.status_code == 201, response.text
    created = response.json()
    assert titles(created["agenda"]) == [("item-1", "Welcome", 5), ("item-2", "Initiatives", 40)]
    client = await meeting.connect()
    welcome = await client.hello(created["invite_token"], "Ala")
    agenda = welcome["snapshot"]["agenda"]
    assert titles(agenda) == titles(created["agenda"])
    assert agenda["items"][1]["presenters"] == [
        {"name": "Ola Nowak", "participant": None},
        {"name": "Jan Lis", "participant": None},
    ]
    assert [i["status"] for i in agenda["items"]] == ["pending", "pending"]
    assert agenda["current"] is None


async def test_the_organiser_replaces_the_agenda_and_everyone_sees_it(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    replies = await moderator.ask({"type": "set_agenda", "items": WIRE_PROGRAMME})
    assert [m["type"] for m in replies] == ["agenda_set", "ok"]
    started = await moderator.ask({"type": "start_agenda_item"})
    assert started[0]["type"] == "agenda_item_started"
    assert started[0]["item"] == "item-1"

    edited = [
        {"title": "Initiatives of the district", "minutes": 45, "id": "item-2"},
        {"title": "Welcome", "minutes": 5, "id": "item-1"},
        {"title": "Questions", "minutes": 20},
    ]
    async with api(meeting.app) as http:
        response = await http.put(
            f"/api/meetings/{meeting.id}/agenda", json={"agenda": edited}, headers=ADMIN
        )
    assert response.status_code == 200, response.text
    agenda = response.json()["agenda"]
    assert titles(agenda) == [
        ("item-2", "Initiatives of the district", 45),
        ("item-1", "Welcome", 5),
        ("item-3", "Questions", 20),
    ]
    assert [i["status"] for i in agenda["items"]] == ["pending", "current", "pending"]
    assert agenda["current"] == "item-1"
    event = await moderator.expect("agenda_set")
    assert event["by"] is None
    assert [i["id"] for i in event["items"]] == ["item-2", "item-1", "item-3"]


@pytest.mark.parametrize(
    ("agenda", "code", "message"),
    [
        ("Welcome", "invalid", "agenda: a list of items is needed"),
        ([{"minutes": 5}], "invalid", "agenda[0].title: missing"),
        ([{"title": "A", "minutes": "5"}], "invalid", "agenda[0].minutes: expected an integer"),
        ([{"title": "A", "minutes": 0}], "invalid", "agenda[0]: minutes must be positive"),
        ([{"title": "A", "minutes": 5, "when": 1}], "invalid", "agenda[0]: unknown field 'when'"),
        ([{"title": "A", "minutes": 5, "presenters": [7]}], "invalid", "agenda[0].presenters[0]"),
        ([{"title": " ", "minutes": 5}], "invalid", "agenda[0].title: must not be empty"),
        ([{"title": "A", "minutes": 481}], "invalid", "agenda[0].minutes: at most 480"),
        ([{"title": "A", "minutes": 5}] * 41, "invalid", "agenda: at most 40 agenda items"),
        (
            [{"title": "A", "minutes": 5, "id": "item-9"}],
            "unknown_item",
            "agenda[0].id: no agenda item 'item-9'",
        ),
        (
            [{"title": "A", "minutes": 5, "presenters": [{"participant": "nobody"}]}],
            "unknown_participant",
            "agenda[0].presenters[0].participant: no participant 'nobody'",
        ),
    ],
)
async def test_a_bad_agenda_is_refused_naming_what_was_wrong_and_changes_nothing(
    meeting: ServedMeeting, agenda: object, code: str, message: str
) -> None:
    before = to_plain(meeting.live.meeting.state)
    async with api(meeting.app) as http:
        created = await http.post(
            "/api/meetings", json={"title": "Forum", "agenda": agenda}, headers=ADMIN
        )
        replaced = await http.put(
            f"/api/meetings/{meeting.id}/agenda", json={"agenda": agenda}, headers=ADMIN
        )
        health = await http.get("/healthz")
    for response in (created, replaced):
        assert response.status_code == 400
        assert response.json()["error"] == code
        assert response.json()["message"].startswith(message), response.json()
    # Neither a meeting left behind nor a change to the one there was.
    assert health.json()["meetings"] == 1
    assert to_plain(meeting.live.meeting.state) == before


async def test_setting_the_agenda_needs_the_admin_token_and_a_meeting(serve: Serve) -> None:
    served = await serve()
    body = {"agenda": PROGRAMME}
    async with api(served.app) as http:
        anonymous = await http.put(f"/api/meetings/{served.id}/agenda", json=body)
        moderator = await http.put(
            f"/api/meetings/{served.id}/agenda",
            json=body,
            headers={"Authorization": f"Bearer {served.moderator_token}"},
        )
        elsewhere = await http.put("/api/meetings/nowhere/agenda", json=body, headers=ADMIN)
        no_agenda = await http.put(f"/api/meetings/{served.id}/agenda", json={}, headers=ADMIN)
    assert (anonymous.status_code, anonymous.json()["error"]) == (401, "unauthorized")
    assert (moderator.status_code, moderator.json()["error"]) == (401, "unauthorized")
    assert (elsewhere.status_code, elsewhere.json()["error"]) == (404, "no_meeting")
    assert (no_agenda.status_code, no_agenda.json()["message"]) == (
        400,
        "agenda: a list of items is needed",
    )
    assert served.live.meeting.state.agenda.items == []


async def test_a_participant_cannot_move_the_agenda_along(meeting: ServedMeeting) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    participant, _ = await meeting.join("Eve")
    await moderator.ask({"type": "set_agenda", "items": WIRE_PROGRAMME})
    before = to_plain(meeting.live.meeting.state)
    for command in (
        {"type": "set_agenda", "items": []},
        {"type": "start_agenda_item"},
        {"type": "skip_agenda_item", "item": "item-1"},
        {"type": "reopen_agenda_item", "item": "item-1"},
    ):
        replies = await participant.ask(command)
        assert [(m["type"], m.get("code")) for m in replies][-1] == ("error", "not_allowed")
    assert to_plain(meeting.live.meeting.state) == before


async def test_an_agenda_json_cannot_carry_is_refused(meeting: ServedMeeting) -> None:
    content = b'{"agenda": [{"title": "Powitanie \\ud800", "minutes": 5}]}'
    async with api(meeting.app) as http:
        response = await http.put(
            f"/api/meetings/{meeting.id}/agenda", content=content, headers=ADMIN
        )
    assert response.status_code == 400
    assert response.json()["message"].startswith("agenda: has a lone surrogate")
    assert meeting.live.meeting.state.agenda.items == []
