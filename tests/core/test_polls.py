"""Polls: created, opened to those present, voted (named or secret), tallied, closed and counted.

Every refusal compares the whole state before and after (`refused`), as in `test_commands`.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason, Rejected
from rooms.events import Stamped
from rooms.ids import PLENARY, ParticipantId, PollId
from rooms.meeting import Meeting
from rooms.model import (
    MeetingState,
    PollKind,
    PollResults,
    PollStatus,
    PollVoters,
    Quorum,
    Role,
    Tally,
)
from rooms.plain import RecordError, from_plain, to_plain
from rooms.polls import check_ballot, quorum_met
from rooms.view import view_for

from .builders import MODERATOR, T0, meeting_with, person, room
from .test_commands import events_of, refused
from .test_properties import Box, check_polls, counts_of, follow_polls

LIMITS = MeetingConfig(
    max_poll_question_chars=30, max_poll_option_chars=10, max_poll_options=4, max_polls=3
)
POLL = PollId("poll-1")
PARKS = ("North", "South", "East")


def meeting(config: MeetingConfig = LIMITS) -> Meeting:
    """`MODERATOR` and `person(0)` to `person(3)`, and one workshop room."""
    return meeting_with(("North", "South", "East", "West"), rooms=1, config=config)


def opened(
    kind: PollKind = PollKind.ONE,
    *,
    config: MeetingConfig = LIMITS,
    at: float = T0,
    **options: object,
) -> Meeting:
    """A meeting whose poll-1 (on `PARKS` unless yes / no / abstain) opened at `at`."""
    m = meeting(config)
    choices = () if kind is PollKind.YES_NO_ABSTAIN else PARKS
    m.handle(MODERATOR, cmd.CreatePoll("Which park?", kind, choices, **options), at)  # type: ignore[arg-type]
    m.handle(MODERATOR, cmd.OpenPoll(POLL), at)
    return m


# Creating -------------------------------------------------------------------------------------


def test_a_poll_is_created_as_a_draft_for_everyone_to_see() -> None:
    m = meeting()
    create = cmd.CreatePoll(" Which park? ", PollKind.MANY, PARKS, quorum=Quorum(share=0.5))
    stamped = m.handle(MODERATOR, create, T0)
    assert [(s.event, s.audience) for s in stamped] == [
        (
            ev.PollCreated(
                POLL,
                "Which park?",
                PollKind.MANY,
                PARKS,
                3,
                False,
                PollResults.LIVE,
                PollVoters(),
                Quorum(share=0.5),
                None,
                MODERATOR,
            ),
            None,
        )
    ]
    [poll] = m.state.polls.polls
    assert (poll.status, poll.eligible, poll.voted) == (PollStatus.DRAFT, [], [])


def test_yes_no_abstain_has_the_servers_options_and_a_secret_poll_shows_results_after() -> None:
    m = meeting()
    create = cmd.CreatePoll("Budget?", PollKind.YES_NO_ABSTAIN, secret=True)
    created = m.handle(MODERATOR, create, T0)
    event = created[0].event
    assert isinstance(event, ev.PollCreated)
    assert (event.options, event.max_choices, event.results) == (
        ("yes", "no", "abstain"),
        1,
        PollResults.AFTER_CLOSE,
    )


def test_a_room_poll_names_its_room_and_the_plenary_is_the_meetings_poll() -> None:
    m = meeting()
    m.handle(MODERATOR, cmd.CreatePoll("Here?", PollKind.ONE, PARKS, room=room(1)), T0)
    m.handle(MODERATOR, cmd.CreatePoll("All?", PollKind.ONE, PARKS, room=PLENARY), T0)
    assert [p.room for p in m.state.polls.polls] == [room(1), None]


def poll(*options: str, kind: PollKind = PollKind.ONE, **fields: object) -> cmd.CreatePoll:
    return cmd.CreatePoll("Q?", kind, options, **fields)  # type: ignore[arg-type]


YNA = PollKind.YES_NO_ABSTAIN
MANY = PollKind.MANY


@pytest.mark.parametrize(
    ("create", "reason", "detail"),
    [
        (cmd.CreatePoll(" ", PollKind.ONE, PARKS), Reason.INVALID, "question: must not be empty"),
        (cmd.CreatePoll("x" * 31, PollKind.ONE, PARKS), Reason.INVALID, "question: longer than"),
        (poll("A"), Reason.INVALID, "options: from 2 to 4"),
        (poll(*"ABCDE"), Reason.INVALID, "options: from 2 to 4"),
        (poll("A", "x" * 11), Reason.INVALID, "options[1]: longer"),
        (poll("Park", " park"), Reason.INVALID, "options[1]: the same as options[0]"),
        (poll("yes", kind=YNA), Reason.INVALID, "options: a yes / no / abstain poll"),
        (poll(*PARKS, max_choices=2), Reason.INVALID, "max_choices: a poll of kind one"),
        (poll(*PARKS, kind=MANY, max_choices=1), Reason.INVALID, "max_choices: from 2 to the 3"),
        (poll(*PARKS, kind=MANY, max_choices=4), Reason.INVALID, "max_choices: from 2 to the 3"),
        (
            poll(*PARKS, secret=True, results=PollResults.LIVE),
            Reason.INVALID,
            "results: a secret poll shows its results only after closing",
        ),
        (poll(*PARKS, room=room(9)), Reason.UNKNOWN_ROOM, "room: no workshop room 'room-9'"),
    ],
)
def test_a_poll_that_does_not_fit_is_refused_saying_why(
    create: cmd.CreatePoll, reason: Reason, detail: str
) -> None:
    rejected = refused(meeting(), MODERATOR, create)
    assert rejected.reason is reason
    assert rejected.detail.startswith(detail), rejected.detail


def test_the_meeting_keeps_at_most_max_polls() -> None:
    m = meeting()
    for i in range(3):
        m.handle(MODERATOR, cmd.CreatePoll(f"Q{i}?", PollKind.YES_NO_ABSTAIN), T0)
    assert refused(m, MODERATOR, cmd.CreatePoll("Q?", PollKind.YES_NO_ABSTAIN)).reason is (
        Reason.TOO_MANY_POLLS
    )
    m.handle(MODERATOR, cmd.RemovePoll(POLL), T0)
    m.handle(MODERATOR, cmd.CreatePoll("Q?", PollKind.YES_NO_ABSTAIN), T0)
    assert [p.id for p in m.state.polls.polls][-1] == PollId("poll-4")


@pytest.mark.parametrize(
    ("quorum", "problem"),
    [
        ({}, "a quorum is either a share or a count"),
        ({"share": 0.5, "count": 3}, "a quorum is either a share or a count"),
        ({"share": 0}, "share must be over 0"),
        ({"share": 1.5}, "share must be over 0"),
        ({"count": 0}, "count must be at least 1"),
    ],
)
def test_a_quorum_is_a_share_or_a_count(quorum: dict[str, object], problem: str) -> None:
    record = {"question": "Q?", "kind": "one", "options": ["A", "B"], "quorum": quorum}
    with pytest.raises(RecordError, match=problem):
        from_plain(cmd.CreatePoll, record)


# Opening: who may vote ------------------------------------------------------------------------


def test_opening_fixes_the_eligible_the_participants_connected_now() -> None:
    m = meeting()
    m.handle(None, cmd.Disconnect(person(3)), T0)
    m.handle(MODERATOR, cmd.SetRole(person(2), Role.PRESENTER), T0)
    m.handle(MODERATOR, cmd.CreatePoll("Which?", PollKind.ONE, PARKS), T0)
    stamped = m.handle(MODERATOR, cmd.OpenPoll(POLL), T0 + 1)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.PollOpened(POLL, (person(0), person(1)), MODERATOR), None)
    ]
    # Who comes later, or back, does not change who may vote.
    m.handle(None, cmd.Join(ParticipantId("late"), "Late", Role.PARTICIPANT), T0 + 2)
    m.handle(None, cmd.Rejoin(person(3)), T0 + 2)
    assert m.state.polls.polls[0].eligible == [person(0), person(1)]
    assert m.state.polls.polls[0].tally == Tally(0, (0, 0, 0))


def test_moderators_and_presenters_vote_when_the_poll_says_so() -> None:
    m = meeting()
    m.handle(MODERATOR, cmd.SetRole(person(2), Role.PRESENTER), T0)
    voters = PollVoters(moderators=True, presenters=True)
    m.handle(MODERATOR, cmd.CreatePoll("Which?", PollKind.ONE, PARKS, voters=voters), T0)
    m.handle(MODERATOR, cmd.OpenPoll(POLL), T0)
    assert set(m.state.polls.polls[0].eligible) == {MODERATOR, *map(person, range(4))}


def test_a_rooms_poll_is_for_the_members_of_the_room() -> None:
    m = meeting()
    m.handle(MODERATOR, cmd.CreatePoll("Here?", PollKind.ONE, PARKS, room=room(1)), T0)
    rejected = refused(m, MODERATOR, cmd.OpenPoll(POLL))
    assert (rejected.reason, rejected.detail) == (
        Reason.CONFLICT,
        "nobody connected in the poll's room may vote in it now",
    )
    for who in (person(1), person(2)):
        m.handle(MODERATOR, cmd.MoveParticipant(who, room(1)), T0)
    m.handle(MODERATOR, cmd.OpenRooms(None), T0)
    m.handle(MODERATOR, cmd.OpenPoll(POLL), T0)
    assert m.state.polls.polls[0].eligible == [person(1), person(2)]
    assert refused(m, person(0), cmd.CastBallot(POLL, (0,))).reason is Reason.NOT_ALLOWED


def test_opening_is_refused_for_an_unknown_poll_one_not_a_draft_or_a_gone_room() -> None:
    m = opened()
    assert refused(m, MODERATOR, cmd.OpenPoll(PollId("poll-9"))).reason is Reason.UNKNOWN_POLL
    rejected = refused(m, MODERATOR, cmd.OpenPoll(POLL))
    assert (rejected.reason, rejected.detail) == (
        Reason.CONFLICT,
        "that poll is open: only a draft opens",
    )
    m.handle(MODERATOR, cmd.CreatePoll("Here?", PollKind.ONE, PARKS, room=room(1)), T0)
    m.handle(MODERATOR, cmd.DeleteRoom(room(1)), T0)
    assert refused(m, MODERATOR, cmd.OpenPoll(PollId("poll-2"))).reason is Reason.UNKNOWN_ROOM


# Named ballots ------------------------------------------------------------------------------


def test_a_named_ballot_goes_to_the_voter_and_the_moderators_and_the_tally_to_everyone() -> None:
    m = opened(PollKind.MANY)
    stamped = m.handle(person(0), cmd.CastBallot(POLL, (2, 0)), T0 + 1)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.BallotCast(POLL, person(0), (0, 2)), frozenset({person(0), MODERATOR})),
        (ev.PollTally(POLL, 1, (1, 0, 1)), None),
    ]
    # Changed: the same voter, the counts moved.
    stamped = m.handle(person(0), cmd.CastBallot(POLL, (1,)), T0 + 2)
    assert events_of(stamped) == [
        ev.BallotCast(POLL, person(0), (1,)),
        ev.PollTally(POLL, 1, (0, 1, 0)),
    ]
    # The same ballot again (a retry) changes nothing.
    assert m.handle(person(0), cmd.CastBallot(POLL, (1,)), T0 + 3) == []
    poll = m.state.polls.polls[0]
    assert (poll.voted, poll.ballots) == ([person(0)], {person(0): (1,)})


@pytest.mark.parametrize(
    ("kind", "choices", "detail"),
    [
        (PollKind.ONE, (), "choices: choose an option"),
        (PollKind.ONE, (3,), "choices[0]: no option 3; the options are 0 to 2"),
        (PollKind.ONE, (-1,), "choices[0]: no option -1; the options are 0 to 2"),
        (PollKind.ONE, (0, 1), "choices: choose one option"),
        (PollKind.MANY, (1, 1), "choices: an option is given twice"),
        (PollKind.YES_NO_ABSTAIN, (0, 2), "choices: choose one option"),
    ],
)
def test_a_ballot_that_does_not_fit_the_poll_is_refused(
    kind: PollKind, choices: tuple[int, ...], detail: str
) -> None:
    m = opened(kind)
    rejected = refused(m, person(0), cmd.CastBallot(POLL, choices))
    assert (rejected.reason, rejected.detail) == (Reason.INVALID, detail)


def test_many_takes_up_to_max_choices() -> None:
    m = opened(PollKind.MANY, max_choices=2)
    rejected = refused(m, person(0), cmd.CastBallot(POLL, (0, 1, 2)))
    assert rejected.detail == "choices: at most 2 options"


def test_only_the_eligible_vote_and_only_while_the_poll_is_open() -> None:
    m = opened()
    m.handle(None, cmd.Join(ParticipantId("late"), "Late", Role.PARTICIPANT), T0)
    for who in (ParticipantId("late"), MODERATOR):
        rejected = refused(m, who, cmd.CastBallot(POLL, (0,)))
        assert rejected.reason is Reason.NOT_ALLOWED
        assert "fixed when it opened" in rejected.detail
    assert refused(m, person(0), cmd.CastBallot(PollId("poll-9"), (0,))).reason is (
        Reason.UNKNOWN_POLL
    )
    m.handle(MODERATOR, cmd.CreatePoll("Draft?", PollKind.YES_NO_ABSTAIN), T0)
    rejected = refused(m, person(0), cmd.CastBallot(PollId("poll-2"), (0,)))
    assert (rejected.reason, rejected.detail) == (
        Reason.CONFLICT,
        "that poll is draft: ballots are cast while it is open",
    )
    m.handle(MODERATOR, cmd.ClosePoll(POLL), T0)
    assert refused(m, person(0), cmd.CastBallot(POLL, (0,))).reason is Reason.CONFLICT


def test_a_secret_polls_ballot_is_never_cast_by_name() -> None:
    m = opened(secret=True)
    rejected = refused(m, person(0), cmd.CastBallot(POLL, (0,)))
    assert rejected.reason is Reason.INVALID
    assert rejected.detail.startswith("secret: that poll is secret")


# The coalesced tally ------------------------------------------------------------------------


def test_ballots_within_the_interval_are_tallied_together_by_the_next_tick() -> None:
    m = opened(config=MeetingConfig(tally_interval_ms=250))
    assert m.next_wakeup() is None
    # Within the interval from the opening's empty tally: nothing sent yet, a tick asked for.
    assert events_of(m.handle(person(0), cmd.CastBallot(POLL, (0,)), T0 + 0.1)) == [
        ev.BallotCast(POLL, person(0), (0,))
    ]
    assert m.next_wakeup() == T0 + 0.25
    m.handle(person(1), cmd.CastBallot(POLL, (1,)), T0 + 0.2)
    assert events_of(m.handle(None, cmd.Tick(), T0 + 0.25)) == [ev.PollTally(POLL, 2, (1, 1, 0))]
    assert m.next_wakeup() is None
    # Later than the interval since: sent with the ballot at once.
    stamped = m.handle(person(2), cmd.CastBallot(POLL, (1,)), T0 + 1)
    assert events_of(stamped)[-1] == ev.PollTally(POLL, 3, (1, 2, 0))
    m.handle(person(1), cmd.CastBallot(POLL, (2,)), T0 + 1.1)
    assert m.next_wakeup() == T0 + 1.25
    assert events_of(m.handle(None, cmd.Tick(), T0 + 1.2)) == []
    assert events_of(m.handle(None, cmd.Tick(), T0 + 1.25)) == [ev.PollTally(POLL, 3, (1, 1, 1))]


def test_with_no_interval_every_ballot_is_tallied_at_once() -> None:
    m = opened(config=MeetingConfig(tally_interval_ms=0))
    for i in range(4):
        stamped = m.handle(person(i), cmd.CastBallot(POLL, (0,)), T0)
        assert events_of(stamped)[-1] == ev.PollTally(POLL, i + 1, (i + 1, 0, 0))
    assert m.next_wakeup() is None


def test_the_room_sees_only_how_many_voted_unless_results_are_live_and_named() -> None:
    m = opened(results=PollResults.AFTER_CLOSE)
    assert events_of(m.handle(person(0), cmd.CastBallot(POLL, (0,)), T0 + 1))[-1] == (
        ev.PollTally(POLL, 1, None)
    )
    # A changed ballot changes nothing the room sees: no tally.
    assert events_of(m.handle(person(0), cmd.CastBallot(POLL, (1,)), T0 + 2)) == [
        ev.BallotCast(POLL, person(0), (1,))
    ]
    assert m.next_wakeup() is None


# Closing and the result -----------------------------------------------------------------------


def test_closing_a_named_poll_gives_its_result_at_once() -> None:
    m = opened(quorum=Quorum(share=0.5))
    m.handle(person(0), cmd.CastBallot(POLL, (2,)), T0 + 1)
    m.handle(person(1), cmd.CastBallot(POLL, (2,)), T0 + 2)
    stamped = m.handle(MODERATOR, cmd.ClosePoll(POLL), T0 + 3)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.PollClosed(POLL, MODERATOR), None),
        (ev.PollResult(POLL, 4, 2, Quorum(share=0.5), True, (0, 0, 2)), None),
    ]
    poll = m.state.polls.polls[0]
    assert poll.status is PollStatus.CLOSED
    assert poll.result is not None and poll.result.quorum_met
    assert m.next_wakeup() is None


def test_a_quorum_not_met_is_said_so_and_no_quorum_is_none() -> None:
    m = opened(quorum=Quorum(count=2))
    m.handle(person(0), cmd.CastBallot(POLL, (0,)), T0 + 1)
    closed = events_of(m.handle(MODERATOR, cmd.ClosePoll(POLL), T0 + 2))
    assert closed[-1] == ev.PollResult(POLL, 4, 1, Quorum(count=2), False, (1, 0, 0))
    m = opened()
    closed = events_of(m.handle(MODERATOR, cmd.ClosePoll(POLL), T0 + 2))
    assert closed[-1] == ev.PollResult(POLL, 4, 0, None, None, (0, 0, 0))


@pytest.mark.parametrize(
    ("share", "eligible", "voted", "met"),
    [
        (0.1, 30, 3, True),
        (0.1, 30, 2, False),
        (0.5, 3, 1, False),
        (0.5, 3, 2, True),
        (1, 4, 4, True),
    ],
)
def test_a_share_is_taken_as_written(share: float, eligible: int, voted: int, met: bool) -> None:
    assert quorum_met(Quorum(share=share), eligible, voted) is met


def test_a_poll_closes_once_and_only_when_open() -> None:
    m = meeting()
    m.handle(MODERATOR, cmd.CreatePoll("Q?", PollKind.YES_NO_ABSTAIN), T0)
    assert refused(m, MODERATOR, cmd.ClosePoll(POLL)).detail == "that poll is draft"
    m.handle(MODERATOR, cmd.OpenPoll(POLL), T0)
    m.handle(MODERATOR, cmd.ClosePoll(POLL), T0)
    assert refused(m, MODERATOR, cmd.ClosePoll(POLL)).detail == "that poll is closed"


# Secret polls ---------------------------------------------------------------------------------


def test_a_secret_ballot_marks_who_voted_never_what() -> None:
    m = opened(PollKind.YES_NO_ABSTAIN, secret=True, config=MeetingConfig(tally_interval_ms=0))
    stamped = m.handle(None, cmd.CastSecretBallot(POLL, person(1)), T0 + 1)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.PollVoted(POLL, person(1)), frozenset({person(1), MODERATOR})),
        (ev.PollTally(POLL, 1, None), None),
    ]
    # A changed ballot is the box's business: the meeting has nothing new to say.
    assert m.handle(None, cmd.CastSecretBallot(POLL, person(1)), T0 + 2) == []
    assert m.state.polls.polls[0].ballots == {}


def test_a_secret_poll_is_counted_when_the_box_reveals_it() -> None:
    m = opened(PollKind.YES_NO_ABSTAIN, secret=True, quorum=Quorum(count=3))
    for i in range(3):
        m.handle(None, cmd.CastSecretBallot(POLL, person(i)), T0 + 1)
    assert events_of(m.handle(MODERATOR, cmd.ClosePoll(POLL), T0 + 2)) == [
        ev.PollClosed(POLL, MODERATOR)
    ]
    # A ballot the box took just before the close is still marked.
    m.handle(None, cmd.CastSecretBallot(POLL, person(3)), T0 + 2)
    revealed = m.handle(None, cmd.RevealPollResult(POLL, (2, 1, 1), 4), T0 + 3)
    assert events_of(revealed) == [ev.PollResult(POLL, 4, 4, Quorum(count=3), True, (2, 1, 1))]
    assert refused(m, None, cmd.CastSecretBallot(POLL, person(3))).reason is Reason.CONFLICT
    assert refused(m, None, cmd.RevealPollResult(POLL, (2, 1, 1), 4)).reason is Reason.CONFLICT


@pytest.mark.parametrize(
    ("counts", "ballots", "detail"),
    [
        ((1, 1), 2, "counts: one count for each of the 3 options"),
        ((1, -1, 1), 1, "counts: one count for each of the 3 options"),
        ((5, 0, 0), 5, "ballots: between 0 and the 4 eligible"),
        ((1, 1, 0), 1, "counts: do not fit 1 ballots"),
        ((1, 0, 0), 2, "counts: do not fit 2 ballots"),
    ],
)
def test_a_reveal_that_does_not_fit_the_poll_is_refused(
    counts: tuple[int, ...], ballots: int, detail: str
) -> None:
    m = opened(PollKind.YES_NO_ABSTAIN, secret=True)
    m.handle(MODERATOR, cmd.ClosePoll(POLL), T0)
    rejected = refused(m, None, cmd.RevealPollResult(POLL, counts, ballots))
    assert (rejected.reason, rejected.detail[: len(detail)]) == (Reason.INVALID, detail)


def test_reveal_and_secret_marks_are_for_secret_polls_at_their_time() -> None:
    m = opened()  # named
    assert refused(m, None, cmd.CastSecretBallot(POLL, person(0))).reason is Reason.INVALID
    assert refused(m, None, cmd.RevealPollResult(POLL, (0, 0, 0), 0)).reason is Reason.INVALID
    m = opened(secret=True)
    assert refused(m, None, cmd.RevealPollResult(POLL, (0, 0, 0), 0)).reason is Reason.CONFLICT
    assert refused(m, None, cmd.CastSecretBallot(POLL, MODERATOR)).reason is Reason.NOT_ALLOWED


def test_check_ballot_is_the_boxs_check_and_changes_nothing() -> None:
    m = opened(PollKind.MANY, secret=True)
    before = to_plain(m.state)
    assert check_ballot(m.state, POLL, person(0), [2, 0]) == (0, 2)
    assert to_plain(m.state) == before
    named = opened(PollKind.MANY)
    for state, voter, choices, reason, start in [
        (named.state, person(0), [0], Reason.INVALID, "secret: that poll is named"),
        (m.state, MODERATOR, [0], Reason.NOT_ALLOWED, "you may not vote"),
        (m.state, person(0), [7], Reason.INVALID, "choices[0]: no option 7"),
    ]:
        with pytest.raises(Rejected) as caught:
            check_ballot(state, POLL, voter, choices)
        assert caught.value.reason is reason
        assert caught.value.detail.startswith(start), caught.value.detail


# Removing -------------------------------------------------------------------------------------


def test_a_draft_or_a_counted_poll_is_removed_an_open_or_uncounted_one_is_not() -> None:
    m = opened(secret=True)
    assert refused(m, MODERATOR, cmd.RemovePoll(POLL)).detail == "that poll is open: close it first"
    m.handle(MODERATOR, cmd.ClosePoll(POLL), T0)
    assert refused(m, MODERATOR, cmd.RemovePoll(POLL)).detail == "that poll is still being counted"
    m.handle(None, cmd.RevealPollResult(POLL, (0, 0, 0), 0), T0)
    assert events_of(m.handle(MODERATOR, cmd.RemovePoll(POLL), T0)) == [
        ev.PollRemoved(POLL, MODERATOR)
    ]
    assert m.state.polls.polls == []


# Who sees whose ballot ------------------------------------------------------------------------


def test_a_snapshot_shows_others_ballots_only_to_moderators() -> None:
    m = opened()
    m.handle(person(0), cmd.CastBallot(POLL, (0,)), T0 + 1)
    m.handle(person(1), cmd.CastBallot(POLL, (1,)), T0 + 2)
    mine = view_for(m.state, person(0)).polls.polls[0]
    assert (mine.ballots, mine.voted) == ({person(0): (0,)}, [person(0)])
    other = view_for(m.state, person(2)).polls.polls[0]
    assert (other.ballots, other.voted, other.tally) == ({}, [], Tally(2, (1, 1, 0)))
    everything = view_for(m.state, MODERATOR).polls.polls[0]
    assert everything.ballots == {person(0): (0,), person(1): (1,)}
    # The meeting's own state is untouched by what a view leaves out.
    assert len(m.state.polls.polls[0].ballots) == 2


# No secret choice anywhere --------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),  # who votes
            st.tuples(st.integers(0, 2), st.integers(0, 2)),  # what, in two different worlds
            st.sampled_from([0, 0.1, 0.3, 1]),  # seconds before
        ),
        max_size=12,
    )
)
def test_what_a_secret_voter_chose_changes_no_event_and_no_snapshot(
    ballots: list[tuple[int, tuple[int, int], float]],
) -> None:
    """The same session with other choices: every event, audience and snapshot is the same up to
    the result's counts. What the meeting records cannot depend on, so cannot tell, a choice."""
    worlds = []
    for world in (0, 1):
        m = opened(PollKind.YES_NO_ABSTAIN, secret=True)
        box: dict[ParticipantId, tuple[int, ...]] = {}
        log = []
        now = T0
        for voter, choices, elapsed in ballots:
            now += elapsed
            box[person(voter)] = check_ballot(m.state, POLL, person(voter), [choices[world]])
            log += m.handle(None, cmd.CastSecretBallot(POLL, person(voter)), now)
            log += m.handle(None, cmd.Tick(), now)
        log += m.handle(MODERATOR, cmd.ClosePoll(POLL), now)
        counts = tuple(sum(c == (i,) for c in box.values()) for i in range(3))
        log += m.handle(None, cmd.RevealPollResult(POLL, counts, len(box)), now)
        snapshots = [to_plain(view_for(m.state, p)) for p in m.state.participants]
        worlds.append(([to_plain(s) for s in log], snapshots, counts))
    (log_a, seen_a, counts_a), (log_b, seen_b, counts_b) = worlds
    blank = {"counts": None}
    assert [{**e, "event": {**e["event"], **blank}} for e in log_a] == [
        {**e, "event": {**e["event"], **blank}} for e in log_b
    ]
    assert log_a[-1]["event"]["counts"] == list(counts_a)
    assert log_b[-1]["event"]["counts"] == list(counts_b)
    for a, b in zip(seen_a, seen_b, strict=True):
        for poll in (*a["polls"]["polls"], *b["polls"]["polls"]):
            poll["result"]["counts"] = None
        assert a == b


# Random sessions of polls -----------------------------------------------------------------------

VOTERS = [person(i) for i in range(4)]
POLLS = [PollId(f"poll-{i}") for i in range(1, 4)]
CREATIONS = [
    cmd.CreatePoll("Which?", PollKind.MANY, PARKS, max_choices=2, quorum=Quorum(share=0.5)),
    cmd.CreatePoll("Which?", PollKind.ONE, PARKS, results=PollResults.AFTER_CLOSE),
    cmd.CreatePoll("Yes?", PollKind.YES_NO_ABSTAIN, secret=True, quorum=Quorum(count=2)),
    cmd.CreatePoll("Which?", PollKind.MANY, PARKS, secret=True, voters=PollVoters(True, True)),
]


def poll_step(kind: str, who: ParticipantId, poll: PollId, choices: tuple[int, ...]) -> tuple[
    ParticipantId | None, cmd.Command
]:
    steps: dict[str, tuple[ParticipantId | None, cmd.Command]] = {
        "create": (MODERATOR, CREATIONS[int(poll[-1]) % len(CREATIONS)]),
        "create_other": (MODERATOR, CREATIONS[(int(poll[-1]) + len(choices)) % len(CREATIONS)]),
        "open": (MODERATOR, cmd.OpenPoll(poll)),
        "cast": (who, cmd.CastBallot(poll, choices)),
        "cast_secret": (None, cmd.CastSecretBallot(poll, who)),
        "close": (MODERATOR, cmd.ClosePoll(poll)),
        "remove": (MODERATOR, cmd.RemovePoll(poll)),
        "tick": (None, cmd.Tick()),
        "disconnect": (None, cmd.Disconnect(who)),
        "rejoin": (None, cmd.Rejoin(who)),
        "promote": (MODERATOR, cmd.SetRole(who, Role.PRESENTER)),
    }
    return steps[kind]


# Each kind of step, as often as it should come up.
STEP_KINDS = [
    *("create", "create_other", "open", "open", "close", "remove", "tick", "tick"),
    *("cast",) * 12,
    *("cast_secret",) * 12,
    *("disconnect", "rejoin", "rejoin", "promote"),
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(STEP_KINDS),
            st.sampled_from([*VOTERS, MODERATOR]),
            st.sampled_from(POLLS),
            st.sampled_from([(0,), (1,), (2,), (0, 2), (2, 1), (0, 1, 2), (), (3,), (1, 1)]),
            st.sampled_from([0, 0.05, 0.1, 0.3, 1]),
            st.booleans(),  # a snapshot after the step
        ),
        min_size=30,
        max_size=80,
    )
)
def test_random_polls_count_their_ballots_and_replay_from_any_snapshot(
    session: list[tuple[str, ParticipantId, PollId, tuple[int, ...], float, bool]],
) -> None:
    """Every tally and result equals the ballots cast (a secret poll's, the box's), no event or
    snapshot carries a secret choice, a refusal changes nothing, and replaying the events from any
    snapshot rebuilds the same polls."""
    m = meeting(MeetingConfig(tally_interval_ms=250))
    # Two polls open from the start, a named one and a secret one; the session may make more.
    for create, poll_id in ((CREATIONS[0], POLLS[0]), (CREATIONS[2], POLLS[1])):
        m.handle(MODERATOR, create, T0)
        m.handle(MODERATOR, cmd.OpenPoll(poll_id), T0)
    log: list[Stamped] = []
    ballots: dict[PollId, dict[ParticipantId, tuple[int, ...]]] = {POLLS[0]: {}, POLLS[1]: {}}
    box: Box = {POLLS[1]: {}}
    snapshots = [(to_plain(m.state), m.state.seq)]
    start = m.state.seq
    now = T0
    # In the end every poll still open is closed, so each is counted.
    closing = [("close", MODERATOR, p, (), 0.0, False) for p in POLLS]
    for kind, who, poll, choices, elapsed, snapshot in [*session, *closing]:
        now += elapsed
        actor, command = poll_step(kind, who, poll, choices)
        before = to_plain(m.state)
        if isinstance(command, cmd.CastSecretBallot):
            try:
                kept = check_ballot(m.state, poll, who, choices)
            except Rejected:
                assert to_plain(m.state) == before
                continue
            box.setdefault(poll, {})[who] = kept
        try:
            stamped = m.handle(actor, command, now)
        except Rejected:
            assert to_plain(m.state) == before
            assert not isinstance(command, cmd.CastSecretBallot), "a checked ballot is marked"
            continue
        if isinstance(command, cmd.ClosePoll) and poll in box:
            closed = m.state.polls.poll(poll)
            assert closed is not None
            counted = list(box[poll].values())
            counts = counts_of(len(closed.options), counted)
            reveal = cmd.RevealPollResult(poll, counts, len(counted))
            stamped += m.handle(None, reveal, now)
        for one in stamped:
            follow_polls(one, ballots, box)
        log += stamped
        check_polls(m.state, m.config)
        if snapshot:
            snapshots.append((to_plain(m.state), m.state.seq))
    live = to_plain(m.state)
    for plain, seq in snapshots:
        rebuilt = Meeting(from_plain(MeetingState, plain), m.config)
        for one in log[seq - start :]:
            rebuilt.replay(one)
        assert to_plain(rebuilt.state) == live
        assert rebuilt.next_wakeup() == m.next_wakeup()
