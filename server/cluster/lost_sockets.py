"""Letting go of people no socket stands for: those of lost sockets here, and of dead workers.

A hello the writer applied but whose answer never came back (it was answered `unavailable`), or
a goodbye that could not be sent, leaves someone connected whom no socket stands for: the worker
that holds them, says the `where` map, finds them and disconnects them. A worker that dies says
no goodbye for its clients: the writer, finding its sign of life gone, disconnects them. Either
way they leave after the grace period like anyone else.
"""

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator

from redis.exceptions import RedisError

from rooms import Meeting, ParticipantId, Rejected
from rooms import commands as cmd
from rooms.ending import ended
from server.cancelling import cancel_and_wait
from server.cluster.placements import Placements
from server.cluster.presence import WorkerPresence
from server.meetings.fanout import Fanout
from server.meetings.hub import Unavailable

log = logging.getLogger("plenum.redis")

Send = Callable[[ParticipantId | None, cmd.Command], Awaitable[int]]


class LostSockets:
    """Who of one meeting is connected with no socket to stand for them, and their goodbyes."""

    def __init__(
        self,
        presence: WorkerPresence,
        meeting: Meeting,
        fanout: Fanout,
        placements: Placements,
        submit: Send,
        deliver_to_writer: Send,
    ) -> None:
        """`fanout` holds this worker's sockets; `submit` sends a command as a socket would,
        `deliver_to_writer` straight to the writer."""
        self._presence = presence
        self._meeting = meeting
        self._fanout = fanout
        self._placements = placements
        self._submit = submit
        self._deliver_to_writer = deliver_to_writer
        # Participants whose Join or Rejoin this worker is sending now: their socket comes next.
        self._arriving: Counter[ParticipantId] = Counter()
        # Connected, with no socket here, at the last look (see `_let_go_of_lost_sockets`).
        self._unheld: set[ParticipantId] = set()
        self._looking: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        if self._looking is not None and not self._looking.done():
            await cancel_and_wait(self._looking)

    @contextlib.contextmanager
    def arriving(self, participant: ParticipantId) -> Iterator[None]:
        """While the participant's Join or Rejoin is being sent: no socket is theirs yet."""
        self._arriving[participant] += 1
        try:
            yield
        finally:
            self._arriving[participant] -= 1
            if not self._arriving[participant]:
                del self._arriving[participant]

    def look(self) -> None:
        """In the background, so that holding the lease never waits for it; one at a time."""
        if self._looking is None or self._looking.done():
            self._looking = asyncio.create_task(self._let_go_of_lost_sockets())

    async def _let_go_of_lost_sockets(self) -> None:
        """Disconnect the participants held by this worker, says Redis, with no socket here.

        Found so at two looks in a row (a participant is attached to its socket right after its
        Join or Rejoin returns), they are disconnected here.
        """
        if ended(self._meeting.state):
            return  # its sockets closed as it ended; the roster stays as it was (rooms.ending)
        unheld = {
            p.id
            for p in self._meeting.state.participants.values()
            if p.connected and p.id not in self._fanout.listeners and p.id not in self._arriving
        }
        lost = sorted(unheld & self._unheld)
        self._unheld = unheld
        if not lost:
            return
        try:
            placements = await self._placements.of_each(lost)
        except (RedisError, OSError) as error:
            log.warning("looking for lost sockets in %s: %s", self._meeting.state.id, error)
            return
        for participant, placed in zip(lost, placements, strict=True):
            if placed is None:
                continue
            worker, connection = placed
            if worker != self._presence.worker:
                continue  # held by another worker, which looks after it
            if participant in self._fanout.listeners or participant in self._arriving:
                continue  # came back while Redis was asked
            log.info("meeting %s: %s has no socket here", self._meeting.state.id, participant)
            with contextlib.suppress(Rejected, Unavailable):
                await self._submit(None, cmd.Disconnect(participant, connection))

    async def let_go_of_dead_workers(self) -> None:
        """Let go of the connections of workers that died: their clients are disconnected.

        Raises `RedisError` or `OSError` when Redis cannot say who is where.
        """
        state = self._meeting.state
        # Those waiting in the lobby too: a dead worker's waiting sockets leave it (rooms.lobby).
        connected = [p.id for p in state.participants.values() if p.connected] + list(state.lobby)
        if not connected or ended(state):
            return
        where = await self._placements.everyone()
        dead = await self._presence.dead_workers({worker for worker, _ in where.values()})
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
