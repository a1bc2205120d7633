"""The wire: msgpack maps in binary WebSocket frames, one message each, in both directions.

Every message is a map with `v` (the protocol version) and `type`. A client's command is decoded
here into the core's command dataclass, field by field (`rooms.plain`), so its shape is written
once, in `rooms.commands`; the same holds for events going out. `docs/protocol.md` lists them.
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import msgpack

from rooms import commands as cmd
from rooms import events as ev
from rooms.errors import quoted
from rooms.ids import PollId
from rooms.plain import RecordError, from_plain, to_plain
from server.protocol.error_codes import ErrorCode

VERSION = 1
T = TypeVar("T")


def wire_name(cls: type) -> str:
    """`SendChat` is `send_chat` on the wire."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


COMMANDS: dict[str, type[cmd.ClientCommand]] = {wire_name(c): c for c in cmd.CLIENT_COMMANDS}
EVENTS: dict[str, type[ev.Event]] = {wire_name(e): e for e in ev.EVENTS}
# Fields every message may carry besides its own: the version, the type, and a client's `ref`,
# echoed in the reply so it can match `ok` or `error` to what it sent.
ENVELOPE = ("v", "type", "ref")
# A `ref` comes back in every reply to its message: a tag, not a payload to be echoed at length.
MAX_REF_CHARS = 64


class WireError(Exception):
    """A message the client got wrong; `code` goes back in the error reply, with `ref` if known."""

    def __init__(self, code: ErrorCode, message: str, ref: int | str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


@dataclass(frozen=True)
class Inbound:
    type: str
    fields: dict[str, Any]
    ref: int | str | None


def decode(frame: bytes) -> Inbound:
    try:
        message = msgpack.unpackb(frame, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several unrelated types for bad input
        raise WireError(ErrorCode.MALFORMED, "the frame is not valid msgpack") from exc
    if not isinstance(message, dict):
        raise WireError(ErrorCode.MALFORMED, "a message must be a msgpack map")
    # Read first, so that an error about the rest of the envelope still names the message.
    ref = message.get("ref")
    if ref is not None and (not isinstance(ref, int | str) or isinstance(ref, bool)):
        raise WireError(ErrorCode.MALFORMED, "ref must be an integer or a string")
    if isinstance(ref, str) and len(ref) > MAX_REF_CHARS:
        raise WireError(ErrorCode.MALFORMED, f"ref: at most {MAX_REF_CHARS} characters")
    version = message.get("v")
    # `True == 1` and `1.0 == 1` in Python; on the wire the version is an integer, nothing else.
    if type(version) is not int or version != VERSION:
        raise WireError(ErrorCode.UNSUPPORTED_VERSION, f"v must be the integer {VERSION}", ref)
    kind = message.get("type")
    if not isinstance(kind, str):
        raise WireError(ErrorCode.MALFORMED, "type must be a string", ref)
    fields = {k: v for k, v in message.items() if k not in ENVELOPE}
    return Inbound(kind, fields, ref)


def parse_command(inbound: Inbound) -> cmd.ClientCommand:
    """A client's command for the meeting. A secret ballot is not one: see `parse_secret_ballot`,
    which the connection asks first."""
    command_type = COMMANDS.get(inbound.type)
    if command_type is None:
        raise WireError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {quoted(inbound.type)}")
    fields = inbound.fields
    if command_type is cmd.CastBallot:
        if fields.get("secret") is not None:
            raise WireError(ErrorCode.INVALID, "secret: this server takes no secret ballots")
        fields = {k: v for k, v in fields.items() if k != "secret"}
    return parse_fields(command_type, fields)


# Polls ----------------------------------------------------------------------------------------

# The length of the random string a voter's client makes once per secret poll.
SECRET_CHARS = range(16, 65)


@dataclass(frozen=True)
class SecretBallot:
    """`cast_ballot` with a `secret`: a ballot for the server's ballot box, never for the core.

    The connection checks it against its replica (`rooms.polls.check_ballot`), puts it in the
    box, then submits `CastSecretBallot`, which names the voter and carries no choice. The same
    secret again changes the ballot (or retries one whose reply was lost).
    """

    poll: PollId
    choices: tuple[int, ...]
    secret: str

    def __post_init__(self) -> None:
        if len(self.secret) not in SECRET_CHARS:
            raise ValueError(
                f"secret: from {SECRET_CHARS.start} to {SECRET_CHARS.stop - 1} characters"
            )


def parse_secret_ballot(inbound: Inbound) -> SecretBallot | None:
    """The secret ballot in a `cast_ballot` that carries a `secret`; None for any other message
    (a named ballot is a command, `parse_command`'s)."""
    if inbound.type != "cast_ballot" or inbound.fields.get("secret") is None:
        return None
    return parse_fields(SecretBallot, inbound.fields)


def parse_fields(cls: type[T], fields: dict[str, Any]) -> T:
    try:
        return from_plain(cls, fields)
    except RecordError as exc:
        raise WireError(ErrorCode.INVALID, str(exc)) from exc


def encode(message: dict[str, Any]) -> bytes:
    return msgpack.packb({"v": VERSION, **message}, use_bin_type=True)  # type: ignore[no-any-return]


def encode_message(message: object, ref: int | str | None = None) -> bytes:
    """A server message that is a dataclass, named by its class; a reply echoes its `ref`."""
    envelope: dict[str, Any] = {"type": wire_name(type(message))}
    if ref is not None:
        envelope["ref"] = ref
    return encode({**envelope, **to_plain(message)})


def encode_event(stamped: ev.Stamped) -> bytes:
    fields = to_plain(stamped.event)
    name = wire_name(type(stamped.event))
    return encode({"type": name, "seq": stamped.seq, "at": stamped.at, **fields})


def reply_ok(ref: int | str | None) -> bytes:
    return encode({"type": "ok", "ref": ref})


def reply_error(
    code: StrEnum, message: str, ref: int | str | None = None, opens_at: float | None = None
) -> bytes:
    """An `error` reply; `code` is one of `ErrorCode`, `rooms.Reason` or `MediaErrorCode`.
    `opens_at` goes with `not_open_yet` only: when the meeting opens, for the client to wait."""
    reply = {"type": "error", "code": code, "message": message, "ref": ref}
    return encode(reply if opens_at is None else {**reply, "opens_at": opens_at})
