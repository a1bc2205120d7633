"""A room spread over several workers: each worker pipes the feeds it receives from the room's
publishers to the room's other workers, and serves the feeds piped to it to its own members there.

The worker that receives a publisher (the feed's origin) offers each live, allowed track on its
end of the media pipe (`server.sfu.pipe`) and says the room's whole list (`RoomFeeds`) to the
room's other workers, the home and its spread, on their media channels: whenever the list
changes, and again at every check, so a worker that missed a message or joined the spread since
learns them all; a worker whose first member of the room arrives asks at once (`FeedsWanted`).
A worker with members in the room subscribes to each feed listed, and its forwarding unit serves
the piped feed like a local one; a feed no longer listed, an origin found dead, or the last member
here gone ends the subscription. A piped video nobody here is shown holds itself back meanwhile
(`server.sfu.pipe.PipedFeed`).

At every check a worker also tells its forwarding unit how many of each room's sessions the room's
other live workers serve (their counts in placement's spread hash), so a spread workshop asks its
members for a gallery's camera by its whole size, not this worker's part of it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from rooms import MeetingId
from rooms.ids import RoomId
from server.cluster.presence import WorkerPresence
from server.rtc.bridge import MediaBridge, media_room
from server.rtc.placement.messages import FeedNotice, FeedsWanted, RoomFeeds
from server.rtc.placement.outbox import Outbox
from server.rtc.placement.placing import RoomPlacer
from server.sfu.forwarding import Feed
from server.sfu.pipe import Address, PipedFeed, PipeEndpoint
from server.sfu.pipe_datagram import FeedId

log = logging.getLogger("plenum.media")

Room = tuple[MeetingId, RoomId]


@dataclass
class _Piped:
    """The feeds one origin pipes here for one room, by their id there."""

    address: Address
    feeds: dict[FeedId, tuple[FeedNotice, PipedFeed]]


class Spreading:
    def __init__(
        self,
        presence: WorkerPresence,
        placer: RoomPlacer,
        bridge: MediaBridge,
        outbox: Outbox,
        spawn: Callable[[Awaitable[None]], None],
    ) -> None:
        self.worker = presence.worker
        self._presence = presence
        self._placer = placer
        self._bridge = bridge
        self._outbox = outbox
        self._spawn = spawn
        self._pipe: PipeEndpoint | None = None
        # Origin side: the id each local feed is offered under, and what each room's other
        # workers were last told.
        self._ids: dict[Feed, FeedId] = {}
        self._next_id = 0
        self._said: dict[Room, tuple[FeedNotice, ...]] = {}
        # The other workers of each room this worker serves, as the last check found them.
        self._others: dict[Room, set[str]] = {}
        # Receiving side: the rooms with members here, and the feeds piped here, by origin.
        self._members: set[Room] = set()
        self._piped: dict[tuple[str, Room], _Piped] = {}
        self._syncing = False
        # The rooms whose sessions elsewhere this worker's forwarding unit was last told of.
        self._sized: set[Room] = set()

    async def open(self, address: tuple[str, int], secret: bytes) -> None:
        self._pipe = await PipeEndpoint.open(secret, address)
        self._bridge.engine.on_change = self._changed

    def close(self) -> None:
        self._bridge.engine.on_change = None
        for origin, room in list(self._piped):
            self._drop(origin, room)
        if self._pipe is not None:
            self._pipe.close()

    @property
    def pipe_address(self) -> str:
        assert self._pipe is not None
        host, port = self._pipe.address
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    # What this worker serves changed -----------------------------------------------------------

    def _changed(self) -> None:
        # Called by the engine as it recomputes: once per turn of the loop is enough.
        if not self._syncing:
            self._syncing = True
            asyncio.get_running_loop().call_soon(self._sync)

    def _sync(self) -> None:
        self._syncing = False
        try:
            lists = self._local_feeds()
            for room in set(self._said) | set(lists):
                said = lists.get(room, ())
                if said != self._said.get(room, ()):
                    self._tell(room, said, self._others.get(room, set()))
            members = {(meeting, room) for meeting, room, _ in self._bridge.sessions()}
            for room in members - self._members:
                self._spawn(self._ask(room))
            for origin, room in list(self._piped):
                if room not in members:
                    self._drop(origin, room)
            self._members = members
        except Exception:
            log.exception("could not pipe the feeds of a spread room")

    def _local_feeds(self) -> dict[Room, tuple[FeedNotice, ...]]:
        """Each room's live, allowed feeds this worker receives, offered on its pipe."""
        assert self._pipe is not None
        lists: dict[Room, list[FeedNotice]] = {}
        live: set[Feed] = set()
        for meeting, room, listener in self._bridge.sessions():
            for feed in self._bridge.engine.feeds(listener.participant):
                if not (feed.live and feed.allowed) or feed.codec is None:
                    continue
                live.add(feed)
                lists.setdefault((meeting, room), []).append(self._notice(feed, feed.codec))
        for feed in set(self._ids) - live:
            self._pipe.withdraw(self._ids.pop(feed))
        return {room: tuple(notices) for room, notices in lists.items()}

    def _notice(self, feed: Feed, codec: RTCRtpCodecParameters) -> FeedNotice:
        assert self._pipe is not None
        feed_id = self._ids.get(feed)
        if feed_id is None:
            feed_id = self._ids[feed] = FeedId(self._next_id)
            self._next_id = (self._next_id + 1) % 2**32
            self._pipe.offer(feed_id, feed)
        return FeedNotice(
            feed_id, feed.publisher, feed.mid, feed.source, feed.kind, codec.mimeType,
            codec.payloadType or 0, codec.clockRate, codec.channels,
        )  # fmt: skip

    def _tell(self, room: Room, feeds: tuple[FeedNotice, ...], workers: set[str]) -> None:
        if feeds:
            self._said[room] = feeds
        else:
            self._said.pop(room, None)
        message = RoomFeeds(self.worker, room[0], room[1], self.pipe_address, feeds)
        for worker in workers:
            self._outbox.post(worker, message)

    async def _ask(self, room: Room) -> None:
        try:
            others = await self._placer.serving(*room) - {self.worker}
        except Exception as error:
            log.warning("media of %s/%s: the room's workers not known: %s", *room, error)
            return
        self._others[room] = others
        for worker in others:
            self._outbox.post(worker, FeedsWanted(self.worker, *room))

    # The periodic check --------------------------------------------------------------------------

    async def check(self) -> None:
        """Learn each room's workers again, say this worker's feeds to all of them, and end what
        origins found dead piped here."""
        rooms = self._members | set(self._said)
        self._others = {room: await self._placer.serving(*room) - {self.worker} for room in rooms}
        for room, feeds in self._said.items():
            self._tell(room, feeds, self._others[room])
        origins = {origin for origin, _ in self._piped}
        others = set[str]().union(*self._others.values())
        dead = await self._presence.dead_workers(origins | others)
        for gone in dead & origins:
            log.info("the media origin %s is dead: its piped feeds end", gone)
            for origin, room in list(self._piped):
                if origin == gone:
                    self._drop(origin, room)
        await self._size_rooms(dead)

    async def _size_rooms(self, dead: set[str]) -> None:
        """Tell the forwarding unit each room's sessions on its other live workers."""
        engine = self._bridge.engine
        for room in self._members:
            counts = await self._placer.sessions(*room)
            elsewhere = sum(n for w, n in counts.items() if w != self.worker and w not in dead)
            engine.count_elsewhere(media_room(*room), max(elsewhere, 0))
        for room in self._sized - self._members:
            engine.count_elsewhere(media_room(*room), 0)
        self._sized = set(self._members)

    # Messages from the room's other workers ------------------------------------------------------

    def take(self, message: RoomFeeds | FeedsWanted) -> None:
        room = (message.meeting, message.room)
        if isinstance(message, FeedsWanted):
            self._others.setdefault(room, set()).add(message.worker)
            self._tell(room, self._said.get(room, ()), {message.worker})
            return
        if room not in self._members or message.worker == self.worker:
            return  # nobody here to serve: this worker asks when its first member comes
        self._pipe_in(message, room)

    def _pipe_in(self, message: RoomFeeds, room: Room) -> None:
        assert self._pipe is not None
        address = _address(message.pipe)
        key = (message.worker, room)
        piped = self._piped.get(key)
        if piped is not None and piped.address != address:
            self._drop(*key)  # the origin's pipe moved: start afresh
            piped = None
        if piped is None:
            piped = self._piped[key] = _Piped(address, {})
            if message.feeds:
                log.info("media of %s/%s: feeds piped from %s", *room, message.worker)
        listed = {FeedId(notice.feed): notice for notice in message.feeds}
        for feed_id, (notice, feed) in list(piped.feeds.items()):
            if listed.get(feed_id) != notice:
                del piped.feeds[feed_id]
                self._end(feed)
        engine_room = media_room(*room)
        for feed_id, notice in listed.items():
            if feed_id in piped.feeds:
                continue
            codec = RTCRtpCodecParameters(
                mimeType=notice.mime_type,
                clockRate=notice.clock_rate,
                channels=notice.channels,
                payloadType=notice.payload_type,
            )
            feed = PipedFeed(
                notice.publisher, notice.mid, notice.source, codec,
                pipe=self._pipe, origin=address, feed_id=feed_id,
                keyframe_retry_s=self._bridge.settings.keyframe_retry_s,
                history=self._bridge.settings.retransmit_history,
            )  # fmt: skip
            piped.feeds[feed_id] = (notice, feed)
            self._pipe.subscribe(feed)
            self._bridge.engine.add_remote_feed(feed, engine_room)
        if not piped.feeds:
            del self._piped[key]

    def _drop(self, origin: str, room: Room) -> None:
        piped = self._piped.pop((origin, room), None)
        if piped is not None:
            for _, feed in piped.feeds.values():
                self._end(feed)

    def _end(self, feed: PipedFeed) -> None:
        assert self._pipe is not None
        self._pipe.unsubscribe(feed)
        self._bridge.engine.remove_remote_feed(feed)


def _address(text: str) -> Address:
    host, _, port = text.rpartition(":")
    return host.removeprefix("[").removesuffix("]"), int(port)
