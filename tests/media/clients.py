"""aiortc peers acting as browsers, against an in-process `ForwardingUnit` or a server's WebSocket.

Each client connects its own RTCPeerConnection over loopback, answers the server's offers as they
arrive, and decodes what it receives; each decoded frame is noted with its size, which names the
publisher that sent it (every test camera has its own size).
"""

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import av
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from rooms.ids import PLENARY, ParticipantId, RoomId
from server.sfu import (
    ForwardingUnit,
    MediaAnswer,
    MediaLimits,
    MediaOffer,
    MediaRefused,
    MediaSettings,
    Mid,
    Refusal,
    ServerMessage,
    Source,
    TrackInfo,
)

from .sources import Camera, Microphone

SETTINGS = MediaSettings(ice_host_addresses=("127.0.0.1",))
# Without it aiortc falls back to a public STUN server.
NO_ICE_SERVERS = RTCConfiguration(iceServers=[])


@dataclass(frozen=True)
class Received:
    mid: str
    kind: str
    at: float
    size: tuple[int, int] | None  # video only


class Signal(Protocol):
    """How a client's offers and answers reach the server, and the server's answer comes back."""

    async def offer(self, offer: MediaOffer) -> MediaAnswer: ...

    async def answer(self, answer: MediaAnswer) -> None: ...


@dataclass(frozen=True)
class EngineSignal:
    """Straight into an in-process engine, as the signalling edge would call it."""

    engine: ForwardingUnit
    participant: ParticipantId

    async def offer(self, offer: MediaOffer) -> MediaAnswer:
        return await self.engine.connect(self.participant, offer)

    async def answer(self, answer: MediaAnswer) -> None:
        await self.engine.answer(self.participant, answer)


@dataclass
class Client:
    signal: Signal
    participant: ParticipantId
    pc: RTCPeerConnection = field(default_factory=lambda: RTCPeerConnection(NO_ICE_SERVERS))
    received: list[Received] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    offers: list[MediaOffer] = field(default_factory=list)
    limits: list[MediaLimits] = field(default_factory=list)
    answer: MediaAnswer | None = None
    inbox: asyncio.Queue[ServerMessage] = field(default_factory=asyncio.Queue)
    labels: list[tuple[MediaStreamTrack, Source]] = field(default_factory=list)
    microphone: Microphone | None = None
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.pc.on("track", self._on_track)

    def publish(
        self,
        camera: tuple[int, int] | None = None,
        microphone: bool = False,
        loud: bool = True,
        video_codec: str | None = None,
        screen: tuple[int, int] | None = None,
    ) -> None:
        """Add the tracks; `video_codec` (a MIME type) makes the camera offer that codec only;
        `screen` is a second video track of that size, labelled as a shared screen."""
        if camera is not None:
            track: MediaStreamTrack = Camera(*camera)
            self.pc.addTrack(track)
            self.labels.append((track, Source.CAMERA))
            if video_codec is not None:
                (transceiver,) = [t for t in self.pc.getTransceivers() if t.sender.track is track]
                transceiver.setCodecPreferences(
                    [
                        c
                        for c in RTCRtpSender.getCapabilities("video").codecs
                        if c.mimeType.lower() == video_codec.lower()
                    ]
                )
        if screen is not None:
            shared = Camera(*screen)
            self.pc.addTrack(shared)
            self.labels.append((shared, Source.SCREEN))
        if microphone:
            self.microphone = Microphone(loud)
            self.pc.addTrack(self.microphone)
            self.labels.append((self.microphone, Source.MICROPHONE))

    async def connect(self) -> MediaAnswer:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        tracks = tuple(
            TrackInfo(Mid(t.mid), source)
            for track, source in self.labels
            for t in self.pc.getTransceivers()
            if t.sender.track is track and t.mid is not None
        )
        answer = await self.signal.offer(MediaOffer(self.pc.localDescription.sdp, tracks))
        await self.pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
        self.answer = answer
        self._spawn(self._pump())
        return answer

    def deliver(self, message: ServerMessage) -> None:
        self.inbox.put_nowait(message)

    async def _pump(self) -> None:
        while True:
            message = await self.inbox.get()
            if isinstance(message, MediaOffer):
                self.offers.append(message)
                await self.pc.setRemoteDescription(RTCSessionDescription(message.sdp, "offer"))
                await self.pc.setLocalDescription(await self.pc.createAnswer())
                await self.signal.answer(MediaAnswer(self.pc.localDescription.sdp))
            elif isinstance(message, MediaRefused):
                self.refused.extend(message.refused)
            elif isinstance(message, MediaLimits):
                self.limits.append(message)
            await self._notify()

    def _on_track(self, track: MediaStreamTrack) -> None:
        mid = next(t.mid for t in self.pc.getTransceivers() if t.receiver.track is track)
        assert mid is not None
        self._spawn(self._consume(mid, track))

    async def _consume(self, mid: str, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                size = (frame.width, frame.height) if isinstance(frame, av.VideoFrame) else None
                self.received.append(Received(mid, track.kind, time.monotonic(), size))
                await self._notify()

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(predicate), timeout)

    # What arrived, by what the tests look at.

    def video_from(self, size: tuple[int, int], since: float = 0.0) -> int:
        return sum(1 for r in self.received if r.size == size and r.at >= since)

    def audio(self, since: float = 0.0) -> int:
        return sum(1 for r in self.received if r.kind == "audio" and r.at >= since)

    def publishers_offered(self) -> set[ParticipantId]:
        """Whom the server's last offer says this client receives."""
        if not self.offers:
            return set()
        return {t.publisher for t in self.offers[-1].tracks if t.publisher is not None}

    def tracks_offered(self) -> set[tuple[ParticipantId | None, Source]]:
        """Whose track of which source the server's last offer says this client receives."""
        if not self.offers:
            return set()
        return {(t.publisher, t.source) for t in self.offers[-1].tracks}

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        await self.pc.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class Forum:
    """A forwarding unit and the clients joined to it."""

    def __init__(self, settings: MediaSettings = SETTINGS) -> None:
        self.clients: dict[ParticipantId, Client] = {}
        self.engine = ForwardingUnit(settings, self._deliver)

    def _deliver(self, participant: ParticipantId, message: ServerMessage) -> None:
        self.clients[participant].deliver(message)

    async def join(
        self,
        name: str,
        room: RoomId = PLENARY,
        may: Iterable[Source] = (),
        camera: tuple[int, int] | None = None,
        microphone: bool = False,
        video_codec: str | None = None,
    ) -> Client:
        participant = ParticipantId(name)
        self.engine.set_room(participant, room)
        self.engine.allow_publish(participant, may)
        client = Client(EngineSignal(self.engine, participant), participant)
        self.clients[participant] = client
        client.publish(camera, microphone, video_codec=video_codec)
        await client.connect()
        return client

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.close()
        await self.engine.aclose()


def heard_from(client: Client, publisher: str, since: float = 0.0) -> list[float]:
    """When the client decoded each audio frame of the publisher's voice."""
    mids = {t.mid for o in client.offers for t in o.tracks if t.publisher == publisher}
    return [r.at for r in client.received if r.kind == "audio" and r.mid in mids and r.at >= since]
