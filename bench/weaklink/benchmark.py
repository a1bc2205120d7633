"""A ten-person room where one person is on a weak link: what they hear and see, and whether the
others notice.

One Chromium sits behind a shaped link (`tests/harness/shaped.py`: a network namespace, 1.5
Mbit/s down with tbf and 3 % of incoming UDP lost, by default) and nine aiortc members join on
this machine's own network (`bench.weaklink.members`): everyone publishes a camera and a
microphone and receives everyone else, as in a workshop (here as presenters in the plenary, where
everyone publishes too, so the run needs no moderator). One member speaks (a tone), the others
send silence. After a warm-up, over a window, measured:

- from the weak Chromium's statistics (`bench.weaklink.weak`): the speaker's longest audio gap and
  concealed share, the longest gap of any sound, the speaker's video frame rate and the others'
  (mean per feed), its inbound rate and its loss after retransmissions;
- from the members: the speaker's video frames each other member received per second (counted
  from RTP headers; each shows the speaker only), against what their cameras sent: whether the
  others are unaffected by the weak one.

`--adaptation` names the rows: `off` (`PLENUM_FIT_VIDEO_TO_LINKS=off`: every video a subscriber
shows is sent, whatever its link) and `on` (the default: `server.sfu.bandwidth` fits what each
subscriber is sent to its link), side by side in one run.
"""

import argparse
import asyncio
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Page, async_playwright

from bench.common.children import Child, ChildError, Children
from bench.common.results import RESULTS, write_json
from bench.common.stopping import run_stoppable
from bench.weaklink.weak import SAMPLER, WeakView, summarise
from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.person import RECORD
from tests.harness.api import create_meeting
from tests.harness.processes import ADMIN_TOKEN, ServerProcess, servers, start_plenum
from tests.harness.shaped import Shape, ShapedLink, missing_tools, shaped_link
from tests.harness.waiting import eventually

HELP = "one Chromium on 1.5 Mbit/s with 3 % loss among nine aiortc members: gaps and frame rates"
# Server settings of each row. "on" joins when Plenum estimates each subscriber's bandwidth.
ADAPTATIONS: dict[str, dict[str, str]] = {
    "off": {"PLENUM_FIT_VIDEO_TO_LINKS": "off"},
    "on": {"PLENUM_FIT_VIDEO_TO_LINKS": "on"},
}
RECEIVING_TIMEOUT_S = 60.0
CONNECT_TIMEOUT_S = 60.0
REPLY_TIMEOUT_S = 10.0
QUIT_TIMEOUT_S = 10.0
# The members' cameras' sizes, in turn: a workshop's mix of laptops and phones.
SIZES = "640x480,480x360,320x240"
Row = dict[str, Any]


class MeasureError(Exception):
    """The run did not measure what it set out to: a row says so instead of numbers."""


@dataclass(frozen=True)
class WeaklinkConfig:
    adaptations: tuple[str, ...] = ("off", "on")
    members: int = 9
    down_kbit: int = 1500
    loss_percent: int = 3
    video_kbit: int = 800
    sizes: tuple[tuple[int, int], ...] = ((640, 480), (480, 360), (320, 240))
    warmup_s: float = 10.0
    seconds: float = 20.0
    json_path: Path = field(default=RESULTS / "weaklink.json")

    def __post_init__(self) -> None:
        for adaptation in self.adaptations:
            if adaptation not in ADAPTATIONS:
                raise ValueError(f"--adaptation {adaptation}: expected {', '.join(ADAPTATIONS)}")
        if not 2 <= self.members <= 24:
            raise ValueError(f"--members {self.members}: 2 to 24 (the room's publisher limit)")
        if not self.sizes or min(min(size) for size in self.sizes) < 16:
            raise ValueError(f"--sizes {self.sizes}: at least one, each at least 16x16")
        if self.seconds <= 0 or self.warmup_s < 0 or self.video_kbit <= 0:
            raise ValueError("--seconds and --video-kbit must be > 0, --warmup ≥ 0")
        self.shape()  # a rate or loss it cannot make stops the run here

    def shape(self) -> Shape:
        return Shape(down_kbit=self.down_kbit, loss_percent=self.loss_percent)


async def run(config: WeaklinkConfig) -> list[Row]:
    rows = []
    for adaptation in config.adaptations:
        row = await _measure(config, adaptation)
        print(f"adaptation {adaptation}: {row}", flush=True)
        rows.append(row)
    return rows


async def _measure(config: WeaklinkConfig, adaptation: str) -> Row:
    log_dir = config.json_path.parent / "weaklink-logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    children = Children(log_dir, REPLY_TIMEOUT_S, QUIT_TIMEOUT_S)
    with shaped_link(config.shape()) as link, servers() as start:
        # port=None said: a row's settings are names mypy cannot tell from `port`.
        settings = ADAPTATIONS[adaptation]
        server = start_plenum(start, port=None, host=link.outside, **link.plenum_env(), **settings)
        created = create_meeting(server.base_url, "Warsztat: słaby link", ADMIN_TOKEN)
        try:
            members = await _join_members(config, children, server, created["presenter_token"])
            weak, received = await _observe(config, link, server, created, members)
            dropped = {"dropped_by_loss": link.dropped(), "dropped_by_rate": link.rate_dropped()}
        except (ChildError, MeasureError) as error:
            return {"adaptation": adaptation, "error": f"{error} (logs in {log_dir})"}
        finally:
            await children.stop_all()
            (log_dir / "server.log").write_text(server.printed())
    return {"adaptation": adaptation, **asdict(weak), **received, **dropped}


async def _join_members(
    config: WeaklinkConfig, children: Children, server: ServerProcess, token: str
) -> list[Child]:
    members = []
    for i in range(config.members):
        width, height = config.sizes[i % len(config.sizes)]
        members.append(
            await children.start(
                member_name(i),
                "bench.weaklink.members",
                *("--url", server.ws_url, "--token", token, "--name", member_name(i)),
                *("--size", f"{width}x{height}", "--kbit", str(config.video_kbit)),
                *(["--speaking"] if i == 0 else []),
            )
        )
        if i == 0:
            # The speaker connects first: its video is the first the server offers, and so the
            # weak page's featured tile (a plenary features its first presenter), as the page of
            # someone following the speaker would. Started together, any member could be first.
            await members[0].reply(CONNECT_TIMEOUT_S)  # {"connected": true}
    for member in members[1:]:
        await member.reply(CONNECT_TIMEOUT_S)
    return members


def member_name(i: int) -> str:
    return f"Osoba {i + 1:02d}"  # two digits: no name is a part of another


async def _observe(
    config: WeaklinkConfig,
    link: ShapedLink,
    server: ServerProcess,
    created: dict[str, str],
    members: list[Child],
) -> tuple[WeakView, Row]:
    secure = f"--unsafely-treat-insecure-origin-as-secure={server.base_url}"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(link.chromium), args=[*CHROMIUM_ARGS, secure]
        )
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.add_init_script(RECORD)
            await page.goto(created["presenter_link"])
            await _join(page, "Słaby Link")
            await eventually(
                lambda: _shown(page, len(members)),
                RECEIVING_TIMEOUT_S,
                every=0.25,
                failure=f"the weak page did not show {len(members)} videos",
            )
            # A warm-up: connections, keyframes and encoders settle before the window.
            await asyncio.sleep(config.warmup_s)
            await page.evaluate(SAMPLER)
            before = [await m.request(cmd="snapshot") for m in members]
            # The window: rates are counts over time.
            await asyncio.sleep(config.seconds)
            samples = await page.evaluate("() => window.feedSamples")
            after = [await m.request(cmd="snapshot") for m in members]
        finally:
            await browser.close()
    ended = {
        m.label: ", ".join(a["restarts"]) or a["state"]
        for m, a in zip(members, after, strict=True)
        if a["state"] != "connected"
    }
    if ended:
        raise MeasureError(f"media ended before the window did: {ended}")
    # Each member but the speaker shows (and so receives) the speaker's video only.
    fps = [
        (a["received"] - b["received"]) / (a["t"] - b["t"])
        for b, a in list(zip(before, after, strict=True))[1:]
    ]
    sent = [(a["sent"] - b["sent"]) / (a["t"] - b["t"]) for b, a in zip(before, after, strict=True)]
    received = {
        "members_speaker_fps": round(sum(fps) / len(fps), 1),
        "members_min_speaker_fps": round(min(fps), 1),
        "members_camera_fps": round(sum(sent) / len(sent), 1),
    }
    return summarise(samples, member_name(0)), received


async def _join(page: Page, name: str) -> None:
    await page.locator("#join-name").fill(name)
    await page.locator("#join-camera").set_checked(True)
    await page.locator("#join-microphone").set_checked(True)
    await page.locator("#join-submit").click()
    await page.locator("#meeting-view").wait_for(state="visible")


async def _shown(page: Page, count: int) -> bool:
    shown: int = await page.evaluate(
        "() => document.querySelectorAll('#videos figure video').length"
    )
    return shown >= count


COLUMNS = (
    ("adaptation", "adaptation", ""),
    ("longest_gap_ms", "speaker's longest audio gap ms", ".0f"),
    ("concealed_percent", "speaker concealed %", ".1f"),
    ("worst_gap_ms", "longest gap, any sound ms", ".0f"),
    ("speaker_fps", "speaker's video fps", ".1f"),
    ("others_fps", "others' video fps", ".1f"),
    ("inbound_kbit", "weak inbound kbit/s", ".0f"),
    ("lost_percent", "weak lost %", ".1f"),
    ("members_speaker_fps", "members' speaker video fps (min)", ".1f"),
    ("members_camera_fps", "members' cameras fps", ".1f"),
)


def table(rows: list[Row]) -> str:
    lines = [
        "| " + " | ".join(title for _, title, _ in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['adaptation']} | failed: {row['error']} |")
            continue
        cells = [format(row[key], spec) for key, _, spec in COLUMNS]
        cells[8] += f" ({row['members_min_speaker_fps']:.1f})"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = WeaklinkConfig()
    parser.add_argument("--json", type=Path, default=defaults.json_path, help="results file")
    parser.add_argument(
        "--adaptation",
        default=",".join(defaults.adaptations),
        help=f"rows to run, comma-separated ({', '.join(ADAPTATIONS)})",
    )
    parser.add_argument("--members", type=int, default=defaults.members, help="aiortc members")
    parser.add_argument("--down-kbit", type=int, default=defaults.down_kbit)
    parser.add_argument(
        "--loss", type=int, default=defaults.loss_percent, help="%% of incoming UDP lost"
    )
    parser.add_argument(
        "--video-kbit", type=int, default=defaults.video_kbit, help="each member's camera"
    )
    parser.add_argument(
        "--sizes", default=SIZES, help="the members' cameras in turn, WIDTHxHEIGHT,..."
    )
    parser.add_argument("--warmup", type=float, default=defaults.warmup_s, help="seconds")
    parser.add_argument("--seconds", type=float, default=defaults.seconds, help="the window")


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    if not (width.isdigit() and height.isdigit()):
        raise ValueError(f"--sizes: {text!r} is no WIDTHxHEIGHT")
    return int(width), int(height)


def main(args: argparse.Namespace) -> int:
    if missing := missing_tools():
        print(f"a shaped link needs {', '.join(missing)}: run as root with nftables installed")
        return 2
    try:
        config = WeaklinkConfig(
            adaptations=tuple(a for a in args.adaptation.split(",") if a),
            members=args.members,
            down_kbit=args.down_kbit,
            loss_percent=args.loss,
            video_kbit=args.video_kbit,
            sizes=tuple(_size(text) for text in args.sizes.split(",") if text),
            warmup_s=args.warmup,
            seconds=args.seconds,
            json_path=args.json,
        )
    except ValueError as error:
        print(f"python -m bench weaklink: {error}")
        return 2
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = run_stoppable(run(config))
    print()
    print(table(rows))
    write_json(rows, config.json_path)
    print(f"\nwritten to {config.json_path}")
    return 1 if any("error" in row for row in rows) else 0
