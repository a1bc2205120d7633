"""The workshops' clock over the wire: a warning, the closing call, and everyone back in plenary."""

from rooms import MeetingConfig

from .conftest import Serve


async def test_timed_workshops_warn_close_and_bring_everyone_back(
    serve: Serve, quick_clock: MeetingConfig
) -> None:
    served = await serve(meeting=quick_clock)
    moderator, _ = await served.join("Mo", moderator=True)
    ala, ala_welcome = await served.join("Ala")
    bo, bo_welcome = await served.join("Bo")
    people = {ala_welcome["you"], bo_welcome["you"]}
    await moderator.ask({"type": "create_rooms", "names": ["North", "South"]})
    await moderator.ask({"type": "assign_random"})

    replies = await moderator.ask({"type": "open_rooms", "duration_s": 1})

    assert replies[-1]["type"] == "ok"
    wait_s = 1 + quick_clock.grace_s + 2
    for client, before in ((moderator, replies[:-1]), (ala, []), (bo, [])):
        received = before + await client.until("rooms_closed", timeout=wait_s)
        received += [await client.expect("participant_moved") for _ in people]
        received = received[[m["type"] for m in received].index("rooms_opened") :]
        deadline = received.pop(0)["deadline"]

        moves = [
            (m["participant"], m["room"]) for m in received if m["type"] == "participant_moved"
        ]
        assert {room for _, room in moves[:2]} == {"room-1", "room-2"}
        assert sorted(moves[2:]) == sorted((who, "plenary") for who in people)
        clock = [m for m in received if m["type"] != "participant_moved"]
        assert [m["type"] for m in clock] == ["time_warning", "rooms_closing", "rooms_closed"]
        warning, closing, closed = clock
        assert warning["deadline"] == deadline
        assert warning["at"] >= deadline - quick_clock.warning_s
        assert closing["grace_ends_at"] == deadline + quick_clock.grace_s
        assert closing["at"] >= deadline
        assert closed["at"] >= closing["grace_ends_at"]

    state = served.live.meeting.state
    assert state.phase == "plenary"
    assert {p.room for p in state.participants.values()} == {"plenary"}
    replies = await ala.ask({"type": "send_chat", "text": "back together"})
    assert replies[0]["room"] == "plenary"
    assert (await bo.expect("chat_posted"))["text"] == "back together"
