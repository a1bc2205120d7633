"""What the client's worker and the media worker send each other about a session served on
the media worker, on each worker's media channel (`server.cluster.keys.media_channel`).

To the media worker: a client's offer, its answer to the server's offer, the videos it shows, and
the end of its session; a request (offer, answer, view) is answered with a `SessionReply`. To the
client's worker: each frame for the client, in order, the reply carrying the first (the answer to
the offer). Every message names the participant and the session it belongs to, so that one for
a session already replaced is told apart.

Between the workers of a spread room: the feeds each receives from its publishers (`RoomFeeds`),
and the ask of a worker whose first member of the room arrived (`FeedsWanted`).

Packed as the other messages between workers are (`server.cluster.messages`), each in an
envelope naming its kind.
"""

from dataclasses import dataclass

from rooms import MeetingId, ParticipantId
from rooms.ids import RoomId
from rooms.plain import from_plain
from rooms.publishing import Source
from server.cluster.messages import pack, unpack
from server.sfu import MediaAnswer, MediaErrorCode, MediaOffer, MediaView
from server.sfu.messages import Mid


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


@dataclass(frozen=True)
class FeedNotice:
    """A track the origin receives from its publisher, offered on its pipe under `feed`."""

    feed: int
    publisher: ParticipantId
    mid: Mid
    source: Source
    kind: str
    mime_type: str
    payload_type: int
    clock_rate: int
    channels: int | None = None


@dataclass(frozen=True)
class RoomFeeds:
    """Every live, allowed track of a spread room that `worker` receives now, offered on its pipe
    at `pipe` (`host:port`): said when they change and again every check, so a worker that
    missed one, or joined the room's spread since, knows them all."""

    worker: str
    meeting: MeetingId
    room: RoomId
    pipe: str
    feeds: tuple[FeedNotice, ...] = ()


@dataclass(frozen=True)
class FeedsWanted:
    """`worker` has its first member of the room: the room's other workers say their feeds."""

    worker: str
    meeting: MeetingId
    room: RoomId


ToMediaWorker = SessionOffer | SessionAnswer | SessionView | SessionClose
ToClientWorker = SessionFrame | SessionReply
# Between the workers of a spread room.
SpreadMessage = RoomFeeds | FeedsWanted
SessionMessage = ToMediaWorker | ToClientWorker | SpreadMessage


@dataclass(frozen=True)
class _Envelope:
    message: SessionMessage


def encode(message: SessionMessage) -> bytes:
    return pack(_Envelope(message))


def decode(data: bytes) -> SessionMessage:
    """The message packed in `data`; raises on anything else (see `WorkerPresence.listen_to`)."""
    return from_plain(_Envelope, unpack(data)).message
