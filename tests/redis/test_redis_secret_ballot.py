"""A secret poll across real workers and a real Redis: nothing stored links a voter to a choice,
and a worker dying while the poll is open loses no ballot."""

import asyncio
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import redis

from rooms import MeetingState
from rooms.events import BallotCast
from rooms.ids import PollId
from rooms.plain import from_plain
from server.cluster.messages import LogEntry, unpack
from tests.e2e.wsclient import Client, ServerError
from tests.harness.redis_server import RedisServer
from tests.redis.patience import Patience
from tests.redis.people import crowd, moderating
from tests.redis.workers import Workers

COMMAND_TIMEOUT_S = 10.0
RESULT_TIMEOUT_S = 20.0
OPTIONS = ["Park", "Ścieżka rowerowa", "Plac zabaw", "Biblioteka"]


def a_secret() -> str:
    """As the voter's client makes it: random, once per poll."""
    return secrets.token_urlsafe(24)


async def open_secret_poll(moderator: Client, voters: list[Client], **shape: object) -> str:
    """Open a secret poll; returns once every voter has seen it open, as a voter's client
    would before it offers a ballot."""
    await moderator.command(
        "create_poll",
        COMMAND_TIMEOUT_S,
        question="Na co budżet obywatelski?",
        secret=True,
        **{"kind": "many", "options": OPTIONS, "max_choices": 2, **shape},
    )
    created = await moderator.wait_for_event("poll_created")
    await moderator.command("open_poll", COMMAND_TIMEOUT_S, poll=created["poll"])
    for voter in voters:
        await voter.wait_for_event("poll_opened", COMMAND_TIMEOUT_S, poll=created["poll"])
    return str(created["poll"])


def voted(client: Client) -> Callable[[Client], bool]:
    """Whether the meeting has told `client` that it voted (its mark, `poll_voted`)."""
    return lambda c: any(m["type"] == "poll_voted" and m["by"] == client.me for m in c.messages)


async def test_nothing_in_redis_links_a_voter_to_a_choice(
    workers: Workers, redis_server: RedisServer
) -> None:
    first, second = workers.start(), workers.start()
    meeting = await first.server.create_meeting("Forum Dzielnicy Sośnica")
    secrets_of: dict[str, str] = {}
    async with moderating(meeting, first) as moderator, crowd(
        meeting, [first, second], 8
    ) as voters:
        poll = await open_secret_poll(moderator, voters)
        final: dict[str, list[int]] = {}

        async def cast(voter: Client, choices: list[int]) -> None:
            final[voter.me] = choices
            fields = {"poll": poll, "choices": choices, "secret": secrets_of[voter.me]}
            await voter.command("cast_ballot", COMMAND_TIMEOUT_S, **fields)

        for n, voter in enumerate(voters):
            secrets_of[voter.me] = a_secret()
            await cast(voter, [n % 4, (n + 1) % 4] if n % 3 else [n % 4])
        for voter in voters[:3]:  # they change their minds
            await cast(voter, [3])
        await moderator.command("close_poll", COMMAND_TIMEOUT_S, poll=poll)
        result = await moderator.wait_for_event("poll_result", RESULT_TIMEOUT_S, poll=poll)
    chosen = [choice for choices in final.values() for choice in choices]
    expected = [chosen.count(option) for option in range(len(OPTIONS))]
    assert (result["eligible"], result["voted"], result["counts"]) == (8, 8, expected)

    records = list(every_record(redis_server))
    kinds = {kind for _, kind, _ in records}
    # A set: the index of meetings (`plenum:meetings`), read below with the rest.
    assert kinds <= {"string", "stream", "hash", "zset", "set"}, kinds
    box = f"plenum:m:{meeting['id']}:poll:{poll}:"
    for key, _, record in records:
        text = repr(record)
        for voter_id, secret in secrets_of.items():
            assert secret not in text, f"{key} holds a voter's secret"
            if key.startswith(box):
                assert voter_id not in text, f"{key} names a voter"
        if not key.startswith(box):
            assert not list(choices_in(record)), f"{key} holds a ballot: {record!r}"
    snapshots = [r for key, _, r in records if key.endswith(":snapshot")]
    assert snapshots
    for snapshot in snapshots:
        state = from_plain(MeetingState, snapshot)
        secret_poll = state.polls.poll(PollId(poll))
        assert secret_poll is None or secret_poll.ballots == {}
    events = [r for key, kind, r in records if kind == "stream"]
    assert events
    cast_by_name = [
        e for e in events if isinstance(e, LogEntry) and isinstance(e.stamped.event, BallotCast)
    ]
    assert cast_by_name == []


def every_record(server: RedisServer) -> Iterator[tuple[str, str, Any]]:
    """Every record Redis holds, as it reads back: each key's value, each log entry decoded."""
    with redis.Redis(port=server.port) as client:
        for raw_key in client.scan_iter(match="*"):
            key = raw_key.decode()
            kind = client.type(raw_key).decode()
            if kind == "none":
                continue  # expired since the scan listed it (a lease, a heartbeat): holds nothing
            if kind == "string":
                value = client.get(raw_key)
                if value is None:
                    continue  # expired between the two reads, as above
                assert isinstance(value, bytes)
                yield key, kind, decoded(value)
            elif kind == "stream":
                for _, fields in client.xrange(raw_key):
                    yield key, kind, LogEntry.parse(fields)
                    yield key, kind, {k: decoded(v) for k, v in fields.items()}
            elif kind == "hash":
                yield key, kind, client.hgetall(raw_key)
            elif kind == "zset":
                yield key, kind, client.zrange(raw_key, 0, -1, withscores=True)
            elif kind == "set":
                yield key, kind, client.smembers(raw_key)
            else:
                yield key, kind, None


def decoded(value: bytes) -> Any:
    """A packed record read back (a snapshot, an event), or the bytes when none."""
    try:
        return unpack(value)
    except Exception:
        return value


def choices_in(record: Any) -> Iterator[Any]:
    """Every ballot inside a record: a `choices` field, or a non-empty `ballots` map."""
    if isinstance(record, dict):
        for field, value in record.items():
            if field in ("choices", b"choices") or (field in ("ballots", b"ballots") and value):
                yield value
            yield from choices_in(value)
    elif isinstance(record, list | tuple):
        for item in record:
            yield from choices_in(item)


async def test_a_worker_killed_while_a_secret_poll_is_open_loses_no_ballot(
    workers: Workers,
) -> None:
    first, second = workers.start(), workers.start()
    # Created on the first, which writes the meeting until it is killed.
    meeting = await first.server.create_meeting("Forum Dzielnicy Sośnica")
    patience = Patience()
    async with moderating(meeting, second) as moderator, crowd(
        meeting, [first, second], 8
    ) as voters:
        poll = await open_secret_poll(
            moderator, voters, kind="one", options=OPTIONS, max_choices=None
        )
        on_first = [v for n, v in enumerate(voters) if n % 2 == 0]
        secrets_of = {voter.me: a_secret() for voter in voters}
        chosen = {voter.me: n % 4 for n, voter in enumerate(voters)}

        async def cast(voter: Client, choice: int) -> None:
            secret = secrets_of[voter.me]
            fields = {"poll": poll, "choices": [choice], "secret": secret}
            await patience.act(voter, "cast_ballot", voted(voter), **fields)

        before = voters[:5]  # both workers' people, acknowledged before the kill
        for voter in before:
            await cast(voter, chosen[voter.me])
        assert workers.writer_of(meeting["id"]) is first
        await asyncio.to_thread(workers.kill, first)

        for voter in on_first:
            await voter.wait_closed()
            await patience.rejoin(voter, second.ws_url)
        chosen[voters[0].me] = 3  # changes their mind, on the survivor
        await asyncio.gather(*(cast(v, chosen[v.me]) for v in [voters[0], *voters[5:]]))
        await patience.act(
            moderator, "close_poll", lambda c: bool(c.of_type("poll_closed")), poll=poll
        )
        result = await moderator.wait_for_event("poll_result", RESULT_TIMEOUT_S, poll=poll)

    expected = [list(chosen.values()).count(option) for option in range(len(OPTIONS))]
    assert (result["eligible"], result["voted"], result["counts"]) == (8, 8, expected)
    assert workers.writer_of(meeting["id"]) is second  # it took the meeting over


async def test_a_second_secret_is_refused_on_another_worker(workers: Workers) -> None:
    """One ballot each, whichever worker each attempt goes through."""
    first, second = workers.start(), workers.start()
    meeting = await first.server.create_meeting("Forum Dzielnicy Sośnica")
    async with moderating(meeting, first) as moderator, crowd(meeting, [first], 1) as [voter]:
        poll = await open_secret_poll(moderator, [voter])
        await voter.command(
            "cast_ballot", COMMAND_TIMEOUT_S, poll=poll, choices=[0], secret=a_secret()
        )
        await voter.close()
        voter.url = second.ws_url
        await voter.reconnect()

        try:
            await voter.command(
                "cast_ballot", COMMAND_TIMEOUT_S, poll=poll, choices=[1], secret=a_secret()
            )
        except ServerError as refused:
            assert refused.code == "conflict"
        else:
            raise AssertionError("a second secret from the same voter was taken")
        await moderator.command("close_poll", COMMAND_TIMEOUT_S, poll=poll)
        result = await moderator.wait_for_event("poll_result", RESULT_TIMEOUT_S, poll=poll)
    assert (result["voted"], result["counts"]) == (1, [1, 0, 0, 0])
