"""Real-process fixtures: Plenum started as its own process on a free port, as it is deployed."""

from collections.abc import Iterator

import pytest

from tests.harness.ports import free_port
from tests.harness.processes import ServerProcess, StartServer, server_env, servers, uvicorn_argv


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """Start server processes for a test; each is stopped at teardown, which fails if one died."""
    with servers() as start:
        yield start


@pytest.fixture
def server(start_server: StartServer) -> ServerProcess:
    """Plenum under uvicorn, as `uvicorn server.app:create_app --factory` runs it."""
    port = free_port()
    process = start_server(uvicorn_argv(port), port, server_env(port))
    process.wait_healthy()
    return process
