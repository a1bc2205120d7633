"""Meetings shared by every worker through Redis: one writer per meeting, the rest follow.

Every worker that has clients in a meeting keeps a replica of it. The worker holding the
meeting's lease is its only writer: it decides each command's events with the core, stores them
in the meeting's log and publishes them in one atomic script, then applies them. The others
forward their clients' commands to it and apply the events it publishes; pub/sub delivers at most
once, so a replica that sees a gap in the sequence reads what it missed from the log. When the
writer dies its lease runs out and another worker takes the meeting over from the log. Deadlines
are in the state, so the workshops' clock goes on. See `server.redis_keys` for the layout.
"""

import asyncio
import contextlib
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgpack
import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from rooms import Meeting, MeetingId, MeetingState, ParticipantId, Reason, Rejected, Stamped
from rooms import commands as cmd
from rooms.records import from_plain, to_plain
from server import redis_keys as rk
from server.clock import Clock
from server.close_codes import CloseCode
from server.hub import HostedMeeting, Unavailable
from server.settings import Settings
from server.steward import Steward

log = logging.getLogger("plenum.redis")

# Requests remembered by a writer, so a command forwarded again after a timeout is not applied
# twice (chat twice, say); also read back from the log on a takeover.
REMEMBERED_REQUESTS = 2000


class NotOwner(Exception):
    """This worker lost the meeting's lease: another one writes it now."""


@dataclass(frozen=True)
class Forwarded:
    """A command a worker forwards to the meeting's writer, and where to answer."""

    request: str
    worker: str
    actor: ParticipantId | None
    command: cmd.Command


@dataclass(frozen=True)
class Reply:
    request: str
    seq: int | None = None
    reason: str | None = None
    detail: str | None = None


async def _cancel(task: asyncio.Task[None], patience_s: float = 2.0) -> None:
    """Cancel a task and wait for it, cancelling again if something inside swallowed it once.

    redis-py's asyncio client can absorb a cancellation in flight (redis-py #2028), so one
    `cancel()` is not always the end of a loop.
    """
    if task is asyncio.current_task():
        return  # a task stopping its own meeting ends by returning
    deadline = asyncio.get_running_loop().time() + patience_s
    while not task.done() and asyncio.get_running_loop().time() < deadline:
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    if task.done() and not task.cancelled():
        task.exception()  # retrieved, so it is not reported as never retrieved


@dataclass(frozen=True)
class LogEntry:
    """One event as the meeting's log holds it, with the request that caused it."""

    stamped: Stamped
    request: str

    @classmethod
    def parse(cls, fields: object) -> "LogEntry":
        assert isinstance(fields, dict), "a stream entry is a map of fields"
        request = fields.get(b"r", b"")
        return cls(
            from_plain(Stamped, unpack(_as_bytes(fields[b"e"]))), _as_bytes(request).decode()
        )


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"expected bytes from redis, got {type(value).__name__}")


def pack(value: object) -> bytes:
    return msgpack.packb(to_plain(value), use_bin_type=True)  # type: ignore[no-any-return]


def unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


class RedisHub:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.worker = secrets.token_hex(6)
        self.redis: aioredis.Redis = aioredis.from_url(settings.redis_url)
        self._meetings: dict[MeetingId, SharedMeeting] = {}
        self._opening: dict[MeetingId, asyncio.Task[SharedMeeting | None]] = {}
        self._pending: dict[str, asyncio.Future[Reply]] = {}
        self._channels: dict[str, Callable[[bytes], None]] = {}
        self._pubsub: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        # Workers whose sign of life this one found missing, and since when (its own clock).
        self._missing_since: dict[str, float] = {}
        self._commit = self.redis.register_script(rk.COMMIT)
        self._renew = self.redis.register_script(rk.RENEW)
        self._store_snapshot = self.redis.register_script(rk.STORE_SNAPSHOT)
        self._release = self.redis.register_script(rk.RELEASE)
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
            await _cancel(task)
        await self.redis.aclose()

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
        state = from_plain(MeetingState, unpack(_as_bytes(stored)))
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
                while not self._stopping:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "message":
                        continue
                    channel = message["channel"]
                    handler = self._channels.get(
                        channel.decode() if isinstance(channel, bytes) else channel
                    )
                    if handler is not None:
                        handler(message["data"])
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

    async def _heartbeat(self) -> None:
        ttl_ms = int(self.settings.worker_ttl_s * 1000)
        while not self._stopping:
            with contextlib.suppress(RedisError, OSError):
                await self.redis.set(rk.alive_key(self.worker), b"1", px=ttl_ms)
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
        async with self.redis.pipeline(transaction=False) as pipe:
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


class SharedMeeting(HostedMeeting):
    """One meeting on one worker: a replica that follows the writer, or the writer itself."""

    def __init__(self, hub: RedisHub, meeting: Meeting, keys: rk.MeetingKeys) -> None:
        super().__init__(meeting, hub.settings.event_log)
        self.hub = hub
        self.keys = keys
        self.owner = False
        settings = hub.settings
        self._write_lock = asyncio.Lock()
        self._catching_up: asyncio.Task[None] | None = None
        # Set when a batch arrived during a catch-up, which must then read the log once more.
        self._behind = False
        self._stopping = False
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._requests: OrderedDict[str, Reply] = OrderedDict()
        self._since_snapshot = 0
        self._lease_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.steward = Steward(
            meeting, lambda c: self.submit(None, c), hub.clock, settings.ghost_grace_s
        )

    def start(self) -> None:
        self._lease_task = asyncio.create_task(self._hold_lease())

    async def stop(self) -> None:
        self._stopping = True
        self.steward.stop()
        if self._lease_task is not None:
            await _cancel(self._lease_task)
        for task in list(self._tasks):
            await _cancel(task)
        if self.owner:
            with contextlib.suppress(RedisError, OSError):
                await self.hub._release(keys=[self.keys.lease], args=[self.hub.worker])
        self.owner = False

    # What the signalling endpoint uses ---------------------------------------------------------

    async def submit(self, actor: ParticipantId | None, command: cmd.Command) -> int:
        try:
            if isinstance(command, cmd.Join | cmd.Rejoin):
                # Recorded before the command, so the writer never sees a connected
                # participant without knowing which worker holds it.
                await self.hub.redis.hset(
                    self.keys.where, rk.participant_field(command.participant), self.hub.worker
                )
        except (RedisError, OSError) as error:
            raise Unavailable(f"redis: {error}") from error
        if isinstance(command, cmd.Disconnect) and not await self._here(command.participant):
            # The participant came back through another worker before this socket closed.
            return self.meeting.state.seq
        seq = await self._deliver_to_writer(actor, command)
        if isinstance(command, cmd.Disconnect):
            with contextlib.suppress(RedisError, OSError):
                await self.hub._forget_where(
                    keys=[self.keys.where],
                    args=[rk.participant_field(command.participant), self.hub.worker],
                )
        return seq

    async def _deliver_to_writer(self, actor: ParticipantId | None, command: cmd.Command) -> int:
        """Write the command here, or forward it to the writer, until one answers or time's up.

        The request id stays the same on every try, so the writer applies it at most once.
        """
        request = secrets.token_hex(8)
        settings = self.hub.settings
        deadline = self.hub.clock() + settings.command_timeout_s + 2 * settings.lease_ttl_s
        retry_s = 0.02
        while True:
            try:
                if self.owner:
                    return await self._write(actor, command, request, deadline)
                forwarded = Forwarded(request, self.hub.worker, actor, command)
                reply = await self.hub.forward(self.keys.commands, forwarded)
                if reply is not None:
                    if reply.reason is not None:
                        raise Rejected(Reason(reply.reason), reply.detail or "")
                    assert reply.seq is not None
                    await self._reached(reply.seq)
                    return reply.seq
                await self._contend()
            except (NotOwner, RedisError, OSError) as error:
                log.info("meeting %s: %s; trying again", self.meeting.state.id, error)
            if self.hub.clock() > deadline:
                raise Unavailable("the meeting's writer did not answer in time")
            await asyncio.sleep(retry_s)
            retry_s = min(retry_s * 2, 0.5)

    async def _here(self, participant: ParticipantId) -> bool:
        try:
            worker = await self.hub.redis.hget(self.keys.where, rk.participant_field(participant))
        except (RedisError, OSError):
            return True
        return worker is None or _as_bytes(worker).decode() == self.hub.worker

    # Following the writer -----------------------------------------------------------------------

    def on_published(self, data: bytes) -> None:
        if self.owner:
            return  # its own events, applied when they were stored
        batch = [from_plain(Stamped, plain) for plain in unpack(data)]
        for stamped in batch:
            if stamped.seq <= self.meeting.state.seq:
                continue
            if stamped.seq == self.meeting.state.seq + 1 and self._catching_up is None:
                self._apply(stamped)
            else:
                self._behind = True
                self.resync()
                return

    def resync(self) -> None:
        """Read what this replica missed from the log, once, in the background."""
        if self._catching_up is None:
            self._catching_up = asyncio.create_task(self._resync())

    async def _resync(self) -> None:
        try:
            # The writer applies its own events as it stores them; reading them back from the
            # log at the same time would apply them twice.
            async with self._write_lock:
                while not self.owner:
                    self._behind = False
                    await self.catch_up()
                    if not self._behind:
                        break
        except (RedisError, OSError) as error:
            log.warning("catching up %s failed: %s", self.meeting.state.id, error)
        finally:
            self._catching_up = None

    async def catch_up(self) -> None:
        entries = await self._read_log_after(self.meeting.state.seq)
        if entries and entries[0].stamped.seq > self.meeting.state.seq + 1:
            await self._reload()
            entries = await self._read_log_after(self.meeting.state.seq)
        for entry in entries:
            if entry.stamped.seq == self.meeting.state.seq + 1:
                self._apply(entry.stamped)

    async def _read_log_after(self, seq: int) -> list["LogEntry"]:
        raw = await self.hub.redis.xrange(self.keys.log, min=rk.log_id(seq + 1), max="+")
        return [LogEntry.parse(fields) for _, fields in raw or []]

    async def _reload(self) -> None:
        """The log no longer reaches back to this replica: start again from the snapshot."""
        stored = await self.hub.redis.get(self.keys.snapshot)
        if stored is None:
            return
        state = from_plain(MeetingState, unpack(_as_bytes(stored)))
        if state.seq <= self.meeting.state.seq:
            return
        self.meeting.state = state
        # Its clients missed events this worker never saw: they resume and get a snapshot.
        self.fanout.close_all(CloseCode.RESYNC, "missed events: resume for a fresh snapshot")
        self._notify()

    def _apply(self, stamped: Stamped) -> None:
        self.meeting.replay(stamped)
        self._pass_on(stamped)
        self._notify()

    def _notify(self) -> None:
        seq = self.meeting.state.seq
        still: list[tuple[int, asyncio.Future[None]]] = []
        for wanted, future in self._waiters:
            if wanted <= seq:
                if not future.done():
                    future.set_result(None)
            else:
                still.append((wanted, future))
        self._waiters = still

    async def _reached(self, seq: int) -> None:
        """Wait until this replica has applied event `seq` (published, or read from the log)."""
        if self.meeting.state.seq >= seq:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((seq, future))
        try:
            await asyncio.wait_for(asyncio.shield(future), self.hub.settings.command_timeout_s)
        except TimeoutError:
            await self.catch_up()
            if self.meeting.state.seq < seq:
                raise Unavailable(f"event {seq} did not arrive") from None

    # Writing ------------------------------------------------------------------------------------

    def on_forwarded(self, data: bytes) -> None:
        forwarded = from_plain(Forwarded, unpack(data))
        task = asyncio.create_task(self._serve(forwarded))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, forwarded: Forwarded) -> None:
        deadline = self.hub.clock() + self.hub.settings.command_timeout_s
        try:
            seq = await self._write(forwarded.actor, forwarded.command, forwarded.request, deadline)
            reply = Reply(forwarded.request, seq=seq)
        except Rejected as rejected:
            reply = Reply(forwarded.request, reason=rejected.reason, detail=rejected.detail)
        except (NotOwner, Unavailable, RedisError, OSError):
            return  # no answer: the sender tries again, and finds the new writer
        await self.hub.reply(forwarded.worker, reply)

    async def _write(
        self, actor: ParticipantId | None, command: cmd.Command, request: str, deadline: float
    ) -> int:
        async with self._write_lock:
            if not self.owner:
                raise NotOwner
            earlier = self._requests.get(request)
            if earlier is not None:
                if earlier.reason is not None:
                    raise Rejected(Reason(earlier.reason), earlier.detail or "")
                assert earlier.seq is not None
                return earlier.seq
            try:
                stamped = self.meeting.decide(actor, command, self.hub.clock())
            except Rejected as rejected:
                self._remember(Reply(request, reason=rejected.reason, detail=rejected.detail))
                raise
            if stamped:
                await self._store(stamped, request, deadline)
                for one in stamped:
                    self._apply(one)
            self._remember(Reply(request, seq=self.meeting.state.seq))
            self.steward.reschedule()
            self._since_snapshot += len(stamped)
            if self._since_snapshot >= self.hub.settings.snapshot_every:
                await self._snapshot()
            return self.meeting.state.seq

    async def _store(self, stamped: list[Stamped], request: str, deadline: float) -> None:
        settings = self.hub.settings
        args: list[Any] = [
            self.hub.worker,
            self.keys.events,
            settings.event_log,
            int(settings.retention_s * 1000),
            request,
            msgpack.packb([to_plain(s) for s in stamped], use_bin_type=True),
        ]
        for one in stamped:
            args += [rk.log_id(one.seq), pack(one)]
        keys = [self.keys.lease, self.keys.log, self.keys.snapshot, self.keys.where]
        backoff = 0.05
        while True:
            try:
                await self.hub._commit(keys=keys, args=args)
                return
            except ResponseError as error:
                # Not the writer any more, or event n already stored by another: step down.
                log.warning("meeting %s: %s", self.meeting.state.id, error)
                await self._step_down()
                raise NotOwner from error
            except (RedisError, OSError) as error:
                if not self.owner:
                    raise NotOwner from error
                if self.hub.clock() > deadline:
                    raise Unavailable(f"redis: {error}") from error
                log.warning("storing events failed (%s); retrying in %.2f s", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)

    def _remember(self, reply: Reply) -> None:
        self._requests[reply.request] = reply
        while len(self._requests) > REMEMBERED_REQUESTS:
            self._requests.popitem(last=False)

    async def _snapshot(self) -> None:
        self._since_snapshot = 0
        with contextlib.suppress(RedisError, OSError):
            await self.hub._store_snapshot(
                keys=[self.keys.lease, self.keys.snapshot],
                args=[
                    self.hub.worker,
                    pack(self.meeting.state),
                    int(self.hub.settings.retention_s * 1000),
                ],
            )

    # The lease ----------------------------------------------------------------------------------

    async def _hold_lease(self) -> None:
        interval = self.hub.settings.lease_ttl_s / 3
        while not self._stopping:
            try:
                if self.owner:
                    if not await self._renewed():
                        await self._step_down()
                    elif not await self.hub.redis.exists(self.keys.snapshot):
                        # Nothing happened for `retention_s`: Redis let the meeting go.
                        await self.hub.forget(self)
                        return
                    else:
                        await self._check_presence()
                        # Picks the clock up again if a tick failed while Redis was away.
                        self.steward.reschedule()
                else:
                    await self._contend()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                log.warning("lease of %s: %s", self.meeting.state.id, error)
            await asyncio.sleep(interval)

    async def _renewed(self) -> bool:
        ttl_ms = int(self.hub.settings.lease_ttl_s * 1000)
        renewed = await self.hub._renew(keys=[self.keys.lease], args=[self.hub.worker, ttl_ms])
        return bool(renewed)

    async def _contend(self) -> None:
        """Take the meeting over if nobody holds its lease."""
        ttl_ms = int(self.hub.settings.lease_ttl_s * 1000)
        won = await self.hub.redis.set(self.keys.lease, self.hub.worker, px=ttl_ms, nx=True)
        if won:
            await self._take_over()

    async def _take_over(self) -> None:
        async with self._write_lock:
            await self.catch_up()
            raw = await self.hub.redis.xrevrange(
                self.keys.log, max="+", min="-", count=REMEMBERED_REQUESTS
            )
            for entry in reversed([LogEntry.parse(fields) for _, fields in raw or []]):
                if entry.request:
                    self._remember(Reply(entry.request, seq=entry.stamped.seq))
            self.owner = True
            await self.hub.listen_to(self.keys.commands, self.on_forwarded)
            log.info("worker %s writes meeting %s", self.hub.worker, self.meeting.state.id)
        await self._snapshot()
        self.steward.reschedule()

    async def _step_down(self) -> None:
        if not self.owner:
            return
        self.owner = False
        self.steward.stop()
        await self.hub.stop_listening(self.keys.commands)
        # If the lease is still ours (we stepped down over a stale log), free it at once.
        with contextlib.suppress(RedisError, OSError):
            await self.hub._release(keys=[self.keys.lease], args=[self.hub.worker])
        self.resync()

    async def _check_presence(self) -> None:
        """Let go of the connections of workers that died: their clients are disconnected."""
        connected = [p.id for p in self.meeting.state.participants.values() if p.connected]
        if not connected:
            return
        where_raw = await self.hub.redis.hgetall(self.keys.where)
        where = {_as_bytes(k).decode(): _as_bytes(v).decode() for k, v in where_raw.items()}
        dead = await self.hub.dead_workers(set(where.values()))
        for participant in connected:
            if where.get(participant) in dead:
                # Not through `submit`: that skips a participant whose socket is elsewhere.
                with contextlib.suppress(Rejected, Unavailable):
                    await self._deliver_to_writer(None, cmd.Disconnect(participant))
