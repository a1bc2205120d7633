"""The meeting's record: attendance, agenda, workshops, questions, polls and broadcasts.

A pure function of the meeting's state, whose `history` (`rooms.history`) is a fold of every
event: so the record is the same from any worker, after a replay from scratch, and after a
snapshot. It holds no contact details, no private chat, and no one's ballot (a named poll's
ballots stay in the meeting; the record has the counts only). The public chat goes in only when
asked for. The exports (`server/record/`) write it out; `docs/record.md` describes it.

People: the history's rows are participant ids; someone who joined again without resuming has
two. Rows with the same name, organisation and district (compared without case or surrounding
spaces) are one person here, their time present the union of their sessions.
"""

from collections.abc import Callable
from dataclasses import dataclass

from rooms.ids import PLENARY, AgendaItemId, ParticipantId, PollId, QuestionId, RoomId
from rooms.model import (
    Arrival,
    Departure,
    ItemStatus,
    MeetingState,
    PersonHistory,
    PollKind,
    PollStatus,
    QuestionStatus,
    Quorum,
    Role,
)


@dataclass(frozen=True)
class Presence:
    """From an arrival to a departure; `departure` None: still here at the record's end."""

    arrival: Arrival
    since: float
    until: float
    departure: Departure | None


@dataclass(frozen=True)
class Stay:
    room: RoomId
    room_name: str
    since: float
    until: float


@dataclass(frozen=True)
class Attendance:
    name: str
    organisation: str
    district: str
    group: str
    # The participant ids this person had (more than one after joining again without resuming).
    participants: tuple[ParticipantId, ...]
    # The role at the end, and every role held, in the order first held.
    role: Role
    roles: tuple[Role, ...]
    joins: int
    returns: int
    leaves: int
    first_arrival: float
    # None while present at the record's end.
    last_departure: float | None
    minutes_present: float
    removed: bool
    presence: tuple[Presence, ...]
    rooms: tuple[Stay, ...]


@dataclass(frozen=True)
class Turnout:
    """People (and their minutes present) sharing one district or one organisation; `key` ""
    for those who gave none."""

    key: str
    people: int
    minutes_present: float


@dataclass(frozen=True)
class Run:
    since: float
    until: float | None


@dataclass(frozen=True)
class AgendaRecord:
    id: AgendaItemId
    title: str
    planned_minutes: int
    status: ItemStatus
    runs: tuple[Run, ...]
    used_minutes: float


@dataclass(frozen=True)
class WorkshopRecord:
    room: RoomId
    name: str
    # Everyone who was in the room at some time, by name, in the order they first came in.
    members: tuple[str, ...]
    notes: str
    rapporteur: str | None
    notes_updated_at: float | None


@dataclass(frozen=True)
class QuestionRecord:
    id: QuestionId
    text: str
    room: RoomId
    room_name: str
    at: float
    status: QuestionStatus
    votes: int
    # None for an anonymous question: the record may travel further than the moderators.
    author: str | None


@dataclass(frozen=True)
class PollRecord:
    id: PollId
    question: str
    kind: PollKind
    options: tuple[str, ...]
    secret: bool
    room_name: str | None
    status: PollStatus
    quorum: Quorum | None
    # Known once the poll was counted after closing; None before.
    eligible: int | None
    voted: int | None
    quorum_met: bool | None
    counts: tuple[int, ...] | None


@dataclass(frozen=True)
class BroadcastRecord:
    at: float
    sender: str
    text: str


@dataclass(frozen=True)
class ChatRecord:
    at: float
    sender: str
    room: RoomId
    room_name: str
    text: str


@dataclass(frozen=True)
class MeetingRecord:
    id: str
    title: str
    planned_start: float | None
    # The first arrival (None before anyone came) and the end: when the meeting ended, or the
    # moment the record was made.
    start: float | None
    end: float
    ended: bool
    agenda: tuple[AgendaRecord, ...]
    attendance: tuple[Attendance, ...]
    by_district: tuple[Turnout, ...]
    by_organisation: tuple[Turnout, ...]
    workshops: tuple[WorkshopRecord, ...]
    questions: tuple[QuestionRecord, ...]
    polls: tuple[PollRecord, ...]
    broadcasts: tuple[BroadcastRecord, ...]
    # Older broadcasts and chat lines let go by `record_chat_lines`.
    broadcasts_dropped: int
    # None unless the public chat was asked for.
    chat: tuple[ChatRecord, ...] | None
    chat_dropped: int


def meeting_record(state: MeetingState, now: float, include_chat: bool) -> MeetingRecord:
    """The record of `state` as of `now` (or of its end, once ended); the public chat only
    when `include_chat`."""
    end = state.ended_at if state.ended_at is not None else now
    history = state.history
    names = _room_names(state)
    attendance = tuple(_attendance(group, end, names) for group in _people(state))
    start = min((row.first_arrival for row in attendance), default=None)
    return MeetingRecord(
        id=state.id,
        title=state.title,
        planned_start=state.starts_at,
        start=start,
        end=end,
        ended=state.ended_at is not None,
        agenda=_agenda(state, end),
        attendance=attendance,
        by_district=_turnout(attendance, lambda row: row.district),
        by_organisation=_turnout(attendance, lambda row: row.organisation),
        workshops=_workshops(state, attendance, names),
        questions=_questions(state, names),
        polls=_polls(state, names),
        broadcasts=tuple(
            BroadcastRecord(b.at, _name(state, b.sender), b.text) for b in history.broadcasts
        ),
        broadcasts_dropped=history.broadcasts_dropped,
        chat=(
            tuple(
                ChatRecord(
                    c.at, _name(state, c.sender), c.room, names.get(c.room, c.room), c.text
                )
                for c in history.chat
            )
            if include_chat
            else None
        ),
        chat_dropped=history.chat_dropped,
    )


def _room_names(state: MeetingState) -> dict[RoomId, str]:
    # The plenary is named by its id; the exports say it in their language.
    return {PLENARY: PLENARY, **state.history.room_names}


def _name(state: MeetingState, participant: ParticipantId) -> str:
    person = state.history.people.get(participant)
    return person.name if person is not None else participant


def _people(state: MeetingState) -> list[list[PersonHistory]]:
    """The history's rows grouped into people, in the order each first joined."""
    grouped: dict[tuple[str, str, str], list[PersonHistory]] = {}
    for person in state.history.people.values():
        key = tuple(
            text.strip().casefold() for text in (person.name, person.organisation, person.district)
        )
        grouped.setdefault((key[0], key[1], key[2]), []).append(person)
    return list(grouped.values())


def _attendance(rows: list[PersonHistory], end: float, names: dict[RoomId, str]) -> Attendance:
    first = rows[0]
    presence = sorted(
        (
            Presence(
                s.arrival,
                s.since,
                min(s.until, end) if s.until is not None else end,
                s.departure if s.until is not None and s.until <= end else None,
            )
            for row in rows
            for s in row.sessions
            if s.since <= end
        ),
        key=lambda p: p.since,
    )
    stays = sorted(
        (
            Stay(
                stay.room,
                names.get(stay.room, stay.room),
                stay.since,
                min(stay.until, end) if stay.until is not None else end,
            )
            for row in rows
            for stay in row.rooms
            if stay.since <= end
        ),
        key=lambda s: s.since,
    )
    # Sorted stably: of spells at the same moment, the one applied later comes later.
    spells = sorted((s for row in rows for s in row.roles), key=lambda s: s.since)
    roles: list[Role] = []
    for spell in spells:
        if spell.role not in roles:
            roles.append(spell.role)
    here = [p for p in presence if p.departure is None]
    return Attendance(
        name=first.name,
        organisation=first.organisation,
        district=first.district,
        group=first.group,
        participants=tuple(row.participant for row in rows),
        role=spells[-1].role,
        roles=tuple(roles),
        joins=sum(p.arrival is Arrival.JOINED for p in presence),
        returns=sum(p.arrival is Arrival.RETURNED for p in presence),
        leaves=sum(p.departure is not None for p in presence),
        first_arrival=presence[0].since if presence else first.sessions[0].since,
        last_departure=None if here or not presence else max(p.until for p in presence),
        minutes_present=round(_covered([(p.since, p.until) for p in presence]) / 60, 2),
        removed=any(row.removed for row in rows),
        presence=tuple(presence),
        rooms=tuple(stays),
    )


def _covered(spans: list[tuple[float, float]]) -> float:
    """Seconds covered by the union of `spans` (two tabs at once count once)."""
    total, reach = 0.0, float("-inf")
    for since, until in sorted(spans):
        since = max(since, reach)
        if until > since:
            total += until - since
            reach = until
    return total


def _turnout(
    attendance: tuple[Attendance, ...], key_of: Callable[[Attendance], str]
) -> tuple[Turnout, ...]:
    people: dict[str, list[Attendance]] = {}
    for row in attendance:
        people.setdefault(key_of(row).strip(), []).append(row)
    turnout = [
        Turnout(key, len(rows), round(sum(r.minutes_present for r in rows), 2))
        for key, rows in people.items()
    ]
    # Most people first; those who gave none last.
    return tuple(sorted(turnout, key=lambda t: (t.key == "", -t.people, t.key.casefold())))


def _agenda(state: MeetingState, end: float) -> tuple[AgendaRecord, ...]:
    runs: dict[AgendaItemId, list[Run]] = {}
    for run in state.history.agenda_runs:
        if run.since <= end:
            until = None if run.until is None else min(run.until, end)
            runs.setdefault(run.item, []).append(Run(run.since, until))
    items = [(item.id, item.title, item.minutes, item.status) for item in state.agenda.items]
    # Items that ran and were dropped from the agenda since: done, as far as the record goes.
    listed = {item.id for item in state.agenda.items}
    for item_id in runs:
        planned = state.history.agenda_items.get(item_id)
        if item_id not in listed and planned is not None:
            items.append((item_id, planned.title, planned.minutes, ItemStatus.DONE))
    return tuple(
        AgendaRecord(
            item_id, title, minutes, status, tuple(runs[item_id]) if item_id in runs else (),
            _minutes(runs.get(item_id, []), end),
        )
        for item_id, title, minutes, status in items
    )


def _minutes(runs: list[Run], end: float) -> float:
    return round(sum((r.until if r.until is not None else end) - r.since for r in runs) / 60, 2)


def _workshops(
    state: MeetingState, attendance: tuple[Attendance, ...], names: dict[RoomId, str]
) -> tuple[WorkshopRecord, ...]:
    entered: dict[RoomId, list[tuple[float, str]]] = {}
    for row in attendance:
        firsts: dict[RoomId, float] = {}
        for stay in row.rooms:
            firsts.setdefault(stay.room, stay.since)
        for room, since in firsts.items():
            entered.setdefault(room, []).append((since, row.name))
    rooms = [room for room in names if room != PLENARY]
    rooms += [room for room in state.notes if room not in names]
    workshops = []
    for room in rooms:
        notes = state.notes.get(room)
        rapporteur = notes.rapporteur if notes is not None else None
        workshops.append(
            WorkshopRecord(
                room,
                names.get(room, notes.room_name if notes is not None else room),
                tuple(name for _, name in sorted(entered.get(room, []))),
                notes.text if notes is not None else "",
                _name(state, rapporteur) if rapporteur is not None else None,
                notes.updated_at if notes is not None else None,
            )
        )
    return tuple(workshops)


def _questions(state: MeetingState, names: dict[RoomId, str]) -> tuple[QuestionRecord, ...]:
    return tuple(
        QuestionRecord(
            q.id,
            q.text,
            q.room,
            names.get(q.room, q.room),
            q.at,
            q.status,
            len(q.voters),
            None if q.anonymous or q.author is None else _name(state, q.author),
        )
        for q in state.questions.asked
    )


def _polls(state: MeetingState, names: dict[RoomId, str]) -> tuple[PollRecord, ...]:
    records = []
    for poll in state.polls.polls:
        result = poll.result
        records.append(
            PollRecord(
                poll.id,
                poll.question,
                poll.kind,
                poll.options,
                poll.secret,
                None if poll.room is None else names.get(poll.room, poll.room),
                poll.status,
                poll.quorum,
                None if result is None else result.eligible,
                None if result is None else result.voted,
                None if result is None else result.quorum_met,
                None if result is None else result.counts,
            )
        )
    return tuple(records)
