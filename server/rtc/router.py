"""Where a client's media signalling goes: this worker's forwarding unit, or the worker that
serves the room's media (`server.rtc.placement.MediaPlacement`, with Redis).

The router is chosen once, at start-up, like the hub; the signalling endpoint only talks to it.
"""

from typing import Protocol

from server.meetings.fanout import Listener
from server.meetings.hub import MeetingHandle
from server.protocol.wire import reply_ok
from server.rtc.bridge import MediaBridge
from server.rtc.wire import encode_media
from server.sfu import MediaAnswer, MediaOffer, MediaView


class MediaRouter(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def offer(
        self,
        live: MeetingHandle,
        connection: Listener,
        offer: MediaOffer,
        ref: int | str | None,
        address: str,
    ) -> None:
        """Serve the client's offer, from `address`; its answer (or an error) goes to
        `connection`."""
        ...

    async def answer(
        self, connection: Listener, answer: MediaAnswer, ref: int | str | None
    ) -> None: ...

    async def view(self, connection: Listener, view: MediaView, ref: int | str | None) -> None:
        """The videos the client shows now, for the worker that serves its media."""
        ...

    async def close(self, connection: Listener) -> None: ...


class LocalMediaRouter:
    """Every meeting's media on this worker: the embedded default, and any worker without Redis."""

    def __init__(self, bridge: MediaBridge) -> None:
        self.bridge = bridge

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        await self.bridge.aclose()

    async def offer(
        self,
        live: MeetingHandle,
        connection: Listener,
        offer: MediaOffer,
        ref: int | str | None,
        address: str,
    ) -> None:
        answer = await self.bridge.offer(live, connection, offer, address)
        # Before anything else is awaited: the server's next offer may follow on the next turn.
        connection.deliver(encode_media(answer, ref))

    async def answer(
        self, connection: Listener, answer: MediaAnswer, ref: int | str | None
    ) -> None:
        await self.bridge.answer(connection, answer)
        if ref is not None:
            connection.deliver(reply_ok(ref))

    async def view(self, connection: Listener, view: MediaView, ref: int | str | None) -> None:
        self.bridge.view(connection, view)
        if ref is not None:
            connection.deliver(reply_ok(ref))

    async def close(self, connection: Listener) -> None:
        await self.bridge.close(connection)
