"""The report-back: after the workshops, each room's rapporteur reports to the plenary in turn.

A moderator starts it in the plenary (`StartReportBack`) with the rooms in the order they report:
the ones named, or every workshop room whose notes have text or that has a rapporteur, in the
order they were created, deleted rooms too (their notes outlive them: `MeetingState.notes`). The
first room is called at once (`ReportCalled`): its notes are shown to everyone, the event carrying
their text and version at that moment (during the workshops only the room followed them), and its
rapporteur (`RoomNotes.rapporteur`) gets the floor for the speakers' list's time
(`floor_limit_s`; `rooms.speakers`), if they are here. A rapporteur not here, or none: the notes
are shown all the same and the floor stays free, for a moderator to give to someone.

A report lasts until a moderator moves on: the floor's countdown runs out as the speakers' list's
does (`FloorExpired`, at a `Tick`) and the room stays shown. Moderators call the next room waiting
(`NextReport`), any room waiting or done (`CallReport`), move a waiting room to another place
(`MoveReport`), and end the report-back (`EndReportBack`). Every report called ends with
`ReportEnded`; a report starting takes the floor back from whoever holds it but its rapporteur
(the floor in the report-back is the report's), and so does the report-back ending while a room
reports.

The workshops do not open while the report-back runs, nor does an agenda item with presenters
start (`rooms.showcase`); the report-back does not start while such an item is current. Every
event here goes to everyone: which room reports, and its notes, are on every screen.
"""

from collections.abc import Sequence

from rooms import events as ev
from rooms import speakers
from rooms.config import MeetingConfig
from rooms.errors import Reason, quoted, require
from rooms.ids import ParticipantId, RoomId
from rooms.model import MeetingState, ReportBack
from rooms.showcase import here


def start(
    state: MeetingState,
    config: MeetingConfig,
    by: ParticipantId,
    rooms: Sequence[RoomId],
    now: float,
) -> list[ev.Event]:
    """Start the report-back with `rooms` in order (empty: the rooms with something to report)
    and call the first."""
    require(not state.report_back.running, Reason.CONFLICT, "the report-back is running")
    require(
        state.showcase.item is None,
        Reason.CONFLICT,
        "an agenda item's presenters are taking turns: move the agenda on first",
    )
    for i, room in enumerate(rooms):
        require(
            room in state.notes or room in state.workshops,
            Reason.UNKNOWN_ROOM,
            f"rooms[{i}]: no workshop room {quoted(room)}, nor notes of one",
        )
    require(len(set(rooms)) == len(rooms), Reason.INVALID, "rooms: a room is named twice")
    order = tuple(rooms) or tuple(
        sorted(
            (room for room, notes in state.notes.items() if notes.text.strip() or notes.rapporteur),
            key=_creation,
        )
    )
    require(
        bool(order),
        Reason.CONFLICT,
        "no workshop room has notes or a rapporteur: name the rooms to report",
    )
    started = ReportBack(running=True, waiting=list(order))
    return [ev.ReportBackStarted(order, by), *_call(state, config, started, order[0], by, now)]


def next_report(
    state: MeetingState, config: MeetingConfig, by: ParticipantId, now: float
) -> list[ev.Event]:
    """End the report on now and call the next room waiting, if any."""
    report_back = _running(state)
    if not report_back.waiting:
        require(
            report_back.current is not None,
            Reason.CONFLICT,
            "every room has reported: call one with call_report, or end the report-back",
        )
        return _end_current(state, report_back, by)
    return _call(state, config, report_back, report_back.waiting[0], by, now)


def call_report(
    state: MeetingState, config: MeetingConfig, by: ParticipantId, room: RoomId, now: float
) -> list[ev.Event]:
    """Call `room` now, waiting or done; the report on before it ends."""
    report_back = _running(state)
    require(report_back.current != room, Reason.CONFLICT, "that room is reporting now")
    require(
        room in report_back.waiting or room in report_back.done,
        Reason.UNKNOWN_ROOM,
        f"room: {quoted(room)} is not in the report-back",
    )
    return _call(state, config, report_back, room, by, now)


def move_report(state: MeetingState, by: ParticipantId, room: RoomId, place: int) -> list[ev.Event]:
    waiting = _running(state).waiting
    require(room in waiting, Reason.CONFLICT, "only a room waiting to report moves")
    require(
        place <= len(waiting),
        Reason.INVALID,
        f"place: at most {len(waiting)}, the number of rooms waiting",
    )
    require(waiting.index(room) + 1 != place, Reason.CONFLICT, "that room is already there")
    return [ev.ReportMoved(room, place, by)]


def end(state: MeetingState, by: ParticipantId) -> list[ev.Event]:
    report_back = _running(state)
    return [*_end_current(state, report_back, by), ev.ReportBackEnded(by)]


def check_not_running(state: MeetingState, doing: str) -> None:
    """Refuse `doing` (what a command would do) while the report-back runs."""
    require(
        not state.report_back.running,
        Reason.CONFLICT,
        f"the report-back is running: end it before you {doing}",
    )


def _call(
    state: MeetingState,
    config: MeetingConfig,
    report_back: ReportBack,
    room: RoomId,
    by: ParticipantId,
    now: float,
) -> list[ev.Event]:
    notes = state.notes.get(room)
    rapporteur = notes.rapporteur if notes is not None else None
    if rapporteur is not None and not here(state, rapporteur):
        rapporteur = None
    events: list[ev.Event] = []
    if state.floor is not None and state.floor != rapporteur:
        events.append(ev.FloorTaken(state.floor, by))
    if report_back.current is not None:
        events.append(ev.ReportEnded(report_back.current, by))
    text, version = (notes.text, notes.version) if notes is not None else ("", 0)
    events.append(ev.ReportCalled(room, text, version, by))
    if rapporteur is not None:
        events.append(speakers.grant(config, rapporteur, by, config.floor_limit_s, now))
    return events


def _end_current(
    state: MeetingState, report_back: ReportBack, by: ParticipantId
) -> list[ev.Event]:
    """The report on now ends, the floor taken back with it."""
    if report_back.current is None:
        return []
    events: list[ev.Event] = []
    if state.floor is not None:
        events.append(ev.FloorTaken(state.floor, by))
    return [*events, ev.ReportEnded(report_back.current, by)]


def _creation(room: RoomId) -> tuple[int, str]:
    """Where `room` comes in the order rooms were created: `room-<n>` is the n-th
    (`rooms.decide`). Notes made for a room at their first edit (one created before notes
    existed) come later in `MeetingState.notes`."""
    number = room.rpartition("-")[2]
    return (int(number), "") if number.isdigit() else (0, room)


def _running(state: MeetingState) -> ReportBack:
    require(state.report_back.running, Reason.CONFLICT, "the report-back is not running")
    return state.report_back
