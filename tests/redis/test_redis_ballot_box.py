"""The ballot box of secret polls: one contract, kept by the in-process box and the Redis one.

The Redis box runs against a real `redis-server`; a last test reads back every key it wrote and
checks that nothing there links a voter to a choice.
"""

import asyncio
import re
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator

import pytest
import redis

from rooms import MeetingId, ParticipantId
from server.cluster.ballot_box import RedisBallotBox
from server.cluster.presence import WorkerPresence
from server.meetings.ballot_box import (
    BallotBox,
    BoxCount,
    Deposited,
    LocalBallotBox,
    Refusal,
    Refused,
    Seal,
)
from server.meetings.hub import Unavailable
from server.settings import Settings
from tests.harness.redis_server import RedisServer

SERVER_SECRET = "signing-secret-for-tests"
RETENTION_S = 3600
MEETING = MeetingId("forum-sosnica")
POLL = "budzet-2027"
ALA, BOLEK, CELINA = ParticipantId("ala"), ParticipantId("bolek"), ParticipantId("celina")


def a_secret() -> str:
    """As the voter's client makes it: random, once per poll."""
    return secrets.token_urlsafe(24)


@pytest.fixture(params=["in_process", "redis"])
async def box(request: pytest.FixtureRequest) -> AsyncIterator[BallotBox]:
    if request.param == "in_process":
        yield LocalBallotBox(SERVER_SECRET)
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    presence = redis_presence(server)
    yield RedisBallotBox(presence)
    await presence.stop()


def redis_presence(server: RedisServer) -> WorkerPresence:
    """This process's clients and scripts on `server`, as a worker's (not started: no channels
    nor heartbeat, which the box does not use)."""
    settings = Settings(
        redis_url=server.url,
        secret=SERVER_SECRET,
        admin_token="admin-token-for-tests",
        retention_s=RETENTION_S,
    )
    return WorkerPresence(settings, time.time)


async def test_a_ballot_is_counted_at_close(box: BallotBox) -> None:
    assert await box.deposit(MEETING, POLL, ALA, a_secret(), [1]) == Deposited(first=True)

    tally = await box.close(MEETING, POLL)

    assert tally == BoxCount(ballots=1, counts={1: 1})
    assert tally.per_option(3) == (0, 1, 0)


async def test_the_same_secret_changes_the_ballot_which_is_counted_once(box: BallotBox) -> None:
    secret = a_secret()
    await box.deposit(MEETING, POLL, ALA, secret, [0])

    changed = await box.deposit(MEETING, POLL, ALA, secret, [2])

    assert changed == Deposited(first=False)
    assert (await box.close(MEETING, POLL)).per_option(3) == (0, 0, 1)


async def test_a_retry_after_a_lost_reply_changes_nothing(box: BallotBox) -> None:
    secret = a_secret()
    await box.deposit(MEETING, POLL, ALA, secret, [0, 2])

    retried = await box.deposit(MEETING, POLL, ALA, secret, [0, 2])

    assert retried == Deposited(first=False)
    assert await box.close(MEETING, POLL) == BoxCount(ballots=1, counts={0: 1, 2: 1})


async def test_a_second_secret_from_the_same_voter_is_refused(box: BallotBox) -> None:
    await box.deposit(MEETING, POLL, ALA, a_secret(), [0])

    second = await box.deposit(MEETING, POLL, ALA, a_secret(), [1])

    assert second == Refused(Refusal.VOTED_ALREADY)
    assert await box.close(MEETING, POLL) == BoxCount(ballots=1, counts={0: 1})


async def test_another_voters_secret_is_refused(box: BallotBox) -> None:
    """Only a stolen or made-up secret gets here; it must not change the other's ballot."""
    secret = a_secret()
    await box.deposit(MEETING, POLL, ALA, secret, [0])

    assert await box.deposit(MEETING, POLL, BOLEK, secret, [1]) == Refused(Refusal.SECRET_TAKEN)
    assert await box.close(MEETING, POLL) == BoxCount(ballots=1, counts={0: 1})


async def test_a_closed_box_refuses_ballots_and_counts_the_same_again(box: BallotBox) -> None:
    secret = a_secret()
    await box.deposit(MEETING, POLL, ALA, secret, [0])
    tally = await box.close(MEETING, POLL)

    assert await box.deposit(MEETING, POLL, BOLEK, a_secret(), [1]) == Refused(Refusal.CLOSED)
    assert await box.deposit(MEETING, POLL, ALA, secret, [1]) == Refused(Refusal.CLOSED)
    # A closing writer that died before revealing: its successor closes again, same count.
    assert await box.close(MEETING, POLL) == tally == BoxCount(ballots=1, counts={0: 1})


async def test_an_empty_box_closes_with_no_ballots(box: BallotBox) -> None:
    tally = await box.close(MEETING, POLL)

    assert tally == BoxCount(ballots=0, counts={})
    assert tally.per_option(2) == (0, 0)
    assert await box.deposit(MEETING, POLL, ALA, a_secret(), [0]) == Refused(Refusal.CLOSED)


async def test_the_counts_at_close_are_every_ballots_choices(box: BallotBox) -> None:
    ballots = {ALA: [0, 2], BOLEK: [2], CELINA: [], ParticipantId("dorota"): [1, 2]}
    for voter, choices in ballots.items():
        assert await box.deposit(MEETING, POLL, voter, a_secret(), choices) == Deposited(True)

    tally = await box.close(MEETING, POLL)

    assert tally.ballots == 4  # an empty ballot counts as cast, choosing nothing
    assert tally.per_option(4) == (1, 1, 3, 0)


async def test_each_poll_and_each_meeting_has_its_own_box(box: BallotBox) -> None:
    secret = a_secret()
    other_meeting = MeetingId("forum-zabrze")
    await box.deposit(MEETING, POLL, ALA, secret, [0])
    await box.close(MEETING, POLL)

    # The same voter and even the same secret, in another poll or meeting: a ballot of its own.
    assert await box.deposit(MEETING, "inny", ALA, secret, [1]) == Deposited(first=True)
    assert await box.deposit(other_meeting, POLL, ALA, secret, [1]) == Deposited(first=True)
    assert await box.close(MEETING, "inny") == BoxCount(ballots=1, counts={1: 1})
    assert await box.close(other_meeting, POLL) == BoxCount(ballots=1, counts={1: 1})


async def test_choices_that_are_no_option_indexes_are_refused(box: BallotBox) -> None:
    for bad in ([-1], [True], ["1"]):
        with pytest.raises(ValueError, match="option indexes"):
            await box.deposit(MEETING, POLL, ALA, a_secret(), bad)  # type: ignore[arg-type]
    assert await box.close(MEETING, POLL) == BoxCount(ballots=0)


async def test_concurrent_deposits_are_each_counted_once(box: BallotBox) -> None:
    voters = [ParticipantId(f"glosujacy-{n}") for n in range(300)]
    secrets_of = {voter: a_secret() for voter in voters}

    firsts = await asyncio.gather(
        *(box.deposit(MEETING, POLL, v, secrets_of[v], [n % 3]) for n, v in enumerate(voters))
    )
    # Each changes their mind at once, and retries the change as after a lost reply.
    changes = await asyncio.gather(
        *(
            box.deposit(MEETING, POLL, v, secrets_of[v], [(n + 1) % 3])
            for n, v in enumerate(voters * 2)
        )
    )

    assert set(firsts) == {Deposited(first=True)}
    assert set(changes) == {Deposited(first=False)}
    assert (await box.close(MEETING, POLL)).per_option(3) == (100, 100, 100)


async def test_one_voter_with_many_secrets_at_once_gets_one_ballot_in(box: BallotBox) -> None:
    outcomes = await asyncio.gather(
        *(box.deposit(MEETING, POLL, ALA, a_secret(), [n % 2]) for n in range(20))
    )

    assert Counter(outcomes) == {Deposited(first=True): 1, Refused(Refusal.VOTED_ALREADY): 19}
    assert (await box.close(MEETING, POLL)).ballots == 1


async def test_a_close_racing_deposits_counts_exactly_those_it_accepted(box: BallotBox) -> None:
    voters = [ParticipantId(f"glosujacy-{n}") for n in range(200)]
    deposits = [
        asyncio.ensure_future(box.deposit(MEETING, POLL, v, a_secret(), [0])) for v in voters
    ]
    closing = asyncio.ensure_future(box.close(MEETING, POLL))
    deposits += [
        asyncio.ensure_future(box.deposit(MEETING, POLL, v, a_secret(), [0]))
        for v in (ParticipantId(f"spozniony-{n}") for n in range(200))
    ]

    outcomes = await asyncio.gather(*deposits)
    tally = await closing

    accepted = [o for o in outcomes if isinstance(o, Deposited)]
    refused = [o for o in outcomes if isinstance(o, Refused)]
    assert set(refused) <= {Refused(Refusal.CLOSED)}
    assert tally.ballots == len(accepted) == tally.per_option(1)[0]
    assert await box.close(MEETING, POLL) == tally


async def test_a_box_out_of_reach_says_so_and_keeps_what_it_took(
    redis_server: RedisServer,
) -> None:
    presence = redis_presence(redis_server)
    box = RedisBallotBox(presence)
    secret = a_secret()
    await box.deposit(MEETING, POLL, ALA, secret, [0])
    redis_server.stop()
    try:
        with pytest.raises(Unavailable, match="ballot box"):
            await box.deposit(MEETING, POLL, BOLEK, a_secret(), [1])
        with pytest.raises(Unavailable, match="ballot box"):
            await box.close(MEETING, POLL)

        redis_server.start()  # durable: what was acknowledged is back
        assert await box.deposit(MEETING, POLL, ALA, secret, [0]) == Deposited(first=False)
        assert await box.close(MEETING, POLL) == BoxCount(ballots=1, counts={0: 1})
    finally:
        await presence.stop()


# The storage itself -------------------------------------------------------------------------

HASH = "[0-9a-f]{64}"


async def test_nothing_the_redis_box_stores_links_a_voter_to_a_choice(
    redis_server: RedisServer,
) -> None:
    presence = redis_presence(redis_server)
    box = RedisBallotBox(presence)
    voters = [ParticipantId(f"mieszkaniec-{n:02}") for n in range(40)]
    secrets_of = {voter: a_secret() for voter in voters}
    for n, voter in enumerate(voters):
        await box.deposit(MEETING, POLL, voter, secrets_of[voter], [n % 4])
    for voter in voters[::3]:  # some change their minds
        await box.deposit(MEETING, POLL, voter, secrets_of[voter], [3, 1])
    await box.close(MEETING, POLL)
    await presence.stop()

    with redis.Redis(port=redis_server.port) as client:
        # DUMP as RDB writes it, but with strings left plain, so they can be searched.
        client.config_set("rdbcompression", "no")
        stored = {key.decode(): key for key in client.scan_iter(match="*")}
        base = f"plenum:m:{MEETING}:poll:{POLL}"
        assert set(stored) == {f"{base}:ballots", f"{base}:voters", f"{base}:closed"}
        for key in stored.values():
            assert 0 < client.pttl(key) <= RETENTION_S * 1000, f"{key!r} would never expire"
            dumped = client.dump(key)
            assert isinstance(dumped, bytes)
            for voter in voters:
                assert voter.encode() not in dumped, f"{voter} named in {key!r}"
        assert client.get(f"{base}:closed") == b"1"

        ballots = client.zrange(f"{base}:ballots", 0, -1, withscores=True)
        marks = client.zrange(f"{base}:voters", 0, -1, withscores=True)
        # Every score 0: no time, no order of arrival; members are hashes (and choices) only.
        assert {score for _, score in ballots + marks} == {0.0}
        assert all(re.fullmatch(f"{HASH}:[0-9,]*", m.decode()) for m, _ in ballots)
        assert all(re.fullmatch(HASH, m.decode()) for m, _ in marks)
        assert len(ballots) == len(marks) == len(voters)

        # A voter's mark is the keyed hash of their id, never the id; a ballot's key is no
        # function of the voter (it is the hash of their secret).
        seal = Seal.from_secret(SERVER_SECRET)
        expected_marks = {seal.voter_key(MEETING, POLL, voter) for voter in voters}
        assert {m.decode() for m, _ in marks} == expected_marks
        expected_ballots = {seal.ballot_key(MEETING, POLL, secrets_of[v]) for v in voters}
        assert {m.decode().split(":")[0] for m, _ in ballots} == expected_ballots

        # What a backup holds (DUMP is what RDB writes) lists members in byte order, not in
        # the order the voters came, which the meeting's log shows.
        for key, members in ((f"{base}:ballots", ballots), (f"{base}:voters", marks)):
            dumped = client.dump(key)
            assert isinstance(dumped, bytes)
            positions = [dumped.index(member) for member, _ in members]
            assert positions in (sorted(positions), sorted(positions, reverse=True))
            arrival = [
                seal.voter_key(MEETING, POLL, v).encode()
                if key.endswith("voters")
                else seal.ballot_key(MEETING, POLL, secrets_of[v]).encode()
                for v in voters
            ]
            stored_order = [m.split(b":")[0] for m, _ in members]
            assert stored_order == sorted(arrival) != arrival
