"""The meeting's links (`server.links`): one per role, the presenter's too; valid until the
meeting's end plus the data's retention, which the organiser moves with `PATCH`; reissued per
role, the older one then refused with its own code while those who joined with it stay."""

from datetime import datetime
from typing import Any

import pytest

from rooms import MeetingState
from server.meetings.hub import LocalHub
from server.protocol.close_codes import CloseCode
from server.settings import Settings

from .conftest import ADMIN_TOKEN, ManualClock, Serve, ServedMeeting, api

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
RETENTION_S = 7 * 24 * 3600
START = "2030-05-01T18:00:00+02:00"
END = "2030-05-01T21:00:00+02:00"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def moment(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


async def invitation(served: ServedMeeting, token: str) -> tuple[int, dict[str, Any]]:
    async with api(served.app) as http:
        response = await http.get("/api/invitation", headers=bearer(token))
    return response.status_code, response.json()


async def refused_hello(served: ServedMeeting, token: str) -> tuple[int, str, str]:
    """A hello with `token` the server refuses: its close code, error code and message."""
    client = await served.connect()
    await client.send({"type": "hello", "token": token, "name": "Ala"})
    code, before = await client.closed()
    assert [m["type"] for m in before] == ["error"]
    return code, before[0]["code"], before[0]["message"]


def state_of(served: ServedMeeting, created: dict[str, Any]) -> MeetingState:
    assert isinstance(served.services.hub, LocalHub)
    live = served.services.hub.get(created["id"])
    assert live is not None
    return live.meeting.state


async def scheduled(serve: Serve, clock: ManualClock, **body: Any) -> tuple[ServedMeeting, Any]:
    """An app on `clock`, and a meeting in it created with `body` (a title of its own)."""
    served = await serve(clock=clock, retention_s=RETENTION_S)
    async with api(served.app) as http:
        response = await http.post(
            "/api/meetings", json={"title": "Forum Łabędy", **body}, headers=ADMIN
        )
    assert response.status_code == 201, response.text
    return served, response.json()


async def test_a_presenter_link_joins_as_a_presenter(meeting: ServedMeeting) -> None:
    token = meeting.created["presenter_token"]
    assert meeting.created["presenter_link"].endswith(f"/#{token}")
    status, invited = await invitation(meeting, token)
    assert (status, invited["role"]) == (200, "presenter")

    presenter = await meeting.connect()
    welcome = await presenter.hello(token, "Prezydent Miasta")
    assert welcome["snapshot"]["participants"][welcome["you"]]["role"] == "presenter"


async def test_links_work_until_the_end_plus_the_retention_then_say_they_expired(
    serve: Serve,
) -> None:
    clock = ManualClock()
    clock.now = moment(START) - 10 * 7 * 24 * 3600  # created ten weeks before the forum
    served, created = await scheduled(serve, clock, starts_at=START, ends_at=END)
    assert created["ends_at"] == moment(END)

    clock.now = moment(END) + RETENTION_S  # the last moment
    assert (await invitation(served, created["invite_token"]))[0] == 200
    clock.advance(1)
    status, body = await invitation(served, created["invite_token"])
    assert (status, body["error"]) == (410, "link_expired")
    assert "expired" in body["message"]
    code, error, _ = await refused_hello(served, created["moderator_token"])
    assert (code, error) == (CloseCode.BAD_TOKEN, "link_expired")
    assert state_of(served, created).participants == {}


async def test_a_meeting_without_an_end_ends_a_token_lifetime_after_its_creation(
    serve: Serve,
) -> None:
    clock = ManualClock()
    _, created = await scheduled(serve, clock)
    assert created["ends_at"] == clock.now + Settings().token_ttl_s


async def test_moving_the_end_moves_the_links_validity_and_everyone_is_told(
    serve: Serve,
) -> None:
    clock = ManualClock()
    clock.now = moment(START) - 3600
    served, created = await scheduled(serve, clock, starts_at=START, ends_at=END)
    here = await served.connect()
    await here.hello(created["moderator_token"], "Mo")

    later_start, later_end = "2030-05-08T18:00:00+02:00", "2030-05-08T21:00:00+02:00"
    async with api(served.app) as http:
        edited = await http.patch(
            f"/api/meetings/{created['id']}",
            json={"title": "Forum Łabędy, II", "starts_at": later_start, "ends_at": later_end},
            headers=ADMIN,
        )
    assert edited.status_code == 200, edited.text
    assert edited.json() == {
        "id": created["id"],
        "title": "Forum Łabędy, II",
        "starts_at": moment(later_start),
        "ends_at": moment(later_end),
        "description": "",
        "language": "pl",
    }
    told = await here.expect("meeting_scheduled")
    assert (told["title"], told["ends_at"]) == ("Forum Łabędy, II", moment(later_end))

    # Past the old end plus the retention, the same link still works: the end moved it.
    clock.now = moment(END) + RETENTION_S + 1
    status, invited = await invitation(served, created["invite_token"])
    assert (status, invited["title"], invited["ends_at"]) == (
        200,
        "Forum Łabędy, II",
        moment(later_end),
    )
    joined = await served.connect()
    await joined.hello(created["invite_token"], "Ala")


async def test_moving_only_the_start_keeps_the_meetings_length(serve: Serve) -> None:
    clock = ManualClock()
    served, created = await scheduled(serve, clock, starts_at=START, ends_at=END)
    async with api(served.app) as http:
        edited = await http.patch(
            f"/api/meetings/{created['id']}",
            json={"starts_at": "2030-05-01T19:00:00+02:00"},
            headers=ADMIN,
        )
    assert edited.json()["ends_at"] == moment(END) + 3600


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"ends_at": "2030-05-01T17:00:00+02:00"}, "ends_at: must be after starts_at"),
        ({"ends_at": None}, "ends_at: a meeting keeps an end"),
        ({"ends_at": "tomorrow"}, "ends_at: an ISO 8601"),
        ({"starts_at": "2030-05-01T18:00:00"}, "starts_at: an ISO 8601"),
        ({"starts_at": "0001-01-01T00:05:00+00:00"}, "starts_at: between the years 2000 and"),
        # The end moves with the start, out of what a date can hold.
        ({"starts_at": "8999-12-31T23:00:00+00:00"}, "ends_at: between the years 2000 and"),
        ({"title": " "}, "title:"),
        ({"title": "Forum", "place": "Łabędy"}, "place: not a field"),
        ({"language": "de"}, "language: pl or en"),
        ({"description": ["a"]}, "description: a string is needed"),
        ({"description": "D" * 2001}, "description: longer than 2000 characters"),
        ({}, "title, starts_at, ends_at, description or language is needed"),
    ],
)
async def test_a_bad_edit_is_refused_naming_the_field_and_changes_nothing(
    serve: Serve, body: dict[str, Any], message: str
) -> None:
    clock = ManualClock()
    served, created = await scheduled(serve, clock, starts_at=START, ends_at=END)
    before = state_of(served, created).seq
    async with api(served.app) as http:
        edited = await http.patch(f"/api/meetings/{created['id']}", json=body, headers=ADMIN)
    assert edited.status_code == 400
    assert edited.json()["error"] == "invalid"
    assert edited.json()["message"].startswith(message)
    state = state_of(served, created)
    assert (state.seq, state.title, state.ends_at) == (before, "Forum Łabędy", moment(END))


async def test_a_reissued_link_works_and_the_old_one_is_refused_while_those_in_stay(
    meeting: ServedMeeting,
) -> None:
    old = meeting.invite_token
    stays, welcome = await meeting.join("Jan Kowalski")
    async with api(meeting.app) as http:
        reissued = await http.post(
            f"/api/meetings/{meeting.id}/links/participant/reissue", headers=ADMIN
        )
        listed = await http.get(f"/api/meetings/{meeting.id}/links", headers=ADMIN)
    assert reissued.status_code == 200, reissued.text
    new = reissued.json()
    assert (new["role"], new["generation"]) == ("participant", 1)
    assert new["token"] != old
    assert new["link"].endswith(f"/#{new['token']}")
    by_role = {link["role"]: link for link in listed.json()["links"]}
    assert by_role["participant"] == {k: v for k, v in new.items() if k != "valid_until"}
    # The other roles' links are as they were.
    assert by_role["moderator"]["token"] == meeting.moderator_token
    assert by_role["presenter"]["token"] == meeting.created["presenter_token"]
    assert listed.json()["valid_until"] == meeting.created["ends_at"] + Settings().retention_s

    status, body = await invitation(meeting, old)
    assert (status, body["error"]) == (410, "link_revoked")
    assert body["message"].startswith("this participant link was replaced by a new one")
    code, error, message = await refused_hello(meeting, old)
    assert (code, error) == (CloseCode.BAD_TOKEN, "link_revoked")
    assert "ask the organiser" in message

    assert (await invitation(meeting, new["token"]))[1]["role"] == "participant"
    newcomer = await meeting.connect()
    await newcomer.hello(new["token"], "Ala Nowak")
    # Jan, who joined with the old link, is still in, and comes back with his resume token.
    assert await stays.ask({"type": "send_chat", "text": "Dzień dobry"}) != []
    await stays.disconnect()
    again = await meeting.connect()
    resumed = await again.resume(welcome["resume"], None)
    assert resumed["you"] == welcome["you"]


async def test_a_revoked_moderator_link_no_longer_opens_the_record(meeting: ServedMeeting) -> None:
    async with api(meeting.app) as http:
        await http.post(f"/api/meetings/{meeting.id}/links/moderator/reissue", headers=ADMIN)
        record = await http.get(
            f"/api/meetings/{meeting.id}/record.json", headers=bearer(meeting.moderator_token)
        )
    assert (record.status_code, record.json()["error"]) == (410, "link_revoked")
    assert "replaced by a new one" in record.json()["message"]


def admin_routes(meeting_id: str) -> list[tuple[str, str]]:
    return [
        ("PATCH", f"/api/meetings/{meeting_id}"),
        ("GET", f"/api/meetings/{meeting_id}/links"),
        ("POST", f"/api/meetings/{meeting_id}/links/moderator/reissue"),
    ]


@pytest.mark.parametrize("link", ["moderator_token", "presenter_token", "invite_token"])
async def test_a_links_token_cannot_edit_the_meeting_or_its_links(
    meeting: ServedMeeting, link: str
) -> None:
    before = meeting.services.links(meeting.live)
    async with api(meeting.app) as http:
        for method, path in admin_routes(meeting.id):
            response = await http.request(
                method, path, json={"title": "Hijacked"}, headers=bearer(meeting.created[link])
            )
            assert (response.status_code, response.json()["error"]) == (401, "unauthorized")
    assert meeting.live.meeting.state.title != "Hijacked"
    assert meeting.services.links(meeting.live) == before


async def test_unknown_roles_and_meetings_are_refused(meeting: ServedMeeting) -> None:
    async with api(meeting.app) as http:
        role = await http.post(f"/api/meetings/{meeting.id}/links/mayor/reissue", headers=ADMIN)
        gone = await http.get("/api/meetings/nowhere/links", headers=ADMIN)
        edit = await http.patch("/api/meetings/nowhere", json={"title": "X"}, headers=ADMIN)
    assert (role.status_code, role.json()["message"]) == (
        404,
        "role: moderator, presenter or participant",
    )
    assert (gone.status_code, gone.json()["error"]) == (404, "no_meeting")
    assert (edit.status_code, edit.json()["error"]) == (404, "no_meeting")


async def test_an_ended_meeting_keeps_its_schedule_but_its_links_may_be_reissued(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    await moderator.send({"type": "end_meeting"})
    assert (await moderator.closed())[0] == CloseCode.MEETING_ENDED
    async with api(meeting.app) as http:
        edit = await http.patch(f"/api/meetings/{meeting.id}", json={"title": "X"}, headers=ADMIN)
        reissue = await http.post(
            f"/api/meetings/{meeting.id}/links/moderator/reissue", headers=ADMIN
        )
    assert (edit.status_code, edit.json()["error"]) == (400, "meeting_ended")
    assert reissue.status_code == 200


