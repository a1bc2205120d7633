"""Everyone closing their tab at once: the grace periods end together and the writer holds.

A forum's end (or a network blip) drops a crowd in one moment; after the ghost grace period
every one of them leaves at about the same time. The meeting's writer must let them all go
within a bounded time while it keeps answering everyone else, without its memory or its log
running away.
"""

import asyncio
import contextlib
import time
from pathlib import Path

from tests.e2e.wsclient import Client
from tests.redis.people import crowd, moderating
from tests.redis.workers import Worker, Workers

CROWD = 120
WAVE = 20
GHOST_GRACE_S = 1.0
# Every departure stored one after the other, on a machine loaded by other tests.
ALL_GONE_WITHIN_S = 30.0
# A newcomer in the middle of the departures is answered as any newcomer is.
WELCOMED_WITHIN_S = 5.0
COMMAND_TIMEOUT_S = 5.0
# The writer's memory may grow with the crowd, never with a storm of tasks.
MEMORY_GROWTH_LIMIT_MB = 60.0


def resident_mb(worker: Worker) -> float:
    """The worker's resident memory, as `ps` or `top` shows it to an operator."""
    status = Path(f"/proc/{worker.server.process.pid}/status").read_text()
    line = next(row for row in status.splitlines() if row.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def is_left(message: dict[str, object]) -> bool:
    return message["type"] == "participant_left"


async def test_a_crowd_gone_at_once_leaves_and_the_writer_keeps_answering(
    workers: Workers,
) -> None:
    grace = {"PLENUM_GHOST_GRACE_S": str(GHOST_GRACE_S)}
    writer, other = workers.start(**grace), workers.start(**grace)
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    async with moderating(meeting, writer) as moderator:
        async with contextlib.AsyncExitStack() as stack:
            # Joined in waves: a join storm is another test's matter, this one is about leaving.
            people = [
                person
                for _ in range(CROWD // WAVE)
                for person in await stack.enter_async_context(
                    crowd(meeting, [writer, other], WAVE)
                )
            ]
            await moderator.wait_for_all(
                lambda m: m["type"] == "participant_joined", CROWD, ALL_GONE_WITHIN_S
            )
            memory_before = resident_mb(writer)
            await asyncio.gather(*(person.drop() for person in people))
            dropped_at = time.monotonic()

        # The grace periods end together while someone new arrives and the moderator talks.
        newcomer = await Client.join(
            other.ws_url, meeting["invite_token"], "Nowa", timeout=WELCOMED_WITHIN_S
        )
        try:
            await moderator.command("send_chat", COMMAND_TIMEOUT_S, text="Dziękujemy wszystkim")
            left = await moderator.wait_for_all(is_left, CROWD, ALL_GONE_WITHIN_S)
            drained_s = time.monotonic() - dropped_at
            assert {m["participant"] for m in left} == {p.me for p in people}
            # Once the last one left, the meeting answers at once, and nobody leaves twice.
            await moderator.command("send_chat", COMMAND_TIMEOUT_S, text="Do zobaczenia")
            await newcomer.command("raise_hand", COMMAND_TIMEOUT_S)
            await moderator.wait_for_event("hand_raised", participant=newcomer.me)
            assert len(moderator.of_type("participant_left")) == CROWD
        finally:
            await newcomer.close()
    growth = resident_mb(writer) - memory_before
    print(f"{CROWD} gone in {drained_s:.1f} s; the writer's memory grew {growth:.1f} MB")
    assert growth < MEMORY_GROWTH_LIMIT_MB
    for worker in (writer, other):
        printed = worker.printed()
        assert printed.count("Traceback") == 0, printed[-3000:]
