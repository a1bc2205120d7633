"""This worker's presence on Redis: its clients, its id, the channels it reads, its heartbeat.

Both the hub of shared meetings and media placement stand on it. The worker reads every channel
it listens to through one pub/sub connection, and hands each message to that channel's handler;
after a lost connection it subscribes again and tells whoever asked (`on_reconnected`), since
messages were missed meanwhile. Its sign of life is a key with a TTL it keeps renewing; another
worker is taken for dead once that key has been missing for a whole TTL.
"""

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from server.cancelling import cancel_and_wait
from server.clock import Clock
from server.cluster import keys as rk
from server.meetings.replay import HOLD_LOOP_S
from server.settings import Settings

log = logging.getLogger("plenum.redis")


UNREADABLE_LOG_EVERY_S = 60.0


class WorkerPresence:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.worker = secrets.token_hex(6)
        self.redis = self._client(settings)
        # The writer's duties (storing events, the lease and what its renewal looks at, the
        # heartbeat) have a pool of their own: a crowd's commands never queue in front of them.
        self.duties = self._client(settings)
        self.scripts = rk.Scripts.register(self.redis, self.duties)
        # Called after the channels are subscribed again: what was published meanwhile is lost.
        self.on_reconnected: list[Callable[[], None]] = []
        self._channels: dict[str, Callable[[bytes], None]] = {}
        self._pubsub: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        # Workers whose sign of life this one found missing, and since when (its own clock).
        self._missing_since: dict[str, float] = {}
        # Per channel: when the log last said a message there could not be read, and how many
        # were dropped since (said at most once a `UNREADABLE_LOG_EVERY_S`).
        self._unreadable: dict[str, tuple[float, int]] = {}

    @staticmethod
    def _client(settings: Settings) -> aioredis.Redis:
        # A blocking pool: a burst of commands (a whole forum joining at once) waits its turn for
        # a connection; redis-py's default pool refuses the 101st with "Too many connections".
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.redis_url,
            max_connections=settings.redis_pool,
            timeout=settings.redis_pool_wait_s,
        )
        return aioredis.Redis.from_pool(pool)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._listen()))
        self._tasks.append(asyncio.create_task(self._heartbeat()))

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            await cancel_and_wait(task)
        await self.redis.aclose()
        await self.duties.aclose()

    # Channels ---------------------------------------------------------------------------------

    async def listen_to(self, channel: str, handler: Callable[[bytes], None]) -> None:
        """Hand every message on `channel` to `handler`, which raises on one it cannot read."""
        self._channels[channel] = handler
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.subscribe(channel)

    async def stop_listening(self, channel: str) -> None:
        self._channels.pop(channel, None)
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(channel)

    async def publish(self, channel: str, data: bytes) -> int:
        """How many workers listen on `channel`; raises `RedisError` or `OSError`."""
        return int(await self.redis.publish(channel, data))

    async def _listen(self) -> None:
        """Read every channel of this worker; after a lost connection, resubscribe and catch up."""
        backoff = 0.1
        while not self._stopping:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                subscribed = list(self._channels)
                await pubsub.subscribe(*subscribed)
                self._pubsub = pubsub
                # A channel `listen_to` added while that subscribe was on its way found no pub/sub
                # to subscribe on: subscribe it now, or its messages would never come.
                late = [channel for channel in self._channels if channel not in subscribed]
                if late:
                    await pubsub.subscribe(*late)
                # After an outage every worker's sign of life may have lapsed: judge afresh.
                self._missing_since.clear()
                for reconnected in self.on_reconnected:
                    reconnected()
                backoff = 0.1
                resumed = time.monotonic()
                while not self._stopping:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "message":
                        continue
                    self._dispatch(message["channel"], message["data"])
                    # Messages already buffered are read without a pause: a backlog (a forum
                    # joining at once) would hold the loop for seconds, and the lease with it.
                    if time.monotonic() - resumed > HOLD_LOOP_S:
                        await asyncio.sleep(0)
                        resumed = time.monotonic()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                log.warning("redis pub/sub lost (%s); reconnecting in %.1f s", error, backoff)
            finally:
                self._pubsub = None
                with contextlib.suppress(Exception):
                    # Typed from redis 8.2 on, untyped before: the cast holds for both.
                    await cast("Callable[[], Awaitable[None]]", pubsub.aclose)()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)

    def _dispatch(self, channel: bytes | str, data: bytes) -> None:
        """Hand a message to its channel's handler; one that cannot be read is dropped.

        This is the worker's only reader of every channel: a message from a newer worker (a
        rolling deploy) or anyone else who can publish must not end it. A flood of them is
        said once a `UNREADABLE_LOG_EVERY_S` per channel, with how many were dropped.
        """
        name = channel.decode() if isinstance(channel, bytes) else channel
        handler = self._channels.get(name)
        if handler is None:
            return
        try:
            handler(data)
        except Exception:
            now = self.clock()
            said_at, dropped = self._unreadable.get(name, (None, 0))
            if said_at is not None and now - said_at < UNREADABLE_LOG_EVERY_S:
                self._unreadable[name] = (said_at, dropped + 1)
                return
            self._unreadable[name] = (now, 0)
            log.exception(
                "a message on %s could not be read and was dropped (and %d more since the last"
                " such line)",
                name,
                dropped,
            )

    # Signs of life ----------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        ttl_ms = int(self.settings.worker_ttl_s * 1000)
        while not self._stopping:
            with contextlib.suppress(RedisError, OSError):
                await self.duties.set(rk.alive_key(self.worker), b"1", px=ttl_ms)
            await asyncio.sleep(self.settings.worker_ttl_s / 3)

    async def alive(self, worker: str) -> bool:
        """Whether the worker's sign of life is there now; True when Redis cannot say."""
        try:
            return bool(await self.redis.exists(rk.alive_key(worker)))
        except (RedisError, OSError):
            return True

    async def dead_workers(self, workers: set[str]) -> set[str]:
        """The workers among these whose sign of life has been missing for a whole TTL.

        One missing key is not enough (Redis may just have come back): a worker is dead when this
        one has seen it missing for `worker_ttl_s`. This worker is never dead to itself.
        """
        others = sorted(workers - {self.worker})
        if not others:
            return set()
        async with self.duties.pipeline(transaction=False) as pipe:
            for worker in others:
                pipe.exists(rk.alive_key(worker))
            flags = await pipe.execute()
        now = self.clock()
        dead = set()
        for worker, alive in zip(others, flags, strict=True):
            if alive:
                self._missing_since.pop(worker, None)
                continue
            since = self._missing_since.setdefault(worker, now)
            if now - since >= self.settings.worker_ttl_s:
                dead.add(worker)
        return dead
