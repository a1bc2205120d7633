"""The agenda: the meeting's programme, its items in order and the one current now.

Moderators set the agenda (the organiser too, through the HTTP API) and edit it at any time: an
item keeps its id, status and time used for as long as it stays. Starting an item (or the next
pending one) makes it current and the one before done; an item pending or current can be skipped,
one done or skipped reopened. Each item's time used is counted on the server's clock from the
events' times, never by a timer, so whichever process writes the meeting goes on counting alike.

Here are the decisions; `rooms.evolve` applies their events. Every agenda event is everyone's.
"""

from collections.abc import Sequence

from rooms import events as ev
from rooms.commands import AgendaEntry
from rooms.config import MeetingConfig
from rooms.errors import Reason, quoted, require
from rooms.ids import AgendaItemId, ParticipantId
from rooms.model import Agenda, AgendaItem, ItemStatus, MeetingState, PlannedItem, Presenter
from rooms.texts import one_line


def set_agenda(
    state: MeetingState,
    config: MeetingConfig,
    entries: Sequence[AgendaEntry],
    by: ParticipantId | None,
) -> list[ev.Event]:
    agenda = state.agenda
    require(
        len(entries) <= config.max_agenda_items,
        Reason.INVALID,
        f"items: at most {config.max_agenda_items} agenda items",
    )
    kept = [e.id for e in entries if e.id is not None]
    require(len(set(kept)) == len(kept), Reason.INVALID, "items: an item's id is given twice")
    planned = []
    created = agenda.items_created
    for i, entry in enumerate(entries):
        where = f"items[{i}]"
        before = None
        if entry.id is None:
            created += 1
            item_id = AgendaItemId(f"item-{created}")
        else:
            before = agenda.item(entry.id)
            require(
                before is not None,
                Reason.UNKNOWN_ITEM,
                f"{where}.id: no agenda item {quoted(entry.id)}",
            )
            item_id = entry.id
        require(
            entry.minutes <= config.max_item_minutes,
            Reason.INVALID,
            f"{where}.minutes: at most {config.max_item_minutes}",
        )
        require(
            len(entry.presenters) <= config.max_presenters,
            Reason.INVALID,
            f"{where}.presenters: at most {config.max_presenters}",
        )
        title = one_line(entry.title, f"{where}.title", config.max_item_title_chars)
        presenters = tuple(
            _presenter(state, config, p, before, f"{where}.presenters[{j}]")
            for j, p in enumerate(entry.presenters)
        )
        planned.append(PlannedItem(item_id, title, entry.minutes, presenters))
    return [ev.AgendaSet(tuple(planned), by)]


def start(state: MeetingState, by: ParticipantId, item: AgendaItemId | None) -> list[ev.Event]:
    """Start `item`, or move on to the next pending one (ending the last when none is left)."""
    agenda = state.agenda
    if item is None:
        following = _next_pending(agenda)
        if following is not None:
            return [ev.AgendaItemStarted(following.id, by)]
        require(agenda.current is not None, Reason.CONFLICT, "no agenda item is pending")
        assert agenda.current is not None
        return [ev.AgendaItemEnded(agenda.current, by)]
    chosen = _item(agenda, item)
    require(chosen.status is not ItemStatus.CURRENT, Reason.CONFLICT, "that item is current")
    require(
        chosen.status is ItemStatus.PENDING,
        Reason.CONFLICT,
        f"that item is {chosen.status}: reopen it first",
    )
    return [ev.AgendaItemStarted(chosen.id, by)]


def skip(state: MeetingState, by: ParticipantId, item: AgendaItemId) -> list[ev.Event]:
    chosen = _item(state.agenda, item)
    require(
        chosen.status in (ItemStatus.PENDING, ItemStatus.CURRENT),
        Reason.CONFLICT,
        f"that item is already {chosen.status}",
    )
    return [ev.AgendaItemSkipped(chosen.id, by)]


def reopen(state: MeetingState, by: ParticipantId, item: AgendaItemId) -> list[ev.Event]:
    chosen = _item(state.agenda, item)
    require(
        chosen.status in (ItemStatus.DONE, ItemStatus.SKIPPED),
        Reason.CONFLICT,
        f"that item is {chosen.status}, not done or skipped",
    )
    return [ev.AgendaItemReopened(chosen.id, by)]


def used_s(agenda: Agenda, item: AgendaItem, now: float) -> float:
    """The seconds `item` has used by `now`: its ended runs, and the current one's so far."""
    if item.id == agenda.current and agenda.current_since is not None:
        return item.used_s + max(0.0, now - agenda.current_since)
    return item.used_s


def _next_pending(agenda: Agenda) -> AgendaItem | None:
    """The first pending item after the current one, else the first pending from the top."""
    ids = [i.id for i in agenda.items]
    after = ids.index(agenda.current) + 1 if agenda.current in ids else 0
    order = agenda.items[after:] + agenda.items[:after]
    return next((i for i in order if i.status is ItemStatus.PENDING), None)


def _presenter(
    state: MeetingState,
    config: MeetingConfig,
    presenter: Presenter,
    before: AgendaItem | None,
    where: str,
) -> Presenter:
    if presenter.participant is None:
        return Presenter(one_line(presenter.name, f"{where}.name", config.max_name_chars))
    participant = state.participants.get(presenter.participant)
    if participant is None and before is not None:
        # A presenter who has left stays on the item they were named for, under that name.
        kept = [p for p in before.presenters if p.participant == presenter.participant]
        if kept:
            return kept[0]
    require(
        participant is not None,
        Reason.UNKNOWN_PARTICIPANT,
        f"{where}.participant: no participant {quoted(presenter.participant)}",
    )
    assert participant is not None
    return Presenter(participant.name, participant.id)


def _item(agenda: Agenda, item: AgendaItemId) -> AgendaItem:
    found = agenda.item(item)
    require(found is not None, Reason.UNKNOWN_ITEM, f"no agenda item {quoted(item)}")
    assert found is not None
    return found
