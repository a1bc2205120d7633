"""A request to another worker over pub/sub, and the wait for its reply.

The request goes to the channel of whoever serves it, carrying its id and the asking worker;
the reply comes back on a channel of the asker, whose handler reads it and calls `answered`.
Pub/sub delivers at most once and to whoever listens right now: nobody listening, a reply that
never comes, or Redis gone, and the asker hears None (and may ask again, with the same id).
"""

import asyncio
from typing import Generic, TypeVar

from redis.exceptions import RedisError

from server.cluster.presence import WorkerPresence

R = TypeVar("R")


class Requests(Generic[R]):
    """The requests this worker has sent and waits on, by id; `R` is what a reply reads as."""

    def __init__(self, presence: WorkerPresence, timeout_s: float) -> None:
        self._presence = presence
        self._timeout_s = timeout_s
        self._pending: dict[str, asyncio.Future[R]] = {}

    async def ask(self, channel: str, request: str, data: bytes) -> R | None:
        """Publish `data` (the request `request`) on `channel`; its reply, or None if nobody
        listens there or answers within the timeout."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending[request] = future
        try:
            if await self._presence.publish(channel, data) == 0:
                return None
            return await asyncio.wait_for(asyncio.shield(future), self._timeout_s)
        except (TimeoutError, RedisError, OSError):
            return None
        finally:
            self._pending.pop(request, None)

    def answered(self, request: str, reply: R) -> None:
        """The reply to `request` came: its asker, if it still waits, gets it."""
        future = self._pending.get(request)
        if future is not None and not future.done():
            future.set_result(reply)
