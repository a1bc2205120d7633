"""A client that stops reading is dropped; the rest of the meeting does not wait for it.

The slow client's inbox holds two frames, as a socket's buffers would hold some; past them the
server's sends to it wait, and what the server has not sent yet piles up in its send queue.
"""

from server.protocol.close_codes import CloseCode

from .conftest import Serve


async def test_a_client_that_does_not_read_is_dropped_and_the_others_go_on(serve: Serve) -> None:
    served = await serve(send_queue=5)
    moderator, _ = await served.join("Mo", moderator=True)
    speaker, _ = await served.join("Bo")
    slow, welcome = await served.join("Sleepy", buffer=2)
    await moderator.until("participant_joined")
    await moderator.until("participant_joined")
    await speaker.expect("participant_joined")

    seen_by_speaker: list[dict[str, object]] = []
    for n in range(20):
        replies = await speaker.ask({"type": "send_chat", "text": f"point {n}"})
        assert replies[-1]["type"] == "ok"
        seen_by_speaker.extend(replies[:-1])
    chats = [m["text"] for m in seen_by_speaker if m["type"] == "chat_posted"]
    assert chats == [f"point {n}" for n in range(20)]
    # Dropped while it still had not read a thing: nobody waited for it to read.
    left = [m for m in seen_by_speaker if m["type"] == "participant_disconnected"]
    assert [m["participant"] for m in left] == [welcome["you"]]
    assert served.live.meeting.state.participants[welcome["you"]].connected is False

    moderator_saw = [(await moderator.until("chat_posted"))[-1] for _ in range(20)]
    assert [m["text"] for m in moderator_saw] == [f"point {n}" for n in range(20)]

    code, before = await slow.closed()
    assert code == CloseCode.TOO_SLOW
    # What it had before its queue overflowed; the rest was dropped, not kept for it.
    assert [m["text"] for m in before] == [f"point {n}" for n in range(len(before))]
    assert len(before) < 20
    assert [m["type"] for m in await speaker.ask({"type": "send_chat", "text": "on we go"})] == [
        "chat_posted",
        "ok",
    ]


async def test_a_client_that_reads_late_gets_every_frame_in_order(serve: Serve) -> None:
    served = await serve()
    speaker, _ = await served.join("Bo")
    late, _ = await served.join("Later", buffer=2)
    await speaker.expect("participant_joined")

    # Past the two frames its inbox holds, a send to it waits; what follows queues behind it.
    for n in range(20):
        await speaker.ask({"type": "send_chat", "text": f"point {n}"})
    heard = [(await late.until("chat_posted"))[-1]["text"] for _ in range(20)]
    assert heard == [f"point {n}" for n in range(20)]

    # Caught up, it is sent to directly again.
    await speaker.ask({"type": "send_chat", "text": "one more"})
    assert (await late.until("chat_posted"))[-1]["text"] == "one more"


async def test_a_client_that_does_not_read_large_frames_is_dropped_by_their_bytes(
    serve: Serve,
) -> None:
    # Frames to spare, but not bytes: ten long chat lines fill 8 KiB long before 1024 frames.
    served = await serve(send_queue=1024, send_queue_bytes=8 * 1024)
    speaker, _ = await served.join("Bo")
    slow, welcome = await served.join("Sleepy", buffer=2)
    await speaker.expect("participant_joined")

    seen_by_speaker: list[dict[str, object]] = []
    for n in range(20):
        replies = await speaker.ask({"type": "send_chat", "text": f"{n} " + "x" * 1500})
        assert replies[-1]["type"] == "ok"
        seen_by_speaker.extend(replies[:-1])
    left = [m for m in seen_by_speaker if m["type"] == "participant_disconnected"]
    assert [m["participant"] for m in left] == [welcome["you"]]
    code, before = await slow.closed()
    assert code == CloseCode.TOO_SLOW
    assert len(before) < 20
