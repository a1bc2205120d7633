"""Which hub, ballot box and media router this worker runs, chosen together, once, from the
settings.

With Redis: this worker's presence there, the hub of meetings and the secret polls' ballot boxes
shared by every worker, and media placed on workers over them. Without: every meeting, its
ballot boxes and its media in this process, the meetings and ballot boxes kept in the embedded
SQLite file of the data folder (or nowhere, with `PLENUM_STORE=memory`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from server.clock import Clock
from server.meetings.ballot_box import BallotBox, LocalBallotBox
from server.meetings.hub import Hub, Keeping, LocalHub
from server.meetings.store import MeetingStore, Unkept
from server.rtc.bridge import MediaBridge
from server.rtc.router import LocalMediaRouter, MediaRouter
from server.settings import Settings


class Running(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Implementations:
    hub: Hub
    ballot_box: BallotBox
    # None when the settings turn media off.
    media_router: MediaRouter | None
    # Started in this order, stopped in the reverse: each stands on the ones before it.
    parts: Sequence[Running]

    async def start(self) -> None:
        for part in self.parts:
            await part.start()

    async def stop(self) -> None:
        for part in reversed(self.parts):
            await part.stop()


def choose(settings: Settings, clock: Clock, media: MediaBridge | None) -> Implementations:
    if settings.redis_url:
        # Imported only by a worker that runs them.
        from server.cluster.ballot_box import RedisBallotBox
        from server.cluster.hub import RedisHub
        from server.cluster.presence import WorkerPresence
        from server.rtc.placement import MediaPlacement

        presence = WorkerPresence(settings, clock)
        # It stands on the presence's clients and scripts alone: nothing to start or stop.
        box = RedisBallotBox(presence)
        hub = RedisHub(presence, box)
        if media is None:
            return Implementations(hub, box, None, [presence, hub])
        placement = MediaPlacement(presence, hub, media)
        return Implementations(hub, box, placement, [presence, hub, placement])
    local_box, store = _embedded_store(settings)
    keeping = Keeping(store, settings.snapshot_every, settings.retention_s)
    local = LocalHub(
        settings.meeting, settings.event_log, clock, settings.ghost_grace_s, local_box, keeping
    )
    if media is None:
        return Implementations(local, local_box, None, [local])
    router = LocalMediaRouter(media)
    return Implementations(local, local_box, router, [local, router])


def _embedded_store(settings: Settings) -> tuple[BallotBox, MeetingStore]:
    """The ballot boxes and the meetings' store of the one-process server."""
    if settings.store == "memory":
        return LocalBallotBox(settings.secret), Unkept()
    from server.sqlite.ballot_box import SqliteBallotBox
    from server.sqlite.database import Database
    from server.sqlite.meeting_store import SqliteMeetingStore

    database = Database(Path(settings.data_dir), settings.sqlite_sync)
    return SqliteBallotBox(database, settings.secret), SqliteMeetingStore(database)
