"""Keeps this worker's forwarding unit in step with its meetings: who is where, who may publish.

The meeting's core decides rooms, roles and the floor, and from them who may publish what
(`rooms.publishing`); the engine forwards media by room and by those rights. After every event
this worker applies to a meeting, the bridge reads the state again for the participants whose
media this worker serves and hands the engine what changed.

A media session lives as long as the WebSocket that signalled it: closing the connection closes
the peer, and a client that resumes on a new connection sends a fresh `media_offer`. A participant
has one session at most (its new connection's offer replaces the old one's), a client address at
most `max_peers_per_address` on this worker, and a session the engine ends itself (its ICE did
not connect in time, or failed) is told `media_restart`.

Whoever places rooms on workers (`server.rtc.placement`, with Redis) hears through `on_room`
of each session that lands in a room, when it starts and whenever it moves.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from rooms import MeetingId, ParticipantId, Stamped
from rooms.ids import PLENARY, RoomId
from rooms.publishing import NOTHING, Source, publish_rights
from server.meetings.fanout import Listener
from server.meetings.hub import HostedMeeting, MeetingHandle
from server.rtc.wire import encode_media
from server.sfu import (
    ActiveSpeaker,
    ForwardingUnit,
    MediaAnswer,
    MediaError,
    MediaErrorCode,
    MediaOffer,
    MediaRestart,
    MediaSettings,
    MediaView,
    ServerMessage,
)

log = logging.getLogger("plenum.media")

# A session's meeting, its participant, its connection, and the meeting's room it is now in.
RoomWatcher = Callable[[MeetingId, ParticipantId, Listener, RoomId], None]


def media_room(meeting: MeetingId, room: RoomId) -> RoomId:
    """The engine's name for a meeting's room: every meeting has its own plenary."""
    return RoomId(f"{meeting}/{room}")


def meeting_room(room: RoomId) -> RoomId:
    """The meeting's name for an engine's room (room ids never hold a slash)."""
    return RoomId(room.rpartition("/")[2])


@dataclass
class _Session:
    listener: Listener
    hosted: HostedMeeting
    # The client's address, as its connection came in.
    address: str
    room: RoomId | None = None
    rights: frozenset[Source] = NOTHING


@dataclass
class _Watch:
    observer: Callable[[Stamped], None]
    members: set[ParticipantId] = field(default_factory=set)


class MediaBridge:
    def __init__(self, settings: MediaSettings) -> None:
        self.settings = settings
        self.engine = ForwardingUnit(settings, self._send, ended=self._ended)
        self._sessions: dict[ParticipantId, _Session] = {}
        self._watches: dict[MeetingId, _Watch] = {}
        self.on_room: RoomWatcher | None = None

    def __len__(self) -> int:
        """The media sessions this worker serves (its load, for placement)."""
        return len(self._sessions)

    def sessions(self) -> list[tuple[MeetingId, RoomId, Listener]]:
        """Every media session this worker serves: meeting, room, the client's connection."""
        return [
            (s.hosted.meeting.state.id, meeting_room(s.room or PLENARY), s.listener)
            for s in self._sessions.values()
        ]

    def in_room(self, meeting: MeetingId, room: RoomId) -> int:
        """How many of this worker's media sessions are in the meeting's room."""
        return sum(1 for m, r, _ in self.sessions() if m == meeting and r == room)

    def room_of(self, listener: Listener) -> RoomId | None:
        """The meeting's room of the session this connection signalled; None if it has none."""
        session = self._sessions.get(listener.participant)
        if session is None or session.listener is not listener or session.room is None:
            return None
        return meeting_room(session.room)

    async def offer(
        self, live: MeetingHandle, listener: Listener, offer: MediaOffer, address: str
    ) -> MediaAnswer:
        """The client's offer, from `address`; send the answer before awaiting anything (see
        `server.sfu`)."""
        if not isinstance(live, HostedMeeting):
            raise TypeError(f"media needs a hosted meeting, got {type(live).__name__}")
        participant = listener.participant
        session = self._sessions.get(participant)
        if session is not None and session.listener is not listener:
            # The participant came back on a new connection: its media starts afresh.
            await self._end(participant)
            session = None
        new = session is None
        if session is None:
            self._check_address(address)
            session = _Session(listener, live, address)
            self._sessions[participant] = session
            self._watch(live).members.add(participant)
        self._sync(participant, session)
        try:
            return await self.engine.connect(participant, offer)
        except MediaError:
            # A first offer refused leaves no session behind to count against the address.
            if new and self._sessions.get(participant) is session:
                await self._end(participant)
            raise

    def _check_address(self, address: str) -> None:
        limit = self.settings.max_peers_per_address
        if sum(1 for s in self._sessions.values() if s.address == address) >= limit:
            raise MediaError(
                MediaErrorCode.ADDRESS_FULL,
                f"this server already carries {limit} media sessions from your address",
            )

    async def answer(self, listener: Listener, answer: MediaAnswer) -> None:
        session = self._sessions.get(listener.participant)
        if session is None or session.listener is not listener:
            raise MediaError(MediaErrorCode.NOT_CONNECTED, "no media session: send an offer first")
        await self.engine.answer(listener.participant, answer)

    def view(self, listener: Listener, view: MediaView) -> None:
        session = self._sessions.get(listener.participant)
        if session is None or session.listener is not listener:
            raise MediaError(MediaErrorCode.NOT_CONNECTED, "no media session: send an offer first")
        self.engine.set_view(listener.participant, view)

    async def close(self, listener: Listener) -> None:
        """The connection closed: end its media, unless a newer connection already took over."""
        session = self._sessions.get(listener.participant)
        if session is not None and session.listener is listener:
            await self._end(listener.participant)

    async def aclose(self) -> None:
        for participant in list(self._sessions):
            await self._end(participant)
        await self.engine.aclose()

    async def _end(self, participant: ParticipantId) -> None:
        self._unwatch(participant)
        await self.engine.close(participant)
        self.engine.forget(participant)

    def _ended(self, participant: ParticipantId, reason: str) -> None:
        """The engine closed the participant's peer itself: the client starts its media again."""
        session = self._sessions.get(participant)
        if session is None:
            return
        self._unwatch(participant)
        self.engine.forget(participant)
        session.listener.deliver(encode_media(MediaRestart(reason)))

    def _unwatch(self, participant: ParticipantId) -> _Session:
        session = self._sessions.pop(participant)
        meeting = session.hosted.meeting.state.id
        watch = self._watches[meeting]
        watch.members.discard(participant)
        if not watch.members:
            session.hosted.observers.remove(watch.observer)
            del self._watches[meeting]
        return session

    def _watch(self, hosted: HostedMeeting) -> _Watch:
        meeting = hosted.meeting.state.id
        watch = self._watches.get(meeting)
        if watch is None:
            watch = self._watches[meeting] = _Watch(lambda _: self._follow(meeting))
            hosted.observers.append(watch.observer)
        return watch

    def _follow(self, meeting: MeetingId) -> None:
        # Called from the hub as it passes events on: a failure here must not stop the meeting.
        for participant in list(self._watches[meeting].members):
            try:
                self._sync(participant, self._sessions[participant])
            except Exception:
                log.exception("could not bring the media of %s in step", participant)

    def _sync(self, participant: ParticipantId, session: _Session) -> None:
        state = session.hosted.meeting.state
        person = state.participants.get(participant)
        room = media_room(state.id, person.room if person is not None else PLENARY)
        rights = publish_rights(state, participant)
        # Rights taken away go first and rights given go last, so no track is ever forwarded
        # into a room where its publisher may not speak.
        if session.rights - rights:
            self.engine.allow_publish(participant, session.rights & rights)
        moved = room != session.room
        if moved:
            self.engine.set_room(participant, room)
        if rights != session.rights or session.room is None:
            self.engine.allow_publish(participant, rights)
        session.room, session.rights = room, rights
        if moved and self.on_room is not None:
            self.on_room(state.id, participant, session.listener, meeting_room(room))

    def _send(self, participant: ParticipantId, message: ServerMessage) -> None:
        session = self._sessions.get(participant)
        if session is not None:
            if isinstance(message, ActiveSpeaker):
                message = replace(message, room=meeting_room(message.room))
            session.listener.deliver(encode_media(message))
