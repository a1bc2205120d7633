"""Plenum as its own process on a free port, and what it printed: the real-process test rig."""

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

from server.settings import Settings
from server.web.serving import ws_max_size

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
ADMIN_TOKEN = "e2e-admin-token"
SECRET = "e2e-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def uvicorn_argv(port: int, settings: Settings | None = None) -> list[str]:
    """Plenum under uvicorn, as `uvicorn server.app:create_app --factory` runs it, with the frame
    limit that fits `settings` (the defaults unless given)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "server.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ws-per-message-deflate",
        "false",
        # As the Procfile: Plenum refuses to start under a uvicorn that buffers larger frames.
        "--ws-max-size",
        str(ws_max_size(settings or Settings())),
    ]


def server_env(port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLENUM_")}
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        PLENUM_ADMIN_TOKEN=ADMIN_TOKEN,
        PLENUM_SECRET=SECRET,
        # Short workshop clock: the scenario lives through a whole countdown in seconds.
        PLENUM_WARNING_S="1",
        PLENUM_GRACE_S="1",
        # Every test client comes from 127.0.0.1: no limits per client address (0 is off).
        PLENUM_MAX_SOCKETS_PER_ADDRESS="0",
        PLENUM_ADDRESS_MESSAGES_PER_S="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class ServerProcess:
    """A running server: its address and everything it printed (stdout and stderr, by line)."""

    port: int
    process: subprocess.Popen[str]
    lines: "queue.Queue[str]" = field(default_factory=queue.Queue)
    output: list[str] = field(default_factory=list)
    stopped: bool = False  # on purpose, by the test: not a crash

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def stop(self) -> None:
        """Stop the server as a crash or an outage would, for a test of what clients then do."""
        self.stopped = True
        self.process.kill()
        self.process.wait(10)

    def next_line(self, deadline: float) -> str:
        """The next line printed, waiting until `deadline` (a `time.monotonic()` value)."""
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no output in time; so far:\n{self.printed()}") from None
        self.output.append(line)
        return line

    def printed(self) -> str:
        while not self.lines.empty():
            self.output.append(self.lines.get_nowait())
        return "".join(self.output)

    def wait_healthy(self, timeout: float = START_TIMEOUT_S) -> None:
        # Start-up has no event to wait on from outside the process: poll, with a deadline.
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.base_url, timeout=1.0) as http:
            while True:
                if self.process.poll() is not None:
                    pytest.fail(f"the server exited at start-up:\n{self.printed()}")
                try:
                    if http.get("/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"/healthz not answering after {timeout} s:\n{self.printed()}")
                time.sleep(0.05)

    async def create_meeting(self, title: str) -> dict[str, str]:
        """Create a meeting through the API, as an organiser does; returns its links and tokens."""
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            response = await http.post(
                "/api/meetings",
                json={"title": title},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
        assert response.status_code == 201, response.text
        meeting: dict[str, str] = response.json()
        return meeting


StartServer = Callable[[Sequence[str], int, Mapping[str, str]], ServerProcess]


def launch(
    argv: Sequence[str], port: int, env: Mapping[str, str]
) -> tuple[ServerProcess, threading.Thread]:
    """Start a server process, with a thread that keeps every line it prints."""
    process = subprocess.Popen(
        list(argv),
        cwd=ROOT,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    server = ServerProcess(port, process)
    assert process.stdout is not None
    reader = threading.Thread(target=_pump, args=(process.stdout, server.lines), daemon=True)
    reader.start()
    return server, reader


def _pump(stream: IO[str], lines: "queue.Queue[str]") -> None:
    for line in stream:
        lines.put(line)
