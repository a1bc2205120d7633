"""Real-process fixtures: Plenum started as its own process on a free port, as it is deployed."""

import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import pytest

from .process import (
    STOP_TIMEOUT_S,
    ServerProcess,
    StartServer,
    free_port,
    launch,
    server_env,
    uvicorn_argv,
)


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """Start server processes for a test; each is stopped at teardown, which fails if one died."""
    with servers() as start:
        yield start


@contextmanager
def servers() -> Iterator[StartServer]:
    """Start server processes; each is stopped on leaving, which fails if one died."""
    started: list[tuple[ServerProcess, threading.Thread]] = []

    def start(argv: Sequence[str], port: int, env: Mapping[str, str]) -> ServerProcess:
        server, reader = launch(argv, port, env)
        started.append((server, reader))
        return server

    crashed = []
    try:
        yield start
    finally:
        for server, reader in started:
            if server.process.poll() is not None and not server.stopped:
                crashed.append(f"exit code {server.process.returncode}:\n{server.printed()}")
            server.process.terminate()
            try:
                server.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
                crashed.append(f"did not stop on SIGTERM within {STOP_TIMEOUT_S} s")
            reader.join(STOP_TIMEOUT_S)
            assert server.process.stdout is not None
            server.process.stdout.close()
    if crashed:
        pytest.fail("a server process died during the test: " + "\n".join(crashed))


@pytest.fixture
def server(start_server: StartServer) -> ServerProcess:
    """Plenum under uvicorn, as `uvicorn server.app:create_app --factory` runs it."""
    port = free_port()
    process = start_server(uvicorn_argv(port), port, server_env(port))
    process.wait_healthy()
    return process
