"""The media engine: a selective forwarding unit on aiortc that never decodes or re-encodes."""

from server.media.engine import ForwardingUnit, Outbox
from server.media.errors import MediaError, MediaErrorCode
from server.media.messages import (
    ActiveSpeaker,
    ClientMessage,
    MediaAnswer,
    MediaOffer,
    MediaRefused,
    MediaRestart,
    Mid,
    Refusal,
    ServerMessage,
    Source,
    TrackInfo,
)
from server.media.settings import IceServer, MediaSettings

__all__ = [
    "ActiveSpeaker",
    "ClientMessage",
    "ForwardingUnit",
    "IceServer",
    "MediaAnswer",
    "MediaError",
    "MediaErrorCode",
    "MediaOffer",
    "MediaRefused",
    "MediaRestart",
    "MediaSettings",
    "Mid",
    "Outbox",
    "Refusal",
    "ServerMessage",
    "Source",
    "TrackInfo",
]
