"""A meeting deleted through Redis: on worker A, while someone is connected to worker B, with a
secret poll's ballot box and a media-free meeting's every key in Redis. B closes its socket with
`MEETING_DELETED`, B's API says the meeting does not exist, its links are refused on every
worker, and nothing of it is left in Redis but the lease that keeps any writer from storing it
again."""

import asyncio
from typing import Any

from server.protocol.close_codes import CloseCode
from tests.e2e.wsclient import Client, ServerError
from tests.harness import api
from tests.harness.processes import ADMIN_TOKEN
from tests.redis.test_redis_secret_ballot import COMMAND_TIMEOUT_S, a_secret, open_secret_poll
from tests.redis.workers import Worker, Workers

TIMEOUT_S = 10.0


async def organiser(worker: Worker, method: str, path: str) -> tuple[int, Any]:
    base_url = worker.server.base_url
    return await asyncio.to_thread(api.as_organiser, method, base_url, path, ADMIN_TOKEN)


async def test_a_meeting_deleted_on_one_worker_is_gone_from_every_worker_and_from_redis(
    workers: Workers,
) -> None:
    a, b = workers.start(), workers.start()
    meeting = await a.server.create_meeting("Forum do usunięcia")
    kept = await a.server.create_meeting("Forum, które zostaje")
    gone = meeting["id"]
    moderator = await Client.join(b.ws_url, meeting["moderator_token"], "Moderatorka")
    ala = await Client.join(b.ws_url, meeting["invite_token"], "Ala")
    # In the other meeting on A: her joining is in its log, after its snapshot.
    ewa = await Client.join(a.ws_url, kept["invite_token"], "Ewa")
    try:
        # A secret poll with a ballot in its box: keys of the meeting beyond its own.
        poll = await open_secret_poll(moderator, [ala])
        ballot = {"poll": poll, "choices": [0], "secret": a_secret()}
        await ala.command("cast_ballot", COMMAND_TIMEOUT_S, **ballot)
        assert workers.redis is not None
        assert workers.redis.keys(f"plenum:m:{gone}:poll:*")
        status, listed = await organiser(b, "GET", "/api/meetings")
        assert status == 200
        # The kept meeting is read from Redis (B hosts no replica of it), the other from B's.
        present = {m["id"]: m["present"] for m in listed["meetings"]}
        assert present == {gone: 2, kept["id"]: 1}

        status, _ = await organiser(a, "DELETE", f"/api/meetings/{gone}")

        assert status == 204
        assert await ala.wait_closed(TIMEOUT_S) == CloseCode.MEETING_DELETED
        assert await moderator.wait_closed(TIMEOUT_S) == CloseCode.MEETING_DELETED
    finally:
        await ala.close()
        await moderator.close()
        await ewa.close()

    for worker in (a, b):
        status, answer = await organiser(worker, "GET", f"/api/meetings/{gone}")
        assert (status, answer) == (
            404,
            {"error": "no_meeting", "message": "this meeting does not exist here"},
        )
        try:
            await Client.join(worker.ws_url, meeting["invite_token"], "Bo")
        except ServerError as refused:
            assert refused.code == "no_meeting"
        else:
            raise AssertionError("a deleted meeting's link still joins")
        status, listed = await organiser(worker, "GET", "/api/meetings")
        assert [m["id"] for m in listed["meetings"]] == [kept["id"]]
    # Only the lease is left, holding off any writer until the retention runs out.
    redis = workers.redis
    assert redis.keys(f"plenum:m:{gone}:*") == {f"plenum:m:{gone}:lease"}
    assert redis.cli("GET", f"plenum:m:{gone}:lease") == "deleted"
    assert redis.cli("SISMEMBER", "plenum:meetings", gone) == "0"
    assert (await organiser(b, "DELETE", f"/api/meetings/{gone}"))[0] == 404
    # The other meeting goes on.
    ola = await Client.join(b.ws_url, kept["invite_token"], "Ola")
    await ola.close()

    # Meetings stored before Redis kept their index (an upgrade) are listed once a worker starts.
    redis.cli("DEL", "plenum:meetings")
    upgraded = workers.start()
    status, listed = await organiser(upgraded, "GET", "/api/meetings")
    assert [m["id"] for m in listed["meetings"]] == [kept["id"]]
