"""The publisher's synthetic camera and microphone, made to cost a VP8 encoder like a real camera.

The picture is a blocky random texture panning diagonally (motion the encoder predicts) with a
patch of fresh noise moving across it (detail it cannot predict), so at 1.5 Mbit/s VP8 makes
ordinary inter frames of several RTP packets each. Frames are unmarked (`pict_type` NONE):
aiortc's own sources mark every frame as an I-frame, which makes FFmpeg's VP8 encoder send only
keyframes; here keyframes come only at start-up and when asked for.
"""

import math
import random

import av
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

PT_NONE = av.video.frame.PictureType.NONE
WIDTH = 640
HEIGHT = 480
_BLOCK = 8
_PAN = 2  # pixels per frame, each way
_PATCH = (128, 96)


class Camera(VideoStreamTrack):
    """640x480 at 30 frames per second."""

    def __init__(self, width: int = WIDTH, height: int = HEIGHT, seed: int = 4) -> None:
        super().__init__()
        self.width = width
        self.height = height
        self._random = random.Random(seed)
        self._count = 0
        self._travel = 256
        columns = (width + self._travel) // _BLOCK + 2
        rows = (height + self._travel) // _BLOCK + 2
        self._stride = columns * _BLOCK
        texture = bytearray()
        for _ in range(rows):
            row = b"".join(
                bytes([32 + self._random.randrange(192)]) * _BLOCK for _ in range(columns)
            )
            texture += row * _BLOCK
        self._texture = bytes(texture)
        self._chroma: list[bytes] = []

    @property
    def frames(self) -> int:
        """Frames handed to the sender so far (it pulls them: a sender behind pulls fewer)."""
        return self._count

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        luma = frame.planes[0]
        line = luma.line_size
        step = self._count % (2 * self._travel // _PAN)
        offset = _PAN * (step if step < self._travel // _PAN else 2 * self._travel // _PAN - step)
        start = offset * self._stride + offset
        rows = [
            self._texture[start + y * self._stride : start + y * self._stride + line]
            for y in range(self.height)
        ]
        patch_w, patch_h = _PATCH
        angle = self._count / 45
        px = int((self.width - patch_w) * (0.5 + 0.5 * math.cos(angle)))
        py = int((self.height - patch_h) * (0.5 + 0.5 * math.sin(angle)))
        for y in range(py, py + patch_h):
            row = rows[y]
            rows[y] = row[:px] + self._random.randbytes(patch_w) + row[px + patch_w :]
        luma.update(b"".join(rows))
        if not self._chroma:
            self._chroma = [bytes([128]) * p.buffer_size for p in frame.planes[1:]]
        for plane, value in zip(frame.planes[1:], self._chroma, strict=True):
            plane.update(value)
        self._count += 1
        frame.pts = pts
        frame.time_base = time_base
        frame.pict_type = PT_NONE
        return frame


class Microphone(AudioStreamTrack):
    """A 440 Hz tone: 20 ms frames, 48 kHz mono, encoded to Opus by the sender."""

    def __init__(self) -> None:
        super().__init__()
        self._samples: bytes | None = None

    async def recv(self) -> av.AudioFrame:
        frame = await super().recv()
        assert isinstance(frame, av.AudioFrame)
        if self._samples is None:
            rate = frame.sample_rate
            # 20 ms holds whole periods of 50 Hz multiples: 440 Hz is close enough to loop.
            values = (
                int(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(frame.samples)
            )
            self._samples = b"".join(v.to_bytes(2, "little", signed=True) for v in values)
        frame.planes[0].update(self._samples)
        return frame
