"""A lean WebSocket client (RFC 6455) for the load generators: an asyncio Protocol on one socket.

The benchmark's listening members must cost far less per frame than the servers they measure,
or the machine's two cores run out on the load generators first. So this client has no streams,
no reader task and no per-frame future: the bytes the loop hands to `data_received` are parsed
where they land (a server's frames are unmasked: a 2-byte head, then a 2- or 8-byte length when
the payload is longer than 125 bytes) and each whole message goes to a callback with the time
its bytes arrived. It still is a real client: the opening handshake with its key check, masked
frames towards the server, pings answered, the closing handshake; no extension is offered, so the
server sends no compressed frames.
"""

import asyncio
import base64
import hashlib
import os
import time
from collections.abc import Callable
from typing import cast

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA
_FIN = 0x80
_MASKED = 0x80
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
HANDSHAKE_LIMIT = 16 * 1024

# One whole message: its opcode (text or binary), its payload, and when its last bytes arrived.
OnMessage = Callable[[int, bytes, float], None]


class HandshakeError(Exception):
    """The server did not switch to WebSocket the way RFC 6455 says it must."""


class LeanWebSocket(asyncio.Protocol):
    def __init__(self, on_message: OnMessage) -> None:
        self.on_message = on_message
        self.open = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None
        self._transport: asyncio.Transport | None = None
        self._key = base64.b64encode(os.urandom(16))
        self._request = b""
        self._buffer = b""
        self._fragments: list[bytes] = []
        self._fragment_opcode = 0
        self._close_sent = False

    async def connect(self, url: str) -> None:
        """Open `ws://host:port/path` and return once the server has accepted the upgrade."""
        if not url.startswith("ws://"):
            raise ValueError("only ws:// URLs: the benchmark runs on loopback")
        authority, _, path = url[len("ws://") :].partition("/")
        host, _, port = authority.rpartition(":")
        self._request = (
            f"GET /{path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {self._key.decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        await asyncio.get_running_loop().create_connection(lambda: self, host, int(port))
        await self.open

    def send(self, opcode: int, payload: bytes) -> None:
        if self._transport is None or self._close_sent:
            raise ConnectionError("the WebSocket is closed")
        self._transport.write(_masked_frame(opcode, payload))

    def close(self, code: int = 1000) -> None:
        """Start the closing handshake; `closed` resolves when the server has closed too."""
        if self._transport is None or self._close_sent:
            return
        self._close_sent = True
        self._transport.write(_masked_frame(OP_CLOSE, code.to_bytes(2, "big")))

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport; they have its methods all the same.
        self._transport = cast(asyncio.Transport, transport)
        self._transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        if not self.open.done():
            data = self._handshake(data)
            if not data:
                return
        if self._buffer:
            data = self._buffer + data
            self._buffer = b""
        size = len(data)
        at = 0
        while size - at >= 2:
            head = data[at]
            length = data[at + 1] & 0x7F
            start = at + 2
            if length == 126:
                if size - at < 4:
                    break
                length = int.from_bytes(data[at + 2 : at + 4], "big")
                start = at + 4
            elif length == 127:
                if size - at < 10:
                    break
                length = int.from_bytes(data[at + 2 : at + 10], "big")
                start = at + 10
            end = start + length
            if end > size:
                break
            self._frame(head, data[start:end], now)
            at = end
        if at < size:
            self._buffer = data[at:]

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if not self.open.done():
            self.open.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    # What arrives

    def _handshake(self, data: bytes) -> bytes:
        """Consume the server's 101 response; returns the bytes after it (frames), if any."""
        self._buffer += data
        head, found, rest = self._buffer.partition(b"\r\n\r\n")
        if not found:
            if len(self._buffer) > HANDSHAKE_LIMIT:
                self._fail_handshake("no end to the response headers")
            return b""
        self._buffer = b""
        lines = head.split(b"\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(hashlib.sha1(self._key + _GUID).digest())
        if lines[0].split(b" ", 2)[1:2] != [b"101"]:
            self._fail_handshake(f"answered {lines[0].decode(errors='replace')!r}")
        elif headers.get(b"sec-websocket-accept") != expected:
            self._fail_handshake("Sec-WebSocket-Accept does not match the key")
        elif b"sec-websocket-extensions" in headers:
            self._fail_handshake("accepted an extension that was never offered")
        else:
            self.open.set_result(None)
        return rest

    def _fail_handshake(self, why: str) -> None:
        if not self.open.done():
            self.open.set_exception(HandshakeError(why))
        self.abort()

    def _frame(self, head: int, payload: bytes, now: float) -> None:
        opcode = head & 0x0F
        if opcode in (OP_BINARY, OP_TEXT):
            if head & _FIN:
                self.on_message(opcode, payload, now)
            else:
                self._fragment_opcode = opcode
                self._fragments = [payload]
        elif opcode == OP_CONT:
            self._fragments.append(payload)
            if head & _FIN:
                whole = b"".join(self._fragments)
                self._fragments = []
                self.on_message(self._fragment_opcode, whole, now)
        elif opcode == OP_PING:
            if self._transport is not None and not self._close_sent:
                self._transport.write(_masked_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if self._transport is not None:
                if not self._close_sent:
                    self._close_sent = True
                    self._transport.write(_masked_frame(OP_CLOSE, payload[:2]))
                # The server closes the TCP connection first (RFC 6455 §7.1.1).
                self._transport.close()


def _masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame: FIN, the opcode, the masked length and the payload XORed with a mask."""
    length = len(payload)
    if length < 126:
        head = bytes((_FIN | opcode, _MASKED | length))
    elif length < 1 << 16:
        head = bytes((_FIN | opcode, _MASKED | 126)) + length.to_bytes(2, "big")
    else:
        head = bytes((_FIN | opcode, _MASKED | 127)) + length.to_bytes(8, "big")
    mask = os.urandom(4)
    repeated = (mask * (length // 4 + 1))[:length]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        length, "big"
    )
    return head + mask + masked
