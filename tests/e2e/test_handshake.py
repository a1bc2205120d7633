"""The WebSocket's handshake on a real server process: whose pages may open it, and how slowly.

Browsers send the page's `Origin` and leave the check to the server: a page from elsewhere gets
403. A client that sends its handshake a byte at a time is cut off after
`PLENUM_HANDSHAKE_TIMEOUT_S`, however steadily it trickles.
"""

import asyncio
import time

from tests.harness.processes import StartServer, start_plenum

from .raw_socket import RawSocket, handshake

HANDSHAKE_TIMEOUT_S = 2.0
# The trickle is never idle this long, so only a deadline for the whole handshake ends it.
BYTE_EVERY_S = 0.5
# How late the server may close under the load of a shared test machine.
LATE_S = 8.0


async def _answer_to(port: int, origin: str | None) -> str:
    socket = await RawSocket.open(port)
    try:
        await socket.send(handshake(port, origin))
        head = await socket.response_head()
        if head.startswith("HTTP/1.1 101"):
            return head
        return head + (await asyncio.wait_for(socket.reader.read(), 10)).decode()
    finally:
        await socket.aclose()


async def test_only_pages_of_the_forums_own_origins_may_open_the_socket(
    start_server: StartServer,
) -> None:
    server = start_plenum(
        start_server, PLENUM_ALLOWED_ORIGINS="https://forum.gliwice.eu, http://sala.example:8080"
    )
    port = server.port

    for allowed in (
        None,  # no browser: a script with a token of its own
        f"http://127.0.0.1:{port}",  # PLENUM_PUBLIC_URL's (here http://HOST:PORT)
        f"http://localhost:{port}",  # the same page on this machine, by another name
        "https://forum.gliwice.eu",
        "http://sala.example:8080",
    ):
        assert (await _answer_to(port, allowed)).startswith("HTTP/1.1 101"), allowed

    for foreign in (
        "https://evil.example",
        "http://127.0.0.1:1",
        "https://forum.gliwice.eu.evil.example",
        "null",
    ):
        answer = await _answer_to(port, foreign)
        assert answer.startswith("HTTP/1.1 403"), (foreign, answer)
        assert f"origin {foreign!r} may not open this WebSocket" in answer
        assert "PLENUM_ALLOWED_ORIGINS" in answer
    assert "refused a WebSocket: origin 'https://evil.example'" in server.printed()


async def test_a_handshake_that_trickles_in_is_cut_off(start_server: StartServer) -> None:
    server = start_plenum(start_server, PLENUM_HANDSHAKE_TIMEOUT_S=str(HANDSHAKE_TIMEOUT_S))
    port = server.port
    # Taken before the connection exists, so the server's deadline cannot start earlier.
    opened_at = time.monotonic()
    socket = await RawSocket.open(port)
    request = handshake(port)

    async def trickle() -> None:
        for byte in request:
            await socket.send(bytes([byte]))
            await asyncio.sleep(BYTE_EVERY_S)

    trickling = asyncio.create_task(trickle())
    try:
        assert await socket.closed_by_server(timeout=HANDSHAKE_TIMEOUT_S + LATE_S)
        # Cut off at its deadline, not at one of its pauses (an event loop's timer may fire a
        # clock tick early, hence the few milliseconds).
        assert time.monotonic() - opened_at >= HANDSHAKE_TIMEOUT_S - 0.01
    finally:
        trickling.cancel()
        await asyncio.gather(trickling, return_exceptions=True)
        await socket.aclose()
    # Handshakes in time still open sockets.
    assert (await _answer_to(port, None)).startswith("HTTP/1.1 101")
