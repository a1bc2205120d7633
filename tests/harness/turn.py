"""A real TURN server (coturn's `turnserver`) of the test's own, on one address of this machine,
with one static user; it relays to peers on this machine only (loopback peers allowed)."""

import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.harness.ports import free_port
from tests.harness.stopping import stop
from tests.harness.waiting import until

TURNSERVER = shutil.which("turnserver") or "/usr/bin/turnserver"
USER = "t"
PASSWORD = "t"
REALM = "plenum"
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class TurnServer:
    address: str
    port: int

    @property
    def tcp_url(self) -> str:
        return f"turn:{self.address}:{self.port}?transport=tcp"

    def ice_server(self) -> dict[str, str]:
        """As a browser's `RTCConfiguration.iceServers` entry (and PLENUM_ICE_SERVERS) names it."""
        return {"urls": self.tcp_url, "username": USER, "credential": PASSWORD}


@contextmanager
def turn_server(address: str) -> Iterator[TurnServer]:
    """coturn listening (TCP and UDP) and relaying on `address`, until the block ends."""
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="plenum-turn-"))
    argv = [
        TURNSERVER,
        "-n",  # no configuration file: only what is given here
        f"--listening-ip={address}",
        f"--listening-port={port}",
        f"--relay-ip={address}",
        "--lt-cred-mech",
        f"--user={USER}:{PASSWORD}",
        f"--realm={REALM}",
        # Plenum's ICE host candidates in the tests include 127.0.0.1.
        "--allow-loopback-peers",
        "--no-tls",
        "--no-dtls",
        "--no-cli",
        f"--pidfile={folder / 'turnserver.pid'}",
        "--log-file=stdout",
        "--simple-log",
    ]
    log = (folder / "turnserver.log").open("w")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        # No event to wait on from outside the process: poll its TCP port, with a deadline.
        def listening() -> bool:
            if process.poll() is not None:
                raise AssertionError(
                    f"turnserver exited: {(folder / 'turnserver.log').read_text()}"
                )
            with socket.socket() as probe:
                return probe.connect_ex((address, port)) == 0

        until(listening, READY_TIMEOUT_S, every=0.05, failure="turnserver did not listen")
        yield TurnServer(address, port)
    finally:
        stop(process, STOP_TIMEOUT_S)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
