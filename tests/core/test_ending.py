"""Ending the meeting for everyone: a moderator's `EndMeeting`, then nothing more.

Every refusal compares the whole state before and after (`refused`), as in `test_commands`.
"""

import pytest

from rooms import commands as cmd
from rooms import events as ev
from rooms.ending import AFTER_THE_END
from rooms.errors import Reason
from rooms.meeting import Meeting
from rooms.model import Phase, PollStatus, Role
from rooms.policy import RULES, Who

from .builders import MODERATOR, T0, meeting_with, person
from .test_commands import POLL_3, SAMPLES, busy_meeting, events_of, refused

ENDED_AT = T0 + 30


def ended(phase: Phase = Phase.PLENARY) -> Meeting:
    meeting = busy_meeting(phase)
    meeting.handle(MODERATOR, cmd.EndMeeting(), ENDED_AT)
    return meeting


def test_a_moderator_ends_the_meeting_for_everyone() -> None:
    meeting = meeting_with()
    stamped = meeting.handle(MODERATOR, cmd.EndMeeting(), ENDED_AT)
    assert [(s.event, s.audience, s.at) for s in stamped] == [
        (ev.MeetingEnded(MODERATOR), None, ENDED_AT)
    ]
    assert meeting.state.ended_at == ENDED_AT


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.PRESENTER])
def test_only_a_moderator_may_end_the_meeting(role: Role) -> None:
    meeting = meeting_with()
    if role is not Role.PARTICIPANT:
        meeting.handle(MODERATOR, cmd.SetRole(person(0), role), T0)
    assert refused(meeting, person(0), cmd.EndMeeting()).reason is Reason.NOT_ALLOWED
    assert meeting.state.ended_at is None


def test_ending_twice_is_refused() -> None:
    meeting = ended()
    rejected = refused(meeting, MODERATOR, cmd.EndMeeting(), ENDED_AT + 5)
    assert rejected.reason is Reason.MEETING_ENDED
    assert meeting.state.ended_at == ENDED_AT


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize(
    "command_type",
    [t for t in SAMPLES if t not in AFTER_THE_END],
    ids=lambda t: t.__name__,
)
def test_after_the_end_every_command_is_refused_from_anyone(
    command_type: type[cmd.Command], phase: Phase
) -> None:
    """Whoever sends it, in any phase the meeting ended in: a moderator, a participant, a
    stranger, the server itself (its joins, goodbyes and clocks). The state stays as it was."""
    meeting = ended(phase)
    command = SAMPLES[command_type]
    senders = [None] if RULES[command_type].who is Who.SYSTEM else [MODERATOR, person(1), None]
    for actor in senders:
        rejected = refused(meeting, actor, command, ENDED_AT + 900)
        assert (rejected.reason, rejected.detail) == (Reason.MEETING_ENDED, "the meeting has ended")


def test_the_clocks_stand_still_after_the_end() -> None:
    """The workshops' deadline and the floor's countdown were running when it ended."""
    meeting = ended(Phase.OPEN)
    assert meeting.state.clock.deadline is not None and meeting.state.floor is not None
    assert meeting.next_wakeup() is None
    assert refused(meeting, None, cmd.Tick(), T0 + 3600).reason is Reason.MEETING_ENDED
    assert meeting.state.phase is Phase.OPEN


def test_nobody_leaves_the_roster_after_the_end() -> None:
    """A disconnect or a departure would change who the record shows present at the end, and
    drop a moderator whose token opens the record."""
    meeting = ended()
    for command in (cmd.Disconnect(MODERATOR), cmd.Depart(MODERATOR), cmd.Rejoin(MODERATOR)):
        assert refused(meeting, None, command, ENDED_AT + 1).reason is Reason.MEETING_ENDED
    assert meeting.state.participants[MODERATOR].connected


def test_a_secret_poll_closed_before_the_end_is_still_counted() -> None:
    meeting = ended()
    poll = meeting.state.polls.poll(POLL_3)
    assert poll is not None and poll.status is PollStatus.CLOSED and poll.result is None
    stamped = meeting.handle(None, SAMPLES[cmd.RevealPollResult], ENDED_AT + 1)
    assert [type(e) for e in events_of(stamped)] == [ev.PollResult]
    assert meeting.state.ended_at == ENDED_AT


def test_what_the_end_still_takes_is_the_servers_or_a_withdrawal_of_contact_details() -> None:
    withdrawals = {cmd.WithdrawContact, cmd.WithdrawContactByLink}
    assert all(RULES[t].who is Who.SYSTEM for t in AFTER_THE_END - withdrawals)
