"""A Services app with one meeting made through the API, and clients to join it in-process."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx2
import pytest
from starlette.applications import Starlette

from rooms import MeetingConfig
from server.app import create_app
from server.meetings.hub import LocalHub, LocalMeeting
from server.services import Services
from server.settings import Settings

from .client import Client

ADMIN_TOKEN = "admin-token-for-tests"
SECRET = "signing-secret-for-tests"
TITLE = "Town hall"


class ManualClock:
    """Plenum's clock, moved by the test: for rate limits that should not depend on speed."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def api(app: Starlette) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver")


@dataclass
class ServedMeeting:
    """A running app, the meeting created in it over the API, and the clients that joined."""

    app: Starlette
    services: Services
    created: dict[str, Any]
    clients: list[Client] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.created["id"])

    @property
    def moderator_token(self) -> str:
        return str(self.created["moderator_token"])

    @property
    def invite_token(self) -> str:
        return str(self.created["invite_token"])

    @property
    def live(self) -> LocalMeeting:
        assert isinstance(self.services.hub, LocalHub)
        live = self.services.hub.get(self.created["id"])
        assert live is not None
        return live

    async def connect(
        self,
        *,
        buffer: int = 0,
        address: str | None = None,
        headers: Sequence[tuple[str, str]] = (),
    ) -> Client:
        client = Client(self.app, buffer=buffer, address=address, headers=headers)
        self.clients.append(client)
        return await client.connect()

    async def join(
        self,
        name: str,
        *,
        moderator: bool = False,
        buffer: int = 0,
        address: str | None = None,
        headers: Sequence[tuple[str, str]] = (),
        **attributes: str,
    ) -> tuple[Client, dict[str, Any]]:
        """A client that said hello with the meeting's moderator or invite link."""
        client = await self.connect(buffer=buffer, address=address, headers=headers)
        token = self.moderator_token if moderator else self.invite_token
        return client, await client.hello(token, name, **attributes)


class Serve(Protocol):
    def __call__(
        self, *, clock: Callable[[], float] | None = None, **settings: Any
    ) -> Awaitable[ServedMeeting]: ...


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    """Start an app with `Settings(**settings)` and create one meeting in it over the API; its
    data folder (and the meetings' store in it) is the test's own unless given."""
    served: list[ServedMeeting] = []

    async def start(*, clock: Callable[[], float] | None = None, **settings: Any) -> ServedMeeting:
        settings.setdefault("data_dir", str(tmp_path / f"data-{len(served)}"))
        chosen = Settings(admin_token=ADMIN_TOKEN, secret=SECRET, **settings)
        services = Services(chosen, clock=clock or time.time)
        app = create_app(services=services)
        async with api(app) as http:
            response = await http.post(
                "/api/meetings",
                json={"title": TITLE},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
        assert response.status_code == 201, response.text
        one = ServedMeeting(app, services, response.json())
        served.append(one)
        return one

    yield start
    try:
        clients = [client for one in served for client in one.clients]
        await asyncio.gather(*(client.disconnect() for client in clients))
    finally:
        for one in served:
            await one.services.hub.stop()


@pytest.fixture
async def meeting(serve: Serve) -> ServedMeeting:
    return await serve()


@pytest.fixture
def quick_clock() -> MeetingConfig:
    """Workshops that warn, close and bring everyone back within about a second."""
    return MeetingConfig(warning_s=0.4, grace_s=0.3)
