"""Real-process fixtures for the scale-out: a real Redis and real uvicorn workers on loopback."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.redis_server import RedisServer
from tests.redis.workers import Workers


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workers(redis_server: RedisServer) -> Iterator[Workers]:
    """Workers sharing `redis_server`; stopped at teardown, which fails if one died unbidden."""
    rig = Workers(redis_server)
    yield rig
    _stop(rig)


@pytest.fixture
def plain() -> Iterator[Workers]:
    """Plenum processes without Redis, the embedded default: the reference runs."""
    rig = Workers(None)
    yield rig
    _stop(rig)


def _stop(rig: Workers) -> None:
    problems = rig.stop_all()
    for worker in rig.started:
        # Shown only when the test fails: what each worker said.
        print(f"--- worker {worker.id or 'plain'} on port {worker.server.port} ---")
        print(worker.printed())
    if problems:
        pytest.fail("; ".join(problems))
