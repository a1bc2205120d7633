"""One SQLite file, and who writes it: the event loop itself, or one writer thread.

Every read and write is a job, run in a transaction; its outcome is known to its caller only
once the transaction is committed: what it wrote is then on disk as far as `synchronous`
promises (`Database`).

With `synchronous=NORMAL` a commit only hands its pages to the operating system (tens of µs),
so the job runs at once, on the event loop: a command is answered with no turn of the loop more
than without a store. What could take long, the checkpoints that copy the WAL into the file
and sync both, runs in a thread of its own. (A writer thread there cost each command a turn of
the loop and a wait for Python: one connection's commands, answered in turn, fell behind a
chat of 50 messages a second on a busy machine.)

With `synchronous=FULL` every commit waits for an fsync, which must not stall the loop: the job
is queued for the writer thread, which runs all those waiting in one transaction (one fsync for
a burst of commands) and wakes the loop once for them.
"""

import asyncio
import contextlib
import logging
import queue
import sqlite3
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from server import data_folder
from server.settings import SQLITE_SYNCS

log = logging.getLogger("plenum.sqlite")

T = TypeVar("T")

DATABASE_FILE = "meetings.sqlite3"
SWITCH_INTERVAL_S = 0.001
# With the writes on the loop: how often the WAL is copied into the file, from a thread.
CHECKPOINT_EVERY_S = 1.0

# Each event and snapshot as `server.meetings.records` packs it; ballot boxes as
# `server.sqlite.ballot_box` keeps them, in key order (tables without rowid: no arrival order).
SCHEMA = """
CREATE TABLE IF NOT EXISTS meetings (
    id TEXT PRIMARY KEY,
    snapshot BLOB NOT NULL,
    snapshot_seq INTEGER NOT NULL,
    touched REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    meeting TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at REAL NOT NULL,
    record BLOB NOT NULL,
    PRIMARY KEY (meeting, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ballots (
    meeting TEXT NOT NULL,
    poll TEXT NOT NULL,
    ballot TEXT NOT NULL,
    choices TEXT NOT NULL,
    PRIMARY KEY (meeting, poll, ballot)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS voters (
    meeting TEXT NOT NULL,
    poll TEXT NOT NULL,
    voter TEXT NOT NULL,
    PRIMARY KEY (meeting, poll, voter)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS closed_polls (
    meeting TEXT NOT NULL,
    poll TEXT NOT NULL,
    PRIMARY KEY (meeting, poll)
) WITHOUT ROWID;
"""


class ClosedError(Exception):
    """A job for a database already closed (a late goodbye while the server stops)."""


@dataclass(frozen=True)
class _Job:
    work: Callable[[sqlite3.Connection], Any]
    loop: asyncio.AbstractEventLoop
    outcome: "asyncio.Future[Any]"


class Database:
    def __init__(self, folder: Path, synchronous: str) -> None:
        """`synchronous` (`settings.SQLITE_SYNCS`), in WAL mode: `normal`, a commit survives a
        crash of the process (it is in the WAL file, in the operating system's hands), not
        always a power loss or a crash of the host (the last commits may be gone; the file stays
        consistent); `full`, both, at the price of an fsync of the WAL per commit."""
        if synchronous not in SQLITE_SYNCS:
            raise ValueError(f"synchronous: {synchronous!r} is none of {SQLITE_SYNCS}")
        folder.mkdir(mode=data_folder.OWNER_ONLY_DIR, parents=True, exist_ok=True)
        self.path = folder / DATABASE_FILE
        # Used by one writer: the loop (normal) or the writer thread (full); autocommit,
        # transactions made by hand.
        self._connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.path.chmod(data_folder.OWNER_ONLY_FILE)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self._connection.executescript(SCHEMA)
        self._on_loop = synchronous == "normal"
        if self._on_loop:
            self._connection.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._closed = False
        # The event loop's thread holds Python nearly all the time under load; the writer thread
        # needs it back a few times per batch, and waits out the switch interval (5 ms by
        # default) each time: a command's answer waited tens of ms. A shorter one costs nothing
        # while no other thread asks for Python, which is when the writer waits for work.
        if not self._on_loop and sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        work = self._checkpoint_now_and_then if self._on_loop else self._work
        self._thread = threading.Thread(target=work, name="plenum-sqlite", daemon=True)
        self._thread.start()

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in a transaction, in order after every job before it; its result once the
        transaction is committed. At once on the loop (`normal`), or queued for the writer
        thread at the call, before any await, so the jobs of one task, or of tasks in turn,
        keep their order (`full`)."""
        if self._closed:
            raise ClosedError(f"{self.path} is closed: the server is stopping")
        if self._on_loop:
            return cast(T, self._in_one_transaction([work])[0])
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[T] = loop.create_future()
        self._jobs.put(_Job(work, loop, outcome))
        # Not shielded (a layer of futures more is a turn of the loop more for every command):
        # a caller that gives up cancels only its wait, the job is queued and runs all the same.
        return await outcome

    async def close(self) -> None:
        """Finish the jobs queued, then close the file; a job after it is refused."""
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        self._jobs.put(None)
        await asyncio.to_thread(self._thread.join)
        if self._on_loop:
            self._connection.close()

    def _checkpoint_now_and_then(self) -> None:
        with contextlib.closing(sqlite3.connect(self.path, isolation_level=None)) as connection:
            while not self._stopping.wait(CHECKPOINT_EVERY_S):
                try:
                    # Passive: copies what no reader needs, never waits for the writer.
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error as error:
                    log.warning("checkpointing the meetings' database failed: %s", error)

    def _work(self) -> None:
        stopping = False
        while not stopping:
            first = self._jobs.get()
            if first is None:
                break
            batch = [first]
            while True:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            # One wake-up of each loop (there is one) for the whole batch.
            by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Job, object]]] = {}
            for job, result in zip(batch, self._run_batch(batch), strict=True):
                by_loop.setdefault(job.loop, []).append((job, result))
            for loop, settled in by_loop.items():
                with contextlib.suppress(RuntimeError):  # its loop closed meanwhile
                    loop.call_soon_threadsafe(_settle, settled)
        self._connection.close()

    def _run_batch(self, batch: list[_Job]) -> list[object]:
        """The jobs' results, all in one transaction; if one fails, each in a transaction of its
        own, so that only the failing one is refused. Every statement lets the event loop's
        thread take Python back until SQLite is done: the fewer, the less either waits."""
        try:
            return self._in_one_transaction([job.work for job in batch])
        except Exception as error:
            if len(batch) == 1:
                log.error("the meetings' database refused a write: %s", error)
                return [error]
        results: list[object] = []
        for job in batch:
            try:
                results += self._in_one_transaction([job.work])
            except Exception as error:
                log.error("the meetings' database refused a write: %s", error)
                results.append(error)
        return results

    def _in_one_transaction(self, works: list[Callable[[sqlite3.Connection], Any]]) -> list[Any]:
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            results = [work(connection) for work in works]
            connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise
        return results


def _settle(settled: list[tuple[_Job, object]]) -> None:
    for job, result in settled:
        if job.outcome.done():
            continue
        if isinstance(result, BaseException):
            job.outcome.set_exception(result)
        else:
            job.outcome.set_result(result)
