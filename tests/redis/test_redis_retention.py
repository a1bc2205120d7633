"""A meeting left alone expires from Redis after the retention period, on every worker; one
that ends later is kept until its links stop working (its end plus the retention period)."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.wsclient import Client, ServerError
from tests.harness import api
from tests.harness.processes import ADMIN_TOKEN
from tests.harness.redis_server import RedisServer
from tests.harness.waiting import eventually
from tests.redis.people import moderating
from tests.redis.workers import Workers

RETENTION_S = 2
COMMAND_TIMEOUT_S = 5.0
# The retention itself, a lease renewal that notices, and slack for a loaded machine.
GONE_WITHIN_S = RETENTION_S + 5.0


async def test_a_meeting_left_alone_expires_after_the_retention_period(
    workers: Workers, redis_server: RedisServer
) -> None:
    retention = {"PLENUM_RETENTION_S": str(RETENTION_S)}
    worker = workers.start(**retention)
    # A meeting at its end: its data is kept the retention period, no longer.
    ends_at = datetime.now(UTC).isoformat()
    meeting = await worker.server.create_meeting("Forum Miasta 2026", ends_at=ends_at)
    stored = f"plenum:m:{meeting['id']}:"
    async with moderating(meeting, worker) as moderator:
        await moderator.command("send_chat", COMMAND_TIMEOUT_S, text="Do zobaczenia za rok")
        assert {f"{stored}snapshot", f"{stored}log"} <= redis_server.keys(f"{stored}*")
        ttl_ms = int(redis_server.cli("PTTL", f"{stored}log"))
        assert 0 < ttl_ms <= RETENTION_S * 1000

    # Polled: expiry inside Redis sends nothing a test could wait on.
    await eventually(
        lambda: not redis_server.keys(f"{stored}*"),
        GONE_WITHIN_S,
        every=0.1,
        failure=lambda: str(redis_server.keys(f"{stored}*")),
    )

    # Neither the worker that held it nor a new one knows the meeting any more.
    late = workers.start(**retention)
    for where in (worker, late):
        with pytest.raises(ServerError) as refused:
            await Client.join(where.ws_url, meeting["invite_token"], "Spóźniona")
        assert refused.value.code == "no_meeting"


async def test_a_meeting_weeks_away_is_kept_until_its_end_plus_the_retention_period(
    workers: Workers, redis_server: RedisServer
) -> None:
    worker = workers.start(PLENUM_RETENTION_S=str(RETENTION_S))
    ends = datetime.now(UTC) + timedelta(weeks=10)
    title = "Forum za dziesięć tygodni"
    meeting = await worker.server.create_meeting(title, ends_at=ends.isoformat())
    stored = f"plenum:m:{meeting['id']}:"

    def kept_s(key: str) -> float:
        return int(redis_server.cli("PTTL", f"{stored}{key}")) / 1000

    ten_weeks = timedelta(weeks=10).total_seconds()
    assert kept_s("snapshot") > ten_weeks - 60
    async with moderating(meeting, worker) as moderator:
        await moderator.command("send_chat", COMMAND_TIMEOUT_S, text="Do zobaczenia")
        assert kept_s("log") > ten_weeks - 60
        # The organiser moves the end two weeks on: the data is kept that much longer.
        later = (ends + timedelta(weeks=2)).isoformat()
        await asyncio.to_thread(
            api.edit_meeting, worker.server.base_url, meeting["id"], ADMIN_TOKEN, ends_at=later
        )
        await moderator.wait_for(lambda m: m["type"] == "meeting_scheduled")
        assert kept_s("log") > ten_weeks + timedelta(weeks=2).total_seconds() - 60
