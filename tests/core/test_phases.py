"""The phase table (`rooms.phases`) against the decider: it makes every move listed, and no other.

The table is what the decider checks its outcomes against, so here the decider is driven through
every way a round goes (each move it makes must be listed, and each listed move must be made), and
through every command in every phase the policy lets it through, where the table may stop none.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms import commands as cmd
from rooms import events as ev
from rooms.decide import decide
from rooms.errors import Reason, Rejected
from rooms.evolve import apply
from rooms.ids import ParticipantId
from rooms.meeting import Meeting
from rooms.model import Phase
from rooms.phases import PHASE_CHANGES, TRANSITIONS, PhaseChange
from rooms.plain import to_plain
from rooms.policy import RULES, Who

from .builders import MODERATOR, T0, meeting_with, person
from .test_commands import SAMPLES, busy_meeting
from .test_properties import CONFIG, PRELUDES, Session, sessions, started

Move = tuple[Phase, type[PhaseChange], Phase]
PLENARY, OPEN, CLOSING = Phase.PLENARY, Phase.OPEN, Phase.CLOSING
GRACE_S = CONFIG.grace_s


def moves(
    meeting: Meeting, actor: ParticipantId | None, command: cmd.Command, at: float
) -> list[Move]:
    """Handle `command` at `T0 + at`, and return the moves between phases its events made."""
    made: list[Move] = []
    for stamped in meeting.decide(actor, command, T0 + at):
        before = meeting.state.phase
        meeting.replay(stamped)
        if isinstance(stamped.event, PHASE_CHANGES):
            made.append((before, type(stamped.event), meeting.state.phase))
        else:
            assert meeting.state.phase is before, stamped.event
    return made


# Every way a round goes, step by step: (who, what, seconds after T0, the moves it makes).
ROUNDS: dict[str, list[tuple[ParticipantId | None, cmd.Command, float, list[Move]]]] = {
    "extended, then extended in the countdown, then over": [
        (MODERATOR, cmd.OpenRooms(600), 0, [(PLENARY, ev.RoomsOpened, OPEN)]),
        (None, cmd.Tick(), 1, []),
        (MODERATOR, cmd.ExtendRooms(60), 2, [(OPEN, ev.RoomsExtended, OPEN)]),
        (None, cmd.Tick(), 660, [(OPEN, ev.RoomsClosing, CLOSING)]),
        (MODERATOR, cmd.ExtendRooms(60), 661, [(CLOSING, ev.RoomsExtended, OPEN)]),
        (None, cmd.Tick(), 721, [(OPEN, ev.RoomsClosing, CLOSING)]),
        (None, cmd.Tick(), 721 + GRACE_S, [(CLOSING, ev.RoomsClosed, PLENARY)]),
    ],
    "the deadline and the countdown both past at the next tick": [
        (MODERATOR, cmd.OpenRooms(30), 0, [(PLENARY, ev.RoomsOpened, OPEN)]),
        (
            None,
            cmd.Tick(),
            30 + GRACE_S,
            [(OPEN, ev.RoomsClosing, CLOSING), (CLOSING, ev.RoomsClosed, PLENARY)],
        ),
    ],
    "closed early by a moderator": [
        (MODERATOR, cmd.OpenRooms(None), 0, [(PLENARY, ev.RoomsOpened, OPEN)]),
        (None, cmd.Tick(), 10_000, []),
        (MODERATOR, cmd.CloseRooms(), 10_001, [(OPEN, ev.RoomsClosed, PLENARY)]),
    ],
    "closed by a moderator in the countdown": [
        (MODERATOR, cmd.OpenRooms(30), 0, [(PLENARY, ev.RoomsOpened, OPEN)]),
        (None, cmd.Tick(), 30, [(OPEN, ev.RoomsClosing, CLOSING)]),
        (MODERATOR, cmd.CloseRooms(), 31, [(CLOSING, ev.RoomsClosed, PLENARY)]),
    ],
}


MADE = [move for steps in ROUNDS.values() for *_, made in steps for move in made]


@pytest.mark.parametrize("round_", ROUNDS)
def test_each_round_moves_through_the_phases_as_told(round_: str) -> None:
    meeting = meeting_with(rooms=2, config=CONFIG)
    for actor, command, at, expected in ROUNDS[round_]:
        assert moves(meeting, actor, command, at) == expected, command
    assert meeting.state.phase is PLENARY


def test_the_table_holds_exactly_the_moves_the_rounds_make() -> None:
    assert {(before, event): after for before, event, after in MADE} == TRANSITIONS


ADMITTED = [(t, phase) for t, rule in RULES.items() for phase in rule.phases]
SENDER = {Who.SYSTEM: None, Who.MODERATOR: MODERATOR, Who.MEMBER: person(1)}


@pytest.mark.parametrize("later", [1, 601, 10_000])
@pytest.mark.parametrize(
    ("command_type", "phase"), ADMITTED, ids=lambda v: getattr(v, "__name__", str(v))
)
def test_the_table_stops_no_command_the_policy_lets_through(
    command_type: type[cmd.Command], phase: Phase, later: float
) -> None:
    meeting = busy_meeting(phase)
    try:
        moves(meeting, SENDER[RULES[command_type].who], SAMPLES[command_type], later)
    except Rejected as refusal:
        assert refusal.reason is not Reason.WRONG_PHASE


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(sorted(PRELUDES)), sessions)
def test_nor_in_random_sessions(prelude: str, session: Session) -> None:
    meeting, _ = started(prelude)
    now = T0
    for make, draw, elapsed, _ in session:
        actor, command = make(draw)
        now += elapsed
        phase = meeting.state.phase
        try:
            meeting.handle(actor, command, now)
        except Rejected as refusal:
            if refusal.reason is Reason.WRONG_PHASE:
                assert phase not in RULES[type(command)].phases, (phase, command)


@pytest.mark.parametrize(
    ("command", "event"),
    [
        (cmd.OpenRooms, ev.RoomsOpened),
        (cmd.ExtendRooms, ev.RoomsExtended),
        (cmd.CloseRooms, ev.RoomsClosed),
    ],
)
def test_a_moderator_may_try_a_move_in_the_phases_it_starts_from(
    command: type[cmd.Command], event: type[PhaseChange]
) -> None:
    assert RULES[command].phases == {before for before, e in TRANSITIONS if e is event}


@pytest.mark.parametrize("command", [cmd.ExtendRooms(60), cmd.CloseRooms()], ids=repr)
def test_past_the_policy_the_decider_refuses_a_move_the_table_lacks(command: cmd.Command) -> None:
    meeting = meeting_with(rooms=2, config=CONFIG)
    before = to_plain(meeting.state)
    with pytest.raises(Rejected) as refused:
        decide(meeting.state, CONFIG, MODERATOR, command, T0)
    assert refused.value.reason is Reason.WRONG_PHASE
    assert to_plain(meeting.state) == before


def test_an_event_making_a_move_the_table_lacks_is_not_applied() -> None:
    meeting = meeting_with(rooms=2, config=CONFIG)
    before = to_plain(meeting.state)
    closing = ev.Stamped(meeting.state.seq + 1, T0, ev.RoomsClosing(T0 + GRACE_S))
    with pytest.raises(ValueError, match="RoomsClosing cannot happen while the workshops are pl"):
        apply(meeting.state, closing, CONFIG.chat_history)
    assert to_plain(meeting.state) == before
