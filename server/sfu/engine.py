"""The forwarding unit: who publishes, who receives whom, and the renegotiations that follow.

The rule is one line: a participant receives every allowed, live track of every other participant
in the same room. The plenary and the workshops differ only in who holds the right to publish,
which the meeting's core decides and hands over with `allow_publish`.

Every `speakers.WINDOW_S` the engine decides each room's active speaker from the audio levels of
the tracks it forwards (`server.sfu.speakers`) and tells the room's members when it changes.

Messages to clients leave through the `send` callback, in order. `connect` and `answer` are the
two ways in; the answer `connect` returns must be sent before the caller awaits anything, since the
server's next offer to the same client may follow on the next turn of the event loop.

A peer connection that is not connected (ICE and DTLS) `ice_connect_timeout_s` after its first
offer, or whose connection fails, is closed by the engine itself, which then tells the `ended`
callback: an offer whose ICE can never complete (trickle with no end of candidates, candidates
nobody answers on) holds a slot of the worker only that long.
"""

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from rooms.ids import PLENARY, ParticipantId, RoomId
from server.sfu import aiortc_private
from server.sfu.errors import MediaError, MediaErrorCode
from server.sfu.forwarding import Feed
from server.sfu.limits import limits_for
from server.sfu.messages import (
    ActiveSpeaker,
    MediaAnswer,
    MediaLimits,
    MediaOffer,
    MediaRefused,
    MediaView,
    Refusal,
    ServerMessage,
    Source,
)
from server.sfu.offer_check import checked_offer
from server.sfu.peer import Peer, ice_ufrag, parse_sdp
from server.sfu.settings import MediaSettings
from server.sfu.speakers import WINDOW_S, SpeakerDetector
from server.sfu.voices import Voice, audible

logger = logging.getLogger(__name__)

Outbox = Callable[[ParticipantId, ServerMessage], None]
# The engine ended a participant's session itself; the reason is a `media_restart` reason.
Ended = Callable[[ParticipantId, str], None]

# How often each subscriber's link is measured and what it is sent fitted to it.
FIT_EVERY_S = 1.0

ICE_TIMEOUT = "media_ice_timeout"
ICE_FAILED = "media_ice_failed"


class ForwardingUnit:
    def __init__(
        self,
        settings: MediaSettings,
        send: Outbox,
        speakers: SpeakerDetector | None = None,
        ended: Ended | None = None,
    ) -> None:
        aiortc_private.verify()
        if settings.simulcast:
            aiortc_private.negotiate_stream_ids()
        if settings.ice_host_addresses:
            aiortc_private.offer_host_addresses(settings.ice_host_addresses)
        self.settings = settings
        self._send = send
        self._ended = ended
        self._peers: dict[ParticipantId, Peer] = {}
        self._rooms: dict[ParticipantId, RoomId] = {}
        self._rights: dict[ParticipantId, frozenset[Source]] = {}
        self._kicked: set[Peer] = set()
        # Feeds whose publisher another worker receives, piped here for this worker's members.
        self._remote_feeds: dict[RoomId, set[Feed]] = defaultdict(set)
        # Each spread room's media sessions on its other workers, as placement last counted them.
        self._elsewhere: dict[RoomId, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._speakers = speakers or SpeakerDetector()
        self._following_speakers = False
        # Told after every change of who is in which room and what they forward: a room spread
        # over several workers pipes its local feeds to the others (`server.rtc.placement`).
        self.on_change: Callable[[], None] | None = None

    # Membership and rights: the meeting's decisions, handed over by the hub.

    def set_room(self, participant: ParticipantId, room: RoomId) -> None:
        """Where the participant is; what it receives follows within one renegotiation."""
        moved = self._rooms.get(participant) != room
        self._rooms[participant] = room
        self._recompute()
        if moved and participant in self._peers:
            self._tell_speaker(participant)

    def allow_publish(self, participant: ParticipantId, sources: Iterable[Source]) -> None:
        """The sources the participant may publish from now on; tracks beyond them stop."""
        self._rights[participant] = frozenset(sources)
        peer = self._peers.get(participant)
        if peer is None:
            return
        revoked: list[Refusal] = []
        for feed in peer.feeds.values():
            if not feed.sending:
                continue
            refusal = self._judge(feed)
            if refusal is not None and feed.allowed:
                revoked.append(refusal)
            feed.allowed = refusal is None
            peer.set_receiving(feed, feed.allowed)
        if revoked:
            self._send(participant, MediaRefused(tuple(revoked)))
        self._recompute()
        self._kick(peer)

    def forget(self, participant: ParticipantId) -> None:
        """The participant left the meeting: drop its room and rights (close its media first)."""
        self._rooms.pop(participant, None)
        self._rights.pop(participant, None)

    def add_remote_feed(self, feed: Feed, room: RoomId) -> None:
        """A feed of a publisher in `room` that another worker receives and pipes here: this
        worker's members of the room receive it as they would a local one."""
        feed.on_level = self._hear
        feed.on_voice = self._on_voice
        self._remote_feeds[room].add(feed)
        self._recompute()

    def remove_remote_feed(self, feed: Feed) -> None:
        for feeds in self._remote_feeds.values():
            feeds.discard(feed)
        self._recompute()

    def count_elsewhere(self, room: RoomId, sessions: int) -> None:
        """How many media sessions of `room` the room's other workers serve (0: none, or the room
        is not spread): a spread room's size is what asks its members for less (`limits_for`)."""
        if sessions < 0:
            raise ValueError(f"{room}: {sessions} sessions elsewhere, at least 0")
        if self._elsewhere.get(room, 0) == sessions:
            return
        if sessions:
            self._elsewhere[room] = sessions
        else:
            del self._elsewhere[room]
        self._recompute()

    def room_of(self, participant: ParticipantId) -> RoomId:
        return self._rooms.get(participant, PLENARY)

    # Signalling.

    async def connect(self, participant: ParticipantId, offer: MediaOffer) -> MediaAnswer:
        """Apply a client's offer (its first, or a later one) and return the server's answer."""
        checked_offer(offer.sdp)  # before a session takes a place on this worker
        peer = self._peers.get(participant)
        if peer is not None and peer.remote_ufrag not in (None, ice_ufrag(parse_sdp(offer.sdp))):
            # An offer from a new peer connection on the client's side (its tab started its
            # media again): one session per participant, so the new one replaces the old.
            await self.close(participant)
            peer = None
        new = peer is None
        if peer is None:
            if len(self._peers) >= self.settings.max_peers_per_worker:
                raise MediaError(MediaErrorCode.WORKER_FULL, "this worker serves no more media")
            peer = Peer(
                participant,
                self.settings,
                on_live=lambda _: self._recompute(),
                on_level=self._hear,
                on_voice=self._on_voice,
            )
            self._peers[participant] = peer
            self._watch(peer)
            self._follow_speakers()
            peer.deadline = asyncio.get_running_loop().call_later(
                self.settings.ice_connect_timeout_s, self._connect_overdue, peer
            )
        try:
            async with peer.lock:
                if peer.closed:
                    raise MediaError(MediaErrorCode.NOT_CONNECTED, "the media session was closed")
                answer = await peer.accept_offer(offer, self._judge)
        except MediaError:
            if new:
                await self.close(participant)
            raise
        self._recompute()
        if new:
            # After the answer, which the caller sends before it next awaits.
            asyncio.get_running_loop().call_soon(self._tell_speaker, participant)
        return answer

    async def answer(self, participant: ParticipantId, answer: MediaAnswer) -> None:
        """Apply the client's answer to the server's last offer."""
        peer = self._peer(participant)
        async with peer.lock:
            await peer.accept_answer(answer)
        self._kick(peer)

    def set_view(self, participant: ParticipantId, view: MediaView) -> None:
        """The videos the client shows: only those are sent to it from now on, until its next
        view; a video shown again starts at a keyframe. Audio is not the view's business."""
        peer = self._peer(participant)
        peer.view = view
        peer.fit()

    async def close(self, participant: ParticipantId) -> None:
        """End the participant's media session; the others stop receiving its tracks."""
        peer = self._peers.pop(participant, None)
        if peer is None:
            return
        async with peer.lock:
            await peer.close()
        self._recompute()

    async def aclose(self) -> None:
        for participant in list(self._peers):
            await self.close(participant)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # Looking in, for the edge's metrics and for tests.

    def feeds(self, publisher: ParticipantId) -> list[Feed]:
        peer = self._peers.get(publisher)
        return list(peer.feeds.values()) if peer is not None else []

    def receiving(self, subscriber: ParticipantId) -> list[Feed]:
        peer = self._peers.get(subscriber)
        if peer is None:
            return []
        return [s.feed for s in peer.slots if s.feed is not None]

    # The rules.

    def _judge(self, feed: Feed) -> Refusal | None:
        def refuse(code: MediaErrorCode, detail: str) -> Refusal:
            return Refusal(feed.mid, feed.source, code, detail)

        if feed.source.kind != feed.kind:
            return refuse(MediaErrorCode.WRONG_KIND, f"a {feed.source} track must be {feed.kind}")
        if feed.source not in self._rights.get(feed.publisher, frozenset()):
            return refuse(MediaErrorCode.NOT_ALLOWED, f"you may not publish your {feed.source}")
        room = self.room_of(feed.publisher)
        publishers = {
            p.participant
            for p in self._peers.values()
            if self.room_of(p.participant) == room and any(f.allowed for f in p.feeds.values())
        }
        # A spread room's publishers on its other workers count too, as far as their feeds
        # reached this worker (two workers admitting at once can still both say yes).
        publishers |= {f.publisher for f in self._remote_feeds.get(room, ()) if f.allowed}
        if (
            feed.publisher not in publishers
            and len(publishers) >= self.settings.max_publishers_per_room
        ):
            return refuse(MediaErrorCode.TOO_MANY_PUBLISHERS, "this room has all its publishers")
        return None

    def _recompute(self) -> None:
        by_room: defaultdict[RoomId, list[Peer]] = defaultdict(list)
        for peer in self._peers.values():
            by_room[self.room_of(peer.participant)].append(peer)
        for room, members in by_room.items():
            feeds = [f for p in members for f in p.feeds.values() if f.allowed and f.live]
            feeds += (f for f in self._remote_feeds.get(room, ()) if f.allowed and f.live)
            limits = limits_for(
                room,
                len(members) + self._elsewhere.get(room, 0),
                self.settings.gallery_from,
                self.settings.gallery_camera_bps,
            )
            for peer in members:
                peer.want(f for f in feeds if f.publisher != peer.participant)
                self._kick(peer)
                if peer.limits != limits:
                    peer.limits = limits
                    # After the answer `connect` is about to return, which goes out first.
                    asyncio.get_running_loop().call_soon(self._tell_limits, peer)
        self._choose_voices(by_room)
        if self.on_change is not None:
            self.on_change()

    def _tell_limits(self, peer: Peer) -> None:
        if self._peers.get(peer.participant) is peer:
            self._send(peer.participant, MediaLimits(peer.limits))

    # The active speaker.

    def _hear(self, feed: Feed, level: int) -> None:
        self._speakers.hear(feed.publisher, level)

    def _tell_speaker(self, participant: ParticipantId) -> None:
        """A member new to a room learns who speaks there, if anyone does."""
        room = self.room_of(participant)
        speaker = self._speakers.speaker(room)
        peer = self._peers.get(participant)
        if peer is not None:
            peer.speaker = speaker
        if speaker is not None and peer is not None:
            self._send(participant, ActiveSpeaker(room, speaker))

    def _follow_speakers(self) -> None:
        if not self._following_speakers:
            self._following_speakers = True
            self._spawn(self._speaker_windows())

    async def _speaker_windows(self) -> None:
        last_fit = time.monotonic()
        while True:
            await asyncio.sleep(WINDOW_S)
            try:
                self._announce_speakers()
                self._choose_voices()
                now = time.monotonic()
                if now - last_fit >= FIT_EVERY_S:
                    last_fit = now
                    self._fit_links(now)
            except Exception:
                logger.exception("could not announce the active speakers")

    def _fit_links(self, now: float) -> None:
        """Measure every feed and every subscriber's link, and fit what each is sent to it."""
        for peer in self._peers.values():
            for feed in peer.feeds.values():
                feed.measure(now)
        for feeds in self._remote_feeds.values():
            for feed in feeds:
                feed.measure(now)
        for peer in self._peers.values():
            peer.measure_link(now)
            peer.fit()

    def _announce_speakers(self) -> None:
        rooms = {p: self.room_of(p) for p in self._peers}
        # Publishers received by other workers speak in their rooms here too.
        heard = {f.publisher: room for room, fs in self._remote_feeds.items() for f in fs}
        for room, speaker in self._speakers.decide({**heard, **rooms}).items():
            for participant, where in rooms.items():
                if where == room:
                    peer = self._peers[participant]
                    peer.speaker = speaker
                    peer.fit()
                    self._send(participant, ActiveSpeaker(room, speaker))

    # The voices each room forwards (`server.sfu.voices`).

    def _voices(self, room: RoomId) -> list[Feed]:
        feeds = [
            f
            for p in self._peers.values()
            if self.room_of(p.participant) == room
            for f in p.feeds.values()
            if f.kind == "audio" and f.allowed
        ]
        return feeds + [f for f in self._remote_feeds.get(room, ()) if f.kind == "audio"]

    def _choose_voices(self, rooms: Iterable[RoomId] | None = None) -> None:
        if rooms is None:
            rooms = {self.room_of(p) for p in self._peers} | set(self._remote_feeds)
        now = time.monotonic()
        for room in rooms:
            feeds = {(f.publisher, f.mid): f for f in self._voices(room)}
            voices = {key: Voice(f.spoke_at, f.loudness) for key, f in feeds.items()}
            chosen = audible(voices, self.settings.loudest_voices, now)
            for key, feed in feeds.items():
                feed.set_audible(key in chosen)

    def _on_voice(self, feed: Feed) -> None:
        """A voice the room does not forward started speaking: it may open before the window."""
        self._choose_voices((self._room_of_feed(feed),))

    def _room_of_feed(self, feed: Feed) -> RoomId:
        for room, feeds in self._remote_feeds.items():
            if feed in feeds:
                return room
        return self.room_of(feed.publisher)

    # Renegotiation: at most one pending per peer; an answer re-checks what changed meanwhile.

    def _kick(self, peer: Peer) -> None:
        if peer in self._kicked or peer.closed or not peer.needs_offer:
            return
        self._kicked.add(peer)
        self._spawn(self._renegotiate(peer))

    async def _renegotiate(self, peer: Peer) -> None:
        async with peer.lock:
            self._kicked.discard(peer)
            if peer.closed or peer.negotiating:
                return
            offer = await peer.make_offer()
            if offer is not None:
                self._send(peer.participant, offer)

    def _watch(self, peer: Peer) -> None:
        @peer.pc.on("connectionstatechange")
        def on_state() -> None:
            if peer.pc.connectionState == "failed" and self._peers.get(peer.participant) is peer:
                logger.info("media of %s failed", peer.participant)
                self._spawn(self._end(peer, ICE_FAILED))

    def _connect_overdue(self, peer: Peer) -> None:
        if self._peers.get(peer.participant) is peer and peer.pc.connectionState != "connected":
            logger.info(
                "media of %s not connected after %g s: ended",
                peer.participant,
                self.settings.ice_connect_timeout_s,
            )
            self._spawn(self._end(peer, ICE_TIMEOUT))

    async def _end(self, peer: Peer, reason: str) -> None:
        if self._peers.get(peer.participant) is not peer:
            return  # closed or replaced meanwhile
        await self.close(peer.participant)
        if self._ended is not None:
            self._ended(peer.participant, reason)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("a media task failed", exc_info=task.exception())

    def _peer(self, participant: ParticipantId) -> Peer:
        peer = self._peers.get(participant)
        if peer is None:
            raise MediaError(MediaErrorCode.NOT_CONNECTED, "no media session: send an offer first")
        return peer
