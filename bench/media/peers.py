"""The benchmark's aiortc clients: the publisher, and subscribers that count instead of decoding.

A client opens the session with its offer and then answers whatever the server offers, in order,
as a browser would:
- against Plenum, a subscriber's first offer is empty; the forwarding unit offers the tracks once
  the publisher is live (its protocol, `server/sfu/messages.py`);
- against MediaRelay, a subscriber offers to receive one video and one audio track, and the server
  answers with its re-encoded copies (aiortc's `examples/server` way).

Subscribers only offer VP8 for video. Each subscriber's DTLS transport hands its RTP to a
`LegCounter` right after SRTP unprotect (no jitter buffer, no decoder): a Python receiver that
decodes cannot keep up with 50 streams on a shared core, and would measure itself, not the server.
"""

import asyncio
import contextlib
from typing import Literal

import aioice.turn
from aiortc import (
    RTCConfiguration,
    RTCDtlsTransport,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)

from bench.media.channel import ClientChannel, Message
from bench.media.rtp import LegCounter
from bench.media.sources import Camera, Microphone
from server.sfu import aiortc_private
from tests.harness.waiting import eventually

Engine = Literal["plenum", "mediarelay"]
ENGINES: tuple[Engine, ...] = ("plenum", "mediarelay")
ANSWER_TIMEOUT_S = 30.0
# aioice asks for this receive buffer on each UDP socket it binds (its default: 256 KiB); the
# kernel caps it at net.core.rmem_max.
RECEIVE_BUFFER = 4 << 20


def prepare_process() -> None:
    """Loopback-only ICE host candidates and large receive buffers, for every peer from now on."""
    aiortc_private.offer_host_addresses(("127.0.0.1",))
    aioice.turn.UDP_SOCKET_BUFFER_SIZE = RECEIVE_BUFFER


class SignallingError(Exception):
    """The server refused or did not answer."""


class BenchPeer:
    def __init__(self, channel: ClientChannel, participant: str, engine: Engine) -> None:
        self.participant = participant
        self.engine = engine
        self.counter = LegCounter()
        # No ICE servers: otherwise aiortc falls back to a public STUN server.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._channel = channel
        self._inbox = channel.inbox(participant)
        self._tapped: set[RTCDtlsTransport] = set()
        self._pump: asyncio.Task[None] | None = None
        self._counting = False
        self.camera: Camera | None = None

    async def publish(self) -> None:
        """Send a camera and a microphone."""
        self.camera = Camera()
        camera = self.pc.addTrack(self.camera)
        microphone = self.pc.addTrack(Microphone())
        await self._open("publisher", {camera: "camera", microphone: "microphone"})

    async def subscribe(self) -> None:
        self._counting = True
        if self.engine == "mediarelay":
            video = self.pc.addTransceiver("video", direction="recvonly")
            video.setCodecPreferences(
                [
                    c
                    for c in RTCRtpSender.getCapabilities("video").codecs
                    if c.mimeType.lower() == "video/vp8"
                ]
            )
            self.pc.addTransceiver("audio", direction="recvonly")
        await self._open("subscriber", {})

    async def _open(self, role: str, sources: dict[RTCRtpSender, str]) -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self._negotiated()
        tracks = [
            [t.mid, sources[t.sender]]
            for t in self.pc.getTransceivers()
            if t.sender in sources and t.mid is not None
        ]
        self._send({"type": "offer", "role": role, "sdp": self.pc.localDescription.sdp,
                    "tracks": tracks})  # fmt: skip
        answer = await self._next("answer")
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
        self._negotiated()
        self._pump = asyncio.create_task(self._answer_offers())

    async def _answer_offers(self) -> None:
        while True:
            offer = await self._next("offer", timeout=None)
            await self.pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
            self._negotiated()
            await self.pc.setLocalDescription(await self.pc.createAnswer())
            self._send({"type": "answer", "sdp": self.pc.localDescription.sdp})

    async def _next(self, kind: str, timeout: float | None = ANSWER_TIMEOUT_S) -> Message:
        try:
            message = await asyncio.wait_for(self._inbox.get(), timeout)
        except TimeoutError:
            raise SignallingError(f"{self.participant}: no {kind} in {timeout} s") from None
        if message["type"] != kind:
            raise SignallingError(f"{self.participant}: expected an {kind}, got {message}")
        return message

    def _negotiated(self) -> None:
        """After each description: count on every new transport (before its DTLS starts)."""
        if not self._counting:
            return
        if self.pc.remoteDescription is not None:
            self.counter.learn(self.pc.remoteDescription.sdp)
        for transceiver in self.pc.getTransceivers():
            transport = transceiver.receiver.transport
            if transport is not None and transport not in self._tapped:
                self.counter.tap(transport)
                self._tapped.add(transport)

    def _send(self, message: Message) -> None:
        self._channel.send({"id": self.participant, **message})

    async def connected(self, timeout: float) -> None:
        """Wait until ICE and DTLS are up."""

        def up() -> bool:
            state = self.pc.connectionState
            if state in ("failed", "closed"):
                raise SignallingError(f"{self.participant}: connection {state}")
            return state == "connected"

        try:
            await eventually(up, timeout)
        except TimeoutError:
            raise SignallingError(f"{self.participant}: not connected in {timeout:g} s") from None

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(BaseException):
                await self._pump
        await self.pc.close()
