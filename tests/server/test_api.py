"""The HTTP API: creating a meeting, reading an invitation, and the health check."""

import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pytest

from rooms import MeetingConfig, MeetingId
from rooms.organiser import MAX_TITLE_CHARS
from server.settings import Settings
from server.tokens import Grant, Kind, Signer

from .conftest import ADMIN_TOKEN, SECRET, TITLE, ManualClock, Serve, ServedMeeting, api
from .forged import bad_tokens

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("not-the-admin-token"), {"Authorization": ADMIN_TOKEN}],
    ids=["no token", "wrong token", "no bearer scheme"],
)
async def test_creating_a_meeting_needs_the_admin_token(
    meeting: ServedMeeting, headers: dict[str, str]
) -> None:
    async with api(meeting.app) as http:
        response = await http.post("/api/meetings", json={"title": "Forum"}, headers=headers)
        health = await http.get("/healthz")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert health.json()["meetings"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": 42}, "title"),
        ({"title": "x" * (MAX_TITLE_CHARS + 1)}, "title"),
        ({"title": "Forum", "starts_at": "next Tuesday"}, "starts_at"),
        ({"title": "Forum", "starts_at": "2030-13-01T10:00"}, "starts_at"),
        ({"title": "Forum", "starts_at": True}, "starts_at"),
        # Its opening, 15 minutes before, would be in no year a date can hold.
        ({"title": "Forum", "starts_at": "0001-01-01T00:05:00+00:00"}, "starts_at"),
        ({"title": "Forum", "ends_at": "9999-12-31T23:59:00-14:00"}, "ends_at"),
    ],
    ids=[
        "missing title",
        "empty title",
        "blank title",
        "title not a string",
        "title too long",
        "starts_at not a date",
        "starts_at no such month",
        "starts_at a boolean",
        "starts_at in year 1",
        "ends_at in year 10000 in UTC",
    ],
)
async def test_a_bad_body_is_refused_naming_the_field(
    meeting: ServedMeeting, body: dict[str, Any], field: str
) -> None:
    async with api(meeting.app) as http:
        response = await http.post("/api/meetings", json=body, headers=ADMIN)
        health = await http.get("/healthz")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert response.json()["message"].startswith(f"{field}:")
    assert health.json()["meetings"] == 1


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'"Forum"'])
async def test_a_body_that_is_not_a_json_object_is_refused(
    meeting: ServedMeeting, content: bytes
) -> None:
    async with api(meeting.app) as http:
        response = await http.post("/api/meetings", content=content, headers=ADMIN)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


@pytest.mark.parametrize(
    ("content", "mentions"),
    [
        (b'{"title": "Forum", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested"),
        (b'{"title": "Forum \\ud800"}', "title:"),
        (b'{"title": "\\udfff"}', "title:"),
    ],
    ids=["nested 100,000 deep", "lone high surrogate", "lone low surrogate"],
)
async def test_a_body_json_cannot_carry_is_refused_before_anything_is_created(
    meeting: ServedMeeting, content: bytes, mentions: str
) -> None:
    async with api(meeting.app) as http:
        response = await http.post("/api/meetings", content=content, headers=ADMIN)
        health = await http.get("/healthz")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert mentions in response.json()["message"]
    assert health.json()["meetings"] == 1


async def test_a_title_of_the_longest_length_is_accepted(meeting: ServedMeeting) -> None:
    async with api(meeting.app) as http:
        title = "x" * MAX_TITLE_CHARS
        response = await http.post("/api/meetings", json={"title": title}, headers=ADMIN)
    assert response.status_code == 201
    assert response.json()["title"] == title


async def test_a_created_meeting_has_links_that_work(serve: Serve) -> None:
    clock = ManualClock()
    served = await serve(public_url="https://plenum.example.org/", clock=clock)
    async with api(served.app) as http:
        response = await http.post(
            "/api/meetings",
            json={"title": "  Budget \n forum ", "starts_at": "2030-05-01T18:00:00+02:00"},
            headers=ADMIN,
        )
        created = response.json()
        as_moderator = await http.get("/api/invitation", headers=bearer(created["moderator_token"]))
        as_invited = await http.get("/api/invitation", headers=bearer(created["invite_token"]))
        health = await http.get("/healthz")

    assert response.status_code == 201
    assert created["title"] == "Budget forum"
    assert created["starts_at"] == datetime(2030, 5, 1, 16, tzinfo=UTC).timestamp()
    assert created["moderator_link"] == f"https://plenum.example.org/#{created['moderator_token']}"
    assert created["invite_link"] == f"https://plenum.example.org/#{created['invite_token']}"
    assert created["presenter_link"] == f"https://plenum.example.org/#{created['presenter_token']}"
    # No end given: the start plus the meeting's length.
    assert created["ends_at"] == created["starts_at"] + Settings().meeting_length_s
    assert as_moderator.json() == {
        "id": created["id"],
        "title": "Budget forum",
        "starts_at": created["starts_at"],
        "ends_at": created["ends_at"],
        "ended_at": None,
        "opens_at": created["starts_at"] - MeetingConfig().open_before_s,
        "now": clock.now,
        "role": "moderator",
        "media": True,
        "limits": asdict(MeetingConfig()),
    }
    assert as_invited.json()["role"] == "participant"
    assert health.json() == {"status": "ok", "meetings": 2}

    moderator = await served.connect()
    welcome = await moderator.hello(created["moderator_token"], "Mo")
    assert welcome["snapshot"]["id"] == created["id"]
    assert welcome["snapshot"]["participants"][welcome["you"]]["role"] == "moderator"
    clock.now = created["starts_at"]  # a participant's link lets in from the opening (on time)
    invited = await served.connect()
    welcome = await invited.hello(created["invite_token"], "Ala")
    assert welcome["snapshot"]["title"] == "Budget forum"
    assert welcome["snapshot"]["participants"][welcome["you"]]["role"] == "participant"


async def test_an_invitation_names_the_meeting_and_the_links_role(meeting: ServedMeeting) -> None:
    async with api(meeting.app) as http:
        invited = await http.get("/api/invitation", headers=bearer(meeting.invite_token))
        moderating = await http.get("/api/invitation", headers=bearer(meeting.moderator_token))
    assert invited.status_code == 200
    body = invited.json()
    assert abs(body.pop("now") - time.time()) < 60  # the server's clock, for the join page
    assert body == {
        "id": meeting.id,
        "title": TITLE,
        "starts_at": None,
        "ends_at": meeting.created["ends_at"],
        "ended_at": None,
        "opens_at": None,
        "role": "participant",
        "media": True,
        "limits": asdict(MeetingConfig()),
    }
    assert moderating.json()["role"] == "moderator"


@pytest.mark.parametrize(
    "which",
    ["garbage", "signed with another secret", "invite turned moderator", "expired", "resume token"],
)
async def test_an_invitation_with_a_bad_token_is_refused(
    meeting: ServedMeeting, which: str
) -> None:
    async with api(meeting.app) as http:
        response = await http.get("/api/invitation", headers=bearer(bad_tokens(meeting)[which]))
    assert response.status_code == 401
    assert response.json()["error"] == "bad_token"


async def test_an_invitation_without_a_token_is_refused(meeting: ServedMeeting) -> None:
    async with api(meeting.app) as http:
        response = await http.get("/api/invitation")
    assert response.status_code == 401
    assert response.json()["error"] == "bad_token"


async def test_an_invitation_to_a_meeting_this_server_does_not_have(
    meeting: ServedMeeting,
) -> None:
    token = Signer(SECRET).issue(Grant(Kind.INVITE, MeetingId("elsewhere"), time.time() + 60))
    async with api(meeting.app) as http:
        response = await http.get("/api/invitation", headers=bearer(token))
    assert response.status_code == 404
    assert response.json()["error"] == "no_meeting"


async def test_health_counts_the_meetings(serve: Serve) -> None:
    served = await serve()
    async with api(served.app) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok", "meetings": 1}
        await http.post("/api/meetings", json={"title": "Second"}, headers=ADMIN)
        assert (await http.get("/healthz")).json() == {"status": "ok", "meetings": 2}


async def test_a_title_with_control_characters_is_refused(meeting: ServedMeeting) -> None:
    async with api(meeting.app) as http:
        response = await http.post(
            "/api/meetings", json={"title": "Forum\x1b[2J\x00"}, headers=ADMIN
        )
    assert response.status_code == 400
    assert response.json()["message"].startswith("title:")
