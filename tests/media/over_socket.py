"""aiortc clients signalling over a real Plenum WebSocket, as a browser tab does.

A `Member` is one person in a meeting: their WebSocket (`tests/e2e/wsclient.py`) and the aiortc
peer (`clients.Client`) that signals over it with the `media_*` messages of docs/protocol.md.
"""

import asyncio
from dataclasses import dataclass
from typing import Any

from rooms.ids import ParticipantId
from rooms.plain import from_plain, to_plain
from server.sfu import MediaAnswer, MediaOffer, MediaRefused, ServerMessage
from tests.e2e.wsclient import Client as Socket
from tests.e2e.wsclient import Message, ServerError

from .clients import Client

ENVELOPE = ("v", "type", "ref")
SERVER_MEDIA: dict[str, type[ServerMessage]] = {
    "media_offer": MediaOffer,
    "media_refused": MediaRefused,
}
# Server messages come one by one to the client's pump; it is cancelled when the member leaves.
PUMP_WAIT_S = 3600.0


def _fields(message: Message) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in ENVELOPE}


@dataclass(frozen=True)
class SocketSignal:
    socket: Socket

    async def offer(self, offer: MediaOffer) -> MediaAnswer:
        plain = to_plain(offer)
        for track in plain["tracks"]:
            del track["publisher"]  # the server's to set
        ref = await self.socket.send("media_offer", **plain)
        reply = await self.socket.wait_for(
            lambda m: m.get("ref") == ref and m["type"] in ("media_answer", "error")
        )
        if reply["type"] == "error":
            raise ServerError(f"media_offer: {reply['code']}: {reply['message']}", reply["code"])
        return from_plain(MediaAnswer, _fields(reply))

    async def answer(self, answer: MediaAnswer) -> None:
        await self.socket.command("media_answer", sdp=answer.sdp)


@dataclass
class Member:
    socket: Socket
    peer: Client
    pump: asyncio.Task[None] | None = None

    @classmethod
    async def join(
        cls, url: str, token: str, name: str, local_address: str | None = None
    ) -> "Member":
        socket = await Socket.join(url, token, name, local_address=local_address)
        peer = Client(SocketSignal(socket), ParticipantId(socket.me))
        member = cls(socket, peer)
        member.pump = asyncio.create_task(member._pump())
        return member

    @property
    def me(self) -> ParticipantId:
        return self.peer.participant

    async def _pump(self) -> None:
        """Hand each server media message to the peer, in order."""
        seen = len(self.socket.messages)
        while True:
            await self.socket.wait_for(lambda _: True, PUMP_WAIT_S, since=seen)
            for message in self.socket.messages[seen:]:
                kind = SERVER_MEDIA.get(message["type"])
                if kind is not None:
                    self.peer.deliver(from_plain(kind, _fields(message)))
            seen = len(self.socket.messages)

    async def leave(self) -> None:
        if self.pump is not None:
            # Python 3.11's asyncio.wait_for can swallow a cancellation that lands just as the
            # wait it guards ends (gh-86296), and the pump would wait on: cancel until it stops.
            while not self.pump.done():
                self.pump.cancel()
                await asyncio.wait({self.pump}, timeout=0.1)
        await self.peer.close()
        await self.socket.close()
