"""The media router with Redis: a client's media signalling goes to this worker's bridge when its
room is served here, and to the room's media worker when it is served elsewhere."""

import asyncio
from collections.abc import Awaitable

from redis.exceptions import RedisError

from rooms import MeetingId
from rooms.ids import PLENARY, RoomId
from rooms.publishing import publish_rights
from server.cancelling import cancel_and_wait
from server.cluster.keys import media_channel
from server.cluster.presence import WorkerPresence
from server.meetings.fanout import Listener
from server.meetings.hub import Hub, MeetingHandle
from server.protocol.wire import reply_ok
from server.rtc.bridge import MediaBridge
from server.rtc.placement.messages import (
    FeedsWanted,
    RoomFeeds,
    SessionFrame,
    SessionReply,
    decode,
)
from server.rtc.placement.outbox import Outbox
from server.rtc.placement.placing import RoomPlacer, sends_what_it_may
from server.rtc.placement.remote_sessions import RemoteSessions
from server.rtc.placement.served_clients import ServedClients
from server.rtc.placement.spreading import Spreading
from server.rtc.placement.watching import Watching
from server.rtc.wire import encode_media
from server.sfu import MediaAnswer, MediaError, MediaErrorCode, MediaOffer, MediaView


class MediaPlacement:
    def __init__(self, presence: WorkerPresence, hub: Hub, bridge: MediaBridge) -> None:
        self.presence = presence
        self.bridge = bridge
        self.worker = presence.worker
        self._outbox = Outbox(presence)
        self._placer = RoomPlacer(presence, bridge)
        # Client side: sessions served elsewhere. Media side: clients of other workers served here.
        self._remote = RemoteSessions(presence, self._outbox)
        self._served = ServedClients(hub, bridge, self._outbox, self._spawn)
        # Between the workers of a spread room: the feeds each pipes to the others.
        self._spreading = Spreading(presence, self._placer, bridge, self._outbox, self._spawn)
        self._watching = Watching(
            presence, self._placer, bridge, self._remote, self._served, self._spawn,
            self._spreading,
        )  # fmt: skip
        self._tasks: list[asyncio.Task[None]] = []
        self._work: set[asyncio.Task[None]] = set()
        bridge.on_room = self._watching.room_entered

    async def start(self) -> None:
        settings = self.presence.settings
        await self._spreading.open(settings.pipe_address(), settings.secret.encode())
        await self.presence.listen_to(media_channel(self.worker), self._on_message)
        self._tasks.append(asyncio.create_task(self._outbox.send()))
        self._tasks.append(asyncio.create_task(self._watching.run()))

    async def stop(self) -> None:
        await self.presence.stop_listening(media_channel(self.worker))
        for task in [*self._tasks, *self._work]:
            await cancel_and_wait(task)
        await self.bridge.aclose()
        self._spreading.close()

    async def offer(
        self,
        live: MeetingHandle,
        connection: Listener,
        offer: MediaOffer,
        ref: int | str | None,
        address: str,
    ) -> None:
        """The client's offer, served here or forwarded; its answer goes to `connection`."""
        participant = connection.participant
        state = live.meeting.state
        person = state.participants.get(participant)
        room = person.room if person is not None else PLENARY
        publishes = sends_what_it_may(offer, publish_rights(state, participant))
        worker = await self._worker_for(state.id, room, connection, publishes)
        for attempt in (1, 2):
            remote = self._remote.get(participant)
            if remote is not None and (
                remote.connection is not connection or remote.worker != worker
            ):
                self._remote.drop(participant)
                remote = None
            if worker == self.worker:
                answer = await self.bridge.offer(live, connection, offer, address)
                connection.deliver(encode_media(answer, ref))
                return
            await self.bridge.close(connection)  # a session here before the meeting moved
            if remote is None:
                remote = self._remote.open(connection, worker)
            reply = await self._remote.offer(remote, state.id, offer, address, ref)
            if reply is not None:
                self._remote.raise_if_refused(reply)
                return
            self._remote.forget(remote)
            if attempt == 1 and not await self.presence.alive(worker):
                worker = await self._placer.replace_dead(state.id, room, worker)
                continue
        raise MediaError(MediaErrorCode.UNAVAILABLE, "the media server did not answer: offer again")

    async def _worker_for(
        self, meeting: MeetingId, room: RoomId, connection: Listener, publishes: bool
    ) -> str:
        """Where the client's offer goes: to the worker of its session in the room, if it has
        one (a later offer renegotiates it), else where the room takes a new session."""
        remote = self._remote.of(connection)
        here = self.bridge.room_of(connection) == room
        if here or remote is not None:
            try:
                serving = await self._placer.serving(meeting, room)
            except (RedisError, OSError) as error:
                raise MediaError(MediaErrorCode.UNAVAILABLE, f"redis: {error}") from error
            if here and self.worker in serving:
                return self.worker
            if remote is not None and remote.worker in serving:
                return remote.worker
        return await self._placer.take_session(meeting, room, publishes)

    async def answer(
        self, connection: Listener, answer: MediaAnswer, ref: int | str | None
    ) -> None:
        await self._within_session(connection, answer, ref)

    async def view(self, connection: Listener, view: MediaView, ref: int | str | None) -> None:
        await self._within_session(connection, view, ref)

    async def _within_session(
        self, connection: Listener, message: MediaAnswer | MediaView, ref: int | str | None
    ) -> None:
        """A message within the client's session: for this worker's bridge, or for the worker
        that serves the session."""
        remote = self._remote.of(connection)
        if remote is None:
            if isinstance(message, MediaView):
                self.bridge.view(connection, message)
            else:
                await self.bridge.answer(connection, message)
            if ref is not None:
                connection.deliver(reply_ok(ref))
            return
        reply = await self._remote.within(remote, message, ref)
        if reply is None:
            raise MediaError(MediaErrorCode.UNAVAILABLE, "the media server did not answer")
        self._remote.raise_if_refused(reply)

    async def close(self, connection: Listener) -> None:
        await self.bridge.close(connection)
        if self._remote.of(connection) is not None:
            self._remote.drop(connection.participant)

    def _on_message(self, data: bytes) -> None:
        # Called by this worker's reader of every channel, which drops a message it cannot read.
        message = decode(data)
        if isinstance(message, SessionFrame | SessionReply):
            self._remote.take(message)
        elif isinstance(message, RoomFeeds | FeedsWanted):
            self._spreading.take(message)
        else:
            self._served.take(message)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._work.add(task)
        task.add_done_callback(self._work.discard)
