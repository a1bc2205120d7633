"""On the media worker: the sessions it serves for clients whose WebSocket is on another worker.

The bridge runs such a client's peer connection as it runs a local one, through a `RemoteClient`
that stands for the connection: what the engine sends the client goes back to the client's
worker, in order, and the reply to each request goes out before anything the engine sends after
it.
"""

import logging
from collections.abc import Awaitable, Callable

from rooms import ParticipantId
from server.meetings.fanout import Listener
from server.meetings.hub import HostedMeeting, Hub
from server.protocol.close_codes import CloseCode
from server.protocol.wire import reply_ok
from server.rtc.bridge import MediaBridge
from server.rtc.placement.messages import (
    SessionClose,
    SessionFrame,
    SessionOffer,
    SessionReply,
    SessionView,
    ToMediaWorker,
)
from server.rtc.placement.outbox import Outbox
from server.rtc.wire import encode_media
from server.sfu import MediaError, MediaErrorCode

log = logging.getLogger("plenum.media")


class RemoteClient:
    """A client whose WebSocket is on another worker, as a `Listener`."""

    def __init__(
        self, outbox: Outbox, worker: str, participant: ParticipantId, session: str
    ) -> None:
        self.participant = participant
        self.seen_seq = 0
        self.worker = worker
        self.session = session
        self._outbox = outbox

    def deliver(self, frame: bytes) -> None:
        self._outbox.post(self.worker, SessionFrame(self.participant, self.session, frame))

    def close(self, code: CloseCode, reason: str) -> None:
        """The meeting closes connections on their own worker, never from here."""


class ServedClients:
    def __init__(
        self,
        hub: Hub,
        bridge: MediaBridge,
        outbox: Outbox,
        spawn: Callable[[Awaitable[None]], None],
    ) -> None:
        self._hub = hub
        self._bridge = bridge
        self._outbox = outbox
        self._spawn = spawn
        self._clients: dict[ParticipantId, RemoteClient] = {}

    def workers(self) -> set[str]:
        return {client.worker for client in self._clients.values()}

    def take(self, message: ToMediaWorker) -> None:
        """A request or a session's end from a client's worker; served in the background."""
        self._spawn(self._serve(message))

    def forget(self, listener: Listener) -> None:
        """A session that ended here (its client starts again elsewhere)."""
        if self._clients.get(listener.participant) is listener:
            del self._clients[listener.participant]

    async def lose(self, dead: set[str]) -> None:
        """The client workers that died: end the sessions of their clients."""
        for participant, client in list(self._clients.items()):
            if client.worker in dead:
                del self._clients[participant]
                await self._bridge.close(client)

    async def _serve(self, message: ToMediaWorker) -> None:
        participant = message.participant
        client = self._clients.get(participant)
        if client is not None and client.session != message.session:
            if not isinstance(message, SessionOffer):
                return  # from an older session, already replaced
            client = None
        if isinstance(message, SessionClose):
            if client is not None:
                del self._clients[participant]
                await self._bridge.close(client)
            return
        frame: bytes | None = None
        code: MediaErrorCode | None = None
        detail = ""
        try:
            if isinstance(message, SessionOffer):
                live = await self._hub.open(message.meeting)
                if not isinstance(live, HostedMeeting):
                    raise MediaError(MediaErrorCode.UNAVAILABLE, "this meeting is not here")
                if client is None:
                    client = RemoteClient(
                        self._outbox, message.worker, participant, message.session
                    )
                    self._clients[participant] = client
                answer = await self._bridge.offer(live, client, message.offer, message.address)
                frame = encode_media(answer, message.ref)
            else:
                if client is None:
                    raise MediaError(
                        MediaErrorCode.NOT_CONNECTED, "no media session: send an offer first"
                    )
                if isinstance(message, SessionView):
                    self._bridge.view(client, message.view)
                else:
                    await self._bridge.answer(client, message.answer)
                if message.ref is not None:
                    frame = reply_ok(message.ref)
        except MediaError as error:
            code, detail = error.code, error.detail
        except Exception as error:
            kind = type(message).__name__
            log.exception("media %s of %s failed", kind, participant)
            code, detail = MediaErrorCode.UNAVAILABLE, f"media worker: {error}"
        # No await since the answer: it goes out before anything the engine sends after it.
        reply = SessionReply(message.request, participant, message.session, frame, code, detail)
        self._outbox.post(message.worker, reply)
