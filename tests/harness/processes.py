"""Plenum as its own process on a free port, and what it printed: the real-process rig.

`launch` starts any server command with a thread that keeps every line it prints; `servers` starts
several and stops them all on leaving, failing if one died on its own; `start_plenum` starts
Plenum under uvicorn and returns once it answers.
"""

import asyncio
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from server.settings import Settings
from server.web.serving import ws_max_size
from tests.harness.api import answers_healthy, create_meeting, set_agenda
from tests.harness.ports import free_port
from tests.harness.stopping import stop
from tests.harness.tree import ROOT
from tests.harness.waiting import until

# Generous: a server that dies at start-up fails at once (wait_healthy), and a cold start of
# Python, Starlette and aiortc beside the suite's other workers and Chromium has taken over 20 s.
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
ADMIN_TOKEN = "e2e-admin-token"
SECRET = "e2e-secret"
PLENUM_APP = "server.app:create_app"


def uvicorn_argv(
    port: int, settings: Settings | None = None, app: str = PLENUM_APP, host: str = "127.0.0.1"
) -> list[str]:
    """`app` under uvicorn, as `uvicorn server.app:create_app --factory` runs Plenum, with the
    frame limit that fits `settings` (the defaults unless given), listening on `host`."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--ws-per-message-deflate",
        "false",
        # As the Procfile: Plenum refuses to start under a uvicorn that buffers larger frames.
        "--ws-max-size",
        str(ws_max_size(settings or Settings())),
    ]


def inherited_env() -> dict[str, str]:
    """This process's environment without its PLENUM_ settings: a child gets only those chosen."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PLENUM_")}


def server_env(port: int, **extra: str) -> dict[str, str]:
    env = inherited_env()
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
        # The organiser's page signs in at every test of a module's server, all from 127.0.0.1.
        PLENUM_SIGN_IN_ATTEMPTS="1000",
        PYTHONUNBUFFERED="1",
        # A data folder (and so a meetings' store) of its own, unless the test gives one.
        PLENUM_DATA_DIR=tempfile.mkdtemp(prefix="plenum-data-"),
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
    reader: threading.Thread | None = None
    # Loopback, unless the test gives another address of this machine (a veth's, say).
    host: str = "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    def stop(self) -> None:
        """Stop the server as a crash or an outage would (`kill -9`: no goodbye to anyone), for a
        test of what the others then do."""
        self.stopped = True
        self.process.kill()
        self.process.wait(STOP_TIMEOUT_S)

    @property
    def died(self) -> bool:
        """Whether it exited on its own, not stopped by the test."""
        return self.process.poll() is not None and not self.stopped

    def shut_down(self) -> str | None:
        """Stop it for good at the end (SIGTERM); what went wrong, if it did not stop so."""
        problem = None
        if not stop(self.process, STOP_TIMEOUT_S):
            problem = f"did not stop on SIGTERM within {STOP_TIMEOUT_S} s"
        if self.reader is not None:
            self.reader.join(STOP_TIMEOUT_S)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return problem

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
        def healthy() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited at start-up:\n{self.printed()}")
            return answers_healthy(self.base_url)

        until(healthy, timeout, every=0.05, failure=lambda: f"/healthz:\n{self.printed()}")

    async def create_meeting(self, title: str, **more: Any) -> dict[str, str]:
        """Create a meeting through the API, as an organiser does; returns its links and tokens."""
        return await asyncio.to_thread(create_meeting, self.base_url, title, ADMIN_TOKEN, **more)

    async def set_agenda(self, meeting: str, agenda: list[dict[str, Any]]) -> dict[str, Any]:
        """Replace a meeting's agenda through the API, as an organiser does."""
        return await asyncio.to_thread(set_agenda, self.base_url, meeting, agenda, ADMIN_TOKEN)


StartServer = Callable[[Sequence[str], int, Mapping[str, str]], ServerProcess]


def launch(argv: Sequence[str], port: int, env: Mapping[str, str]) -> ServerProcess:
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
    server.reader = threading.Thread(
        target=_pump, args=(process.stdout, server.lines), daemon=True
    )
    server.reader.start()
    return server


@contextmanager
def servers() -> Iterator[StartServer]:
    """Start server processes; each is stopped on leaving, which fails if one died."""
    started: list[ServerProcess] = []

    def start(argv: Sequence[str], port: int, env: Mapping[str, str]) -> ServerProcess:
        server = launch(argv, port, env)
        started.append(server)
        return server

    crashed = []
    try:
        yield start
    finally:
        for server in started:
            if server.died:
                crashed.append(f"exit code {server.process.returncode}:\n{server.printed()}")
            if problem := server.shut_down():
                crashed.append(problem)
    if crashed:
        raise AssertionError("a server process died during the test: " + "\n".join(crashed))


def start_plenum(
    start: StartServer, *, port: int | None = None, host: str = "127.0.0.1", **env: str
) -> ServerProcess:
    """Plenum under uvicorn with `server_env(port, **env)`, on `host` and `port` (or a free one),
    once it answers /healthz."""
    port = port or free_port()
    server = start(uvicorn_argv(port, host=host), port, server_env(port, HOST=host, **env))
    server.host = host
    server.wait_healthy()
    return server


def _pump(stream: IO[str], lines: "queue.Queue[str]") -> None:
    for line in stream:
        lines.put(line)
