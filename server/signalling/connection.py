"""One client's socket as the server writes to it: frames sent at once, or queued behind a
send that has to wait, and a client too slow to read dropped rather than waited for."""

import asyncio
import secrets
from collections import deque
from collections.abc import Coroutine, Generator
from typing import Any

from starlette.websockets import WebSocket

from rooms import ParticipantId
from server.meetings.hub import MeetingHandle
from server.protocol.close_codes import CloseCode


class Closing(Exception):
    """The connection is being closed by the server; stop reading from it."""


class _Unfinished:
    """The rest of a coroutine whose first step has run and is waiting on `waiting_on`.

    Awaiting it hands `waiting_on` to the awaiting task, then resumes the coroutine with whatever
    the task sends or throws, step by step, as if the task had run it from the start.
    """

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self._coroutine = coroutine
        self._waiting_on = waiting_on

    def close(self) -> None:
        self._coroutine.close()

    def __await__(self) -> Generator[Any, Any, None]:
        waiting_on = self._waiting_on
        while True:
            try:
                sent = yield waiting_on
            except BaseException as thrown:
                try:
                    waiting_on = self._coroutine.throw(thrown)
                except StopIteration:
                    return
            else:
                try:
                    waiting_on = self._coroutine.send(sent)
                except StopIteration:
                    return


class Connection:
    """One client's socket: frames sent at once when they can be, else a bounded queue of them.

    A frame for a connection with nothing queued is sent right where it is delivered, in the
    fan-out's own loop: the ASGI send of a socket that is not paused by flow control finishes
    without waiting, and waking a writer task per connection and per event cost more than the
    send itself. A send that has to wait (the client is not reading fast enough) is finished by
    the connection's writer task, and every later frame queues behind it until it is done.
    """

    def __init__(
        self, websocket: WebSocket, address: str, send_queue: int, send_queue_bytes: int
    ) -> None:
        self.websocket = websocket
        self.address = address
        self.participant = ParticipantId("")
        # This socket's name in presence commands, to tell its goodbye from a newer socket's.
        self.id = secrets.token_hex(8)
        self.seen_seq = 0
        self._send_queue = send_queue
        self._send_queue_bytes = send_queue_bytes
        self._outbox: deque[bytes | tuple[CloseCode, str]] = deque()
        self._queued_bytes = 0
        self._ready = asyncio.Event()
        self._closing = False
        # Set while the writer has something to finish first: a send that waits, or the queue.
        self._held = False
        self._waiting_send: _Unfinished | None = None
        self._failed: BaseException | None = None
        self.live: MeetingHandle | None = None
        # Set by `serve`: a client too slow to read is cut off even while a send to it is stuck.
        self.writer: asyncio.Task[None] | None = None
        self.dropped_with: tuple[CloseCode, str] | None = None

    def deliver(self, frame: bytes) -> None:
        if self._closing:
            return
        if not self._held:
            self._send_now(frame)
            return
        queued_bytes = self._queued_bytes + len(frame)
        if len(self._outbox) >= self._send_queue or queued_bytes > self._send_queue_bytes:
            # Never let one client that does not read hold up the meeting: drop it instead.
            self._closing = True
            self._outbox.clear()
            self._queued_bytes = 0
            self.dropped_with = (CloseCode.TOO_SLOW, "send queue full: the client is not reading")
            if self.writer is not None:
                self.writer.cancel()
            return
        self._outbox.append(frame)
        self._queued_bytes = queued_bytes
        self._ready.set()

    def _send_now(self, frame: bytes) -> None:
        send = self.websocket.send_bytes(frame)
        try:
            waiting_on = send.send(None)
        except StopIteration:
            return
        except Exception as error:
            # The client is gone; its writer ends the connection with this error.
            self._failed = error
        else:
            self._waiting_send = _Unfinished(send, waiting_on)
        self._held = True
        self._ready.set()

    def close(self, code: CloseCode, reason: str) -> None:
        if not self._closing:
            self._closing = True
            self._held = True
            self._outbox.append((code, reason))
            self._ready.set()

    @property
    def closing(self) -> bool:
        return self._closing

    async def write_loop(self) -> None:
        try:
            while True:
                await self._ready.wait()
                self._ready.clear()
                if self._failed is not None:
                    raise self._failed
                if self._waiting_send is not None:
                    await self._waiting_send
                    self._waiting_send = None
                while self._outbox:
                    item = self._outbox.popleft()
                    if isinstance(item, bytes):
                        self._queued_bytes -= len(item)
                        await self.websocket.send_bytes(item)
                    else:
                        code, reason = item
                        await self.websocket.close(code, reason)
                        return
                self._held = False
        finally:
            # Cut off (a client too slow, say) before it finished a send that had to wait: end
            # that send too, or it keeps waiting on the transport until collected.
            if self._waiting_send is not None:
                self._waiting_send.close()
                self._waiting_send = None
