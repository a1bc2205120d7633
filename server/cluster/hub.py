"""Meetings shared by every worker through Redis: one writer per meeting, the rest follow.

Every worker that has clients in a meeting keeps a replica of it. The worker holding the
meeting's lease is its only writer: it decides each command's events with the core, stores them
in the meeting's log and publishes them in one atomic script, then applies them. The others
forward their clients' commands to it and apply the events it publishes; pub/sub delivers at most
once, so a replica that sees a gap in the sequence reads what it missed from the log. When the
writer dies its lease runs out and another worker takes the meeting over from the log. Deadlines
are in the state, so the workshops' clock goes on. See `server.cluster.keys` for the layout.
"""

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from rooms import Meeting, MeetingId, MeetingState
from rooms.plain import from_plain
from server.cancelling import cancel_and_wait
from server.clock import Clock
from server.cluster import keys as rk
from server.cluster.messages import Forwarded, Reply, as_bytes, pack, unpack
from server.cluster.shared_meeting import HOLD_LOOP_S, SharedMeeting
from server.settings import Settings
from server.signalling.close_codes import CloseCode

log = logging.getLogger("plenum.redis")

UNREADABLE_LOG_EVERY_S = 60.0


class RedisHub:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.worker = secrets.token_hex(6)
        self.redis = self._client(settings)
        # The writer's duties (storing events, the lease and what its renewal looks at, the
        # heartbeat) have a pool of their own: a crowd's commands never queue in front of them.
        self.duties = self._client(settings)
        self._meetings: dict[MeetingId, SharedMeeting] = {}
        self._opening: dict[MeetingId, asyncio.Task[SharedMeeting | None]] = {}
        self._pending: dict[str, asyncio.Future[Reply]] = {}
        self._channels: dict[str, Callable[[bytes], None]] = {}
        self._pubsub: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        # Workers whose sign of life this one found missing, and since when (its own clock).
        self._missing_since: dict[str, float] = {}
        # Per channel: when the log last said a message there could not be read, and how many
        # were dropped since (said at most once a `UNREADABLE_LOG_EVERY_S`).
        self._unreadable: dict[str, tuple[float, int]] = {}
        self._commit = self.duties.register_script(rk.COMMIT)
        self._renew = self.duties.register_script(rk.RENEW)
        self._store_snapshot = self.duties.register_script(rk.STORE_SNAPSHOT)
        self._release = self.duties.register_script(rk.RELEASE)
        self._forget_where = self.redis.register_script(rk.FORGET_WHERE)

    # Life cycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self._channels[rk.replies_channel(self.worker)] = self._on_reply
        self._tasks.append(asyncio.create_task(self._listen()))
        self._tasks.append(asyncio.create_task(self._heartbeat()))

    async def stop(self) -> None:
        self._stopping = True
        for meeting in self._meetings.values():
            await meeting.stop()
        for task in self._tasks:
            await cancel_and_wait(task)
        await self.redis.aclose()
        await self.duties.aclose()

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

    def __len__(self) -> int:
        return len(self._meetings)

    async def forget(self, meeting: "SharedMeeting") -> None:
        """A meeting that expired: close its clients here and drop it."""
        meeting.fanout.close_all(CloseCode.NO_MEETING, "the meeting has ended")
        self._meetings.pop(meeting.meeting.state.id, None)
        await self._unsubscribe(meeting.keys.events)
        await self._unsubscribe(meeting.keys.commands)
        await meeting.stop()

    # Meetings ---------------------------------------------------------------------------------

    async def create(self, title: str, starts_at: float | None) -> "SharedMeeting":
        meeting_id = MeetingId(secrets.token_urlsafe(9))
        state = MeetingState(id=meeting_id, title=title, starts_at=starts_at)
        keys = rk.MeetingKeys.of(meeting_id)
        retention_ms = int(self.settings.retention_s * 1000)
        await self.redis.set(keys.snapshot, pack(state), px=retention_ms, nx=True)
        opened = await self.open(meeting_id)
        assert opened is not None, "a meeting just stored can be opened"
        return opened

    async def open(self, meeting_id: MeetingId) -> "SharedMeeting | None":
        if meeting_id in self._meetings:
            return self._meetings[meeting_id]
        # Two clients of a meeting new to this worker may arrive at once: load it only once.
        task = self._opening.get(meeting_id)
        if task is None:
            task = asyncio.create_task(self._load(meeting_id))
            self._opening[meeting_id] = task
            task.add_done_callback(lambda _: self._opening.pop(meeting_id, None))
        return await asyncio.shield(task)

    async def _load(self, meeting_id: MeetingId) -> "SharedMeeting | None":
        keys = rk.MeetingKeys.of(meeting_id)
        stored = await self.redis.get(keys.snapshot)
        if stored is None:
            return None
        state = from_plain(MeetingState, unpack(as_bytes(stored)))
        shared = SharedMeeting(self, Meeting(state, self.settings.meeting), keys)
        self._channels[keys.events] = shared.on_published
        await self._subscribe(keys.events)
        await shared.catch_up()
        self._meetings[meeting_id] = shared
        shared.start()
        return shared

    # Channels ---------------------------------------------------------------------------------

    async def _subscribe(self, channel: str) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.subscribe(channel)

    async def _unsubscribe(self, channel: str) -> None:
        self._channels.pop(channel, None)
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(channel)

    async def listen_to(self, channel: str, handler: Callable[[bytes], None]) -> None:
        self._channels[channel] = handler
        await self._subscribe(channel)

    async def stop_listening(self, channel: str) -> None:
        await self._unsubscribe(channel)

    async def _listen(self) -> None:
        """Read every channel of this worker; after a lost connection, resubscribe and catch up."""
        backoff = 0.1
        while not self._stopping:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(*self._channels)
                self._pubsub = pubsub
                # After an outage every worker's sign of life may have lapsed: judge afresh.
                self._missing_since.clear()
                for meeting in self._meetings.values():
                    meeting.resync()
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
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
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

    async def _heartbeat(self) -> None:
        ttl_ms = int(self.settings.worker_ttl_s * 1000)
        while not self._stopping:
            with contextlib.suppress(RedisError, OSError):
                await self.duties.set(rk.alive_key(self.worker), b"1", px=ttl_ms)
            await asyncio.sleep(self.settings.worker_ttl_s / 3)

    # Forwarding -------------------------------------------------------------------------------

    async def forward(self, channel: str, forwarded: Forwarded) -> Reply | None:
        """Send a command to the meeting's writer; None if nobody answered in time."""
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._pending[forwarded.request] = future
        try:
            listeners = await self.redis.publish(channel, pack(forwarded))
            if listeners == 0:
                return None
            return await asyncio.wait_for(asyncio.shield(future), self.settings.command_timeout_s)
        except (TimeoutError, RedisError, OSError):
            return None
        finally:
            self._pending.pop(forwarded.request, None)

    def _on_reply(self, data: bytes) -> None:
        reply = from_plain(Reply, unpack(data))
        future = self._pending.get(reply.request)
        if future is not None and not future.done():
            future.set_result(reply)

    async def reply(self, worker: str, reply: Reply) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.redis.publish(rk.replies_channel(worker), pack(reply))

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
