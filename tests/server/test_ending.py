"""Ending the meeting over the wire: everyone is told, every socket closes with `meeting_ended`,
and after it no hello or resume gets in; the meeting's data stays for the record."""

import logging

import pytest

from rooms.plain import to_plain
from server.protocol.close_codes import CloseCode

from .conftest import ADMIN_TOKEN, ServedMeeting, api


async def test_everyone_is_told_and_every_socket_closes_with_meeting_ended(
    meeting: ServedMeeting, caplog: pytest.LogCaptureFixture
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    ada, _ = await meeting.join("Ada")
    bo, _ = await meeting.join("Bo")
    await moderator.until("participant_joined")
    await moderator.until("participant_joined")
    await ada.expect("participant_joined")

    await moderator.send({"type": "end_meeting", "ref": 1})

    for client in (moderator, ada, bo):
        code, received = await client.closed()
        assert code == CloseCode.MEETING_ENDED
        # The event, last before the close: the client shows its ended screen.
        assert [m["type"] for m in received] == ["meeting_ended"]
    live = meeting.live
    assert live.meeting.state.ended_at == received[0]["at"]
    assert live.fanout.listeners == {}
    for client in (moderator, ada, bo):
        await client.disconnect()
    # The roster stays as it was when the meeting ended: nobody was marked gone after it, and
    # no goodbye was reported as a failure.
    assert all(p.connected for p in live.meeting.state.participants.values())
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_a_participant_cannot_end_the_meeting(meeting: ServedMeeting) -> None:
    await meeting.join("Mo", moderator=True)
    ada, _ = await meeting.join("Ada")
    before = to_plain(meeting.live.meeting.state)

    replies = await ada.ask({"type": "end_meeting"})

    assert [(m["type"], m["code"]) for m in replies] == [("error", "not_allowed")]
    assert to_plain(meeting.live.meeting.state) == before


async def test_after_the_end_hello_and_resume_are_refused_and_the_data_stays(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    ada, welcome = await meeting.join("Ada")
    await moderator.expect("participant_joined")
    await moderator.send({"type": "end_meeting"})
    assert (await ada.closed())[0] == CloseCode.MEETING_ENDED
    ended = to_plain(meeting.live.meeting.state)

    newcomer = await meeting.connect()
    await newcomer.send({"type": "hello", "token": meeting.invite_token, "name": "Late", "ref": 7})
    code, received = await newcomer.closed()
    assert code == CloseCode.MEETING_ENDED
    assert [(m["type"], m["code"], m["message"], m["ref"]) for m in received] == [
        ("error", "meeting_ended", "the meeting has ended", 7)
    ]

    back = await meeting.connect()
    await back.send({"type": "resume", "resume": welcome["resume"], "last_seq": welcome["seq"]})
    code, received = await back.closed()
    assert code == CloseCode.MEETING_ENDED
    assert [(m["type"], m["code"]) for m in received] == [("error", "meeting_ended")]

    # Still there for the record, unchanged, until the meeting's data expires; the join page
    # learns that it ended before anyone tries to join.
    assert await meeting.services.hub.open(meeting.live.meeting.state.id) is meeting.live
    assert to_plain(meeting.live.meeting.state) == ended
    async with api(meeting.app) as http:
        invitation = await http.get(
            "/api/invitation", headers={"Authorization": f"Bearer {meeting.invite_token}"}
        )
        agenda = await http.put(
            f"/api/meetings/{meeting.id}/agenda",
            json={"agenda": [{"title": "Afterwards", "minutes": 5}]},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
    assert invitation.json()["ended_at"] == meeting.live.meeting.state.ended_at is not None
    assert (agenda.status_code, agenda.json()["error"]) == (400, "meeting_ended")
    assert to_plain(meeting.live.meeting.state) == ended


async def test_no_clock_or_ghost_wakes_an_ended_meeting(meeting: ServedMeeting) -> None:
    """The workshops' deadline and a ghost's departure were due; after the end, nothing is."""
    moderator, _ = await meeting.join("Mo", moderator=True)
    ada, _ = await meeting.join("Ada")
    await moderator.expect("participant_joined")
    await moderator.ask({"type": "create_rooms", "names": ["North"]})
    await moderator.ask({"type": "open_rooms", "duration_s": 600})
    await ada.disconnect()
    await moderator.until("participant_disconnected")
    assert meeting.live.deadlines.next_wakeup() is not None

    await moderator.send({"type": "end_meeting"})
    assert (await moderator.closed())[0] == CloseCode.MEETING_ENDED

    assert meeting.live.deadlines.next_wakeup() is None
    assert meeting.live.deadlines.due(meeting.services.clock() + 3600) == []
