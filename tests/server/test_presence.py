"""A participant who drops and does not come back within the grace period leaves the meeting."""

from .conftest import Serve


async def test_a_participant_gone_past_the_grace_period_leaves(serve: Serve) -> None:
    served = await serve(ghost_grace_s=0.3)
    moderator, _ = await served.join("Mo", moderator=True)
    ala, ala_welcome = await served.join("Ala")
    await moderator.expect("participant_joined")
    await ala.ask({"type": "raise_hand"})
    await moderator.expect("hand_raised")

    await ala.disconnect()

    dropped = await moderator.expect("participant_disconnected")
    left = await moderator.expect("participant_left", timeout=3.0)
    assert dropped["participant"] == left["participant"] == ala_welcome["you"]
    assert left["at"] >= dropped["at"] + 0.3
    state = served.live.meeting.state
    assert ala_welcome["you"] not in state.participants
    assert state.hand_queue == []


async def test_coming_back_within_the_grace_period_keeps_the_place(serve: Serve) -> None:
    served = await serve(ghost_grace_s=0.5)
    moderator, _ = await served.join("Mo", moderator=True)
    ala, ala_welcome = await served.join("Ala")
    await moderator.expect("participant_joined")

    await ala.disconnect()
    await moderator.expect("participant_disconnected")
    back = await served.connect()
    await back.resume(ala_welcome["resume"], ala_welcome["seq"])
    await moderator.expect("participant_reconnected")

    # Back in time: no departure is pending any more.
    assert served.live.steward.next_wakeup() is None
    assert served.live.meeting.state.participants[ala_welcome["you"]].connected
