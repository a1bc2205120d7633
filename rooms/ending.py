"""Ending the meeting for everyone: a moderator's last word, after which the meeting is a record.

`EndMeeting` (a moderator's, `rooms.policy`) is answered with `MeetingEnded` to everyone, which
sets `state.ended_at`. From then on the state is what the record reads (`rooms.record` takes
`ended_at` as the end of everyone's presence), so it must stay as it was: every command is refused
with `meeting_ended`, whoever sends it, the server's own `Join`, `Rejoin`, `Disconnect`, `Depart`
and `Tick` included. So nobody joins or comes back, nobody leaves the roster (a moderator's
resume token still opens the record), and no clock moves the workshops on.

One command is still taken: `RevealPollResult`, the count of a secret poll closed before the
end, whose ballot box the server counts after it. It only completes what was decided before the
end, and without it that poll would stay closed without a result in the record for good. And
a person may withdraw their contact details at any time, after the end too (from their own
link, `WithdrawContactByLink`): the record never holds them, so it stays as it was. And the
organiser may reissue a link (`ReissueLink`): a moderator link that leaked still opens the
record, and the record holds no link.
"""

from rooms import commands as cmd
from rooms import events as ev
from rooms.errors import Reason, Rejected
from rooms.ids import ParticipantId
from rooms.model import MeetingState

# What an ended meeting still takes, and why: see the module's docstring.
AFTER_THE_END: frozenset[type[cmd.Command]] = frozenset(
    {cmd.RevealPollResult, cmd.WithdrawContact, cmd.WithdrawContactByLink, cmd.ReissueLink}
)


def ended(state: MeetingState) -> bool:
    return state.ended_at is not None


def check_not_ended(state: MeetingState, command: cmd.Command) -> None:
    """Refuse `command` with `meeting_ended` once the meeting has ended, unless it is one of
    `AFTER_THE_END`. Checked before anything else, so the refusal is the same for anyone."""
    if ended(state) and type(command) not in AFTER_THE_END:
        raise Rejected(Reason.MEETING_ENDED, "the meeting has ended")


def end_meeting(state: MeetingState, by: ParticipantId) -> list[ev.Event]:
    """A moderator ends the meeting for everyone (the policy checked they are one)."""
    assert not ended(state), "an ended meeting takes no EndMeeting (check_not_ended)"
    return [ev.MeetingEnded(by)]
