"""Which workers serve each room's media: its home, placed once on the live worker with the fewest
media sessions, and the workers the room spreads to when the home has its share of the room's
sessions (`media_room_share`). A session that publishes goes to the home past its share, so its
feeds start where most of the room is and fan out to the spread once; when the home dies, the
worker of the spread that serves most of the room's sessions becomes the new home (the least
loaded live worker if the room had no spread)."""

import asyncio
import logging
from typing import Any

from redis.exceptions import RedisError

from rooms import MeetingId
from rooms.ids import RoomId
from server.cluster import keys as rk
from server.cluster.messages import as_bytes
from server.cluster.presence import WorkerPresence
from server.rtc.bridge import MediaBridge
from server.sfu import MediaError, MediaErrorCode, MediaOffer, Mid, Source
from server.sfu.peer import parse_sdp

log = logging.getLogger("plenum.media")

SENDING = frozenset({"sendrecv", "sendonly"})


class RoomPlacer:
    def __init__(self, presence: WorkerPresence, bridge: MediaBridge) -> None:
        self._presence = presence
        self._redis = presence.redis
        self._scripts = presence.scripts
        self._bridge = bridge
        self.worker = presence.worker
        settings = presence.settings
        self._retention_ms = int(settings.retention_s * 1000)
        self._load_ttl_ms = int(settings.worker_ttl_s * 2000)
        self._share = settings.media_room_share
        # The rooms whose sessions this worker counted last, so a room it no longer serves is
        # counted once more, at 0.
        self._counted: set[tuple[MeetingId, RoomId]] = set()
        # One room placed at a time from this worker, each seeing the loads the last one moved.
        self._placing = asyncio.Lock()

    async def place(self, meeting: MeetingId, room: RoomId, moving_here: int = 0) -> str:
        """The worker serving the room's media; placed first if nobody (or a dead one) does.

        `moving_here`: how many of this worker's sessions are in the room already, and leave this
        worker if the room goes elsewhere.
        """
        key = rk.placement_key(meeting, room)
        try:
            current = await self._redis.get(key)
            if current is None:
                async with self._placing:
                    current = await self._place_new(key, moving_here)
            worker = as_bytes(current).decode()
            if worker != self.worker and await self._presence.dead_workers({worker}):
                worker = await self.replace_dead(meeting, room, worker)
            return worker
        except (RedisError, OSError) as error:
            raise MediaError(MediaErrorCode.UNAVAILABLE, f"redis: {error}") from error

    async def take_session(self, meeting: MeetingId, room: RoomId, publishes: bool = False) -> str:
        """The worker that serves a new session of the room: its home while the home has fewer
        than its share of the room's sessions, or if the session `publishes`; else a worker of
        the room's spread with room left, else the live worker with the fewest media sessions,
        which joins the spread."""
        home = await self.place(meeting, room)
        try:
            spread_key = rk.spread_key(meeting, room)
            counts = {
                as_bytes(k).decode(): int(v)
                for k, v in (await self._redis.hgetall(spread_key)).items()
            }
            spread = set(counts) - {rk.HOME, home}
            dead = await self._presence.dead_workers(spread)
            full = {w for w in spread if counts[w] >= self._share}
            if counts.get(rk.HOME, 0) >= self._share:
                full.add(home)
            async with self._placing:
                newcomer = home
                if home in full and not publishes:
                    # Only a room at its home's share looks for a worker to spread to.
                    newcomer = await self._least_loaded(frozenset(full | dead), fallback=True)
                chosen = await self._scripts.take_session(
                    keys=[rk.placement_key(meeting, room), spread_key],
                    args=[self._share, self._retention_ms, newcomer, int(publishes), *sorted(dead)],
                )
                if chosen is None:
                    return home  # the home is gone this very moment: the next offer places it
                worker = as_bytes(chosen).decode()
                if worker == newcomer != home and worker not in counts:
                    log.info("media of %s/%s spreads to %s", meeting, room, worker)
                if worker != home:
                    # Counted where it goes now, for the next room or spread placed meanwhile.
                    await self._scripts.reserve(keys=[rk.load_key(worker)], args=[1])
            return worker
        except (RedisError, OSError) as error:
            raise MediaError(MediaErrorCode.UNAVAILABLE, f"redis: {error}") from error

    async def serving(self, meeting: MeetingId, room: RoomId) -> set[str]:
        """The workers that serve the room's media: its home and the workers of its spread."""
        home = await self.placed(meeting, room)
        fields = await self._redis.hkeys(rk.spread_key(meeting, room))
        spread = {as_bytes(f).decode() for f in fields} - {rk.HOME}
        return spread | ({home} if home is not None else set())

    async def sessions(self, meeting: MeetingId, room: RoomId) -> dict[str, int]:
        """The room's media sessions on each worker that serves it, as each counted them last
        (`publish_load`) or as placement moved them since."""
        home = await self.placed(meeting, room)
        counts: dict[str, int] = {}
        for field, value in (await self._redis.hgetall(rk.spread_key(meeting, room))).items():
            worker = as_bytes(field).decode()
            if worker == rk.HOME:
                if home is not None:
                    counts[home] = int(value)
            elif worker != home:
                counts[worker] = int(value)
        return counts

    async def placed(self, meeting: MeetingId, room: RoomId) -> str | None:
        """The worker serving the room's media, if it is placed."""
        current = await self._redis.get(rk.placement_key(meeting, room))
        return None if current is None else as_bytes(current).decode()

    async def _place_new(self, key: str, moving_here: int) -> Any:
        current = await self._redis.get(key)
        if current is not None:
            return current  # placed while this worker waited its turn
        chosen = await self._least_loaded(leaving=moving_here)
        if await self._redis.set(key, chosen, px=self._retention_ms, nx=True):
            # Count the sessions where they are going now, not at the next heartbeat, so the next
            # room placed (a moment later, in a workshop round) sees them.
            # Sessions already here that stay here change nothing.
            moves = {} if chosen == self.worker and moving_here else {chosen: max(moving_here, 1)}
            if chosen != self.worker and moving_here:
                moves[self.worker] = -moving_here
            for worker, change in moves.items():
                await self._scripts.reserve(keys=[rk.load_key(worker)], args=[change])
        return await self._redis.get(key)

    async def replace_dead(self, meeting: MeetingId, room: RoomId, dead: str) -> str:
        """Place the room again, unless another worker already moved it; where it is now. The
        new home is the live worker of the room's spread with most of its sessions, so the fewest
        start again, else the live worker with the fewest media sessions."""
        spread_key = rk.spread_key(meeting, room)
        spread = {as_bytes(f).decode() for f in await self._redis.hkeys(spread_key)}
        gone = await self._presence.dead_workers(spread - {rk.HOME, dead, self.worker})
        successor = await self._least_loaded(frozenset({dead}))
        placed = await self._scripts.replace(
            keys=[rk.placement_key(meeting, room), spread_key],
            args=[dead, successor, self._retention_ms, *sorted(gone)],
        )
        now = as_bytes(placed).decode()
        log.info("media of %s/%s moves from %s to %s", meeting, room, dead, now)
        return now

    async def _least_loaded(
        self, exclude: frozenset[str] = frozenset(), leaving: int = 0, fallback: bool = False
    ) -> str:
        """The live worker with the fewest media sessions, counting this worker's without the
        `leaving` ones: the sessions of the room being placed go wherever it does. With
        `fallback`, when every live worker is excluded, the least loaded of them all."""
        loads: dict[str, int] = {}
        keys = [k async for k in self._redis.scan_iter(match=rk.load_key("*"))]
        if keys:
            for key, value in zip(keys, await self._redis.mget(keys), strict=True):
                worker = as_bytes(key).decode().split(":")[2]
                if value is not None:
                    loads[worker] = int(value)
        # This worker's own count if it has not published one yet.
        loads[self.worker] = loads.get(self.worker, len(self._bridge)) - leaving
        dead = await self._presence.dead_workers(set(loads) - {self.worker})
        candidates = [w for w in loads if w not in exclude and w not in dead]
        if not candidates and fallback:
            candidates = [w for w in loads if w not in dead]
        # Fewest sessions first; this worker wins a tie (no hop for its own clients).
        return min(candidates, key=lambda w: (loads[w], w != self.worker, w))

    async def publish_load(self, pipe: str | None = None) -> None:
        """Publish this worker's count of media sessions, next to its sign of life, its count of
        each room's, and where its end of the media pipe is."""
        # Not while this worker places a room: its count then moves on purpose.
        async with self._placing:
            await self._redis.set(rk.load_key(self.worker), len(self._bridge), px=self._load_ttl_ms)
            if pipe is not None:
                await self._redis.set(rk.pipe_address_key(self.worker), pipe, px=self._load_ttl_ms)
            rooms: dict[tuple[MeetingId, RoomId], int] = {}
            for meeting, room, _ in self._bridge.sessions():
                rooms[(meeting, room)] = rooms.get((meeting, room), 0) + 1
            for meeting, room in self._counted - set(rooms):
                rooms[(meeting, room)] = 0
            self._counted = {key for key, count in rooms.items() if count}
            for (meeting, room), count in rooms.items():
                await self._scripts.count_sessions(
                    keys=[rk.placement_key(meeting, room), rk.spread_key(meeting, room)],
                    args=[self.worker, count, self._retention_ms],
                )


def sends_what_it_may(offer: MediaOffer, rights: frozenset[Source]) -> bool:
    """Whether the offer sends a track from a source its participant may publish: all placement
    knows of a publisher before its session starts. A listener's offer sends nothing; an offer
    that does not parse publishes nothing (the media worker refuses it)."""
    try:
        description = parse_sdp(offer.sdp)
    except MediaError:
        return False
    return any(
        media.port != 0
        and media.direction in SENDING
        and offer.source_of(Mid(media.rtp.muxId), media.kind) in rights
        for media in description.media
    )
