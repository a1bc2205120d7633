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

from rooms import MeetingId, MeetingState
from server import data_folder, links
from server.meetings.hub import MeetingHandle
from server.services import Services
from server.settings import Settings
from server.signalling import conversation
from server.web import (
    api,
    contacts,
    invitees,
    meetings_api,
    openapi,
    organiser_session,
    origins,
    record_api,
)
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
            *organiser_session.routes(services),
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
    settings = services.settings
    live = await _demo_meeting(services)
    made = services.links(live)
    where, bearer = _admin_token(settings)
    password = " or the organiser's password (PLENUM_ORGANISER_PASSWORD)"
    print(
        f"\nPlenum is running: {live.meeting.state.title}\n"
        f"  moderator link:   {made.moderator_link}\n"
        f"  presenter link:   {made.presenter_link}\n"
        f"  participant link: {made.invite_link}\n"
        f"  organiser's page: {settings.public_url.rstrip('/')}/organiser.html\n"
        f"  sign in with:     the admin token{password if settings.organiser_password else ''}\n"
        f"  admin token:      {where}\n"
        f"  create a meeting:\n"
        f"    curl -X POST {settings.public_url}/api/meetings \\\n"
        f"      -H \"Authorization: Bearer {bearer}\" -H 'Content-Type: application/json' \\\n"
        f'      -d \'{{"title": "{DEMO_CURL_TITLE}"}}\'\n',
        flush=True,
    )


async def _demo_meeting(services: Services) -> MeetingHandle:
    """The demo meeting an earlier start made, while it is kept and open; else a new one, which
    the data folder remembers: restarts do not pile up demo meetings."""
    settings, now = services.settings, services.clock()
    folder = Path(settings.data_dir)
    kept = data_folder.remembered(folder, data_folder.DEMO_MEETING_FILE)
    if kept is not None:
        live = await services.hub.open(MeetingId(kept))
        if live is not None and _still_the_demo(live.meeting.state, settings, now):
            return live
    ends_at = links.default_end(settings, None, now)
    live = await services.hub.create(settings.demo_title, None, ends_at)
    try:
        data_folder.remember(folder, data_folder.DEMO_MEETING_FILE, live.meeting.state.id)
    except OSError as error:
        log.warning("the demo meeting is not remembered, a restart makes another: %s", error)
    return live


def _still_the_demo(state: MeetingState, settings: Settings, now: float) -> bool:
    """Open to join: not ended, not past its end, and named as the demo meeting still is."""
    over = state.ended_at is not None or (state.ends_at is not None and state.ends_at <= now)
    return not over and state.title == settings.demo_title


def _admin_token(settings: Settings) -> tuple[str, str]:
    """Where the admin token is, in words and as a shell expression for `curl`."""
    folder = Path(settings.data_dir)
    if data_folder.holds(folder, data_folder.ADMIN_TOKEN_FILE, settings.admin_token):
        path = folder / data_folder.ADMIN_TOKEN_FILE
        return f"in {path} (readable by you only)", f"$(cat {shlex.quote(str(path))})"
    return "the PLENUM_ADMIN_TOKEN you set", "$PLENUM_ADMIN_TOKEN"
