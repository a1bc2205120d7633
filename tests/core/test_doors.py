"""The doors: a moderator locks the meeting (nobody new joins), unlocks it, and asks the whole
plenary to mute at once. Every refusal leaves the whole state unchanged (`refused`)."""

from rooms import commands as cmd
from rooms import events as ev
from rooms.errors import Reason
from rooms.model import Role

from .builders import MODERATOR, T0, meeting_with, person
from .test_commands import refused

NEWCOMER_ID = person(9)


def newcomer(role: Role = Role.PARTICIPANT) -> cmd.Join:
    return cmd.Join(NEWCOMER_ID, "New Comer", role)


def test_locking_tells_everyone_and_keeps_newcomers_out() -> None:
    meeting = meeting_with()
    stamped = meeting.handle(MODERATOR, cmd.LockMeeting(), T0)
    assert [(s.event, s.audience) for s in stamped] == [(ev.MeetingLocked(MODERATOR), None)]
    for role in (Role.PARTICIPANT, Role.PRESENTER):
        rejected = refused(meeting, None, newcomer(role))
        assert rejected.reason is Reason.MEETING_LOCKED
        assert "locked" in rejected.detail


def test_those_in_come_back_while_locked() -> None:
    meeting = meeting_with()
    meeting.handle(None, cmd.Disconnect(person(0)), T0)
    meeting.handle(MODERATOR, cmd.LockMeeting(), T0)
    stamped = meeting.handle(None, cmd.Rejoin(person(0)), T0 + 1)
    assert [s.event for s in stamped] == [ev.ParticipantReconnected(person(0))]


def test_a_moderator_link_still_joins_a_locked_meeting() -> None:
    meeting = meeting_with()
    meeting.handle(MODERATOR, cmd.LockMeeting(), T0)
    meeting.handle(None, newcomer(Role.MODERATOR), T0)
    assert meeting.state.participants[NEWCOMER_ID].role is Role.MODERATOR


def test_unlocking_lets_newcomers_in_again() -> None:
    meeting = meeting_with()
    meeting.handle(MODERATOR, cmd.LockMeeting(), T0)
    stamped = meeting.handle(MODERATOR, cmd.UnlockMeeting(), T0 + 1)
    assert [(s.event, s.audience) for s in stamped] == [(ev.MeetingUnlocked(MODERATOR), None)]
    meeting.handle(None, newcomer(), T0 + 2)
    assert NEWCOMER_ID in meeting.state.participants


def test_locking_twice_or_unlocking_an_open_meeting_is_a_conflict() -> None:
    meeting = meeting_with()
    assert refused(meeting, MODERATOR, cmd.UnlockMeeting()).reason is Reason.CONFLICT
    meeting.handle(MODERATOR, cmd.LockMeeting(), T0)
    assert refused(meeting, MODERATOR, cmd.LockMeeting()).reason is Reason.CONFLICT


def test_only_moderators_lock_unlock_or_mute_everyone() -> None:
    meeting = meeting_with()
    for command in (cmd.LockMeeting(), cmd.UnlockMeeting(), cmd.MuteEveryone()):
        assert refused(meeting, person(0), command).reason is Reason.NOT_ALLOWED


def test_mute_everyone_asks_each_participant_in_the_plenary_alone() -> None:
    meeting = meeting_with(("North", "South", "East", "West"))
    meeting.handle(MODERATOR, cmd.SetRole(person(1), Role.PRESENTER), T0)
    meeting.handle(None, cmd.Disconnect(person(3)), T0)
    stamped = meeting.handle(MODERATOR, cmd.MuteEveryone(), T0 + 1)
    # Not the moderator, the presenter, nor someone gone.
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.MuteRequested(who, by=MODERATOR), frozenset([who])) for who in (person(0), person(2))
    ]


def test_mute_everyone_with_nobody_to_ask_is_a_conflict() -> None:
    meeting = meeting_with(())
    assert refused(meeting, MODERATOR, cmd.MuteEveryone()).reason is Reason.CONFLICT
