"""A free loopback port for a process of the test's or the benchmark's own.

Ports come from below Linux's ephemeral range (32768-60999 by default), so that no outgoing
connection (a test's thousand clients, say) can take a port between the probe and the server's
bind. Each pytest-xdist worker has its own slice, so two workers never probe the same port and
both find it free; a process outside xdist (a benchmark, a serial run) has slice 0.
"""

import os
import random
import socket

FIRST_PORT = 20000
SLICE_SIZE = 1000
SLICES = 12


def _slice_start() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ...
    index = int(worker[2:]) + 1 if worker.startswith("gw") and worker[2:].isdigit() else 0
    return FIRST_PORT + (index % SLICES) * SLICE_SIZE


# Ports handed out go round the slice from a random place: a port just used may linger in
# TIME_WAIT, and a run right after another should not start where the last one did.
_offset = random.randrange(SLICE_SIZE)


def free_port() -> int:
    global _offset
    start = _slice_start()
    for _ in range(SLICE_SIZE):
        port = start + _offset
        _offset = (_offset + 1) % SLICE_SIZE
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # taken: by a process of this run, or of someone else's
            return port
    raise RuntimeError(f"no free loopback port in {start}..{start + SLICE_SIZE - 1}")
