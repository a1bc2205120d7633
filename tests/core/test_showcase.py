"""The showcase: an agenda item's presenters take the floor in turn, each for their slot.

Every refusal compares the whole state before and after (`refused`), as in `test_commands`.
"""

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason
from rooms.ids import AgendaItemId, ParticipantId
from rooms.meeting import Meeting
from rooms.model import FloorClock, Presenter, Role, Showcase, Turn, TurnStatus
from rooms.publishing import EVERYTHING, NOTHING, VOICE_AND_CAMERA, publish_rights
from rooms.showcase import presenting, up_next

from .builders import MODERATOR, T0, meeting_with, person
from .test_commands import events_of, refused

CONFIG = MeetingConfig(floor_limit_s=180, floor_warning_s=30, max_floor_limit_s=600)
ITEM = AgendaItemId("item-1")
LATE = ParticipantId("late")
WAITING, PRESENTING, DONE, ABSENT = (
    TurnStatus.WAITING,
    TurnStatus.PRESENTING,
    TurnStatus.DONE,
    TurnStatus.ABSENT,
)


def agenda_of(
    *presenters: Presenter, minutes: int = 15, config: MeetingConfig = CONFIG
) -> Meeting:
    """A meeting of `person(0..3)` whose agenda's first item has `presenters`, not started."""
    meeting = meeting_with(("North", "South", "East", "West"), config=config)
    items = (cmd.AgendaEntry("Initiatives", minutes, presenters), cmd.AgendaEntry("Votes", 10))
    meeting.handle(MODERATOR, cmd.SetAgenda(items), T0)
    return meeting


def by_id(i: int) -> Presenter:
    return Presenter(participant=person(i))


def statuses(meeting: Meeting) -> list[TurnStatus]:
    return [t.status for t in meeting.state.showcase.turns]


def three_presenting() -> Meeting:
    """`person(0)`, `person(1)` and `person(2)` present item-1 (15 minutes: 5 each), started."""
    meeting = agenda_of(by_id(0), by_id(1), by_id(2))
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    return meeting


# Starting -------------------------------------------------------------------------------------


def test_starting_an_item_with_presenters_calls_the_first_for_their_share_of_it() -> None:
    meeting = agenda_of(by_id(0), by_id(1), by_id(2))
    started = meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    presenters = (
        Presenter("Person 0", person(0)),
        Presenter("Person 1", person(1)),
        Presenter("Person 2", person(2)),
    )
    assert events_of(started) == [
        ev.AgendaItemStarted(ITEM, MODERATOR),
        ev.ShowcaseStarted(ITEM, 300, presenters),
        ev.PresenterCalled(0, person(0), MODERATOR),
        ev.FloorGiven(person(0), MODERATOR, T0 + 300, T0 + 270),
    ]
    assert all(s.audience is None for s in started)  # whose turn it is: on every screen
    state = meeting.state
    assert state.showcase == Showcase(
        ITEM,
        300,
        [
            Turn("Person 0", person(0), PRESENTING),
            Turn("Person 1", person(1)),
            Turn("Person 2", person(2)),
        ],
    )
    assert (state.floor, state.floor_clock) == (person(0), FloorClock(T0 + 300, T0 + 270))
    assert (presenting(state.showcase), up_next(state.showcase)) == (0, 1)


def test_an_item_without_presenters_starts_no_showcase() -> None:
    meeting = agenda_of(by_id(0))
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    moved_on = meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 60)
    assert [type(e) for e in events_of(moved_on)] == [
        ev.AgendaItemStarted,
        ev.FloorTaken,
        ev.ShowcaseEnded,
    ]
    assert meeting.state.showcase == Showcase()
    assert meeting.state.floor is None


def test_a_slot_is_at_most_the_longest_floor() -> None:
    meeting = agenda_of(by_id(0), by_id(1), minutes=60)  # 30 minutes each, over 10
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    assert meeting.state.showcase.slot_s == 600
    assert meeting.state.floor_clock.deadline == T0 + 600


# Taking turns ---------------------------------------------------------------------------------


def test_when_a_slot_runs_out_the_server_calls_the_next_presenter() -> None:
    meeting = three_presenting()
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 270)) == [
        ev.FloorWarning(person(0), T0 + 300)
    ]
    ended = meeting.handle(None, cmd.Tick(), T0 + 300)
    assert events_of(ended) == [
        ev.FloorExpired(person(0)),
        ev.PresenterCalled(1, person(1), None),
        ev.FloorGiven(person(1), None, T0 + 600, T0 + 570),
    ]
    assert statuses(meeting) == [DONE, PRESENTING, WAITING]
    assert meeting.next_wakeup() == T0 + 570
    # The screen went with the first presenter's turn, and came with the second's.
    assert publish_rights(meeting.state, person(0)) == NOTHING
    assert publish_rights(meeting.state, person(1)) == EVERYTHING

    meeting.handle(None, cmd.Tick(), T0 + 600)
    last = meeting.handle(None, cmd.Tick(), T0 + 900)
    assert events_of(last) == [ev.FloorExpired(person(2))]
    assert statuses(meeting) == [DONE, DONE, DONE]
    assert meeting.state.floor is None
    assert meeting.next_wakeup() is None
    # The item stays current, its showcase with it, until a moderator moves the agenda on.
    assert meeting.state.showcase.item == ITEM


def test_a_late_tick_calls_the_next_for_a_whole_slot_from_then() -> None:
    meeting = three_presenting()
    events = events_of(meeting.handle(None, cmd.Tick(), T0 + 400))
    assert events[-1] == ev.FloorGiven(person(1), None, T0 + 700, T0 + 670)


def test_a_moderator_moves_on_to_the_next_presenter_in_one_action() -> None:
    meeting = three_presenting()
    moved_on = meeting.handle(MODERATOR, cmd.NextPresenter(), T0 + 100)
    assert events_of(moved_on) == [
        ev.FloorTaken(person(0), MODERATOR),
        ev.PresenterCalled(1, person(1), MODERATOR),
        ev.FloorGiven(person(1), MODERATOR, T0 + 400, T0 + 370),
    ]
    assert statuses(meeting) == [DONE, PRESENTING, WAITING]


def test_give_floor_without_a_participant_calls_the_next_presenter_before_the_hands() -> None:
    meeting = three_presenting()
    meeting.handle(person(3), cmd.RaiseHand(), T0)
    given = meeting.handle(MODERATOR, cmd.GiveFloor(limit_s=120), T0 + 100)
    assert events_of(given)[-1] == ev.FloorGiven(person(1), MODERATOR, T0 + 220, T0 + 190)
    meeting.handle(MODERATOR, cmd.GiveFloor(), T0 + 200)
    assert meeting.state.floor == person(2)
    # Every presenter has had their turn: the speakers' list is next.
    meeting.handle(MODERATOR, cmd.GiveFloor(), T0 + 300)
    assert meeting.state.floor == person(3)
    assert statuses(meeting) == [DONE, DONE, DONE]
    assert publish_rights(meeting.state, person(3)) == VOICE_AND_CAMERA


def test_the_floor_taken_back_ends_the_turn_and_the_next_waits_for_the_moderator() -> None:
    meeting = three_presenting()
    meeting.handle(MODERATOR, cmd.TakeFloor(), T0 + 10)
    assert statuses(meeting) == [DONE, WAITING, WAITING]
    assert meeting.next_wakeup() is None
    meeting.handle(MODERATOR, cmd.NextPresenter(), T0 + 20)
    assert (meeting.state.floor, statuses(meeting)) == (person(1), [DONE, PRESENTING, WAITING])


def test_the_floor_given_to_someone_else_ends_the_turn_and_the_screen() -> None:
    meeting = three_presenting()
    meeting.handle(MODERATOR, cmd.GiveFloor(person(3)), T0 + 10)
    assert statuses(meeting) == [DONE, WAITING, WAITING]
    assert publish_rights(meeting.state, person(3)) == VOICE_AND_CAMERA


def test_a_presenter_who_leaves_ends_their_turn() -> None:
    meeting = three_presenting()
    meeting.handle(None, cmd.Disconnect(person(0)), T0 + 10)
    # Still theirs while the connection may come back, as the floor is.
    assert statuses(meeting) == [PRESENTING, WAITING, WAITING]
    meeting.handle(None, cmd.Depart(person(0)), T0 + 40)
    assert statuses(meeting) == [DONE, WAITING, WAITING]
    assert meeting.state.showcase.turns[0].participant == person(0)


# Absent presenters ---------------------------------------------------------------------------


def test_a_presenter_not_here_at_their_turn_is_skipped_and_called_later() -> None:
    meeting = three_presenting()
    meeting.handle(None, cmd.Disconnect(person(1)), T0 + 10)
    ended = meeting.handle(None, cmd.Tick(), T0 + 300)
    assert events_of(ended) == [
        ev.FloorExpired(person(0)),
        ev.PresenterAbsent(1),
        ev.PresenterCalled(2, person(2), None),
        ev.FloorGiven(person(2), None, T0 + 600, T0 + 570),
    ]
    assert statuses(meeting) == [DONE, ABSENT, PRESENTING]
    assert up_next(meeting.state.showcase) is None

    meeting.handle(None, cmd.Rejoin(person(1)), T0 + 400)
    called = meeting.handle(MODERATOR, cmd.CallPresenter(1), T0 + 410)
    assert events_of(called) == [
        ev.FloorTaken(person(2), MODERATOR),
        ev.PresenterCalled(1, person(1), MODERATOR),
        ev.FloorGiven(person(1), MODERATOR, T0 + 710, T0 + 680),
    ]
    assert statuses(meeting) == [DONE, PRESENTING, DONE]


def test_when_nobody_waiting_is_here_they_are_all_marked_absent() -> None:
    meeting = three_presenting()
    meeting.handle(None, cmd.Disconnect(person(1)), T0)
    meeting.handle(None, cmd.Disconnect(person(2)), T0)
    moved_on = meeting.handle(MODERATOR, cmd.NextPresenter(), T0 + 10)
    assert events_of(moved_on) == [
        ev.FloorTaken(person(0), MODERATOR),
        ev.PresenterAbsent(1),
        ev.PresenterAbsent(2),
    ]
    assert meeting.state.floor is None


def test_the_first_presenter_absent_at_the_start_is_skipped() -> None:
    meeting = agenda_of(by_id(0), Presenter("Jan Lis"), by_id(1))
    meeting.handle(None, cmd.Disconnect(person(0)), T0)
    started = meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    assert events_of(started)[2:] == [
        ev.PresenterAbsent(0),
        ev.PresenterAbsent(1),
        ev.PresenterCalled(2, person(1), MODERATOR),
        ev.FloorGiven(person(1), MODERATOR, T0 + 300, T0 + 270),
    ]


# Presenters named before they join -------------------------------------------------------------


def test_a_presenter_named_by_name_is_matched_when_they_join_under_it() -> None:
    meeting = agenda_of(by_id(0), Presenter("Jan Lis"), Presenter("Łucja Kos"))
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    assert [t.participant for t in meeting.state.showcase.turns] == [person(0), None, None]
    # Case and spacing do not count; diacritics do: Lucja is not Łucja.
    joined = meeting.handle(None, cmd.Join(LATE, " jan  LIS", Role.PARTICIPANT), T0 + 10)
    assert events_of(joined)[1:] == [ev.PresenterMatched(1, LATE)]
    lucja = cmd.Join(ParticipantId("lucja"), "Lucja Kos", Role.PARTICIPANT)
    other = meeting.handle(None, lucja, T0 + 20)
    assert events_of(other)[1:] == []
    assert [t.participant for t in meeting.state.showcase.turns] == [person(0), LATE, None]
    ended = meeting.handle(None, cmd.Tick(), T0 + 300)
    assert events_of(ended)[1:] == [
        ev.PresenterCalled(1, LATE, None),
        ev.FloorGiven(LATE, None, T0 + 600, T0 + 570),
    ]
    # The third never joined under her name: absent at her turn.
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 600))[1:] == [ev.PresenterAbsent(2)]


def test_a_name_is_matched_to_someone_already_here_when_the_item_starts() -> None:
    meeting = agenda_of(Presenter("PERSON 2"), by_id(0))
    started = meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    assert events_of(started)[1] == ev.ShowcaseStarted(
        ITEM, 450, (Presenter("PERSON 2", person(2)), Presenter("Person 0", person(0)))
    )
    assert meeting.state.floor == person(2)


def test_a_moderator_names_who_presents_a_turn_when_the_name_does_not_match() -> None:
    meeting = agenda_of(by_id(0), Presenter("Jan Lis"))
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    rejected = refused(meeting, MODERATOR, cmd.CallPresenter(1), T0 + 10)
    assert rejected.reason is Reason.CONFLICT
    assert "'Jan Lis' has joined" in rejected.detail
    called = meeting.handle(MODERATOR, cmd.CallPresenter(1, person(3)), T0 + 10)
    assert events_of(called)[0] == ev.PresenterMatched(1, person(3))
    assert meeting.state.showcase.turns[1] == Turn("Jan Lis", person(3), PRESENTING)
    assert publish_rights(meeting.state, person(3)) == EVERYTHING


# The agenda moves on ----------------------------------------------------------------------------


def test_moving_the_agenda_on_ends_the_showcase_and_the_presenters_floor() -> None:
    meeting = three_presenting()
    moved_on = meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 100)
    assert events_of(moved_on) == [
        ev.AgendaItemStarted(AgendaItemId("item-2"), MODERATOR),
        ev.FloorTaken(person(0), MODERATOR),
        ev.ShowcaseEnded(ITEM),
    ]
    assert (meeting.state.showcase, meeting.state.floor) == (Showcase(), None)


def test_skipping_the_item_or_leaving_it_out_of_the_agenda_ends_the_showcase() -> None:
    meeting = three_presenting()
    skipped = meeting.handle(MODERATOR, cmd.SkipAgendaItem(ITEM), T0 + 100)
    assert events_of(skipped)[1:] == [ev.FloorTaken(person(0), MODERATOR), ev.ShowcaseEnded(ITEM)]

    meeting = three_presenting()
    # The organiser, through the HTTP API: the presenter's slot runs out by itself.
    organised = meeting.handle(None, cmd.SetAgendaAsOrganiser(()), T0 + 100)
    assert events_of(organised) == [ev.AgendaSet((), None), ev.ShowcaseEnded(ITEM)]
    assert meeting.state.floor == person(0)
    assert publish_rights(meeting.state, person(0)) == VOICE_AND_CAMERA
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 300)) == [ev.FloorExpired(person(0))]


def test_reopened_and_started_again_the_presenters_start_over() -> None:
    meeting = three_presenting()
    meeting.handle(MODERATOR, cmd.SkipAgendaItem(ITEM), T0 + 10)
    meeting.handle(MODERATOR, cmd.ReopenAgendaItem(ITEM), T0 + 20)
    meeting.handle(MODERATOR, cmd.StartAgendaItem(ITEM), T0 + 30)
    assert statuses(meeting) == [PRESENTING, WAITING, WAITING]


# Refusals ---------------------------------------------------------------------------------------


def test_moving_on_without_presenters_is_refused() -> None:
    meeting = agenda_of(by_id(0))
    for command in (cmd.NextPresenter(), cmd.CallPresenter(0)):
        rejected = refused(meeting, MODERATOR, command)
        assert (rejected.reason, rejected.detail) == (
            Reason.CONFLICT,
            "no agenda item with presenters is current",
        )


def test_moving_on_when_every_presenter_had_their_turn_is_refused() -> None:
    meeting = three_presenting()
    for moment in (T0 + 300, T0 + 600, T0 + 900):
        meeting.handle(None, cmd.Tick(), moment)
    rejected = refused(meeting, MODERATOR, cmd.NextPresenter(), T0 + 901)
    assert rejected.reason is Reason.CONFLICT
    assert "call one with call_presenter" in rejected.detail


def test_calling_a_turn_that_cannot_be_called_is_refused() -> None:
    meeting = three_presenting()
    meeting.handle(None, cmd.Disconnect(person(2)), T0)
    cases: list[tuple[cmd.Command, Reason, str]] = [
        (cmd.CallPresenter(3), Reason.INVALID, "turn: at most 2, the last presenter's"),
        (cmd.CallPresenter(0), Reason.CONFLICT, "that presenter is presenting"),
        (cmd.CallPresenter(2), Reason.CONFLICT, "that presenter is not connected"),
        (
            cmd.CallPresenter(1, ParticipantId("ghost")),
            Reason.UNKNOWN_PARTICIPANT,
            "no participant 'ghost'",
        ),
        (cmd.GiveFloor(limit_s=601), Reason.INVALID, "limit_s: at most 600 seconds"),
    ]
    for command, reason, detail in cases:
        rejected = refused(meeting, MODERATOR, command, T0 + 10)
        assert (rejected.reason, rejected.detail) == (reason, detail), command


def test_only_moderators_move_the_presenters_on() -> None:
    meeting = three_presenting()
    for command in (cmd.NextPresenter(), cmd.CallPresenter(1)):
        assert refused(meeting, person(0), command).reason is Reason.NOT_ALLOWED
