"""The fan-out of one publisher's RTP packets to its subscribers, as mediasoup and Janus do it.

A `Feed` is one track as the server receives it; an `Outlet` is one subscriber's sending m-line.
Each packet the feed gets (its payload untouched, never depacketized again or decoded) is written
to every open outlet with a fresh 12-byte header: the outlet's SSRC and payload type, and a
sequence number and timestamp shifted so that the outlet's stream runs on without a jump when it
switches from one feed to another. The outlet SRTP-protects the packet with the subscriber's keys
and writes it to the subscriber's UDP address at once (`aiortc_private.rtp_writer`).

A video outlet starts, and starts again after a switch (or when the publisher's stream changes
its SSRC), at the first packet of a keyframe, and asks the publisher for one through the feed. A
subscriber's NACK is answered from the feed's history of the packets it got, held once for all its
subscribers and given the outlet's header again; its PLI or FIR becomes a keyframe request to the
publisher. The outlet's
`RTCRtpSender` stays, with an idle track, for RTCP: it receives those requests, and its sender
reports carry the outlet's counts and clock.

The publisher's own leg is left to aiortc's receiver, which still sees every packet first: it asks
for lost packets, unwraps retransmissions, and sends receiver reports and bandwidth estimates.

A publisher sending simulcast sends each layer (size) of its camera as a stream of its own: each
is a `Layer`, a feed of its own, and an outlet carries one of them, moving to another at that
layer's keyframe (`LayerSwitch`) with the VP8 picture ids renumbered (`server.sfu.vp8`).
"""

import asyncio
import logging
import random
import struct
import time
from collections.abc import Callable

from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpTransceiver
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket
from av.frame import Frame

from rooms.ids import ParticipantId
from server.sfu import aiortc_private, vp8
from server.sfu.keyframes import StartsKeyframe, keyframe_test
from server.sfu.messages import Mid, Source
from server.sfu.voices import SPEAKING_LEVEL

logger = logging.getLogger(__name__)

Clock = Callable[[], float]

# Keyframe requests closer together than this are one request: a keyframe answers them all.
MIN_KEYFRAME_INTERVAL_S = 0.25
# How often an outlet refreshes what its sender's RTCP reports say (they go out about every 1 s).
REPORT_EVERY_S = 0.25

# How much one audio packet's level moves a voice's running loudness (50 packets a second: about
# a fifth of a second to follow a change).
LOUDNESS_WEIGHT = 0.1

# What a packet costs on the wire beyond its payload (RTP header, extensions, SRTP tag), for the
# bitrates compared with a subscriber's estimate of its link.
PACKET_OVERHEAD = 40

# RTP version 2; X set when a header extension block follows (RFC 3550 section 5.1).
_VERSION = 0x80
_EXTENSION = 0x10
_HEADER = struct.Struct("!BBHII")

# A packet as the feed received it: extended sequence number, marker bit, timestamp, payload.
Held = tuple[int, int, int, bytes]


def extend(sequence: int, highest: int) -> int:
    """The 16-bit `sequence` as a count that never wraps, placed next to `highest` (the largest so
    far): RFC 3550's serial order, a packet within half the range behind or ahead."""
    delta = (sequence - highest) & 0xFFFF
    return highest + delta if delta < 0x8000 else highest + delta - 0x10000


class Feed:
    """One track as this worker has it: the history of its packets, and its outlets.

    The packets come from elsewhere: from a publisher's receiver on this worker (`ReceivedFeed`)
    or, for a room served by several workers, from the worker that receives the publisher. They
    arrive numbered already, by `take`; how a keyframe is asked for is the source's business.
    """

    def __init__(
        self,
        publisher: ParticipantId,
        mid: Mid,
        source: Source,
        kind: str,
        *,
        keyframe_retry_s: float,
        history: int = 512,
        on_level: Callable[["Feed", int], None] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        assert history > 0 and history & (history - 1) == 0, "MediaSettings checks it"
        self.publisher = publisher
        self.mid = mid
        self.source = source
        self.kind = kind
        # Whether the client's last offer sends this track, and whether the engine forwards it.
        self.sending = False
        self.allowed = False
        self.codec: RTCRtpCodecParameters | None = None
        self.outlets: set[Outlet] = set()
        # What each packet goes to: the outlets (a tuple, so that one outlet may move to another
        # feed while the packet is being handed out), then the outlets waiting to switch here.
        self._fanout: tuple[Outlet, ...] = ()
        self._switches: tuple[LayerSwitch, ...] = ()
        # Called with every packet before the outlets get it (extended sequence number, marker,
        # timestamp, payload, audio level or None): other workers' pipes.
        self.taps: list[Callable[[int, int, int, bytes, int | None], None]] = []
        self.packets = 0
        self.octets = 0
        # Bits per second as received, smoothed, updated by `measure`.
        self.bitrate = 0.0
        self._measured = (0.0, 0)  # when, and the octets then
        self.frames = 0
        self.keyframes = 0
        # Video: the frame height its last keyframe stated (VP8 only), for choosing a layer.
        self.height: int | None = None
        # Whether packets came in the last step `measure` measured.
        self.flowing = False
        self.keyframe_requests = 0
        # How loud each packet is, for the active speaker (the engine's ear).
        self.on_level = on_level
        # Audio: whether the room forwards this voice now (`server.sfu.voices`); when it last
        # spoke and how loud it has been; `on_voice` hears a closed voice start speaking.
        self.audible = True
        self.spoke_at: float | None = None
        self.loudness = 0.0
        self.on_voice: Callable[[Feed], None] | None = None
        self._retry_s = keyframe_retry_s
        self._clock = clock
        self._starts_keyframe: StartsKeyframe = keyframe_test("")
        self._sized = False  # whether keyframes state the frame size (VP8's do)
        # The stream received packets come on, and its highest extended sequence number.
        self._stream_ssrc: int | None = None
        self._stream_highest = 0
        self._last_request = -1e9
        # A keyframe was asked for and has not come yet: it will answer every request until then.
        self._keyframe_asked = False
        # The last packets received, by sequence number: (extended, marker, timestamp, payload).
        self.history_mask = history - 1
        self.history: list[Held | None] = [None] * history

    @property
    def live(self) -> bool:
        return self.codec is not None

    @property
    def layers(self) -> tuple["Feed", ...]:
        """The streams of this track a subscriber may be sent, the smallest first: the feed
        itself, or the layers of a publisher sending simulcast."""
        return (self,)

    @property
    def crossing(self) -> "Feed":
        """The stream that crosses to other workers' subscribers (`server.sfu.pipe`)."""
        return self

    def _set_codec(self, codec: RTCRtpCodecParameters) -> None:
        self.codec = codec
        self._starts_keyframe = keyframe_test(codec.mimeType)
        self._sized = codec.mimeType.lower() == "video/vp8"

    def _numbered(self, packet: RtpPacket) -> int:
        """The packet's sequence number as a count that never wraps. A new SSRC is a new stream
        from the publisher (its sender restarted): a new numbering."""
        sequence = packet.sequence_number
        if packet.ssrc != self._stream_ssrc:
            self._stream_ssrc = packet.ssrc
            self._stream_highest = sequence
            self._new_stream()
        extended = extend(sequence, self._stream_highest)
        if extended > self._stream_highest:
            self._stream_highest = extended
        return extended

    def _new_stream(self) -> None:
        """The source's numbering starts again: every outlet starts again at its next keyframe."""
        self.history = [None] * len(self.history)
        for outlet in self.outlets:
            outlet.restart()

    def take(
        self, extended: int, marker: int, timestamp: int, payload: bytes, level: int | None
    ) -> None:
        """One packet of the track, numbered by a sequence that never wraps."""
        for tap in self.taps:
            # Before the local outlets: another worker's subscribers wait behind one more hop.
            tap(extended, marker, timestamp, payload, level)
        self.packets += 1
        self.octets += len(payload) + PACKET_OVERHEAD
        self.history[extended & self.history_mask] = (extended, marker, timestamp, payload)
        keyframe = self._starts_keyframe(payload)
        if self.kind == "video":
            self.frames += marker
            self.keyframes += keyframe
            if keyframe:
                self._keyframe_asked = False
                if self._sized:
                    size = vp8.keyframe_size(payload)
                    self.height = size[1] if size is not None else self.height
        elif level is not None and self.allowed:
            # Only a track the engine forwards counts: a refused or hard-muted voice is not heard.
            self._hear(level)
        if not self.allowed or not self.audible or not (self._fanout or self._switches):
            return
        waiting = False
        for outlet in self._fanout:
            if not outlet.forward(marker, extended, timestamp, payload, keyframe):
                waiting = True
        for switch in self._switches:
            if not switch.forward(marker, extended, timestamp, payload, keyframe):
                waiting = True
        if waiting and self._clock() - self._last_request >= self._retry_s:
            self.request_keyframe()

    def measure(self, now: float) -> None:
        """Update `bitrate` with what came since the last call."""
        then, octets = self._measured
        if then and now > then:
            rate = (self.octets - octets) * 8 / (now - then)
            self.bitrate = rate if not self.bitrate else (self.bitrate + rate) / 2
        self.flowing = self.octets != octets
        self._measured = (now, self.octets)

    def _hear(self, level: int) -> None:
        self.loudness += (127 - level - self.loudness) * LOUDNESS_WEIGHT
        if level <= SPEAKING_LEVEL:
            self.spoke_at = self._clock()
            if not self.audible and self.on_voice is not None:
                # At once, not at the next window: the first syllable must not be cut.
                self.on_voice(self)
        if self.on_level is not None:
            self.on_level(self, level)

    def set_audible(self, audible: bool) -> None:
        """Forward this voice, or stop; opened again, each outlet numbers on from where it
        stopped, so a listener's jitter buffer takes the gap for a pause in the talk."""
        if audible and not self.audible:
            for outlet in self.outlets:
                outlet.restart()
        self.audible = audible

    def attach(self, outlet: "Outlet") -> None:
        self.outlets.add(outlet)
        self._fanout = tuple(self.outlets)

    def detach(self, outlet: "Outlet") -> None:
        self.outlets.discard(outlet)
        self._fanout = tuple(self.outlets)

    def await_switch(self, switch: "LayerSwitch") -> None:
        self._switches = (*self._switches, switch)

    def end_switch(self, switch: "LayerSwitch") -> None:
        self._switches = tuple(s for s in self._switches if s is not switch)

    def request_keyframe(self) -> None:
        """Ask the publisher for a keyframe, unless one asked for is still on its way.

        At a recall every subscriber opens within a second or two, and each would ask; one
        keyframe serves all that wait, and a browser whose encoder is asked for a keyframe every
        quarter of a second spends its bitrate on them and drops frames for everyone.
        """
        if self.kind != "video":
            return
        now = self._clock()
        since = now - self._last_request
        if since < MIN_KEYFRAME_INTERVAL_S or (self._keyframe_asked and since < self._retry_s):
            return
        if not self._ask_keyframe():
            return
        self._last_request = now
        self._keyframe_asked = True
        self.keyframe_requests += 1

    def _ask_keyframe(self) -> bool:
        """Send the request towards the publisher; False if it cannot be sent now."""
        raise NotImplementedError

    async def close(self) -> None:
        for outlet in list(self.outlets):
            outlet.detach()
        for switch in self._switches:
            switch.outlet.detach()


class ReceivedFeed(Feed):
    """A track a publisher sends to this worker: its receiver's packets, tapped after aiortc has
    unwrapped retransmissions, and keyframe requests sent back on its RTCP.

    A publisher sending simulcast sends each layer as a stream of its own on the one m-line; once
    `use_layers` has its offer's rids, each becomes a `Layer`, told apart by the RTP stream id the
    browser puts on its packets, and subscribers are sent one layer each.
    """

    def __init__(
        self,
        publisher: ParticipantId,
        mid: Mid,
        source: Source,
        receiver: RTCRtpReceiver,
        *,
        on_live: Callable[[Feed], None],
        keyframe_retry_s: float,
        history: int = 512,
        on_level: Callable[[Feed, int], None] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(
            publisher,
            mid,
            source,
            receiver.track.kind,
            keyframe_retry_s=keyframe_retry_s,
            history=history,
            on_level=on_level,
            clock=clock,
        )
        self._receiver = receiver
        self._codecs = aiortc_private.receive_codecs(receiver)
        self._on_live = on_live
        self._requests: set[asyncio.Task[None]] = set()
        self._layers: tuple[Layer, ...] = ()
        self._layer_of: dict[int, Layer] = {}  # by SSRC, learnt from the stream ids
        self._history = history
        aiortc_private.tap_rtp(receiver, self._on_packet)

    @property
    def receiver(self) -> RTCRtpReceiver:
        return self._receiver

    def use_layers(self, rids: tuple[str, ...]) -> bool:
        """Take the publisher's simulcast layers (their rids, the smallest first), as its offer
        names them; True if the feed has layers from now on. Only a feed that has had no packet
        yet can take them: a browser names its layers once, when it adds the camera."""
        if not self._layers and not self.live and len(rids) > 1:
            self._layers = tuple(
                Layer(
                    self,
                    rid,
                    keyframe_retry_s=self._retry_s,
                    history=self._history,
                    clock=self._clock,
                )
                for rid in rids
            )
        return bool(self._layers)

    @property
    def layers(self) -> tuple[Feed, ...]:
        return self._layers or (self,)

    @property
    def crossing(self) -> Feed:
        # One layer crosses to other workers: the largest (their subscribers get no choice).
        return self._layers[-1] if self._layers else self

    def _on_packet(self, packet: RtpPacket) -> None:
        codec = self._codecs.get(packet.payload_type)
        if codec is None:
            return
        if codec is not self.codec:
            first = self.codec is None
            self._set_codec(codec)
            if first:
                self._on_live(self)
        if self._layers:
            self._to_layer(packet, codec)
            return
        level = packet.extensions.audio_level
        self.take(
            self._numbered(packet),
            packet.marker,
            packet.timestamp,
            packet.payload,
            level[1] if level is not None else None,
        )

    def _to_layer(self, packet: RtpPacket, codec: RTCRtpCodecParameters) -> None:
        layer = self._layer_of.get(packet.ssrc)
        rid = packet.extensions.rtp_stream_id
        if layer is None or (rid is not None and rid != layer.rid):
            # The browser names each stream's layer on its first packets (until our reports
            # acknowledge the stream); a stream not named yet cannot be placed, so waits.
            layer = next((layer for layer in self._layers if layer.rid == rid), None)
            if layer is None:
                return
            self._layer_of[packet.ssrc] = layer
        self.packets += 1
        self.octets += len(packet.payload) + PACKET_OVERHEAD
        layer.allowed = self.allowed
        layer.on_packet(packet, codec)

    def measure(self, now: float) -> None:
        super().measure(now)
        for layer in self._layers:
            layer.measure(now)

    def _ask_keyframe(self) -> bool:
        return self.ask_keyframe(None)

    def ask_keyframe(self, ssrc: int | None) -> bool:
        """Send a PLI for the stream `ssrc`, or for every stream the receiver gets (None)."""
        task = aiortc_private.request_keyframe(self._receiver, ssrc)
        if task is None:
            return False
        self._requests.add(task)
        task.add_done_callback(self._requests.discard)
        return True

    async def close(self) -> None:
        await super().close()
        for layer in self._layers:
            await layer.close()
        for task in list(self._requests):
            task.cancel()
        await asyncio.gather(*self._requests, return_exceptions=True)


class Layer(Feed):
    """One layer of a simulcast video (its rid's stream), forwarded as a feed of its own."""

    def __init__(
        self,
        parent: ReceivedFeed,
        rid: str,
        *,
        keyframe_retry_s: float,
        history: int,
        clock: Clock,
    ) -> None:
        super().__init__(
            parent.publisher,
            parent.mid,
            parent.source,
            parent.kind,
            keyframe_retry_s=keyframe_retry_s,
            history=history,
            clock=clock,
        )
        self.parent = parent
        self.rid = rid

    def on_packet(self, packet: RtpPacket, codec: RTCRtpCodecParameters) -> None:
        if codec is not self.codec:
            self._set_codec(codec)
        self.take(self._numbered(packet), packet.marker, packet.timestamp, packet.payload, None)

    def _ask_keyframe(self) -> bool:
        return self._stream_ssrc is not None and self.parent.ask_keyframe(self._stream_ssrc)


class LayerSwitch:
    """An outlet waiting to move to another layer of its video: it goes at that layer's next
    keyframe, and the layer it carries flows on until then, so the picture never stops."""

    def __init__(self, outlet: "Outlet", target: Feed) -> None:
        self.outlet = outlet
        self.target = target

    def forward(
        self, marker: int, extended: int, timestamp: int, payload: bytes, keyframe: bool
    ) -> bool:
        if not keyframe:
            return False  # the feed asks for a keyframe, as for a new subscriber
        self.outlet.switched(self)
        return self.outlet.forward(marker, extended, timestamp, payload, keyframe)


class Outlet(MediaStreamTrack):
    """One subscriber's stream of whichever feed its m-line currently carries.

    As a track it is idle: the sender waits on it forever, and the packets go around the sender.
    """

    def __init__(self, kind: str, clock: Clock = time.monotonic) -> None:
        super().__init__()
        self.kind = kind
        # The track it carries, and which of its layers (the feed itself but for simulcast).
        self.feed: Feed | None = None
        self.layer: Feed | None = None
        # The layer asked for (0 the smallest; None the largest), and the switch to it under way.
        self.wanted_layer: int | None = None
        self._switch: LayerSwitch | None = None
        # A simulcast VP8 video's pictures, renumbered to run on across layers.
        self._pictures: vp8.PictureNumbering | None = None
        # Paused: out of its feed's outlets (no cost per packet), its m-line kept for `resume`.
        self.paused = False
        self.packets = 0
        self.octets = 0
        self.retransmits = 0
        self._clock = clock
        self._transceiver: RTCRtpTransceiver | None = None
        self._write: aiortc_private.RtpWriter | None = None
        self._open = False
        # Until the first packet (of a keyframe, for video) after `open`, nothing passes.
        self._starting = True
        # The extended sequence number of the packet this run started at.
        self._first_in = 0
        self._header = (0, 0, 0)  # first byte, payload type, SSRC
        # The header extension block, split around the abs-send-time when it is negotiated.
        self._extensions = b""
        self._after_send_time: bytes | None = None
        self._clock_rate = 90000
        self._sequence_shift = 0
        self._timestamp_shift = 0
        # The newest packet sent: its extended sequence number as received, and as sent.
        self._last_in = 0
        self._last_sequence: int | None = None
        self._last_timestamp = 0
        self._last_sent = 0.0
        self._reported = -1e9
        self._failing = False
        self._idle: asyncio.Future[None] | None = None

    def bind(self, transceiver: RTCRtpTransceiver) -> None:
        """The m-line this outlet sends on; its sender's requests now come here."""
        self._transceiver = transceiver
        sender = transceiver.sender
        aiortc_private.on_keyframe_request(sender, self.keyframe_requested)
        aiortc_private.on_retransmit_request(sender, self.retransmit)

    def attach(self, feed: Feed) -> None:
        """Carry `feed`, once `open()` says the subscriber's side is ready."""
        self.detach()
        self.feed = feed
        layers = feed.layers
        self.layer = layers[self._layer_index(len(layers))]
        vp8_video = feed.codec is not None and feed.codec.mimeType.lower() == "video/vp8"
        self._pictures = vp8.PictureNumbering() if len(layers) > 1 and vp8_video else None
        if not self.paused:
            self.layer.attach(self)

    def detach(self) -> None:
        self._cancel_switch()
        if self.layer is not None:
            self.layer.detach(self)
        self.feed = self.layer = None
        self._open = False

    def _layer_index(self, count: int) -> int:
        wanted = self.wanted_layer
        return count - 1 if wanted is None else max(0, min(wanted, count - 1))

    def choose_layer(self, index: int | None) -> None:
        """Carry layer `index` of a simulcast video (0 the smallest; None the largest): from
        that layer's next keyframe, while the one carried now flows on until then."""
        self.wanted_layer = index
        feed, current = self.feed, self.layer
        if feed is None or current is None:
            return
        layers = feed.layers
        target = layers[self._layer_index(len(layers))]
        if self._switch is not None and self._switch.target is target:
            return
        self._cancel_switch()
        if target is current:
            return
        if self.paused or not self._open:
            # Nothing flows: the next resume or open starts on the target.
            if not self.paused:
                current.detach(self)
                target.attach(self)
            self.layer = target
            return
        self._switch = LayerSwitch(self, target)
        target.await_switch(self._switch)
        target.request_keyframe()

    def switched(self, switch: LayerSwitch) -> None:
        """The layer switched to has a keyframe: carry it from this packet on."""
        switch.target.end_switch(switch)
        self._switch = None
        if self.layer is not None:
            self.layer.detach(self)
        self.layer = switch.target
        self.layer.attach(self)
        self.restart()

    def _cancel_switch(self) -> None:
        if self._switch is not None:
            self._switch.target.end_switch(self._switch)
            self._switch = None

    def pause(self) -> None:
        """Stop passing the feed's packets on until `resume`; the m-line and its numbering stay,
        so the subscriber sees a pause in one stream, not a new stream."""
        if self.paused:
            return
        self.paused = True
        self._cancel_switch()
        if self.layer is not None:
            self.layer.detach(self)

    def resume(self) -> None:
        """Pass packets on again from the feed's next keyframe, as after a switch."""
        if not self.paused:
            return
        self.paused = False
        if self.feed is not None:
            # The layer last chosen, which a switch cut short by the pause had not reached.
            layers = self.feed.layers
            self.layer = layers[self._layer_index(len(layers))]
            self.layer.attach(self)
            if self._open:
                self.restart()
                self.layer.request_keyframe()

    def open(self) -> None:
        """Start passing packets on (from the next keyframe); ask the publisher for one."""
        if self._open or self.layer is None or self._transceiver is None:
            return
        transceiver = self._transceiver
        codec = aiortc_private.send_codec(transceiver)
        if codec is None or codec.payloadType is None or transceiver.mid is None:
            logger.warning("outlet opened on an m-line that negotiated nothing")
            return
        sender = transceiver.sender
        extensions, send_time_at = aiortc_private.header_extensions(transceiver)
        self.open_with(
            payload_type=codec.payloadType,
            ssrc=sender._ssrc,
            extensions=extensions,
            send_time_at=send_time_at,
            clock_rate=codec.clockRate,
            write=self._write or aiortc_private.rtp_writer(sender.transport),
        )
        if not self.paused:
            self.layer.request_keyframe()

    def open_with(
        self,
        *,
        payload_type: int,
        ssrc: int,
        extensions: bytes,
        clock_rate: int,
        send_time_at: int | None = None,
        write: aiortc_private.RtpWriter,
    ) -> None:
        """Open on this header and wire, as negotiated (`open` reads them off the m-line)."""
        if send_time_at is None:
            self._extensions, self._after_send_time = extensions, None
        else:
            self._extensions = extensions[:send_time_at]
            self._after_send_time = extensions[send_time_at + 3 :]
        self._header = (_VERSION | (_EXTENSION if extensions else 0), payload_type, ssrc)
        self._clock_rate = clock_rate
        self._write = write
        self._open = True
        self._starting = True

    def restart(self) -> None:
        """Start again at the feed's next keyframe, numbering on from what was sent last."""
        if self._open:
            self._starting = True

    def forward(
        self, marker: int, extended: int, timestamp: int, payload: bytes, keyframe: bool
    ) -> bool:
        """Send one of the feed's packets on (`extended`: its sequence number, never wrapping);
        False while this outlet still waits for a keyframe."""
        if not self._open:
            return True
        if self._starting:
            if not keyframe:
                return False
            self._start_at(extended, timestamp)
            if self._pictures is not None:
                self._pictures.start(payload)
        elif extended < self._first_in:
            return True  # a late packet from before this run: its number was used before
        # A late packet (a repair the publisher sent again) goes out, but the stream's newest
        # packet is what a switch numbers on from, and what the sender reports tell.
        newest = extended >= self._last_in
        data = self._rewrite(marker, extended, timestamp, payload, newest)
        if newest:
            self._last_in = extended
            self._last_sequence = (extended + self._sequence_shift) & 0xFFFF
            self._last_timestamp = (timestamp + self._timestamp_shift) & 0xFFFFFFFF
        self.packets += 1
        self.octets += len(payload)
        self._send(data)
        return True

    def _rewrite(
        self, marker: int, extended: int, timestamp: int, payload: bytes, newest: bool
    ) -> bytes:
        first_byte, payload_type, ssrc = self._header
        if self._pictures is not None:
            payload = self._pictures.rewrite(payload, newest=newest)
        return (
            _HEADER.pack(
                first_byte,
                marker << 7 | payload_type,
                (extended + self._sequence_shift) & 0xFFFF,
                (timestamp + self._timestamp_shift) & 0xFFFFFFFF,
                ssrc,
            )
            + self._stamped_extensions()
            + payload
        )

    def _stamped_extensions(self) -> bytes:
        if self._after_send_time is None:
            return self._extensions
        return (
            self._extensions
            + aiortc_private.abs_send_time(time.monotonic())
            + self._after_send_time
        )

    def _start_at(self, extended: int, timestamp: int) -> None:
        """Shift the feed's numbering so the stream runs on from what this outlet sent last."""
        now = self._clock()
        if self._last_sequence is None:
            # As aiortc's senders do: a random start in the lower half, clear of SRTP's wrap.
            out_sequence = random.getrandbits(15)
            out_timestamp = random.getrandbits(32)
        else:
            out_sequence = (self._last_sequence + 1) & 0xFFFF
            elapsed = max(now - self._last_sent, 0.0)
            out_timestamp = self._last_timestamp + max(1, int(elapsed * self._clock_rate))
        self._sequence_shift = (out_sequence - extended) & 0xFFFF
        self._timestamp_shift = (out_timestamp - timestamp) & 0xFFFFFFFF
        self._first_in = self._last_in = extended
        self._starting = False

    def _send(self, data: bytes) -> None:
        assert self._write is not None
        try:
            self._write(data)
        except Exception:
            # One subscriber's broken transport must not stop the feed's loop for the others;
            # said once, not for every packet.
            if not self._failing:
                self._failing = True
                logger.exception("could not send to a subscriber")
            return
        self._failing = False
        now = self._clock()
        self._last_sent = now
        if now - self._reported >= REPORT_EVERY_S and self._transceiver is not None:
            self._reported = now
            aiortc_private.report_sent(
                self._transceiver.sender,
                packets=self.packets,
                octets=self.octets,
                rtp_timestamp=self._last_timestamp,
                sent_at=time.time(),
            )

    def retransmit(self, sequence: int) -> None:
        """The subscriber reports this packet lost: send it again, if the feed still holds it and
        it belongs to this outlet's current run (not to the feed it carried before a switch)."""
        feed = self.layer
        if feed is None or not self._open or self._starting or self.paused or self._write is None:
            return
        received = (sequence - self._sequence_shift) & 0xFFFF
        held = feed.history[received & feed.history_mask]
        if held is None:
            return
        extended, marker, timestamp, payload = held
        if extended & 0xFFFF != received or extended < self._first_in:
            return
        self.retransmits += 1
        try:
            self._write(self._rewrite(marker, extended, timestamp, payload, False))
        except Exception:
            logger.exception("could not resend to a subscriber")

    def keyframe_requested(self) -> None:
        """The subscriber lost the picture (its PLI or FIR reached our sender)."""
        if self.layer is not None and self._open and not self.paused:
            self.layer.request_keyframe()

    async def recv(self) -> Frame:
        # The sender asks for media to send; the outlet never has any, since it writes the
        # packets itself. Wait until the track stops.
        if self._idle is None:
            self._idle = asyncio.get_running_loop().create_future()
        if self.readyState == "live":
            await self._idle
        raise MediaStreamError

    def stop(self) -> None:
        self.detach()
        if self._idle is not None and not self._idle.done():
            self._idle.set_result(None)
        super().stop()
