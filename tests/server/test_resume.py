"""Coming back after a dropped connection: the events missed or a fresh snapshot, then live ones."""

import time
from typing import Any

import pytest

from rooms import MeetingId
from server.protocol.close_codes import CloseCode
from server.tokens import Grant, Kind, Signer

from .client import Client
from .conftest import SECRET, Serve, ServedMeeting


async def _everyone_at(moderator: Client, *others: Client) -> int:
    """Let every client catch up with a broadcast; the sequence number it got."""
    sent = (await moderator.ask({"type": "broadcast", "text": "sync"}))[-2]
    for other in others:
        await other.until("broadcast_sent")
    return int(sent["seq"])


async def test_a_resumed_client_gets_exactly_the_events_it_missed_then_live_ones(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    ala, ala_welcome = await meeting.join("Ala")
    bo, bo_welcome = await meeting.join("Bo")
    cy, _ = await meeting.join("Cy")
    ala_id, bo_id = ala_welcome["you"], bo_welcome["you"]
    await moderator.ask({"type": "create_rooms", "names": ["North"]})
    for who in (ala_id, bo_id):
        await moderator.ask({"type": "move_participant", "participant": who, "room": "room-1"})
    await moderator.ask({"type": "open_rooms"})
    await ala.ask({"type": "raise_hand"})
    await bo.ask({"type": "raise_hand"})
    last_seq = await _everyone_at(moderator, ala, bo, cy)

    await ala.disconnect()
    assert (await moderator.until("participant_disconnected"))[-1]["participant"] == ala_id
    await cy.ask({"type": "send_chat", "text": "plenary, public"})
    await bo.ask({"type": "send_chat", "text": "North, for the room"})
    await cy.ask({"type": "send_chat", "text": "Cy to Bo, private", "to": bo_id})
    await moderator.ask({"type": "set_role", "participant": ala_id, "role": "presenter"})
    await moderator.ask({"type": "ask_to_mute", "participant": bo_id})

    back = await meeting.connect()
    welcome = await back.resume(ala_welcome["resume"], last_seq)
    missed = await back.until("participant_reconnected")

    assert welcome["snapshot"] is None
    assert (welcome["you"], welcome["seq"]) == (ala_id, last_seq)
    assert [(m["type"], m.get("participant"), m.get("text")) for m in missed] == [
        ("participant_disconnected", ala_id, None),
        ("chat_posted", None, "plenary, public"),
        ("chat_posted", None, "North, for the room"),
        ("role_changed", ala_id, None),
        ("participant_reconnected", ala_id, None),
    ]
    seqs = [m["seq"] for m in missed]
    assert seqs == sorted(seqs)
    assert seqs[0] == last_seq + 1
    assert seqs[-1] == meeting.live.meeting.state.seq

    # Live again: in the same room, with the new role, first in the hand queue.
    await _everyone_at(moderator, back, bo, cy)
    replies = await back.ask({"type": "send_chat", "text": "I am back"})
    assert replies[0]["room"] == "room-1"
    assert (await bo.expect("chat_posted"))["text"] == "I am back"
    assert (await moderator.until("chat_posted"))[-1]["text"] == "I am back"
    await moderator.ask({"type": "give_floor"})
    for client in (back, bo, cy):
        assert (await client.until("floor_given"))[-1]["participant"] == ala_id
    me = meeting.live.meeting.state.participants[ala_id]
    assert (me.room, me.role, me.connected) == ("room-1", "presenter", True)
    assert meeting.live.meeting.state.hand_queue == [bo_id]


@pytest.mark.parametrize("behind", ["beyond the log", "ahead of the meeting"])
async def test_a_resume_the_log_cannot_serve_gets_a_snapshot(serve: Serve, behind: str) -> None:
    served = await serve(event_log=3)
    moderator, _ = await served.join("Mo", moderator=True)
    ala, ala_welcome = await served.join("Ala")
    last_seq = await _everyone_at(moderator, ala)
    await ala.disconnect()
    for n in range(5):
        await moderator.ask({"type": "send_chat", "text": f"message {n}"})

    asked = last_seq if behind == "beyond the log" else served.live.meeting.state.seq + 10
    back = await served.connect()
    welcome = await back.resume(ala_welcome["resume"], asked)

    state = served.live.meeting.state
    snapshot: dict[str, Any] = welcome["snapshot"]
    assert snapshot is not None
    assert welcome["seq"] == snapshot["seq"] == state.seq
    assert snapshot["participants"][ala_welcome["you"]]["connected"] is True
    assert [m["text"] for m in snapshot["chat"]] == [f"message {n}" for n in range(5)]
    # Nothing is replayed on top of the snapshot: the next message is live.
    sent = (await moderator.ask({"type": "broadcast", "text": "live"}))[-2]
    assert (await back.expect("broadcast_sent"))["seq"] == sent["seq"] == state.seq


async def test_a_reloaded_page_resumes_with_no_last_seq_and_gets_a_snapshot(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    ala, ala_welcome = await meeting.join("Ala")
    bo, _ = await meeting.join("Bo")
    await ala.ask({"type": "raise_hand"})
    await bo.ask({"type": "raise_hand"})
    await _everyone_at(moderator, ala, bo)
    await ala.disconnect()
    await moderator.until("participant_disconnected")

    back = await meeting.connect()
    welcome = await back.resume(ala_welcome["resume"], None)

    state = meeting.live.meeting.state
    snapshot: dict[str, Any] = welcome["snapshot"]
    assert welcome["you"] == ala_welcome["you"]
    assert welcome["seq"] == snapshot["seq"] == state.seq
    assert snapshot["participants"][ala_welcome["you"]]["connected"] is True
    assert [p["name"] for p in snapshot["participants"].values()] == ["Mo", "Ala", "Bo"]
    assert snapshot["hand_queue"][0] == ala_welcome["you"]
    sent = (await moderator.ask({"type": "broadcast", "text": "live"}))[-2]
    assert (await back.expect("broadcast_sent"))["seq"] == sent["seq"]


async def test_a_second_connection_with_the_same_resume_token_replaces_the_first(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    first, welcome = await meeting.join("Ala")
    last_seq = await _everyone_at(moderator, first)

    second = await meeting.connect()
    again = await second.resume(welcome["resume"], last_seq)

    assert (again["you"], again["snapshot"], again["seq"]) == (welcome["you"], None, last_seq)
    code, before = await first.closed()
    assert (code, before) == (CloseCode.REPLACED, [])
    await first.disconnect()  # its handler has finished, and did not mark Ala gone
    replies = await moderator.ask({"type": "send_chat", "text": "still with us?"})
    # Nobody left: Ala is said to be back, on her new connection.
    assert [m["type"] for m in replies] == ["participant_reconnected", "chat_posted", "ok"]
    assert (await second.expect("participant_reconnected"))["participant"] == welcome["you"]
    assert (await second.expect("chat_posted"))["text"] == "still with us?"
    assert meeting.live.meeting.state.participants[welcome["you"]].connected is True


async def test_a_removed_participant_is_closed_and_cannot_resume(meeting: ServedMeeting) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    eve, welcome = await meeting.join("Eve")
    bo, _ = await meeting.join("Bo")
    last_seq = await _everyone_at(moderator, eve, bo)

    await moderator.ask({"type": "remove_participant", "participant": welcome["you"]})

    code, before = await eve.closed()
    assert code == CloseCode.REMOVED
    assert [(m["type"], m["participant"]) for m in before] == [
        ("participant_removed", welcome["you"])
    ]
    assert (await bo.expect("participant_removed"))["participant"] == welcome["you"]

    back = await meeting.connect()
    await back.send({"type": "resume", "resume": welcome["resume"], "last_seq": last_seq})
    code, before = await back.closed()
    assert code == CloseCode.REMOVED
    assert [(m["type"], m["code"]) for m in before] == [("error", "removed")]
    assert welcome["you"] not in meeting.live.meeting.state.participants
    replies = await bo.ask({"type": "send_chat", "text": "she is gone"})
    assert [m["type"] for m in replies] == ["chat_posted", "ok"]


@pytest.mark.parametrize("which", ["garbage", "invite link", "another secret", "expired"])
async def test_a_resume_with_a_bad_token_is_refused_and_closed(
    meeting: ServedMeeting, which: str
) -> None:
    _, welcome = await meeting.join("Ala")
    grant = Signer(SECRET).verify(welcome["resume"], time.time(), Kind.RESUME)
    token = {
        "garbage": "nope",
        "invite link": meeting.invite_token,
        "another secret": Signer("another").issue(grant),
        "expired": Signer(SECRET).issue(
            Grant(Kind.RESUME, MeetingId(meeting.id), time.time() - 1, grant.participant)
        ),
    }[which]
    client = await meeting.connect()
    await client.send({"type": "resume", "resume": token, "last_seq": 0})

    code, before = await client.closed()
    assert code == CloseCode.BAD_TOKEN
    assert [(m["type"], m["code"]) for m in before] == [("error", "bad_token")]


async def test_a_resume_that_missed_more_than_the_send_queue_holds_still_works(
    serve: Serve,
) -> None:
    served = await serve(send_queue=5, event_log=100)
    moderator, _ = await served.join("Mo", moderator=True)
    ala, ala_welcome = await served.join("Ala")
    last_seq = await _everyone_at(moderator, ala)
    await ala.disconnect()
    for n in range(10):
        await moderator.ask({"type": "send_chat", "text": f"message {n}"})

    back = await served.connect()
    welcome = await back.resume(ala_welcome["resume"], last_seq)

    if welcome["snapshot"] is None:
        caught_up = await back.until("participant_reconnected")
        texts = [m["text"] for m in caught_up if m["type"] == "chat_posted"]
    else:  # a snapshot instead of the replay would do as well
        texts = [m["text"] for m in welcome["snapshot"]["chat"]]
    assert texts == [f"message {n}" for n in range(10)]
