"""Which hub and media router this worker runs, chosen together, once, from the settings.

With Redis: this worker's presence there, the hub of meetings shared by every worker, and media
placed on workers over them. Without: every meeting and its media in this process.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from server.clock import Clock
from server.meetings.hub import Hub, LocalHub
from server.rtc.bridge import MediaBridge
from server.rtc.router import LocalMediaRouter, MediaRouter
from server.settings import Settings


class Running(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Implementations:
    hub: Hub
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
        from server.cluster.hub import RedisHub
        from server.cluster.presence import WorkerPresence
        from server.rtc.placement import MediaPlacement

        presence = WorkerPresence(settings, clock)
        hub = RedisHub(presence)
        if media is None:
            return Implementations(hub, None, [presence, hub])
        placement = MediaPlacement(presence, hub, media)
        return Implementations(hub, placement, [presence, hub, placement])
    local = LocalHub(settings.meeting, settings.event_log, clock, settings.ghost_grace_s)
    if media is None:
        return Implementations(local, None, [local])
    router = LocalMediaRouter(media)
    return Implementations(local, router, [local, router])
