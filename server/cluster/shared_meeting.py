"""One meeting on one worker, with Redis: a replica that follows the writer, or the writer.

See `server.cluster.hub` for the whole picture. It stands on this worker's presence on Redis
(`server.cluster.presence`): its clients, scripts and channels. This module is what the
signalling endpoint uses: a command goes to the writer, here or on another worker, and returns
once this worker's replica holds its events. The rest has a module each, which `SharedMeeting`
puts together:

- `server.cluster.replica`: following the writer's published events, catching up from the log
  after a gap, and from the snapshot where the log no longer reaches;
- `server.cluster.writer`: the writer deciding commands in batches and answering forwarded ones,
  `server.cluster.commits` storing their events (and snapshots) in Redis;
- `server.cluster.lease`: which worker writes: holding the lease, contending for it, taking the
  meeting over and stepping down;
- `server.cluster.lost_sockets`: letting go of people no socket stands for, and of those of dead
  workers;
- `server.cluster.placements`: which worker and socket hold each participant.

Changing the meeting's state is one at a time (one write lock): a replica's catch-up, a writer's
batch, a takeover.
"""

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from rooms import Meeting, ParticipantId, Reason, Rejected
from rooms import commands as cmd
from rooms.ending import check_not_ended
from server.cluster import keys as rk
from server.cluster.commits import Commits, NotOwner
from server.cluster.lease import Lease
from server.cluster.lost_sockets import LostSockets
from server.cluster.messages import Forwarded, Reply, pack
from server.cluster.placements import Placements
from server.cluster.presence import WorkerPresence
from server.cluster.replica import Replica
from server.cluster.requests import Requests
from server.cluster.writer import Writer
from server.meetings.ballot_box import BallotBox
from server.meetings.deadlines import Deadlines
from server.meetings.hub import Deleted, HostedMeeting, Unavailable
from server.protocol.close_codes import CloseCode

log = logging.getLogger("plenum.redis")


class SharedMeeting(HostedMeeting):
    """One meeting on one worker: a replica that follows the writer, or the writer itself."""

    def __init__(
        self,
        presence: WorkerPresence,
        forwarded: Requests[Reply],
        meeting: Meeting,
        keys: rk.MeetingKeys,
        ballot_box: BallotBox,
        expired: "Callable[[SharedMeeting], Awaitable[None]]",
    ) -> None:
        super().__init__(meeting, presence.settings.event_log)
        self.presence = presence
        self.keys = keys
        self.settings = settings = presence.settings
        self.clock = presence.clock
        self.worker = presence.worker
        # The commands this worker forwards to writers.
        self._forwarded = forwarded
        self.deadlines = Deadlines(
            meeting, lambda c: self.submit(None, c), self.clock, settings.ghost_grace_s, ballot_box
        )
        write_lock = asyncio.Lock()
        self._placements = Placements(presence, keys)
        # The lease is made last, since it uses all the others; those that need to know whether
        # this worker writes, or to step down, ask it when they run.
        self.replica = Replica(
            presence, keys, meeting, write_lock, self._writing, self._pass_on, self._started_over
        )
        commits = Commits(presence, keys, meeting, self._writing, self._step_down)
        self._writer = Writer(
            presence,
            keys,
            meeting,
            write_lock,
            self._writing,
            commits,
            self.replica.apply,
            self.deadlines,
            self._placements,
        )
        self._lost_sockets = LostSockets(
            presence, meeting, self.fanout, self._placements, self.submit, self._deliver_to_writer
        )
        # Whom to tell when Redis let the meeting go: the hub, which drops it.
        self._lease = Lease(
            presence,
            keys,
            meeting,
            write_lock,
            self.replica,
            self._writer,
            commits,
            self.deadlines,
            self._lost_sockets,
            lambda: expired(self),
        )

    def start(self) -> None:
        self._lease.start()

    async def stop(self) -> None:
        self.deadlines.stop()
        await self._lease.stop()
        await self._writer.stop()
        await self._lost_sockets.stop()
        await self._lease.release()

    def _writing(self) -> bool:
        return self._lease.held

    async def _step_down(self) -> None:
        await self._lease.step_down()

    def _started_over(self) -> None:
        """The replica jumped to the meeting's snapshot, past events this worker never saw."""
        # The events kept for resuming clients now stop short of the state: a client resuming
        # from among them would miss what lies between, so it gets a snapshot instead.
        self._log.clear()
        # Its clients missed events this worker never saw: they resume and get a snapshot.
        self.fanout.close_all(CloseCode.RESYNC, "missed events: resume for a fresh snapshot")

    # What the signalling endpoint uses ---------------------------------------------------------

    async def submit(self, actor: ParticipantId | None, command: cmd.Command) -> int:
        if self.deleted:
            raise Deleted()
        if not isinstance(command, cmd.Join | cmd.Rejoin):
            return await self._submit(actor, command)
        with self._lost_sockets.arriving(command.participant):
            return await self._submit(actor, command)

    async def _submit(self, actor: ParticipantId | None, command: cmd.Command) -> int:
        # Known here to have ended: refused at once, with no placement recorded for a join or a
        # return the writer would refuse (rooms.ending). Not known yet: the writer refuses it.
        check_not_ended(self.meeting.state, command)
        try:
            if isinstance(command, cmd.Join | cmd.Rejoin):
                # Recorded before the command, so the writer never sees a connected
                # participant without knowing which worker and socket hold it.
                await self._placements.record(command.participant, command.connection)
        except (RedisError, OSError) as error:
            raise Unavailable(f"redis: {error}") from error
        if isinstance(command, cmd.Disconnect) and not await self._here(command):
            # The participant came back through another socket before this one closed.
            return self.meeting.state.seq
        seq = await self._deliver_to_writer(actor, command)
        if isinstance(command, cmd.Disconnect):
            with contextlib.suppress(RedisError, OSError):
                await self._placements.forget(command.participant, command.connection)
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
                if self._lease.held:
                    return await self._writer.write(actor, command, request, deadline)
                forwarded = Forwarded(request, self.worker, actor, command)
                reply = await self._forward(forwarded)
                if reply is not None:
                    if reply.reason is not None:
                        raise Rejected(Reason(reply.reason), reply.detail or "")
                    assert reply.seq is not None
                    await self.replica.reached(reply.seq)
                    return reply.seq
                await self._lease.contend()
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
            placed = await self._placements.of(disconnect.participant)
        except (RedisError, OSError):
            return True
        return placed is None or placed == (self.worker, disconnect.connection)
