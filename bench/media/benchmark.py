"""Media fan-out: one 640x480@30 VP8 + Opus publisher to N subscribers, Plenum against MediaRelay.

For each engine and each N, a fresh set of processes on loopback: the server (Plenum's
`ForwardingUnit`, or aiortc's `MediaRelay` re-encoding per subscriber, in `bench.media.server`),
one publisher (`bench.media.publisher`, 1.5 Mbit/s) and the subscribers, at most 50 per process
(`bench.media.subscribers`). After everyone has a first frame and a warm-up, one window of S
seconds:

- server_cpu_pct: the server process's CPU time over the window, as % of one core (psutil);
- fps_min / fps_mean: video frames per second each subscriber got (VP8 RTP marker bits, counted
  after SRTP, nothing decoded), the lowest and the mean over subscribers;
- loss_pct: server-added frame loss, 1 - (frames the subscribers got) / (N x frames the server got
  from the publisher), each side as a rate over its own window (clock-aligned to a few ms, so
  about ±0.3 % of noise; clamped at 0). It counts every frame the server failed to deliver, whether
  dropped before the sender (a full outlet, an encoder behind) or lost on the way;
- fps_of_sent_pct: fps_mean against the frames the publisher's camera handed to its sender; a
  server short of CPU falls behind reading the publisher too (its socket buffer holds the backlog,
  no sequence gap), which loss_pct alone does not show;
- seq_loss_pct: the RTP sequence-number gaps on the subscribers' legs (packets lost between the
  server's sender and the subscriber's socket; subscribers send no NACK, so nothing is repaired);
- codec calls in the server over the window: `decode`/`encode` (must be 0 for Plenum) and `pack`
  (re-packetizing encoded frames; 0 too, since Plenum forwards RTP packets as they came).

MediaRelay runs up to --relay-max subscribers and stops at the first N where its frame rate
collapses (mean below half of what the publisher sent). The machine may be shared: each row
carries how busy it was and how much of that was other processes.
"""

import argparse
import asyncio
import math
import os
import shutil
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import cpu
from bench.common.children import Child, ChildError, Children, Reply
from bench.common.results import RESULTS, write_json
from bench.common.stopping import run_stoppable
from bench.media import spread
from bench.media.peers import ENGINES, Engine
from bench.media.steps import (
    PUBLISHER_TIMEOUT_S,
    QUIT_TIMEOUT_S,
    REPLY_TIMEOUT_S,
    SERVER_START_TIMEOUT_S,
    all_ready,
    until_live,
)
from bench.media.subscribers import MAX_PER_PROCESS

HELP = "one VP8 + Opus publisher to N subscribers, Plenum against aiortc's MediaRelay"
COLLAPSE = 0.5

Row = dict[str, Any]


@dataclass(frozen=True)
class MediaConfig:
    subscribers: tuple[int, ...] = (1, 10, 25, 50, 100)
    seconds: float = 15.0
    warmup_s: float = 3.0
    relay_max: int = 25
    per_process: int = MAX_PER_PROCESS
    engines: tuple[Engine, ...] = ENGINES
    json_path: Path = field(default=RESULTS / "media.json")

    def __post_init__(self) -> None:
        if not self.subscribers or min(self.subscribers) < 1:
            raise ValueError("subscriber counts must be at least 1")
        if self.seconds <= 0 or self.warmup_s < 0:
            raise ValueError("seconds > 0 and warm-up ≥ 0 are needed")
        if not 1 <= self.per_process <= MAX_PER_PROCESS:
            raise ValueError(f"1 to {MAX_PER_PROCESS} subscribers per process")


async def run(config: MediaConfig) -> list[Row]:
    log_dir = config.json_path.parent / "media-logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    rows: list[Row] = []
    for engine in config.engines:
        counts = sorted(config.subscribers)
        if engine == "mediarelay":
            counts = [n for n in counts if n <= config.relay_max]
        for n in counts:
            try:
                row = await _measure(engine, n, config, log_dir)
            except ChildError as error:
                print(f"{engine} N={n}: failed: {error} (logs in {log_dir})", flush=True)
                rows.append({"engine": engine, "subscribers": n, "error": str(error)})
                break
            rows.append(row)
            print(f"{engine} N={n}: {_summary(row)}", flush=True)
            if engine == "mediarelay" and row["fps_mean"] < COLLAPSE * row["publisher_sent_fps"]:
                print(f"{engine}: frame rate collapsed at N={n}; stopping here", flush=True)
                break
    return rows


async def _measure(engine: Engine, n: int, config: MediaConfig, log_dir: Path) -> Row:
    children = Children(log_dir, REPLY_TIMEOUT_S, QUIT_TIMEOUT_S)
    try:
        server = await children.start(f"{engine}-{n}-server", "bench.media.server",
                                      "--engine", engine)  # fmt: skip
        port = str((await server.reply(SERVER_START_TIMEOUT_S))["port"])
        publisher = await children.start(f"{engine}-{n}-publisher", "bench.media.publisher",
                                         "--port", port, "--engine", engine)  # fmt: skip
        await publisher.reply(PUBLISHER_TIMEOUT_S)
        await until_live(server)
        groups = _split([f"sub-{i}" for i in range(n)], config.per_process)
        subscribers = [
            await children.start(f"{engine}-{n}-subscribers-{k}", "bench.media.subscribers",
                                 "--port", port, "--engine", engine, "--names", ",".join(names))
            for k, names in enumerate(groups)
        ]  # fmt: skip
        await all_ready(subscribers, n)
        print(f"{engine} N={n}: all connected; warm-up {config.warmup_s:g} s", flush=True)
        await asyncio.sleep(config.warmup_s)
        return await _window(engine, n, config.seconds, server, publisher, subscribers)
    finally:
        await children.stop_all()


def _split(names: list[str], per_process: int) -> list[list[str]]:
    processes = math.ceil(len(names) / per_process)
    return [names[k::processes] for k in range(processes)]


async def _snapshots(
    server: Child, publisher: Child, subscribers: list[Child]
) -> tuple[Reply, Reply, list[Reply]]:
    first, second, *rest = await asyncio.gather(
        server.request(cmd="snapshot"),
        publisher.request(cmd="snapshot"),
        *(s.request(cmd="snapshot") for s in subscribers),
    )
    return first, second, rest


async def _window(
    engine: Engine,
    n: int,
    seconds: float,
    server: Child,
    publisher: Child,
    subscribers: list[Child],
) -> Row:
    watched = [server.pid, publisher.pid, *(s.pid for s in subscribers), os.getpid()]
    before_cpu = cpu.sample(watched)
    server_0, publisher_0, subs_0 = await _snapshots(server, publisher, subscribers)
    await asyncio.sleep(seconds)
    usage = cpu.CpuWindow(before_cpu, cpu.sample(watched))
    server_1, publisher_1, subs_1 = await _snapshots(server, publisher, subscribers)

    span = server_1["t"] - server_0["t"]
    ingress = {k: server_1["ingress"][k] - server_0["ingress"][k] for k in server_0["ingress"]}
    codecs = {k: server_1["codecs"][k] - server_0["codecs"][k] for k in server_0["codecs"]}
    publisher_fps = ingress["frames"] / span
    fps: list[float] = []
    received = expected = 0
    for before, after in zip(subs_0, subs_1, strict=True):
        elapsed = after["t"] - before["t"]
        for leg_0, leg_1 in zip(before["legs"], after["legs"], strict=True):
            fps.append((leg_1[0] - leg_0[0]) / elapsed)
            received += leg_1[1] - leg_0[1]
            expected += leg_1[2] - leg_0[2]
    sent = publisher_1["frames"] - publisher_0["frames"]
    sent_fps = sent / (publisher_1["t"] - publisher_0["t"])
    frame_loss = 1 - sum(fps) / (n * publisher_fps) if publisher_fps else math.nan
    return {
        "engine": engine,
        "subscribers": n,
        "server_cpu_pct": round(usage.percent_of_core(server.pid), 1),
        "fps_min": round(min(fps), 2),
        "fps_mean": round(statistics.fmean(fps), 2),
        "loss_pct": round(max(0.0, 100 * frame_loss), 2),
        "loss_pct_raw": round(100 * frame_loss, 3),
        "seq_loss_pct": round(100 * (1 - received / expected), 3) if expected else math.nan,
        "fps_of_sent_pct": round(100 * statistics.fmean(fps) / sent_fps, 1),
        "seconds": round(span, 2),
        # What the server got, and what the publisher's camera handed to its sender.
        "publisher_fps": round(publisher_fps, 2),
        "publisher_sent_fps": round(sent_fps, 2),
        "publisher_video_kbps": round(8 * ingress["payload_bytes"] / span / 1000, 1),
        "publisher_keyframes": ingress["keyframes"],
        "publisher_leg_loss_pct": round(100 * (1 - ingress["received"] / ingress["expected"]), 3)
        if ingress["expected"]
        else math.nan,
        "server_codec_calls": codecs,
        "server_codecs_created": {
            "decoders": server_1["codecs"]["decoders"],
            "encoders": server_1["codecs"]["encoders"],
        },
        "server_stats": {k: v for k, v in server_1.items() if k not in ("t", "ingress", "codecs")},
        "publisher_cpu_pct": round(usage.percent_of_core(publisher.pid), 1),
        "subscriber_processes": len(subscribers),
        "subscriber_cpu_pct": [round(usage.percent_of_core(s.pid), 1) for s in subscribers],
        "machine_busy_pct_of_all_cores": round(usage.machine_busy_percent, 1),
        "cores": os.cpu_count(),
        "other_processes_cpu_pct": round(usage.others_percent_of_core(watched), 1),
        "kernel_irq_cpu_pct": round(usage.irq_percent_of_core, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _summary(row: Row) -> str:
    return (
        f"server {row['server_cpu_pct']:.1f} % of a core, fps min {row['fps_min']:.1f} "
        f"mean {row['fps_mean']:.1f} (server got {row['publisher_fps']:.1f}, publisher sent "
        f"{row['publisher_sent_fps']:.1f}), "
        f"loss {row['loss_pct']:.2f} %, decode/encode/pack "
        f"{row['server_codec_calls']['decode']}/{row['server_codec_calls']['encode']}/"
        f"{row['server_codec_calls']['pack']}, others {row['other_processes_cpu_pct']:.0f} %"
    )


def table(rows: Sequence[Row]) -> str:
    head = (
        "| engine | N | server CPU % of a core | fps min | fps mean | % of sent | loss % "
        "| seq loss % "
        "| publisher sent fps | server got fps / kbit/s | server decode / encode / pack calls "
        "| publisher CPU % | subscribers CPU % | machine busy % | others CPU % |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['engine']} | {row['subscribers']} | failed: {row['error']} |")
            continue
        calls = row["server_codec_calls"]
        lines.append(
            f"| {row['engine']} | {row['subscribers']} | {row['server_cpu_pct']:.1f} "
            f"| {row['fps_min']:.1f} | {row['fps_mean']:.1f} | {row['fps_of_sent_pct']:.0f} "
            f"| {row['loss_pct']:.2f} "
            f"| {row['seq_loss_pct']:.3f} "
            f"| {row['publisher_sent_fps']:.1f} "
            f"| {row['publisher_fps']:.1f} / {row['publisher_video_kbps']:.0f} "
            f"| {calls['decode']} / {calls['encode']} / {calls['pack']} "
            f"| {row['publisher_cpu_pct']:.0f} "
            f"| {' + '.join(f'{c:.0f}' for c in row['subscriber_cpu_pct'])} "
            f"| {row['machine_busy_pct_of_all_cores']:.0f} "
            f"| {row['other_processes_cpu_pct']:.0f} |"
        )
    return "\n".join(lines)


# The command line: `python -m bench media`.


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = MediaConfig()
    parser.add_argument("--json", type=Path, default=defaults.json_path, help="results file")
    parser.add_argument(
        "--subscribers",
        help="comma-separated subscriber counts (default "
        f"{','.join(str(n) for n in defaults.subscribers)}; with --workers "
        f"{','.join(str(n) for n in spread.SpreadConfig().subscribers)})",
    )
    parser.add_argument(
        "--workers",
        help="comma-separated worker counts: the room spread over that many server processes, "
        "fed through the media pipe (Plenum only; see bench/media/spread.py)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        help="per N (default "
        f"{defaults.seconds:g}; with --workers {spread.SpreadConfig().seconds:g})",
    )
    parser.add_argument("--warmup", type=float, default=defaults.warmup_s, help="seconds")
    parser.add_argument(
        "--relay-max", type=int, default=defaults.relay_max, help="most subscribers for MediaRelay"
    )
    parser.add_argument("--per-process", type=int, default=defaults.per_process,
                        help="subscribers per subscriber process")  # fmt: skip
    parser.add_argument("--engines", default=",".join(defaults.engines), help="plenum,mediarelay")


def main(args: argparse.Namespace) -> int:
    if args.workers:
        return _main_spread(args)
    engines = tuple(e for e in ENGINES if e in args.engines.split(","))
    defaults = MediaConfig()
    config = MediaConfig(
        subscribers=_counts(args.subscribers) or defaults.subscribers,
        seconds=args.seconds or defaults.seconds,
        warmup_s=args.warmup,
        relay_max=args.relay_max,
        per_process=args.per_process,
        engines=engines,
        json_path=args.json,
    )
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = run_stoppable(run(config))
    print()
    print(table(rows))
    write_json({"runs": rows}, config.json_path)
    print(f"\nwritten to {config.json_path}")
    return 0 if rows and all("error" not in r for r in rows) else 1


def _counts(text: str | None) -> tuple[int, ...]:
    return tuple(int(n) for n in text.split(",")) if text else ()


def _main_spread(args: argparse.Namespace) -> int:
    defaults = spread.SpreadConfig()
    config = spread.SpreadConfig(
        subscribers=_counts(args.subscribers) or defaults.subscribers,
        workers=_counts(args.workers),
        seconds=args.seconds or defaults.seconds,
        warmup_s=args.warmup,
        per_process=args.per_process,
        json_path=args.json if args.json != MediaConfig().json_path else defaults.json_path,
    )
    log_dir = config.json_path.parent / "media-workers-logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = run_stoppable(spread.run(config, log_dir))
    print()
    print(spread.table(rows))
    write_json({"runs": rows}, config.json_path)
    print(f"\nwritten to {config.json_path}")
    return 0 if rows and all("error" not in r for r in rows) else 1
