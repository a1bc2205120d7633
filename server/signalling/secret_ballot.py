"""A secret poll's ballot, from the voter's `cast_ballot` to their mark in the meeting.

The meeting's core never sees a secret ballot's choices, so the connection that receives one
does the rest: it checks the ballot against this worker's replica (`rooms.polls.check_ballot`:
the poll is secret and open, the voter may vote in it, the choices fit it), so a bad ballot gets
the core's own error; puts it in the ballot box (`server.meetings.ballot_box`); and only then
tells the meeting that the voter has voted (`CastSecretBallot`, which has no choice field). The
box is counted once the poll closes, by the meeting's writer (`server.meetings.deadlines`). A
ballot in the box counts even if its mark never reaches the meeting (a worker dying in between):
the result's `voted` is the box's count.
"""

from rooms import ParticipantId, Reason, Rejected, polls
from rooms import commands as cmd
from server.meetings.ballot_box import BallotBox, Refusal, Refused
from server.meetings.hub import MeetingHandle
from server.protocol.wire import SecretBallot

REFUSALS: dict[Refusal, tuple[Reason, str]] = {
    Refusal.CLOSED: (Reason.CONFLICT, "that poll is closed: ballots are cast while it is open"),
    Refusal.VOTED_ALREADY: (
        Reason.CONFLICT,
        "secret: you have voted in that poll with another secret; to change your ballot, send"
        " the one your client kept for it",
    ),
    Refusal.SECRET_TAKEN: (
        Reason.INVALID,
        "secret: not the one your client made for this poll; make a new random one",
    ),
}


async def cast(
    ballot_box: BallotBox, live: MeetingHandle, voter: ParticipantId, ballot: SecretBallot
) -> None:
    """Raises `Rejected` for a ballot the meeting or the box refused, `Unavailable` when either
    is out of reach (the client sends the same ballot again: with the same secret, a retry
    changes nothing)."""
    state = live.meeting.state
    choices = polls.check_ballot(state, ballot.poll, voter, ballot.choices)
    deposited = await ballot_box.deposit(state.id, ballot.poll, voter, ballot.secret, choices)
    if isinstance(deposited, Refused):
        raise Rejected(*REFUSALS[deposited.reason])
    try:
        await live.submit(None, cmd.CastSecretBallot(ballot.poll, voter))
    except Rejected:
        poll = live.meeting.state.polls.poll(ballot.poll)
        if poll is None or poll.result is None:
            raise
        # Counted already: the box took the ballot before it was closed and counted; the mark
        # comes too late for the meeting, not for the count.
