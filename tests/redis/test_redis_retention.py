"""A meeting left alone expires from Redis after the retention period, on every worker."""


import pytest

from tests.e2e.wsclient import Client, ServerError
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
    meeting = await worker.server.create_meeting("Forum Miasta 2026")
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
