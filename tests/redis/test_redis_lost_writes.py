"""Redis may lose its last second of writes (a host crash with `appendfsync everysec`).

The writer still holds the meeting in memory, with the events Redis lost. It must notice the
hole at its next write and bridge it with a snapshot, so that a worker opening the meeting
afresh starts from that snapshot instead of stopping at the first missing event.
"""

from tests.e2e.wsclient import Client
from tests.harness.redis_server import RedisServer
from tests.redis.people import moderating
from tests.redis.seen import meeting_seen_by
from tests.redis.workers import Workers

COMMAND_TIMEOUT_S = 5.0
RESYNC = 4006
# Resubscribing after the cut (backing off up to 2 s), on a loaded machine.
RESYNC_WITHIN_S = 15.0
BEHIND = "behind-worker"


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


async def test_a_worker_that_missed_the_lost_writes_goes_on_from_the_snapshot(
    workers: Workers, redis_server: RedisServer
) -> None:
    writer = workers.start()
    # A worker on a Redis user of its own, so that it alone can be cut off from the events.
    redis_server.cli("ACL", "SETUSER", BEHIND, "on", ">secret", "~*", "&*", "+@all")
    behind = workers.start(REDIS_URL=f"redis://{BEHIND}:secret@127.0.0.1:{redis_server.port}/0")
    meeting = await writer.server.create_meeting("Forum Miasta")
    stored = f"plenum:m:{meeting['id']}:"
    async with moderating(meeting, writer) as moderator:
        guest = await Client.join(behind.ws_url, meeting["invite_token"], "Gość")
        try:
            await moderator.command("send_chat", COMMAND_TIMEOUT_S, text="pierwsza")
            await guest.wait_for_event("chat_posted", COMMAND_TIMEOUT_S, text="pierwsza")

            # It hears nothing while the log gets a hole that the writer bridges.
            redis_server.cli("ACL", "SETUSER", BEHIND, "resetchannels", "&plenum:w:*")
            await moderator.command("send_chat", COMMAND_TIMEOUT_S, text="druga")
            before_the_crash = redis_server.remember(
                redis_server.keys(f"{stored}*") - {f"{stored}lease"}
            )
            for text in ("trzecia", "czwarta"):
                await moderator.command("send_chat", COMMAND_TIMEOUT_S, text=text)
            redis_server.roll_back(before_the_crash)
            await moderator.command("send_chat", COMMAND_TIMEOUT_S, text="piąta")
            redis_server.cli("ACL", "SETUSER", BEHIND, "allchannels")

            # The log cannot bring it up to date: it starts again from the snapshot, and its
            # clients resume to get it.
            assert await guest.wait_closed(RESYNC_WITHIN_S) == RESYNC
            await guest.close()
            await guest.reconnect()
            texts = [c.text for c in meeting_seen_by(guest).chat]
            assert texts == ["pierwsza", "druga", "trzecia", "czwarta", "piąta"]
            await moderator.command("send_chat", COMMAND_TIMEOUT_S, text="szósta")
            await guest.wait_for_event("chat_posted", COMMAND_TIMEOUT_S, text="szósta")
        finally:
            await guest.close()
