"""Sessions that must start again elsewhere: their participant moved into a room served by another
worker, the worker at the other end of them died, or their room was placed elsewhere since.

The client is told `media_restart`, and its fresh offer goes to wherever its room is now.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from rooms import MeetingId, ParticipantId
from rooms.ids import RoomId
from server.cluster.presence import WorkerPresence
from server.meetings.fanout import Listener
from server.rtc.bridge import MediaBridge
from server.rtc.placement.placing import RoomPlacer
from server.rtc.placement.remote_sessions import RemoteSessions
from server.rtc.placement.served_clients import ServedClients
from server.rtc.placement.spreading import Spreading
from server.rtc.wire import encode_media
from server.sfu import MediaError, MediaRestart

log = logging.getLogger("plenum.media")

MOVED = "media_moved"


class Watching:
    def __init__(
        self,
        presence: WorkerPresence,
        placer: RoomPlacer,
        bridge: MediaBridge,
        remote: RemoteSessions,
        served: ServedClients,
        spawn: Callable[[Awaitable[None]], None],
        spreading: Spreading,
    ) -> None:
        self.worker = presence.worker
        self._presence = presence
        self._placer = placer
        self._bridge = bridge
        self._remote = remote
        self._served = served
        self._spawn = spawn
        self._spreading = spreading

    # Sessions moving between rooms ------------------------------------------------------------

    def room_entered(
        self, meeting: MeetingId, participant: ParticipantId, listener: Listener, room: RoomId
    ) -> None:
        # Called by the bridge as it follows the meeting: nothing here may stop it.
        self._spawn(self._follow_room(meeting, listener, room))

    async def _follow_room(self, meeting: MeetingId, listener: Listener, room: RoomId) -> None:
        """A session here entered a room: it stays if the room is served here, else it restarts
        where the room is (placing the room first if nobody serves it yet)."""
        try:
            worker = await self._placer.place(meeting, room, self._bridge.in_room(meeting, room))
            if worker != self.worker and self._bridge.room_of(listener) == room:
                if self.worker in await self._placer.serving(meeting, room):
                    return  # the room spread here: the session stays

                log.info("%s moves to %s/%s, served by %s",
                         listener.participant, meeting, room, worker)  # fmt: skip
                await self._restart(listener)
        except MediaError as error:
            log.warning("media of %s/%s: %s", meeting, room, error.detail)
        except Exception:
            log.exception("media of %s/%s could not follow a move", meeting, room)

    async def _restart(self, listener: Listener) -> None:
        """Have the client start its media again: its new offer goes where its room is now."""
        if self._bridge.room_of(listener) is None:
            return  # already restarted (by the move and the periodic check both, say), or gone
        listener.deliver(encode_media(MediaRestart(MOVED)))
        await self._bridge.close(listener)
        self._served.forget(listener)

    # Watching the other side ---------------------------------------------------------------------

    async def run(self) -> None:
        """Publish this worker's load and look at the other side (and at the other workers of the
        spread rooms it serves), as long as it runs."""
        while True:
            try:
                await self._placer.publish_load(self._spreading.pipe_address)
                await self._check_peers()
                await self._check_placements()
                await self._spreading.check()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                log.warning("media placement: %s", error)
            except Exception:
                log.exception("media placement check failed")
            await asyncio.sleep(self._presence.settings.worker_ttl_s / 3)

    async def _check_peers(self) -> None:
        workers = self._remote.workers() | self._served.workers()
        if not workers:
            return
        dead = await self._presence.dead_workers(workers)
        self._remote.lose(dead)
        await self._served.lose(dead)

    async def _check_placements(self) -> None:
        """Sessions here in a room placed elsewhere since, and not spread here (this worker was
        taken for dead during a Redis outage, say), start again where the room is now, so none
        of its people end up on a worker the room's others do not know of."""
        by_room: dict[tuple[MeetingId, RoomId], list[Listener]] = {}
        for meeting, room, listener in self._bridge.sessions():
            by_room.setdefault((meeting, room), []).append(listener)
        for (meeting, room), listeners in by_room.items():
            placed = await self._placer.placed(meeting, room)
            if placed is None or placed == self.worker:
                continue
            if self.worker in await self._placer.serving(meeting, room):
                continue  # the room spread here
            log.info("media of %s/%s is placed elsewhere now: its sessions here restart",
                     meeting, room)  # fmt: skip
            for listener in listeners:
                await self._restart(listener)
