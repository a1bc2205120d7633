"""Session messages to other workers, sent by one task so that each arrives in the order posted:
a client's answer before the server's next offer, a session's end after its last request."""

import asyncio
import logging

from redis.exceptions import RedisError

from server.cluster.keys import media_channel
from server.cluster.presence import WorkerPresence
from server.rtc.placement.messages import SessionMessage, encode

log = logging.getLogger("plenum.media")


class Outbox:
    def __init__(self, presence: WorkerPresence) -> None:
        self._presence = presence
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()

    def post(self, worker: str, message: SessionMessage) -> None:
        """Send `message` to `worker`, after everything posted before it; never waits."""
        self._queue.put_nowait((media_channel(worker), encode(message)))

    async def send(self) -> None:
        """Send what is posted, as long as it runs."""
        while True:
            channel, data = await self._queue.get()
            try:
                await self._presence.publish(channel, data)
            except (RedisError, OSError) as error:
                log.warning("media message to %s lost: %s", channel, error)
