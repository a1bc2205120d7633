"""The Starlette application: the API, the signalling endpoint and the browser client."""

import contextlib
import gc
import logging
import shlex
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from server import data_folder, links
from server.services import Services
from server.settings import Settings
from server.signalling import conversation
from server.web import api, contacts, invitees, meetings_api, openapi, origins, record_api
from server.web.security_headers import SecurityHeaders
from server.web.serving import Serving

STATIC = Path(__file__).resolve().parent.parent / "static"
log = logging.getLogger("plenum")
DEMO_CURL_TITLE = "Forum Dzielnicy Sośnica"


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    services = services or Services(settings or Settings.from_env())
    allowed_origins = services.settings.origins()

    async def websocket_endpoint(websocket: WebSocket) -> None:
        origin = websocket.headers.get("origin")
        if origin is not None and not origins.allows(allowed_origins, origin):
            await origins.refuse(websocket, origin, allowed_origins)
            return
        await conversation.serve(services, websocket)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.start()
        if services.settings.demo_title:
            await announce_demo(services)
        # What start-up allocated lives as long as the process: keep it out of the collector's
        # full passes, which otherwise stall every connection of the worker for tens of ms.
        gc.collect()
        gc.freeze()
        yield
        await services.stop()

    app = Starlette(
        routes=[
            *api.routes(services),
            *meetings_api.routes(services),
            *invitees.routes(services),
            *record_api.routes(services),
            # Contacts between leaders
            *contacts.routes(services),
            *openapi.routes(),
            WebSocketRoute("/ws", websocket_endpoint),
            Mount("/", StaticFiles(directory=STATIC, html=True), name="static"),
        ],
        middleware=[Middleware(Serving, settings=services.settings), Middleware(SecurityHeaders)],
        lifespan=lifespan,
    )
    app.state.services = services
    return app


async def announce_demo(services: Services) -> None:
    ends_at = links.default_end(services.settings, None, services.clock())
    live = await services.hub.create(services.settings.demo_title, None, ends_at)
    made = services.links(live)
    where, bearer = _admin_token(services.settings)
    print(
        f"\nPlenum is running: {live.meeting.state.title}\n"
        f"  moderator link:   {made.moderator_link}\n"
        f"  participant link: {made.invite_link}\n"
        f"  admin token:      {where}\n"
        f"  create a meeting:\n"
        f"    curl -X POST {services.settings.public_url}/api/meetings \\\n"
        f'      -H "Authorization: Bearer {bearer}" -H \'Content-Type: application/json\' \\\n'
        f"      -d '{{\"title\": \"{DEMO_CURL_TITLE}\"}}'\n",
        flush=True,
    )


def _admin_token(settings: Settings) -> tuple[str, str]:
    """Where the admin token is, in words and as a shell expression for `curl`."""
    folder = Path(settings.data_dir)
    if data_folder.holds(folder, data_folder.ADMIN_TOKEN_FILE, settings.admin_token):
        path = folder / data_folder.ADMIN_TOKEN_FILE
        return f"in {path} (readable by you only)", f"$(cat {shlex.quote(str(path))})"
    return "the PLENUM_ADMIN_TOKEN you set", "$PLENUM_ADMIN_TOKEN"
