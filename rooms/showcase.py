"""The showcase: an agenda item's presenters take the floor one after another.

When an agenda item with presenters starts, its presenters become turns in the agenda's order
(`ShowcaseStarted`) and the first one here is called: they get the floor (`PresenterCalled`, then
`FloorGiven`) for their slot, which is the floor's countdown (`rooms.speakers`): the item's
planned minutes shared out among its presenters, at most `max_floor_limit_s`. When a slot runs
out (`FloorExpired`, at a `Tick`) the next one here is called by the server's clock; a moderator
moves on early with `NextPresenter` (or `GiveFloor` without a participant while a presenter
waits), or calls any turn with `CallPresenter`. A presenter not here when their turn comes (not
joined, disconnected, gone) is skipped and marked absent (`PresenterAbsent`); a moderator calls
them later. While presenting, a presenter may share their screen too (`rooms.publishing`).

A turn ends when its presenter loses the floor, however that happens (the slot runs out, a
moderator takes it back or gives it to someone else, the presenter leaves): `rooms.evolve` marks it
done. Only the slot running out calls the next one by itself; after a moderator takes the floor
back, the next waits for `NextPresenter`.

Matching a presenter the agenda names only by name: to a participant of the same name (case,
spacing and compatibility forms do not count, diacritics do: `same_name`), one in the meeting
when the item starts (a connected one first), else the first to join under that name while it
runs (`PresenterMatched`). Names are chosen by whoever joins, so every match is an event
everyone sees; a moderator gives a turn to someone else with `CallPresenter(turn, participant)`
and takes the floor from anyone.

An item with presenters does not start while the report-back runs (`rooms.report_back`): both
would call people to the floor.

The showcase ends (`ShowcaseEnded`) when its item stops being current; when a moderator moves the
agenda on while a presenter speaks, the floor is taken back with it (not when the organiser edits
the agenda through the HTTP API: the slot then runs out by itself).

Every event here goes to everyone: whose turn it is and who is next are on every screen.
"""

import unicodedata
from collections.abc import Sequence

from rooms import events as ev
from rooms import speakers
from rooms.config import MeetingConfig
from rooms.errors import Reason, quoted, require
from rooms.ids import AgendaItemId, ParticipantId
from rooms.model import AgendaItem, MeetingState, Presenter, Showcase, Turn, TurnStatus


def slot_s(config: MeetingConfig, item: AgendaItem) -> int:
    """Each presenter's slot: the item's planned time shared out, within the floor's limits."""
    share = item.minutes * 60 // max(1, len(item.presenters))
    return max(1, min(share, config.max_floor_limit_s))


def presenting(showcase: Showcase) -> int | None:
    """The turn on now, if any (its presenter holds the floor)."""
    on = (i for i, t in enumerate(showcase.turns) if t.status is TurnStatus.PRESENTING)
    return next(on, None)


def up_next(showcase: Showcase) -> int | None:
    """The turn called next, unless its presenter is not here then: the first one waiting."""
    return next((i for i, t in enumerate(showcase.turns) if t.status is TurnStatus.WAITING), None)


def is_presenting(state: MeetingState, participant: ParticipantId) -> bool:
    """Whether `participant` presents now, in their own turn."""
    turn = presenting(state.showcase)
    return turn is not None and state.showcase.turns[turn].participant == participant


def follow_agenda(
    state: MeetingState,
    config: MeetingConfig,
    agenda_events: Sequence[ev.Event],
    by: ParticipantId | None,
    now: float,
) -> list[ev.Event]:
    """What the agenda's events do to the showcase: end it when its item stops being current,
    start the item started if it has presenters (and call the first one here)."""
    current = state.agenda.current
    started: AgendaItemId | None = None
    for event in agenda_events:
        match event:
            case ev.AgendaItemStarted():
                current = started = event.item
            case ev.AgendaItemEnded() | ev.AgendaItemSkipped() if event.item == current:
                current = None
            case ev.AgendaSet() if all(item.id != current for item in event.items):
                current = None
    events: list[ev.Event] = []
    floor = state.floor
    running = state.showcase
    if running.item is not None and running.item != current:
        if by is not None and floor is not None and is_presenting(state, floor):
            events.append(ev.FloorTaken(floor, by))
            floor = None
        events.append(ev.ShowcaseEnded(running.item))
    item = state.agenda.item(started) if started is not None else None
    if item is not None and item.presenters:
        # Report-back: one of them holds the plenary's floor at a time (rooms.report_back).
        require(
            not state.report_back.running,
            Reason.CONFLICT,
            "the report-back is running: end it before an item with presenters starts",
        )
        presenters = tuple(_matched(state, p) for p in item.presenters)
        slot = slot_s(config, item)
        events.append(ev.ShowcaseStarted(item.id, slot, presenters))
        turns = [Turn(p.name, p.participant) for p in presenters]
        events += _call_next(state, config, turns, floor, by, slot, now)
    return events


def waiting(state: MeetingState) -> bool:
    """Whether a presenter waits for their turn: then `GiveFloor` without a participant is
    `NextPresenter`, not the hand queue's next."""
    return up_next(state.showcase) is not None


def next_presenter(
    state: MeetingState,
    config: MeetingConfig,
    by: ParticipantId,
    limit_s: int | None,
    now: float,
) -> list[ev.Event]:
    """End the turn on (the floor taken back) and call the next presenter here, for their slot
    or `limit_s`."""
    showcase = state.showcase
    _check_running(showcase)
    _check_limit(config, limit_s)
    on = presenting(showcase)
    require(
        on is not None or up_next(showcase) is not None,
        Reason.CONFLICT,
        "every presenter has had their turn: call one with call_presenter",
    )
    events: list[ev.Event] = []
    floor = state.floor
    if on is not None and floor is not None:
        events.append(ev.FloorTaken(floor, by))
        floor = None
    slot = showcase.slot_s if limit_s is None else limit_s
    return events + _call_next(state, config, showcase.turns, floor, by, slot, now)


def call_presenter(
    state: MeetingState,
    config: MeetingConfig,
    by: ParticipantId,
    turn: int,
    participant: ParticipantId | None,
    now: float,
) -> list[ev.Event]:
    """Call turn `turn` now, presented by `participant` (None: the one matched to it)."""
    showcase = state.showcase
    _check_running(showcase)
    require(
        turn < len(showcase.turns),
        Reason.INVALID,
        f"turn: at most {len(showcase.turns) - 1}, the last presenter's",
    )
    chosen = showcase.turns[turn]
    who = participant if participant is not None else chosen.participant
    require(
        who is not None,
        Reason.CONFLICT,
        f"nobody named {quoted(chosen.name)} has joined: name the participant who presents",
    )
    assert who is not None
    require(here(state, who), Reason.CONFLICT, "that presenter is not connected")
    require(
        chosen.status is not TurnStatus.PRESENTING or who != chosen.participant,
        Reason.CONFLICT,
        "that presenter is presenting",
    )
    events: list[ev.Event] = []
    if who != chosen.participant:
        events.append(ev.PresenterMatched(turn, who))
    return events + _call(config, turn, who, state.floor, by, showcase.slot_s, now)


def after_floor_expired(
    state: MeetingState, config: MeetingConfig, speaker: ParticipantId, now: float
) -> list[ev.Event]:
    """A presenter's slot ran out (`FloorExpired` for `speaker`): the next one here is called."""
    showcase = state.showcase
    if not is_presenting(state, speaker):
        return []
    return _call_next(state, config, showcase.turns, None, None, showcase.slot_s, now)


def match_joiner(state: MeetingState, joiner: ParticipantId, name: str) -> list[ev.Event]:
    """The turns a participant joining under `name` presents: those named so and not matched."""
    return [
        ev.PresenterMatched(i, joiner)
        for i, turn in enumerate(state.showcase.turns)
        if turn.participant is None and same_name(turn.name, name)
    ]


def same_name(one: str, other: str) -> bool:
    """Whether two names are the same but for case, spacing and compatibility forms.

    Not `rooms.texts.fold`, which also takes look-alike letters for each other and reads "LIS"
    as "lls": a name typed in capitals would not match.
    """
    return _as_named(one) == _as_named(other)


def _as_named(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _call_next(
    state: MeetingState,
    config: MeetingConfig,
    turns: Sequence[Turn],
    floor: ParticipantId | None,
    by: ParticipantId | None,
    limit_s: int,
    now: float,
) -> list[ev.Event]:
    """Call the first waiting turn whose presenter is here; the waiting ones before it are
    absent. `floor` is who holds the floor after the events before these."""
    events: list[ev.Event] = []
    for i, turn in enumerate(turns):
        if turn.status is not TurnStatus.WAITING:
            continue
        if turn.participant is not None and here(state, turn.participant):
            return events + _call(config, i, turn.participant, floor, by, limit_s, now)
        events.append(ev.PresenterAbsent(i))
    return events


def _call(
    config: MeetingConfig,
    turn: int,
    presenter: ParticipantId,
    floor: ParticipantId | None,
    by: ParticipantId | None,
    limit_s: int,
    now: float,
) -> list[ev.Event]:
    events: list[ev.Event] = []
    if floor is not None and floor != presenter:
        # Only a moderator's action finds the floor held: the clock calls after it ran out.
        assert by is not None, "the server's clock calls a presenter only once the floor is free"
        events.append(ev.FloorTaken(floor, by))
    events.append(ev.PresenterCalled(turn, presenter, by))
    events.append(speakers.grant(config, presenter, by, limit_s, now))
    return events


def _matched(state: MeetingState, presenter: Presenter) -> Presenter:
    """A presenter named only by name, matched to a participant of that name here, if any."""
    if presenter.participant is not None:
        return presenter
    named = [p for p in state.participants.values() if same_name(p.name, presenter.name)]
    named.sort(key=lambda p: not p.connected)
    return Presenter(presenter.name, named[0].id) if named else presenter


def here(state: MeetingState, who: ParticipantId) -> bool:
    """Whether `who` is in the meeting and connected: one who may be given the floor now."""
    participant = state.participants.get(who)
    return participant is not None and participant.connected


def _check_running(showcase: Showcase) -> None:
    require(
        showcase.item is not None,
        Reason.CONFLICT,
        "no agenda item with presenters is current",
    )


def _check_limit(config: MeetingConfig, limit_s: int | None) -> None:
    require(
        limit_s is None or limit_s <= config.max_floor_limit_s,
        Reason.INVALID,
        f"limit_s: at most {config.max_floor_limit_s} seconds",
    )
