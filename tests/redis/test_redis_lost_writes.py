"""Redis may lose its last second of writes (a host crash with `appendfsync everysec`).

The writer still holds the meeting in memory, with the events Redis lost. It must notice the
hole at its next write and bridge it with a snapshot, so that a worker opening the meeting
afresh starts from that snapshot instead of stopping at the first missing event.
"""

from tests.e2e.wsclient import Client
from tests.redis.people import moderating
from tests.redis.redis_server import RedisServer
from tests.redis.seen import meeting_seen_by
from tests.redis.workers import Workers

COMMAND_TIMEOUT_S = 5.0


async def test_a_worker_opening_the_meeting_after_lost_writes_is_not_stuck(
    workers: Workers, redis_server: RedisServer
) -> None:
    writer = workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    stored = f"plenum:m:{meeting['id']}:"
    async with moderating(meeting, writer) as moderator:
        for text in ("pierwsza", "druga"):
            await moderator.command("send_chat", COMMAND_TIMEOUT_S, text=text)
        # Everything of the meeting but its lease, which names the same writer all along.
        kept = redis_server.keys(f"{stored}*") - {f"{stored}lease"}
        before_the_crash = redis_server.remember(kept)
        for text in ("trzecia", "czwarta", "piąta"):
            await moderator.command("send_chat", COMMAND_TIMEOUT_S, text=text)

        redis_server.roll_back(before_the_crash)
        await moderator.command("send_chat", COMMAND_TIMEOUT_S, text="szósta")

        late = workers.start()
        guest = await Client.join(late.ws_url, meeting["invite_token"], "Spóźniona")
        try:
            texts = [c.text for c in meeting_seen_by(guest).chat]
            assert texts == ["pierwsza", "druga", "trzecia", "czwarta", "piąta", "szósta"]
            await guest.command("send_chat", COMMAND_TIMEOUT_S, text="Dzień dobry")
            await moderator.wait_for_event("chat_posted", COMMAND_TIMEOUT_S, text="Dzień dobry")
            await moderator.command("send_chat", COMMAND_TIMEOUT_S, text="Witamy")
            await guest.wait_for_event("chat_posted", COMMAND_TIMEOUT_S, text="Witamy")
        finally:
            await guest.close()
    assert "lost" in writer.printed()
