"""The report-back: each workshop room's rapporteur reports to the plenary in turn.

The rooms' notes are written into the state here as `rooms.notes` keeps them (text, version,
rapporteur). Every refusal compares the whole state before and after (`refused`).
"""

import copy

import pytest

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason
from rooms.events import Stamped
from rooms.evolve import apply
from rooms.ids import PLENARY
from rooms.meeting import Meeting
from rooms.model import FloorClock, Phase, Presenter, ReportBack, RoomNotes

from .builders import MODERATOR, T0, meeting_with, person, room
from .test_commands import events_of, refused

CONFIG = MeetingConfig(floor_limit_s=180, floor_warning_s=30, max_floor_limit_s=600)
PARKS = "# Parks\n- more benches\n1. shade"
BUSES = "Buses every 10 minutes."


def with_notes(meeting: Meeting, index: int, text: str = "", rapporteur: int | None = None) -> None:
    """`room(index)`'s notes, as the notes' own events would leave them."""
    meeting.state.notes[room(index)] = RoomNotes(
        room(index),
        f"Workshop {index}",
        text=text,
        version=len(text.splitlines()),
        rapporteur=None if rapporteur is None else person(rapporteur),
    )


def after_workshops(config: MeetingConfig = CONFIG) -> Meeting:
    """Four rooms back from the workshops: 1 and 3 wrote notes (rapporteurs `person(0)` and
    `person(2)`), 2 has a rapporteur (`person(1)`) and no notes yet, 4 has nothing to report."""
    meeting = meeting_with(("North", "South", "East", "West"), rooms=4, config=config)
    with_notes(meeting, 1, PARKS, rapporteur=0)
    with_notes(meeting, 2, "", rapporteur=1)
    with_notes(meeting, 3, BUSES, rapporteur=2)
    with_notes(meeting, 4)
    return meeting


def started() -> Meeting:
    """`after_workshops`, the report-back started at T0: room 1 reports, 2 and 3 wait."""
    meeting = after_workshops()
    meeting.handle(MODERATOR, cmd.StartReportBack(), T0)
    return meeting


def report_back(meeting: Meeting) -> ReportBack:
    return meeting.state.report_back


# Starting -------------------------------------------------------------------------------------


def test_starting_calls_the_first_room_and_gives_its_rapporteur_the_floor() -> None:
    meeting = after_workshops()
    stamped = meeting.handle(MODERATOR, cmd.StartReportBack(), T0)
    # Every room with notes or a rapporteur, in the order they were created; not room 4.
    assert events_of(stamped) == [
        ev.ReportBackStarted((room(1), room(2), room(3)), MODERATOR),
        ev.ReportCalled(room(1), PARKS, 3, MODERATOR),
        ev.FloorGiven(person(0), MODERATOR, T0 + 180, T0 + 150),
    ]
    assert all(s.audience is None for s in stamped)  # the notes shown: on every screen
    assert report_back(meeting) == ReportBack(True, [room(2), room(3)], room(1), [])
    assert meeting.state.floor == person(0)


def test_the_rooms_report_in_the_order_they_were_created_whatever_the_notes_order() -> None:
    meeting = after_workshops()
    notes = meeting.state.notes
    meeting.state.notes = {r: notes[r] for r in (room(3), room(4), room(1), room(2))}
    meeting.handle(MODERATOR, cmd.StartReportBack(), T0)
    assert report_back(meeting) == ReportBack(True, [room(2), room(3)], room(1), [])


def test_rooms_named_report_in_that_order_notes_or_not() -> None:
    meeting = after_workshops()
    stamped = meeting.handle(MODERATOR, cmd.StartReportBack((room(4), room(3))), T0)
    # Room 4 has no rapporteur: its notes (empty) are shown and the floor stays free.
    assert events_of(stamped) == [
        ev.ReportBackStarted((room(4), room(3)), MODERATOR),
        ev.ReportCalled(room(4), "", 0, MODERATOR),
    ]
    assert report_back(meeting) == ReportBack(True, [room(3)], room(4), [])
    assert meeting.state.floor is None


def test_a_deleted_rooms_notes_are_reported() -> None:
    meeting = after_workshops()
    meeting.handle(MODERATOR, cmd.DeleteRoom(room(1)), T0)
    assert room(1) not in meeting.state.workshops
    stamped = meeting.handle(MODERATOR, cmd.StartReportBack(), T0)
    assert events_of(stamped)[:2] == [
        ev.ReportBackStarted((room(1), room(2), room(3)), MODERATOR),
        ev.ReportCalled(room(1), PARKS, 3, MODERATOR),
    ]
    # Named too: its notes outlive it.
    meeting.handle(MODERATOR, cmd.EndReportBack(), T0 + 1)
    meeting.handle(MODERATOR, cmd.StartReportBack((room(3), room(1))), T0 + 2)
    assert report_back(meeting).waiting == [room(1)]


def test_a_speaker_holding_the_floor_gives_it_up_for_the_rapporteur() -> None:
    meeting = after_workshops()
    meeting.handle(MODERATOR, cmd.GiveFloor(person(3)), T0)
    stamped = meeting.handle(MODERATOR, cmd.StartReportBack(), T0 + 10)
    assert events_of(stamped) == [
        ev.ReportBackStarted((room(1), room(2), room(3)), MODERATOR),
        ev.FloorTaken(person(3), MODERATOR),
        ev.ReportCalled(room(1), PARKS, 3, MODERATOR),
        ev.FloorGiven(person(0), MODERATOR, T0 + 190, T0 + 160),
    ]


def test_a_rapporteur_who_holds_the_floor_already_gets_it_anew_for_the_report() -> None:
    meeting = after_workshops()
    meeting.handle(MODERATOR, cmd.GiveFloor(person(0), limit_s=30), T0)
    stamped = meeting.handle(MODERATOR, cmd.StartReportBack(), T0 + 10)
    assert events_of(stamped)[1:] == [
        ev.ReportCalled(room(1), PARKS, 3, MODERATOR),
        ev.FloorGiven(person(0), MODERATOR, T0 + 190, T0 + 160),
    ]
    assert meeting.state.floor_clock == FloorClock(T0 + 190, T0 + 160)


def test_without_a_floor_limit_the_rapporteur_speaks_untimed() -> None:
    meeting = after_workshops(MeetingConfig(floor_limit_s=0))
    stamped = meeting.handle(MODERATOR, cmd.StartReportBack(), T0)
    assert events_of(stamped)[-1] == ev.FloorGiven(person(0), MODERATOR, None, None)
    assert meeting.next_wakeup() is None


def test_start_is_refused_with_nothing_to_report_or_rooms_named_wrong() -> None:
    meeting = meeting_with(rooms=2, config=CONFIG)
    with_notes(meeting, 1, "   \n")  # blank, and no rapporteur
    rejected = refused(meeting, MODERATOR, cmd.StartReportBack())
    assert (rejected.reason, rejected.detail) == (
        Reason.CONFLICT,
        "no workshop room has notes or a rapporteur: name the rooms to report",
    )
    rejected = refused(meeting, MODERATOR, cmd.StartReportBack((room(1), room(9))))
    assert (rejected.reason, rejected.detail) == (
        Reason.UNKNOWN_ROOM,
        "rooms[1]: no workshop room 'room-9', nor notes of one",
    )
    assert refused(meeting, MODERATOR, cmd.StartReportBack((PLENARY,))).reason is (
        Reason.UNKNOWN_ROOM
    )
    rejected = refused(meeting, MODERATOR, cmd.StartReportBack((room(1), room(2), room(1))))
    assert (rejected.reason, rejected.detail) == (Reason.INVALID, "rooms: a room is named twice")


def test_start_is_refused_while_the_workshops_run_or_it_runs() -> None:
    meeting = after_workshops()
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(600), T0)
    rejected = refused(meeting, MODERATOR, cmd.StartReportBack())
    assert (rejected.reason, rejected.detail) == (
        Reason.WRONG_PHASE,
        "not possible while the workshops are open",
    )
    meeting.handle(MODERATOR, cmd.CloseRooms(), T0 + 60)
    meeting.handle(MODERATOR, cmd.StartReportBack(), T0 + 60)
    rejected = refused(meeting, MODERATOR, cmd.StartReportBack(), T0 + 61)
    assert (rejected.reason, rejected.detail) == (Reason.CONFLICT, "the report-back is running")
    assert refused(meeting, person(0), cmd.NextReport(), T0 + 61).reason is Reason.NOT_ALLOWED


def test_the_showcase_and_the_report_back_do_not_run_at_once() -> None:
    meeting = after_workshops()
    presented = cmd.AgendaEntry("Initiatives", 10, (Presenter(participant=person(3)),))
    meeting.handle(MODERATOR, cmd.SetAgenda((presented, cmd.AgendaEntry("Reports", 30))), T0)
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    assert meeting.state.floor == person(3)
    rejected = refused(meeting, MODERATOR, cmd.StartReportBack())
    assert (rejected.reason, rejected.detail) == (
        Reason.CONFLICT,
        "an agenda item's presenters are taking turns: move the agenda on first",
    )
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 600)  # "Reports": no presenters
    meeting.handle(MODERATOR, cmd.StartReportBack(), T0 + 600)
    meeting.handle(MODERATOR, cmd.ReopenAgendaItem(meeting.state.agenda.items[0].id), T0 + 601)
    start_presenters = cmd.StartAgendaItem(meeting.state.agenda.items[0].id)
    rejected = refused(meeting, MODERATOR, start_presenters, T0 + 601)
    assert (rejected.reason, rejected.detail) == (
        Reason.CONFLICT,
        "the report-back is running: end it before an item with presenters starts",
    )


def test_the_workshops_do_not_open_while_the_report_back_runs() -> None:
    meeting = started()
    rejected = refused(meeting, MODERATOR, cmd.OpenRooms(600))
    assert (rejected.reason, rejected.detail) == (
        Reason.CONFLICT,
        "the report-back is running: end it before you open the workshops",
    )


# Turns ----------------------------------------------------------------------------------------


def test_the_countdown_runs_out_and_the_room_stays_shown_until_a_moderator_moves_on() -> None:
    meeting = started()
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 150)) == [
        ev.FloorWarning(person(0), T0 + 180)
    ]
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 180)) == [ev.FloorExpired(person(0))]
    assert meeting.state.floor is None
    assert report_back(meeting).current == room(1)  # still shown
    assert meeting.next_wakeup() is None  # nothing moves on by itself
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 900)) == []
    moved_on = meeting.handle(MODERATOR, cmd.NextReport(), T0 + 900)
    assert events_of(moved_on) == [
        ev.ReportEnded(room(1), MODERATOR),
        ev.ReportCalled(room(2), "", 0, MODERATOR),
        ev.FloorGiven(person(1), MODERATOR, T0 + 1080, T0 + 1050),
    ]
    assert report_back(meeting) == ReportBack(True, [room(3)], room(2), [room(1)])


def test_moving_on_while_the_rapporteur_speaks_takes_the_floor_back() -> None:
    meeting = started()
    moved_on = meeting.handle(MODERATOR, cmd.NextReport(), T0 + 60)
    assert events_of(moved_on)[:2] == [
        ev.FloorTaken(person(0), MODERATOR),
        ev.ReportEnded(room(1), MODERATOR),
    ]
    assert meeting.state.floor == person(1)


def test_a_rapporteur_not_here_leaves_the_floor_free_and_the_notes_shown() -> None:
    meeting = started()
    meeting.handle(None, cmd.Disconnect(person(1)), T0 + 10)
    moved_on = meeting.handle(MODERATOR, cmd.NextReport(), T0 + 60)
    assert events_of(moved_on) == [
        ev.FloorTaken(person(0), MODERATOR),
        ev.ReportEnded(room(1), MODERATOR),
        ev.ReportCalled(room(2), "", 0, MODERATOR),
    ]
    assert (report_back(meeting).current, meeting.state.floor) == (room(2), None)
    # A moderator gives the floor to someone from the room; moving on takes it back.
    meeting.handle(MODERATOR, cmd.GiveFloor(person(3)), T0 + 70)
    moved_on = meeting.handle(MODERATOR, cmd.NextReport(), T0 + 200)
    assert events_of(moved_on) == [
        ev.FloorTaken(person(3), MODERATOR),
        ev.ReportEnded(room(2), MODERATOR),
        ev.ReportCalled(room(3), BUSES, 1, MODERATOR),
        ev.FloorGiven(person(2), MODERATOR, T0 + 380, T0 + 350),
    ]


def test_a_rapporteur_who_left_the_meeting_is_skipped_for_the_floor() -> None:
    meeting = started()
    meeting.handle(None, cmd.Disconnect(person(1)), T0 + 10)
    meeting.handle(None, cmd.Depart(person(1)), T0 + 40)
    moved_on = meeting.handle(MODERATOR, cmd.NextReport(), T0 + 60)
    assert [type(e) for e in events_of(moved_on)] == [
        ev.FloorTaken,
        ev.ReportEnded,
        ev.ReportCalled,
    ]


def test_the_notes_reported_are_the_notes_at_that_moment() -> None:
    meeting = started()
    notes = meeting.state.notes[room(3)]
    notes.text, notes.version = BUSES + "\n- night buses", 7
    moved_on = meeting.handle(MODERATOR, cmd.CallReport(room(3)), T0 + 60)
    assert ev.ReportCalled(room(3), BUSES + "\n- night buses", 7, MODERATOR) in events_of(moved_on)


def test_a_copy_that_missed_the_rooms_edits_is_brought_up_to_date_by_the_report() -> None:
    """A client that was not in the room holds older notes: the report shows it the latest."""
    meeting = after_workshops()
    stale = copy.deepcopy(meeting.state)
    stale.notes[room(1)].text, stale.notes[room(1)].version = "# Parks", 1
    for stamped in meeting.handle(MODERATOR, cmd.StartReportBack(), T0):
        apply(stale, stamped, CONFIG.chat_history)
    assert stale.notes == meeting.state.notes
    assert (stale.notes[room(1)].text, stale.notes[room(1)].version) == (PARKS, 3)


def test_an_older_report_does_not_undo_a_later_edit() -> None:
    meeting = started()
    notes = meeting.state.notes[room(1)]
    notes.text, notes.version = PARKS + "\n- water", 4  # edited after the report was called
    late = Stamped(meeting.state.seq + 1, T0, ev.ReportCalled(room(1), PARKS, 3, MODERATOR))
    apply(meeting.state, late, CONFIG.chat_history)
    assert (notes.text, notes.version) == (PARKS + "\n- water", 4)


def test_the_last_room_done_leaves_none_shown_until_one_is_called_again() -> None:
    meeting = started()
    meeting.handle(MODERATOR, cmd.NextReport(), T0 + 60)
    meeting.handle(MODERATOR, cmd.NextReport(), T0 + 120)
    ended = meeting.handle(MODERATOR, cmd.NextReport(), T0 + 180)
    assert events_of(ended) == [
        ev.FloorTaken(person(2), MODERATOR),
        ev.ReportEnded(room(3), MODERATOR),
    ]
    assert report_back(meeting) == ReportBack(True, [], None, [room(1), room(2), room(3)])
    rejected = refused(meeting, MODERATOR, cmd.NextReport(), T0 + 181)
    assert (rejected.reason, rejected.detail) == (
        Reason.CONFLICT,
        "every room has reported: call one with call_report, or end the report-back",
    )
    again = meeting.handle(MODERATOR, cmd.CallReport(room(1)), T0 + 200)
    assert events_of(again) == [
        ev.ReportCalled(room(1), PARKS, 3, MODERATOR),
        ev.FloorGiven(person(0), MODERATOR, T0 + 380, T0 + 350),
    ]
    assert report_back(meeting) == ReportBack(True, [], room(1), [room(2), room(3)])


def test_a_room_waiting_is_called_out_of_order() -> None:
    meeting = started()
    called = meeting.handle(MODERATOR, cmd.CallReport(room(3)), T0 + 60)
    assert events_of(called) == [
        ev.FloorTaken(person(0), MODERATOR),
        ev.ReportEnded(room(1), MODERATOR),
        ev.ReportCalled(room(3), BUSES, 1, MODERATOR),
        ev.FloorGiven(person(2), MODERATOR, T0 + 240, T0 + 210),
    ]
    assert report_back(meeting) == ReportBack(True, [room(2)], room(3), [room(1)])


def test_call_is_refused_for_the_room_on_now_or_a_room_not_in_the_report_back() -> None:
    meeting = started()
    rejected = refused(meeting, MODERATOR, cmd.CallReport(room(1)))
    assert (rejected.reason, rejected.detail) == (Reason.CONFLICT, "that room is reporting now")
    rejected = refused(meeting, MODERATOR, cmd.CallReport(room(4)))
    assert (rejected.reason, rejected.detail) == (
        Reason.UNKNOWN_ROOM,
        "room: 'room-4' is not in the report-back",
    )


# Reordering -----------------------------------------------------------------------------------


def test_a_moderator_moves_a_waiting_room_to_any_place() -> None:
    meeting = after_workshops()
    meeting.handle(MODERATOR, cmd.StartReportBack((room(1), room(2), room(3), room(4))), T0)
    moved = meeting.handle(MODERATOR, cmd.MoveReport(room(4), 1), T0 + 5)
    assert events_of(moved) == [ev.ReportMoved(room(4), 1, MODERATOR)]
    assert moved[0].audience is None
    assert report_back(meeting).waiting == [room(4), room(2), room(3)]
    meeting.handle(MODERATOR, cmd.MoveReport(room(4), 3), T0 + 6)
    assert report_back(meeting).waiting == [room(2), room(3), room(4)]
    meeting.handle(MODERATOR, cmd.NextReport(), T0 + 60)
    assert report_back(meeting).current == room(2)


def test_move_is_refused_for_a_room_not_waiting_or_a_place_past_the_end() -> None:
    meeting = started()
    for not_waiting in (room(1), room(4)):
        rejected = refused(meeting, MODERATOR, cmd.MoveReport(not_waiting, 1))
        assert (rejected.reason, rejected.detail) == (
            Reason.CONFLICT,
            "only a room waiting to report moves",
        )
    rejected = refused(meeting, MODERATOR, cmd.MoveReport(room(3), 3))
    assert (rejected.reason, rejected.detail) == (
        Reason.INVALID,
        "place: at most 2, the number of rooms waiting",
    )
    rejected = refused(meeting, MODERATOR, cmd.MoveReport(room(2), 1))
    assert (rejected.reason, rejected.detail) == (Reason.CONFLICT, "that room is already there")
    with pytest.raises(ValueError, match="place must be at least 1"):
        cmd.MoveReport(room(2), 0)


# Ending ---------------------------------------------------------------------------------------


def test_ending_takes_the_floor_back_and_clears_the_report_back() -> None:
    meeting = started()
    ended = meeting.handle(MODERATOR, cmd.EndReportBack(), T0 + 60)
    assert events_of(ended) == [
        ev.FloorTaken(person(0), MODERATOR),
        ev.ReportEnded(room(1), MODERATOR),
        ev.ReportBackEnded(MODERATOR),
    ]
    assert report_back(meeting) == ReportBack()
    assert (meeting.state.floor, meeting.state.phase) == (None, Phase.PLENARY)
    # The workshops may open again; the report-back may start again, all rooms waiting.
    meeting.handle(MODERATOR, cmd.StartReportBack(), T0 + 70)
    assert report_back(meeting).waiting == [room(2), room(3)]


@pytest.mark.parametrize(
    "command",
    [cmd.NextReport(), cmd.CallReport(room(1)), cmd.MoveReport(room(1), 1), cmd.EndReportBack()],
    ids=lambda c: type(c).__name__,
)
def test_moving_a_report_back_not_running_is_refused(command: cmd.Command) -> None:
    meeting = after_workshops()
    rejected = refused(meeting, MODERATOR, command)
    assert (rejected.reason, rejected.detail) == (
        Reason.CONFLICT,
        "the report-back is not running",
    )
