"""The meeting's writer: it decides commands in batches, has them stored, and answers for them.

Commands that arrive while a batch is being stored wait for the next batch, which stores them all
in one round trip to Redis (`server.cluster.commits`): a forum whose people all join at once is as
many commands as people, and a round trip each, in turn, keeps the last waiting for seconds. The
writer remembers its latest answers by request id, so a command forwarded again after a timeout
is answered as the first time rather than applied twice; a new writer reads them back from the
log when it takes the meeting over.
"""

import asyncio
import contextlib
import logging
import pickle
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from redis.exceptions import RedisError

from rooms import Meeting, ParticipantId, Reason, Rejected, Stamped
from rooms import commands as cmd
from rooms.plain import from_plain
from server.cancelling import cancel_and_wait
from server.cluster import keys as rk
from server.cluster.commits import Commits, NotOwner
from server.cluster.messages import Forwarded, LogEntry, Reply, pack, unpack
from server.cluster.placements import Placements
from server.cluster.presence import WorkerPresence
from server.meetings.deadlines import Deadlines
from server.meetings.hub import Unavailable
from server.meetings.replay import HOLD_LOOP_S

log = logging.getLogger("plenum.redis")

# Requests remembered by a writer, so a command forwarded again after a timeout is not applied
# twice (chat twice, say); also read back from the log on a takeover.
REMEMBERED_REQUESTS = 2000


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


class Writer:
    """The writing of one meeting, by this worker while it holds the meeting's lease."""

    def __init__(
        self,
        presence: WorkerPresence,
        keys: rk.MeetingKeys,
        meeting: Meeting,
        write_lock: asyncio.Lock,
        held: Callable[[], bool],
        commits: Commits,
        apply: Callable[[Stamped], None],
        deadlines: Deadlines,
        placements: Placements,
    ) -> None:
        """`write_lock` keeps other changes of the state out while a batch is decided, stored and
        applied; `held` says whether this worker holds the meeting's lease; `apply` puts an
        event stored into the state and passes it on."""
        self._presence = presence
        self._keys = keys
        self._meeting = meeting
        self._write_lock = write_lock
        self._held = held
        self._commits = commits
        self._apply = apply
        self._deadlines = deadlines
        self._placements = placements
        self._requests: OrderedDict[str, Reply] = OrderedDict()
        # Commands waiting for the next batch, and the task storing batches meanwhile.
        self._queue: list[_Queued] = []
        self._flusher: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def stop(self) -> None:
        for task in list(self._tasks):
            await cancel_and_wait(task)

    def on_forwarded(self, data: bytes) -> None:
        forwarded = from_plain(Forwarded, unpack(data))
        task = asyncio.create_task(self._serve(forwarded))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, forwarded: Forwarded) -> None:
        deadline = self._presence.clock() + self._presence.settings.command_timeout_s
        try:
            seq = await self.write(forwarded.actor, forwarded.command, forwarded.request, deadline)
            reply = Reply(forwarded.request, seq=seq)
        except Rejected as rejected:
            reply = Reply(forwarded.request, reason=rejected.reason, detail=rejected.detail)
        except (NotOwner, Unavailable, RedisError, OSError):
            return  # no answer: the sender tries again, and finds the new writer
        with contextlib.suppress(RedisError, OSError):
            await self._presence.publish(rk.replies_channel(forwarded.worker), pack(reply))

    async def write(
        self, actor: ParticipantId | None, command: cmd.Command, request: str, deadline: float
    ) -> int:
        """Apply a command as the meeting's writer; the meeting's seq once it is stored."""
        if not self._held():
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
                        log.exception("meeting %s: a batch failed", self._meeting.state.id)
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

    async def _write_batch(self, batch: list[_Queued]) -> None:
        if not self._held():
            raise NotOwner
        now = self._presence.clock()
        # The meeting changes only once its events are stored, so several commands are decided
        # on a copy of it, each after those before it.
        deciding = self._meeting
        if len(batch) > 1:
            copied = pickle.loads(pickle.dumps(self._meeting.state, pickle.HIGHEST_PROTOCOL))
            deciding = Meeting(copied, self._meeting.config)
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
            if deciding is not self._meeting:
                for one in stamped:
                    deciding.replay(one)
            decided.append((queued, stamped))
        storing = [(q.request, stamped) for q, stamped in decided if stamped]
        stored = await self._commits.store_all(storing, max(q.deadline for q in batch))
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
                    if one.seq > self._meeting.state.seq:  # not already read back from the log
                        self._apply(one)
                applied += len(stamped)
            self._remember(Reply(queued.request, seq=self._meeting.state.seq))
            _settle(queued.outcome, self._meeting.state.seq)
            # Each event goes to every client here: a large batch would hold the loop (and
            # the lease) for seconds. The write lock keeps other writes out meanwhile.
            if time.monotonic() - resumed > HOLD_LOOP_S:
                await asyncio.sleep(0)
                resumed = time.monotonic()
        for queued in batch:
            _settle(queued.outcome, self._answer(queued.request))
        if not self._held():
            return  # stepped down during the batch: the clock and snapshots are the next writer's
        self._deadlines.reschedule()
        await self._commits.snapshot_when_due(applied)

    async def _outdated(self, disconnect: cmd.Disconnect) -> bool:
        """A goodbye from a socket the participant has left for a newer one, maybe elsewhere.

        The newer socket's worker records it in the `where` map before it sends its Rejoin, so
        by the time that Rejoin is in a batch here, a goodbye checked in the same or a later
        batch finds the newer socket, however late it arrives.
        """
        if not disconnect.connection:
            return False
        try:
            placed = await self._placements.of(disconnect.participant, writing=True)
        except (RedisError, OSError):
            # Spent rather than risk disconnecting someone back: a goodbye wrongly spent leaves
            # a socketless participant, whom the worker holding them finds and disconnects.
            return True
        # Unknown, or recorded without its socket (by an older version): the goodbye counts.
        if placed is None or not placed[1] or placed[1] == disconnect.connection:
            return False
        log.warning(
            "meeting %s: a goodbye from an older connection of %s, ignored",
            self._meeting.state.id,
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

    def _remember(self, reply: Reply) -> None:
        self._requests[reply.request] = reply
        while len(self._requests) > REMEMBERED_REQUESTS:
            self._requests.popitem(last=False)

    async def recall_requests(self) -> None:
        """Remember the requests of the log's latest events: a writer taking over answers them
        as the one before it did."""
        raw = await self._presence.redis.xrevrange(
            self._keys.log, max="+", min="-", count=REMEMBERED_REQUESTS
        )
        for entry in reversed([LogEntry.parse(fields) for _, fields in raw or []]):
            if entry.request:
                self._remember(Reply(entry.request, seq=entry.stamped.seq))
