"""Plenum workers as real uvicorn processes sharing one real Redis, each on its own port.

A worker names itself in Redis with a random id (its `plenum:w:<id>:alive` key); the rig learns
each worker's id as it starts, so a test can tell which process writes a meeting (the id in
`plenum:m:<meeting>:lease`) and kill that one.
"""

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from server.settings import Settings
from tests.harness.ports import free_port
from tests.harness.processes import (
    START_TIMEOUT_S,
    ServerProcess,
    launch,
    server_env,
    uvicorn_argv,
)
from tests.harness.redis_server import RedisServer
from tests.harness.waiting import until

ALIVE = "plenum:w:*:alive"

# Short lease and heartbeat, so a takeover or a dead worker's goodbye takes about a second; a
# rate limit that lets a test's clients send as fast as they can; signalling only (no media).
REDIS_ENV = {
    "PLENUM_LEASE_TTL_S": "1",
    "PLENUM_WORKER_TTL_S": "1.5",
    "PLENUM_COMMAND_TIMEOUT_S": "1",
    "PLENUM_MESSAGES_PER_S": "100000",
    "PLENUM_MESSAGE_BURST": "100000",
    "PLENUM_MEDIA": "off",
}


@dataclass
class Worker:
    """One worker process; `id` is its name in Redis (empty without Redis)."""

    server: ServerProcess
    id: str

    @property
    def ws_url(self) -> str:
        return self.server.ws_url

    def printed(self) -> str:
        return self.server.printed()

    def local_ports(self) -> set[int]:
        """The local ports of this process's TCP sockets (Linux: from /proc)."""
        pid = self.server.process.pid
        inodes = set()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
        ports = set()
        for table in ("tcp", "tcp6"):
            for row in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                columns = row.split()
                if columns[9] in inodes:
                    ports.add(int(columns[1].rsplit(":", 1)[1], 16))
        return ports


class Workers:
    """The worker processes of one test, all against `redis` (or each on its own, without)."""

    def __init__(self, redis: RedisServer | None) -> None:
        self.redis = redis
        self.started: list[Worker] = []

    def start(self, **env: str) -> Worker:
        port = free_port()
        extra = {**REDIS_ENV, "REDIS_URL": self.redis.url} if self.redis is not None else {}
        before = self.redis.keys(ALIVE) if self.redis is not None else set()
        full_env = server_env(port, **{**extra, **env})
        argv = uvicorn_argv(port, Settings.from_env(full_env))
        server = launch(argv, port, full_env)
        worker = Worker(server, "")
        self.started.append(worker)
        server.wait_healthy()
        if self.redis is not None:
            worker.id = self._new_worker_id(before, server)
        return worker

    def writer_of(self, meeting: str) -> Worker:
        """The worker that holds the meeting's lease now."""
        assert self.redis is not None
        holder = self.redis.cli("GET", f"plenum:m:{meeting}:lease")
        found = [w for w in self.started if w.id == holder]
        assert found, f"the lease of {meeting} is held by {holder!r}, none of this test's workers"
        return found[0]

    def pubsub_clients(self, worker: Worker) -> list[str]:
        """The ids, in Redis, of the worker's pub/sub connections."""
        assert self.redis is not None
        ports = worker.local_ports()
        found = []
        for line in self.redis.cli("CLIENT", "LIST", "TYPE", "pubsub").splitlines():
            fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
            if int(fields["addr"].rsplit(":", 1)[1]) in ports:
                found.append(fields["id"])
        return found

    def kill(self, worker: Worker) -> None:
        """`kill -9`: no goodbye to Redis or to the clients."""
        worker.server.stop()

    def stop_all(self) -> list[str]:
        """Stop every worker; returns what went wrong (a worker that died on its own, say)."""
        problems: list[str] = []
        for worker in self.started:
            if worker.server.died:
                code = worker.server.process.returncode
                problems.append(f"worker {worker.id} died (exit code {code})")
            if worker.server.shut_down() is not None:
                problems.append(f"worker {worker.id} did not stop on SIGTERM")
        return problems

    def _new_worker_id(self, before: set[str], server: ServerProcess) -> str:
        assert self.redis is not None
        redis = self.redis
        # The first heartbeat follows start-up without a sign outside Redis: poll for its key.
        new = until(
            lambda: redis.keys(ALIVE) - before,
            START_TIMEOUT_S,
            failure=lambda: f"no heartbeat from the new worker:\n{server.printed()}",
        )
        assert len(new) == 1, f"workers started at once: {new}"
        key = new.pop()
        return key.split(":")[2]
