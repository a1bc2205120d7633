"""Polls: votes with a quorum, named or secret, for the meeting or for a workshop room.

Moderators create a poll as a draft (one option, up to `max_choices`, or yes / no / abstain), open
it and close it. Who may vote is fixed when it opens: the participants connected then, in the
meeting or, for a room's poll, in that room, with the moderators and the presenters when the poll
says so. Each of them casts one ballot and may change it until the poll closes. The result says
how many were eligible, how many voted, whether the quorum was met, and the counts.

A named ballot (`BallotCast`) goes to its voter and the moderators only: the room sees counts,
not who chose what, and 300 ballots are not 300 deliveries to each of 300 people. A secret ballot
never reaches the core at all: the server's ballot box keeps it, unlinkable to its voter, and
tells the core only that the voter has voted (`CastSecretBallot`, no choice field) and, after the
close, the counts (`RevealPollResult`). A secret poll's results come only after it closes: live
counts after single ballots would tell them apart, however coalesced. `check_ballot` is the check
the server runs before it puts a secret ballot in the box, so a bad one gets the core's error.

The room's tally (`PollTally`: how many voted, and the counts of a named poll with live results)
is coalesced: sent at once when the last was sent at least `tally_interval_ms` ago, otherwise
left to the `Tick` that `next_wakeup` asks for then. The state keeps what was last sent
and when, so any process that writes the meeting goes on alike.

Every poll event but the ballots goes to everyone, a room's poll's too: people move between rooms,
the moderators follow every room, and the result belongs to the meeting's record.
"""

from collections.abc import Iterable
from fractions import Fraction
from math import ceil

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.ending import check_not_ended
from rooms.errors import Reason, quoted, require
from rooms.ids import PLENARY, ParticipantId, PollId
from rooms.model import (
    MeetingState,
    Poll,
    PollKind,
    PollResults,
    PollStatus,
    Quorum,
    Role,
    Tally,
)
from rooms.texts import fold, free_text, one_line

Audience = frozenset[ParticipantId] | None
Outcome = list[tuple[ev.Event, Audience]]

# A yes / no / abstain poll's options; a client shows them in its own language.
YES_NO_ABSTAIN = ("yes", "no", "abstain")


def create(
    state: MeetingState, config: MeetingConfig, by: ParticipantId, command: cmd.CreatePoll
) -> list[ev.Event]:
    require(
        len(state.polls.polls) < config.max_polls,
        Reason.TOO_MANY_POLLS,
        f"the meeting has {config.max_polls} polls, the most it keeps: remove one first",
    )
    question = free_text(command.question, "question", config.max_poll_question_chars)
    options = _options(config, command)
    max_choices = _max_choices(command, len(options))
    results = command.results
    if results is None:
        results = PollResults.AFTER_CLOSE if command.secret else PollResults.LIVE
    require(
        not (command.secret and results is PollResults.LIVE),
        Reason.INVALID,
        "results: a secret poll shows its results only after closing"
        " (live counts would tell single ballots apart)",
    )
    room = command.room
    if room == PLENARY:
        room = None
    require(
        room is None or room in state.workshops,
        Reason.UNKNOWN_ROOM,
        f"room: no workshop room {quoted(room)}",
    )
    poll = PollId(f"poll-{state.polls.created + 1}")
    created = ev.PollCreated(
        poll,
        question,
        command.kind,
        options,
        max_choices,
        command.secret,
        results,
        command.voters,
        command.quorum,
        room,
        by,
    )
    return [created]


def open_poll(state: MeetingState, by: ParticipantId, poll_id: PollId) -> list[ev.Event]:
    poll = _poll(state, poll_id)
    require(
        poll.status is PollStatus.DRAFT,
        Reason.CONFLICT,
        f"that poll is {poll.status}: only a draft opens",
    )
    require(
        poll.room is None or poll.room in state.workshops,
        Reason.UNKNOWN_ROOM,
        f"the poll's room {quoted(poll.room)} is gone",
    )
    eligible = eligible_now(state, poll)
    require(
        bool(eligible),
        Reason.CONFLICT,
        "nobody connected"
        + ("" if poll.room is None else " in the poll's room")
        + " may vote in it now",
    )
    return [ev.PollOpened(poll.id, tuple(eligible), by)]


def eligible_now(state: MeetingState, poll: Poll) -> list[ParticipantId]:
    """Who may vote if `poll` opened now: the participants connected (in its room, for a room's
    poll), and the moderators and presenters if the poll lets them."""
    roles = {Role.PARTICIPANT}
    if poll.voters.moderators:
        roles.add(Role.MODERATOR)
    if poll.voters.presenters:
        roles.add(Role.PRESENTER)
    return [
        p.id
        for p in state.participants.values()
        if p.connected and p.role in roles and (poll.room is None or p.room == poll.room)
    ]


def check_ballot(
    state: MeetingState, poll_id: PollId, voter: ParticipantId, choices: Iterable[int]
) -> tuple[int, ...]:
    """The checks a secret ballot passes before the server puts it in its ballot box: the poll is
    secret and open, `voter` may vote in it, and the choices fit it. Returns the choices as the
    box keeps them (sorted); raises `Rejected` saying what is wrong."""
    # No ballot goes into the box of an ended meeting: its mark would be refused (rooms.ending).
    check_not_ended(state, cmd.CastSecretBallot(poll_id, voter))
    poll = _poll(state, poll_id)
    require(
        poll.secret,
        Reason.INVALID,
        "secret: that poll is named; send the ballot without a secret",
    )
    return _ballot(poll, voter, tuple(choices))


def cast(
    state: MeetingState,
    config: MeetingConfig,
    voter: ParticipantId,
    command: cmd.CastBallot,
    now: float,
) -> Outcome:
    poll = _poll(state, command.poll)
    require(
        not poll.secret,
        Reason.INVALID,
        "secret: that poll is secret; its ballot needs the secret your client keeps for it",
    )
    choices = _ballot(poll, voter, command.choices)
    if poll.ballots.get(voter) == choices:
        return []  # the same ballot again (a retry after a lost reply): nothing changes
    ballots = {**poll.ballots, voter: choices}
    voted = poll.voted if voter in poll.voted else [*poll.voted, voter]
    told = _voter_and_moderators(state, voter)
    outcome: Outcome = [(ev.BallotCast(poll.id, voter, choices), told)]
    return outcome + _publish(poll, config, now, _tally(poll, voted, ballots.values()))


def cast_secret(
    state: MeetingState, config: MeetingConfig, command: cmd.CastSecretBallot, now: float
) -> Outcome:
    """The voter's mark once their secret ballot is in the box. The box decides what counts; the
    mark is kept while the poll awaits its result, so a ballot taken just before the close is
    marked too. A changed ballot marks nothing new."""
    poll = _poll(state, command.poll)
    require(poll.secret, Reason.INVALID, "that poll is named: its ballots are cast by their voters")
    require(
        poll.status is not PollStatus.DRAFT and poll.result is None,
        Reason.CONFLICT,
        f"that poll is {poll.status}" + (" and counted" if poll.result is not None else ""),
    )
    require(
        command.voter in poll.eligible,
        Reason.NOT_ALLOWED,
        f"{quoted(command.voter)} may not vote in that poll",
    )
    if command.voter in poll.voted:
        return []
    voted = [*poll.voted, command.voter]
    told = _voter_and_moderators(state, command.voter)
    outcome: Outcome = [(ev.PollVoted(poll.id, command.voter), told)]
    if poll.status is PollStatus.OPEN:
        outcome += _publish(poll, config, now, _tally(poll, voted, ()))
    return outcome


def close(state: MeetingState, by: ParticipantId, poll_id: PollId) -> list[ev.Event]:
    """Close the poll; a named one is counted at once, a secret one by `reveal`."""
    poll = _poll(state, poll_id)
    require(poll.status is PollStatus.OPEN, Reason.CONFLICT, f"that poll is {poll.status}")
    closed: list[ev.Event] = [ev.PollClosed(poll.id, by)]
    if poll.secret:
        return closed
    counts = _counts(poll, poll.ballots.values())
    return [*closed, _result(poll, len(poll.ballots), counts)]


def reveal(state: MeetingState, command: cmd.RevealPollResult) -> list[ev.Event]:
    poll = _poll(state, command.poll)
    require(poll.secret, Reason.INVALID, "that poll is named: it was counted when it closed")
    require(
        poll.status is PollStatus.CLOSED and poll.result is None,
        Reason.CONFLICT,
        "only a closed secret poll not yet counted has a result to reveal",
    )
    counts, ballots = command.counts, command.ballots
    chosen = sum(counts)
    require(
        len(counts) == len(poll.options) and all(c >= 0 for c in counts),
        Reason.INVALID,
        f"counts: one count for each of the {len(poll.options)} options, none negative",
    )
    require(
        0 <= ballots <= len(poll.eligible),
        Reason.INVALID,
        f"ballots: between 0 and the {len(poll.eligible)} eligible",
    )
    require(
        ballots <= chosen <= ballots * poll.max_choices and all(c <= ballots for c in counts),
        Reason.INVALID,
        f"counts: do not fit {ballots} ballots of 1 to {poll.max_choices} choices",
    )
    return [_result(poll, ballots, counts)]


def remove(state: MeetingState, by: ParticipantId, poll_id: PollId) -> list[ev.Event]:
    poll = _poll(state, poll_id)
    require(
        poll.status is not PollStatus.OPEN,
        Reason.CONFLICT,
        "that poll is open: close it first",
    )
    require(
        poll.status is PollStatus.DRAFT or poll.result is not None,
        Reason.CONFLICT,
        "that poll is still being counted",
    )
    return [ev.PollRemoved(poll.id, by)]


def tick(state: MeetingState, config: MeetingConfig, now: float) -> list[ev.Event]:
    """The tallies due at `now`: each open poll's that changed since it was last sent."""
    events: list[ev.Event] = []
    for poll in state.polls.polls:
        if poll.status is PollStatus.OPEN and _may_send(poll, config, now):
            tally = current_tally(poll)
            if tally != poll.tally:
                events.append(ev.PollTally(poll.id, tally.voted, tally.counts))
    return events


def next_wakeup(state: MeetingState, config: MeetingConfig) -> float | None:
    """When the next coalesced tally may be sent: None while every open poll's is up to date."""
    times = [
        (poll.tally_at or 0.0) + _interval_s(config)
        for poll in state.polls.polls
        if poll.status is PollStatus.OPEN and current_tally(poll) != poll.tally
    ]
    return min(times, default=None)


def current_tally(poll: Poll) -> Tally:
    return _tally(poll, poll.voted, poll.ballots.values())


def shows_counts(poll: Poll) -> bool:
    """Whether the room sees an open poll's counts: a named poll with live results."""
    return not poll.secret and poll.results is PollResults.LIVE


def quorum_met(quorum: Quorum | None, eligible: int, voted: int) -> bool | None:
    """Whether `voted` of `eligible` meets `quorum`; None for no quorum. A share is taken as the
    decimal it was written as (0.1 of 30 is 3, not a hair over)."""
    if quorum is None:
        return None
    if quorum.count is not None:
        return voted >= quorum.count
    assert quorum.share is not None
    return voted >= ceil(Fraction(repr(quorum.share)) * eligible)


def _tally(
    poll: Poll, voted: list[ParticipantId], ballots: Iterable[tuple[int, ...]]
) -> Tally:
    return Tally(len(voted), _counts(poll, ballots) if shows_counts(poll) else None)


def _counts(poll: Poll, ballots: Iterable[tuple[int, ...]]) -> tuple[int, ...]:
    counts = [0] * len(poll.options)
    for choices in ballots:
        for choice in choices:
            counts[choice] += 1
    return tuple(counts)


def _result(poll: Poll, voted: int, counts: tuple[int, ...]) -> ev.PollResult:
    eligible = len(poll.eligible)
    met = quorum_met(poll.quorum, eligible, voted)
    return ev.PollResult(poll.id, eligible, voted, poll.quorum, met, counts)


def _publish(poll: Poll, config: MeetingConfig, now: float, tally: Tally) -> Outcome:
    """The tally now, to everyone, if it changed and may be sent now; else a `Tick` sends it."""
    if tally == poll.tally or not _may_send(poll, config, now):
        return []
    return [(ev.PollTally(poll.id, tally.voted, tally.counts), None)]


def _may_send(poll: Poll, config: MeetingConfig, now: float) -> bool:
    return poll.tally_at is None or now >= poll.tally_at + _interval_s(config)


def _interval_s(config: MeetingConfig) -> float:
    return config.tally_interval_ms / 1000


def _ballot(poll: Poll, voter: ParticipantId, choices: tuple[int, ...]) -> tuple[int, ...]:
    require(
        poll.status is PollStatus.OPEN,
        Reason.CONFLICT,
        f"that poll is {poll.status}: ballots are cast while it is open",
    )
    require(
        voter in poll.eligible,
        Reason.NOT_ALLOWED,
        "you may not vote in that poll: who may vote was fixed when it opened",
    )
    require(bool(choices), Reason.INVALID, "choices: choose an option")
    for i, choice in enumerate(choices):
        require(
            0 <= choice < len(poll.options),
            Reason.INVALID,
            f"choices[{i}]: no option {choice}; the options are 0 to {len(poll.options) - 1}",
        )
    require(len(set(choices)) == len(choices), Reason.INVALID, "choices: an option is given twice")
    require(
        len(choices) <= poll.max_choices,
        Reason.INVALID,
        "choices: choose one option"
        if poll.max_choices == 1
        else f"choices: at most {poll.max_choices} options",
    )
    return tuple(sorted(choices))


def _options(config: MeetingConfig, command: cmd.CreatePoll) -> tuple[str, ...]:
    if command.kind is PollKind.YES_NO_ABSTAIN:
        require(
            not command.options,
            Reason.INVALID,
            "options: a yes / no / abstain poll has its options set by the server; send none",
        )
        return YES_NO_ABSTAIN
    require(
        2 <= len(command.options) <= config.max_poll_options,
        Reason.INVALID,
        f"options: from 2 to {config.max_poll_options} options",
    )
    options = tuple(
        one_line(option, f"options[{i}]", config.max_poll_option_chars)
        for i, option in enumerate(command.options)
    )
    looks = [fold(option) for option in options]
    for i, look in enumerate(looks):
        first = looks.index(look)
        require(first == i, Reason.INVALID, f"options[{i}]: the same as options[{first}]")
    return options


def _max_choices(command: cmd.CreatePoll, options: int) -> int:
    if command.kind is not PollKind.MANY:
        require(
            command.max_choices in (None, 1),
            Reason.INVALID,
            f"max_choices: a poll of kind {command.kind} takes one choice",
        )
        return 1
    if command.max_choices is None:
        return options
    require(
        2 <= command.max_choices <= options,
        Reason.INVALID,
        f"max_choices: from 2 to the {options} options (kind one is for a single choice)",
    )
    return command.max_choices


def _voter_and_moderators(state: MeetingState, voter: ParticipantId) -> frozenset[ParticipantId]:
    return frozenset([voter, *state.moderators()])


def _poll(state: MeetingState, poll_id: PollId) -> Poll:
    poll = state.polls.poll(poll_id)
    require(poll is not None, Reason.UNKNOWN_POLL, f"no poll {quoted(poll_id)}")
    assert poll is not None
    return poll
