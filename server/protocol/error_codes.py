"""The error codes the edge sends of its own: in a WebSocket `error` reply, or an HTTP API error.

A refusal by the meeting carries the core's code (`rooms.errors.Reason`), and one by the media
engine the engine's (`server.sfu.MediaErrorCode`). `docs/protocol.md` lists the three in one table.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    # Not msgpack, not a map, a text frame, or a `type` or `ref` of the wrong kind.
    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_TYPE = "unknown_type"
    # A field missing, unknown, of the wrong type or out of range. The same word as the core's
    # `Reason.INVALID` on purpose: a client treats both alike.
    INVALID = "invalid"
    # Over `messages_per_s`, or over `address_messages_per_s` for the client's address; over
    # HTTP, too many sign-in attempts from one address.
    RATE_LIMITED = "rate_limited"
    NOT_JOINED = "not_joined"  # a message before `hello` or `resume`
    BAD_TOKEN = "bad_token"
    # A meeting's link the organiser replaced by reissuing its role's (`server.links`).
    LINK_REVOKED = "link_revoked"
    # A meeting's link past the meeting's end plus the data's retention (`server.links`).
    LINK_EXPIRED = "link_expired"
    NO_MEETING = "no_meeting"
    # The lobby (`server.signalling.lobby`): anything sent while waiting for a moderator, and
    # a moderator's refusal to let one in.
    WAITING = "waiting"
    TURNED_AWAY = "turned_away"
    # The meeting's writer (another worker, with Redis) did not answer in time.
    UNAVAILABLE = "unavailable"
    MEDIA_OFF = "media_off"  # a media message to a server that carries no media
    # HTTP API only: no admin token nor organiser's session, or a wrong or expired one.
    UNAUTHORIZED = "unauthorized"
    # HTTP API only: a change by the organiser's session cookie without its `X-CSRF-Token`, or
    # from a page of another origin: what a cross-site form would send.
    CSRF = "csrf"
    # HTTP API only: the contacts directory, to someone who does not (or no longer) opt in.
    NOT_OPTED_IN = "not_opted_in"
