"""A WebSocket client that talks to the ASGI app in-process, in msgpack frames, on the test's loop.

It speaks ASGI to the app directly instead of going through Starlette's TestClient, so every
receive can carry a timeout and the client can stop reading: its inbox holds at most `buffer`
frames (what a socket's buffers would), after which the server's sends wait, as they would on a
real socket whose peer does not read.
"""

import asyncio
import itertools
from collections.abc import Sequence
from typing import Any

import msgpack
from starlette.types import ASGIApp, Message

TIMEOUT_S = 3.0


class ClosedByServer(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"closed by the server: {code} {reason}")
        self.code = code
        self.reason = reason


# Each client comes from an address of its own, as people do, unless the test names one: the
# limits per client address (`server.addresses`) then apply to a test only when it means
# them to.
_addresses = itertools.count(1)


def own_address() -> str:
    n = next(_addresses)
    return f"127.0.{n // 250}.{n % 250 + 1}"


class Client:
    def __init__(
        self,
        app: ASGIApp,
        *,
        buffer: int = 0,
        address: str | None = None,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        self._app = app
        self.address = address or own_address()
        self._headers = [(k.lower().encode(), v.encode()) for k, v in headers]
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue(maxsize=buffer)
        self._task: asyncio.Task[None] | None = None
        self.close_code: int | None = None
        self._last_ref = 0

    async def connect(self) -> "Client":
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": "/ws",
            "raw_path": b"/ws",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver"), *self._headers],
            "client": (self.address, 50000),
            "server": ("testserver", 80),
            "subprotocols": [],
        }

        async def run() -> None:
            await self._app(scope, self._to_app.get, self._from_app.put)

        self._task = asyncio.create_task(run())
        await self._to_app.put({"type": "websocket.connect"})
        accepted = await asyncio.wait_for(self._from_app.get(), TIMEOUT_S)
        assert accepted["type"] == "websocket.accept", accepted
        return self

    # Sending ------------------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> None:
        """Send `message` as a version 1 frame; `v` given in `message` overrides it."""
        await self.send_frame(msgpack.packb({"v": 1, **message}))

    async def send_frame(self, frame: bytes) -> None:
        await self._to_app.put({"type": "websocket.receive", "bytes": frame})

    async def send_text(self, text: str) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": text})

    async def hello(self, token: str, name: str, **attributes: str) -> dict[str, Any]:
        """Join with a link token; returns the welcome."""
        await self.send({"type": "hello", "token": token, "name": name, **attributes})
        return await self.expect("welcome")

    async def resume(self, token: str, last_seq: int | None) -> dict[str, Any]:
        """None: come back holding nothing, as a reloaded page does."""
        seen = {} if last_seq is None else {"last_seq": last_seq}
        await self.send({"type": "resume", "resume": token, **seen})
        return await self.expect("welcome")

    async def ask(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Send `message` with a fresh `ref`; what came back up to its `ok` or `error` (last)."""
        self._last_ref += 1
        ref = self._last_ref
        await self.send({**message, "ref": ref})
        async with asyncio.timeout(TIMEOUT_S):
            received = [await self.recv()]
            while not (received[-1]["type"] in ("ok", "error") and received[-1]["ref"] == ref):
                received.append(await self.recv())
        return received

    # Receiving ----------------------------------------------------------------------------

    async def recv(self, timeout: float = TIMEOUT_S) -> dict[str, Any]:
        """The next message; raises `ClosedByServer` if the server closed instead."""
        message = await asyncio.wait_for(self._from_app.get(), timeout)
        if message["type"] == "websocket.close":
            self.close_code = message.get("code", 1000)
            # The peer answers a close, and the server's next receive learns it is over.
            await self._to_app.put({"type": "websocket.disconnect", "code": self.close_code})
            raise ClosedByServer(self.close_code, message.get("reason") or "")
        assert message["type"] == "websocket.send", message
        frame = message.get("bytes")
        assert frame is not None, f"the server sent a text frame: {message.get('text')!r}"
        decoded: dict[str, Any] = msgpack.unpackb(frame)
        return decoded

    async def expect(self, kind: str, timeout: float = TIMEOUT_S) -> dict[str, Any]:
        """The next message, which must be of type `kind`."""
        message = await self.recv(timeout)
        assert message["type"] == kind, f"expected {kind}, got {message}"
        return message

    async def until(self, kind: str, timeout: float = TIMEOUT_S) -> list[dict[str, Any]]:
        """Every message up to and including the first of type `kind`, within `timeout` in all."""
        async with asyncio.timeout(timeout):
            received = [await self.recv()]
            while received[-1]["type"] != kind:
                received.append(await self.recv())
        return received

    async def closed(self, timeout: float = TIMEOUT_S) -> tuple[int, list[dict[str, Any]]]:
        """Read until the server closes: its close code and the messages that came before."""
        received: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(timeout):
                while True:
                    received.append(await self.recv())
        except ClosedByServer as closed:
            return closed.code, received

    # Leaving ------------------------------------------------------------------------------

    async def disconnect(self, timeout: float = TIMEOUT_S) -> None:
        """Go away as a browser tab would, and wait for the server's handler to finish."""
        if self._task is None or self._task.done():
            return
        if self.close_code is None:
            await self._to_app.put({"type": "websocket.disconnect", "code": 1001})
        # Keep draining so a server still sending to a full inbox is not left waiting on us.
        async with asyncio.timeout(timeout):
            while not self._task.done():
                getter = asyncio.ensure_future(self._from_app.get())
                await asyncio.wait({getter, self._task}, return_when=asyncio.FIRST_COMPLETED)
                getter.cancel()
        self._task.result()

    @property
    def handler_done(self) -> asyncio.Task[None]:
        assert self._task is not None
        return self._task
