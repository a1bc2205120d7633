"""Where the one-process server keeps its meetings: the interface, and keeping nothing.

`LocalHub` stores each command's events before the command is answered, a snapshot every
`snapshot_every` events, and at start brings back every meeting stored within the retention
period. The store is chosen once at start-up (`server.implementations`): the SQLite file of
`server.sqlite.meeting_store` (the default), or `Unkept` (`PLENUM_STORE=memory`: meetings die
with the process). Both hold the records of `server.meetings.records`, as Redis does.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rooms import MeetingId, Stamped


@dataclass(frozen=True)
class StoredMeeting:
    """A meeting as stored: its latest snapshot, the events after it, and when it last changed."""

    snapshot: bytes
    events: Sequence[bytes]
    touched: float


class MeetingStore(Protocol):
    async def append(self, meeting: MeetingId, events: Sequence[Stamped]) -> None:
        """Store the events (which follow those stored before); returns once they are kept.
        The meeting changed at the newest event's time."""
        ...

    async def snapshot(self, meeting: MeetingId, seq: int, record: bytes, now: float) -> None:
        """Store the meeting's state at event `seq` (a new meeting's too): the events up to it
        are then no longer needed."""
        ...

    async def load(self, since: float) -> list[StoredMeeting]:
        """Every meeting changed at or after `since`."""
        ...

    async def forget_before(self, before: float) -> list[MeetingId]:
        """Delete the meetings (and their ballot boxes) last changed before `before`."""
        ...

    async def forget(self, meeting: MeetingId) -> None:
        """Delete the meeting, its events and its ballot boxes (the organiser deleted it)."""
        ...

    async def close(self) -> None: ...


class Unkept:
    """Keeps nothing: every meeting lives and dies with the process."""

    async def append(self, meeting: MeetingId, events: Sequence[Stamped]) -> None:
        pass

    async def snapshot(self, meeting: MeetingId, seq: int, record: bytes, now: float) -> None:
        pass

    async def load(self, since: float) -> list[StoredMeeting]:
        return []

    async def forget_before(self, before: float) -> list[MeetingId]:
        return []

    async def forget(self, meeting: MeetingId) -> None:
        pass

    async def close(self) -> None:
        pass
