"""A participant who drops and does not come back within the grace period leaves the meeting."""

from rooms import MeetingConfig

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
    assert served.live.deadlines.next_wakeup() is None
    assert served.live.meeting.state.participants[ala_welcome["you"]].connected


async def test_a_full_meeting_lets_the_longest_disconnected_go_to_seat_a_newcomer(
    serve: Serve,
) -> None:
    served = await serve(meeting=MeetingConfig(max_participants=3))
    moderator, _ = await served.join("Mo", moderator=True)
    ala, ala_welcome = await served.join("Ala")
    bo, bo_welcome = await served.join("Bo")
    await moderator.until("participant_joined")
    await moderator.expect("participant_joined")
    await ala.disconnect()
    await moderator.expect("participant_disconnected")
    await bo.disconnect()
    await moderator.expect("participant_disconnected")

    _, cy_welcome = await served.join("Cy")

    left = await moderator.expect("participant_left")
    joined = await moderator.expect("participant_joined")
    assert (left["participant"], joined["participant"]) == (ala_welcome["you"], cy_welcome["you"])
    seated = set(cy_welcome["snapshot"]["participants"])
    assert seated == set(served.live.meeting.state.participants)
    assert ala_welcome["you"] not in seated
    assert bo_welcome["you"] in seated
    # Ala's place is gone: her resume token no longer brings her back.
    back = await served.connect()
    await back.send({"type": "resume", "resume": ala_welcome["resume"], "last_seq": 0})
    assert (await back.expect("error"))["code"] == "unknown_participant"


async def test_a_full_meeting_of_connected_people_refuses_the_newcomer(serve: Serve) -> None:
    served = await serve(meeting=MeetingConfig(max_participants=2))
    moderator, _ = await served.join("Mo", moderator=True)
    await served.join("Ala")
    await moderator.expect("participant_joined")

    late = await served.connect()
    await late.send({"type": "hello", "token": served.invite_token, "name": "Late", "ref": 1})

    error = await late.expect("error")
    assert (error["code"], error["ref"]) == ("meeting_full", 1)
    assert len(served.live.meeting.state.participants) == 2
