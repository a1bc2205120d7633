"""The opening over HTTP and the wire: before it, the invitation says when the meeting opens and a
participant's hello is refused with `not_open_yet` and the opening time (the socket stays open);
moderators and presenters join early; at the opening the participant gets in. The server's clock
is the test's (`ManualClock`), so no test waits for the time to come."""

from datetime import UTC, datetime
from typing import Any

from rooms import MeetingConfig
from server.meetings.hub import LocalHub

from .conftest import ADMIN_TOKEN, ManualClock, Serve, ServedMeeting, api

OPEN_BEFORE_S = 600


async def scheduled_in(serve: Serve, clock: ManualClock, start: float) -> tuple[ServedMeeting, Any]:
    served = await serve(clock=clock, meeting=MeetingConfig(open_before_s=OPEN_BEFORE_S))
    async with api(served.app) as http:
        response = await http.post(
            "/api/meetings",
            json={"title": "Forum", "starts_at": datetime.fromtimestamp(start, UTC).isoformat()},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
    assert response.status_code == 201, response.text
    return served, response.json()


async def invitation(served: ServedMeeting, token: str) -> dict[str, Any]:
    async with api(served.app) as http:
        response = await http.get("/api/invitation", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_before_the_opening_a_participant_is_told_when_and_the_others_come_in(
    serve: Serve,
) -> None:
    clock = ManualClock()
    start = round(clock.now) + 3600
    opens_at = start - OPEN_BEFORE_S
    served, created = await scheduled_in(serve, clock, start)
    clock.now = opens_at - 90

    invited = await invitation(served, created["invite_token"])
    assert (invited["opens_at"], invited["now"]) == (opens_at, clock.now)
    assert (await invitation(served, created["presenter_token"]))["opens_at"] == opens_at

    early = await served.connect()
    await early.send({"type": "hello", "token": created["invite_token"], "name": "Ala", "ref": 3})
    refusal = await early.expect("error")
    assert (refusal["code"], refusal["ref"], refusal["opens_at"]) == ("not_open_yet", 3, opens_at)
    assert "in 90 s" in refusal["message"]
    hub = served.services.hub
    assert isinstance(hub, LocalHub)
    live = hub.get(created["id"])
    assert live is not None and live.meeting.state.participants == {}

    # The socket stays open: a corrected hello (here a presenter's link) gets in on it.
    welcome = await early.hello(created["presenter_token"], "Prezydent Miasta")
    assert welcome["snapshot"]["participants"][welcome["you"]]["role"] == "presenter"
    moderator = await served.connect()
    welcome = await moderator.hello(created["moderator_token"], "Mo")
    assert welcome["snapshot"]["participants"][welcome["you"]]["role"] == "moderator"

    clock.now = opens_at
    participant = await served.connect()
    welcome = await participant.hello(created["invite_token"], "Ala")
    assert welcome["snapshot"]["participants"][welcome["you"]]["role"] == "participant"


async def test_a_meeting_with_no_start_is_always_open(meeting: ServedMeeting) -> None:
    invited = await invitation(meeting, meeting.invite_token)
    assert invited["opens_at"] is None
    _, welcome = await meeting.join("Ala")
    assert welcome["snapshot"]["participants"][welcome["you"]]["role"] == "participant"


async def test_an_invitees_personal_link_waits_as_its_role_does(serve: Serve) -> None:
    clock = ManualClock()
    start = round(clock.now) + 3600
    opens_at = start - OPEN_BEFORE_S
    served, created = await scheduled_in(serve, clock, start)
    csv = "name,organisation,district,group,e-mail,role\r\nAla Lis,,Łabędy,,,participant\r\n"
    csv += "Anna Nowak,,Sośnica,,,presenter\r\n"
    async with api(served.app) as http:
        path = f"/api/meetings/{created['id']}/invitees"
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        response = await http.post(path, content=csv.encode(), headers=admin)
        assert response.status_code == 201, response.text
        listed = (await http.get(path, headers=admin)).json()["invitees"]
    ala, anna = (str(one["link"]).rsplit("#", 1)[1] for one in listed)
    clock.now = opens_at - 1

    early = await served.connect()
    await early.send({"type": "hello", "token": ala, "name": "Ala"})
    refusal = await early.expect("error")
    assert (refusal["code"], refusal["opens_at"]) == ("not_open_yet", opens_at)
    presenter = await served.connect()
    welcome = await presenter.hello(anna, "Anna")
    assert welcome["snapshot"]["participants"][welcome["you"]]["role"] == "presenter"
