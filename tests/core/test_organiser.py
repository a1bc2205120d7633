"""The organiser's: the meeting's title, start and end, and which link of each role is current
(`rooms.organiser`). Every refusal compares the whole state before and after (`refused`)."""

import pytest

from rooms import commands as cmd
from rooms import events as ev
from rooms.errors import Reason
from rooms.model import Language, MeetingState, Role
from rooms.organiser import generation
from rooms.plain import RecordError, from_plain, to_plain
from rooms.view import view_for

from .builders import MODERATOR, T0, meeting_with
from .test_commands import refused

START, END = T0 + 3600, T0 + 3 * 3600


def test_the_organiser_reschedules_the_meeting_for_everyone() -> None:
    meeting = meeting_with()
    stamped = meeting.handle(None, cmd.ScheduleAsOrganiser("  Forum   Łabędy ", START, END), T0)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.MeetingScheduled("Forum Łabędy", START, END), None)
    ]
    state = meeting.state
    assert (state.title, state.starts_at, state.ends_at) == ("Forum Łabędy", START, END)
    assert (state.description, state.language) == ("", Language.PL)


def test_the_organiser_describes_the_meeting_and_sets_its_language() -> None:
    meeting = meeting_with()
    described = cmd.ScheduleAsOrganiser(
        "Forum", START, END, "  Budżet obywatelski:\r\n\tco dalej?  ", Language.EN
    )
    stamped = meeting.handle(None, described, T0)
    assert [s.event for s in stamped] == [
        ev.MeetingScheduled("Forum", START, END, "Budżet obywatelski:\n\tco dalej?", Language.EN)
    ]
    assert (meeting.state.description, meeting.state.language) == (
        "Budżet obywatelski:\n\tco dalej?",
        Language.EN,
    )
    # Everyone sees it: it is what the meeting is for.
    assert view_for(meeting.state, MODERATOR).description == "Budżet obywatelski:\n\tco dalej?"


@pytest.mark.parametrize(
    ("title", "starts_at", "ends_at", "detail"),
    [
        ("Forum", END, START, "ends_at: must be after starts_at"),
        ("Forum", START, START, "ends_at: must be after starts_at"),
        ("   ", START, END, "title"),
        ("F" * 201, START, END, "title"),
    ],
)
def test_a_schedule_that_ends_before_it_starts_or_has_no_title_is_refused(
    title: str, starts_at: float, ends_at: float, detail: str
) -> None:
    rejected = refused(meeting_with(), None, cmd.ScheduleAsOrganiser(title, starts_at, ends_at))
    assert rejected.reason is Reason.INVALID
    assert rejected.detail.startswith(detail)


@pytest.mark.parametrize(
    ("description", "detail"),
    [
        ("D" * 2001, "description: longer than 2000 characters"),
        ("bell \x07", "description: contains control characters"),
        ("\u200b", "description: has nothing visible"),
    ],
)
def test_a_description_too_long_or_unreadable_is_refused(description: str, detail: str) -> None:
    command = cmd.ScheduleAsOrganiser("Forum", START, END, description)
    rejected = refused(meeting_with(), None, command)
    assert rejected.reason is Reason.INVALID
    assert rejected.detail.startswith(detail)


def test_a_meeting_scheduled_before_descriptions_reads_as_polish_and_undescribed() -> None:
    stored = {"title": "Forum", "starts_at": START, "ends_at": END}
    assert from_plain(ev.MeetingScheduled, stored) == ev.MeetingScheduled(
        "Forum", START, END, "", Language.PL
    )
    with pytest.raises(RecordError, match="language"):
        from_plain(ev.MeetingScheduled, {**stored, "language": "de"})


def test_only_the_server_schedules_or_reissues() -> None:
    meeting = meeting_with()
    assert refused(meeting, MODERATOR, cmd.ReissueLink(Role.MODERATOR)).reason is (
        Reason.NOT_ALLOWED
    )
    schedule = cmd.ScheduleAsOrganiser("Forum", START, END)
    assert refused(meeting, MODERATOR, schedule).reason is Reason.NOT_ALLOWED


def test_a_reissue_makes_the_roles_next_generation_current_and_tells_nobody() -> None:
    meeting = meeting_with()
    assert generation(meeting.state, Role.PRESENTER) == 0
    first = meeting.handle(None, cmd.ReissueLink(Role.PRESENTER), T0)
    second = meeting.handle(None, cmd.ReissueLink(Role.PRESENTER), T0)
    assert [(s.event, s.audience) for s in first + second] == [
        (ev.LinkReissued(Role.PRESENTER, 1), frozenset()),
        (ev.LinkReissued(Role.PRESENTER, 2), frozenset()),
    ]
    assert generation(meeting.state, Role.PRESENTER) == 2
    assert generation(meeting.state, Role.MODERATOR) == 0
    # Only the server checks links: nobody's snapshot holds the generations.
    assert view_for(meeting.state, MODERATOR).link_generations == {}


def test_after_the_end_a_link_may_be_reissued_but_the_schedule_stays() -> None:
    meeting = meeting_with()
    meeting.handle(MODERATOR, cmd.EndMeeting(), T0)
    meeting.handle(None, cmd.ReissueLink(Role.MODERATOR), T0)
    assert generation(meeting.state, Role.MODERATOR) == 1
    rejected = refused(meeting, None, cmd.ScheduleAsOrganiser("Forum", START, END))
    assert rejected.reason is Reason.MEETING_ENDED


def test_the_schedule_and_the_generations_survive_a_snapshot() -> None:
    meeting = meeting_with()
    described = cmd.ScheduleAsOrganiser("Forum", START, END, "O budżecie", Language.EN)
    meeting.handle(None, described, T0)
    meeting.handle(None, cmd.ReissueLink(Role.MODERATOR), T0)
    stored = from_plain(MeetingState, to_plain(meeting.state))
    assert stored == meeting.state
    assert (stored.ends_at, generation(stored, Role.MODERATOR)) == (END, 1)
    assert (stored.description, stored.language) == ("O budżecie", Language.EN)
