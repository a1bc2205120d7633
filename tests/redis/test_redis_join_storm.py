"""A forum starts with everyone clicking the link at once: every one of them is welcomed.

1,000 people say `hello` at the same moment, half to each of two workers sharing the meeting
through Redis. Every one must get a `welcome`, none an `unavailable`. The people are the
benchmark's lean WebSocket client (a real RFC 6455 client on one asyncio Protocol each), so that
this one test process can hold a thousand of them on a small machine.
"""

import asyncio
import collections
import time

from bench.loadgen.lean import JOIN_TIMEOUT_S, LeanPlenumMember
from server.settings import Settings
from tests.redis.workers import Workers

PEOPLE = 1000
# Each person waits up to JOIN_TIMEOUT_S for a welcome; the whole storm a little longer.
STORM_TIMEOUT_S = JOIN_TIMEOUT_S + 30.0
# The lease, heartbeat and command timings a forum runs with, not the rig's short ones (which
# make takeovers quick to test); room for everyone.
AS_DEPLOYED = {
    "PLENUM_LEASE_TTL_S": str(Settings.lease_ttl_s),
    "PLENUM_WORKER_TTL_S": str(Settings.worker_ttl_s),
    "PLENUM_COMMAND_TIMEOUT_S": str(Settings.command_timeout_s),
    "PLENUM_MAX_PARTICIPANTS": str(PEOPLE),
}


def _why(failure: BaseException) -> str:
    if isinstance(failure, TimeoutError):
        return f"no welcome in {JOIN_TIMEOUT_S:g} s"
    # A refusal reads "<name>: <code>: <message>"; alike ones count together without the name.
    return f"{type(failure).__name__}: {str(failure).partition(': ')[2] or failure}"


def _deaf(text: str, now: float) -> None:
    """The people of this test only join: chat they would hear is not what is tested."""


async def test_a_thousand_simultaneous_hellos_across_two_workers_are_all_welcomed(
    workers: Workers,
) -> None:
    pair = [workers.start(**AS_DEPLOYED), workers.start(**AS_DEPLOYED)]
    meeting = await pair[0].server.create_meeting("Forum Miasta")
    people = [
        LeanPlenumMember(pair[i % 2].ws_url, meeting["invite_token"], f"Osoba {i:04}", _deaf)
        for i in range(PEOPLE)
    ]
    started = time.monotonic()
    try:
        async with asyncio.timeout(STORM_TIMEOUT_S):
            outcomes = await asyncio.gather(*(p.join() for p in people), return_exceptions=True)
        took = time.monotonic() - started
        failures = collections.Counter(
            _why(o) for o in outcomes if isinstance(o, BaseException)
        )
        assert not failures, (
            f"{sum(failures.values())} of {PEOPLE} not welcomed ({took:.1f} s): "
            f"{failures.most_common(5)}"
        )
    finally:
        await asyncio.gather(*(p.leave() for p in people), return_exceptions=True)
