"""Lean members of the room, one per engine, on `LeanWebSocket`: what the load generators run.

Each joins as a real client of its engine and hears every chat text with its arrival time, at a
small fraction of the cost of the client libraries (`bench.loadgen.library`, kept to cross-check
these).
Both decode every message they get with their format's own C decoder (msgpack for Plenum, JSON
for Socket.IO), so neither engine's members get a shortcut the other's lack.

- Plenum: `hello`, then wait for `welcome` (or an `error`); chat arrives as `chat_posted`.
- python-socketio: the Engine.IO v4 opening packet (`0{…}`), connect to the namespace (`40`),
  `join` the room with an acknowledgement (`420["join",room]` → `430[true]`); chat arrives as
  `42["chat",{…}]`; the server's Engine.IO pings (`2`) are answered (`3`).
"""

import asyncio
import json
from collections.abc import Callable
from typing import Any

import msgpack

from bench.loadgen.websocket import OP_BINARY, OP_TEXT, LeanWebSocket
from server.protocol.wire import VERSION

JOIN_TIMEOUT_S = 60.0
LEAVE_TIMEOUT_S = 2.0

# What a member does with each chat text it hears: (text, arrival time).
Hear = Callable[[str, float], None]


class _LeanMember:
    def __init__(self, hear: Hear) -> None:
        self._hear = hear
        self._socket: LeanWebSocket | None = None
        self._joined: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._leaving = False

    @property
    def lost(self) -> bool:
        return self._socket is not None and self._socket.closed.done() and not self._leaving

    async def _open(self, url: str) -> LeanWebSocket:
        # Set before connecting: a server may speak first, in the same bytes as its handshake.
        socket = self._socket = LeanWebSocket(self._on_message)
        # A close before the join is done must not leave `join` waiting to its timeout.
        socket.closed.add_done_callback(self._closed_early)
        await socket.connect(url)
        return socket

    async def _wait_joined(self) -> None:
        async with asyncio.timeout(JOIN_TIMEOUT_S):
            await self._joined

    def _closed_early(self, _: object) -> None:
        if not self._joined.done():
            self._joined.set_exception(ConnectionError("closed by the server before joining"))

    def _refused(self, why: str) -> None:
        if not self._joined.done():
            self._joined.set_exception(RuntimeError(why))

    async def leave(self) -> None:
        self._leaving = True
        if self._socket is None:
            return
        self._socket.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._socket.closed), LEAVE_TIMEOUT_S)
        except TimeoutError:
            self._socket.abort()

    def _on_message(self, opcode: int, payload: bytes, now: float) -> None:
        raise NotImplementedError


class LeanPlenumMember(_LeanMember):
    def __init__(self, url: str, token: str, name: str, hear: Hear) -> None:
        super().__init__(hear)
        self._url = url
        self._token = token
        self._name = name

    async def join(self) -> None:
        socket = await self._open(self._url)
        socket.send(OP_BINARY, _pack({"type": "hello", "token": self._token, "name": self._name}))
        await self._wait_joined()

    async def say(self, text: str) -> None:
        assert self._socket is not None, "join first"
        self._socket.send(OP_BINARY, _pack({"type": "send_chat", "text": text}))

    def _on_message(self, opcode: int, payload: bytes, now: float) -> None:
        message = msgpack.unpackb(payload, raw=False)
        kind = message["type"]
        if kind == "chat_posted":
            self._hear(message["text"], now)
        elif kind == "welcome" and not self._joined.done():
            self._joined.set_result(None)
        elif kind == "error":
            self._refused(f"{self._name}: {message['code']}: {message['message']}")


class LeanSocketioMember(_LeanMember):
    def __init__(self, url: str, room: str, hear: Hear) -> None:
        super().__init__(hear)
        base = url.replace("http://", "ws://", 1).rstrip("/")
        self._url = f"{base}/socket.io/?EIO=4&transport=websocket"
        self._room = room

    async def join(self) -> None:
        await self._open(self._url)
        await self._wait_joined()

    async def say(self, text: str) -> None:
        assert self._socket is not None, "join first"
        self._socket.send(OP_TEXT, b"42" + _json(["chat", {"text": text}]))

    def _on_message(self, opcode: int, payload: bytes, now: float) -> None:
        if payload[:2] == b"42":
            name, data = json.loads(payload[2:])
            if name == "chat":
                self._hear(data["text"], now)
            return
        socket = self._socket
        assert socket is not None
        if payload == b"2":
            socket.send(OP_TEXT, b"3")
        elif payload[:1] == b"0":
            socket.send(OP_TEXT, b"40")
        elif payload[:2] == b"40":
            socket.send(OP_TEXT, b"420" + _json(["join", self._room]))
        elif payload[:3] == b"430":
            if json.loads(payload[3:]) == [True]:
                if not self._joined.done():
                    self._joined.set_result(None)
            else:
                self._refused(f"the join was answered {payload[3:]!r}")
        elif payload[:2] == b"44":
            self._refused(f"the namespace refused the connection: {payload[2:]!r}")


def _pack(message: dict[str, Any]) -> bytes:
    return msgpack.packb({"v": VERSION, **message}, use_bin_type=True)  # type: ignore[no-any-return]


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
