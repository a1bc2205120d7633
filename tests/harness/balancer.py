"""A load balancer's front on loopback, for browsers that must find another worker by themselves.

A page's WebSocket goes back to the host that served the page. Behind a real balancer, a worker
that dies takes its connections with it and the client's next attempt lands on a live worker.
`Front` does that much for a test: it listens on its own port and pipes each connection, byte for
byte, to the first of its workers (in its order of preference) that accepts one. Two fronts with
opposite orders place people on the worker a test chooses, and fail over to the other.
"""

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

CHUNK = 64 * 1024
STOP_TIMEOUT_S = 10.0


class Front:
    """One listening port; `backends` (worker ports, first preferred) may be set after start."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.backends: Sequence[int] = ()
        self._open: Counter[int] = Counter()  # live piped connections, by worker port
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def open_to(self) -> dict[int, int]:
        """How many connections are piped to each worker port now."""
        with self._lock:
            return {port: n for port, n in self._open.items() if n > 0}

    def start(self) -> None:
        self._thread.start()
        self._call(self._listen()).result(STOP_TIMEOUT_S)

    def stop(self) -> None:
        self._call(self._close()).result(STOP_TIMEOUT_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(STOP_TIMEOUT_S)
        self._loop.close()

    def _call(self, work: Any) -> "Future[Any]":
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, sock=self._listener)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        try:
            await self._forward(reader, writer)
        finally:
            self._pipes.discard(task)
            writer.close()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for port in list(self.backends):
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue  # a dead worker refuses: the next one
            with self._lock:
                self._open[port] += 1
            try:
                # Either side closing ends both, as a balancer does for HTTP and WebSockets.
                pipes = [
                    asyncio.ensure_future(_pipe(reader, upstream_writer)),
                    asyncio.ensure_future(_pipe(upstream_reader, writer)),
                ]
                try:
                    await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for pipe in pipes:
                        pipe.cancel()
                    await asyncio.gather(*pipes, return_exceptions=True)
            finally:
                upstream_writer.close()
                with self._lock:
                    self._open[port] -= 1
            return


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(CHUNK):
            writer.write(chunk)
            await writer.drain()
    except OSError:
        pass  # a reset: the connection is over, as at its end


@contextmanager
def fronts(count: int) -> Iterator[list[Front]]:
    """`count` fronts listening (their ports known before any worker starts), stopped on leaving."""
    started = [Front() for _ in range(count)]
    for front in started:
        front.start()
    try:
        yield started
    finally:
        for front in started:
            front.stop()
