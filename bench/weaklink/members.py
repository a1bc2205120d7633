"""The workshop's well-connected members: aiortc peers that join Plenum over its WebSocket, as a
browser tab does, publish a camera and a microphone, and count what they receive.

Each publishes `bench.media.sources`' camera (a texture VP8 cannot shrink away) at a fixed rate,
and either that module's tone (the one speaking) or silence. What they receive is counted from the
RTP headers after SRTP (`bench.media.rtp.LegCounter`), not decoded: nine Python peers decoding
eight streams each would measure this process, not the server.
"""

import asyncio
from dataclasses import dataclass

import aiortc.codecs.vpx
from aiortc import MediaStreamTrack
from aiortc.mediastreams import AudioStreamTrack

from bench.media.peers import prepare_process
from bench.media.rtp import LegCounter
from bench.media.sources import Camera, Microphone
from server.sfu import Source
from tests.harness.waiting import eventually
from tests.media.over_socket import Member as SocketMember

CONNECT_TIMEOUT_S = 30.0
# The cameras' sizes, in turn: a workshop's mix of laptops and phones.
SIZES = ((640, 480), (480, 360), (320, 240))


def fix_video_bitrate(bits_per_s: int) -> None:
    """Every VP8 encoder of this process sends `bits_per_s` whatever the server's estimate says:
    aiortc's encoder otherwise follows it from 500 kbit/s, and restarts (a keyframe) at each
    move of more than 10 %."""
    aiortc.codecs.vpx.MIN_BITRATE = bits_per_s
    aiortc.codecs.vpx.DEFAULT_BITRATE = bits_per_s
    aiortc.codecs.vpx.MAX_BITRATE = bits_per_s


@dataclass
class Member:
    name: str
    size: tuple[int, int]
    speaking: bool
    camera: Camera
    joined: SocketMember
    counter: LegCounter

    @classmethod
    async def join(
        cls, url: str, token: str, name: str, size: tuple[int, int], speaking: bool
    ) -> "Member":
        joined = await SocketMember.join(url, token, name)
        peer = joined.peer
        camera = Camera(*size)
        microphone: MediaStreamTrack = Microphone() if speaking else AudioStreamTrack()
        for track, source in ((camera, Source.CAMERA), (microphone, Source.MICROPHONE)):
            peer.pc.addTrack(track)
            peer.labels.append((track, source))
        await peer.connect()
        counter = LegCounter()
        # One bundled transport carries everything; counted before it hands RTP to receivers.
        transport = peer.pc.getTransceivers()[0].receiver.transport
        counter.tap(transport)
        return cls(name, size, speaking, camera, joined, counter)

    async def connected(self) -> None:
        pc = self.joined.peer.pc

        def up() -> bool:
            if pc.connectionState in ("failed", "closed"):
                raise RuntimeError(f"{self.name}: connection {pc.connectionState}")
            return pc.connectionState == "connected"

        await eventually(up, CONNECT_TIMEOUT_S, failure=f"{self.name}: not connected")

    def frames_received(self) -> int:
        """Video frames received so far, from every feed (marker bits of VP8 packets)."""
        description = self.joined.peer.pc.remoteDescription
        if description is not None:
            self.counter.learn(description.sdp)  # the server's offers add feeds
        return self.counter.frames

    async def leave(self) -> None:
        await self.joined.leave()


async def join_all(url: str, token: str, names: list[str], bits_per_s: int) -> list[Member]:
    """One member per name, the first speaking, with the cameras' sizes in turn."""
    prepare_process()
    fix_video_bitrate(bits_per_s)
    members = []
    for i, name in enumerate(names):
        size = SIZES[i % len(SIZES)]
        members.append(await Member.join(url, token, name, size, speaking=i == 0))
    await asyncio.gather(*(m.connected() for m in members))
    return members
