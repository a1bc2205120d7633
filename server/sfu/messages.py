"""The media signalling messages, as plain values the wire layer carries.

Shape of a session (ICE candidates travel inside the SDP: both sides gather completely before
sending a description, there is no trickle):

    client                                   server
    MediaOffer(sdp, tracks)        ──────▶   the client's first offer: the tracks it sends, by mid
                                   ◀──────   MediaAnswer(sdp, refused)
                                   ◀──────   MediaOffer(sdp, tracks)   when what the client
    MediaAnswer(sdp)               ──────▶     receives changes: the mids it receives and whose
                                               track each carries (inactive mids are not listed)
    MediaOffer(sdp, tracks)        ──────▶   the client adds or stops a track (e.g. screen share)
                                   ◀──────   MediaAnswer(sdp, refused)
                                   ◀──────   MediaRefused(refused)     a right was taken back
                                   ◀──────   ActiveSpeaker(room, participant)   who speaks now
                                   ◀──────   MediaLimits(limits)   send less (a gallery)
                                   ◀──────   MediaRestart(reason)   the media worker changed, or
                                               the session ended (its ICE did not connect): the
                                               client starts a new session with a new offer
    MediaView(shown)               ──────▶   the videos the client shows now: only those are
                                               sent (no renegotiation; audio is not affected)

In every `MediaOffer`, `tracks` describes what the offering side sends: the client labels its mids
with a `Source` (the meeting's names, in which `rooms.publishing` says who may publish what); the
server names the publisher behind each mid the client receives. A mid that the server stopped
sending keeps its m-line, `inactive`, and may carry someone else later.

Offers collide when both sides offer at once. The server is the impolite peer: it refuses the
client's offer with `media_glare` while its own offer waits; the client rolls back, answers the
server's offer and sends its own again.
"""

from dataclasses import dataclass
from typing import NewType

from rooms.ids import ParticipantId, RoomId
from rooms.publishing import Source as Source
from server.sfu.errors import MediaErrorCode

Mid = NewType("Mid", str)


def default_source(kind: str) -> Source:
    """The source of a track its sender did not label."""
    return Source.MICROPHONE if kind == "audio" else Source.CAMERA


@dataclass(frozen=True)
class TrackInfo:
    mid: Mid
    source: Source
    # Set by the server: whose track the client receives on this mid. None in a client's offer.
    publisher: ParticipantId | None = None


@dataclass(frozen=True)
class Refusal:
    """A track the server will not forward, and why."""

    mid: Mid
    source: Source
    code: MediaErrorCode
    detail: str


@dataclass(frozen=True)
class MediaOffer:
    sdp: str
    tracks: tuple[TrackInfo, ...] = ()

    def __post_init__(self) -> None:
        if not self.sdp:
            raise ValueError("an offer needs an SDP")
        mids = [t.mid for t in self.tracks]
        if len(set(mids)) != len(mids):
            raise ValueError("a mid is described twice")

    def source_of(self, mid: Mid, kind: str) -> Source:
        for track in self.tracks:
            if track.mid == mid:
                return track.source
        return default_source(kind)


@dataclass(frozen=True)
class MediaAnswer:
    sdp: str
    refused: tuple[Refusal, ...] = ()

    def __post_init__(self) -> None:
        if not self.sdp:
            raise ValueError("an answer needs an SDP")


@dataclass(frozen=True)
class MediaRefused:
    """Server to client: tracks it no longer forwards (a right was taken back, a room is full)."""

    refused: tuple[Refusal, ...]


@dataclass(frozen=True)
class ActiveSpeaker:
    """Server to client: who speaks in the client's room now (None: nobody), when it changes."""

    room: RoomId
    participant: ParticipantId | None


@dataclass(frozen=True)
class MediaRestart:
    """Server to client: the session's media worker went away (or changed), or the engine ended
    the session (its ICE did not connect in time, or failed); the client closes its peer
    connection and sends a fresh `MediaOffer` from a new one. Sent by the edge, never the engine
    (see `server.rtc.placement` and `server.rtc.bridge`)."""

    reason: str


@dataclass(frozen=True)
class ShownVideo:
    """A video the client shows: whose, which of their sources, and how tall on the screen."""

    publisher: ParticipantId
    source: Source
    # In device pixels; 0 when it is not laid out yet. What a layer choice will be made from.
    height: int = 0

    def __post_init__(self) -> None:
        if self.source.kind != "video":
            raise ValueError(f"source: {self.source} is not a video")
        if not 0 <= self.height <= MAX_SHOWN_HEIGHT:
            raise ValueError(f"height: from 0 to {MAX_SHOWN_HEIGHT} pixels")


# An 8K screen's height: anything taller is a client's mistake.
MAX_SHOWN_HEIGHT = 4320


@dataclass(frozen=True)
class MediaView:
    """Client to server: the videos it shows, the most important first (the screen, the active
    speaker, then the tiles in view). The server sends those and pauses the others' video until
    they are shown again; before the first view everything is sent."""

    shown: tuple[ShownVideo, ...]

    def __post_init__(self) -> None:
        seen = {(v.publisher, v.source) for v in self.shown}
        if len(seen) != len(self.shown):
            raise ValueError("shown: a video is listed twice")


@dataclass(frozen=True)
class SendLimit:
    """The most a client should send of one source, in bits per second."""

    source: Source
    max_bitrate: int


@dataclass(frozen=True)
class MediaLimits:
    """Server to client: keep what you send within these (`server.sfu.limits`); a source not
    listed is free again. Sent when they change, and to a new session when there are any."""

    limits: tuple[SendLimit, ...]


ServerMessage = (
    MediaOffer | MediaAnswer | MediaRefused | ActiveSpeaker | MediaRestart | MediaLimits
)
ClientMessage = MediaOffer | MediaAnswer | MediaView
