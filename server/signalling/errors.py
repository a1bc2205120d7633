"""Where what a client got wrong becomes the `error` reply it gets: the only place that knows
which exception carries which code.

Each layer raises its own exception, with its own code: the wire a `WireError`, the meeting
`Rejected`, the media engine `MediaError`, the meeting's writer out of reach `Unavailable`, a
token that does not verify `TokenError`; a participant's `hello` before the meeting opens
`NotOpenYet`, which says when it opens.
"""

from typing import assert_never

from rooms import Reason, Rejected
from server.links import LinkExpired, LinkRevoked
from server.meetings.hub import Unavailable
from server.protocol.error_codes import ErrorCode
from server.protocol.wire import WireError, reply_error
from server.sfu import MediaError
from server.tokens import TokenError


class NotOpenYet(Exception):
    """The meeting refused a participant's `hello` as before its opening (`rooms.opening`): the
    reply carries the opening time, for the client to wait for it and then say `hello` again.
    The time is the edge's to add: with Redis, a refusal comes back from the meeting's writer as
    a code and a text only."""

    def __init__(self, detail: str, opens_at: float) -> None:
        super().__init__(detail)
        self.detail = detail
        self.opens_at = opens_at


# What a connection is answered with an error reply for, and then goes on: what the client got
# wrong, and a meeting out of reach or not open for now (the client may try again).
ANSWERABLE = (WireError, Rejected, Unavailable, MediaError, NotOpenYet)
Answerable = WireError | Rejected | Unavailable | MediaError | NotOpenYet


def error_reply(error: Answerable | TokenError, ref: int | str | None = None) -> bytes:
    """The `error` reply for `error`, echoing `ref` (else the ref a wire error found itself)."""
    match error:
        case WireError():
            return reply_error(error.code, error.message, ref if ref is not None else error.ref)
        case Rejected():
            return reply_error(error.reason, error.detail, ref)
        case MediaError():
            return reply_error(error.code, error.detail, ref)
        case NotOpenYet():
            return reply_error(Reason.NOT_OPEN_YET, error.detail, ref, error.opens_at)
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
