"""Real-process fixtures: Plenum started as its own process on a free port, as it is deployed."""

from collections.abc import Iterator

import pytest

from tests.harness.processes import ServerProcess, StartServer, servers, start_plenum


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """Start server processes for a test; each is stopped at teardown, which fails if one died."""
    with servers() as start:
        yield start


@pytest.fixture
def server(start_server: StartServer) -> ServerProcess:
    """Plenum under uvicorn, as `uvicorn server.app:create_app --factory` runs it."""
    return start_plenum(start_server)
