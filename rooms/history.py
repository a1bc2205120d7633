"""What the meeting's record needs of its past, kept as the events are applied.

The live state forgets: a participant who leaves is gone, the chat keeps its latest
`chat_history` lines, a deleted room loses its name, and the Redis log is trimmed behind the
snapshots. The record (`rooms.record`) must still say who came, when and where, so this fold keeps
it in `MeetingState.history`: every event updates it from the event and its stamp alone, so a
snapshot carries it and a replay from any snapshot builds the same one.

A person here is one participant id: a reconnection with the resume token keeps the id and adds a
session ("returned"). Someone who joins again without resuming (a new tab, a lost token) gets a
new id and so a new `PersonHistory`; the record merges those under one person by name,
organisation and district (`rooms.record`).
"""

from rooms import events as ev
from rooms.ids import AgendaItemId
from rooms.model import (
    Arrival,
    Broadcast,
    ChatLine,
    Departure,
    History,
    ItemRun,
    PersonHistory,
    RoleSpell,
    RoomStay,
    Session,
)


def fold(history: History, stamped: ev.Stamped, keep_lines: int) -> None:
    """Add what `stamped` tells the record to `history`, keeping at most `keep_lines` public chat
    lines and as many broadcasts (the latest)."""
    event, at = stamped.event, stamped.at
    match event:
        case ev.ParticipantJoined():
            history.people[event.participant] = PersonHistory(
                event.participant,
                event.name,
                event.organisation,
                event.district,
                event.group,
                roles=[RoleSpell(event.role, at)],
                sessions=[Session(Arrival.JOINED, at)],
                rooms=[RoomStay(event.room, at)],
            )
        case (
            ev.ParticipantReconnected()
            | ev.ParticipantDisconnected()
            | ev.ParticipantLeft()
            | ev.ParticipantRemoved()
            | ev.RoleChanged()
            | ev.ParticipantMoved()
        ):
            # Someone who joined before the history was kept (a snapshot from an older
            # version) has no row: their record starts with nothing rather than break `apply`.
            person = history.people.get(event.participant)
            if person is not None:
                _follow(person, event, at)
        case ev.RoomCreated() | ev.RoomRenamed():
            history.room_names[event.room] = event.name
        case ev.AgendaItemStarted():
            _end_run(history, at)
            history.agenda_runs.append(ItemRun(event.item, at))
        case ev.AgendaItemEnded():
            _end_run(history, at)
        case ev.AgendaItemSkipped():
            _end_run(history, at, only=event.item)
        case ev.AgendaSet():
            for planned in event.items:
                history.agenda_items[planned.id] = planned
            running = _running(history)
            if running is not None and all(p.id != running.item for p in event.items):
                _end_run(history, at)
        case ev.BroadcastSent():
            history.broadcasts.append(Broadcast(at, event.sender, event.text))
            excess = max(0, len(history.broadcasts) - keep_lines)
            del history.broadcasts[:excess]
            history.broadcasts_dropped += excess
        case ev.ChatPosted() if event.to is None:
            history.chat.append(ChatLine(stamped.seq, at, event.sender, event.room, event.text))
            excess = max(0, len(history.chat) - keep_lines)
            del history.chat[:excess]
            history.chat_dropped += excess
        case _:
            pass


def _follow(
    person: PersonHistory,
    event: ev.ParticipantReconnected
    | ev.ParticipantDisconnected
    | ev.ParticipantLeft
    | ev.ParticipantRemoved
    | ev.RoleChanged
    | ev.ParticipantMoved,
    at: float,
) -> None:
    match event:
        case ev.ParticipantReconnected():
            # A reconnection while shown connected replaces the connection: one session goes on.
            if person.sessions[-1].until is not None:
                person.sessions.append(Session(Arrival.RETURNED, at))
        case ev.ParticipantDisconnected():
            _depart(person, Departure.DISCONNECTED, at)
        case ev.ParticipantLeft():
            _depart(person, Departure.LEFT, at)
            _leave_room(person, at)
        case ev.ParticipantRemoved():
            _depart(person, Departure.REMOVED, at)
            _leave_room(person, at)
            person.removed = True
        case ev.RoleChanged():
            person.roles.append(RoleSpell(event.role, at))
        case ev.ParticipantMoved():
            _leave_room(person, at)
            person.rooms.append(RoomStay(event.room, at))


def _depart(person: PersonHistory, departure: Departure, at: float) -> None:
    session = person.sessions[-1]
    if session.until is None:
        session.departure = departure
        session.until = at


def _leave_room(person: PersonHistory, at: float) -> None:
    if person.rooms and person.rooms[-1].until is None:
        person.rooms[-1].until = at


def _running(history: History) -> ItemRun | None:
    if history.agenda_runs and history.agenda_runs[-1].until is None:
        return history.agenda_runs[-1]
    return None


def _end_run(history: History, at: float, only: AgendaItemId | None = None) -> None:
    running = _running(history)
    if running is not None and (only is None or running.item == only):
        running.until = at

