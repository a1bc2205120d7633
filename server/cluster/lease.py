"""The lease of one meeting: which worker writes it, held while renewed, taken when free.

The lease is a key with a TTL, holding the writer's id (`server.cluster.keys`). Every worker with
the meeting open looks at it a few times per TTL: the writer renews it, and the others contend
for it, so that when the writer dies its lease runs out and another worker takes the meeting over
from the log. A writer whose lease or log turned out to be another's steps down and follows
again. Each look is also when this worker lets go of people no socket stands for
(`server.cluster.lost_sockets`), and the writer of those of dead workers.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from rooms import Meeting
from server.cancelling import cancel_and_wait
from server.cluster import keys as rk
from server.cluster.commits import Commits
from server.cluster.lost_sockets import LostSockets
from server.cluster.presence import WorkerPresence
from server.cluster.replica import Replica
from server.cluster.writer import Writer
from server.meetings.deadlines import Deadlines

log = logging.getLogger("plenum.redis")


class Lease:
    """This worker's hold on one meeting's lease, and what taking it and giving it up involve."""

    def __init__(
        self,
        presence: WorkerPresence,
        keys: rk.MeetingKeys,
        meeting: Meeting,
        write_lock: asyncio.Lock,
        replica: Replica,
        writer: Writer,
        commits: Commits,
        deadlines: Deadlines,
        lost_sockets: LostSockets,
        expired: Callable[[], Awaitable[None]],
    ) -> None:
        """`expired` is told when Redis let the meeting go (nothing happened for its retention)."""
        self._presence = presence
        self._keys = keys
        self._meeting = meeting
        self._write_lock = write_lock
        self._replica = replica
        self._writer = writer
        self._commits = commits
        self._deadlines = deadlines
        self._lost_sockets = lost_sockets
        self._expired = expired
        self._held = False
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def held(self) -> bool:
        """Whether this worker writes the meeting now."""
        return self._held

    def start(self) -> None:
        self._task = asyncio.create_task(self._hold())

    async def stop(self) -> None:
        """Stop renewing or contending; `release` then gives the lease up if it is held."""
        self._stopping = True
        if self._task is not None:
            await cancel_and_wait(self._task)

    async def release(self) -> None:
        if self._held:
            with contextlib.suppress(RedisError, OSError):
                await self._release()
        self._held = False

    async def _hold(self) -> None:
        interval = self._presence.settings.lease_ttl_s / 3
        while not self._stopping:
            try:
                if self._held:
                    if not await self._renewed():
                        await self.step_down()
                    elif not await self._presence.duties.exists(self._keys.snapshot):
                        # Nothing happened for `retention_s`: Redis let the meeting go.
                        await self._expired()
                        return
                    else:
                        await self._lost_sockets.let_go_of_dead_workers()
                        # Picks the clock up again if a tick failed while Redis was away.
                        self._deadlines.reschedule()
                else:
                    await self.contend()
                self._lost_sockets.look()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                log.warning("lease of %s: %s", self._meeting.state.id, error)
            await asyncio.sleep(interval)

    async def _renewed(self) -> bool:
        ttl_ms = int(self._presence.settings.lease_ttl_s * 1000)
        renewed = await self._presence.scripts.renew(
            keys=[self._keys.lease], args=[self._presence.worker, ttl_ms]
        )
        return bool(renewed)

    async def contend(self) -> None:
        """Take the meeting over if nobody holds its lease."""
        ttl_ms = int(self._presence.settings.lease_ttl_s * 1000)
        won = await self._presence.redis.set(
            self._keys.lease, self._presence.worker, px=ttl_ms, nx=True
        )
        if won:
            await self._take_over()

    async def _take_over(self) -> None:
        async with self._write_lock:
            await self._replica.catch_up()
            # The log may end, unbroken, before a snapshot that bridged writes Redis lost: the
            # state goes on from that snapshot, or the next commit would find it stored already.
            await self._replica.catch_up_from_snapshot()
            await self._writer.recall_requests()
            self._held = True
            await self._presence.listen_to(self._keys.commands, self._writer.on_forwarded)
            log.info("worker %s writes meeting %s", self._presence.worker, self._meeting.state.id)
        await self._commits.snapshot()
        self._deadlines.reschedule()

    async def step_down(self) -> None:
        """Stop writing the meeting, and follow its writer again."""
        if not self._held:
            return
        self._held = False
        # Before any await: events published meanwhile (this writer's own, of a batch still
        # being applied) wait for the catch-up, which waits for the write lock.
        self._replica.resync()
        self._deadlines.stop()
        await self._presence.stop_listening(self._keys.commands)
        # If the lease is still ours (we stepped down over a stale log), free it at once.
        with contextlib.suppress(RedisError, OSError):
            await self._release()

    async def _release(self) -> None:
        await self._presence.scripts.release(keys=[self._keys.lease], args=[self._presence.worker])
