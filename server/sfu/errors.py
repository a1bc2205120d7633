"""Why the media engine refused something.

A `MediaError` is the client's fault or a limit it hit (an SDP that does not parse, a track it may
not publish, a full worker): the engine is unchanged and the edge turns the code into an error
reply. Anything else raised by the engine is a bug on the server's side.
"""

from enum import StrEnum


class MediaErrorCode(StrEnum):
    NOT_ALLOWED = "media_not_allowed"
    # A track labelled with a source of the other kind (a "microphone" that is video).
    WRONG_KIND = "media_wrong_kind"
    TOO_MANY_PUBLISHERS = "media_too_many_publishers"
    WORKER_FULL = "media_worker_full"
    # This worker already serves `max_peers_per_address` sessions from the client's address.
    ADDRESS_FULL = "media_address_full"
    BAD_SDP = "media_bad_sdp"
    NOT_CONNECTED = "media_not_connected"
    # The client offered while the server's own offer was waiting for an answer: the client
    # (the polite side) rolls back, answers the server's offer, then offers again.
    GLARE = "media_glare"
    UNEXPECTED_ANSWER = "media_unexpected_answer"
    # With Redis: the worker serving the room's media did not answer in time.
    UNAVAILABLE = "media_unavailable"


class MediaError(Exception):
    def __init__(self, code: MediaErrorCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
