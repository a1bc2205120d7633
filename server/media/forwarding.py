"""The fan-out of one publisher's RTP packets to its subscribers, as mediasoup and Janus do it.

A `Feed` is one track as the server receives it; an `Outlet` is one subscriber's sending m-line.
Each packet the feed gets (its payload untouched, never depacketized again or decoded) is written
to every open outlet with a fresh 12-byte header: the outlet's SSRC and payload type, and a
sequence number and timestamp shifted so that the outlet's stream runs on without a jump when it
switches from one feed to another. The outlet SRTP-protects the packet with the subscriber's keys
and writes it to the subscriber's UDP address at once (`seams.rtp_writer`).

A video outlet starts, and starts again after a switch, at the first packet of a keyframe, and
asks the publisher for one through the feed. A subscriber's NACK is answered from the outlet's
history of what it sent; its PLI or FIR becomes a keyframe request to the publisher. The outlet's
`RTCRtpSender` stays, with an idle track, for RTCP: it receives those requests, and its sender
reports carry the outlet's counts and clock.

The publisher's own leg is left to aiortc's receiver, which still sees every packet first: it asks
for lost packets, unwraps retransmissions, and sends receiver reports and bandwidth estimates.
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
from server.media import seams
from server.media.keyframes import StartsKeyframe, keyframe_test
from server.media.messages import Mid, Source

logger = logging.getLogger(__name__)

Clock = Callable[[], float]

# Keyframe requests closer together than this are one request: a keyframe answers them all.
MIN_KEYFRAME_INTERVAL_S = 0.25
# After a (re)start, packets this close behind the starting one are late arrivals from before it,
# which must not reuse the sequence numbers the outlet sent before the switch.
SETTLE_PACKETS = 512
# How often an outlet refreshes what its sender's RTCP reports say (they go out about every 1 s).
REPORT_EVERY_S = 0.25

# RTP version 2; X set when a header extension block follows (RFC 3550 section 5.1).
_VERSION = 0x80
_EXTENSION = 0x10
_HEADER = struct.Struct("!BBHII")


class Feed:
    def __init__(
        self,
        publisher: ParticipantId,
        mid: Mid,
        source: Source,
        receiver: RTCRtpReceiver,
        *,
        on_live: Callable[["Feed"], None],
        keyframe_retry_s: float,
        on_level: Callable[["Feed", int], None] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.publisher = publisher
        self.mid = mid
        self.source = source
        self.kind = receiver.track.kind
        # Whether the client's last offer sends this track, and whether the engine forwards it.
        self.sending = False
        self.allowed = False
        self.codec: RTCRtpCodecParameters | None = None
        self.outlets: set[Outlet] = set()
        self.packets = 0
        self.frames = 0
        self.keyframes = 0
        self.keyframe_requests = 0
        self._receiver = receiver
        self._codecs = seams.receive_codecs(receiver)
        self._on_live = on_live
        self._on_level = on_level
        self._retry_s = keyframe_retry_s
        self._clock = clock
        self._starts_keyframe: StartsKeyframe = keyframe_test("")
        self._last_request = -1e9
        self._requests: set[asyncio.Task[None]] = set()
        seams.tap_rtp(receiver, self._on_packet)

    @property
    def live(self) -> bool:
        return self.codec is not None

    def _on_packet(self, packet: RtpPacket) -> None:
        codec = self._codecs.get(packet.payload_type)
        if codec is None:
            return
        if codec is not self.codec:
            first = self.codec is None
            self.codec = codec
            self._starts_keyframe = keyframe_test(codec.mimeType)
            if first:
                self._on_live(self)
        self.packets += 1
        payload = packet.payload
        keyframe = self._starts_keyframe(payload)
        if self.kind == "video":
            self.frames += packet.marker
            self.keyframes += keyframe
        elif self._on_level is not None and self.allowed:
            # Only a track the engine forwards counts: a refused or hard-muted voice is not heard.
            level = packet.extensions.audio_level
            if level is not None:
                self._on_level(self, level[1])
        if not self.outlets or not self.allowed:
            return
        waiting = False
        marker, sequence, timestamp = packet.marker, packet.sequence_number, packet.timestamp
        for outlet in self.outlets:
            if not outlet.forward(marker, sequence, timestamp, payload, keyframe):
                waiting = True
        if waiting and self._clock() - self._last_request >= self._retry_s:
            self.request_keyframe()

    def attach(self, outlet: "Outlet") -> None:
        self.outlets.add(outlet)

    def detach(self, outlet: "Outlet") -> None:
        self.outlets.discard(outlet)

    def request_keyframe(self) -> None:
        if self.kind != "video":
            return
        now = self._clock()
        if now - self._last_request < MIN_KEYFRAME_INTERVAL_S:
            return
        task = seams.request_keyframe(self._receiver)
        if task is None:
            return
        self._last_request = now
        self.keyframe_requests += 1
        self._requests.add(task)
        task.add_done_callback(self._requests.discard)

    async def close(self) -> None:
        for outlet in list(self.outlets):
            outlet.detach()
        for task in list(self._requests):
            task.cancel()
        await asyncio.gather(*self._requests, return_exceptions=True)


class Outlet(MediaStreamTrack):
    """One subscriber's stream of whichever feed its m-line currently carries.

    As a track it is idle: the sender waits on it forever, and the packets go around the sender.
    """

    def __init__(self, kind: str, history: int, clock: Clock = time.monotonic) -> None:
        super().__init__()
        assert history > 0 and history & (history - 1) == 0, "MediaSettings checks it"
        self.kind = kind
        self.feed: Feed | None = None
        self.packets = 0
        self.octets = 0
        self.retransmits = 0
        self._clock = clock
        self._transceiver: RTCRtpTransceiver | None = None
        self._write: seams.RtpWriter | None = None
        self._open = False
        # Until the first packet (of a keyframe, for video) after `open`, nothing passes.
        self._starting = True
        self._settling = 0
        self._first_in = 0
        self._header = (0, 0, 0)  # first byte, payload type, SSRC
        self._extensions = b""
        self._clock_rate = 90000
        self._sequence_shift = 0
        self._timestamp_shift = 0
        self._last_sequence: int | None = None
        self._last_timestamp = 0
        self._last_sent = 0.0
        self._reported = -1e9
        self._failing = False
        self._history_mask = history - 1
        self._history: list[bytes | None] = [None] * history
        self._idle: asyncio.Future[None] | None = None

    def bind(self, transceiver: RTCRtpTransceiver) -> None:
        """The m-line this outlet sends on; its sender's requests now come here."""
        self._transceiver = transceiver
        sender = transceiver.sender
        seams.on_keyframe_request(sender, self.keyframe_requested)
        seams.on_retransmit_request(sender, self.retransmit)

    def attach(self, feed: Feed) -> None:
        """Carry `feed`, once `open()` says the subscriber's side is ready."""
        self.detach()
        self.feed = feed
        feed.attach(self)

    def detach(self) -> None:
        if self.feed is not None:
            self.feed.detach(self)
        self.feed = None
        self._open = False

    def open(self) -> None:
        """Start passing packets on (from the next keyframe); ask the publisher for one."""
        if self._open or self.feed is None or self._transceiver is None:
            return
        transceiver = self._transceiver
        codec = seams.send_codec(transceiver)
        if codec is None or codec.payloadType is None or transceiver.mid is None:
            logger.warning("outlet opened on an m-line that negotiated nothing")
            return
        sender = transceiver.sender
        self._extensions = seams.header_extensions(transceiver)
        first_byte = _VERSION | (_EXTENSION if self._extensions else 0)
        self._header = (first_byte, codec.payloadType, sender._ssrc)
        self._clock_rate = codec.clockRate
        if self._write is None:
            self._write = seams.rtp_writer(sender.transport)
        self._open = True
        self._starting = True
        self.feed.request_keyframe()

    def forward(
        self, marker: int, sequence: int, timestamp: int, payload: bytes, keyframe: bool
    ) -> bool:
        """Send one of the feed's packets on; False while this outlet still waits for a keyframe."""
        if not self._open:
            return True
        if self._starting:
            if not keyframe:
                return False
            self._start_at(sequence, timestamp)
        elif self._settling:
            if (sequence - self._first_in) & 0x8000:
                return True  # from before the packet this outlet started at
            self._settling -= 1
        first_byte, payload_type, ssrc = self._header
        out_sequence = (sequence + self._sequence_shift) & 0xFFFF
        out_timestamp = (timestamp + self._timestamp_shift) & 0xFFFFFFFF
        data = (
            _HEADER.pack(first_byte, marker << 7 | payload_type, out_sequence, out_timestamp, ssrc)
            + self._extensions
            + payload
        )
        self._history[out_sequence & self._history_mask] = data
        self._last_sequence = out_sequence
        self._last_timestamp = out_timestamp
        self.packets += 1
        self.octets += len(payload)
        self._send(data)
        return True

    def _start_at(self, sequence: int, timestamp: int) -> None:
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
        self._sequence_shift = (out_sequence - sequence) & 0xFFFF
        self._timestamp_shift = (out_timestamp - timestamp) & 0xFFFFFFFF
        self._first_in = sequence
        self._settling = SETTLE_PACKETS
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
            seams.report_sent(
                self._transceiver.sender,
                packets=self.packets,
                octets=self.octets,
                rtp_timestamp=self._last_timestamp,
                sent_at=time.time(),
            )

    def retransmit(self, sequence: int) -> None:
        """The subscriber reports this packet lost: send it again as it was, if still held."""
        data = self._history[sequence & self._history_mask]
        if data is None or int.from_bytes(data[2:4], "big") != sequence or self._write is None:
            return
        self.retransmits += 1
        try:
            self._write(data)
        except Exception:
            logger.exception("could not resend to a subscriber")

    def keyframe_requested(self) -> None:
        """The subscriber lost the picture (its PLI or FIR reached our sender)."""
        if self.feed is not None and self._open:
            self.feed.request_keyframe()

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
