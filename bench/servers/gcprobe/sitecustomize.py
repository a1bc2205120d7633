"""Loaded at start-up by the server processes a benchmark runs (their PYTHONPATH names this folder).

Logs the cyclic collector's pauses to `BENCH_GC_LOG`, one line per full (generation 2) collection
and per collection of any generation that took 2 ms or more: `<time.time()> <generation> <ms>`.
The server's own code is not touched: this only watches.
"""

import gc
import os
import time

_PATH = os.environ.get("BENCH_GC_LOG")
_NOTABLE_S = 0.002

if _PATH:
    _log = open(_PATH, "a", buffering=1)  # noqa: SIM115 (open for the life of the process)
    _started = [0.0]

    def _watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            _started[0] = time.perf_counter()
            return
        took = time.perf_counter() - _started[0]
        generation = info["generation"]
        if generation == 2 or took >= _NOTABLE_S:
            _log.write(f"{time.time():.6f} {generation} {took * 1000:.3f}\n")

    gc.callbacks.append(_watch)
