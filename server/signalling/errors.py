"""Where what a client got wrong becomes the `error` reply it gets: the only place that knows
which exception carries which code.

Each layer raises its own exception, with its own code: the wire a `WireError`, the meeting
`Rejected`, the media engine `MediaError`, the meeting's writer out of reach `Unavailable`, a
token that does not verify `TokenError`.
"""

from typing import assert_never

from rooms import Rejected
from server.links import LinkExpired, LinkRevoked
from server.meetings.hub import Unavailable
from server.protocol.error_codes import ErrorCode
from server.protocol.wire import WireError, reply_error
from server.sfu import MediaError
from server.tokens import TokenError

# What a connection is answered with an error reply for, and then goes on: what the client got
# wrong, and a meeting out of reach for now (the client may try again).
ANSWERABLE = (WireError, Rejected, Unavailable, MediaError)
Answerable = WireError | Rejected | Unavailable | MediaError


def error_reply(error: Answerable | TokenError, ref: int | str | None = None) -> bytes:
    """The `error` reply for `error`, echoing `ref` (else the ref a wire error found itself)."""
    match error:
        case WireError():
            return reply_error(error.code, error.message, ref if ref is not None else error.ref)
        case Rejected():
            return reply_error(error.reason, error.detail, ref)
        case MediaError():
            return reply_error(error.code, error.detail, ref)
        case Unavailable():
            return reply_error(ErrorCode.UNAVAILABLE, str(error), ref)
        case LinkRevoked():
            return reply_error(ErrorCode.LINK_REVOKED, str(error), ref)
        case LinkExpired():
            return reply_error(ErrorCode.LINK_EXPIRED, str(error), ref)
        case TokenError():
            return reply_error(ErrorCode.BAD_TOKEN, str(error), ref)
        case _:
            assert_never(error)
