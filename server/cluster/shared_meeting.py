"""One meeting on one worker, with Redis: a replica that follows the writer, or the writer.

See `server.cluster.hub` for the whole picture. It stands on this worker's presence on Redis
(`server.cluster.presence`): its clients, scripts and channels.
"""

import asyncio
import contextlib
import logging
import pickle
import secrets
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgpack
from redis.exceptions import RedisError, ResponseError

from rooms import Meeting, MeetingState, ParticipantId, Reason, Rejected, Stamped
from rooms import commands as cmd
from rooms.plain import from_plain, to_plain
from server.cancelling import cancel_and_wait
from server.cluster import keys as rk
from server.cluster.messages import Forwarded, LogEntry, Reply, as_bytes, pack, unpack
from server.cluster.presence import HOLD_LOOP_S, WorkerPresence
from server.cluster.requests import Requests
from server.meetings.deadlines import Deadlines
from server.meetings.hub import HostedMeeting, Unavailable
from server.protocol.close_codes import CloseCode

log = logging.getLogger("plenum.redis")

# Requests remembered by a writer, so a command forwarded again after a timeout is not applied
# twice (chat twice, say); also read back from the log on a takeover.
REMEMBERED_REQUESTS = 2000


class NotOwner(Exception):
    """This worker lost the meeting's lease: another one writes it now."""


@dataclass(frozen=True)
class _Queued:
    """A command waiting for the writer's next batch, and where its outcome goes."""

    actor: ParticipantId | None
    command: cmd.Command
    request: str
    deadline: float
    outcome: "asyncio.Future[int]"


def _settle(outcome: "asyncio.Future[int]", result: int | Exception) -> None:
    if outcome.done():
        return
    if isinstance(result, Exception):
        outcome.set_exception(result)
    else:
        outcome.set_result(result)


class SharedMeeting(HostedMeeting):
    """One meeting on one worker: a replica that follows the writer, or the writer itself."""

    def __init__(
        self,
        presence: WorkerPresence,
        forwarded: Requests[Reply],
        meeting: Meeting,
        keys: rk.MeetingKeys,
        expired: "Callable[[SharedMeeting], Awaitable[None]]",
    ) -> None:
        super().__init__(meeting, presence.settings.event_log)
        self.presence = presence
        self.keys = keys
        self.owner = False
        self.settings = settings = presence.settings
        self.clock = presence.clock
        self.worker = presence.worker
        self._scripts = presence.scripts
        # The commands this worker forwards to writers, and whom to tell when Redis let the meeting
        # go (the hub, which drops it).
        self._forwarded = forwarded
        self._expired = expired
        self._write_lock = asyncio.Lock()
        self._catching_up: asyncio.Task[None] | None = None
        # Set when a batch arrived during a catch-up, which must then read the log once more.
        self._behind = False
        self._stopping = False
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._requests: OrderedDict[str, Reply] = OrderedDict()
        # Commands waiting for the writer's next batch, and the task storing batches meanwhile.
        self._queue: list[_Queued] = []
        self._flusher: asyncio.Task[None] | None = None
        self._since_snapshot = 0
        self._lease_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # Participants whose Join or Rejoin this worker is sending now: their socket comes next.
        self._arriving: Counter[ParticipantId] = Counter()
        # Connected, with no socket here, at the last look (see `_let_go_of_lost_sockets`).
        self._unheld: set[ParticipantId] = set()
        self._looking: asyncio.Task[None] | None = None
        self.deadlines = Deadlines(
            meeting, lambda c: self.submit(None, c), self.clock, settings.ghost_grace_s
        )

    def start(self) -> None:
        self._lease_task = asyncio.create_task(self._hold_lease())

    async def stop(self) -> None:
        self._stopping = True
        self.deadlines.stop()
        if self._lease_task is not None:
            await cancel_and_wait(self._lease_task)
        for task in list(self._tasks):
            await cancel_and_wait(task)
        if self.owner:
            with contextlib.suppress(RedisError, OSError):
                await self._scripts.release(keys=[self.keys.lease], args=[self.worker])
        self.owner = False

    # What the signalling endpoint uses ---------------------------------------------------------

    async def submit(self, actor: ParticipantId | None, command: cmd.Command) -> int:
        if not isinstance(command, cmd.Join | cmd.Rejoin):
            return await self._submit(actor, command)
        self._arriving[command.participant] += 1
        try:
            return await self._submit(actor, command)
        finally:
            self._arriving[command.participant] -= 1
            if not self._arriving[command.participant]:
                del self._arriving[command.participant]

    async def _submit(self, actor: ParticipantId | None, command: cmd.Command) -> int:
        try:
            if isinstance(command, cmd.Join | cmd.Rejoin):
                # Recorded before the command, so the writer never sees a connected
                # participant without knowing which worker and socket hold it.
                await self.presence.redis.hset(
                    self.keys.where,
                    rk.participant_field(command.participant),
                    rk.placement(self.worker, command.connection),
                )
        except (RedisError, OSError) as error:
            raise Unavailable(f"redis: {error}") from error
        if isinstance(command, cmd.Disconnect) and not await self._here(command):
            # The participant came back through another socket before this one closed.
            return self.meeting.state.seq
        seq = await self._deliver_to_writer(actor, command)
        if isinstance(command, cmd.Disconnect):
            with contextlib.suppress(RedisError, OSError):
                await self._scripts.forget_where(
                    keys=[self.keys.where],
                    args=[
                        rk.participant_field(command.participant),
                        rk.placement(self.worker, command.connection),
                    ],
                )
        return seq

    async def _deliver_to_writer(self, actor: ParticipantId | None, command: cmd.Command) -> int:
        """Write the command here, or forward it to the writer, until one answers or time's up.

        The request id stays the same on every try, so the writer applies it at most once. A
        writer whose meeting moves on while this waits is busy (a whole forum joining at once),
        not gone: waiting goes on, up to `command_patience_s` in all.
        """
        request = secrets.token_hex(8)
        settings = self.settings
        # Long enough for a writer that died to be replaced: silence past it means no writer.
        window = settings.command_timeout_s + 2 * settings.lease_ttl_s
        started = self.clock()
        deadline = started + window
        last_cap = started + max(settings.command_patience_s, window)
        progress = self.meeting.state.seq
        retry_s = 0.02
        while True:
            try:
                if self.owner:
                    return await self._write(actor, command, request, deadline)
                forwarded = Forwarded(request, self.worker, actor, command)
                reply = await self._forward(forwarded)
                if reply is not None:
                    if reply.reason is not None:
                        raise Rejected(Reason(reply.reason), reply.detail or "")
                    assert reply.seq is not None
                    await self._reached(reply.seq)
                    return reply.seq
                await self._contend()
            except (NotOwner, RedisError, OSError) as error:
                log.info("meeting %s: %s; trying again", self.meeting.state.id, error)
            now = self.clock()
            if now > deadline:
                if self.meeting.state.seq == progress or now > last_cap:
                    raise Unavailable("the meeting's writer did not answer in time")
                progress = self.meeting.state.seq
                deadline = min(now + window, last_cap)
            await asyncio.sleep(retry_s)
            retry_s = min(retry_s * 2, 0.5)

    async def _forward(self, forwarded: Forwarded) -> Reply | None:
        """Send a command to the meeting's writer; None if nobody answered in time."""
        return await self._forwarded.ask(self.keys.commands, forwarded.request, pack(forwarded))

    async def _here(self, disconnect: cmd.Disconnect) -> bool:
        """Whether the participant is still on the socket that says goodbye, as far as known."""
        try:
            placed = await self._placement(disconnect.participant)
        except (RedisError, OSError):
            return True
        return placed is None or placed == (self.worker, disconnect.connection)

    async def _placement(
        self, participant: ParticipantId, *, writing: bool = False
    ) -> tuple[str, str] | None:
        """The worker and socket holding the participant, from the meeting's `where` map; on the
        writer's own pool when `writing`, so that a crowd's commands never queue in front."""
        client = self.presence.duties if writing else self.presence.redis
        value = await client.hget(self.keys.where, rk.participant_field(participant))
        return None if value is None else rk.placed_on(as_bytes(value).decode())

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
        """Apply what the log holds after this replica; from the snapshot where it cannot."""
        entries = await self._read_log_after(self.meeting.state.seq)
        if await self._apply_in_order(entries):
            return
        # A hole: the log was trimmed past this replica, or Redis lost writes (the writer then
        # bridged them with a snapshot). Start again from the newest snapshot, if newer.
        if await self._reload():
            await self._apply_in_order(await self._read_log_after(self.meeting.state.seq))

    async def _apply_in_order(self, entries: list[LogEntry]) -> bool:
        """Apply the entries that follow the state in sequence; False at a missing event."""
        resumed = time.monotonic()
        for entry in entries:
            seq = entry.stamped.seq
            if seq <= self.meeting.state.seq:
                continue
            if seq != self.meeting.state.seq + 1:
                return False
            self._apply(entry.stamped)
            # A long catch-up would hold the loop (and the lease) for seconds.
            if time.monotonic() - resumed > HOLD_LOOP_S:
                await asyncio.sleep(0)
                resumed = time.monotonic()
        return True

    async def _read_log_after(self, seq: int) -> list["LogEntry"]:
        raw = await self.presence.redis.xrange(self.keys.log, min=rk.log_id(seq + 1), max="+")
        return [LogEntry.parse(fields) for _, fields in raw or []]

    async def _reload(self) -> bool:
        """Start again from the snapshot, if it is newer than this replica; True if it was."""
        stored = await self.presence.redis.get(self.keys.snapshot)
        if stored is None:
            return False
        state = from_plain(MeetingState, unpack(as_bytes(stored)))
        if state.seq <= self.meeting.state.seq:
            return False
        self.meeting.state = state
        # The events kept for resuming clients now stop short of the state: a client resuming
        # from among them would miss what lies between, so it gets a snapshot instead.
        self._log.clear()
        # Its clients missed events this worker never saw: they resume and get a snapshot.
        self.fanout.close_all(CloseCode.RESYNC, "missed events: resume for a fresh snapshot")
        self._notify()
        return True

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
            await asyncio.wait_for(asyncio.shield(future), self.settings.command_timeout_s)
        except TimeoutError:
            # One catch-up from the log for all that wait, not one each: in a storm hundreds
            # wait at once, and each reading and applying the log would hold the loop long.
            self.resync()
            try:
                await asyncio.wait_for(asyncio.shield(future), self.settings.command_timeout_s)
            except TimeoutError:
                raise Unavailable(f"event {seq} did not arrive") from None

    # Writing ------------------------------------------------------------------------------------

    def on_forwarded(self, data: bytes) -> None:
        forwarded = from_plain(Forwarded, unpack(data))
        task = asyncio.create_task(self._serve(forwarded))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, forwarded: Forwarded) -> None:
        deadline = self.clock() + self.settings.command_timeout_s
        try:
            seq = await self._write(forwarded.actor, forwarded.command, forwarded.request, deadline)
            reply = Reply(forwarded.request, seq=seq)
        except Rejected as rejected:
            reply = Reply(forwarded.request, reason=rejected.reason, detail=rejected.detail)
        except (NotOwner, Unavailable, RedisError, OSError):
            return  # no answer: the sender tries again, and finds the new writer
        with contextlib.suppress(RedisError, OSError):
            await self.presence.publish(rk.replies_channel(forwarded.worker), pack(reply))

    async def _write(
        self, actor: ParticipantId | None, command: cmd.Command, request: str, deadline: float
    ) -> int:
        """Apply a command as the meeting's writer; the meeting's seq once it is stored.

        Commands that arrive while a batch is being stored wait for the next batch, which stores
        them all in one round trip to Redis: a forum whose people all join at once is as many
        commands as people, and a round trip each, in turn, keeps the last waiting for seconds.
        """
        if not self.owner:
            raise NotOwner
        outcome: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        # Its caller may be gone (a client that left): nobody else is to hear of its failure.
        outcome.add_done_callback(lambda done: done.cancelled() or done.exception())
        queued = _Queued(actor, command, request, deadline, outcome)
        self._queue.append(queued)
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
            self._tasks.add(self._flusher)
            self._flusher.add_done_callback(self._tasks.discard)
        return await asyncio.shield(queued.outcome)

    async def _flush(self) -> None:
        try:
            async with self._write_lock:
                while self._queue:
                    batch, self._queue = self._queue, []
                    try:
                        await self._write_batch(batch)
                    except (NotOwner, Unavailable, RedisError, OSError) as error:
                        for queued in batch:
                            _settle(queued.outcome, error)
                    except Exception as error:
                        log.exception("meeting %s: a batch failed", self.meeting.state.id)
                        for queued in batch:
                            _settle(queued.outcome, Unavailable(f"the writer failed: {error}"))
                    except BaseException:
                        for queued in batch:
                            _settle(queued.outcome, NotOwner())
                        raise
        finally:
            self._flusher = None
            # Only when stopped halfway: nobody waits forever for a batch that will not come.
            for queued in self._queue:
                _settle(queued.outcome, NotOwner())
            self._queue = []

    async def _write_batch(self, batch: list["_Queued"]) -> None:
        if not self.owner:
            raise NotOwner
        now = self.clock()
        # The meeting changes only once its events are stored, so several commands are decided
        # on a copy of it, each after those before it.
        deciding = self.meeting
        if len(batch) > 1:
            copied = pickle.loads(pickle.dumps(self.meeting.state, pickle.HIGHEST_PROTOCOL))
            deciding = Meeting(copied, self.meeting.config)
        decided: list[tuple[_Queued, list[Stamped]]] = []
        refused: list[Reply] = []
        deciding_now: set[str] = set()
        for queued in batch:
            if queued.request in self._requests or queued.request in deciding_now:
                continue  # a forwarded command sent again: answered as the first time
            deciding_now.add(queued.request)
            if isinstance(queued.command, cmd.Disconnect) and await self._outdated(queued.command):
                decided.append((queued, []))  # spent: answered with the meeting as it is
                continue
            try:
                stamped = deciding.decide(queued.actor, queued.command, now)
            except Rejected as rejected:
                refused.append(
                    Reply(queued.request, reason=rejected.reason, detail=rejected.detail)
                )
                continue
            if deciding is not self.meeting:
                for one in stamped:
                    deciding.replay(one)
            decided.append((queued, stamped))
        storing = [(q.request, stamped) for q, stamped in decided if stamped]
        stored = await self._store_all(storing, max(q.deadline for q in batch))
        if stored == len(storing):
            # Refusals judged after commands that were not stored would not hold: those are
            # sent again, to the next writer.
            for reply in refused:
                self._remember(reply)
        applied = 0
        resumed = time.monotonic()
        for queued, stamped in decided:
            if stamped:
                if stored == 0:
                    break  # not stored: the writer stepped down, the new one decides
                stored -= 1
                for one in stamped:
                    if one.seq > self.meeting.state.seq:  # not already read back from the log
                        self._apply(one)
                applied += len(stamped)
            self._remember(Reply(queued.request, seq=self.meeting.state.seq))
            _settle(queued.outcome, self.meeting.state.seq)
            # Each event goes to every client here: a large batch would hold the loop (and
            # the lease) for seconds. The write lock keeps other writes out meanwhile.
            if time.monotonic() - resumed > HOLD_LOOP_S:
                await asyncio.sleep(0)
                resumed = time.monotonic()
        for queued in batch:
            _settle(queued.outcome, self._answer(queued.request))
        if not self.owner:
            return  # stepped down during the batch: the clock and snapshots are the next writer's
        self.deadlines.reschedule()
        self._since_snapshot += applied
        if self._since_snapshot >= self.settings.snapshot_every:
            await self._snapshot()

    async def _outdated(self, disconnect: cmd.Disconnect) -> bool:
        """A goodbye from a socket the participant has left for a newer one, maybe elsewhere.

        The newer socket's worker records it in the `where` map before it sends its Rejoin, so
        by the time that Rejoin is in a batch here, a goodbye checked in the same or a later
        batch finds the newer socket, however late it arrives.
        """
        if not disconnect.connection:
            return False
        try:
            placed = await self._placement(disconnect.participant, writing=True)
        except (RedisError, OSError):
            # Spent rather than risk disconnecting someone back: a goodbye wrongly spent leaves
            # a socketless participant, whom the worker holding them finds and disconnects.
            return True
        # Unknown, or recorded without its socket (by an older version): the goodbye counts.
        if placed is None or not placed[1] or placed[1] == disconnect.connection:
            return False
        log.warning(
            "meeting %s: a goodbye from an older connection of %s, ignored",
            self.meeting.state.id,
            disconnect.participant,
        )
        return True

    def _answer(self, request: str) -> int | Exception:
        earlier = self._requests.get(request)
        if earlier is None:
            return NotOwner()
        if earlier.reason is not None:
            return Rejected(Reason(earlier.reason), earlier.detail or "")
        assert earlier.seq is not None
        return earlier.seq

    async def _store_all(self, storing: list[tuple[str, list[Stamped]]], deadline: float) -> int:
        """Store each command's events, in order; returns how many commands' events were stored."""
        if not storing:
            return 0
        if len(storing) == 1:
            request, stamped = storing[0]
            await self._store(stamped, request, deadline)
            return 1
        keys = self._commit_keys()
        try:
            async with self.presence.duties.pipeline(transaction=False) as pipe:
                for request, stamped in storing:
                    args = self._commit_args(stamped, request)
                    await self._scripts.commit(keys=keys, args=args, client=pipe)
                results = await pipe.execute(raise_on_error=False)
        except (RedisError, OSError) as error:
            # Which of them Redis ran is unknown: step down, and let the log tell the next writer.
            log.warning("meeting %s: storing a batch failed (%s)", self.meeting.state.id, error)
            await self._step_down()
            raise NotOwner from error
        for count, result in enumerate(results):
            if isinstance(result, Exception):
                if count == 0 and str(result).startswith("GAP"):
                    # Redis lost its newest writes before this batch (only its first command
                    # can find the head behind): `_store` bridges the hole with a snapshot of
                    # the state as it is, then the batch goes on one command at a time.
                    for done, (request, stamped) in enumerate(storing):
                        try:
                            await self._store(stamped, request, deadline)
                        except (NotOwner, Unavailable):
                            if done == 0:
                                raise
                            return done  # the rest are answered NotOwner and sent again
                    return len(storing)
                # Not the writer any more, or event n already stored by another: step down.
                log.warning("meeting %s: %s", self.meeting.state.id, result)
                await self._step_down()
                return count
        return len(results)

    def _commit_keys(self) -> list[str]:
        return [self.keys.lease, self.keys.log, self.keys.snapshot, self.keys.where, self.keys.head]

    def _commit_args(self, stamped: list[Stamped], request: str) -> list[Any]:
        settings = self.settings
        args: list[Any] = [
            self.worker,
            self.keys.events,
            settings.event_log,
            int(settings.retention_s * 1000),
            request,
            msgpack.packb([to_plain(s) for s in stamped], use_bin_type=True),
        ]
        args.append(stamped[0].seq)
        for one in stamped:
            args += [rk.log_id(one.seq), pack(one)]
        return args

    async def _store(self, stamped: list[Stamped], request: str, deadline: float) -> None:
        args = self._commit_args(stamped, request)
        keys = self._commit_keys()
        backoff = 0.05
        while True:
            try:
                await self._scripts.commit(keys=keys, args=args)
                return
            except ResponseError as error:
                if str(error).startswith("GAP"):
                    # Redis lost its newest writes (a crash of its host, say) and the log now
                    # ends before this writer's state: bridge the hole with that state.
                    log.warning(
                        "meeting %s: %s (Redis lost writes); storing a snapshot at event %d",
                        self.meeting.state.id,
                        error,
                        self.meeting.state.seq,
                    )
                    if not await self._store_snapshot():
                        await self._step_down()
                        raise NotOwner from error
                    continue
                # Not the writer any more, or event n already stored by another: step down.
                log.warning("meeting %s: %s", self.meeting.state.id, error)
                await self._step_down()
                raise NotOwner from error
            except (RedisError, OSError) as error:
                if not self.owner:
                    raise NotOwner from error
                if self.clock() > deadline:
                    raise Unavailable(f"redis: {error}") from error
                log.warning("storing events failed (%s); retrying in %.2f s", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)

    def _remember(self, reply: Reply) -> None:
        self._requests[reply.request] = reply
        while len(self._requests) > REMEMBERED_REQUESTS:
            self._requests.popitem(last=False)

    async def _snapshot(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._store_snapshot()

    async def _store_snapshot(self) -> bool:
        """Store the state as the meeting's snapshot; False if the lease is another's, or the
        head is past this state (a snapshot would hide events stored after it)."""
        self._since_snapshot = 0
        stored = await self._scripts.store_snapshot(
            keys=[self.keys.lease, self.keys.snapshot, self.keys.head],
            args=[
                self.worker,
                pack(self.meeting.state),
                int(self.settings.retention_s * 1000),
                self.meeting.state.seq,
            ],
        )
        return bool(stored)

    # The lease ----------------------------------------------------------------------------------

    async def _hold_lease(self) -> None:
        interval = self.settings.lease_ttl_s / 3
        while not self._stopping:
            try:
                if self.owner:
                    if not await self._renewed():
                        await self._step_down()
                    elif not await self.presence.duties.exists(self.keys.snapshot):
                        # Nothing happened for `retention_s`: Redis let the meeting go.
                        await self._expired(self)
                        return
                    else:
                        await self._check_presence()
                        # Picks the clock up again if a tick failed while Redis was away.
                        self.deadlines.reschedule()
                else:
                    await self._contend()
                self._look_for_lost_sockets()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                log.warning("lease of %s: %s", self.meeting.state.id, error)
            await asyncio.sleep(interval)

    async def _renewed(self) -> bool:
        ttl_ms = int(self.settings.lease_ttl_s * 1000)
        renewed = await self._scripts.renew(keys=[self.keys.lease], args=[self.worker, ttl_ms])
        return bool(renewed)

    async def _contend(self) -> None:
        """Take the meeting over if nobody holds its lease."""
        ttl_ms = int(self.settings.lease_ttl_s * 1000)
        won = await self.presence.redis.set(self.keys.lease, self.worker, px=ttl_ms, nx=True)
        if won:
            await self._take_over()

    async def _take_over(self) -> None:
        async with self._write_lock:
            await self.catch_up()
            # The log may end, unbroken, before a snapshot that bridged writes Redis lost: the
            # state goes on from that snapshot, or the next commit would find it stored already.
            if await self._reload():
                await self._apply_in_order(await self._read_log_after(self.meeting.state.seq))
            raw = await self.presence.redis.xrevrange(
                self.keys.log, max="+", min="-", count=REMEMBERED_REQUESTS
            )
            for entry in reversed([LogEntry.parse(fields) for _, fields in raw or []]):
                if entry.request:
                    self._remember(Reply(entry.request, seq=entry.stamped.seq))
            self.owner = True
            await self.presence.listen_to(self.keys.commands, self.on_forwarded)
            log.info("worker %s writes meeting %s", self.worker, self.meeting.state.id)
        await self._snapshot()
        self.deadlines.reschedule()

    async def _step_down(self) -> None:
        if not self.owner:
            return
        self.owner = False
        # Before any await: events published meanwhile (this writer's own, of a batch still
        # being applied) wait for the catch-up, which waits for the write lock.
        self.resync()
        self.deadlines.stop()
        await self.presence.stop_listening(self.keys.commands)
        # If the lease is still ours (we stepped down over a stale log), free it at once.
        with contextlib.suppress(RedisError, OSError):
            await self._scripts.release(keys=[self.keys.lease], args=[self.worker])

    def _look_for_lost_sockets(self) -> None:
        """In the background, so that holding the lease never waits for it; one at a time."""
        if self._looking is None or self._looking.done():
            self._looking = asyncio.create_task(self._let_go_of_lost_sockets())
            self._tasks.add(self._looking)
            self._looking.add_done_callback(self._tasks.discard)

    async def _let_go_of_lost_sockets(self) -> None:
        """Disconnect the participants held by this worker, says Redis, with no socket here.

        A hello the writer applied but whose answer never came back (it was answered
        `unavailable`), or a goodbye that could not be sent, leaves someone connected whom no
        socket stands for. Found so at two looks in a row (a participant is attached to its
        socket right after its Join or Rejoin returns), they are disconnected here, and leave
        after the grace period like anyone else.
        """
        unheld = {
            p.id
            for p in self.meeting.state.participants.values()
            if p.connected and p.id not in self.fanout.listeners and p.id not in self._arriving
        }
        lost = sorted(unheld & self._unheld)
        self._unheld = unheld
        if not lost:
            return
        fields = [rk.participant_field(p) for p in lost]
        try:
            values = await self.presence.redis.hmget(self.keys.where, fields)
        except (RedisError, OSError) as error:
            log.warning("looking for lost sockets in %s: %s", self.meeting.state.id, error)
            return
        for participant, value in zip(lost, values, strict=True):
            if value is None:
                continue
            worker, connection = rk.placed_on(as_bytes(value).decode())
            if worker != self.worker:
                continue  # held by another worker, which looks after it
            if participant in self.fanout.listeners or participant in self._arriving:
                continue  # came back while Redis was asked
            log.info("meeting %s: %s has no socket here", self.meeting.state.id, participant)
            with contextlib.suppress(Rejected, Unavailable):
                await self.submit(None, cmd.Disconnect(participant, connection))

    async def _check_presence(self) -> None:
        """Let go of the connections of workers that died: their clients are disconnected."""
        connected = [p.id for p in self.meeting.state.participants.values() if p.connected]
        if not connected:
            return
        where_raw = await self.presence.duties.hgetall(self.keys.where)
        where = {
            as_bytes(k).decode(): rk.placed_on(as_bytes(v).decode()) for k, v in where_raw.items()
        }
        dead = await self.presence.dead_workers({worker for worker, _ in where.values()})
        gone = [
            cmd.Disconnect(participant, placed[1])
            for participant in connected
            if (placed := where.get(participant)) is not None and placed[0] in dead
        ]
        # Not through `submit`: that skips a participant whose socket is elsewhere. All at once,
        # so that they share the writer's batches: one by one, the people of a dead worker would
        # hold this lease loop for a round trip each.
        outcomes = await asyncio.gather(
            *(self._deliver_to_writer(None, disconnect) for disconnect in gone),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, Exception) and not isinstance(outcome, Rejected | Unavailable):
                raise outcome
