"""What the client's worker and the media worker send each other about a session served on
the media worker, on each worker's media channel (`server.cluster.keys.media_channel`).

To the media worker: a client's offer, its answer to the server's offer, the videos it shows, and
the end of its session; a request (offer, answer, view) is answered with a `SessionReply`. To the
client's worker: each frame for the client, in order, the reply carrying the first (the answer to
the offer). Every message names the participant and the session it belongs to, so that one for
a session already replaced is told apart. Packed as the other messages between workers are
(`server.cluster.messages`), each in an envelope naming its kind.
"""

from dataclasses import dataclass

from rooms import MeetingId, ParticipantId
from rooms.plain import from_plain
from server.cluster.messages import pack, unpack
from server.sfu import MediaAnswer, MediaErrorCode, MediaOffer, MediaView


@dataclass(frozen=True)
class SessionOffer:
    request: str
    # The client's worker, where the replies and frames go.
    worker: str
    participant: ParticipantId
    session: str
    meeting: MeetingId
    offer: MediaOffer
    # The client's address, as its own worker saw it.
    address: str
    ref: int | str | None = None


@dataclass(frozen=True)
class SessionAnswer:
    request: str
    worker: str
    participant: ParticipantId
    session: str
    answer: MediaAnswer
    ref: int | str | None = None


@dataclass(frozen=True)
class SessionView:
    request: str
    worker: str
    participant: ParticipantId
    session: str
    view: MediaView
    ref: int | str | None = None


@dataclass(frozen=True)
class SessionClose:
    worker: str
    participant: ParticipantId
    session: str


@dataclass(frozen=True)
class SessionFrame:
    """A frame for the client, as its connection takes it."""

    participant: ParticipantId
    session: str
    frame: bytes


@dataclass(frozen=True)
class SessionReply:
    """How a request went: refused with `code`, or served (then `frame`, if any, goes to the
    client before its asker hears)."""

    request: str
    participant: ParticipantId
    session: str
    frame: bytes | None = None
    code: MediaErrorCode | None = None
    detail: str = ""


ToMediaWorker = SessionOffer | SessionAnswer | SessionView | SessionClose
ToClientWorker = SessionFrame | SessionReply
SessionMessage = ToMediaWorker | ToClientWorker


@dataclass(frozen=True)
class _Envelope:
    message: SessionMessage


def encode(message: SessionMessage) -> bytes:
    return pack(_Envelope(message))


def decode(data: bytes) -> SessionMessage:
    """The message packed in `data`; raises on anything else (see `WorkerPresence.listen_to`)."""
    return from_plain(_Envelope, unpack(data)).message
