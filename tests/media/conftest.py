import asyncio
import contextlib
import dataclasses
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import uvicorn

from server.app import create_app
from server.services import Services
from server.settings import Settings
from server.web.serving import uvicorn_options

from .clients import Forum
from .over_socket import Member

STOP_TIMEOUT_S = 10.0


@pytest.fixture
async def forum() -> AsyncIterator[Forum]:
    forum = Forum()
    try:
        yield forum
    finally:
        await forum.aclose()


@dataclass
class Served:
    """Services in this process behind a real uvicorn on a loopback port, with one meeting."""

    services: Services
    ws_url: str
    moderator_token: str
    invite_token: str
    members: list[Member] = field(default_factory=list)

    async def join(
        self, name: str, *, moderator: bool = False, local_address: str | None = None
    ) -> Member:
        token = self.moderator_token if moderator else self.invite_token
        member = await Member.join(self.ws_url, token, name, local_address)
        self.members.append(member)
        return member


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with serving(Settings(ice_host_addresses="127.0.0.1")) as served:
        yield served


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Served]:
    """Services with `settings` behind a real uvicorn on a loopback port, with one meeting
    (kept in memory: the media tests are not about the store)."""
    services = Services(dataclasses.replace(settings, store="memory"))
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    # Listening before uvicorn takes it: early clients wait in the backlog, not on a retry loop.
    listening.listen()
    port = listening.getsockname()[1]
    config = uvicorn.Config(
        create_app(services=services), log_level="warning", **uvicorn_options(services.settings)
    )
    server = uvicorn.Server(config)
    running = asyncio.create_task(server.serve(sockets=[listening]))
    live = await services.hub.create("Forum Dzielnicy Sośnica", None)
    links = services.links(live)
    served = Served(
        services, f"ws://127.0.0.1:{port}/ws", links.moderator_token, links.invite_token
    )
    try:
        yield served
    finally:
        for member in served.members:
            await member.leave()
        server.should_exit = True
        await asyncio.wait_for(running, STOP_TIMEOUT_S)
        listening.close()
