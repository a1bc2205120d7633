"""The server process of the media benchmark: Plenum's forwarding unit, or aiortc's MediaRelay.

`python -m bench.media.server --engine plenum|mediarelay`

It listens for signalling on 127.0.0.1 (`bench.media.channel`), answers `{"port": P}` first, then
`snapshot` commands with what it got from the publisher and every codec call it made, until
`quit`. Alone in its process, its CPU time is the engine's. A Plenum server may be one worker of
a room spread over several, fed through the media pipe (`bench.media.piping`).

- plenum: `ForwardingUnit` driven the way the signalling edge drives it: room and rights first,
  `connect` for a client's offer (its answer written before anything else is awaited, since the
  unit's next offer to the same client may follow on the next turn of the loop), `answer` for the
  client's answers to the offers the unit sends through its outbox.
- mediarelay: aiortc's `MediaRelay` as its examples use it: the publisher's tracks are decoded once
  and each subscriber's sender encodes them again. Proxies are unbuffered (each subscriber gets the
  newest frame, older ones are dropped): aiortc's default buffer grows without bound once the
  encoders fall behind. A drain proxy reads the source from the start, so decoded frames do not
  pile up before the first subscriber.
"""

import argparse
import asyncio
import contextlib
import logging
import time
from typing import Any, Protocol

from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError

from bench.common.children import Control, leave
from bench.media.channel import LINE_LIMIT, Dispatch, Message, lines, write
from bench.media.codecs import CodecCalls, count_codec_calls
from bench.media.peers import ENGINES, prepare_process
from bench.media.piping import Piping
from bench.media.rtp import IngressCounter, count_ingress
from rooms.ids import PLENARY, ParticipantId
from server.sfu import (
    ForwardingUnit,
    MediaAnswer,
    MediaError,
    MediaOffer,
    MediaRefused,
    MediaSettings,
    Mid,
    ServerMessage,
    Source,
    TrackInfo,
)

CLOSE_TIMEOUT_S = 5.0
PUBLISHER_RIGHTS = (Source.CAMERA, Source.MICROPHONE)

logger = logging.getLogger(__name__)


class Host(Protocol):
    async def handle(self, writer: asyncio.StreamWriter, message: Message) -> None: ...

    def stats(self) -> dict[str, Any]: ...

    async def aclose(self) -> None: ...


class PlenumHost:
    def __init__(self) -> None:
        settings = MediaSettings(ice_host_addresses=("127.0.0.1",), max_peers_per_worker=1000)
        self.engine = ForwardingUnit(settings, self._outbox)
        self.piping = Piping(self.engine)
        self._writers: dict[ParticipantId, asyncio.StreamWriter] = {}

    def _outbox(self, participant: ParticipantId, message: ServerMessage) -> None:
        writer = self._writers[participant]
        if isinstance(message, MediaOffer):
            write(writer, {"id": participant, "type": "offer", "sdp": message.sdp})
        elif isinstance(message, MediaAnswer):
            write(writer, {"id": participant, "type": "answer", "sdp": message.sdp})
        elif isinstance(message, MediaRefused):
            detail = "; ".join(r.detail for r in message.refused)
            write(writer, {"id": participant, "type": "error", "detail": detail})

    async def handle(self, writer: asyncio.StreamWriter, message: Message) -> None:
        participant = ParticipantId(message["id"])
        try:
            if message["type"] == "offer":
                if participant not in self._writers:
                    self._writers[participant] = writer
                    self.engine.set_room(participant, PLENARY)
                    rights = PUBLISHER_RIGHTS if message.get("role") == "publisher" else ()
                    self.engine.allow_publish(participant, rights)
                tracks = tuple(
                    TrackInfo(Mid(mid), Source(source)) for mid, source in message["tracks"]
                )
                answer = await self.engine.connect(participant, MediaOffer(message["sdp"], tracks))
                # Written at once: the unit's next offer may follow on the loop's next turn.
                self._outbox(participant, answer)
                if answer.refused:
                    self._outbox(participant, MediaRefused(answer.refused))
            elif message["type"] == "answer":
                await self.engine.answer(participant, MediaAnswer(message["sdp"]))
        except MediaError as exc:
            write(writer, {"id": participant, "type": "error", "detail": str(exc)})

    def stats(self) -> dict[str, Any]:
        feeds = self.engine.feeds(ParticipantId("publisher"))
        outlets = [o for f in feeds for o in f.outlets]
        return {
            "peers": len(self._writers),
            "feeds": {
                f.kind: {
                    "frames": f.frames,
                    "keyframes": f.keyframes,
                    "keyframe_requests": f.keyframe_requests,
                    "outlets": len(f.outlets),
                }
                for f in feeds
            },
            "outlet_packets": sum(o.packets for o in outlets),
            "outlet_retransmits": sum(o.retransmits for o in outlets),
            "pipe": self.piping.stats(),
        }

    async def aclose(self) -> None:
        self.piping.close()
        await self.engine.aclose()


class RelayHost:
    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.sources: dict[str, MediaStreamTrack] = {}
        self._pcs: dict[str, RTCPeerConnection] = {}
        self._drains: list[asyncio.Task[None]] = []

    async def handle(self, writer: asyncio.StreamWriter, message: Message) -> None:
        participant = str(message["id"])
        if message["type"] != "offer" or participant in self._pcs:
            write(writer, {"id": participant, "type": "error", "detail": "one offer each"})
            return
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._pcs[participant] = pc
        if message.get("role") == "publisher":
            pc.on("track", self._on_source)
        await pc.setRemoteDescription(RTCSessionDescription(message["sdp"], "offer"))
        if message.get("role") != "publisher":
            for transceiver in pc.getTransceivers():
                source = self.sources.get(transceiver.kind)
                if source is None:
                    write(writer, {"id": participant, "type": "error", "detail": "no publisher"})
                    return
                pc.addTrack(self.relay.subscribe(source, buffered=False))
        await pc.setLocalDescription(await pc.createAnswer())
        write(writer, {"id": participant, "type": "answer", "sdp": pc.localDescription.sdp})

    def _on_source(self, track: MediaStreamTrack) -> None:
        self.sources[track.kind] = track
        self._drains.append(asyncio.create_task(self._drain(track)))

    async def _drain(self, track: MediaStreamTrack) -> None:
        proxy = self.relay.subscribe(track, buffered=False)
        with contextlib.suppress(MediaStreamError):
            while True:
                await proxy.recv()

    def stats(self) -> dict[str, Any]:
        return {"peers": len(self._pcs)}

    async def aclose(self) -> None:
        for task in self._drains:
            task.cancel()
        await asyncio.gather(*self._drains, return_exceptions=True)
        for pc in self._pcs.values():
            await pc.close()


async def main(engine: str) -> None:
    codecs: CodecCalls = count_codec_calls()
    ingress: IngressCounter = count_ingress()
    prepare_process()
    host: Host = PlenumHost() if engine == "plenum" else RelayHost()
    control = await Control.open()
    dispatches: list[Dispatch] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def handle(message: Message) -> None:
            try:
                await host.handle(writer, message)
            except Exception as exc:
                logger.exception("signalling for %s failed", message.get("id"))
                write(writer, {"id": message["id"], "type": "error", "detail": str(exc)})

        dispatch = Dispatch(handle)
        dispatches.append(dispatch)
        async for message in lines(reader):
            dispatch.put(message)

    listener = await asyncio.start_server(serve, "127.0.0.1", 0, limit=LINE_LIMIT)
    control.answer({"port": listener.sockets[0].getsockname()[1]})
    try:
        while (command := await control.command())["cmd"] != "quit":
            if command["cmd"] == "snapshot":
                control.answer(
                    {
                        "t": time.monotonic(),
                        "ingress": ingress.snapshot(),
                        "codecs": codecs.snapshot(),
                        **host.stats(),
                    }
                )
            elif isinstance(host, PlenumHost):
                control.answer(await host.piping.command(command))
            else:
                control.answer({"error": f"unknown command {command['cmd']!r}"})
    finally:
        listener.close()
        for dispatch in dispatches:
            await dispatch.aclose()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(host.aclose(), CLOSE_TIMEOUT_S)


def cli() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=ENGINES, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(main(args.engine))
    finally:
        leave()


if __name__ == "__main__":
    cli()
