"""Meetings shared by every worker through Redis: one writer per meeting, the rest follow.

Every worker that has clients in a meeting keeps a replica of it. The worker holding the
meeting's lease is its only writer: it decides each command's events with the core, stores them
in the meeting's log and publishes them in one atomic script, then applies them. The others
forward their clients' commands to it and apply the events it publishes; pub/sub delivers at most
once, so a replica that sees a gap in the sequence reads what it missed from the log. When the
writer dies its lease runs out and another worker takes the meeting over from the log. Deadlines
are in the state, so the workshops' clock goes on. See `server.cluster.keys` for the layout.

`RedisHub` is the registry of this worker's replicas (`server.cluster.shared_meeting`, which
names the module of each part: following, writing, the lease, lost sockets); this worker's
presence on Redis (`server.cluster.presence`) is what it stands on. It keeps the index of the
meetings in Redis, for the organiser's list, and deletes a meeting on every worker: its lease
is taken for good first (no writer can store more of it, nor take it over), every worker is
told on `DELETED_CHANNEL` to close its sockets and drop its replica, then its keys go.
"""

import asyncio
import contextlib
import logging
import secrets

from redis.exceptions import RedisError

from rooms import Meeting, MeetingId, MeetingState
from rooms.plain import from_plain
from server import links
from server.cluster import keys as rk
from server.cluster.messages import LogEntry, Reply, as_bytes, pack, unpack
from server.cluster.presence import WorkerPresence
from server.cluster.requests import Requests
from server.cluster.shared_meeting import SharedMeeting
from server.meetings.ballot_box import BallotBox
from server.meetings.hub import Unavailable
from server.meetings.records import snapshot_from
from server.meetings.replay import replay_in_order
from server.protocol.close_codes import CloseCode

log = logging.getLogger("plenum.redis")


class RedisHub:
    def __init__(self, presence: WorkerPresence, ballot_box: BallotBox) -> None:
        self.presence = presence
        # Counted by the writer of a meeting when one of its secret polls closes.
        self._ballot_box = ballot_box
        self.settings = presence.settings
        self._meetings: dict[MeetingId, SharedMeeting] = {}
        self._opening: dict[MeetingId, asyncio.Task[SharedMeeting | None]] = {}
        # Commands forwarded to the meetings' writers, answered on this worker's replies channel.
        self._forwarded = Requests[Reply](presence, self.settings.command_timeout_s)
        presence.on_reconnected.append(self._resync_all)
        # Replicas being dropped because another worker deleted their meeting.
        self._dropping: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await self.presence.listen_to(rk.replies_channel(self.presence.worker), self._on_reply)
        await self.presence.listen_to(rk.DELETED_CHANNEL, self._on_deleted)
        await self._index_unlisted()

    async def stop(self) -> None:
        for task in list(self._dropping):
            await task
        for meeting in self._meetings.values():
            await meeting.stop()

    def __len__(self) -> int:
        return len(self._meetings)

    async def create(
        self, title: str, starts_at: float | None, ends_at: float | None = None
    ) -> SharedMeeting:
        meeting_id = MeetingId(secrets.token_urlsafe(9))
        state = MeetingState(id=meeting_id, title=title, starts_at=starts_at, ends_at=ends_at)
        keys = rk.MeetingKeys.of(meeting_id)
        kept_ms = links.kept_for_ms(self.settings, ends_at, self.presence.clock())
        await self.presence.redis.set(keys.snapshot, pack(state), px=kept_ms, nx=True)
        await self.presence.redis.sadd(rk.MEETINGS, meeting_id)
        opened = await self.open(meeting_id)
        assert opened is not None, "a meeting just stored can be opened"
        return opened

    async def open(self, meeting_id: MeetingId) -> SharedMeeting | None:
        if meeting_id in self._meetings:
            return self._meetings[meeting_id]
        # Two clients of a meeting new to this worker may arrive at once: load it only once.
        task = self._opening.get(meeting_id)
        if task is None:
            task = asyncio.create_task(self._load(meeting_id))
            self._opening[meeting_id] = task
            task.add_done_callback(lambda _: self._opening.pop(meeting_id, None))
        return await asyncio.shield(task)

    async def _load(self, meeting_id: MeetingId) -> SharedMeeting | None:
        keys = rk.MeetingKeys.of(meeting_id)
        stored = await self.presence.redis.get(keys.snapshot)
        if stored is None:
            return None
        state = snapshot_from(as_bytes(stored))
        meeting = Meeting(state, self.settings.meeting)
        shared = SharedMeeting(
            self.presence, self._forwarded, meeting, keys, self._ballot_box, self._forget
        )
        await self.presence.listen_to(keys.events, shared.replica.on_published)
        await shared.replica.catch_up()
        self._meetings[meeting_id] = shared
        shared.start()
        return shared

    async def _index_unlisted(self) -> None:
        """Meetings stored before Redis kept their index (an upgrade) join it."""
        redis = self.presence.redis
        found = [
            rk.meeting_of_snapshot(as_bytes(key).decode())
            async for key in redis.scan_iter(match=rk.SNAPSHOTS, count=500)
        ]
        if found:
            await redis.sadd(rk.MEETINGS, *found)

    async def meeting_ids(self) -> list[MeetingId]:
        try:
            return await self._meeting_ids()
        except (RedisError, OSError) as error:
            raise Unavailable(f"redis: {error}") from error

    async def _meeting_ids(self) -> list[MeetingId]:
        """The index's meetings whose data Redis still keeps; those it let go leave the index."""
        redis = self.presence.redis
        listed = sorted(as_bytes(member).decode() for member in await redis.smembers(rk.MEETINGS))
        if not listed:
            return []
        async with redis.pipeline(transaction=False) as pipe:
            for meeting_id in listed:
                pipe.exists(rk.MeetingKeys.of(MeetingId(meeting_id)).snapshot)
            kept = await pipe.execute()
        gone = [meeting_id for meeting_id, exists in zip(listed, kept, strict=True) if not exists]
        if gone:
            await redis.srem(rk.MEETINGS, *gone)
        return [MeetingId(one) for one, exists in zip(listed, kept, strict=True) if exists]

    async def read(self, meeting_id: MeetingId) -> MeetingState | None:
        hosted = self._meetings.get(meeting_id)
        if hosted is not None:
            return hosted.meeting.state
        # Not hosted here: its snapshot and the log after it, as a replica would catch up, but
        # with no replica left behind (a listing of every meeting would make this worker the
        # writer of every idle one).
        keys = rk.MeetingKeys.of(meeting_id)
        try:
            stored = await self.presence.redis.get(keys.snapshot)
            if stored is None:
                return None
            meeting = Meeting(snapshot_from(as_bytes(stored)), self.settings.meeting)
            after = rk.log_id(meeting.state.seq + 1)
            raw = await self.presence.redis.xrange(keys.log, min=after, max="+")
        except (RedisError, OSError) as error:
            raise Unavailable(f"redis: {error}") from error
        entries = (LogEntry.parse(fields).stamped for _, fields in raw or [])
        await replay_in_order(meeting, entries, meeting.replay)
        return meeting.state

    async def delete(self, meeting_id: MeetingId) -> bool:
        try:
            return await self._delete(meeting_id)
        except (RedisError, OSError) as error:
            raise Unavailable(f"redis: {error}") from error

    async def _delete(self, meeting_id: MeetingId) -> bool:
        redis = self.presence.redis
        keys = rk.MeetingKeys.of(meeting_id)
        if not await redis.exists(keys.snapshot):
            return False
        # The lease first, for the retention: the writer's next commit is refused, and no worker
        # takes the meeting over and stores a snapshot of it again.
        retention_ms = int(self.settings.retention_s * 1000)
        await redis.set(keys.lease, rk.DELETED_LEASE, px=retention_ms)
        # Then the snapshot: a worker that opens the meeting from now on finds nothing.
        await redis.delete(keys.snapshot)
        await self._drop(meeting_id)
        await self.presence.publish(rk.DELETED_CHANNEL, meeting_id.encode())
        await rk.delete_matching(
            redis, rk.meeting_pattern(meeting_id), keep=frozenset({keys.lease})
        )
        await redis.srem(rk.MEETINGS, meeting_id)
        log.info("meeting %s deleted by the organiser", meeting_id)
        return True

    def _on_deleted(self, data: bytes) -> None:
        """Another worker deleted a meeting: close its sockets here and drop the replica."""
        meeting_id = MeetingId(data.decode())
        if meeting_id not in self._meetings:
            return
        task = asyncio.create_task(self._drop(meeting_id))
        self._dropping.add(task)
        task.add_done_callback(self._dropping.discard)

    async def _drop(self, meeting_id: MeetingId) -> None:
        shared = self._meetings.get(meeting_id)
        if shared is None:
            return
        shared.close_as_deleted()
        await self._let_go(shared)

    async def _forget(self, meeting: SharedMeeting) -> None:
        """A meeting that expired: close its clients here and drop it."""
        meeting.fanout.close_all(CloseCode.NO_MEETING, "the meeting has ended")
        with contextlib.suppress(RedisError, OSError):
            await self.presence.redis.srem(rk.MEETINGS, meeting.meeting.state.id)
        await self._let_go(meeting)

    async def _let_go(self, meeting: SharedMeeting) -> None:
        self._meetings.pop(meeting.meeting.state.id, None)
        await self.presence.stop_listening(meeting.keys.events)
        await self.presence.stop_listening(meeting.keys.commands)
        await meeting.stop()

    def _resync_all(self) -> None:
        for meeting in self._meetings.values():
            meeting.replica.resync()

    def _on_reply(self, data: bytes) -> None:
        reply = from_plain(Reply, unpack(data))
        self._forwarded.answered(reply.request, reply)
