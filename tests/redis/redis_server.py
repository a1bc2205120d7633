"""A real `redis-server` of the test's own, on a free loopback port, that can be restarted.

Every write is appended to its log and synced at once, so a graceful restart (SIGTERM, which
Redis handles by shutting down cleanly) brings back everything that was acknowledged.
"""

import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

import redis

from tests.e2e.process import free_port

REDIS_SERVER = "/usr/bin/redis-server"
REDIS_CLI = "/usr/bin/redis-cli"
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert self._process is None, "already running"
        argv = [
            REDIS_SERVER,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--logfile", "redis.log",
        ]  # fmt: skip
        self._process = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
        # Nothing tells another process that Redis is ready: poll PING, with a deadline.
        deadline = time.monotonic() + READY_TIMEOUT_S
        while self._ping() != "PONG":
            if self._process.poll() is not None:
                raise AssertionError(f"redis-server exited at start-up:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"redis-server not answering after {READY_TIMEOUT_S} s")
            time.sleep(0.02)

    def stop(self) -> None:
        """Shut down gracefully: what was written is on disk for the next `start`."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            code = self._process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            raise AssertionError(f"redis-server ignored SIGTERM for {STOP_TIMEOUT_S} s") from None
        finally:
            self._process = None
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
