"""The meeting's doors: a moderator locks the meeting, and nobody new gets in until it is unlocked.

`LockMeeting` and `UnlockMeeting` (moderators', `rooms.policy`) are answered with `MeetingLocked`
and `MeetingUnlocked` to everyone, which set `state.locked`. While it is set, a `Join` from a
participant's or a presenter's link is refused with `meeting_locked`; those already in the
meeting come back as before (`Rejoin` is not a newcomer). A moderator's link still joins: a
co-moderator whose browser lost its resume token would otherwise be shut out of a meeting they
may unlock anyway, and the organiser's moderator link is not handed to the public.
"""

from rooms import commands as cmd
from rooms import events as ev
from rooms.errors import Reason, require
from rooms.ids import ParticipantId
from rooms.model import MeetingState, Role


def lock(state: MeetingState, by: ParticipantId) -> list[ev.Event]:
    require(not state.locked, Reason.CONFLICT, "the meeting is already locked")
    return [ev.MeetingLocked(by)]


def unlock(state: MeetingState, by: ParticipantId) -> list[ev.Event]:
    require(state.locked, Reason.CONFLICT, "the meeting is not locked")
    return [ev.MeetingUnlocked(by)]


def check_may_enter(state: MeetingState, command: cmd.Join) -> None:
    """Refuse a newcomer while the meeting is locked, unless their link is a moderator's."""
    require(
        not state.locked or command.role is Role.MODERATOR,
        Reason.MEETING_LOCKED,
        "the meeting is locked: a moderator must unlock it before anyone new can join",
    )
