"""The media pipe: one UDP socket per worker, carrying feeds from the worker that receives a
publisher (the origin) to the other workers that serve the same room, as mediasoup pipes a
producer between routers.

The origin `offer`s its feeds under ids. A worker that wants one creates a `PipedFeed` and
`subscribe`s it: a SUBSCRIBE datagram, sent again every `refresh_s` for as long as it wants the
feed, makes the origin add one tap to the feed, which writes each packet once to that worker with
the origin's own numbering, before the origin's local outlets get it. The `PipedFeed` then serves
that worker's subscribers like a local feed: its own history and outlets. Its keyframe requests
go back to the origin as KEYFRAME; a gap in its sequence goes back as a NACK, which the origin
answers from its feed's history. A subscription that stops being refreshed (UNSUBSCRIBE, or the
other worker gone) ends.

Datagrams are sealed (`pipe_datagram`); whatever arrives that is not a datagram this endpoint can
take is dropped and counted by reason in `stats.dropped`, never raised into the event loop.
"""

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from rooms.ids import ParticipantId
from server.sfu.forwarding import Clock, Feed, Outlet
from server.sfu.messages import Mid, Source
from server.sfu.pipe_datagram import (
    BadDatagram,
    Control,
    FeedId,
    Kind,
    Nack,
    Opener,
    Rtp,
    Sealer,
    TooLarge,
    pipe_key,
    wall_us,
)

logger = logging.getLogger(__name__)

Address = tuple[str, int]
Tap = Callable[[int, int, int, bytes, int | None], None]


@dataclass(frozen=True)
class PipeSettings:
    # The largest datagram sent or taken: 1472 fits an Ethernet frame (IPv4) without fragments.
    max_datagram_bytes: int = 1472
    # Datagrams from one sender that may arrive out of order and still be taken.
    replay_window: int = 1024
    # Sender epochs (worker lives) whose replay windows are kept.
    max_senders: int = 256
    # A subscription is said again this often, and ends when not said for `expiry_s`.
    refresh_s: float = 1.0
    expiry_s: float = 5.0
    # Most packets one NACK asks for; a longer gap is left to a keyframe.
    max_nack: int = 64
    # A datagram stamped longer ago than this (or this far ahead: the workers' clocks disagree)
    # is refused: a replay window starts empty after a restart, the stamp still bounds replays.
    max_age_s: float = 10.0

    def __post_init__(self) -> None:
        if self.max_datagram_bytes < 200 or self.max_datagram_bytes > 65507:
            raise ValueError("max_datagram_bytes must be 200 to 65507 (a UDP payload)")
        if not 1 <= self.replay_window <= 65536:
            raise ValueError("replay_window must be 1 to 65536")
        if self.max_senders < 1 or self.max_nack < 1:
            raise ValueError("max_senders and max_nack must be at least 1")
        if not 0 < self.refresh_s < self.expiry_s:
            raise ValueError("0 < refresh_s < expiry_s is needed")
        if self.max_age_s <= 0:
            raise ValueError("max_age_s must be more than 0")


@dataclass
class PipeStats:
    sent: int = 0
    received: int = 0
    repairs_sent: int = 0
    refused_too_large: int = 0
    # Datagrams dropped on arrival, by reason: too_large, malformed, forged, replayed, stale,
    # unknown_feed (a feed not offered here, or not subscribed to from that address).
    dropped: collections.Counter[str] = field(default_factory=collections.Counter)
    # Arrival minus origin stamp of the last RTP datagrams (first sends only, not repairs), in µs.
    latency_us: collections.deque[int] = field(
        default_factory=lambda: collections.deque(maxlen=20000)
    )


@dataclass
class _Subscription:
    tap: Tap
    refreshed: float


class PipeEndpoint(asyncio.DatagramProtocol):
    """This worker's end of the pipe; open it with `PipeEndpoint.open`."""

    def __init__(self, secret: bytes, settings: PipeSettings, clock: Clock) -> None:
        key = pipe_key(secret)
        self.settings = settings
        self.stats = PipeStats()
        self._sealer = Sealer(key, settings.max_datagram_bytes)
        self._opener = Opener(
            key,
            settings.max_datagram_bytes,
            settings.replay_window,
            settings.max_senders,
            int(settings.max_age_s * 1e6),
        )
        self._clock = clock
        self._transport: asyncio.DatagramTransport | None = None
        # Origin side: the feeds offered, and who subscribed to each.
        self._offered: dict[FeedId, Feed] = {}
        self._subscribers: dict[FeedId, dict[Address, _Subscription]] = {}
        # Remote side: the feeds piped here, by origin and feed id.
        self._piped: dict[tuple[Address, FeedId], PipedFeed] = {}
        self._refreshing: asyncio.Task[None] | None = None
        self._failing = False

    @classmethod
    async def open(
        cls,
        secret: bytes,
        address: Address = ("127.0.0.1", 0),
        settings: PipeSettings = PipeSettings(),
        clock: Clock = time.monotonic,
    ) -> "PipeEndpoint":
        loop = asyncio.get_running_loop()
        _, endpoint = await loop.create_datagram_endpoint(
            lambda: cls(secret, settings, clock), local_addr=address
        )
        endpoint._refreshing = asyncio.create_task(endpoint._refresh())
        return endpoint

    @property
    def address(self) -> Address:
        assert self._transport is not None
        host, port = self._transport.get_extra_info("sockname")[:2]
        return host, port

    # Origin side.

    def offer(self, feed_id: FeedId, feed: Feed) -> None:
        """Let other workers subscribe to `feed` under `feed_id` (to its largest layer, for a
        simulcast video: `Feed.crossing`)."""
        feed = feed.crossing
        if self._offered.get(feed_id) is not feed:
            # Another feed under the same id: its subscribers' taps go with it.
            self.withdraw(feed_id)
        self._offered[feed_id] = feed

    def withdraw(self, feed_id: FeedId) -> None:
        for address in self.subscribers(feed_id):
            self._end(feed_id, address)
        self._offered.pop(feed_id, None)
        self._subscribers.pop(feed_id, None)

    def subscribers(self, feed_id: FeedId) -> set[Address]:
        return set(self._subscribers.get(feed_id, {}))

    # Remote side.

    def subscribe(self, feed: "PipedFeed") -> None:
        """Have `feed` fed from its origin, until `unsubscribe` (a video shown to nobody here
        holds itself back meanwhile: `PipedFeed`)."""
        self._piped[(feed.origin, feed.feed_id)] = feed
        self._send(self._sealer.control(Kind.SUBSCRIBE, feed.feed_id), feed.origin)
        feed.subscribed()

    def unsubscribe(self, feed: "PipedFeed") -> None:
        feed.unsubscribed()
        if self._piped.pop((feed.origin, feed.feed_id), None) is not None:
            self._send(self._sealer.control(Kind.UNSUBSCRIBE, feed.feed_id), feed.origin)

    def ask_keyframe(self, feed: "PipedFeed") -> None:
        self._send(self._sealer.control(Kind.KEYFRAME, feed.feed_id), feed.origin)

    def nack(self, feed: "PipedFeed", sequences: tuple[int, ...]) -> None:
        self._send(self._sealer.nack(feed.feed_id, sequences), feed.origin)

    # The socket.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A datagram transport (not a subclass of DatagramTransport before Python 3.12).
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        sender: Address = (str(addr[0]), int(addr[1]))
        try:
            message = self._opener.open(data)
            self.stats.received += 1
            if isinstance(message, Rtp):
                self._on_rtp(message, sender)
            elif isinstance(message, Nack):
                self._on_nack(message, sender)
            else:
                self._on_control(message, sender)
        except BadDatagram as bad:
            self.stats.dropped[bad.reason] += 1
        except Exception:
            # A bug in handling one datagram must not stop the pipe for every other one.
            self.stats.dropped["failed"] += 1
            logger.exception("a pipe datagram from %s could not be handled", sender)

    def error_received(self, exc: Exception) -> None:
        # An ICMP error for an earlier datagram (a worker gone): its subscription will expire.
        logger.debug("pipe socket error: %s", exc)

    def _on_rtp(self, rtp: Rtp, sender: Address) -> None:
        feed = self._piped.get((sender, rtp.feed))
        if feed is None:
            raise BadDatagram("unknown_feed", f"RTP of feed {rtp.feed} from {sender}")
        if not rtp.repair:
            self.stats.latency_us.append(wall_us() - rtp.stamp_us)
        feed.arrived(rtp.extended, rtp.marker, rtp.timestamp, rtp.payload, rtp.level)

    def _on_nack(self, nack: Nack, sender: Address) -> None:
        feed = self._offered.get(nack.feed)
        if feed is None or sender not in self._subscribers.get(nack.feed, {}):
            raise BadDatagram("unknown_feed", f"NACK of feed {nack.feed} from {sender}")
        for extended in nack.sequences[: self.settings.max_nack]:
            held = feed.history[extended & feed.history_mask]
            if held is None or held[0] != extended:
                continue  # too old: the subscriber's next keyframe request repairs it
            _, marker, timestamp, payload = held
            self.stats.repairs_sent += 1
            self._write_rtp(nack.feed, sender, extended, marker, timestamp, payload, None, True)

    def _on_control(self, control: Control, sender: Address) -> None:
        feed = self._offered.get(control.feed)
        if feed is None:
            raise BadDatagram("unknown_feed", f"{control.kind.name} of feed {control.feed}")
        subscribers = self._subscribers.setdefault(control.feed, {})
        if control.kind is Kind.SUBSCRIBE:
            subscription = subscribers.get(sender)
            if subscription is None:
                tap = self._tap(control.feed, sender)
                subscribers[sender] = _Subscription(tap, self._clock())
                feed.taps.append(tap)
            else:
                subscription.refreshed = self._clock()
        elif control.kind is Kind.UNSUBSCRIBE:
            self._end(control.feed, sender)
        elif sender in subscribers:  # KEYFRAME
            feed.request_keyframe()
        else:
            raise BadDatagram("unknown_feed", f"KEYFRAME of feed {control.feed} from {sender}")

    def _tap(self, feed_id: FeedId, to: Address) -> Tap:
        def tap(
            extended: int, marker: int, timestamp: int, payload: bytes, level: int | None
        ) -> None:
            self._write_rtp(feed_id, to, extended, marker, timestamp, payload, level, False)

        return tap

    def _write_rtp(
        self,
        feed_id: FeedId,
        to: Address,
        extended: int,
        marker: int,
        timestamp: int,
        payload: bytes,
        level: int | None,
        repair: bool,
    ) -> None:
        try:
            data = self._sealer.rtp(
                feed_id, marker, extended, timestamp, level, payload,
                repair=repair,
            )  # fmt: skip
        except TooLarge as error:
            self.stats.refused_too_large += 1
            logger.warning("pipe: packet %d of feed %d not sent: %s", extended, feed_id, error)
            return
        self._send(data, to)

    def _send(self, data: bytes, to: Address) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        try:
            self._transport.sendto(data, to)
        except Exception:
            # Called from a feed's loop: one worker's pipe failing must not stop local outlets.
            if not self._failing:
                self._failing = True
                logger.exception("could not send on the pipe to %s", to)
            return
        self._failing = False
        self.stats.sent += 1

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(self.settings.refresh_s)
            for origin, feed_id in list(self._piped):
                self._send(self._sealer.control(Kind.SUBSCRIBE, feed_id), origin)
            now = self._clock()
            for feed_id, subscribers in self._subscribers.items():
                for address, subscription in list(subscribers.items()):
                    if now - subscription.refreshed > self.settings.expiry_s:
                        self._end(feed_id, address)

    def _end(self, feed_id: FeedId, address: Address) -> None:
        subscription = self._subscribers.get(feed_id, {}).pop(address, None)
        feed = self._offered.get(feed_id)
        if subscription is not None and feed is not None and subscription.tap in feed.taps:
            feed.taps.remove(subscription.tap)

    def close(self) -> None:
        for feed_id in list(self._offered):
            self.withdraw(feed_id)
        for feed in list(self._piped.values()):
            self.unsubscribe(feed)
        if self._refreshing is not None:
            self._refreshing.cancel()
        if self._transport is not None:
            self._transport.close()


# A video shown to no subscriber here stops crossing the pipe this long after the last one
# stopped (a tile scrolled away and back within it costs nothing), until one is shown it again.
HOLD_BACK_AFTER_S = 2.0


class PipedFeed(Feed):
    """A track another worker receives from its publisher, piped here.

    A video is piped only while it is wanted here: when no outlet of this worker has carried it
    for `HOLD_BACK_AFTER_S` (every subscriber here paused it, or none ever took it), the feed
    unsubscribes, and the next outlet to take it subscribes again; that outlet asks for a
    keyframe, which the origin's feed answers. Voices are always piped: this worker hears them
    for the active speaker and the loudest voices.
    """

    def __init__(
        self,
        publisher: ParticipantId,
        mid: Mid,
        source: Source,
        codec: RTCRtpCodecParameters,
        *,
        pipe: PipeEndpoint,
        origin: Address,
        feed_id: FeedId,
        keyframe_retry_s: float,
        history: int = 512,
        on_level: Callable[[Feed, int], None] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        kind = codec.mimeType.split("/")[0].lower()
        super().__init__(
            publisher,
            mid,
            source,
            kind,
            keyframe_retry_s=keyframe_retry_s,
            history=history,
            on_level=on_level,
            clock=clock,
        )
        self.origin = origin
        self.feed_id = feed_id
        self._pipe = pipe
        self._set_codec(codec)
        # The origin forwards it, or it would not be piped: the announcement will say so.
        self.sending = self.allowed = True
        self._highest: int | None = None
        self.gaps = 0
        self.nacked = 0
        # Whether the endpoint has it subscribed, or it held itself back (shown to nobody here).
        self.piping = False
        self.held_back = False
        self._hold: asyncio.TimerHandle | None = None

    def subscribed(self) -> None:
        self.piping, self.held_back = True, False
        self._hold_back_later()

    def unsubscribed(self) -> None:
        self.piping = self.held_back = False
        self._cancel_hold()

    def attach(self, outlet: Outlet) -> None:
        super().attach(outlet)
        self._cancel_hold()
        if self.held_back:
            # What was not piped meanwhile is not to be asked for: numbering starts afresh.
            self._highest = None
            self._pipe.subscribe(self)

    def detach(self, outlet: Outlet) -> None:
        super().detach(outlet)
        self._hold_back_later()

    def _hold_back_later(self) -> None:
        if self.kind != "video" or self.outlets or not self.piping or self._hold is not None:
            return
        self._hold = asyncio.get_running_loop().call_later(HOLD_BACK_AFTER_S, self._hold_back)

    def _hold_back(self) -> None:
        self._hold = None
        if self.piping and not self.outlets:
            self._pipe.unsubscribe(self)
            self.held_back = True

    def _cancel_hold(self) -> None:
        if self._hold is not None:
            self._hold.cancel()
            self._hold = None

    def arrived(
        self, extended: int, marker: int, timestamp: int, payload: bytes, level: int | None
    ) -> None:
        """One packet from the pipe, in the origin's numbering."""
        highest = self._highest
        span = len(self.history)
        if highest is None or abs(extended - highest) >= span:
            # The first packet, or a new stream at the origin (its publisher's sender started
            # again, so its numbering did): nothing before it can be repaired.
            if highest is not None:
                self._new_stream()
            self._highest = extended
        elif extended > highest:
            missing = extended - highest - 1
            if missing:
                self.gaps += 1
                self._ask_again(highest + 1, extended)
            self._highest = extended
        else:
            held = self.history[extended & self.history_mask]
            if held is not None and held[0] == extended:
                return  # a repair of a packet that came after all
        self.take(extended, marker, timestamp, payload, level)

    def _ask_again(self, first: int, end: int) -> None:
        count = end - first
        if count > self._pipe.settings.max_nack:
            # Too many to ask for one by one: the next keyframe repairs the picture.
            self.request_keyframe()
            return
        self.nacked += count
        self._pipe.nack(self, tuple(range(first, end)))

    def _ask_keyframe(self) -> bool:
        self._pipe.ask_keyframe(self)
        return True
