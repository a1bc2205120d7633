"""How a meeting is kept outside the process: its events and its snapshot as msgpack of plain data.

One format for every store: the Redis log and snapshot (`server.cluster`) and the embedded SQLite
database (`server.sqlite`) hold the same bytes, so a meeting reads back the same from either.
"""

from typing import Any

import msgpack

from rooms import MeetingState, Stamped
from rooms.plain import from_plain, to_plain


def pack(value: object) -> bytes:
    return msgpack.packb(to_plain(value), use_bin_type=True)  # type: ignore[no-any-return]


def unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def event_from(record: bytes) -> Stamped:
    """An event from its record (`pack` of the stamped event)."""
    return from_plain(Stamped, unpack(record))


def snapshot_from(record: bytes) -> MeetingState:
    """A meeting's state from its snapshot (`pack` of the state)."""
    return from_plain(MeetingState, unpack(record))
