"""With Redis: which worker serves each room's media, and the signalling that reaches it.

Each room of a meeting (the plenary, every workshop) has its media served by one worker, whatever
worker each participant's WebSocket is on. A room is placed when the first media session needs it
(a client's `media_offer`, or a session that moves into it) on the live worker with the fewest
media sessions: each worker publishes its count next to its sign of life, and a placement at once
moves the sessions it will take from one count to the other, so the rooms of a workshop round,
placed within milliseconds, spread instead of all landing on the emptiest worker. The placement is
recorded in Redis (`plenum:m:<meeting>:media:<room>`, set only if absent) and read by every later
offer. When a session's participant moves to a room served by another worker (the workshops open
or close, a moderator moves or visits someone), the worker serving it tells the client
`media_restart`, and the client's fresh offer goes to the room's worker.

On the worker that holds a client's WebSocket (the client's worker), a media message for a room
placed here goes to this worker's `MediaBridge`, as without Redis. For a room placed elsewhere
it is forwarded over Redis to the media worker's channel (`plenum:w:<worker>:media`) with a request
id; that worker's bridge runs the client's peer connection (it opens the meeting's replica to
know rooms and rights) and sends everything for the client (the answer first, then its offers,
refusals and active speakers) back on the client's worker's channel, in order, where it is handed
to the client's connection. ICE goes straight from the client to the media worker.

A worker that dies loses its placements: every client's worker watches the media workers of its
clients, and when one is dead tells those clients `media_restart`; their fresh `media_offer`
places the room again, on a live worker. A media worker likewise ends the sessions of a client
worker that died, and restarts its sessions of a room placed elsewhere since (it was taken for
dead during a Redis outage, say), so a room's people never stay split over two workers.
"""

import asyncio
import logging
import secrets
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import msgpack
from redis.exceptions import RedisError

from rooms import MeetingId, ParticipantId
from rooms.ids import PLENARY, RoomId
from rooms.plain import from_plain, to_plain
from server.cancelling import cancel_and_wait
from server.cluster import keys as rk
from server.cluster.hub import RedisHub
from server.cluster.messages import as_bytes
from server.meetings.fanout import Listener
from server.meetings.hub import HostedMeeting, MeetingHandle
from server.rtc.bridge import MediaBridge
from server.rtc.wire import encode_media
from server.sfu import MediaAnswer, MediaError, MediaErrorCode, MediaOffer, MediaRestart
from server.signalling.close_codes import CloseCode
from server.signalling.wire import reply_ok

log = logging.getLogger("plenum.media")

WORKER_LOST = "media_worker_lost"
MOVED = "media_moved"

# KEYS: placement. ARGV: the dead worker, its successor, retention (ms). Places the room on the
# successor unless another worker already moved it; returns the placement after.
REPLACE = """
local now = redis.call('GET', KEYS[1])
if now == false or now == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return ARGV[2]
end
return now
"""


# KEYS: a worker's load. ARGV: the change. Moves the count only while the worker publishes one
# (keeping its expiry), so a reservation never brings a dead worker's count back.
RESERVE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


def placement_key(meeting: MeetingId, room: RoomId) -> str:
    return f"{rk.PREFIX}:m:{meeting}:media:{room}"


def media_channel(worker: str) -> str:
    return f"{rk.PREFIX}:w:{worker}:media"


def load_key(worker: str) -> str:
    return f"{rk.PREFIX}:w:{worker}:media_load"


def _pack(message: dict[str, Any]) -> bytes:
    return msgpack.packb(message, use_bin_type=True)  # type: ignore[no-any-return]


@dataclass
class _Remote:
    """On the client's worker: a session served by another worker."""

    connection: Listener
    worker: str
    session: str


class _RemoteClient:
    """On the media worker: a client whose WebSocket is on another worker, as a `Listener`."""

    def __init__(
        self, placement: "MediaPlacement", worker: str, participant: ParticipantId, session: str
    ) -> None:
        self.participant = participant
        self.seen_seq = 0
        self.worker = worker
        self.session = session
        self._placement = placement

    def deliver(self, frame: bytes) -> None:
        self._placement._post(
            self.worker, {"k": "frame", "p": self.participant, "s": self.session, "f": frame}
        )

    def close(self, code: CloseCode, reason: str) -> None:
        """The meeting closes connections on their own worker, never from here."""


class MediaPlacement:
    def __init__(self, hub: RedisHub, bridge: MediaBridge) -> None:
        self.hub = hub
        self.bridge = bridge
        self.worker = hub.worker
        settings = hub.settings
        self._timeout_s = settings.media_timeout_s
        self._retention_ms = int(settings.retention_s * 1000)
        self._replace = hub.redis.register_script(REPLACE)
        self._reserve = hub.redis.register_script(RESERVE)
        # Client side: sessions served elsewhere, by participant.
        self._remote: dict[ParticipantId, _Remote] = {}
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        # Media side: clients of other workers served here, by participant.
        self._served: dict[ParticipantId, _RemoteClient] = {}
        self._outbox: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._work: set[asyncio.Task[None]] = set()
        # One room placed at a time from this worker, each seeing the loads the last one moved.
        self._placing = asyncio.Lock()
        self._load_ttl_ms = int(settings.worker_ttl_s * 2000)
        bridge.on_room = self._room_entered

    async def start(self) -> None:
        await self.hub.listen_to(media_channel(self.worker), self._on_message)
        self._tasks.append(asyncio.create_task(self._send_loop()))
        self._tasks.append(asyncio.create_task(self._watch_loop()))

    async def stop(self) -> None:
        await self.hub.stop_listening(media_channel(self.worker))
        for task in [*self._tasks, *self._work]:
            await cancel_and_wait(task)
        await self.bridge.aclose()

    # The signalling edge's side ----------------------------------------------------------------

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
        worker = await self.place(state.id, room)
        for attempt in (1, 2):
            remote = self._remote.get(participant)
            if remote is not None and (
                remote.connection is not connection or remote.worker != worker
            ):
                self._drop(participant)
                remote = None
            if worker == self.worker:
                answer = await self.bridge.offer(live, connection, offer, address)
                connection.deliver(encode_media(answer, ref))
                return
            await self.bridge.close(connection)  # a session here before the meeting moved
            if remote is None:
                remote = _Remote(connection, worker, secrets.token_hex(6))
                self._remote[participant] = remote
            request = {"k": "offer", "m": state.id, "offer": to_plain(offer), "a": address}
            reply = await self._ask(remote, participant, request, ref)
            if reply is not None:
                self._raise_if_refused(reply)
                return
            self._forget(participant, remote)
            if attempt == 1 and not await self._alive(worker):
                worker = await self._replace_dead(state.id, room, worker)
                continue
        raise MediaError(MediaErrorCode.UNAVAILABLE, "the media server did not answer: offer again")

    async def answer(
        self, connection: Listener, answer: MediaAnswer, ref: int | str | None
    ) -> None:
        remote = self._remote.get(connection.participant)
        if remote is None or remote.connection is not connection:
            await self.bridge.answer(connection, answer)
            if ref is not None:
                connection.deliver(reply_ok(ref))
            return
        reply = await self._ask(
            remote, connection.participant, {"k": "answer", "a": to_plain(answer)}, ref
        )
        if reply is None:
            raise MediaError(MediaErrorCode.UNAVAILABLE, "the media server did not answer")
        self._raise_if_refused(reply)

    async def close(self, connection: Listener) -> None:
        await self.bridge.close(connection)
        remote = self._remote.get(connection.participant)
        if remote is not None and remote.connection is connection:
            self._drop(connection.participant)

    # Placement ----------------------------------------------------------------------------------

    async def place(self, meeting: MeetingId, room: RoomId, moving_here: int = 0) -> str:
        """The worker serving the room's media; placed first if nobody (or a dead one) does.

        `moving_here`: how many of this worker's sessions are in the room already, and leave this
        worker if the room goes elsewhere.
        """
        key = placement_key(meeting, room)
        try:
            current = await self.hub.redis.get(key)
            if current is None:
                async with self._placing:
                    current = await self._place_new(key, moving_here)
            worker = as_bytes(current).decode()
            if worker != self.worker and await self.hub.dead_workers({worker}):
                worker = await self._replace_dead(meeting, room, worker)
            return worker
        except (RedisError, OSError) as error:
            raise MediaError(MediaErrorCode.UNAVAILABLE, f"redis: {error}") from error

    async def _place_new(self, key: str, moving_here: int) -> Any:
        redis = self.hub.redis
        current = await redis.get(key)
        if current is not None:
            return current  # placed while this worker waited its turn
        chosen = await self._least_loaded(leaving=moving_here)
        if await redis.set(key, chosen, px=self._retention_ms, nx=True):
            # Count the sessions where they are going now, not at the next heartbeat, so the next
            # room placed (a moment later, in a workshop round) sees them.
            # Sessions already here that stay here change nothing.
            moves = {} if chosen == self.worker and moving_here else {chosen: max(moving_here, 1)}
            if chosen != self.worker and moving_here:
                moves[self.worker] = -moving_here
            for worker, change in moves.items():
                await self._reserve(keys=[load_key(worker)], args=[change])
        return await redis.get(key)

    async def _replace_dead(self, meeting: MeetingId, room: RoomId, dead: str) -> str:
        successor = await self._least_loaded(frozenset({dead}))
        placed = await self._replace(
            keys=[placement_key(meeting, room)], args=[dead, successor, self._retention_ms]
        )
        log.info(
            "media of %s/%s moves from %s to %s", meeting, room, dead, as_bytes(placed).decode()
        )
        return as_bytes(placed).decode()

    async def _least_loaded(self, exclude: frozenset[str] = frozenset(), leaving: int = 0) -> str:
        """The live worker with the fewest media sessions, counting this worker's without the
        `leaving` ones: the sessions of the room being placed go wherever it does."""
        loads: dict[str, int] = {}
        keys = [k async for k in self.hub.redis.scan_iter(match=load_key("*"))]
        if keys:
            for key, value in zip(keys, await self.hub.redis.mget(keys), strict=True):
                worker = as_bytes(key).decode().split(":")[2]
                if value is not None:
                    loads[worker] = int(value)
        # This worker's own count if it has not published one yet.
        loads[self.worker] = loads.get(self.worker, len(self.bridge)) - leaving
        dead = await self.hub.dead_workers(set(loads) - {self.worker})
        candidates = [w for w in loads if w not in exclude and w not in dead]
        # Fewest sessions first; this worker wins a tie (no hop for its own clients).
        return min(candidates, key=lambda w: (loads[w], w != self.worker, w))

    async def _alive(self, worker: str) -> bool:
        try:
            return bool(await self.hub.redis.exists(rk.alive_key(worker)))
        except (RedisError, OSError):
            return True

    # Client side: requests and what comes back ----------------------------------------------------

    async def _ask(
        self,
        remote: _Remote,
        participant: ParticipantId,
        request: dict[str, Any],
        ref: int | str | None,
    ) -> dict[str, Any] | None:
        """Send a request to the media worker; its reply, or None if nobody answered in time."""
        rid = secrets.token_hex(8)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        message = {
            **request,
            "r": rid,
            "w": self.worker,
            "p": participant,
            "s": remote.session,
            "ref": ref,
        }
        try:
            if await self.hub.redis.publish(media_channel(remote.worker), _pack(message)) == 0:
                return None
            return await asyncio.wait_for(asyncio.shield(future), self._timeout_s)
        except (TimeoutError, RedisError, OSError):
            return None
        finally:
            self._pending.pop(rid, None)

    @staticmethod
    def _raise_if_refused(reply: dict[str, Any]) -> None:
        code = reply.get("code")
        if code is not None:
            raise MediaError(MediaErrorCode(code), str(reply.get("detail", "")))

    def _forget(self, participant: ParticipantId, remote: _Remote) -> None:
        if self._remote.get(participant) is remote:
            del self._remote[participant]

    def _drop(self, participant: ParticipantId) -> None:
        """End a session served elsewhere: forget it here and have its media worker close it."""
        remote = self._remote.pop(participant)
        self._post(
            remote.worker, {"k": "close", "w": self.worker, "p": participant, "s": remote.session}
        )

    def _on_message(self, data: bytes) -> None:
        # Called by the hub's reader of every channel: nothing here may stop it.
        try:
            self._take(msgpack.unpackb(data, raw=False))
        except Exception:
            log.exception("a media message over redis could not be taken")

    def _take(self, message: dict[str, Any]) -> None:
        kind = message.get("k")
        if kind in ("frame", "reply"):
            # Handed over at once, in the order they came: the answer before the next offer.
            frame = message.get("f")
            remote = self._remote.get(message["p"])
            if frame is not None and remote is not None and remote.session == message["s"]:
                remote.connection.deliver(frame)
            if kind == "reply":
                future = self._pending.get(message["r"])
                if future is not None and not future.done():
                    future.set_result(message)
        elif kind in ("offer", "answer", "close"):
            self._spawn(self._serve(message))

    # Media side ---------------------------------------------------------------------------------

    async def _serve(self, message: dict[str, Any]) -> None:
        kind = message["k"]
        participant = ParticipantId(message["p"])
        client = self._served.get(participant)
        if client is not None and client.session != message["s"]:
            if kind != "offer":
                return  # from an older session, already replaced
            client = None
        if kind == "close":
            if client is not None:
                del self._served[participant]
                await self.bridge.close(client)
            return
        reply: dict[str, Any] = {
            "k": "reply",
            "r": message["r"],
            "p": participant,
            "s": message["s"],
        }
        ref = message.get("ref")
        try:
            if kind == "offer":
                live = await self.hub.open(MeetingId(message["m"]))
                if not isinstance(live, HostedMeeting):
                    raise MediaError(MediaErrorCode.UNAVAILABLE, "this meeting is not here")
                if client is None:
                    client = _RemoteClient(self, message["w"], participant, message["s"])
                    self._served[participant] = client
                offer = from_plain(MediaOffer, message["offer"])
                # The client's address, as its own worker saw it ("" from a worker before it).
                address = str(message.get("a", ""))
                answer = await self.bridge.offer(live, client, offer, address)
                reply["f"] = encode_media(answer, ref)
            else:
                if client is None:
                    raise MediaError(
                        MediaErrorCode.NOT_CONNECTED, "no media session: send an offer first"
                    )
                await self.bridge.answer(client, from_plain(MediaAnswer, message["a"]))
                if ref is not None:
                    reply["f"] = reply_ok(ref)
        except MediaError as error:
            reply.update(code=str(error.code), detail=error.detail)
        except Exception as error:
            log.exception("media %s of %s failed", kind, participant)
            reply.update(code=str(MediaErrorCode.UNAVAILABLE), detail=f"media worker: {error}")
        # No await since the answer: it goes out before anything the engine sends after it.
        self._post(message["w"], reply)

    def _post(self, worker: str, message: dict[str, Any]) -> None:
        self._outbox.put_nowait((media_channel(worker), _pack(message)))

    async def _send_loop(self) -> None:
        """One sender, so what goes to a worker arrives in the order it was posted."""
        while True:
            channel, data = await self._outbox.get()
            try:
                await self.hub.redis.publish(channel, data)
            except (RedisError, OSError) as error:
                log.warning("media message to %s lost: %s", channel, error)

    # Sessions moving between rooms ------------------------------------------------------------

    def _room_entered(
        self, meeting: MeetingId, participant: ParticipantId, listener: Listener, room: RoomId
    ) -> None:
        # Called by the bridge as it follows the meeting: nothing here may stop it.
        self._spawn(self._follow_room(meeting, listener, room))

    async def _follow_room(self, meeting: MeetingId, listener: Listener, room: RoomId) -> None:
        """A session here entered a room: it stays if the room is served here, else it restarts
        where the room is (placing the room first if nobody serves it yet)."""
        try:
            worker = await self.place(meeting, room, self.bridge.in_room(meeting, room))
            if worker != self.worker and self.bridge.room_of(listener) == room:
                log.info("%s moves to %s/%s, served by %s",
                         listener.participant, meeting, room, worker)  # fmt: skip
                await self._restart(listener)
        except MediaError as error:
            log.warning("media of %s/%s: %s", meeting, room, error.detail)
        except Exception:
            log.exception("media of %s/%s could not follow a move", meeting, room)

    async def _restart(self, listener: Listener) -> None:
        """Have the client start its media again: its new offer goes where its room is now."""
        if self.bridge.room_of(listener) is None:
            return  # already restarted (by the move and the periodic check both, say), or gone
        listener.deliver(encode_media(MediaRestart(MOVED)))
        await self.bridge.close(listener)
        if self._served.get(listener.participant) is listener:
            del self._served[listener.participant]

    # Watching the other side ---------------------------------------------------------------------

    async def _watch_loop(self) -> None:
        settings = self.hub.settings
        while True:
            try:
                # Not while this worker places a room: its count then moves on purpose.
                async with self._placing:
                    await self.hub.redis.set(
                        load_key(self.worker), len(self.bridge), px=self._load_ttl_ms
                    )
                await self._check_peers()
                await self._check_placements()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                log.warning("media placement: %s", error)
            except Exception:
                log.exception("media placement check failed")
            await asyncio.sleep(settings.worker_ttl_s / 3)

    async def _check_peers(self) -> None:
        workers = {r.worker for r in self._remote.values()} | {
            c.worker for c in self._served.values()
        }
        if not workers:
            return
        dead = await self.hub.dead_workers(workers)
        for participant, remote in list(self._remote.items()):
            if remote.worker in dead:
                # Its media worker is gone: the client starts again, and lands on a live one.
                del self._remote[participant]
                remote.connection.deliver(encode_media(MediaRestart(WORKER_LOST)))
        for participant, client in list(self._served.items()):
            if client.worker in dead:
                del self._served[participant]
                await self.bridge.close(client)

    async def _check_placements(self) -> None:
        """Sessions here in a room placed elsewhere since (this worker was taken for dead during a
        Redis outage, say) start again where the room is now, so its people never end up split
        over two workers."""
        by_room: dict[tuple[MeetingId, RoomId], list[Listener]] = {}
        for meeting, room, listener in self.bridge.sessions():
            by_room.setdefault((meeting, room), []).append(listener)
        for (meeting, room), listeners in by_room.items():
            placed = await self.hub.redis.get(placement_key(meeting, room))
            if placed is None or as_bytes(placed).decode() == self.worker:
                continue
            log.info("media of %s/%s is placed elsewhere now: its sessions here restart",
                     meeting, room)  # fmt: skip
            for listener in listeners:
                await self._restart(listener)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._work.add(task)
        task.add_done_callback(self._work.discard)
