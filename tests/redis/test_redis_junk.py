"""A message no worker can read, on a channel workers listen to, is dropped and the rest go on.

During a rolling deploy a newer worker may publish what an older one does not know (a new
command type, say). Each worker reads all its channels through one pub/sub connection: one
unreadable message must cost that message only, and be said once in the log, not per message.
"""

from tests.harness.redis_server import RedisServer
from tests.redis.people import crowd, moderating
from tests.redis.workers import Workers

JUNK = (b"\xc1", b"not msgpack at all", b"\x81\xa4type\xa9new_thing")
ROUNDS = 5
COMMAND_TIMEOUT_S = 5.0
IGNORED = "could not be read"


async def test_junk_on_the_channels_costs_nothing_but_itself(
    workers: Workers, redis_server: RedisServer
) -> None:
    writer, follower = workers.start(), workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    channels = [
        f"plenum:m:{meeting['id']}:events",
        f"plenum:m:{meeting['id']}:commands",
        *(f"plenum:w:{w.id}:replies" for w in (writer, follower)),
    ]
    async with (
        moderating(meeting, writer) as moderator,
        crowd(meeting, [follower], 1) as (guest,),
    ):
        for _ in range(ROUNDS):
            for channel in channels:
                for junk in JUNK:
                    redis_server.cli("PUBLISH", channel, junk.decode("latin-1"))

        # Both ways across the workers: commands answered, events delivered.
        await guest.command("send_chat", COMMAND_TIMEOUT_S, text="Czy mnie słychać?")
        await moderator.wait_for_event("chat_posted", COMMAND_TIMEOUT_S, text="Czy mnie słychać?")
        await moderator.command("send_chat", COMMAND_TIMEOUT_S, text="Tak, słychać")
        await guest.wait_for_event("chat_posted", COMMAND_TIMEOUT_S, text="Tak, słychać")

    # Said once for each channel a worker listens to, not once per message.
    assert 1 <= writer.printed().count(IGNORED) <= 3
    assert 1 <= follower.printed().count(IGNORED) <= 2
