"""Stopping a child process: politely first, for good after a while.

A module of its own, light to import, for the benchmarks' child processes as much as the tests.
"""

import subprocess


def stop(process: "subprocess.Popen[bytes] | subprocess.Popen[str]", timeout: float) -> bool:
    """SIGTERM, then SIGKILL after `timeout` seconds; whether SIGTERM was enough."""
    if process.poll() is not None:
        return True
    process.terminate()
    try:
        process.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False
