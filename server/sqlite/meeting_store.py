"""Every meeting's snapshot and the events after it, in the embedded SQLite file.

Events and snapshots are packed on the event loop, so the writer thread needs Python as little
as it can (it takes the loop's turn each time). A meeting was last changed at its snapshot's
time or its newest event's, whichever is later: an append is one statement, no update. A
snapshot deletes the events it holds: a client that resumes from before it, after a restart,
gets a fresh snapshot as it would from Redis.
"""

import sqlite3
from collections.abc import Sequence
from functools import partial

from rooms import MeetingId, Stamped
from server.meetings.records import pack
from server.meetings.store import StoredMeeting
from server.sqlite.ballot_box import forget_boxes
from server.sqlite.database import Database

# When a meeting (a row of `meetings`) last changed: its snapshot, or its newest event after it.
LAST_CHANGED = (
    "max(touched, coalesce((SELECT max(at) FROM events WHERE events.meeting = meetings.id), 0))"
)


class SqliteMeetingStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def append(self, meeting: MeetingId, events: Sequence[Stamped]) -> None:
        rows = [(meeting, stamped.seq, stamped.at, pack(stamped)) for stamped in events]
        await self._database.run(partial(_append, rows))

    async def snapshot(self, meeting: MeetingId, seq: int, record: bytes, now: float) -> None:
        await self._database.run(partial(_snapshot, meeting, seq, record, now))

    async def load(self, since: float) -> list[StoredMeeting]:
        return await self._database.run(partial(_load, since))

    async def forget_before(self, before: float) -> list[MeetingId]:
        return await self._database.run(partial(_forget_before, before))

    async def forget(self, meeting: MeetingId) -> None:
        await self._database.run(partial(_forget, meeting))

    async def close(self) -> None:
        await self._database.close()


def _append(rows: Sequence[tuple[str, int, float, bytes]], db: sqlite3.Connection) -> None:
    db.executemany("INSERT INTO events (meeting, seq, at, record) VALUES (?, ?, ?, ?)", rows)


def _snapshot(
    meeting: MeetingId, seq: int, record: bytes, now: float, db: sqlite3.Connection
) -> None:
    db.execute(
        "INSERT INTO meetings (id, snapshot, snapshot_seq, touched) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET snapshot = excluded.snapshot,"
        " snapshot_seq = excluded.snapshot_seq, touched = excluded.touched",
        (meeting, record, seq, now),
    )
    db.execute("DELETE FROM events WHERE meeting = ? AND seq <= ?", (meeting, seq))


def _load(since: float, db: sqlite3.Connection) -> list[StoredMeeting]:
    stored = []
    for meeting, snapshot, touched in db.execute(
        f"SELECT id, snapshot, {LAST_CHANGED} AS changed FROM meetings WHERE changed >= ?",
        (since,),
    ).fetchall():
        events = db.execute(
            "SELECT record FROM events WHERE meeting = ? ORDER BY seq", (meeting,)
        ).fetchall()
        stored.append(StoredMeeting(snapshot, [record for (record,) in events], touched))
    return stored


def _forget_before(before: float, db: sqlite3.Connection) -> list[MeetingId]:
    gone = [
        MeetingId(meeting)
        for meeting, _ in db.execute(
            f"SELECT id, {LAST_CHANGED} AS changed FROM meetings WHERE changed < ?", (before,)
        ).fetchall()
    ]
    for meeting in gone:
        _forget(meeting, db)
    return gone


def _forget(meeting: MeetingId, db: sqlite3.Connection) -> None:
    """Every row of the meeting, in one transaction: its events, snapshot and ballot boxes."""
    forget_boxes(meeting, db)
    db.execute("DELETE FROM events WHERE meeting = ?", (meeting,))
    db.execute("DELETE FROM meetings WHERE id = ?", (meeting,))
