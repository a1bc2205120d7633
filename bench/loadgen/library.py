"""One member of the room, per engine, on its client library: `--clients library`.

Plenum members speak its wire protocol with the `websockets` library and msgpack, as a browser tab
would; python-socketio members use its `AsyncClient` on the websocket transport only. These cost
the load generators more per received message than the servers spend sending it, so the default
members are the lean ones of `bench.loadgen.lean`; these stay to cross-check them.
"""

import asyncio
import contextlib
import time
from typing import Any, Protocol

import msgpack
import socketio  # type: ignore[import-untyped]
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.loadgen.lean import JOIN_TIMEOUT_S, Hear
from server.protocol.wire import VERSION


class Member(Protocol):
    @property
    def lost(self) -> bool: ...

    async def join(self) -> None: ...

    async def say(self, text: str) -> None: ...

    async def leave(self) -> None: ...


class PlenumMember:
    def __init__(self, url: str, token: str, name: str, hear: Hear) -> None:
        self.lost = False
        self._url = url
        self._token = token
        self._name = name
        self._hear = hear
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._leaving = False

    async def join(self) -> None:
        self._socket = await connect(
            self._url, compression=None, open_timeout=JOIN_TIMEOUT_S, ping_interval=None,
            max_size=2**24,
        )  # fmt: skip
        await self._socket.send(_pack({"type": "hello", "token": self._token, "name": self._name}))
        async with asyncio.timeout(JOIN_TIMEOUT_S):
            while True:
                answer = msgpack.unpackb(await self._socket.recv(), raw=False)
                if answer["type"] == "error":
                    raise RuntimeError(f"{self._name}: {answer['code']}: {answer['message']}")
                if answer["type"] == "welcome":
                    break
        self._reader = asyncio.create_task(self._read(self._socket))

    async def say(self, text: str) -> None:
        assert self._socket is not None, "join first"
        await self._socket.send(_pack({"type": "send_chat", "text": text}))

    async def leave(self) -> None:
        self._leaving = True
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._socket.close(), 2.0)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader

    async def _read(self, socket: ClientConnection) -> None:
        hear = self._hear
        try:
            async for frame in socket:
                now = time.time()
                message = msgpack.unpackb(frame, raw=False)
                if message.get("type") == "chat_posted":
                    hear(message["text"], now)
        except ConnectionClosed:
            pass
        self.lost = not self._leaving


class SocketioMember:
    def __init__(self, url: str, room: str, hear: Hear) -> None:
        self.lost = False
        self._url = url
        self._room = room
        self._hear = hear
        self._leaving = False
        self._client = socketio.AsyncClient(reconnection=False)
        self._client.on("chat", self._on_chat)
        self._client.on("disconnect", self._on_disconnect)

    async def join(self) -> None:
        await self._client.connect(
            self._url, transports=["websocket"], wait_timeout=int(JOIN_TIMEOUT_S)
        )
        if await self._client.call("join", self._room, timeout=int(JOIN_TIMEOUT_S)) is not True:
            raise RuntimeError("the socketio peer did not acknowledge the join")

    async def say(self, text: str) -> None:
        await self._client.emit("chat", {"text": text})

    async def leave(self) -> None:
        self._leaving = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._client.disconnect(), 2.0)

    def _on_chat(self, data: dict[str, Any]) -> None:
        self._hear(data["text"], time.time())

    def _on_disconnect(self, reason: Any = None) -> None:
        self.lost = not self._leaving


def _pack(message: dict[str, Any]) -> bytes:
    return msgpack.packb({"v": VERSION, **message}, use_bin_type=True)  # type: ignore[no-any-return]
