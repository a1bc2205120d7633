"""A replica of one meeting: it follows the writer's events, and catches up on what it missed.

The writer publishes each batch of events as it stores it; every other worker with clients in
the meeting applies them in sequence. Pub/sub delivers at most once, so a replica that sees a gap
reads what it missed from the meeting's log, and where the log no longer reaches (it was trimmed
past the replica, or Redis lost writes the writer then bridged with a snapshot) it starts again
from the meeting's snapshot.
"""

import asyncio
import logging
from collections.abc import Callable

from redis.exceptions import RedisError

from rooms import Meeting, Stamped
from rooms.plain import from_plain
from server.cluster import keys as rk
from server.cluster.messages import LogEntry, as_bytes, unpack
from server.cluster.presence import WorkerPresence
from server.meetings import records
from server.meetings.hub import Unavailable
from server.meetings.replay import replay_in_order

log = logging.getLogger("plenum.redis")


class Replica:
    """This worker's copy of a meeting, and the waits for it to reach an event."""

    def __init__(
        self,
        presence: WorkerPresence,
        keys: rk.MeetingKeys,
        meeting: Meeting,
        write_lock: asyncio.Lock,
        writing: Callable[[], bool],
        passed_on: Callable[[Stamped], None],
        started_over: Callable[[], None],
    ) -> None:
        """`write_lock` is held by whoever changes the meeting's state (this catch-up, or the
        writer's batches); `writing` says whether this worker writes the meeting now (it applies
        its own events as it stores them); `passed_on` is told each event once it is in the
        state, `started_over` when the state jumped to the snapshot."""
        self._presence = presence
        self._keys = keys
        self._meeting = meeting
        self._write_lock = write_lock
        self._writing = writing
        self._passed_on = passed_on
        self._started_over = started_over
        self._catching_up: asyncio.Task[None] | None = None
        # Set when a batch arrived during a catch-up, which must then read the log once more.
        self._behind = False
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []

    def on_published(self, data: bytes) -> None:
        if self._writing():
            return  # its own events, applied when they were stored
        batch = [from_plain(Stamped, plain) for plain in unpack(data)]
        for stamped in batch:
            if stamped.seq <= self._meeting.state.seq:
                continue
            if stamped.seq == self._meeting.state.seq + 1 and self._catching_up is None:
                self.apply(stamped)
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
                while not self._writing():
                    self._behind = False
                    await self.catch_up()
                    if not self._behind:
                        break
        except (RedisError, OSError) as error:
            log.warning("catching up %s failed: %s", self._meeting.state.id, error)
        finally:
            self._catching_up = None

    async def catch_up(self) -> None:
        """Apply what the log holds after this replica; from the snapshot where it cannot."""
        entries = await self._read_log_after(self._meeting.state.seq)
        if await self._apply_in_order(entries):
            return
        # A hole: the log was trimmed past this replica, or Redis lost writes (the writer then
        # bridged them with a snapshot). Start again from the newest snapshot, if newer.
        await self.catch_up_from_snapshot()

    async def catch_up_from_snapshot(self) -> None:
        """Start again from the snapshot if it is newer than this replica, and read on from the
        log after it."""
        if await self._reload():
            await self._apply_in_order(await self._read_log_after(self._meeting.state.seq))

    async def _apply_in_order(self, entries: list[LogEntry]) -> bool:
        """Apply the entries that follow the state in sequence; False at a missing event."""
        # A long catch-up lets the loop run between stretches: it would hold the lease too.
        return await replay_in_order(self._meeting, (e.stamped for e in entries), self.apply)

    async def _read_log_after(self, seq: int) -> list[LogEntry]:
        raw = await self._presence.redis.xrange(self._keys.log, min=rk.log_id(seq + 1), max="+")
        return [LogEntry.parse(fields) for _, fields in raw or []]

    async def _reload(self) -> bool:
        """Start again from the snapshot, if it is newer than this replica; True if it was."""
        stored = await self._presence.redis.get(self._keys.snapshot)
        if stored is None:
            return False
        state = records.snapshot_from(as_bytes(stored))
        if state.seq <= self._meeting.state.seq:
            return False
        self._meeting.state = state
        self._started_over()
        self._notify()
        return True

    def apply(self, stamped: Stamped) -> None:
        """An event next in sequence: into the state, then passed on."""
        self._meeting.replay(stamped)
        self._passed_on(stamped)
        self._notify()

    def _notify(self) -> None:
        seq = self._meeting.state.seq
        still: list[tuple[int, asyncio.Future[None]]] = []
        for wanted, future in self._waiters:
            if wanted <= seq:
                if not future.done():
                    future.set_result(None)
            else:
                still.append((wanted, future))
        self._waiters = still

    async def reached(self, seq: int) -> None:
        """Wait until this replica has applied event `seq` (published, or read from the log)."""
        if self._meeting.state.seq >= seq:
            return
        timeout_s = self._presence.settings.command_timeout_s
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((seq, future))
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout_s)
        except TimeoutError:
            # One catch-up from the log for all that wait, not one each: in a storm hundreds
            # wait at once, and each reading and applying the log would hold the loop long.
            self.resync()
            try:
                await asyncio.wait_for(asyncio.shield(future), timeout_s)
            except TimeoutError:
                raise Unavailable(f"event {seq} did not arrive") from None
