"""The two things measured, each started on loopback: Plenum and a python-socketio peer.

Plenum runs as two workers sharing meetings through Redis once it can (its `Settings` has a
`redis_url`), and as one process until then. The python-socketio peer always runs as two workers
with its Redis manager: that is how a Python developer would scale it out.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from bench.common.processes import Processes, die_with_parent
from server.settings import Settings
from tests.harness.api import create_meeting
from tests.harness.ports import free_port
from tests.harness.processes import PLENUM_APP, inherited_env, uvicorn_argv
from tests.harness.redis_server import RedisServer
from tests.harness.tree import ROOT

GC_PROBE = Path(__file__).resolve().parent / "gcprobe"
SECRET = "bench-secret"
ADMIN_TOKEN = "bench-admin-token"
MEETING_TITLE = "Bench fan-out"
SOCKETIO_WORKERS = 2
PLENUM_WORKERS_WITH_REDIS = 2


@dataclass(frozen=True)
class Deployment:
    engine: str
    mode: str
    ws_urls: tuple[str, ...]
    pids: tuple[int, ...]
    # What a member says to join: Plenum's invite token; the socketio room name.
    token: str
    gc_logs: tuple[Path, ...]
    # Plenum's moderator link token (empty for the peer, which has no moderators).
    moderator_token: str = ""


def plenum_has_redis() -> bool:
    return "redis_url" in {f.name for f in fields(Settings)}


def start_redis(log_dir: Path) -> RedisServer:
    """A Redis that keeps nothing on disk, its log in `log_dir`; the caller stops it last."""
    redis = RedisServer(log_dir, durable=False)
    redis.start(start_new_session=True, preexec_fn=die_with_parent)
    return redis


def _env(gc_log: Path, **extra: str) -> dict[str, str]:
    env = inherited_env()
    # The GC probe watches collector pauses from inside the server without touching its code.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GC_PROBE), env.get("PYTHONPATH")]))
    env["BENCH_GC_LOG"] = str(gc_log)
    env.update(extra)
    return env


def start_plenum(
    processes: Processes,
    redis_url: str | None,
    max_participants: int = 1000,
    settings: Mapping[str, str] | None = None,
) -> Deployment:
    """Two workers through Redis when `redis_url` is given, else one process; `settings` are
    more `PLENUM_<NAME>` variables (e.g. `PLENUM_TALLY_INTERVAL_MS`)."""
    workers = PLENUM_WORKERS_WITH_REDIS if redis_url else 1
    extra = {
        "PLENUM_SECRET": SECRET,
        "PLENUM_ADMIN_TOKEN": ADMIN_TOKEN,
        "PLENUM_MESSAGES_PER_S": "1000",
        "PLENUM_MESSAGE_BURST": "1000",
        "PLENUM_MAX_PARTICIPANTS": str(max_participants),
        # Every simulated member comes from 127.0.0.1: no limits per client address (0 is off).
        "PLENUM_MAX_SOCKETS_PER_ADDRESS": "0",
        "PLENUM_ADDRESS_MESSAGES_PER_S": "0",
        # Meetings in memory, unless the case is about the store (`PLENUM_STORE=sqlite` in
        # `settings`, with a `PLENUM_DATA_DIR` of its own).
        "PLENUM_STORE": "memory",
    }
    if redis_url:
        extra["REDIS_URL"] = redis_url
    extra.update(settings or {})
    ports, pids, gc_logs = _start_workers(
        processes, "plenum", PLENUM_APP, workers, extra
    )
    created = create_meeting(f"http://127.0.0.1:{ports[0]}", MEETING_TITLE, ADMIN_TOKEN)
    token = created["invite_token"]
    mode = f"{workers} workers through Redis" if redis_url else "1 process"
    urls = tuple(f"ws://127.0.0.1:{p}/ws" for p in ports)
    return Deployment(
        "plenum", mode, urls, pids, token, gc_logs, moderator_token=created["moderator_token"]
    )


def start_socketio(processes: Processes, redis_url: str) -> Deployment:
    ports, pids, gc_logs = _start_workers(
        processes,
        "socketio",
        "bench.servers.socketio_peer:create_app",
        SOCKETIO_WORKERS,
        {"REDIS_URL": redis_url},
    )
    urls = tuple(f"http://127.0.0.1:{p}" for p in ports)
    mode = f"{SOCKETIO_WORKERS} workers through Redis (AsyncRedisManager)"
    return Deployment("python-socketio", mode, urls, pids, "forum", gc_logs)


def _start_workers(
    processes: Processes, name: str, app: str, workers: int, extra: dict[str, str]
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[Path, ...]]:
    ports = tuple(free_port() for _ in range(workers))
    started = []
    gc_logs = []
    for i, port in enumerate(ports):
        gc_log = processes.log_dir / f"{name}-{i}.gc"
        gc_logs.append(gc_log)
        argv = uvicorn_argv(port, app=app)
        process = processes.start(f"{name}-{i}", argv, _env(gc_log, **extra), ROOT)
        started.append(process)
    for i, (port, process) in enumerate(zip(ports, started, strict=True)):
        processes.wait_for_port(f"{name}-{i}", process, port)
    return ports, tuple(p.pid for p in started), tuple(gc_logs)

