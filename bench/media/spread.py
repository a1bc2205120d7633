"""Media fan-out over k workers: `python -m bench media --workers 1,2,3`.

One 640x480@30 VP8 + Opus publisher on worker 0, N subscribers spread evenly over k Plenum server
processes (a static spread: no Redis, no placement; each subscriber process has subscribers of
every worker, for the end-to-end comparison below). Worker 0
receives the publisher; each other worker gets its two feeds once, through the media pipe
(`server/sfu/pipe.py`, `bench.media.piping`), and forwards them to its own subscribers. After
everyone has a first frame and a warm-up, one window of S seconds:

- cpu_per_subscriber_pct: the CPU time of all k server processes over the window, as % of one
  core, divided by N;
- worker0_cpu_pct: worker 0 alone (its N/k subscribers and the k-1 pipes);
- tap_us: the pipe's own cost per piped packet on worker 0, CPU time of the thread around each
  tap (seal with AES-GCM and `sendto`; sendto_us: the `sendto` part), and piped_pps, the
  packets worker 0 wrote to the pipe per second;
- pipe_p50_ms / pipe_p99_ms: arrival on worker j minus the origin's stamp, for every packet piped
  in the window (one machine, one clock);
- added_p50_ms / added_p99_ms: end to end, what a subscriber on worker j > 0 waits more than one
  on worker 0. Each subscriber logs the arrival of each video frame's last packet with the CRC of
  its payload (which the server forwards untouched, so the same frame has the same CRC on every
  leg). In each subscriber process, the first worker-0 subscriber is the reference; for every
  other subscriber of that process, the difference of arrival times of the same frames is taken.
  Subscribers of one process share its event loop, so the order in which it reads their sockets
  is in every difference: the same figure for the other worker-0 subscribers (same_p50_ms /
  same_p99_ms) shows that floor;
- fps_min / fps_mean: video frames per second over all subscribers (marker bits after SRTP).
"""

import asyncio
import math
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import cpu
from bench.common.children import Child, ChildError, Children
from bench.common.results import RESULTS, percentile_ms
from bench.media.steps import (
    LIVE_TIMEOUT_S,
    PUBLISHER_TIMEOUT_S,
    QUIT_TIMEOUT_S,
    REPLY_TIMEOUT_S,
    SERVER_START_TIMEOUT_S,
    all_ready,
    until_live,
)
from bench.media.subscribers import MAX_PER_PROCESS

Row = dict[str, Any]


@dataclass(frozen=True)
class SpreadConfig:
    subscribers: tuple[int, ...] = (30, 60)
    workers: tuple[int, ...] = (1, 2, 3)
    seconds: float = 10.0
    warmup_s: float = 3.0
    per_process: int = MAX_PER_PROCESS
    json_path: Path = field(default=RESULTS / "media-workers.json")

    def __post_init__(self) -> None:
        if not self.subscribers or min(self.subscribers) < 1:
            raise ValueError("subscriber counts must be at least 1")
        if not self.workers or min(self.workers) < 1:
            raise ValueError("worker counts must be at least 1")
        if any(n < k for n in self.subscribers for k in self.workers):
            raise ValueError("each worker needs at least one subscriber")
        if self.seconds <= 0 or self.warmup_s < 0:
            raise ValueError("seconds > 0 and warm-up ≥ 0 are needed")
        if not 1 <= self.per_process <= MAX_PER_PROCESS:
            raise ValueError(f"1 to {MAX_PER_PROCESS} subscribers per process")


async def run(config: SpreadConfig, log_dir: Path) -> list[Row]:
    rows: list[Row] = []
    for n in sorted(config.subscribers):
        for k in sorted(config.workers):
            try:
                row = await _measure(n, k, config, log_dir)
            except ChildError as error:
                print(f"N={n} workers={k}: failed: {error} (logs in {log_dir})", flush=True)
                rows.append({"subscribers": n, "workers": k, "error": str(error)})
                continue
            rows.append(row)
            print(f"N={n} workers={k}: {_summary(row)}", flush=True)
    return rows


async def _measure(n: int, k: int, config: SpreadConfig, log_dir: Path) -> Row:
    children = Children(log_dir, REPLY_TIMEOUT_S, QUIT_TIMEOUT_S)
    label = f"spread-{n}-{k}"
    try:
        servers = [
            await children.start(f"{label}-server-{j}", "bench.media.server", "--engine", "plenum")
            for j in range(k)
        ]
        ports = [str((await s.reply(SERVER_START_TIMEOUT_S))["port"]) for s in servers]
        secret = os.urandom(32).hex()
        pipes = [await s.request(cmd="open_pipe", secret=secret) for s in servers] if k > 1 else []
        publisher = await children.start(f"{label}-publisher", "bench.media.publisher",
                                         "--port", ports[0], "--engine", "plenum")  # fmt: skip
        await publisher.reply(PUBLISHER_TIMEOUT_S)
        await until_live(servers[0])
        if k > 1:
            # Its video is live; its audio may come a moment later.
            deadline = time.monotonic() + LIVE_TIMEOUT_S
            while (offered := await servers[0].request(cmd="offer_feeds"))["feeds"] is None:
                if time.monotonic() > deadline:
                    raise ChildError(f"the publisher's tracks not all live in {LIVE_TIMEOUT_S} s")
                await asyncio.sleep(0.1)
            for server in servers[1:]:
                await server.request(cmd="pipe_from", origin=pipes[0]["address"],
                                     feeds=offered["feeds"])  # fmt: skip
        processes = math.ceil(n / config.per_process)
        groups = [list(range(n))[p::processes] for p in range(processes)]
        subscribers = [
            await children.start(
                f"{label}-subscribers-{p}", "bench.media.subscribers", "--engine", "plenum",
                "--port", ",".join(ports), "--names", ",".join(f"sub-{i}" for i in group),
                "--on", ",".join(str(i // processes % k) for i in group),
            )
            for p, group in enumerate(groups)
        ]  # fmt: skip
        await all_ready(subscribers, n)
        print(f"N={n} workers={k}: all connected; warm-up {config.warmup_s:g} s", flush=True)
        await asyncio.sleep(config.warmup_s)
        return await _window(n, k, config.seconds, servers, publisher, subscribers)
    finally:
        await children.stop_all()


async def _window(
    n: int, k: int, seconds: float, servers: list[Child], publisher: Child, subscribers: list[Child]
) -> Row:
    watched = [*(s.pid for s in servers), publisher.pid, *(s.pid for s in subscribers)]
    before_cpu = cpu.sample(watched)
    # The first snapshot also drains the pipe's latency samples from before the window.
    servers_0 = await asyncio.gather(*(s.request(cmd="snapshot") for s in servers))
    subs_0 = await asyncio.gather(*(s.request(cmd="snapshot") for s in subscribers))
    start = time.monotonic()
    await asyncio.sleep(seconds)
    end = time.monotonic()
    usage = cpu.CpuWindow(before_cpu, cpu.sample(watched))
    servers_1 = await asyncio.gather(*(s.request(cmd="snapshot") for s in servers))
    subs_1 = await asyncio.gather(*(s.request(cmd="snapshot") for s in subscribers))
    frames = await asyncio.gather(*(s.request(cmd="frames") for s in subscribers))

    fps: list[float] = []
    for before, after in zip(subs_0, subs_1, strict=True):
        elapsed = after["t"] - before["t"]
        fps.extend(
            (b[0] - a[0]) / elapsed for a, b in zip(before["legs"], after["legs"], strict=True)
        )
    server_cpu = [usage.percent_of_core(s.pid) for s in servers]
    row: Row = {
        "subscribers": n,
        "workers": k,
        "cpu_per_subscriber_pct": round(sum(server_cpu) / n, 3),
        "servers_cpu_pct": [round(c, 1) for c in server_cpu],
        "worker0_cpu_pct": round(server_cpu[0], 1),
        "fps_min": round(min(fps), 2),
        "fps_mean": round(statistics.fmean(fps), 2),
        "seconds": round(end - start, 2),
        "machine_busy_pct_of_all_cores": round(usage.machine_busy_percent, 1),
        "other_processes_cpu_pct": round(usage.others_percent_of_core([*watched, os.getpid()]), 1),
        "cores": os.cpu_count(),
    }
    if k > 1:
        pipe_0, pipe_1 = servers_0[0]["pipe"], servers_1[0]["pipe"]
        tapped = pipe_1["tapped"] - pipe_0["tapped"]
        latency = sorted(us / 1e6 for s in servers_1[1:] for us in s["pipe"]["latency_us"])
        added, same = _added_latency(frames, start, end)
        row |= {
            "piped_pps": round(tapped / (end - start), 1),
            "tap_us": round((pipe_1["tap_ns"] - pipe_0["tap_ns"]) / tapped / 1000, 2)
            if tapped
            else math.nan,
            "sendto_us": round((pipe_1["send_ns"] - pipe_0["send_ns"]) / tapped / 1000, 2)
            if tapped
            else math.nan,
            "pipe_p50_ms": percentile_ms(latency, 0.5, 3),
            "pipe_p99_ms": percentile_ms(latency, 0.99, 3),
            "pipe_samples": len(latency),
            "pipe_gaps": sum(s["pipe"]["gaps"] for s in servers_1[1:]),
            "pipe_dropped": [s["pipe"]["dropped"] for s in servers_1],
            "added_p50_ms": percentile_ms(added, 0.5, 2),
            "added_p99_ms": percentile_ms(added, 0.99, 2),
            "same_p50_ms": percentile_ms(same, 0.5, 2),
            "same_p99_ms": percentile_ms(same, 0.99, 2),
            "matched_frames": len(added),
        }
    return row


def _added_latency(
    replies: Sequence[dict[str, Any]], start: float, end: float
) -> tuple[list[float], list[float]]:
    """Arrival differences of the same frames against each process's first worker-0 subscriber:
    (subscribers of other workers, the other subscribers of worker 0), each sorted, in seconds."""
    added: list[float] = []
    same: list[float] = []
    for reply in replies:
        legs = [
            (worker, {crc: t for crc, t in log if start <= t <= end})
            for worker, log in reply["frames"]
        ]
        reference = next((frames for worker, frames in legs if worker == 0), None)
        if reference is None:
            continue
        for worker, frames in legs:
            if frames is reference:
                continue
            differences = [t - reference[crc] for crc, t in frames.items() if crc in reference]
            (added if worker else same).extend(differences)
    return sorted(added), sorted(same)


def _summary(row: Row) -> str:
    text = (
        f"{row['cpu_per_subscriber_pct']:.2f} % of a core per subscriber (servers "
        f"{' + '.join(f'{c:.0f}' for c in row['servers_cpu_pct'])} %), fps min "
        f"{row['fps_min']:.1f} mean {row['fps_mean']:.1f}"
    )
    if row["workers"] > 1:
        text += (
            f", tap {row['tap_us']:.1f} µs x {row['piped_pps']:.0f}/s, pipe p50/p99 "
            f"{row['pipe_p50_ms']:.2f}/{row['pipe_p99_ms']:.2f} ms, added p50/p99 "
            f"{row['added_p50_ms']:.2f}/{row['added_p99_ms']:.2f} ms"
        )
    return text


def table(rows: Sequence[Row]) -> str:
    head = (
        "| N | workers | CPU per subscriber, % of a core (all servers) | servers CPU % "
        "| worker 0 CPU % | pipe µs per packet on worker 0 (of which sendto) | piped packets/s "
        "| pipe latency p50 / p99 ms | added end-to-end p50 / p99 ms (worker 0 vs worker 0) "
        "| fps min / mean | machine busy % | others CPU % |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['subscribers']} | {row['workers']} | failed: {row['error']} |")
            continue
        servers = " + ".join(f"{c:.0f}" for c in row["servers_cpu_pct"])
        if row["workers"] > 1:
            pipe = (
                f"| {row['tap_us']:.1f} ({row['sendto_us']:.1f}) | {row['piped_pps']:.0f} "
                f"| {row['pipe_p50_ms']:.2f} / {row['pipe_p99_ms']:.2f} "
                f"| {row['added_p50_ms']:.2f} / {row['added_p99_ms']:.2f} "
                f"({row['same_p50_ms']:.2f} / {row['same_p99_ms']:.2f}) "
            )
        else:
            pipe = "| - | - | - | - "
        lines.append(
            f"| {row['subscribers']} | {row['workers']} | {row['cpu_per_subscriber_pct']:.2f} "
            f"| {servers} | {row['worker0_cpu_pct']:.0f} {pipe}"
            f"| {row['fps_min']:.1f} / {row['fps_mean']:.1f} "
            f"| {row['machine_busy_pct_of_all_cores']:.0f} "
            f"| {row['other_processes_cpu_pct']:.0f} |"
        )
    return "\n".join(lines)
