"""A deadline for a request's headers: a client that sends them a byte at a time is cut off.

uvicorn times out an idle keep-alive connection, but not one that is still sending a request's
headers: a client trickling one byte every two seconds holds its socket (and a slot of the
server's) for ever. `with_header_deadline` makes, from uvicorn's HTTP protocol class, one that
closes a connection whose request line and headers (the WebSocket handshake is one such request)
are not complete `timeout_s` after the connection opened, or after its last response ended.
A connection upgraded to a WebSocket, or with its request being served, is left alone.
"""

import asyncio
from typing import Any


def with_header_deadline(base: type[asyncio.Protocol], timeout_s: float) -> type[asyncio.Protocol]:
    """`base` (uvicorn's h11 or httptools protocol) with a deadline for each request's headers."""

    def arm(self: Any) -> None:
        disarm(self)
        self._header_deadline = asyncio.get_running_loop().call_later(timeout_s, overdue, self)

    def disarm(self: Any) -> None:
        deadline: asyncio.TimerHandle | None = getattr(self, "_header_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._header_deadline = None

    def overdue(self: Any) -> None:
        transport: asyncio.Transport | None = getattr(self, "transport", None)
        if transport is None or transport.is_closing() or transport.get_protocol() is not self:
            return  # closed, or upgraded to a WebSocket: the handshake is over
        cycle = getattr(self, "cycle", None)
        if cycle is None or cycle.response_complete:
            transport.close()  # still no complete request: its headers came too slowly

    def connection_made(self: Any, transport: asyncio.BaseTransport) -> None:
        base.connection_made(self, transport)
        arm(self)

    def connection_lost(self: Any, exc: Exception | None) -> None:
        disarm(self)
        base.connection_lost(self, exc)

    def on_response_complete(self: Any) -> None:
        base.on_response_complete(self)  # type: ignore[attr-defined]
        arm(self)  # the next request on this keep-alive connection has its own deadline

    namespace = {
        "connection_made": connection_made,
        "connection_lost": connection_lost,
        "on_response_complete": on_response_complete,
    }
    return type(f"HeaderDeadline{base.__name__}", (base,), namespace)
