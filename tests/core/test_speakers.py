"""The speakers' list: the hand queue in speaking order, and the floor's countdown through `Tick`.

Every refusal compares the whole state before and after (`refused`), as in `test_commands`.
"""

import pytest

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason
from rooms.ids import ParticipantId
from rooms.meeting import Meeting
from rooms.model import FloorClock
from rooms.plain import RecordError, from_plain
from rooms.publishing import NOTHING, VOICE_AND_CAMERA, publish_rights

from .builders import MODERATOR, T0, meeting_with, person, room
from .test_commands import events_of, refused

# Three minutes each, the speaker warned half a minute before the end; a grant up to ten minutes.
TIMED = MeetingConfig(floor_limit_s=180, floor_warning_s=30, max_floor_limit_s=600)


def hands_up(*people: int, config: MeetingConfig = TIMED) -> Meeting:
    """A meeting where `person(i)` raised their hand, in the order given."""
    meeting = meeting_with(("North", "South", "East", "West"), config=config)
    for i in people:
        meeting.handle(person(i), cmd.RaiseHand(), T0)
    return meeting


def speaking(limit_s: int | None = None) -> Meeting:
    """`person(0)` holds the floor since T0, for `limit_s` (the meeting's default when None)."""
    meeting = hands_up(0, 1)
    meeting.handle(MODERATOR, cmd.GiveFloor(person(0), limit_s=limit_s), T0)
    return meeting


# The time limit ------------------------------------------------------------------------------


def test_the_floor_is_given_for_the_meetings_default_time() -> None:
    meeting = hands_up(0)
    given = meeting.handle(MODERATOR, cmd.GiveFloor(), T0)
    assert events_of(given) == [ev.FloorGiven(person(0), MODERATOR, T0 + 180, T0 + 150)]
    assert meeting.state.floor_clock == FloorClock(T0 + 180, T0 + 150, warned=False)
    assert meeting.next_wakeup() == T0 + 150


def test_a_grant_names_its_own_limit_and_a_short_one_warns_in_its_last_quarter() -> None:
    meeting = speaking(limit_s=60)
    # 30 s of warning would be half the turn: the warning comes with 15 s left.
    assert meeting.state.floor_clock == FloorClock(T0 + 60, T0 + 45)


def test_without_a_default_limit_the_floor_is_untimed_unless_the_grant_says() -> None:
    meeting = hands_up(0, 1, config=MeetingConfig(floor_limit_s=0))
    meeting.handle(MODERATOR, cmd.GiveFloor(), T0)
    assert (meeting.state.floor, meeting.state.floor_clock) == (person(0), FloorClock())
    assert meeting.next_wakeup() is None
    assert meeting.handle(None, cmd.Tick(), T0 + 100_000) == []
    meeting.handle(MODERATOR, cmd.GiveFloor(limit_s=90), T0 + 100_000)
    assert meeting.state.floor_clock.deadline == T0 + 100_090


def test_a_limit_over_the_maximum_is_refused_naming_the_field() -> None:
    meeting = hands_up(0)
    rejected = refused(meeting, MODERATOR, cmd.GiveFloor(limit_s=601))
    assert (rejected.reason, rejected.detail) == (Reason.INVALID, "limit_s: at most 600 seconds")
    meeting.handle(MODERATOR, cmd.GiveFloor(limit_s=600), T0)
    assert meeting.state.floor_clock.deadline == T0 + 600


@pytest.mark.parametrize("limit_s", [0, -5])
def test_a_limit_that_is_not_positive_is_refused_by_its_shape(limit_s: int) -> None:
    with pytest.raises(RecordError, match="limit_s must be positive"):
        from_plain(cmd.GiveFloor, {"limit_s": limit_s})


def test_a_default_limit_over_the_maximum_is_no_configuration() -> None:
    with pytest.raises(ValueError, match="floor_limit_s"):
        MeetingConfig(floor_limit_s=601, max_floor_limit_s=600)


# The countdown through `Tick` -----------------------------------------------------------------


def test_the_countdown_warns_the_speaker_then_ends_the_floor() -> None:
    meeting = speaking()
    assert meeting.handle(None, cmd.Tick(), T0 + 149.9) == []

    warned = meeting.handle(None, cmd.Tick(), T0 + 150)
    assert events_of(warned) == [ev.FloorWarning(person(0), T0 + 180)]
    assert all(s.audience is None for s in warned)  # everyone: the countdown is on every screen
    assert meeting.state.floor_clock.warned
    assert meeting.next_wakeup() == T0 + 180
    assert meeting.handle(None, cmd.Tick(), T0 + 170) == []
    assert publish_rights(meeting.state, person(0)) == VOICE_AND_CAMERA

    ended = meeting.handle(None, cmd.Tick(), T0 + 180)
    assert events_of(ended) == [ev.FloorExpired(person(0))]
    assert all(s.audience is None for s in ended)
    state = meeting.state
    assert (state.floor, state.floor_clock) == (None, FloorClock())
    # The right to speak goes with the floor, as when a moderator takes it back.
    assert publish_rights(state, person(0)) == NOTHING
    assert meeting.next_wakeup() is None
    assert meeting.handle(None, cmd.Tick(), T0 + 1_000) == []
    # The rest of the speakers' list waits as it was.
    assert state.hand_queue == [person(1)]


def test_a_late_tick_ends_the_floor_without_a_warning_first() -> None:
    meeting = speaking()
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 500)) == [ev.FloorExpired(person(0))]


def test_the_workshops_clock_and_the_floors_run_side_by_side() -> None:
    config = MeetingConfig(warning_s=60, grace_s=15, floor_limit_s=120, floor_warning_s=30)
    meeting = meeting_with(rooms=1, config=config)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(600), T0)
    meeting.handle(MODERATOR, cmd.GiveFloor(person(1)), T0 + 450)
    # The floor warns at T0 + 540, as the workshops do: one tick says both.
    assert meeting.next_wakeup() == T0 + 540
    both = meeting.handle(None, cmd.Tick(), T0 + 540)
    assert events_of(both) == [ev.TimeWarning(T0 + 600), ev.FloorWarning(person(1), T0 + 570)]
    assert meeting.next_wakeup() == T0 + 570
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 570)) == [ev.FloorExpired(person(1))]
    assert meeting.next_wakeup() == T0 + 600


# More time -----------------------------------------------------------------------------------


def test_extend_floor_pushes_the_deadline_and_warns_again() -> None:
    meeting = speaking()
    meeting.handle(None, cmd.Tick(), T0 + 150)
    extended = meeting.handle(MODERATOR, cmd.ExtendFloor(120), T0 + 160)
    assert events_of(extended) == [ev.FloorExtended(person(0), T0 + 300, T0 + 270, MODERATOR)]
    assert meeting.state.floor_clock == FloorClock(T0 + 300, T0 + 270, warned=False)
    assert meeting.handle(None, cmd.Tick(), T0 + 180) == []
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 270)) == [
        ev.FloorWarning(person(0), T0 + 300)
    ]
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 300)) == [ev.FloorExpired(person(0))]


def test_time_added_after_a_deadline_whose_tick_is_late_counts_from_now() -> None:
    meeting = speaking()
    meeting.handle(MODERATOR, cmd.ExtendFloor(40), T0 + 185)
    # 40 s left: warned with 10 s to go, in their last quarter.
    assert meeting.state.floor_clock == FloorClock(T0 + 225, T0 + 215)


def test_extend_floor_refusals() -> None:
    meeting = hands_up(0)
    nobody = refused(meeting, MODERATOR, cmd.ExtendFloor(60))
    assert (nobody.reason, nobody.detail) == (Reason.CONFLICT, "nobody has the floor")

    untimed = hands_up(0, config=MeetingConfig(floor_limit_s=0))
    untimed.handle(MODERATOR, cmd.GiveFloor(), T0)
    no_limit = refused(untimed, MODERATOR, cmd.ExtendFloor(60))
    assert (no_limit.reason, no_limit.detail) == (
        Reason.CONFLICT,
        "the floor has no time limit to extend",
    )

    meeting = speaking()  # 180 s from T0, at most 600 s left
    too_long = refused(meeting, MODERATOR, cmd.ExtendFloor(421), T0)
    assert (too_long.reason, too_long.detail.split(":")[0]) == (Reason.INVALID, "seconds")
    meeting.handle(MODERATOR, cmd.ExtendFloor(420), T0)
    assert meeting.state.floor_clock.deadline == T0 + 600

    with pytest.raises(RecordError, match="seconds must be positive"):
        from_plain(cmd.ExtendFloor, {"seconds": 0})


def test_only_moderators_add_time_or_move_hands() -> None:
    meeting = speaking()
    for command in (cmd.ExtendFloor(60), cmd.MoveHand(person(1), 1)):
        assert refused(meeting, person(1), command).reason is Reason.NOT_ALLOWED


# What ends the countdown ---------------------------------------------------------------------


def test_taking_the_floor_back_or_giving_it_on_ends_the_countdown() -> None:
    meeting = speaking()
    meeting.handle(MODERATOR, cmd.TakeFloor(), T0 + 10)
    assert (meeting.state.floor_clock, meeting.next_wakeup()) == (FloorClock(), None)

    meeting = speaking()
    meeting.handle(None, cmd.Tick(), T0 + 150)
    given = meeting.handle(MODERATOR, cmd.GiveFloor(limit_s=120), T0 + 160)
    assert events_of(given) == [
        ev.FloorTaken(person(0), by=MODERATOR),
        ev.FloorGiven(person(1), MODERATOR, T0 + 280, T0 + 250),
    ]
    assert meeting.state.floor_clock == FloorClock(T0 + 280, T0 + 250, warned=False)


@pytest.mark.parametrize(
    "leaving",
    [
        [(None, cmd.Disconnect(person(0))), (None, cmd.Depart(person(0)))],
        [(MODERATOR, cmd.RemoveParticipant(person(0)))],
    ],
    ids=["left", "removed"],
)
def test_the_speaker_leaving_ends_the_countdown(
    leaving: list[tuple[ParticipantId | None, cmd.Command]],
) -> None:
    meeting = speaking()
    for actor, command in leaving:
        meeting.handle(actor, command, T0 + 10)
    assert (meeting.state.floor, meeting.state.floor_clock) == (None, FloorClock())
    assert meeting.next_wakeup() is None


def test_a_speaker_whose_connection_drops_keeps_the_floor_and_its_countdown() -> None:
    meeting = speaking()
    meeting.handle(None, cmd.Disconnect(person(0)), T0 + 10)
    assert meeting.state.floor == person(0)
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 180)) == [ev.FloorExpired(person(0))]


# The queue as the speakers' list --------------------------------------------------------------


def test_a_moderator_moves_a_hand_to_any_place_and_the_queue_keeps_the_order() -> None:
    meeting = hands_up(0, 1, 2, 3)
    moved = meeting.handle(MODERATOR, cmd.MoveHand(person(3), 1), T0)
    assert events_of(moved) == [ev.HandMoved(person(3), 1, by=MODERATOR)]
    assert meeting.state.hand_queue == [person(3), person(0), person(1), person(2)]
    meeting.handle(MODERATOR, cmd.MoveHand(person(3), 4), T0)
    assert meeting.state.hand_queue == [person(0), person(1), person(2), person(3)]
    meeting.handle(MODERATOR, cmd.MoveHand(person(0), 2), T0)
    assert meeting.state.hand_queue == [person(1), person(0), person(2), person(3)]
    # A hand raised later joins the end; each one's place is its position.
    meeting.handle(MODERATOR, cmd.RaiseHand(), T0)
    places = {p: i + 1 for i, p in enumerate(meeting.state.hand_queue)}
    assert places == {person(1): 1, person(0): 2, person(2): 3, person(3): 4, MODERATOR: 5}


def test_the_next_one_on_the_list_gets_the_floor_in_one_action() -> None:
    meeting = hands_up(0, 1, 2)
    meeting.handle(MODERATOR, cmd.MoveHand(person(2), 1), T0)
    meeting.handle(MODERATOR, cmd.GiveFloor(), T0)
    assert (meeting.state.floor, meeting.state.hand_queue) == (person(2), [person(0), person(1)])
    # The next, for a time of their own, while the first still speaks: one action.
    given = meeting.handle(MODERATOR, cmd.GiveFloor(limit_s=45), T0 + 30)
    assert events_of(given) == [
        ev.FloorTaken(person(2), by=MODERATOR),
        ev.FloorGiven(person(0), MODERATOR, T0 + 75, T0 + 63.75),
    ]
    assert meeting.state.hand_queue == [person(1)]


def test_the_next_one_on_the_list_is_the_first_still_connected() -> None:
    meeting = hands_up(0, 1)
    meeting.handle(None, cmd.Disconnect(person(0)), T0)
    meeting.handle(MODERATOR, cmd.GiveFloor(), T0)
    assert (meeting.state.floor, meeting.state.hand_queue) == (person(1), [person(0)])


def test_move_hand_refusals() -> None:
    meeting = hands_up(0, 1)
    not_raised = refused(meeting, MODERATOR, cmd.MoveHand(person(2), 1))
    assert (not_raised.reason, not_raised.detail) == (Reason.CONFLICT, "that hand is not raised")
    unknown = refused(meeting, MODERATOR, cmd.MoveHand(ParticipantId("ghost"), 1))
    assert unknown.reason is Reason.UNKNOWN_PARTICIPANT
    too_far = refused(meeting, MODERATOR, cmd.MoveHand(person(0), 3))
    assert (too_far.reason, too_far.detail) == (
        Reason.INVALID,
        "place: at most 2, the number of hands raised",
    )
    there = refused(meeting, MODERATOR, cmd.MoveHand(person(1), 2))
    assert (there.reason, there.detail) == (Reason.CONFLICT, "that hand is already there")
    with pytest.raises(RecordError, match="place must be at least 1"):
        from_plain(cmd.MoveHand, {"participant": "p0", "place": 0})
