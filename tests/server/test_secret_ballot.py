"""A secret poll over the wire: each ballot goes into the ballot box, the meeting learns only who
voted, and the result comes from the box once the poll closes; a refused ballot says why and
changes nothing.
"""

import secrets
import time
from dataclasses import dataclass
from typing import Any

from rooms import commands as cmd
from rooms.ids import PollId
from rooms.model import Counted, PollKind
from rooms.plain import to_plain
from server.meetings.ballot_box import LocalBallotBox, Refusal, Refused
from server.meetings.deadlines import Deadlines
from tests.core.builders import MODERATOR, T0, meeting_with, person
from tests.harness.waiting import eventually

from .client import Client
from .conftest import ServedMeeting

Messages = list[dict[str, Any]]


def a_secret() -> str:
    """As the voter's client makes it: random, once per poll."""
    return secrets.token_urlsafe(24)


@dataclass
class Voting:
    moderator: Client
    people: dict[str, Client]
    ids: dict[str, str]
    poll: str


async def secret_poll(meeting: ServedMeeting, *voters: str, **poll: object) -> Voting:
    """The moderator, the voters (joined before it opens) and an open secret poll."""
    moderator, _ = await meeting.join("Mo", moderator=True)
    people, ids = {}, {}
    for name in voters:
        people[name], welcome = await meeting.join(name)
        ids[name] = welcome["you"]
    shape = {"kind": "yes_no_abstain", **poll}
    created = await moderator.ask(
        {"type": "create_poll", "question": "Więcej zieleni?", "secret": True, **shape}
    )
    assert created[-1]["type"] == "ok", created
    poll_id = next(m["poll"] for m in created if m["type"] == "poll_created")
    opened = await moderator.ask({"type": "open_poll", "poll": poll_id})
    assert opened[-1]["type"] == "ok", opened
    return Voting(moderator, people, ids, poll_id)


async def vote(client: Client, poll: str, choices: list[int], secret: str) -> Messages:
    replies = await client.ask(
        {"type": "cast_ballot", "poll": poll, "choices": choices, "secret": secret}
    )
    assert replies[-1]["type"] == "ok", replies
    return replies


async def close(moderator: Client, poll: str) -> dict[str, Any]:
    """Close the poll; its result, which the meeting's writer counts from the box."""
    closed = await moderator.ask({"type": "close_poll", "poll": poll})
    assert closed[-1]["type"] == "ok", closed
    return (await moderator.until("poll_result"))[-1]


def choices_in(messages: Messages) -> list[dict[str, Any]]:
    """The messages that carry a ballot's choices."""
    return [m for m in messages if "choices" in m or m.get("type") == "ballot_cast"]


async def test_a_secret_ballot_tells_the_meeting_who_voted_and_the_box_what(
    meeting: ServedMeeting,
) -> None:
    voting = await secret_poll(meeting, "Ala", "Bo", "Cy")
    moderator, people, poll = voting.moderator, voting.people, voting.poll
    seen: Messages = []

    for name, choice in (("Ala", 0), ("Bo", 1), ("Cy", 0)):
        replies = await vote(people[name], poll, [choice], a_secret())
        seen += replies
        voted = [m for m in replies if m["type"] == "poll_voted"]
        assert [m["by"] for m in voted] == [voting.ids[name]]
    result = await close(moderator, poll)

    assert (result["eligible"], result["voted"], result["counts"]) == (3, 3, [2, 1, 0])
    for person_ in people.values():
        seen += await person_.until("poll_result")
    assert choices_in(seen) == []
    # Nor does the meeting keep one: a newcomer's snapshot, or the state itself.
    _, late = await meeting.join("Dorota")
    assert [p["ballots"] for p in late["snapshot"]["polls"]["polls"]] == [{}]
    state = meeting.live.meeting.state
    assert all(not p.ballots for p in state.polls.polls)


async def test_a_changed_ballot_is_counted_once_with_its_last_choices(
    meeting: ServedMeeting,
) -> None:
    voting = await secret_poll(meeting, "Ala", "Bo")
    moderator, people, poll = voting.moderator, voting.people, voting.poll
    secret = a_secret()
    first = await vote(people["Ala"], poll, [0], secret)
    changed = await vote(people["Ala"], poll, [2], secret)

    assert [m["type"] for m in first if m["type"] == "poll_voted"] == ["poll_voted"]
    assert [m["type"] for m in changed if m["type"] == "poll_voted"] == []
    result = await close(moderator, poll)
    assert (result["voted"], result["counts"]) == (1, [0, 0, 1])


async def test_a_refused_ballot_says_why_and_changes_nothing(meeting: ServedMeeting) -> None:
    voting = await secret_poll(meeting, "Ala", "Bo")
    moderator, people, poll = voting.moderator, voting.people, voting.poll
    named = await moderator.ask(
        {"type": "create_poll", "question": "Jawnie?", "kind": "yes_no_abstain"}
    )
    named_poll = next(m["poll"] for m in named if m["type"] == "poll_created")
    await moderator.ask({"type": "open_poll", "poll": named_poll})
    late, _ = await meeting.join("Spóźniona")
    alas = a_secret()
    await vote(people["Ala"], poll, [0], alas)
    state_before = to_plain(meeting.live.meeting.state)
    secret = a_secret()  # Bo's, refused each time

    refused: list[tuple[Client, dict[str, Any], str, str]] = [
        (
            people["Ala"],
            {"poll": poll, "choices": [1], "secret": a_secret()},
            "conflict",
            "secret: you have voted in that poll with another secret",
        ),
        (
            people["Bo"],
            {"poll": poll, "choices": [1], "secret": alas},
            "invalid",
            "secret: not the one your client made for this poll",
        ),
        (
            people["Bo"],
            {"poll": poll, "choices": [1], "secret": "short"},
            "invalid",
            "secret: from 16 to 64 characters",
        ),
        (
            people["Bo"],
            {"poll": poll, "choices": [1], "secret": 1234567890123456},
            "invalid",
            "secret: expected a string",
        ),
        (people["Bo"], {"poll": poll, "choices": [7], "secret": secret}, "invalid", "choices[0]"),
        (people["Bo"], {"poll": poll, "choices": [], "secret": secret}, "invalid", "choices"),
        (people["Bo"], {"poll": poll, "choices": ["yes"], "secret": secret}, "invalid", "choices"),
        (people["Bo"], {"poll": "poll-99", "choices": [0], "secret": secret}, "unknown_poll", ""),
        (people["Bo"], {"poll": poll, "choices": [1]}, "invalid", "secret: that poll is secret"),
        (
            people["Bo"],
            {"poll": named_poll, "choices": [1], "secret": a_secret()},
            "invalid",
            "secret: that poll is named",
        ),
        (late, {"poll": poll, "choices": [1], "secret": a_secret()}, "not_allowed", ""),
    ]
    for client, fields, code, message in refused:
        replies = await client.ask({"type": "cast_ballot", **fields})
        error = replies[-1]
        assert error["type"] == "error", (fields, replies)
        assert error["code"] == code, (fields, error)
        assert error["message"].startswith(message), (fields, error)
        assert to_plain(meeting.live.meeting.state) == state_before, fields

    result = await close(moderator, poll)
    assert (result["voted"], result["counts"]) == (1, [1, 0, 0])
    after = await people["Bo"].ask(
        {"type": "cast_ballot", "poll": poll, "choices": [1], "secret": a_secret()}
    )
    assert (after[-1]["code"], after[-1]["message"]) == (
        "conflict",
        "that poll is closed: ballots are cast while it is open",
    )
    closed_again = await moderator.ask({"type": "close_poll", "poll": poll})
    assert closed_again[-1]["code"] == "conflict"


async def test_a_writer_counts_a_secret_poll_closed_before_it_took_over() -> None:
    """What the writer that takes a meeting over finds: a secret poll closed, not yet counted
    (the writer before died between the close and the count); its box holds the ballots."""
    meeting = meeting_with(("North", "South", "East"))
    box = LocalBallotBox("server-secret")
    create = cmd.CreatePoll("Więcej zieleni?", PollKind.YES_NO_ABSTAIN, secret=True)
    [created] = meeting.handle(MODERATOR, create, T0)
    poll = PollId(to_plain(created.event)["poll"])
    meeting.handle(MODERATOR, cmd.OpenPoll(poll), T0)
    for voter, choice in ((person(0), 1), (person(1), 1), (person(2), 2)):
        await box.deposit(meeting.state.id, poll, voter, a_secret(), [choice])
        meeting.handle(None, cmd.CastSecretBallot(poll, voter), T0)
    meeting.handle(MODERATOR, cmd.ClosePoll(poll), T0)

    async def submit(command: cmd.Command) -> None:
        meeting.handle(None, command, time.time())
        deadlines.reschedule()

    def counted_result() -> Counted | None:
        counted_poll = meeting.state.polls.poll(poll)
        return None if counted_poll is None else counted_poll.result

    deadlines = Deadlines(meeting, submit, time.time, 300.0, box)
    deadlines.reschedule()  # as the lease does on a takeover
    try:
        counted = await eventually(counted_result, 5.0)
    finally:
        deadlines.stop()

    assert counted is not None  # eventually waits for a result
    assert (counted.voted, counted.counts) == (3, (0, 2, 1))
    assert deadlines.next_wakeup() is None
    # The box stays closed: a ballot now is refused, and a count again gives the same.
    late = await box.deposit(meeting.state.id, poll, person(0), a_secret(), [0])
    assert late == Refused(Refusal.CLOSED)
    assert (await box.close(meeting.state.id, poll)).per_option(3) == (0, 2, 1)
