"""The doors over the wire: a locked meeting refuses a newcomer's hello with `meeting_locked`
and close 4012, lets those in resume, and a moderator asks the whole plenary to mute."""

from rooms.plain import to_plain
from server.protocol.close_codes import CloseCode

from .conftest import ServedMeeting


async def test_a_locked_meeting_refuses_a_newcomer_and_lets_those_in_resume(
    meeting: ServedMeeting,
) -> None:
    moderator, mo = await meeting.join("Mo", moderator=True)
    ada, welcome = await meeting.join("Ada")
    await moderator.expect("participant_joined")

    replies = await moderator.ask({"type": "lock_meeting"})
    assert [m["type"] for m in replies] == ["meeting_locked", "ok"]
    assert (await ada.expect("meeting_locked"))["by"] == mo["you"]
    locked = to_plain(meeting.live.meeting.state)
    assert locked["locked"] is True

    newcomer = await meeting.connect()
    await newcomer.send({"type": "hello", "token": meeting.invite_token, "name": "Late", "ref": 7})
    code, received = await newcomer.closed()
    assert code == CloseCode.MEETING_LOCKED
    assert [(m["type"], m["code"], m["ref"]) for m in received] == [
        ("error", "meeting_locked", 7)
    ]
    assert "locked" in received[0]["message"]
    assert to_plain(meeting.live.meeting.state) == locked

    await ada.disconnect()
    await moderator.expect("participant_disconnected")
    back = await meeting.connect()
    rewelcome = await back.resume(welcome["resume"], welcome["seq"])
    assert rewelcome["type"] == "welcome"

    await moderator.ask({"type": "unlock_meeting"})
    _, late = await meeting.join("Late")
    assert late["you"] in meeting.live.meeting.state.participants


async def test_mute_everyone_asks_each_participant_alone(meeting: ServedMeeting) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    ada, ada_welcome = await meeting.join("Ada")
    bo, bo_welcome = await meeting.join("Bo")
    await moderator.until("participant_joined")
    await moderator.until("participant_joined")
    await ada.expect("participant_joined")

    replies = await moderator.ask({"type": "mute_everyone"})
    assert [m["type"] for m in replies] == ["ok"]
    for person, welcome in ((ada, ada_welcome), (bo, bo_welcome)):
        asked = await person.until("mute_requested")
        # Each hears of their own request only.
        assert [m["participant"] for m in asked if m["type"] == "mute_requested"] == [
            welcome["you"]
        ]


async def test_a_participant_may_not_lock_or_mute_everyone(meeting: ServedMeeting) -> None:
    await meeting.join("Mo", moderator=True)
    ada, _ = await meeting.join("Ada")
    before = to_plain(meeting.live.meeting.state)
    for kind in ("lock_meeting", "unlock_meeting", "mute_everyone"):
        replies = await ada.ask({"type": kind})
        assert [(m["type"], m["code"]) for m in replies] == [("error", "not_allowed")]
    assert to_plain(meeting.live.meeting.state) == before
