"""What workers send each other through Redis, and how it is packed: msgpack of plain records.

The media signalling one worker forwards to another has records of its own, packed the same way
(`server.rtc.placement.messages`)."""

from dataclasses import dataclass

from rooms import ParticipantId, Stamped
from rooms import commands as cmd
from server.meetings.records import event_from, pack, unpack

__all__ = ["Forwarded", "LogEntry", "Reply", "as_bytes", "pack", "unpack"]


@dataclass(frozen=True)
class Forwarded:
    """A command a worker forwards to the meeting's writer, and where to answer."""

    request: str
    worker: str
    actor: ParticipantId | None
    command: cmd.Command


@dataclass(frozen=True)
class Reply:
    request: str
    seq: int | None = None
    reason: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class LogEntry:
    """One event as the meeting's log holds it, with the request that caused it."""

    stamped: Stamped
    request: str

    @classmethod
    def parse(cls, fields: object) -> "LogEntry":
        assert isinstance(fields, dict), "a stream entry is a map of fields"
        request = fields.get(b"r", b"")
        return cls(event_from(as_bytes(fields[b"e"])), as_bytes(request).decode())


def as_bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"expected bytes from redis, got {type(value).__name__}")
