"""The agenda: set and edited by moderators (or the organiser), one item current, time used on
the server's clock; every refusal leaves the whole state unchanged."""

import pytest

from rooms import commands as cmd
from rooms import events as ev
from rooms.agenda import used_s
from rooms.config import MeetingConfig
from rooms.errors import Reason
from rooms.ids import AgendaItemId
from rooms.meeting import Meeting
from rooms.model import ItemStatus, MeetingState, PlannedItem, Presenter
from rooms.plain import from_plain, to_plain
from rooms.view import view_for

from .builders import MODERATOR, T0, meeting_with, person
from .test_commands import events_of, refused

FIRST, SECOND, THIRD = (AgendaItemId(f"item-{i}") for i in (1, 2, 3))


def entries(*titles: str) -> tuple[cmd.AgendaEntry, ...]:
    return tuple(cmd.AgendaEntry(title, 10) for title in titles)


def with_agenda(*titles: str, config: MeetingConfig | None = None) -> Meeting:
    meeting = meeting_with(config=config)
    meeting.handle(MODERATOR, cmd.SetAgenda(entries(*titles)), T0)
    return meeting


def statuses(meeting: Meeting) -> dict[str, ItemStatus]:
    return {item.id: item.status for item in meeting.state.agenda.items}


def test_set_agenda_numbers_the_items_and_names_a_participant_presenter() -> None:
    meeting = meeting_with()
    showcase = cmd.AgendaEntry(
        "  Initiatives ", 30, (Presenter(participant=person(0)), Presenter(" Ola  Nowak "))
    )
    agenda = cmd.SetAgenda((cmd.AgendaEntry("Welcome", 5), showcase))
    stamped = meeting.handle(MODERATOR, agenda, T0)
    assert events_of(stamped) == [
        ev.AgendaSet(
            (
                PlannedItem(FIRST, "Welcome", 5),
                PlannedItem(
                    SECOND,
                    "Initiatives",
                    30,
                    (Presenter("Person 0", person(0)), Presenter("Ola Nowak")),
                ),
            ),
            by=MODERATOR,
        )
    ]
    assert stamped[0].audience is None
    assert statuses(meeting) == {FIRST: ItemStatus.PENDING, SECOND: ItemStatus.PENDING}
    assert meeting.state.agenda.current is None


def test_the_organiser_sets_the_agenda_as_the_server() -> None:
    meeting = meeting_with()
    stamped = meeting.handle(None, cmd.SetAgendaAsOrganiser(entries("Welcome")), T0)
    assert events_of(stamped) == [ev.AgendaSet((PlannedItem(FIRST, "Welcome", 10),), by=None)]


def test_next_moves_along_the_agenda_and_counts_each_items_time() -> None:
    meeting = with_agenda("Welcome", "Mayor", "Expert")
    assert events_of(meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)) == [
        ev.AgendaItemStarted(FIRST, by=MODERATOR)
    ]
    agenda = meeting.state.agenda
    assert (agenda.current, agenda.current_since) == (FIRST, T0)
    assert used_s(agenda, agenda.items[0], T0 + 90) == 90
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 120)
    assert statuses(meeting) == {
        FIRST: ItemStatus.DONE,
        SECOND: ItemStatus.CURRENT,
        THIRD: ItemStatus.PENDING,
    }
    assert agenda.items[0].used_s == 120
    assert used_s(agenda, agenda.items[0], T0 + 999) == 120
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 300)
    # With nothing pending, the next step ends the last item.
    ended = meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 400)
    assert events_of(ended) == [ev.AgendaItemEnded(THIRD, by=MODERATOR)]
    assert [i.used_s for i in agenda.items] == [120, 180, 100]
    assert agenda.current is None
    assert refused(meeting, MODERATOR, cmd.StartAgendaItem()).reason is Reason.CONFLICT


def test_start_a_chosen_item_ends_the_current_one() -> None:
    meeting = with_agenda("Welcome", "Mayor", "Expert")
    meeting.handle(MODERATOR, cmd.StartAgendaItem(THIRD), T0)
    meeting.handle(MODERATOR, cmd.StartAgendaItem(FIRST), T0 + 60)
    assert statuses(meeting) == {
        FIRST: ItemStatus.CURRENT,
        SECOND: ItemStatus.PENDING,
        THIRD: ItemStatus.DONE,
    }
    # Next is the first pending item after the current one.
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 120)
    assert meeting.state.agenda.current == SECOND


def test_skip_and_reopen_keep_the_time_used() -> None:
    meeting = with_agenda("Welcome", "Mayor", "Expert")
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    skipped = meeting.handle(MODERATOR, cmd.SkipAgendaItem(FIRST), T0 + 40)
    assert events_of(skipped) == [ev.AgendaItemSkipped(FIRST, by=MODERATOR)]
    meeting.handle(MODERATOR, cmd.SkipAgendaItem(SECOND), T0 + 50)
    agenda = meeting.state.agenda
    assert agenda.current is None
    assert statuses(meeting)[FIRST] is ItemStatus.SKIPPED
    assert agenda.items[0].used_s == 40
    meeting.handle(MODERATOR, cmd.ReopenAgendaItem(FIRST), T0 + 60)
    assert statuses(meeting)[FIRST] is ItemStatus.PENDING
    meeting.handle(MODERATOR, cmd.StartAgendaItem(FIRST), T0 + 100)
    assert used_s(agenda, agenda.items[0], T0 + 110) == 50


def test_editing_keeps_the_ids_status_and_time_of_items_that_stay() -> None:
    meeting = with_agenda("Welcome", "Mayor", "Expert")
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 60)
    edited = (
        cmd.AgendaEntry("Mayor of Gliwice", 15, id=SECOND),
        cmd.AgendaEntry("Questions", 20),
        cmd.AgendaEntry("Welcome", 10, id=FIRST),
    )
    meeting.handle(MODERATOR, cmd.SetAgenda(edited), T0 + 90)
    agenda = meeting.state.agenda
    assert [(i.id, i.title, i.minutes, i.status, i.used_s) for i in agenda.items] == [
        (SECOND, "Mayor of Gliwice", 15, ItemStatus.CURRENT, 0.0),
        (AgendaItemId("item-4"), "Questions", 20, ItemStatus.PENDING, 0.0),
        (FIRST, "Welcome", 10, ItemStatus.DONE, 60.0),
    ]
    assert (agenda.current, agenda.current_since) == (SECOND, T0 + 60)
    # The current item dropped: nothing is current; a removed id is never given again.
    meeting.handle(MODERATOR, cmd.SetAgenda((cmd.AgendaEntry("Welcome", 10, id=FIRST),)), T0 + 95)
    assert agenda.current is None
    meeting.handle(MODERATOR, cmd.SetAgenda(entries("Again")), T0 + 99)
    assert [i.id for i in agenda.items] == [AgendaItemId("item-5")]


def test_a_presenter_who_left_stays_on_the_item_they_were_named_for() -> None:
    meeting = meeting_with()
    talk = cmd.AgendaEntry("Talk", 10, (Presenter(participant=person(1)),))
    meeting.handle(MODERATOR, cmd.SetAgenda((talk,)), T0)
    meeting.handle(MODERATOR, cmd.RemoveParticipant(person(1)), T0)
    kept = cmd.AgendaEntry("Talk, longer", 20, (Presenter(participant=person(1)),), id=FIRST)
    meeting.handle(MODERATOR, cmd.SetAgenda((kept,)), T0)
    assert meeting.state.agenda.items[0].presenters == (Presenter("Person 1", person(1)),)
    new = cmd.AgendaEntry("Other", 5, (Presenter(participant=person(1)),))
    rejected = refused(meeting, MODERATOR, cmd.SetAgenda((new,)))
    assert rejected.reason is Reason.UNKNOWN_PARTICIPANT
    assert rejected.detail == "items[0].presenters[0].participant: no participant 'p1'"


LIMITS = MeetingConfig(
    max_agenda_items=3, max_item_title_chars=10, max_item_minutes=60, max_presenters=2
)


@pytest.mark.parametrize(
    ("items", "reason", "detail"),
    [
        (entries("a", "b", "c", "d"), Reason.INVALID, "items: at most 3 agenda items"),
        (entries("a", "x" * 11), Reason.INVALID, "items[1].title: longer than 10 characters"),
        (entries(" "), Reason.INVALID, "items[0].title: must not be empty"),
        (
            (cmd.AgendaEntry("a", 61),),
            Reason.INVALID,
            "items[0].minutes: at most 60",
        ),
        (
            (cmd.AgendaEntry("a", 5, (Presenter("A"), Presenter("B"), Presenter("C"))),),
            Reason.INVALID,
            "items[0].presenters: at most 2",
        ),
        (
            (cmd.AgendaEntry("a", 5, (Presenter(""),)),),
            Reason.INVALID,
            "items[0].presenters[0].name: must not be empty",
        ),
        (
            (cmd.AgendaEntry("a", 5, id=AgendaItemId("item-9")),),
            Reason.UNKNOWN_ITEM,
            "items[0].id: no agenda item 'item-9'",
        ),
        (
            (cmd.AgendaEntry("a", 5, id=FIRST), cmd.AgendaEntry("b", 5, id=FIRST)),
            Reason.INVALID,
            "items: an item's id is given twice",
        ),
    ],
)
def test_a_bad_agenda_is_refused_naming_what_was_wrong(
    items: tuple[cmd.AgendaEntry, ...], reason: Reason, detail: str
) -> None:
    meeting = with_agenda("Welcome", config=LIMITS)
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    rejected = refused(meeting, MODERATOR, cmd.SetAgenda(items), T0 + 5)
    assert (rejected.reason, rejected.detail) == (reason, detail)


def test_minutes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="minutes must be positive"):
        cmd.AgendaEntry("a", 0)


def test_moving_along_refusals() -> None:
    meeting = with_agenda("Welcome", "Mayor")
    unknown = AgendaItemId("item-7")
    for command in (
        cmd.StartAgendaItem(unknown),
        cmd.SkipAgendaItem(unknown),
        cmd.ReopenAgendaItem(unknown),
    ):
        assert refused(meeting, MODERATOR, command).reason is Reason.UNKNOWN_ITEM
    assert refused(meeting, MODERATOR, cmd.ReopenAgendaItem(FIRST)).reason is Reason.CONFLICT
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    assert refused(meeting, MODERATOR, cmd.StartAgendaItem(FIRST)).detail == "that item is current"
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 10)
    rejected = refused(meeting, MODERATOR, cmd.StartAgendaItem(FIRST))
    assert rejected.reason is Reason.CONFLICT
    assert rejected.detail == "that item is done: reopen it first"
    assert refused(meeting, MODERATOR, cmd.SkipAgendaItem(FIRST)).reason is Reason.CONFLICT
    empty = meeting_with()
    assert refused(empty, MODERATOR, cmd.StartAgendaItem()).detail == "no agenda item is pending"


def test_the_snapshot_carries_the_agenda_and_a_new_writer_goes_on_counting() -> None:
    meeting = with_agenda("Welcome", "Mayor")
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 10)
    seen = to_plain(view_for(meeting.state, person(0)))
    assert seen["agenda"]["current"] == FIRST
    assert [i["title"] for i in seen["agenda"]["items"]] == ["Welcome", "Mayor"]
    # Another process takes over from the snapshot: the time goes on from the stored start.
    taken_over = Meeting(from_plain(MeetingState, to_plain(meeting.state)), meeting.config)
    taken_over.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 70)
    assert taken_over.state.agenda.items[0].used_s == 60
