"""The gate on what a client sends: each frame's size and rate, the rate the sockets of one
address share, and the strikes that close a client that keeps sending what it should not."""

from starlette.websockets import WebSocketDisconnect

from server.protocol.close_codes import CloseCode
from server.protocol.error_codes import ErrorCode
from server.protocol.wire import Inbound, WireError, decode
from server.ratelimit import TokenBucket
from server.services import Services
from server.signalling.connection import Closing, Connection
from server.signalling.errors import Answerable, error_reply

# A rate is counted by the rate limiter itself; a message sent while waiting in the lobby was
# well formed, and the client may not know yet that it waits.
_NO_STRIKE = (ErrorCode.RATE_LIMITED, ErrorCode.WAITING)


class Gate:
    def __init__(self, connection: Connection, services: Services) -> None:
        self._connection = connection
        self._addresses = services.addresses
        self._settings = services.settings
        self._clock = services.clock
        self._strikes = 0
        self._over_rate = 0
        self._bucket = TokenBucket(
            self._settings.messages_per_s, self._settings.message_burst, self._clock()
        )

    async def receive(self) -> bytes:
        """The next frame, after the checks every frame gets; raises `WireError` for bad ones."""
        connection = self._connection
        message = await connection.websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        if connection.closing:
            raise Closing
        frame: bytes | None = message.get("bytes")
        if frame is None:
            raise WireError(ErrorCode.MALFORMED, "send binary frames: msgpack, not text")
        if len(frame) > self._settings.max_frame_bytes:
            connection.close(
                CloseCode.TOO_LARGE, f"frame over {self._settings.max_frame_bytes} bytes"
            )
            raise Closing
        if not self._bucket.take(self._clock()):
            self._over_rate += 1
            if self._over_rate > self._settings.max_strikes:
                connection.close(CloseCode.FLOODING, "too many messages, too fast")
                raise Closing
            rate = self._settings.messages_per_s
            raise WireError(ErrorCode.RATE_LIMITED, f"over {rate:g} messages/s")
        self._over_rate = 0
        return frame

    def decode(self, frame: bytes) -> Inbound:
        """The frame's message, charged to the address's shared rate unless it is a
        `media_answer`: that answers the server's own offer, and refusing it because neighbours
        behind the same address spent the rate would leave this client's media stuck."""
        try:
            inbound = decode(frame)
        except WireError:
            self._charge_address()
            raise
        if inbound.type != "media_answer":
            self._charge_address()
        return inbound

    def _charge_address(self) -> None:
        if not self._addresses.take(self._connection.address, self._clock()):
            # Not this connection's strike: others behind the same address (a city hall's NAT)
            # may have spent the rate. Refusing the frame is enough.
            rate = self._settings.address_messages_per_s
            raise WireError(ErrorCode.RATE_LIMITED, f"over {rate:g} messages/s from your address")

    def refuse(self, error: Answerable, ref: int | str | None = None) -> None:
        """Answer with the error; a message the wire refused is a strike, one the meeting or
        the media refused is not: it was well formed."""
        self._connection.deliver(error_reply(error, ref))
        if not isinstance(error, WireError) or error.code in _NO_STRIKE:
            return
        self._strikes += 1
        if self._strikes > self._settings.max_strikes:
            self._connection.close(CloseCode.TOO_MANY_INVALID, "too many invalid messages")

    def forgive(self) -> None:
        """A valid message: only invalid ones in a row count towards closing."""
        self._strikes = 0
