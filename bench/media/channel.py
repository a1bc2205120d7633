"""Signalling between the media benchmark's processes: JSON lines over local TCP.

The server child listens on 127.0.0.1; the publisher and each subscriber process open one
connection and carry all their participants over it. Every line is one message about one
participant (`id`):

    {"id": "pub", "type": "offer", "role": "publisher", "sdp": "...", "tracks": [["0", "camera"]]}
    {"id": "sub-3", "type": "answer", "sdp": "..."}
    {"id": "sub-3", "type": "error", "detail": "..."}

Either side may offer (Plenum's server re-offers when what a participant receives changes); lines
for one participant are handled in the order they were written.
"""

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

Message = dict[str, Any]
LINE_LIMIT = 1 << 20  # an SDP with a hundred m-lines stays well below


def write(writer: asyncio.StreamWriter, message: Message) -> None:
    """Queue one message; synchronous, so it keeps its place before the writer's next await."""
    writer.write(json.dumps(message).encode() + b"\n")


async def lines(reader: asyncio.StreamReader) -> AsyncIterator[Message]:
    """Yield each message until the other side closes."""
    while True:
        line = await reader.readline()
        if not line:
            return
        yield json.loads(line)


class Dispatch:
    """Hands each participant's messages, in order, to one task per participant."""

    def __init__(self, handle: Callable[[Message], Awaitable[None]]) -> None:
        self._handle = handle
        self._queues: defaultdict[str, asyncio.Queue[Message]] = defaultdict(asyncio.Queue)
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def put(self, message: Message) -> None:
        participant = str(message["id"])
        self._queues[participant].put_nowait(message)
        if participant not in self._tasks:
            self._tasks[participant] = asyncio.create_task(self._serve(participant))

    async def _serve(self, participant: str) -> None:
        queue = self._queues[participant]
        while True:
            await self._handle(await queue.get())

    async def aclose(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)


class ClientChannel:
    """A client process's end: send messages, and read each participant's inbox."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._inboxes: defaultdict[str, asyncio.Queue[Message]] = defaultdict(asyncio.Queue)
        self._reading = asyncio.create_task(self._read(reader))

    @classmethod
    async def open(cls, port: int) -> "ClientChannel":
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=LINE_LIMIT)
        return cls(reader, writer)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        async for message in lines(reader):
            self._inboxes[str(message["id"])].put_nowait(message)

    def send(self, message: Message) -> None:
        write(self._writer, message)

    def inbox(self, participant: str) -> "asyncio.Queue[Message]":
        return self._inboxes[participant]

    async def aclose(self) -> None:
        self._reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reading
        self._writer.close()
