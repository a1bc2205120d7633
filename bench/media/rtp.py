"""Counting media from RTP headers: what a leg carried, without decoding anything.

Two places count:
- a subscriber's leg (`LegCounter`): its DTLS transport hands each packet to the counter right
  after SRTP unprotect, instead of parsing it and passing it to the receiver (no jitter buffer, no
  decoder, no NACK). A video frame is a VP8 packet with the marker bit (the last packet of a frame);
  loss is the sequence-number gaps of each stream;
- the server's leg from the publisher (`IngressCounter`): every `RTCRtpReceiver` in the server
  process counts the VP8 packets it gets before handling them as usual, keyframes included.

Both rest on private aiortc API (aiortc 1.16.0, as pinned by Plenum): `RTCDtlsTransport.
_handle_rtp_data`, `RTCRtpReceiver._handle_rtp_packet` and the receiver's payload-type map.
"""

import collections
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCDtlsTransport, RTCRtpReceiver
from aiortc.rtp import RtpPacket
from aiortc.sdp import SessionDescription

VP8 = "video/vp8"
_RTP_HEADER = 12
_MARKER = 0x80
_PAYLOAD_TYPE = 0x7F
_EXTENSION = 0x10
_CSRC_COUNT = 0x0F
FRAMES_LOGGED = 2048


@dataclass
class Sequence:
    """One RTP stream's sequence numbers: how many arrived, how many were sent (by the gaps)."""

    first: int
    highest: int  # extended: counts wraps
    received: int = 1

    def note(self, seq: int) -> None:
        self.received += 1
        delta = (seq - self.highest) & 0xFFFF
        if delta < 0x8000:
            self.highest += delta
        # else: late or repeated; counted as received, does not move the highest

    @property
    def expected(self) -> int:
        return self.highest - self.first + 1


def _payload_offset(data: bytes) -> int:
    offset = _RTP_HEADER + 4 * (data[0] & _CSRC_COUNT)
    if data[0] & _EXTENSION and len(data) >= offset + 4:
        offset += 4 + 4 * int.from_bytes(data[offset + 2 : offset + 4], "big")
    return offset


def _note_sequence(streams: dict[int, Sequence], ssrc: int, seq: int) -> None:
    stream = streams.get(ssrc)
    if stream is None:
        streams[ssrc] = Sequence(seq, seq)
    else:
        stream.note(seq)


@dataclass
class LegCounter:
    """What one subscriber's peer connection received: video frames and per-stream packets."""

    video_payload_types: frozenset[int] = frozenset()
    frames: int = 0
    first_frame_at: float | None = None
    streams: dict[int, Sequence] = field(default_factory=dict)
    # The last video frames: (CRC-32 of the payload of the frame's last packet, arrival time).
    # The payload is the publisher's, untouched: the same frame has the same CRC on every leg.
    frame_log: collections.deque[tuple[int, float]] = field(
        default_factory=lambda: collections.deque(maxlen=FRAMES_LOGGED)
    )

    async def on_rtp(self, data: bytes, arrival_time_ms: int) -> None:
        if len(data) < _RTP_HEADER:
            return
        second = data[1]
        ssrc = int.from_bytes(data[8:12], "big")
        _note_sequence(self.streams, ssrc, (data[2] << 8) | data[3])
        if second & _MARKER and (second & _PAYLOAD_TYPE) in self.video_payload_types:
            now = time.monotonic()
            self.frames += 1
            if self.first_frame_at is None:
                self.first_frame_at = now
            self.frame_log.append((zlib.crc32(data[_payload_offset(data) :]), now))

    def learn(self, sdp: str) -> None:
        """Take the VP8 payload types from a negotiated description."""
        description = SessionDescription.parse(sdp)
        self.video_payload_types = frozenset(
            codec.payloadType
            for media in description.media
            if media.kind == "video"
            for codec in media.rtp.codecs
            if codec.mimeType.lower() == VP8 and codec.payloadType is not None
        )

    def tap(self, transport: RTCDtlsTransport) -> None:
        """Count this transport's RTP instead of handing it to the receivers."""
        transport._handle_rtp_data = self.on_rtp  # type: ignore[method-assign]

    def snapshot(self) -> list[int]:
        received = sum(s.received for s in self.streams.values())
        expected = sum(s.expected for s in self.streams.values())
        return [self.frames, received, expected]


def vp8_starts_keyframe(payload: bytes) -> bool:
    """Whether this VP8 RTP payload (RFC 7741) begins a key frame."""
    if len(payload) < 2:
        return False
    first = payload[0]
    if not first & 0x10 or first & 0x07:  # not the start of partition 0
        return False
    i = 1
    if first & 0x80:  # extended control bits
        extension = payload[1]
        i = 2
        if extension & 0x80:  # picture id, 7 or 15 bits
            i += 2 if i < len(payload) and payload[i] & 0x80 else 1
        if extension & 0x40:  # TL0PICIDX
            i += 1
        if extension & 0x30:  # TID / KEYIDX
            i += 1
    return i < len(payload) and payload[i] & 0x01 == 0


@dataclass
class IngressCounter:
    """The VP8 the server's receivers got (in the server: from the publisher only)."""

    frames: int = 0
    keyframes: int = 0
    packets: int = 0
    payload_bytes: int = 0
    streams: dict[int, Sequence] = field(default_factory=dict)

    def note(self, packet: RtpPacket) -> None:
        self.packets += 1
        self.payload_bytes += len(packet.payload)
        _note_sequence(self.streams, packet.ssrc, packet.sequence_number)
        if packet.marker:
            self.frames += 1
        if vp8_starts_keyframe(packet.payload):
            self.keyframes += 1

    def snapshot(self) -> dict[str, int]:
        return {
            "frames": self.frames,
            "keyframes": self.keyframes,
            "packets": self.packets,
            "payload_bytes": self.payload_bytes,
            "received": sum(s.received for s in self.streams.values()),
            "expected": sum(s.expected for s in self.streams.values()),
        }


_CODECS = "_RTCRtpReceiver__codecs"


def count_ingress() -> IngressCounter:
    """Count the VP8 every receiver in this process gets, from now on."""
    counter = IngressCounter()
    original = RTCRtpReceiver._handle_rtp_packet

    async def handle(self: RTCRtpReceiver, packet: RtpPacket, arrival_time_ms: int) -> None:
        codecs: dict[int, Any] = getattr(self, _CODECS)
        codec = codecs.get(packet.payload_type)
        if codec is not None and codec.mimeType.lower() == VP8:
            counter.note(packet)
        await original(self, packet, arrival_time_ms)

    RTCRtpReceiver._handle_rtp_packet = handle  # type: ignore[method-assign]
    return counter
