"""The writer's commits to Redis: each command's events into the meeting's log, and snapshots.

One atomic script (`server.cluster.keys`) checks that this worker still holds the lease and that
the log's head is where its events follow, then appends them, records the request that caused
them and publishes them. A batch of commands goes in one pipeline of such scripts. A commit
refused because the lease is another's, or the event is stored already, means another worker
writes now: this one steps down. A head behind the state means Redis lost its newest writes: the
writer bridges the hole with a snapshot of its state, then stores on.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import msgpack
from redis.exceptions import RedisError, ResponseError

from rooms import Meeting, Stamped
from rooms.events import MeetingScheduled
from rooms.plain import to_plain
from server import links
from server.cluster import keys as rk
from server.cluster.messages import pack
from server.cluster.presence import WorkerPresence
from server.meetings.hub import Unavailable

log = logging.getLogger("plenum.redis")


class NotOwner(Exception):
    """This worker lost the meeting's lease: another one writes it now."""


class Commits:
    """What the meeting's writer stores in Redis, and when it stores a snapshot."""

    def __init__(
        self,
        presence: WorkerPresence,
        keys: rk.MeetingKeys,
        meeting: Meeting,
        held: Callable[[], bool],
        step_down: Callable[[], Awaitable[None]],
    ) -> None:
        """`held` says whether this worker holds the meeting's lease; `step_down` gives the
        writing up, once a commit found that another worker writes the meeting."""
        self._presence = presence
        self._keys = keys
        self._meeting = meeting
        self._held = held
        self._step_down = step_down
        self._since_snapshot = 0

    async def store_all(self, storing: list[tuple[str, list[Stamped]]], deadline: float) -> int:
        """Store each command's events, in order; returns how many commands' events were stored."""
        if not storing:
            return 0
        if len(storing) == 1:
            request, stamped = storing[0]
            await self._store(stamped, request, deadline)
            return 1
        keys = self._commit_keys()
        try:
            async with self._presence.duties.pipeline(transaction=False) as pipe:
                for request, stamped in storing:
                    args = self._commit_args(stamped, request)
                    await self._presence.scripts.commit(keys=keys, args=args, client=pipe)
                results = await pipe.execute(raise_on_error=False)
        except (RedisError, OSError) as error:
            # Which of them Redis ran is unknown: step down, and let the log tell the next writer.
            log.warning("meeting %s: storing a batch failed (%s)", self._meeting.state.id, error)
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
                log.warning("meeting %s: %s", self._meeting.state.id, result)
                await self._step_down()
                return count
        return len(results)

    def _commit_keys(self) -> list[str]:
        keys = self._keys
        return [keys.lease, keys.log, keys.snapshot, keys.where, keys.head]

    def _commit_args(self, stamped: list[Stamped], request: str) -> list[Any]:
        settings = self._presence.settings
        args: list[Any] = [
            self._presence.worker,
            self._keys.events,
            settings.event_log,
            self._kept_ms(stamped),
            request,
            msgpack.packb([to_plain(s) for s in stamped], use_bin_type=True),
        ]
        args.append(stamped[0].seq)
        for one in stamped:
            args += [rk.log_id(one.seq), pack(one)]
        return args

    def _kept_ms(self, stamped: list[Stamped]) -> int:
        """How long the meeting's keys live: its links' time, the end these events set too."""
        ends_at = self._meeting.state.ends_at
        for one in stamped:
            if isinstance(one.event, MeetingScheduled):
                ends_at = one.event.ends_at
        return links.kept_for_ms(self._presence.settings, ends_at, self._presence.clock())

    async def _store(self, stamped: list[Stamped], request: str, deadline: float) -> None:
        args = self._commit_args(stamped, request)
        keys = self._commit_keys()
        backoff = 0.05
        while True:
            try:
                await self._presence.scripts.commit(keys=keys, args=args)
                return
            except ResponseError as error:
                if str(error).startswith("GAP"):
                    # Redis lost its newest writes (a crash of its host, say) and the log now
                    # ends before this writer's state: bridge the hole with that state.
                    log.warning(
                        "meeting %s: %s (Redis lost writes); storing a snapshot at event %d",
                        self._meeting.state.id,
                        error,
                        self._meeting.state.seq,
                    )
                    if not await self._store_snapshot():
                        await self._step_down()
                        raise NotOwner from error
                    continue
                # Not the writer any more, or event n already stored by another: step down.
                log.warning("meeting %s: %s", self._meeting.state.id, error)
                await self._step_down()
                raise NotOwner from error
            except (RedisError, OSError) as error:
                if not self._held():
                    raise NotOwner from error
                if self._presence.clock() > deadline:
                    raise Unavailable(f"redis: {error}") from error
                log.warning("storing events failed (%s); retrying in %.2f s", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)

    async def snapshot_when_due(self, applied: int) -> None:
        """`applied` more events are in the state: a snapshot once `snapshot_every` are."""
        self._since_snapshot += applied
        if self._since_snapshot >= self._presence.settings.snapshot_every:
            await self.snapshot()

    async def snapshot(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._store_snapshot()

    async def _store_snapshot(self) -> bool:
        """Store the state as the meeting's snapshot; False if the lease is another's, or the
        head is past this state (a snapshot would hide events stored after it)."""
        self._since_snapshot = 0
        stored = await self._presence.scripts.store_snapshot(
            keys=[self._keys.lease, self._keys.snapshot, self._keys.head],
            args=[
                self._presence.worker,
                pack(self._meeting.state),
                self._kept_ms([]),
                self._meeting.state.seq,
            ],
        )
        return bool(stored)
