"""The meeting goes on when its writer dies or Redis restarts: people end where they would have.

Each test plays the scripted round of `tests.redis.scenario` twice: once against one plain
Plenum process (the reference), once against two workers sharing a Redis with something
breaking in the middle. Every person must end up seeing what the same person saw in the
reference: the same people in the same rooms, hands, floor, chat and phase.
"""

import asyncio
import contextlib

from tests.e2e.wsclient import Client
from tests.harness.redis_server import RedisServer
from tests.redis.patience import Patience
from tests.redis.scenario import (
    AWAY,
    Outcome,
    Stage,
    everyone_back_in_plenary,
    nothing_breaks,
    nothing_to_recover,
    play,
)
from tests.redis.workers import Workers

GRACE_S = 1.0  # PLENUM_GRACE_S in `tests.harness.processes.server_env`
OUTAGE_S = 2.0  # over PLENUM_LEASE_TTL_S and PLENUM_WORKER_TTL_S (`tests.redis.workers`)


async def reference(plain: Workers) -> Outcome:
    alone = plain.start()
    stage = Stage(alone.server, lambda _: alone.ws_url, nothing_breaks, nothing_to_recover)
    return await play(stage, Patience())


def assert_same_as_reference(outcome: Outcome, expected: Outcome) -> None:
    assert set(outcome.seen) == set(expected.seen)
    for name, seen in outcome.seen.items():
        assert seen == expected.seen[name], f"{name} sees another meeting than in the reference"
        assert everyone_back_in_plenary(seen), name
    # The clock ran to its end: the rooms closed after the deadline and the grace period.
    assert outcome.closed_at >= outcome.deadline + GRACE_S


async def test_the_writer_killed_mid_round(plain: Workers, workers: Workers) -> None:
    expected = await reference(plain)
    # The meeting is created on the first worker, which writes it from then on.
    first, second = workers.start(), workers.start()

    async def kill_the_writer(meeting: str) -> None:
        assert workers.writer_of(meeting) is first
        await asyncio.to_thread(workers.kill, first)

    async def resume_elsewhere(meeting: str, away: list[Client], patience: Patience) -> None:
        for client in away:
            await client.wait_closed()
            await patience.rejoin(client, second.ws_url)

    patience = Patience()
    stage = Stage(
        first.server,
        lambda name: first.ws_url if name in AWAY else second.ws_url,
        kill_the_writer,
        resume_elsewhere,
    )
    outcome = await play(stage, patience)

    assert_same_as_reference(outcome, expected)
    assert workers.writer_of(outcome.meeting) is second
    assert outcome.resumed == {name: int(name in AWAY) for name in outcome.resumed}
    print(f"after the kill: {patience.unavailable} unavailable, {patience.lost} lost")


async def test_redis_restarted_mid_round(
    plain: Workers, workers: Workers, redis_server: RedisServer
) -> None:
    expected = await reference(plain)
    first, second = workers.start(), workers.start()

    async def stop_redis(meeting: str) -> None:
        await asyncio.to_thread(redis_server.stop)

    async def start_redis(meeting: str, away: list[Client], patience: Patience) -> None:
        # Down until someone notices, or at most long enough for every lease to run out.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(patience.troubled.wait(), OUTAGE_S)
        await asyncio.to_thread(redis_server.start)

    patience = Patience()
    stage = Stage(
        first.server,
        lambda name: first.ws_url if name in AWAY else second.ws_url,
        stop_redis,
        start_redis,
    )
    outcome = await play(stage, patience)

    assert_same_as_reference(outcome, expected)
    print(f"during the restart: {patience.unavailable} unavailable, {patience.lost} lost")
