"""Chat fan-out: one member speaks into a room of M members; how fast does everyone hear it?

Plenum and the python-socketio peer are measured the same way, one after the other in one run:
M members spread over the workers, one sender at R messages/s for S seconds after a warm-up.
Latency is each receiver's receipt time minus the send time the text carries (one clock: the
same machine), over every delivery. `--saturate` then raises the rate step by step until p99
passes 100 ms or deliveries fall behind, and keeps the last rate that held.

Both engines' members are the same lean WebSocket client (`bench.loadgen.websocket`) unless
`--clients library` puts them on each engine's client library: on two cores shared by everything,
a load generator that costs more per message than the server saturates the machine first.

`--stores` is the embedded default's case instead: Plenum in one process, no Redis, with its
meetings in memory, then in the SQLite store (`synchronous=NORMAL`, then `FULL`), side by side in
one run: what storing every event before its command is answered costs the fan-out.
"""

import argparse
import asyncio
import math
import os
import shutil
import time
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import cpu
from bench.common.processes import Processes, StartError
from bench.common.results import RESULTS, percentile_ms, write_json
from bench.common.stopping import run_stoppable
from bench.loadgen.crowd import Crowd, LoadGenError
from bench.servers.deployments import (
    Deployment,
    plenum_has_redis,
    start_plenum,
    start_redis,
    start_socketio,
)
from bench.servers.gcpauses import pauses_between

HELP = "chat fan-out to one room, Plenum against python-socketio"
ENGINES = ("plenum", "python-socketio")
CLIENTS = ("lean", "library")
# The `--stores` case: each row's name and the settings of its one Plenum process.
STORE_CASES: dict[str, dict[str, str]] = {
    "plenum, no store": {"PLENUM_STORE": "memory"},
    "plenum, SQLite NORMAL": {"PLENUM_STORE": "sqlite", "PLENUM_SQLITE_SYNC": "normal"},
    "plenum, SQLite FULL": {"PLENUM_STORE": "sqlite", "PLENUM_SQLITE_SYNC": "full"},
}
# Plenum's rate limit for the sender is set to 1000 messages/s: the steps stop there.
# Finer steps where two cores shared by servers, Redis and load generators run out.
SATURATION_RATES = (50, 100, 125, 150, 175, 200, 250, 300, 400, 600, 800, 1000)
P99_LIMIT_MS = 100.0
MIN_DELIVERED = 0.99
MIN_PACE = 0.95
DRAIN_S = 5.0
SETTLE_S = 1.0

Row = dict[str, Any]


@dataclass(frozen=True)
class FanoutConfig:
    members: int = 300
    rate: float = 50.0
    seconds: float = 30.0
    warmup_s: float = 3.0
    saturate: bool = False
    step_seconds: float = 10.0
    loadgens: int = 4
    # "lean": every member on `bench.loadgen.websocket`; "library": the engines' client libraries.
    clients: str = "lean"
    # None: two workers through Redis if Plenum has a Redis mode (`Settings.redis_url`), else one.
    plenum_workers: int | None = None
    # Plenum in one process with each of `STORE_CASES` instead of the two engines.
    stores: bool = False
    json_path: Path = RESULTS / "fanout.json"

    def __post_init__(self) -> None:
        if self.members < 2 or self.rate <= 0 or self.seconds <= 0 or self.loadgens < 1:
            raise ValueError("members ≥ 2, rate > 0, seconds > 0 and loadgens ≥ 1 are needed")
        if self.clients not in CLIENTS:
            raise ValueError(f"clients is one of {', '.join(CLIENTS)}")
        if self.plenum_workers not in (None, 1, 2):
            raise ValueError("Plenum runs as 1 process or 2 workers through Redis")
        if self.plenum_workers == 2 and not plenum_has_redis():
            raise ValueError("this Plenum has no Redis mode (no Settings.redis_url) yet")

    @property
    def plenum_through_redis(self) -> bool:
        if self.plenum_workers is None:
            return plenum_has_redis()
        return self.plenum_workers == 2


async def run(config: FanoutConfig) -> dict[str, Row]:
    log_dir = config.json_path.parent / "fanout-logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    processes = Processes(log_dir)
    results: dict[str, Row] = {}
    redis = start_redis(log_dir)
    try:
        redis_url, redis_pid = redis.url, redis.pid
        for engine in STORE_CASES if config.stores else ENGINES:
            if engine in STORE_CASES:
                # A data folder of its own each: every case starts from an empty store.
                data = {"PLENUM_DATA_DIR": str(log_dir / f"data-{len(results)}")}
                deployment = start_plenum(processes, None, settings=STORE_CASES[engine] | data)
            elif engine == "plenum":
                deployment = start_plenum(
                    processes, redis_url if config.plenum_through_redis else None
                )
            else:
                deployment = start_socketio(processes, redis_url)
            try:
                results[engine] = await _measure_engine(deployment, config, redis_pid, log_dir)
            except (LoadGenError, StartError) as error:
                # One engine failing still leaves the other's figures worth having.
                print(f"{engine}: failed: {error} (logs in {log_dir})", flush=True)
                results[engine] = {"engine": engine, "mode": deployment.mode, "error": str(error)}
            finally:
                processes.stop_pids(deployment.pids)
    finally:
        processes.stop_all()
        redis.stop()
    return results


async def _measure_engine(
    deployment: Deployment, config: FanoutConfig, redis_pid: int, log_dir: Path
) -> Row:
    print(f"{deployment.engine}: {deployment.mode}; {config.members} members joining", flush=True)
    crowd = await Crowd.gather(deployment, config.members, config.loadgens, log_dir, config.clients)
    try:
        window = _Window(deployment, crowd, config.members, redis_pid)
        print(f"{deployment.engine}: warm-up, {config.warmup_s:g} s", flush=True)
        await window.measure("w", config.rate, config.warmup_s)
        print(f"{deployment.engine}: {config.rate:g} msgs/s for {config.seconds:g} s", flush=True)
        row: Row = {
            "engine": deployment.engine,
            "mode": deployment.mode,
            "workers": len(deployment.pids),
            "plenum_has_redis_mode": plenum_has_redis(),
            "members": config.members,
            "clients": config.clients,
            **await window.measure("m", config.rate, config.seconds),
        }
        if config.saturate:
            row["saturation"] = await _saturate(deployment.engine, window, config.step_seconds)
        return row
    finally:
        await crowd.disband()


async def _saturate(engine: str, window: "_Window", seconds: float) -> Row:
    steps: list[Row] = []
    best: float | None = None
    for rate in SATURATION_RATES:
        await asyncio.sleep(SETTLE_S)
        step = await window.measure(f"s{rate}", rate, seconds)
        step["sustained"] = _sustained(step)
        steps.append(step)
        print(
            f"{engine}: {rate} msgs/s: p99 {step['p99_ms']:.1f} ms, "
            f"{step['deliveries_per_s_per_worker']:.0f} deliveries/s per worker, "
            f"delivered {step['delivered_ratio']:.4f}, "
            f"machine busy {step['machine_busy_percent']:.0f} %: "
            f"{'held' if step['sustained'] else 'did not hold'}",
            flush=True,
        )
        if not step["sustained"]:
            break
        best = step["deliveries_per_s_per_worker"]
    return {
        "p99_limit_ms": P99_LIMIT_MS,
        "steps": steps,
        "max_sustained_deliveries_per_s_per_worker": best,
        "stopped_by": "rate cap of the steps" if steps and steps[-1]["sustained"] else "limit",
    }


def _sustained(step: Row) -> bool:
    return bool(
        step["p99_ms"] <= P99_LIMIT_MS
        and step["delivered_ratio"] >= MIN_DELIVERED
        and step["achieved_rate"] >= MIN_PACE * step["rate"]
        and step["connections_lost"] == 0
    )


class _Window:
    """One measurement: send at a rate for a while, let deliveries drain, gather the figures."""

    def __init__(self, deployment: Deployment, crowd: Crowd, members: int, redis_pid: int):
        self.deployment = deployment
        self.crowd = crowd
        self.members = members
        self.redis_pid = redis_pid

    async def measure(self, run: str, rate: float, seconds: float) -> Row:
        servers = list(self.deployment.pids)
        loadgens = [g.pid for g in self.crowd.receivers]
        watched = [*servers, self.redis_pid, *loadgens, self.crowd.sender.pid, os.getpid()]
        start = time.time()
        before = cpu.sample(watched)
        sent = await self.crowd.send(run, rate, seconds)
        usage = cpu.CpuWindow(before, cpu.sample(watched))
        expected = sent["sent"] * self.members
        await self._drain(run, expected)
        end = time.time()
        reports = await self.crowd.report(run, start, end)
        latencies = _read_latencies([Path(r["path"]) for r in reports])
        delivered = len(latencies)
        duration = sent["last"] - sent["first"] + 1 / rate
        per_s = delivered / duration
        server_s = usage.seconds(servers)
        gc = pauses_between(self.deployment.gc_logs, start, end)
        return {
            "rate": rate,
            "seconds": seconds,
            "messages": sent["sent"],
            "achieved_rate": round((sent["sent"] - 1) / max(duration - 1 / rate, 1e-9), 1),
            "sender_max_late_ms": round(sent["max_late_ms"], 1),
            "expected": expected,
            "delivered": delivered,
            "delivered_ratio": round(delivered / expected, 5),
            "lost_deliveries": expected - delivered,
            "connections_lost": sum(r["lost"] for r in reports),
            "p50_ms": percentile_ms(latencies, 0.50, 2),
            "p90_ms": percentile_ms(latencies, 0.90, 2),
            "p99_ms": percentile_ms(latencies, 0.99, 2),
            "max_ms": percentile_ms(latencies, 1.0, 2),
            "deliveries_per_s": round(per_s, 1),
            "deliveries_per_s_per_worker": round(per_s / len(servers), 1),
            "server_cpu_us_per_delivery": _per_delivery_us(server_s, delivered),
            "server_and_redis_cpu_us_per_delivery": _per_delivery_us(
                server_s + usage.seconds([self.redis_pid]), delivered
            ),
            "server_cpu_percent": [round(usage.percent_of_core(p), 1) for p in servers],
            "redis_cpu_percent": round(usage.percent_of_core(self.redis_pid), 1),
            "loadgen_cpu_percent": [round(usage.percent_of_core(p), 1) for p in loadgens],
            "sender_cpu_percent": round(usage.percent_of_core(self.crowd.sender.pid), 1),
            "machine_busy_percent": round(usage.machine_busy_percent, 1),
            "other_processes_cpu_percent": round(usage.others_percent_of_core(watched), 1),
            "kernel_irq_cpu_percent": round(usage.irq_percent_of_core, 1),
            "loadgen_loop_lag_max_ms": round(max(r["loop_lag_max_ms"] for r in reports), 1),
            "loadgen_gc_max_pause_ms": round(max(r["gc_max_pause_ms"] for r in reports), 1),
            "server_gc": gc.as_dict(),
        }

    async def _drain(self, run: str, expected: int) -> None:
        # What has not arrived by the deadline counts as lost. Not `eventually`: a request cut
        # short would leave its answer in the pipe, to be read as the next request's.
        deadline = time.monotonic() + DRAIN_S
        while time.monotonic() < deadline:
            if await self.crowd.heard(run) >= expected:
                return
            await asyncio.sleep(0.1)


def _read_latencies(paths: list[Path]) -> list[float]:
    values = array("d")
    for path in paths:
        with path.open("rb") as source:
            values.fromfile(source, path.stat().st_size // values.itemsize)
        path.unlink()
    return sorted(values)


def _per_delivery_us(seconds: float, deliveries: int) -> float:
    return round(seconds / deliveries * 1e6, 1) if deliveries else math.nan


def table(results: dict[str, Row]) -> str:
    head = (
        "| engine | mode | p50 ms | p99 ms | max ms | deliveries/s | per worker | delivered "
        "| server CPU µs/delivery | server CPU % | Redis CPU % | loadgen CPU % | machine busy % "
        "| others CPU % "
        "| server full GCs (max ms) | max sustained per worker |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for name, row in results.items():
        if "error" in row:
            lines.append(f"| {name} | {row['mode']} | failed: {row['error'][:200]} |")
            continue
        saturation = row.get("saturation", {}).get("max_sustained_deliveries_per_s_per_worker")
        gc = row["server_gc"]
        lines.append(
            f"| {name} | {row['mode']} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} "
            f"| {row['max_ms']:.1f} | {row['deliveries_per_s']:,.0f} "
            f"| {row['deliveries_per_s_per_worker']:,.0f} | {row['delivered_ratio']:.4f} "
            f"| {row['server_cpu_us_per_delivery']:.1f} "
            f"| {' + '.join(f'{c:.0f}' for c in row['server_cpu_percent'])} "
            f"| {row['redis_cpu_percent']:.0f} "
            f"| {' / '.join(f'{c:.0f}' for c in row['loadgen_cpu_percent'])} "
            f"| {row['machine_busy_percent']:.0f} "
            f"| {row['other_processes_cpu_percent']:.0f} "
            f"| {gc['full_collections']} ({gc['max_full_pause_ms']:.0f}) "
            f"| {'-' if saturation is None else f'{saturation:,.0f}'} |"
        )
    return "\n".join(lines)


# The command line: `python -m bench fanout`.


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = FanoutConfig()
    parser.add_argument("--json", type=Path, default=None, help="results file")
    parser.add_argument("--members", type=int, default=defaults.members)
    parser.add_argument("--rate", type=float, default=defaults.rate, help="messages/s")
    parser.add_argument("--seconds", type=float, default=defaults.seconds)
    parser.add_argument("--warmup", type=float, default=defaults.warmup_s, help="seconds")
    parser.add_argument(
        "--saturate", action="store_true", help="then raise the rate until p99 passes 100 ms"
    )
    parser.add_argument(
        "--step-seconds", type=float, default=defaults.step_seconds, help="per --saturate step"
    )
    parser.add_argument(
        "--loadgens", type=int, default=defaults.loadgens, help="load-generator processes"
    )
    parser.add_argument(
        "--clients",
        choices=CLIENTS,
        default=defaults.clients,
        help="members on the lean WebSocket client, or on each engine's client library",
    )
    parser.add_argument(
        "--stores",
        action="store_true",
        help="Plenum in one process: no store, then the SQLite store (NORMAL, FULL); JSON to "
        "fanout-stores.json unless --json",
    )
    parser.add_argument(
        "--plenum-workers",
        choices=("auto", "1", "2"),
        default="auto",
        help="auto: 2 through Redis if Plenum's Settings has redis_url, else 1",
    )


def main(args: argparse.Namespace) -> int:
    config = FanoutConfig(
        members=args.members,
        rate=args.rate,
        seconds=args.seconds,
        warmup_s=args.warmup,
        saturate=args.saturate,
        step_seconds=args.step_seconds,
        loadgens=args.loadgens,
        clients=args.clients,
        plenum_workers=None if args.plenum_workers == "auto" else int(args.plenum_workers),
        stores=args.stores,
        json_path=args.json or RESULTS / ("fanout-stores.json" if args.stores else "fanout.json"),
    )
    results = run_stoppable(run(config))
    print()
    print(table(results))
    write_json(results, config.json_path)
    print(f"\nwritten to {config.json_path}")
    return 0
