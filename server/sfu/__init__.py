"""The media engine: a selective forwarding unit on aiortc that never decodes or re-encodes."""

from server.sfu.engine import ForwardingUnit, Outbox
from server.sfu.errors import MediaError, MediaErrorCode
from server.sfu.messages import (
    ActiveSpeaker,
    ClientMessage,
    MediaAnswer,
    MediaLimits,
    MediaOffer,
    MediaRefused,
    MediaRestart,
    MediaView,
    Mid,
    Refusal,
    SendLimit,
    ServerMessage,
    ShownVideo,
    Source,
    TrackInfo,
)
from server.sfu.settings import IceServer, MediaSettings

__all__ = [
    "ActiveSpeaker",
    "ClientMessage",
    "ForwardingUnit",
    "IceServer",
    "MediaAnswer",
    "MediaError",
    "MediaErrorCode",
    "MediaLimits",
    "MediaOffer",
    "MediaRefused",
    "MediaRestart",
    "MediaSettings",
    "MediaView",
    "Mid",
    "Outbox",
    "Refusal",
    "SendLimit",
    "ServerMessage",
    "ShownVideo",
    "Source",
    "TrackInfo",
]
