"""The Starlette application: the API, the signalling endpoint and the browser client."""

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from server import api, origins, signalling
from server.plenum import Plenum
from server.security_headers import SecurityHeaders
from server.serving import Serving
from server.settings import Settings

STATIC = Path(__file__).resolve().parent.parent / "static"
log = logging.getLogger("plenum")


def create_app(settings: Settings | None = None, plenum: Plenum | None = None) -> Starlette:
    plenum = plenum or Plenum(settings or Settings.from_env())
    allowed_origins = plenum.settings.origins()

    async def websocket_endpoint(websocket: WebSocket) -> None:
        origin = websocket.headers.get("origin")
        if origin is not None and not origins.allows(allowed_origins, origin):
            await origins.refuse(websocket, origin, allowed_origins)
            return
        await signalling.serve(plenum, websocket)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await plenum.hub.start()
        if plenum.media_router is not None:
            await plenum.media_router.start()
        if plenum.settings.demo_title:
            await announce_demo(plenum)
        # What start-up allocated lives as long as the process: keep it out of the collector's
        # full passes, which otherwise stall every connection of the worker for tens of ms.
        gc.collect()
        gc.freeze()
        yield
        if plenum.media_router is not None:
            await plenum.media_router.stop()
        await plenum.hub.stop()

    app = Starlette(
        routes=[
            *api.routes(plenum),
            WebSocketRoute("/ws", websocket_endpoint),
            Mount("/", StaticFiles(directory=STATIC, html=True), name="static"),
        ],
        middleware=[Middleware(Serving, settings=plenum.settings), Middleware(SecurityHeaders)],
        lifespan=lifespan,
    )
    app.state.plenum = plenum
    return app


async def announce_demo(plenum: Plenum) -> None:
    live = await plenum.hub.create(plenum.settings.demo_title, None)
    links = plenum.links(live)
    print(
        f"\nPlenum is running: {live.meeting.state.title}\n"
        f"  moderator link:   {links.moderator_link}\n"
        f"  participant link: {links.invite_link}\n",
        flush=True,
    )
