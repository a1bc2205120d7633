"""The opening: participants join from `open_before_s` before the start, moderators and
presenters at any time, and a meeting with no start is always open. A participant refused for
coming early leaves the whole state unchanged (`refused`)."""

from hypothesis import given
from hypothesis import strategies as st

from rooms import commands as cmd
from rooms import opening
from rooms.config import MeetingConfig
from rooms.errors import Reason
from rooms.ids import MeetingId
from rooms.meeting import Meeting
from rooms.model import Role

from .builders import MODERATOR, T0, person
from .test_commands import refused

START = T0 + 3600.0
CONFIG = MeetingConfig(open_before_s=900)
OPENS = START - 900


def scheduled(starts_at: float | None = START) -> Meeting:
    return Meeting.create(MeetingId("m-1"), "Town hall", CONFIG, starts_at=starts_at)


def join(role: Role = Role.PARTICIPANT, index: int = 0) -> cmd.Join:
    return cmd.Join(person(index), f"Person {index}", role)


def test_a_participant_before_the_opening_is_told_when_it_opens() -> None:
    meeting = scheduled()
    rejected = refused(meeting, None, join(), OPENS - 125)
    assert rejected.reason is Reason.NOT_OPEN_YET
    # 1000 + 3600 - 900 = 3700 s after the epoch: 01:01:40 UTC.
    assert "1970-01-01 01:01:40 UTC" in rejected.detail
    assert "900 s before its start" in rejected.detail
    assert "in 125 s" in rejected.detail
    assert opening.opens_at(meeting.state, CONFIG) == OPENS


def test_at_the_opening_a_participant_joins() -> None:
    meeting = scheduled()
    refused(meeting, None, join(), OPENS - 0.001)
    meeting.handle(None, join(), OPENS)
    assert meeting.state.participants[person(0)].role is Role.PARTICIPANT


def test_moderators_and_presenters_come_in_early() -> None:
    meeting = scheduled()
    meeting.handle(None, cmd.Join(MODERATOR, "Mo Derator", Role.MODERATOR), T0)
    meeting.handle(None, join(Role.PRESENTER, 1), T0)
    assert {p.role for p in meeting.state.participants.values()} == {
        Role.MODERATOR,
        Role.PRESENTER,
    }


def test_a_meeting_with_no_start_is_always_open() -> None:
    meeting = scheduled(starts_at=None)
    assert opening.opens_at(meeting.state, CONFIG) is None
    meeting.handle(None, join(), T0)
    assert person(0) in meeting.state.participants


def test_the_opening_follows_a_moved_start() -> None:
    meeting = scheduled()
    later = START + 600
    meeting.handle(None, cmd.ScheduleAsOrganiser("Town hall", later, later + 3600), T0)
    refused(meeting, None, join(), OPENS)
    meeting.handle(None, join(), later - 900)
    assert person(0) in meeting.state.participants


def test_one_who_came_early_comes_back_before_the_opening() -> None:
    meeting = scheduled()
    meeting.handle(None, join(Role.PRESENTER), T0)
    meeting.handle(None, cmd.Disconnect(person(0)), T0 + 1)
    meeting.handle(None, cmd.Rejoin(person(0)), T0 + 2)
    assert meeting.state.participants[person(0)].connected


@given(
    open_before=st.integers(min_value=0, max_value=24 * 3600),
    offset=st.floats(min_value=-48 * 3600, max_value=48 * 3600, allow_nan=False),
    role=st.sampled_from(Role),
)
def test_who_gets_in_is_the_role_and_the_clock_alone(
    open_before: int, offset: float, role: Role
) -> None:
    config = MeetingConfig(open_before_s=open_before)
    meeting = Meeting.create(MeetingId("m-1"), "Town hall", config, starts_at=START)
    now = START + offset
    let_in = role is not Role.PARTICIPANT or now >= START - open_before
    if let_in:
        meeting.handle(None, join(role), now)
        assert person(0) in meeting.state.participants
    else:
        assert refused(meeting, None, join(role), now).reason is Reason.NOT_OPEN_YET
