"""Join storm: N people click the link at the same moment; how long until each is in?

A forum starts like this. N members (1,000 by default) join at once, alternating over two
workers that share the meeting through a real Redis: Plenum, then the python-socketio peer with
its `AsyncRedisManager`, in the same run, each on fresh processes. The members are the lean
WebSocket client of the fan-out benchmark, spread over load-generator processes that are all
started and connected to the benchmark first; then every one is told `storm` at once and every
member opens its socket straight away, none waiting for another.

A member's time runs from just before its TCP connect to its welcome: for Plenum, `hello` answered
by `welcome` (with the meeting's snapshot, after everyone already in has been told of the
newcomer); for python-socketio, the Engine.IO opening, the namespace connect and an acknowledged
`join` of the room. A failure is an error answer, a closed socket or no answer in the members'
join timeout. Server and Redis CPU are their CPU seconds over the storm (psutil).
"""

import argparse
import asyncio
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import cpu
from bench.common.children import ChildError
from bench.common.processes import Processes, StartError
from bench.common.results import RESULTS, percentile_ms, write_json
from bench.common.stopping import run_stoppable
from bench.loadgen.crowd import LoadGenProcess, start_loadgen
from bench.loadgen.lean import JOIN_TIMEOUT_S
from bench.servers.deployments import Deployment, start_plenum, start_redis, start_socketio

HELP = "N simultaneous joins over two workers through Redis, Plenum against python-socketio"
ENGINES = ("plenum", "python-socketio")
READY_TIMEOUT_S = 30.0
# Every member's own timeout, and slack for the reply to come back.
STORM_TIMEOUT_S = JOIN_TIMEOUT_S + 60.0
SETTLE_S = 1.0

Row = dict[str, Any]


@dataclass(frozen=True)
class JoinStormConfig:
    joins: int = 1000
    loadgens: int = 2
    engines: tuple[str, ...] = ENGINES
    json_path: Path = RESULTS / "joinstorm.json"

    def __post_init__(self) -> None:
        if self.joins < 1 or self.loadgens < 1:
            raise ValueError("joins ≥ 1 and loadgens ≥ 1 are needed")
        unknown = set(self.engines) - set(ENGINES)
        if unknown or not self.engines:
            raise ValueError(f"engines are among {', '.join(ENGINES)}")


async def run(config: JoinStormConfig) -> list[Row]:
    log_dir = config.json_path.parent / "joinstorm-logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    processes = Processes(log_dir)
    rows: list[Row] = []
    redis = start_redis(log_dir)
    try:
        redis_url, redis_pid = redis.url, redis.pid
        for engine in config.engines:
            if engine == "plenum":
                deployment = start_plenum(processes, redis_url, max_participants=config.joins)
            else:
                deployment = start_socketio(processes, redis_url)
            try:
                rows.append(await _storm(deployment, config, redis_pid, log_dir))
            except (ChildError, StartError) as error:
                print(f"{engine}: failed: {error} (logs in {log_dir})", flush=True)
                rows.append({"engine": engine, "mode": deployment.mode, "error": str(error)})
            finally:
                processes.stop_pids(deployment.pids)
    finally:
        processes.stop_all()
        redis.stop()
    return rows


async def _storm(
    deployment: Deployment, config: JoinStormConfig, redis_pid: int, log_dir: Path
) -> Row:
    print(f"{deployment.engine}: {deployment.mode}; {config.joins} joins at once", flush=True)
    loadgens = await _ready(deployment, config, log_dir)
    try:
        await asyncio.sleep(SETTLE_S)  # let the start-up of the load generators die down
        watched = [*deployment.pids, redis_pid]
        before = cpu.sample([*watched, *(g.pid for g in loadgens)])
        start = time.monotonic()
        replies = await asyncio.gather(
            *(g.request(STORM_TIMEOUT_S, cmd="storm") for g in loadgens)
        )
        took = time.monotonic() - start
        usage = cpu.CpuWindow(before, cpu.sample([*watched, *(g.pid for g in loadgens)]))
    finally:
        await asyncio.gather(*(g.stop() for g in loadgens))
    seconds = sorted(s for r in replies for s in r["seconds"])
    failures: dict[str, int] = {}
    for reply in replies:
        for why, count in reply["failures"].items():
            failures[why] = failures.get(why, 0) + count
    row: Row = {
        "engine": deployment.engine,
        "mode": deployment.mode,
        "joins": config.joins,
        "welcomed": len(seconds),
        "failed": config.joins - len(seconds),
        "failures": failures,
        "p50_ms": percentile_ms(seconds, 0.50, 1),
        "p95_ms": percentile_ms(seconds, 0.95, 1),
        "max_ms": percentile_ms(seconds, 1.0, 1),
        "storm_s": round(took, 2),
        "server_cpu_s": [round(usage.seconds([p]), 2) for p in deployment.pids],
        "redis_cpu_s": round(usage.seconds([redis_pid]), 2),
        "loadgen_cpu_s": [round(usage.seconds([g.pid]), 2) for g in loadgens],
        "machine_busy_percent": round(usage.machine_busy_percent, 1),
        "other_processes_cpu_percent": round(
            usage.others_percent_of_core([*watched, *(g.pid for g in loadgens), os.getpid()]), 1
        ),
    }
    print(
        f"{deployment.engine}: {row['welcomed']} of {config.joins} in, "
        f"p95 {row['p95_ms']:.0f} ms, max {row['max_ms']:.0f} ms"
        + (f"; failed: {failures}" if failures else ""),
        flush=True,
    )
    return row


async def _ready(
    deployment: Deployment, config: JoinStormConfig, log_dir: Path
) -> list[LoadGenProcess]:
    """The load generators, started and holding their members back until `storm`."""
    started: list[LoadGenProcess] = []
    try:
        for k in range(config.loadgens):
            indices = range(k, config.joins, config.loadgens)
            brief = {
                "engine": deployment.engine,
                "urls": list(deployment.ws_urls),
                "token": deployment.token,
                "out_dir": str(log_dir),
                "clients": "lean",
                "storm": True,
                "label": f"{deployment.engine}-storm-{k}",
                "names": [f"member {i}" for i in indices],
                "indices": list(indices),
            }
            started.append(await start_loadgen(brief, log_dir))
        await asyncio.gather(*(g.reply(READY_TIMEOUT_S) for g in started))
    except BaseException:
        await asyncio.gather(*(g.stop() for g in started), return_exceptions=True)
        raise
    return started


def table(rows: list[Row]) -> str:
    head = (
        "| engine | mode | joins | welcomed | failed | p50 ms | p95 ms | max ms | storm s "
        "| server CPU s | Redis CPU s | others CPU % |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['engine']} | {row['mode']} | failed: {row['error'][:200]} |")
            continue
        lines.append(
            f"| {row['engine']} | {row['mode']} | {row['joins']:,} | {row['welcomed']:,} "
            f"| {row['failed']:,} | {row['p50_ms']:,.0f} | {row['p95_ms']:,.0f} "
            f"| {row['max_ms']:,.0f} | {row['storm_s']:.1f} "
            f"| {' + '.join(f'{s:.1f}' for s in row['server_cpu_s'])} "
            f"| {row['redis_cpu_s']:.1f} | {row['other_processes_cpu_percent']:.0f} |"
        )
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = JoinStormConfig()
    parser.add_argument("--json", type=Path, default=defaults.json_path, help="results file")
    parser.add_argument("--joins", type=int, default=defaults.joins, help="members joining")
    parser.add_argument(
        "--loadgens", type=int, default=defaults.loadgens, help="load-generator processes"
    )
    parser.add_argument("--engines", default=",".join(defaults.engines), help=",".join(ENGINES))


def main(args: argparse.Namespace) -> int:
    config = JoinStormConfig(
        joins=args.joins,
        loadgens=args.loadgens,
        engines=tuple(e for e in args.engines.split(",") if e),
        json_path=args.json,
    )
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = run_stoppable(run(config))
    print()
    print(table(rows))
    write_json(rows, config.json_path)
    print(f"\nwritten to {config.json_path}")
    return 0 if rows and all("error" not in r for r in rows) else 1

