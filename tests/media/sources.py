"""Synthetic camera and microphone tracks whose frames say who sent them (by their size)."""

import av
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

PT_NONE = av.video.frame.PictureType.NONE


class Camera(VideoStreamTrack):
    """A plain picture that changes every frame, `width` x `height` at 30 frames per second.

    aiortc's own sources mark every frame as an I-frame, which makes FFmpeg's VP8 encoder send
    only keyframes; these frames are unmarked, so keyframes come only when asked for.
    """

    def __init__(self, width: int, height: int) -> None:
        super().__init__()
        self.width = width
        self.height = height
        self._count = 0

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        self._count += 1
        luma = frame.planes[0]
        shade = 16 + (self._count * 3) % 200
        row = bytes(range(shade, shade + 32)) * (luma.line_size // 32 + 1)
        luma.update(row[: luma.line_size] * self.height)
        for chroma in frame.planes[1:]:
            chroma.update(bytes([128]) * chroma.buffer_size)
        frame.pts = pts
        frame.time_base = time_base
        frame.pict_type = PT_NONE
        return frame


class Microphone(AudioStreamTrack):
    """A 20 ms sawtooth at 8 kHz, or silence while `loud` is False.

    aiortc's sender measures each frame it encodes and writes the level into the packets'
    `ssrc-audio-level` header extension (RFC 6464): about 5 (-5 dBov) for the sawtooth, 127 for
    silence.
    """

    def __init__(self, loud: bool = True) -> None:
        super().__init__()
        self.loud = loud

    async def recv(self) -> av.AudioFrame:
        frame = await super().recv()
        assert isinstance(frame, av.AudioFrame)
        if self.loud:
            samples = bytes((i * 7) % 256 for i in range(frame.samples * 2))
            frame.planes[0].update(samples)
        return frame
