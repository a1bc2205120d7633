"""What Plenum needs from the uvicorn that serves it, set or checked once, at start-up.

uvicorn reads a whole WebSocket frame, up to its `--ws-max-size` (16 MiB by default), before
Plenum sees it and refuses anything over `max_frame_bytes`: twenty sockets sending 16 MiB frames
cost a worker 330 MB. So Plenum refuses to start under a uvicorn that would buffer larger frames,
whoever started it and however (`plenum serve` passes the option itself). uvicorn does not time
out a request's headers either: Plenum gives each connection `handshake_timeout_s` for them
(`server.web.handshake`).

ASGI tells an application nothing of its server's settings. uvicorn's lifespan, though, hands
the application the `receive` of the object that runs it, which holds uvicorn's `Config`: read
there, before uvicorn opens its sockets, it is the configuration every connection will use.
"""

import logging
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn import Config

from server.settings import Settings
from server.web.handshake import with_header_deadline

log = logging.getLogger("plenum")

# uvicorn refuses frames over this itself (1009); the endpoint checks `max_frame_bytes` again.
# The headroom keeps the endpoint's own close, which names the limit, for frames just over it.
HEADROOM_BYTES = 1024


def ws_max_size(settings: Settings) -> int:
    """The `--ws-max-size` to run uvicorn with."""
    return settings.max_frame_bytes + HEADROOM_BYTES


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What `plenum serve` passes to uvicorn (the checks below would demand it anyway)."""
    return {
        "ws_max_size": ws_max_size(settings),
        # Messages are small msgpack maps: compressing each one costs more than it saves.
        "ws_per_message_deflate": False,
    }


def running_uvicorn(receive: Receive) -> Config | None:
    """The configuration of the uvicorn whose lifespan `receive` belongs to; None if none."""
    config = getattr(getattr(receive, "__self__", None), "config", None)
    return config if isinstance(config, Config) else None


def unfit(config: Config, settings: Settings) -> str | None:
    """Why Plenum must not run under this uvicorn configuration; None if it may."""
    limit = ws_max_size(settings)
    if config.ws_max_size > limit:
        return (
            f"uvicorn accepts WebSocket frames of up to {config.ws_max_size} bytes and buffers "
            f"each whole before Plenum refuses those over PLENUM_MAX_FRAME_BYTES="
            f"{settings.max_frame_bytes}: start uvicorn with --ws-max-size {limit} "
            f"(as the Procfile does), or run `plenum serve`"
        )
    return None


def fit(config: Config, settings: Settings) -> None:
    """Give every connection of this uvicorn a deadline for its request's headers."""
    if not config.loaded:
        config.load()
    config.http_protocol_class = with_header_deadline(
        config.http_protocol_class, settings.handshake_timeout_s
    )


class Serving:
    """ASGI middleware: at start-up, refuse an unfit uvicorn and fit the one that runs Plenum."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            config = running_uvicorn(receive)
            if config is None:
                log.warning(
                    "not served by uvicorn: make sure the server refuses WebSocket frames over "
                    "%d bytes and times out slow handshakes",
                    ws_max_size(self.settings),
                )
            elif (problem := unfit(config, self.settings)) is not None:
                await receive()  # lifespan.startup
                await send({"type": "lifespan.startup.failed", "message": problem})
                return
            else:
                fit(config, self.settings)
        await self.app(scope, receive, send)
