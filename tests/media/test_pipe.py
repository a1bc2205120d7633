"""Two pipe endpoints in one process over loopback, with a wire between them that the tests can
make lose, repeat, reorder or alter datagrams (a UDP relay, since loopback itself does none).

The origin's feed is given packets as a publisher's receiver would give them; the other worker's
`PipedFeed` has an outlet that writes to a list, so each test reads what a subscriber there gets.
"""

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import cast

import pytest
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from rooms.ids import PLENARY, ParticipantId
from server.sfu import aiortc_private
from server.sfu.forwarding import Feed, Outlet
from server.sfu.messages import MediaView, Mid, ShownVideo, Source
from server.sfu.pipe import HOLD_BACK_AFTER_S, Address, PipedFeed, PipeEndpoint, PipeSettings
from server.sfu.pipe_datagram import FeedId, Kind, Sealer, pipe_key
from tests.harness.waiting import eventually

from .clients import Client, Forum

SECRET = b"the secret every worker shares"
VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)
FEED = FeedId(7)
KEYFRAME = b"\x10\x00" + bytes(100)  # VP8: start of partition 0, frame tag says key
DELTA = b"\x10\x01" + bytes(100)
FAST = PipeSettings(refresh_s=0.05, expiry_s=0.3)
AV = (Source.CAMERA, Source.MICROPHONE)

# Given a datagram on its way from the origin to the other worker, what the wire sends on.
Meddle = Callable[[bytes], list[bytes]]


def rtp(data: bytes) -> bool:
    return data[1] == Kind.RTP


class Published(Feed):
    """The origin's feed, fed by the test; its keyframe requests are counted, not sent."""

    def __init__(self) -> None:
        super().__init__(
            ParticipantId("ada"), Mid("0"), Source.CAMERA, "video", keyframe_retry_s=0.5
        )
        self._set_codec(VP8)
        self.allowed = True
        self.asked = 0

    def _ask_keyframe(self) -> bool:
        self.asked += 1
        return True


class Wire(asyncio.DatagramProtocol):
    """A relay between the origin's endpoint and the other worker's: whatever comes from the
    origin goes to the last address the other side wrote from, and the other way round."""

    def __init__(self, origin: Address) -> None:
        self.origin = origin
        self.other: Address | None = None
        self.meddle: Meddle = lambda data: [data]
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        assert self.transport is not None
        sender = (str(addr[0]), int(addr[1]))
        if sender != self.origin:
            self.other = sender
            self.transport.sendto(data, self.origin)
        elif self.other is not None:
            for out in self.meddle(data):
                self.transport.sendto(out, self.other)

    @property
    def address(self) -> Address:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return host, port


@dataclass
class Link:
    origin: PipeEndpoint
    remote: PipeEndpoint
    wire: Wire
    published: Published
    piped: PipedFeed
    sent: list[bytes]  # what a subscriber of the piped feed on the other worker gets

    def publish(self, first: int, payloads: list[bytes]) -> None:
        for offset, payload in enumerate(payloads):
            sequence = first + offset
            self.published.take(sequence, 1, sequence * 3000, payload, None)

    def subscriber_sequences(self) -> list[int]:
        return [RtpPacket.parse(data).sequence_number for data in self.sent]

    def piped_holds(self, sequences: range) -> bool:
        history = self.piped.history
        return all(history[s & self.piped.history_mask] is not None for s in sequences)


async def subscribed(
    origin: PipeEndpoint, remote: PipeEndpoint, origin_address: Address
) -> tuple[PipedFeed, list[bytes]]:
    """The origin's FEED piped to `remote` (reaching the origin at `origin_address`), with an
    outlet there that writes what a subscriber gets to the list returned."""
    piped = PipedFeed(
        ParticipantId("ada"), Mid("0"), Source.CAMERA, VP8,
        pipe=remote, origin=origin_address, feed_id=FEED, keyframe_retry_s=0.5,
    )  # fmt: skip
    sent: list[bytes] = []
    outlet = Outlet("video")
    outlet.attach(piped)
    outlet.open_with(payload_type=96, ssrc=1, extensions=b"", clock_rate=90000, write=sent.append)
    remote.subscribe(piped)
    await eventually(lambda: origin.subscribers(FEED), 2, failure="the origin got no SUBSCRIBE")
    return piped, sent


@pytest.fixture
async def link() -> AsyncIterator[Link]:
    loop = asyncio.get_running_loop()
    origin = await PipeEndpoint.open(SECRET, settings=FAST)
    remote = await PipeEndpoint.open(SECRET, settings=FAST)
    transport, wire = await loop.create_datagram_endpoint(
        lambda: Wire(origin.address), local_addr=("127.0.0.1", 0)
    )
    published = Published()
    origin.offer(FEED, published)
    piped, sent = await subscribed(origin, remote, wire.address)
    try:
        yield Link(origin, remote, wire, published, piped, sent)
    finally:
        origin.close()
        remote.close()
        transport.close()


async def test_packets_cross_with_their_numbering_and_a_subscriber_starts_at_a_keyframe(
    link: Link,
) -> None:
    link.publish(1000, [DELTA, KEYFRAME, DELTA, DELTA])
    await eventually(lambda: len(link.sent) == 3, 2)

    assert [link.piped.history[s & link.piped.history_mask] for s in range(1000, 1004)] == [
        (s, 1, s * 3000, payload)
        for s, payload in zip(range(1000, 1004), [DELTA, KEYFRAME, DELTA, DELTA], strict=True)
    ]
    first = link.subscriber_sequences()[0]
    assert link.subscriber_sequences() == [first, first + 1, first + 2]
    assert RtpPacket.parse(link.sent[0]).payload == KEYFRAME
    assert len(link.remote.stats.latency_us) == 4
    assert link.remote.stats.dropped == {}


def nth_rtp(n: int, then: Callable[[bytes], list[bytes]]) -> Meddle:
    """Let every datagram through as it is, but the `n`th RTP one (from 1): `then` says what of it
    goes on."""
    seen = 0

    def meddle(data: bytes) -> list[bytes]:
        nonlocal seen
        if not rtp(data):
            return [data]
        seen += 1
        return then(data) if seen == n else [data]

    return meddle


async def test_an_altered_datagram_is_dropped_counted_and_repaired_by_a_nack(link: Link) -> None:
    link.wire.meddle = nth_rtp(
        2, lambda data: [data[:-20] + bytes([data[-20] ^ 0x40]) + data[-19:]]
    )
    link.publish(1, [KEYFRAME, DELTA, DELTA])
    await eventually(lambda: link.piped_holds(range(1, 4)), 2)
    assert link.remote.stats.dropped == {"forged": 1}
    assert link.piped.gaps == 1
    assert link.origin.stats.repairs_sent == 1
    assert len(link.sent) == 3


async def test_a_replayed_datagram_is_dropped(link: Link) -> None:
    link.wire.meddle = lambda data: [data, data] if rtp(data) else [data]
    link.publish(1, [KEYFRAME, DELTA, DELTA])
    await eventually(lambda: link.remote.stats.dropped["replayed"] == 3, 2)
    assert link.piped.packets == 3
    assert len(link.sent) == 3


async def test_reordered_packets_all_arrive_once(link: Link) -> None:
    held: list[bytes] = []

    def swap_second_and_third(data: bytes) -> list[bytes]:
        if not rtp(data):
            return [data]
        held.append(data)
        if len(held) == 2:
            return []
        return [data, held[1]] if len(held) == 3 else [data]

    link.wire.meddle = swap_second_and_third
    link.publish(1, [KEYFRAME, DELTA, DELTA, DELTA])
    await eventually(lambda: link.piped_holds(range(1, 5)), 2)
    assert link.piped.packets == 4
    assert len(link.sent) == 4
    first = RtpPacket.parse(link.sent[0]).sequence_number
    assert link.subscriber_sequences() == [first, first + 2, first + 1, first + 3]
    assert link.remote.stats.dropped == {}


async def test_a_lost_packet_is_asked_for_and_resent_from_the_origins_history(link: Link) -> None:
    link.wire.meddle = nth_rtp(2, lambda data: [])
    link.publish(50, [KEYFRAME, DELTA, DELTA, DELTA])
    await eventually(lambda: link.piped_holds(range(50, 54)), 2)
    assert link.piped.gaps == 1 and link.piped.nacked == 1
    assert link.origin.stats.repairs_sent == 1
    assert link.piped.packets == 4
    assert len(link.sent) == 4


async def test_a_subscriber_waiting_for_a_keyframe_asks_the_origins_feed(link: Link) -> None:
    link.publish(1, [DELTA])
    await eventually(lambda: link.published.asked == 1, 2, failure="no KEYFRAME reached the origin")
    assert link.published.keyframe_requests == 1
    assert link.piped.keyframe_requests == 1
    assert link.sent == []


async def test_after_unsubscribe_nothing_more_is_sent(link: Link) -> None:
    link.publish(1, [KEYFRAME])
    await eventually(lambda: len(link.sent) == 1, 2)
    link.remote.unsubscribe(link.piped)
    await eventually(lambda: not link.origin.subscribers(FEED), 2)
    assert link.published.taps == []
    sent = link.origin.stats.sent
    link.publish(2, [DELTA, DELTA])
    assert link.origin.stats.sent == sent


async def test_a_subscription_no_longer_refreshed_expires(link: Link) -> None:
    # The other worker dies without a word: its endpoint stops refreshing.
    link.wire.other = None
    link.wire.meddle = lambda data: []
    link.remote.close()
    await eventually(lambda: not link.origin.subscribers(FEED), 2)
    assert link.published.taps == []


async def test_a_packet_too_large_for_a_datagram_is_refused_and_local_outlets_go_on(
    link: Link,
) -> None:
    local: list[bytes] = []
    outlet = Outlet("video")
    outlet.attach(link.published)
    outlet.open_with(payload_type=96, ssrc=2, extensions=b"", clock_rate=90000, write=local.append)
    link.publish(1, [KEYFRAME + bytes(2000), KEYFRAME])
    await eventually(lambda: len(link.sent) == 1, 2)
    assert link.origin.stats.refused_too_large == 1
    assert len(local) == 2


async def test_datagrams_from_a_stranger_are_dropped_and_counted(link: Link) -> None:
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        other_key = Sealer(pipe_key(b"not our secret"), 1472)
        stranger.sendto(b"junk", link.origin.address)
        stranger.sendto(other_key.control(Kind.SUBSCRIBE, FEED), link.origin.address)
        our_key = Sealer(pipe_key(SECRET), 1472)
        stranger.sendto(our_key.control(Kind.SUBSCRIBE, FeedId(99)), link.origin.address)
        stranger.sendto(bytes(2000), link.origin.address)
        await eventually(lambda: sum(link.origin.stats.dropped.values()) == 4, 2)
    finally:
        stranger.close()
    assert link.origin.stats.dropped == {
        "malformed": 1,
        "forged": 1,
        "unknown_feed": 1,
        "too_large": 1,
    }
    assert link.origin.subscribers(FEED) == {link.wire.address}


@dataclass
class TwoWorkers:
    """Two workers' forwarding units, each with its own clients, and a presenter on the first
    whose camera and microphone are piped to the second (by feed id, by kind)."""

    here: Forum
    there: Forum
    origin: PipeEndpoint
    remote: PipeEndpoint
    presenter: Client
    feeds: list[Feed]
    ids: dict[str, FeedId]


@pytest.fixture
async def two_workers() -> AsyncIterator[TwoWorkers]:
    here, there = Forum(), Forum()
    origin = await PipeEndpoint.open(SECRET)
    remote = await PipeEndpoint.open(SECRET)
    try:
        presenter = await here.join("presenter", may=AV, camera=(320, 240), microphone=True)
        feeds = here.engine.feeds(presenter.participant)
        await eventually(lambda: len(feeds) == 2 and all(f.live for f in feeds), 10)
        ids = {}
        for number, feed in enumerate(feeds):
            assert feed.codec is not None
            origin.offer(FeedId(number), feed)
            piped = PipedFeed(
                feed.publisher, feed.mid, feed.source, feed.codec,
                pipe=remote, origin=origin.address, feed_id=FeedId(number), keyframe_retry_s=0.5,
            )  # fmt: skip
            remote.subscribe(piped)
            there.engine.add_remote_feed(piped, PLENARY)
            ids[feed.kind] = FeedId(number)
        yield TwoWorkers(here, there, origin, remote, presenter, feeds, ids)
    finally:
        await there.aclose()
        await here.aclose()
        origin.close()
        remote.close()


async def test_a_subscriber_on_another_worker_sees_and_hears_the_publisher_and_asks_it(
    two_workers: TwoWorkers,
) -> None:
    w = two_workers
    listener = await w.there.join("listener")
    await listener.wait_until(
        lambda: listener.video_from((320, 240)) >= 10 and listener.audio() >= 10, timeout=10
    )
    assert listener.publishers_offered() == {w.presenter.participant}

    (video,) = [f for f in w.feeds if f.kind == "video"]
    requests = video.keyframe_requests
    (receiving,) = [t for t in listener.pc.getTransceivers() if t.kind == "video"]
    # The listener's decoder lost the picture: its PLI goes to worker B, then over the pipe.
    assert aiortc_private.request_keyframe(receiving.receiver) is not None
    await eventually(lambda: video.keyframe_requests > requests, 3)
    assert w.remote.stats.dropped == {} and w.origin.stats.dropped == {}


async def test_a_feed_offered_again_under_its_id_drops_the_old_ones_subscribers(link: Link) -> None:
    replacement = Published()
    link.origin.offer(FEED, replacement)
    assert link.published.taps == []
    # The other worker's next refresh subscribes it to the feed now under that id.
    await eventually(lambda: len(replacement.taps) == 1, 2)
    replacement.take(1, 1, 3000, KEYFRAME, None)
    await eventually(lambda: len(link.sent) == 1, 2)


async def test_a_new_stream_at_the_origin_starts_again_at_its_keyframe_without_a_nack(
    link: Link,
) -> None:
    link.publish(40000, [KEYFRAME, DELTA])
    await eventually(lambda: len(link.sent) == 2, 2)
    # The publisher's sender started again: the origin numbers its packets from a new start.
    link.publish(7, [DELTA, KEYFRAME, DELTA])
    await eventually(lambda: len(link.sent) == 4, 2)
    first = link.subscriber_sequences()[0]
    assert link.subscriber_sequences() == [first, first + 1, first + 2, first + 3]
    assert link.piped.gaps == 0 and link.origin.stats.repairs_sent == 0


async def test_a_video_shown_to_nobody_here_stops_crossing_the_pipe_until_it_is_shown(
    two_workers: TwoWorkers,
) -> None:
    w = two_workers
    listener = await w.there.join("listener")
    await listener.wait_until(lambda: listener.video_from((320, 240)) >= 10, timeout=10)

    # The listener shows no video: after the hold, the video stops crossing; the voice not.
    w.there.engine.set_view(listener.participant, MediaView(()))
    await eventually(lambda: w.origin.subscribers(w.ids["video"]) == set(), 2 * HOLD_BACK_AFTER_S)
    assert w.origin.subscribers(w.ids["audio"]) == {w.remote.address}
    heard = listener.audio()
    await listener.wait_until(lambda: listener.audio() >= heard + 10)

    shown_at = time.monotonic()
    camera = ShownVideo(w.presenter.participant, Source.CAMERA, 360)
    w.there.engine.set_view(listener.participant, MediaView((camera,)))
    await listener.wait_until(lambda: listener.video_from((320, 240), shown_at) >= 5, 3)
    assert w.origin.subscribers(w.ids["video"]) == {w.remote.address}


class Layered(Feed):
    """A simulcast video at its origin: two layers, each a feed the test gives packets to."""

    def __init__(self, small: Published, large: Published) -> None:
        super().__init__(
            ParticipantId("ada"), Mid("0"), Source.CAMERA, "video", keyframe_retry_s=0.5
        )
        self._set_codec(VP8)
        self._layers = (small, large)

    @property
    def layers(self) -> tuple[Feed, ...]:
        return self._layers

    @property
    def crossing(self) -> Feed:
        return self._layers[-1]


async def test_a_simulcast_video_crosses_as_its_largest_layer() -> None:
    origin = await PipeEndpoint.open(SECRET, settings=FAST)
    remote = await PipeEndpoint.open(SECRET, settings=FAST)
    small, large = Published(), Published()
    origin.offer(FEED, Layered(small, large))
    try:
        piped, sent = await subscribed(origin, remote, origin.address)
        for sequence in range(100, 110):
            small.take(sequence, 1, sequence * 3000, b"small" + KEYFRAME, None)
            large.take(sequence, 1, sequence * 3000, KEYFRAME if sequence == 100 else DELTA, None)
        await eventually(lambda: len(sent) == 10, 2, failure="the large layer did not arrive")
        payloads = {RtpPacket.parse(data).payload for data in sent}
        assert payloads == {KEYFRAME, DELTA}, "only the large layer's packets crossed"
        # A keyframe asked for across the pipe is asked of the large layer.
        piped.request_keyframe()
        await eventually(lambda: large.asked > 0, 2, failure="no keyframe asked of the layer")
        assert small.asked == 0
    finally:
        origin.close()
        remote.close()
