"""The workshop's well-connected members: aiortc peers that join Plenum over its WebSocket, as a
browser tab does, publish a camera and a microphone, and count what they receive. Each is a
process of its own (`python -m bench.weaklink.members ...`, driven over `bench.common.children`'s
control line): nine in one Python process starved it to a few camera frames a second.

Each publishes `bench.media.sources`' camera (a texture VP8 cannot shrink away) at a fixed rate,
and either that module's tone (the one speaking) or silence. Each shows the active speaker's
video only (`media_view`, as a phone in speaker view does): aiortc decodes every video it
receives, and nine processes decoding eight videos each starved the machine until their ICE
consent expired. What they receive is counted from the
RTP headers after SRTP (`bench.media.rtp.LegCounter`), not decoded: nine Python peers decoding
eight streams each would measure this process, not the server.
"""

import argparse
import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

import aiortc.codecs.vpx
from aiortc import MediaStreamTrack
from aiortc.mediastreams import AudioStreamTrack

from bench.common.children import Control, leave
from bench.media.peers import prepare_process
from bench.media.rtp import LegCounter
from bench.media.sources import Camera, Microphone
from server.sfu import Source
from tests.harness.waiting import eventually
from tests.media.over_socket import Member as SocketMember

CONNECT_TIMEOUT_S = 30.0
# How often a member looks for a new active speaker among the messages it got.
SPEAKER_POLL_S = 0.25
CLOSE_TIMEOUT_S = 5.0


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

    def restarts(self) -> list[str]:
        """The reasons of the `media_restart`s the server sent (a member does not restart)."""
        messages = self.joined.socket.messages
        return [m.get("reason", "") for m in messages if m["type"] == "media_restart"]

    async def show_the_speaker(self) -> None:
        """Say, each time the active speaker changes, that only their camera is shown."""
        socket = self.joined.socket
        shown_for: object = ...
        while True:
            speakers = socket.of_type("active_speaker")
            speaker = speakers[-1]["participant"] if speakers else None
            if speaker != shown_for:
                shown_for = speaker
                shown = (
                    []
                    if speaker in (None, self.joined.me)
                    else [{"publisher": speaker, "source": "camera", "height": 360}]
                )
                await socket.send("media_view", shown=shown)
            await asyncio.sleep(SPEAKER_POLL_S)

    async def leave(self) -> None:
        await self.joined.leave()


async def main(url: str, token: str, name: str, size: tuple[int, int], speaking: bool) -> None:
    """Join, answer `{"connected": true}`, then `snapshot` commands until `quit`."""
    control = await Control.open()
    member: Member | None = None
    following: asyncio.Task[None] | None = None
    try:
        member = await Member.join(url, token, name, size, speaking)
        await member.connected()
        following = asyncio.create_task(member.show_the_speaker())
        control.answer({"connected": True})
        while (command := await control.command())["cmd"] != "quit":
            if command["cmd"] == "snapshot":
                control.answer(
                    {
                        "t": time.monotonic(),
                        "received": member.frames_received(),
                        "sent": member.camera.frames,
                        "state": member.joined.peer.pc.connectionState,
                        "restarts": member.restarts(),
                    }
                )
            else:
                control.answer({"error": f"unknown command {command['cmd']!r}"})
    except Exception as exc:
        logging.exception("member failed")
        control.answer({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        if following is not None:
            following.cancel()
        if member is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(member.leave(), CLOSE_TIMEOUT_S)


def cli() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="Plenum's WebSocket")
    parser.add_argument("--token", required=True, help="a presenter's link token")
    parser.add_argument("--name", required=True)
    parser.add_argument("--size", required=True, help="the camera's WIDTHxHEIGHT")
    parser.add_argument("--kbit", type=int, required=True, help="the camera's VP8 rate")
    parser.add_argument("--speaking", action="store_true", help="a tone, not silence")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # Why a member's media ends, in its log: aioice says when consent to send expired.
    logging.getLogger("aioice.ice").setLevel(logging.INFO)
    width, height = (int(n) for n in args.size.split("x"))
    prepare_process()
    fix_video_bitrate(args.kbit * 1000)
    try:
        asyncio.run(main(args.url, args.token, args.name, (width, height), args.speaking))
    finally:
        leave()


if __name__ == "__main__":
    cli()
