"""The speakers' list: the hand queue in speaking order, the floor, and the floor's time limit.

The hand queue is who speaks next, first to last: hands join its end as they are raised, a
moderator moves one to any place in it (`MoveHand`), and `GiveFloor` without a participant gives
the floor to the first connected one. Each waiting speaker's place is their position in it.

The floor is given for a time: the grant's `limit_s`, or the meeting's `floor_limit_s` (0: no
limit). The deadline and the warning before it are stored, on the server's clock, in the event
that gives the floor and so in the state; whichever process writes the meeting (after a takeover
too) sends the `Tick` that warns (`FloorWarning`) and, at the deadline, ends the floor
(`FloorExpired`), which takes the speaker's right to publish with it as `FloorTaken` does
(`rooms.publishing` reads `state.floor`). A moderator adds time (`ExtendFloor`); taking the floor
back, giving it to someone else, or the speaker leaving the meeting ends the countdown.

Every event here goes to everyone: the countdown is on every screen, and the state (the warning
given included) must stay the same for every viewer, as the snapshot is. Whom a client tells
aloud (the speaker and the moderators, at the warning) is the client's choice.

Who may send each command is `rooms.policy`'s; `rooms.decide` looks up the participants named.
"""

from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.countdowns import warning_time
from rooms.errors import Reason, require
from rooms.ids import ParticipantId
from rooms.model import MeetingState


def give_floor(
    state: MeetingState,
    config: MeetingConfig,
    actor: ParticipantId,
    target: ParticipantId | None,
    limit_s: int | None,
    now: float,
) -> list[ev.Event]:
    """The floor to `target`, or to the first connected hand when None, for `limit_s` seconds."""
    require(
        limit_s is None or limit_s <= config.max_floor_limit_s,
        Reason.INVALID,
        f"limit_s: at most {config.max_floor_limit_s} seconds",
    )
    if target is None:
        waiting = [p for p in state.hand_queue if state.participants[p].connected]
        require(bool(waiting), Reason.CONFLICT, "nobody connected has a hand raised")
        target = waiting[0]
    require(state.floor != target, Reason.CONFLICT, "that participant already has the floor")
    limit = config.floor_limit_s if limit_s is None else limit_s
    events: list[ev.Event] = []
    if state.floor is not None:
        events.append(ev.FloorTaken(state.floor, by=actor))
    events.append(grant(config, target, actor, limit, now))
    return events


def grant(
    config: MeetingConfig,
    speaker: ParticipantId,
    by: ParticipantId | None,
    limit_s: int,
    now: float,
) -> ev.FloorGiven:
    """The floor to `speaker` from `now` for `limit_s` seconds (0: no limit), with its warning."""
    deadline = now + limit_s if limit_s > 0 else None
    warning_at = warning_time(now, deadline, config.floor_warning_s)
    return ev.FloorGiven(speaker, by=by, deadline=deadline, warning_at=warning_at)


def take_floor(state: MeetingState, actor: ParticipantId) -> list[ev.Event]:
    require(state.floor is not None, Reason.CONFLICT, "nobody has the floor")
    assert state.floor is not None
    return [ev.FloorTaken(state.floor, by=actor)]


def extend_floor(
    state: MeetingState, config: MeetingConfig, actor: ParticipantId, seconds: int, now: float
) -> list[ev.Event]:
    """`seconds` more for the speaker, from their deadline (from now if it has passed)."""
    speaker = state.floor
    require(speaker is not None, Reason.CONFLICT, "nobody has the floor")
    assert speaker is not None
    deadline = state.floor_clock.deadline
    require(deadline is not None, Reason.CONFLICT, "the floor has no time limit to extend")
    assert deadline is not None
    # A deadline just past whose `Tick` has not come yet: the time added counts from now.
    extended = max(deadline, now) + seconds
    require(
        extended - now <= config.max_floor_limit_s,
        Reason.INVALID,
        f"seconds: the time left would be over {config.max_floor_limit_s} seconds",
    )
    warning_at = warning_time(now, extended, config.floor_warning_s)
    return [ev.FloorExtended(speaker, extended, warning_at, by=actor)]


def move_hand(
    state: MeetingState, actor: ParticipantId, target: ParticipantId, place: int
) -> list[ev.Event]:
    queue = state.hand_queue
    require(target in queue, Reason.CONFLICT, "that hand is not raised")
    require(
        place <= len(queue),
        Reason.INVALID,
        f"place: at most {len(queue)}, the number of hands raised",
    )
    require(queue.index(target) + 1 != place, Reason.CONFLICT, "that hand is already there")
    return [ev.HandMoved(target, place, by=actor)]


def tick(state: MeetingState, now: float) -> list[ev.Event]:
    """What the floor's countdown says at `now`: the warning, or the end of the floor."""
    clock = state.floor_clock
    if state.floor is None or clock.deadline is None:
        return []
    if now >= clock.deadline:
        # A late tick past both ends the floor without a warning first, as the workshops do.
        return [ev.FloorExpired(state.floor)]
    if not clock.warned and clock.warning_at is not None and now >= clock.warning_at:
        return [ev.FloorWarning(state.floor, clock.deadline)]
    return []


def next_wakeup(state: MeetingState) -> float | None:
    """When the floor's countdown next has something to say; None while none runs."""
    clock = state.floor_clock
    if state.floor is None or clock.deadline is None:
        return None
    if not clock.warned and clock.warning_at is not None:
        return clock.warning_at
    return clock.deadline

