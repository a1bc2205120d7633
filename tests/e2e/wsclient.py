"""A real WebSocket client of Plenum, as a browser tab would be: one socket, every message kept.

A background reader decodes each msgpack frame as it arrives and keeps it, so a test waits for
what a user would see (`wait_for`) instead of reading frames one by one in a fixed order.
"""

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.protocol.wire import VERSION

TIMEOUT_S = 10.0

Message = dict[str, Any]
Predicate = Callable[[Message], bool]


class ServerError(Exception):
    """The server answered a command with an `error`."""

    def __init__(self, message: str, code: str = "", reply: Message | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reply = reply  # the whole `error` (a greeting's), for its other fields


class Client:
    def __init__(self, url: str, name: str, local_address: str | None = None) -> None:
        self.url = url
        self.name = name
        # The loopback address to connect from (127.0.0.2, ...): another client address.
        self.local_address = local_address
        self.me = ""
        self.resume_token = ""
        self.messages: list[Message] = []
        self._refs = itertools.count(1)
        self._arrived = asyncio.Condition()
        self._connection: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def join(
        cls,
        url: str,
        token: str,
        name: str,
        *,
        district: str = "",
        timeout: float = TIMEOUT_S,
        local_address: str | None = None,
        **more: str,
    ) -> "Client":
        """Connect (from `local_address`, if given) and say hello with a link token (and `more`
        hello fields); returns once the `welcome` arrived."""
        client = cls(url, name, local_address)
        await client._open()
        hello = {"type": "hello", "token": token, "name": name, "district": district, **more}
        client.me = (await client._greet(hello, timeout))["you"]
        return client

    @classmethod
    async def knock(
        cls, url: str, token: str, name: str, *, timeout: float = TIMEOUT_S
    ) -> "Client":
        """Say hello where the lobby holds newcomers: returns once the `lobby` message arrived
        (the `welcome` comes after `admitted`, in `messages`)."""
        client = cls(url, name)
        await client._open()
        await client.send("hello", token=token, name=name)
        await client.wait_for(lambda m: m["type"] == "lobby", timeout)
        return client

    async def reconnect(self, timeout: float = TIMEOUT_S) -> Message:
        """Connect again with the resume token and the last seq seen; returns the new `welcome`."""
        await self._open()
        hello = {"type": "resume", "resume": self.resume_token, "last_seq": self.last_seq}
        return await self._greet(hello, timeout)

    @property
    def last_seq(self) -> int:
        """The highest sequence number seen, in a `welcome` or an event."""
        return max((m["seq"] for m in self.messages if isinstance(m.get("seq"), int)), default=0)

    @property
    def welcomes(self) -> list[Message]:
        return self.of_type("welcome")

    def of_type(self, kind: str) -> list[Message]:
        return [m for m in self.messages if m["type"] == kind]

    async def send(self, kind: str, /, **fields: Any) -> int:
        """Send a command with a fresh `ref` and return it, without waiting for the answer."""
        assert self._connection is not None, "not connected"
        ref = next(self._refs)
        await self._connection.send(
            msgpack.packb({"v": VERSION, "type": kind, **fields, "ref": ref}, use_bin_type=True)
        )
        return ref

    async def command(self, kind: str, timeout: float = TIMEOUT_S, /, **fields: Any) -> None:
        """Send a command and wait for its `ok`; raises `ServerError` if it is refused."""
        ref = await self.send(kind, **fields)
        answer = await self.wait_for(
            lambda m: m["type"] in ("ok", "error") and m.get("ref") == ref, timeout
        )
        if answer["type"] == "error":
            raise ServerError(f"{kind}: {answer['code']}: {answer['message']}", answer["code"])

    async def wait_for(
        self, predicate: Predicate, timeout: float = TIMEOUT_S, *, since: int = 0
    ) -> Message:
        """The first message from index `since` on that matches, waiting up to `timeout`."""
        found: list[Message] = []

        def matched() -> bool:
            found.extend(m for m in self.messages[since:] if predicate(m))
            return bool(found)

        try:
            async with self._arrived:
                await asyncio.wait_for(self._arrived.wait_for(matched), timeout)
            return found[0]
        except TimeoutError:
            seen = [m["type"] for m in self.messages[-15:]]
            raise AssertionError(
                f"{self.name}: nothing matched within {timeout} s; last received: {seen}"
            ) from None

    async def wait_for_event(self, kind: str, timeout: float = TIMEOUT_S, **fields: Any) -> Message:
        """The first event of type `kind` whose fields include `fields`."""
        return await self.wait_for(
            lambda m: m["type"] == kind and all(m.get(k) == v for k, v in fields.items()),
            timeout,
        )

    async def wait_for_all(
        self, predicate: Predicate, count: int, timeout: float = TIMEOUT_S
    ) -> list[Message]:
        """The first `count` messages that match, waiting up to `timeout` for the last of them.

        Each message is looked at once, so waiting for thousands of them stays cheap.
        """
        found: list[Message] = []
        looked_at = 0

        def enough() -> bool:
            nonlocal looked_at
            found.extend(m for m in self.messages[looked_at:] if predicate(m))
            looked_at = len(self.messages)
            return len(found) >= count

        try:
            async with self._arrived:
                await asyncio.wait_for(self._arrived.wait_for(enough), timeout)
        except TimeoutError:
            raise AssertionError(
                f"{self.name}: {len(found)} of {count} matching messages within {timeout} s"
            ) from None
        return found[:count]

    @property
    def connected(self) -> bool:
        """Whether the socket is open: False once the server closed it or the network dropped."""
        return self._reader is not None and not self._reader.done()

    async def wait_closed(self, timeout: float = TIMEOUT_S) -> int | None:
        """Wait until the server or the network ends the connection; returns its close code."""
        assert self._connection is not None and self._reader is not None, "not connected"
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), timeout)
        except TimeoutError:
            raise AssertionError(f"{self.name}: still connected after {timeout} s") from None
        return self._connection.close_code

    async def drop(self) -> None:
        """Lose the connection abruptly, as a dead network would: no closing handshake."""
        assert self._connection is not None and self._reader is not None
        self._connection.transport.abort()
        await self._connection.wait_closed()
        await self._reader
        self._connection = self._reader = None

    async def close(self) -> None:
        if self._connection is None or self._reader is None:
            return
        await self._connection.close()
        await self._reader
        self._connection = self._reader = None

    async def _open(self) -> None:
        assert self._connection is None, "already connected"
        local: dict[str, Any] = (
            {} if self.local_address is None else {"local_addr": (self.local_address, 0)}
        )
        self._connection = await connect(
            self.url, compression=None, open_timeout=TIMEOUT_S, **local
        )
        self._reader = asyncio.create_task(self._read(self._connection))

    async def _greet(self, hello: Message, timeout: float) -> Message:
        assert self._connection is not None
        since = len(self.messages)
        try:
            await self._connection.send(msgpack.packb({"v": VERSION, **hello}, use_bin_type=True))
            answer = await self.wait_for(
                lambda m: m["type"] in ("welcome", "error"), timeout, since=since
            )
        except BaseException:
            await self.close()
            raise
        if answer["type"] == "error":
            await self.close()
            raise ServerError(
                f"{hello['type']}: {answer['code']}: {answer['message']}", answer["code"], answer
            )
        self.resume_token = answer["resume"]
        return answer

    async def _read(self, connection: ClientConnection) -> None:
        try:
            async for frame in connection:
                assert isinstance(frame, bytes), "the server sends binary frames only"
                message = msgpack.unpackb(frame, raw=False)
                async with self._arrived:
                    self.messages.append(message)
                    self._arrived.notify_all()
        except ConnectionClosed:
            pass  # dropped by `drop`, or closed by the server without a clean handshake
