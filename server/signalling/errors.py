"""Where what a client got wrong becomes the `error` reply it gets: the only place that knows
which exception carries which code.

Each layer raises its own exception, with its own code: the wire a `WireError`, the meeting
`Rejected`, the media engine `MediaError`, the meeting's writer out of reach `Unavailable`, a
token that does not verify `TokenError`.
"""

from typing import assert_never

from rooms import Rejected
from server.meetings.hub import Unavailable
from server.sfu import MediaError
from server.signalling.error_codes import ErrorCode
from server.signalling.wire import WireError, reply_error
from server.tokens import TokenError

# What a client may cause while it talks: answered with an error reply, and the talk goes on.
ANSWERED = (WireError, Rejected, Unavailable, MediaError)
Answered = WireError | Rejected | Unavailable | MediaError


def error_reply(error: Answered | TokenError, ref: int | str | None = None) -> bytes:
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
        case TokenError():
            return reply_error(ErrorCode.BAD_TOKEN, str(error), ref)
        case _:
            assert_never(error)
