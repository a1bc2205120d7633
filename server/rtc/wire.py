"""The media messages on the wire: `media_offer`, `media_answer`, `media_view`, `media_refused`,
`active_speaker`, `media_restart` and `media_limits`.

They are not meeting commands or events: they go to this worker's forwarding unit and never into
the meeting's log, so they are read and written here, at the edge, from the engine's own
dataclasses (`server.sfu.messages`). Their shapes are written once, there.
"""

from typing import Any

from server.protocol.error_codes import ErrorCode
from server.protocol.wire import Inbound, WireError, encode_message, parse_fields, wire_name
from server.sfu import (
    ActiveSpeaker,
    ClientMessage,
    IceServer,
    MediaAnswer,
    MediaLimits,
    MediaOffer,
    MediaRefused,
    MediaRestart,
    MediaSettings,
    MediaView,
    ServerMessage,
)

# Client to server.
MEDIA_COMMANDS: dict[str, type[ClientMessage]] = {
    wire_name(c): c for c in (MediaOffer, MediaAnswer, MediaView)
}
# Server to client.
MEDIA_EVENTS: dict[str, type[ServerMessage]] = {
    wire_name(c): c
    for c in (MediaOffer, MediaAnswer, MediaRefused, ActiveSpeaker, MediaRestart, MediaLimits)
}
MEDIA_MESSAGES = {**MEDIA_COMMANDS, **MEDIA_EVENTS}


def parse_media(inbound: Inbound, max_view_videos: int) -> ClientMessage:
    message = parse_fields(MEDIA_COMMANDS[inbound.type], inbound.fields)
    if isinstance(message, MediaView) and len(message.shown) > max_view_videos:
        raise WireError(ErrorCode.INVALID, f"shown: at most {max_view_videos} videos")
    if isinstance(message, MediaOffer) and any(t.publisher is not None for t in message.tracks):
        raise WireError(ErrorCode.INVALID, "tracks: publisher is set by the server only")
    if isinstance(message, MediaAnswer) and message.refused:
        raise WireError(ErrorCode.INVALID, "refused: set by the server only")
    return message


def encode_media(message: ServerMessage, ref: int | str | None = None) -> bytes:
    """A server message; an answer to the client's offer echoes the offer's `ref`."""
    return encode_message(message, ref)


def media_welcome(settings: MediaSettings | None) -> dict[str, Any] | None:
    """`welcome.media`: the ICE servers a browser configures, the most videos a view may
    list and whether to send the camera as simulcast layers, or None when media is off."""
    if settings is None:
        return None
    return {
        "ice_servers": [_ice_server(s) for s in settings.ice_servers],
        "max_view_videos": settings.max_view_videos,
        "simulcast": settings.simulcast,
    }


def _ice_server(server: IceServer) -> dict[str, Any]:
    # As an RTCIceServer: a browser reads a nil username as the text "null", so leave it out.
    plain: dict[str, Any] = {"urls": list(server.urls)}
    if server.username is not None:
        plain["username"] = server.username
    if server.credential is not None:
        plain["credential"] = server.credential
    return plain
