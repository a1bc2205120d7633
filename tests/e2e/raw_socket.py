"""A WebSocket spoken byte by byte over a plain TCP socket: what no polite client would send.

For the tests of what the server does with a handshake that trickles in, or with a frame header
that announces more than the server should ever read.
"""

import asyncio
import base64
import contextlib
import os
import struct

TIMEOUT_S = 10.0


def handshake(port: int, origin: str | None = None) -> bytes:
    """The HTTP request that opens Plenum's WebSocket, as a browser on `origin` sends it."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /ws HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def binary_frame_header(length: int) -> bytes:
    """A masked, final binary frame announcing `length` bytes of payload (mask key included)."""
    if length < 126:
        size = bytes([0x80 | length])
    elif length < 1 << 16:
        size = bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        size = bytes([0x80 | 127]) + struct.pack("!Q", length)
    return bytes([0x82]) + size + os.urandom(4)


class RawSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> "RawSocket":
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def response_head(self, timeout: float = TIMEOUT_S) -> str:
        """The status line and headers the server answered the handshake with."""
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), timeout)
        return head.decode("latin-1")

    async def close_code(self, timeout: float = TIMEOUT_S) -> int:
        """The code of the close frame the server sends next (unmasked, as from a server)."""
        first, second = await asyncio.wait_for(self.reader.readexactly(2), timeout)
        assert first & 0x0F == 0x8, f"expected a close frame, got opcode {first & 0x0F}"
        payload = await asyncio.wait_for(self.reader.readexactly(second & 0x7F), timeout)
        code: int = struct.unpack("!H", payload[:2])[0]
        return code

    async def closed_by_server(self, timeout: float = TIMEOUT_S) -> bool:
        """Whether the server closes the connection (end of stream) within `timeout`."""
        try:
            await asyncio.wait_for(self.reader.read(), timeout)
        except TimeoutError:
            return False
        return True

    async def aclose(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()
