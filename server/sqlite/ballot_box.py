"""Secret polls' ballot boxes in the embedded SQLite file (see `server.meetings.ballot_box`).

The same two sets as everywhere: ballots by ballot key, voter marks by voter key, in tables
without rowid, so the file orders them by key and keeps no order of arrival. Each deposit and
each close is one job of the writer thread, so they are decided one at a time, and a ballot is
on disk (as `PLENUM_SQLITE_SYNC` promises) before its voter is told it is in. The boxes are
deleted with their meeting (`server.sqlite.meeting_store`).
"""

import sqlite3
from collections.abc import Sequence
from functools import partial

from rooms import MeetingId, ParticipantId
from server.meetings.ballot_box import (
    BoxCount,
    Deposited,
    Refusal,
    Refused,
    Seal,
    decode_choices,
    encode_choices,
)
from server.meetings.hub import Unavailable
from server.sqlite.database import ClosedError, Database


class SqliteBallotBox:
    def __init__(self, database: Database, server_secret: str) -> None:
        self._database = database
        self._seal = Seal.from_secret(server_secret)

    async def deposit(
        self,
        meeting: MeetingId,
        poll: str,
        voter: ParticipantId,
        secret: str,
        choices: Sequence[int],
    ) -> Deposited | Refused:
        encoded = encode_choices(choices)
        ballot = self._seal.ballot_key(meeting, poll, secret)
        mark = self._seal.voter_key(meeting, poll, voter)
        try:
            return await self._database.run(partial(_deposit, meeting, poll, ballot, mark, encoded))
        except (sqlite3.Error, ClosedError) as error:
            raise Unavailable(f"the ballot box is out of reach: {error}") from error

    async def close(self, meeting: MeetingId, poll: str) -> BoxCount:
        try:
            stored = await self._database.run(partial(_close, meeting, poll))
        except (sqlite3.Error, ClosedError) as error:
            raise Unavailable(f"the ballot box is out of reach: {error}") from error
        return BoxCount.of(decode_choices(choices) for choices in stored)

    async def forget(self, meeting: MeetingId) -> None:
        try:
            await self._database.run(partial(forget_boxes, meeting))
        except (sqlite3.Error, ClosedError) as error:
            raise Unavailable(f"the ballot box is out of reach: {error}") from error


def _deposit(
    meeting: str, poll: str, ballot: str, mark: str, choices: str, db: sqlite3.Connection
) -> Deposited | Refused:
    box = (meeting, poll)
    if db.execute("SELECT 1 FROM closed_polls WHERE meeting = ? AND poll = ?", box).fetchone():
        return Refused(Refusal.CLOSED)
    cast = db.execute(
        "SELECT 1 FROM ballots WHERE meeting = ? AND poll = ? AND ballot = ?", (*box, ballot)
    ).fetchone()
    voted = db.execute(
        "SELECT 1 FROM voters WHERE meeting = ? AND poll = ? AND voter = ?", (*box, mark)
    ).fetchone()
    if cast:
        if not voted:
            return Refused(Refusal.SECRET_TAKEN)
        db.execute(
            "UPDATE ballots SET choices = ? WHERE meeting = ? AND poll = ? AND ballot = ?",
            (choices, *box, ballot),
        )
        return Deposited(first=False)
    if voted:
        return Refused(Refusal.VOTED_ALREADY)
    db.execute("INSERT INTO ballots VALUES (?, ?, ?, ?)", (*box, ballot, choices))
    db.execute("INSERT INTO voters VALUES (?, ?, ?)", (*box, mark))
    return Deposited(first=True)


def _close(meeting: str, poll: str, db: sqlite3.Connection) -> list[str]:
    db.execute("INSERT OR IGNORE INTO closed_polls VALUES (?, ?)", (meeting, poll))
    rows = db.execute(
        "SELECT choices FROM ballots WHERE meeting = ? AND poll = ? ORDER BY ballot",
        (meeting, poll),
    ).fetchall()
    return [choices for (choices,) in rows]


def forget_boxes(meeting: str, db: sqlite3.Connection) -> None:
    """Delete every ballot box of the meeting (with it, or on its own)."""
    for table in ("ballots", "voters", "closed_polls"):
        db.execute(f"DELETE FROM {table} WHERE meeting = ?", (meeting,))
