"""How the workshops move between phases: every transition, in one table.

The round goes plenary → open → closing → plenary: `RoomsOpened`, then `RoomsClosing` at the
deadline, then `RoomsClosed` when the grace countdown runs out. `RoomsExtended` goes back to open
(from closing too: more time cancels the countdown), and `RoomsClosed` comes from open as well
when a moderator closes early.

Only these four events change the phase, and each only from the phases listed. The decider refuses
an outcome that would make any other move (`rooms.decide`) and applying one is an error
(`rooms.evolve`), so the table is the whole truth. Which command may be sent in which phase is
`rooms.policy`'s.
"""

from rooms import events as ev
from rooms.model import Phase

PhaseChange = ev.RoomsOpened | ev.RoomsExtended | ev.RoomsClosing | ev.RoomsClosed
PHASE_CHANGES: tuple[type[PhaseChange], ...] = PhaseChange.__args__

TRANSITIONS: dict[tuple[Phase, type[PhaseChange]], Phase] = {
    # A moderator opens the workshops: everyone goes to their planned room.
    (Phase.PLENARY, ev.RoomsOpened): Phase.OPEN,
    # A moderator gives more time; during the countdown, that cancels it.
    (Phase.OPEN, ev.RoomsExtended): Phase.OPEN,
    (Phase.CLOSING, ev.RoomsExtended): Phase.OPEN,
    # The deadline passed: the grace countdown before everyone is brought back.
    (Phase.OPEN, ev.RoomsClosing): Phase.CLOSING,
    # A moderator closes the workshops, or the countdown ran out: everyone is back in the plenary.
    (Phase.OPEN, ev.RoomsClosed): Phase.PLENARY,
    (Phase.CLOSING, ev.RoomsClosed): Phase.PLENARY,
}


def next_phase(phase: Phase, event: ev.Event) -> Phase:
    """The phase after `event` happens in `phase`; the same one for an event that is no change.

    Raises `ValueError` for a change of phase the table does not have.
    """
    if not isinstance(event, PHASE_CHANGES):
        return phase
    after = TRANSITIONS.get((phase, type(event)))
    if after is None:
        raise ValueError(f"{type(event).__name__} cannot happen while the workshops are {phase}")
    return after
