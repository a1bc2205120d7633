"""On the client's worker: the media sessions of its clients that another worker serves.

A request (the client's offer, its answer) goes to the media worker with an id, and waits for
the reply; everything the media worker sends for the client comes back on this worker's media
channel and is handed to the client's connection in the order it came, the frame a reply
carries before the reply's asker hears of it.
"""

import secrets
from dataclasses import dataclass

from rooms import MeetingId, ParticipantId
from server.cluster.keys import media_channel
from server.cluster.presence import WorkerPresence
from server.cluster.requests import Requests
from server.meetings.fanout import Listener
from server.rtc.placement.messages import (
    SessionAnswer,
    SessionClose,
    SessionOffer,
    SessionReply,
    SessionView,
    ToClientWorker,
    encode,
)
from server.rtc.placement.outbox import Outbox
from server.rtc.wire import encode_media
from server.sfu import MediaAnswer, MediaError, MediaOffer, MediaRestart, MediaView

WORKER_LOST = "media_worker_lost"


@dataclass
class RemoteSession:
    """A session of `connection`'s client, served by `worker`."""

    connection: Listener
    worker: str
    session: str


class RemoteSessions:
    def __init__(self, presence: WorkerPresence, outbox: Outbox) -> None:
        self.worker = presence.worker
        self._outbox = outbox
        self._sessions: dict[ParticipantId, RemoteSession] = {}
        self._requests = Requests[SessionReply](presence, presence.settings.media_timeout_s)

    def of(self, connection: Listener) -> RemoteSession | None:
        """The session served elsewhere of this connection's client, if it is this connection's."""
        remote = self._sessions.get(connection.participant)
        return remote if remote is not None and remote.connection is connection else None

    def get(self, participant: ParticipantId) -> RemoteSession | None:
        return self._sessions.get(participant)

    def open(self, connection: Listener, worker: str) -> RemoteSession:
        remote = RemoteSession(connection, worker, secrets.token_hex(6))
        self._sessions[connection.participant] = remote
        return remote

    def workers(self) -> set[str]:
        return {remote.worker for remote in self._sessions.values()}

    # Requests -----------------------------------------------------------------------------------

    async def offer(
        self,
        remote: RemoteSession,
        meeting: MeetingId,
        offer: MediaOffer,
        address: str,
        ref: int | str | None,
    ) -> SessionReply | None:
        """The media worker's reply to the client's offer; None if nobody answered in time."""
        request = secrets.token_hex(8)
        participant = remote.connection.participant
        message = SessionOffer(
            request, self.worker, participant, remote.session, meeting, offer, address, ref
        )
        return await self._requests.ask(media_channel(remote.worker), request, encode(message))

    async def within(
        self, remote: RemoteSession, message: MediaAnswer | MediaView, ref: int | str | None
    ) -> SessionReply | None:
        """The media worker's reply to a message within the session (the client's answer to the
        server's offer, or its view); None if nobody answered in time."""
        request = secrets.token_hex(8)
        key = (request, self.worker, remote.connection.participant, remote.session)
        sent = (
            SessionView(*key, message, ref)
            if isinstance(message, MediaView)
            else SessionAnswer(*key, message, ref)
        )
        return await self._requests.ask(media_channel(remote.worker), request, encode(sent))

    @staticmethod
    def raise_if_refused(reply: SessionReply) -> None:
        if reply.code is not None:
            raise MediaError(reply.code, reply.detail)

    def take(self, message: ToClientWorker) -> None:
        """A frame or a reply from a media worker, in the order it came."""
        remote = self._sessions.get(message.participant)
        if message.frame is not None and remote is not None and remote.session == message.session:
            # Handed over at once, in the order they came: the answer before the next offer.
            remote.connection.deliver(message.frame)
        if isinstance(message, SessionReply):
            self._requests.answered(message.request, message)

    # Ending sessions ----------------------------------------------------------------------------

    def forget(self, remote: RemoteSession) -> None:
        """Forget a session its media worker never answered for."""
        participant = remote.connection.participant
        if self._sessions.get(participant) is remote:
            del self._sessions[participant]

    def drop(self, participant: ParticipantId) -> None:
        """End a session served elsewhere: forget it here and have its media worker close it."""
        remote = self._sessions.pop(participant)
        self._outbox.post(remote.worker, SessionClose(self.worker, participant, remote.session))

    def lose(self, dead: set[str]) -> None:
        """The media workers that died: their clients here start their media again, and land on
        a live one."""
        for participant, remote in list(self._sessions.items()):
            if remote.worker in dead:
                del self._sessions[participant]
                remote.connection.deliver(encode_media(MediaRestart(WORKER_LOST)))
