"""The fan-out of one publisher's encoded frames to its subscribers, without decoding them.

A `Feed` is one track as the server receives it; an `Outlet` is the track a subscriber's
`RTCRtpSender` reads from. Each frame the feed gets is wrapped once in an `av.Packet` and the same
object is queued on every open outlet; the sender re-packetizes it with `encoder.pack()` (no
encoder ever runs). A video outlet waits for a keyframe before it passes anything on, and asks the
publisher for one through the feed.

Timestamps: every feed maps its stream onto one process-wide timeline (its first frame lands at
the current monotonic time), so an outlet that switches from one feed to another keeps moving
forward instead of jumping back to zero.
"""

import asyncio
import time
from collections.abc import Callable
from fractions import Fraction
from typing import TypeAlias

import av
from aiortc import MediaStreamTrack, RTCRtpReceiver
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from av.stream import Stream

from rooms.ids import ParticipantId
from server.media import seams
from server.media.keyframes import keyframe_test
from server.media.messages import Mid, Source

# av types Packet as generic in its stubs only.
Encoded: TypeAlias = "av.Packet[Stream]"

Clock = Callable[[], float]

# Keyframe requests closer together than this are one request: a keyframe answers them all.
MIN_KEYFRAME_INTERVAL_S = 0.25


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
        self.frames = 0
        self.keyframes = 0
        self.keyframe_requests = 0
        self._receiver = receiver
        self._on_live = on_live
        self._retry_s = keyframe_retry_s
        self._clock = clock
        self._is_keyframe: Callable[[bytes], bool] = keyframe_test("")
        self._time_base = Fraction(1, 90000)
        self._origin = 0
        self._last_request = -1e9
        self._requests: set[asyncio.Task[None]] = set()
        seams.tap_receiver(receiver, self._on_frame)
        self._on_level = on_level
        if self.kind == "audio" and on_level is not None:
            seams.observe_audio_levels(receiver, self._level)

    @property
    def live(self) -> bool:
        return self.codec is not None

    def _level(self, minus_dbov: int, voiced: bool) -> None:
        # Only a track the engine forwards counts: a refused or hard-muted voice is not heard.
        if self.allowed and self._on_level is not None:
            self._on_level(self, minus_dbov)

    def _on_frame(self, codec: RTCRtpCodecParameters, data: bytes, timestamp: int) -> None:
        if self.codec is None or codec.mimeType != self.codec.mimeType:
            first = self.codec is None
            self.codec = codec
            self._is_keyframe = keyframe_test(codec.mimeType)
            self._time_base = Fraction(1, codec.clockRate)
            self._origin = int(self._clock() * codec.clockRate) - timestamp
            if first:
                self._on_live(self)
        self.frames += 1
        keyframe = self._is_keyframe(data)
        self.keyframes += keyframe
        if not self.outlets or not self.allowed:
            return
        packet = av.Packet(data)
        packet.pts = self._origin + timestamp
        packet.time_base = self._time_base
        waiting = False
        for outlet in self.outlets:
            if not outlet.push(packet, keyframe):
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
    """The encoded frames of whichever feed a subscriber's sender currently carries."""

    def __init__(self, kind: str, capacity: int) -> None:
        super().__init__()
        self.kind = kind
        self.feed: Feed | None = None
        self.dropped = 0
        self._open = False
        self._gated = kind == "video"
        self._queue: asyncio.Queue[Encoded | None] = asyncio.Queue(capacity)

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
        self._drain()

    def open(self) -> None:
        """Start passing frames on, from the next keyframe; ask the publisher for one."""
        if self._open or self.feed is None:
            return
        self._open = True
        self._gated = self.kind == "video"
        self.feed.request_keyframe()

    def push(self, packet: Encoded, keyframe: bool) -> bool:
        """Queue a frame; False while this outlet still waits for a keyframe."""
        if not self._open:
            return True
        if self._gated:
            if not keyframe:
                return False
            self._gated = False
        if self._queue.full():
            # A subscriber this far behind skips to the next keyframe instead of holding everyone.
            self.dropped += self._queue.qsize()
            self._drain()
            if self.kind == "video":
                self._gated = True
                return False
        self._queue.put_nowait(packet)
        return True

    def keyframe_requested(self) -> None:
        """The subscriber lost the picture (its PLI or FIR reached our sender)."""
        if self.feed is not None and self._open:
            self.feed.request_keyframe()

    def _drain(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()

    async def recv(self) -> Encoded:
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self._queue.get()
        if packet is None:
            raise MediaStreamError
        return packet

    def stop(self) -> None:
        self.detach()
        if self.readyState == "live":
            self._queue.put_nowait(None)
        super().stop()
