"""A viewer whose link is narrower than the presenter's camera, with simulcast off and on.

One Chromium (the presenter, a moderator with the fake 640x480 camera) and one more (Jan, a
viewer) run on this machine's own network; a third (Ewa, a viewer) runs behind a shaped link
(`tests/harness/shaped.py`: 400 kbit/s down by default, no random loss): less than the camera's
full picture, more than its half-size layer. Both viewers show the presenter as the featured tile.
After the viewers see her, each page counts the presenter's decoded frames and their height every
250 ms (`SAMPLER`) over a window, and the run reads for each viewer: the frames per second (mean,
and the worst second), the longest time with no new frame, and the share of the window spent at
each picture height.

Two rows in one run, the server's only difference: `off` (`PLENUM_MEDIA_SIMULCAST=off`, the
default: one stream per camera; the link fitting of `server/sfu/bandwidth.py` can only pause a
video or keep it) and `on` (the camera sends two layers; each viewer is sent the one its tile
needs and its link carries).
"""

import argparse
import os
import time
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from bench.common.results import RESULTS, write_json
from tests.browser.conftest import browsers_beside
from tests.browser.person import Person
from tests.harness.api import create_meeting
from tests.harness.processes import ADMIN_TOKEN, servers, start_plenum
from tests.harness.shaped import Shape, missing_tools, shaped_link

HELP = "a viewer on 400 kbit/s and one on loopback, simulcast off and on: frame rates and freezes"
MODES = ("off", "on")
SLOW_PAGE_MS = 60_000
# Every 250 ms: the presenter's frames decoded so far and their height, on this page.
SAMPLER = """
(name) => {
  window.presenterSamples = [];
  window.presenterSampler = setInterval(async () => {
    const frames = await window.receivedOf(name, "video", "framesDecoded");
    const height = await window.receivedOf(name, "video", "frameHeight");
    window.presenterSamples.push({ at: performance.now(), frames: frames ?? 0, height });
  }, 250);
}
"""
Row = dict[str, Any]


@dataclass(frozen=True)
class SimulcastConfig:
    modes: tuple[str, ...] = MODES
    down_kbit: int = 400
    warmup_s: float = 10.0
    seconds: float = 40.0
    json_path: Path = field(default=RESULTS / "simulcast.json")

    def __post_init__(self) -> None:
        for mode in self.modes:
            if mode not in MODES:
                raise ValueError(f"--mode {mode}: expected {', '.join(MODES)}")
        if self.seconds <= 0 or self.warmup_s < 0 or self.down_kbit <= 0:
            raise ValueError("--seconds and --down-kbit must be > 0, --warmup ≥ 0")


@dataclass(frozen=True)
class Watched:
    """What one viewer saw of the presenter over the window."""

    fps: float
    worst_second_fps: float
    longest_freeze_ms: float
    # Each picture height seen, and the share of the window (in %) spent at it.
    heights: dict[int, float]


def summarise(samples: list[dict[str, Any]]) -> Watched:
    """From the page's samples: frame rate, the worst whole second, the longest time without a
    new frame (to within the sampling interval) and the time at each height."""
    if len(samples) < 2:
        raise ValueError("fewer than two samples")
    span_ms = samples[-1]["at"] - samples[0]["at"]
    frames = samples[-1]["frames"] - samples[0]["frames"]
    # The worst second: from each sample, to the first one a second or more later.
    worst = float("inf")
    later = 0
    for sample in samples:
        while later < len(samples) and samples[later]["at"] - sample["at"] < 1000:
            later += 1
        if later == len(samples):
            break
        elapsed = samples[later]["at"] - sample["at"]
        worst = min(worst, (samples[later]["frames"] - sample["frames"]) * 1000 / elapsed)
    freeze = longest = 0.0
    heights: dict[int, float] = {}
    for before, after in pairwise(samples):
        step = after["at"] - before["at"]
        freeze = freeze + step if after["frames"] == before["frames"] else 0.0
        longest = max(longest, freeze)
        if after["height"]:
            heights[after["height"]] = heights.get(after["height"], 0.0) + step
    return Watched(
        fps=round(frames * 1000 / span_ms, 1),
        worst_second_fps=round(worst if worst != float("inf") else 0.0, 1),
        longest_freeze_ms=round(longest),
        heights={h: round(100 * ms / span_ms) for h, ms in sorted(heights.items())},
    )


def measure(config: SimulcastConfig, mode: str) -> Row:
    with shaped_link(Shape(down_kbit=config.down_kbit)) as link, servers() as start:
        server = start_plenum(
            start, host=link.outside, PLENUM_MEDIA_SIMULCAST=mode, **link.plenum_env()
        )
        created = create_meeting(server.base_url, "Forum: wąski link", ADMIN_TOKEN)
        with browsers_beside(link, server) as (here, there):
            anna = Person.open(here, created["moderator_link"]).join("Anna Nowak")
            jan = Person.open(here, created["invite_link"]).join("Jan", camera=False)
            ewa = Person.open(there, created["invite_link"])
            expect(ewa.page.locator("#join-view")).to_be_visible(timeout=SLOW_PAGE_MS)
            ewa.join("Ewa", camera=False)
            for viewer in (jan, ewa):
                viewer.sees_video_of(anna.name)
            # A warm-up: the camera's rate and the link's estimate settle before the window.
            time.sleep(config.warmup_s)
            for viewer in (jan, ewa):
                viewer.page.evaluate(SAMPLER, anna.name)
            # The window: rates are counts over time.
            time.sleep(config.seconds)
            watched = {name: summarise(samples(p.page)) for name, p in (("jan", jan), ("ewa", ewa))}
            dropped = link.rate_dropped()
    return {
        "mode": mode,
        **{
            f"{name}_{key}": value
            for name, w in watched.items()
            for key, value in asdict(w).items()
        },
        "dropped_by_rate": dropped,
    }


def samples(page: Page) -> list[dict[str, Any]]:
    taken: list[dict[str, Any]] = page.evaluate(
        "() => { clearInterval(window.presenterSampler); return window.presenterSamples; }"
    )
    return taken


COLUMNS = (
    ("mode", "simulcast", ""),
    ("ewa_fps", "weak viewer fps", ".1f"),
    ("ewa_worst_second_fps", "weak worst second fps", ".1f"),
    ("ewa_longest_freeze_ms", "weak longest freeze ms", ".0f"),
    ("ewa_heights", "weak picture heights (% of the window)", ""),
    ("jan_fps", "good viewer fps", ".1f"),
    ("jan_longest_freeze_ms", "good longest freeze ms", ".0f"),
    ("jan_heights", "good picture heights (%)", ""),
)


def table(rows: list[Row]) -> str:
    lines = [
        "| " + " | ".join(title for _, title, _ in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for row in rows:
        cells = []
        for key, _, spec in COLUMNS:
            value = row[key]
            if isinstance(value, dict):
                cells.append(", ".join(f"{h}p {share}%" for h, share in value.items()))
            else:
                cells.append(format(value, spec))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = SimulcastConfig()
    parser.add_argument("--json", type=Path, default=defaults.json_path, help="results file")
    parser.add_argument("--mode", default=",".join(defaults.modes), help="rows: off,on")
    parser.add_argument("--down-kbit", type=int, default=defaults.down_kbit)
    parser.add_argument("--warmup", type=float, default=defaults.warmup_s, help="seconds")
    parser.add_argument("--seconds", type=float, default=defaults.seconds, help="the window")


def main(args: argparse.Namespace) -> int:
    if missing := missing_tools():
        print(f"a shaped link needs {', '.join(missing)}: run as root with nftables installed")
        return 2
    try:
        config = SimulcastConfig(
            modes=tuple(m for m in args.mode.split(",") if m),
            down_kbit=args.down_kbit,
            warmup_s=args.warmup,
            seconds=args.seconds,
            json_path=args.json,
        )
    except ValueError as error:
        print(f"python -m bench simulcast: {error}")
        return 2
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = []
    for mode in config.modes:
        row = measure(config, mode)
        print(f"simulcast {mode}: {row}", flush=True)
        rows.append(row)
    print()
    print(table(rows))
    write_json(rows, config.json_path)
    print(f"\nwritten to {config.json_path}")
    return 0
