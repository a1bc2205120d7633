"""A real `redis-server` of the caller's own, on a free loopback port, that can be restarted.

Durable (the tests' default), every write is appended to its log and synced at once, so a
graceful restart (SIGTERM, which Redis handles by shutting down cleanly) brings back everything
that was acknowledged. Not durable (the benchmarks'), it keeps nothing on disk.
"""

import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import redis

from tests.harness.ports import free_port
from tests.harness.stopping import stop
from tests.harness.waiting import until

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


class RedisServer:
    def __init__(self, directory: Path, *, durable: bool = True) -> None:
        self.directory = directory
        self.durable = durable
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int:
        assert self._process is not None, "not running"
        return self._process.pid

    def start(
        self,
        *,
        start_new_session: bool = False,
        preexec_fn: Callable[[], object] | None = None,
    ) -> None:
        assert self._process is None, "already running"
        argv = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--save", "",
            "--logfile", "redis.log",
        ]  # fmt: skip
        if self.durable:
            argv += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            argv += ["--appendonly", "no"]
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            start_new_session=start_new_session,
            preexec_fn=preexec_fn,
        )
        self._process = process

        # Nothing tells another process that Redis is ready: poll PING, with a deadline.
        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"redis-server exited at start-up:\n{self.log()}")
            return self._ping() == "PONG"

        until(ready, READY_TIMEOUT_S, failure="redis-server not answering")

    def stop(self) -> None:
        """Shut down gracefully: what was written is on disk for the next `start`."""
        if self._process is None:
            return
        process, self._process = self._process, None
        if not stop(process, STOP_TIMEOUT_S):
            raise AssertionError(f"redis-server ignored SIGTERM for {STOP_TIMEOUT_S} s")
        code = process.returncode
        assert code == 0, f"redis-server stopped with exit code {code}:\n{self.log()}"

    def cli(self, *args: str) -> str:
        """Run one command with `redis-cli` and return what it printed."""
        done = subprocess.run(
            [REDIS_CLI, "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return done.stdout.strip()

    def keys(self, pattern: str) -> set[str]:
        return set(self.cli("--scan", "--pattern", pattern).split())

    def remember(self, keys: Iterable[str]) -> dict[str, bytes | None]:
        """What `keys` hold now (serialized, None for a key that does not exist)."""
        with redis.Redis(port=self.port) as client:
            return {key: client.dump(key) for key in keys}

    def roll_back(self, remembered: dict[str, bytes | None]) -> None:
        """Put the keys back as they were: the writes since are lost, as in a host crash.

        Redis's own `appendfsync everysec` loses up to a second of acknowledged writes when
        the machine goes down; this loses them on purpose, keeping each key's time to live.
        """
        with redis.Redis(port=self.port) as client:
            for key, dumped in remembered.items():
                ttl_ms = max(int(client.pttl(key)), 0)
                if dumped is None:
                    client.delete(key)
                else:
                    client.restore(key, ttl_ms, dumped, replace=True)

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _ping(self) -> str:
        done = subprocess.run(
            [REDIS_CLI, "-p", str(self.port), "PING"], capture_output=True, text=True, timeout=5
        )
        return done.stdout.strip()
