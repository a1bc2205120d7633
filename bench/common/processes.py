"""The processes a benchmark starts: each one tracked by its id, and every one stopped at the end.

Children get their own session (a Ctrl-C in the terminal reaches only the benchmark, which then
stops them in order) and SIGTERM from the kernel should the benchmark itself die without cleaning.
"""

import contextlib
import ctypes
import signal
import socket
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.harness.stopping import stop
from tests.harness.waiting import until

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """For `preexec_fn`: the child gets SIGTERM when the benchmark process goes away."""
    with contextlib.suppress(OSError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class StartError(Exception):
    """A process the benchmark needs did not come up."""


class Processes:
    """Every long-running process of one benchmark run; `stop_all` ends them, newest first."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self._running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], cwd: Path
    ) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("wb")
        try:
            process = subprocess.Popen(
                list(argv),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        finally:
            log.close()
        self._running.append((name, process))
        return process

    def wait_for_port(self, name: str, process: subprocess.Popen[bytes], port: int) -> None:
        # A server has no start-up event to wait on from outside: poll its port, with a deadline.
        def listening() -> bool:
            if process.poll() is not None:
                raise StartError(f"{name} exited at start-up:\n{self.output(name)}")
            with socket.socket() as probe:
                probe.settimeout(0.5)
                return probe.connect_ex(("127.0.0.1", port)) == 0

        try:
            until(listening, START_TIMEOUT_S, every=0.05)
        except TimeoutError:
            raise StartError(f"{name} not listening after {START_TIMEOUT_S} s") from None

    def output(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        stop(process, STOP_TIMEOUT_S)
        self._running = [(n, p) for n, p in self._running if p is not process]

    def stop_pids(self, pids: Sequence[int]) -> None:
        for _, process in [(n, p) for n, p in self._running if p.pid in pids]:
            self.stop(process)

    def stop_all(self) -> None:
        for _, process in reversed(list(self._running)):
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                self.stop(process)
