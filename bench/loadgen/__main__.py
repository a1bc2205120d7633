"""A load-generator process: many members of the room in one asyncio loop, driven over stdin.

Started by the benchmark as `python -m bench.loadgen`. The first line on stdin is its brief (a JSON
object: engine, urls, token, names, which clients); every later line is a command, and
every command gets one JSON line back on stdout. Each member records, per run, the latency of
every chat text it hears (receipt time minus the send time the text carries); a `report` writes
them to a file of doubles. The process watches its own event-loop lag and collector pauses, so the
benchmark can tell when the load generator, not the server, was the bottleneck.

With `"storm": true` in its brief nobody joins at start: the `storm` command has every member join
at once, ungated, and answers each one's connect-to-welcome time and why the others failed.
"""

import asyncio
import contextlib
import gc
import signal
import time
from array import array
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import uvloop

from bench.common.children import Control, Reply
from bench.loadgen.joining import join_all
from bench.loadgen.lean import JOIN_TIMEOUT_S, LeanPlenumMember, LeanSocketioMember
from bench.loadgen.library import Member, PlenumMember, SocketioMember
from bench.loadgen.stamps import read_stamp, stamp

LAG_TICK_S = 0.01
# Lags and pauses under this are noise; over it they are kept with their time, for the report.
NOTABLE_S = 0.002


class LoadGen:
    def __init__(self, brief: dict[str, Any]) -> None:
        self.brief = brief
        self.latencies: dict[str, array[float]] = {}
        self.members: list[Member] = []
        self.lags: list[tuple[float, float]] = []
        self.gc_pauses: list[tuple[float, int, float]] = []
        self._gc_started = 0.0

    def hear(self, text: str, now: float) -> None:
        run, sent_at = read_stamp(text)
        found = self.latencies.get(run)
        if found is None:
            found = self.latencies[run] = array("d")
        found.append(now - sent_at)

    def new_member(self, index: int, name: str) -> Member:
        """Member `index` of the room; members alternate over the workers by index."""
        urls = self.brief["urls"]
        url = urls[index % len(urls)]
        token = self.brief["token"]
        lean = self.brief["clients"] == "lean"
        if self.brief["engine"] == "plenum":
            plenum = LeanPlenumMember if lean else PlenumMember
            return plenum(url, token, name, self.hear)
        socketio = LeanSocketioMember if lean else SocketioMember
        return socketio(url, token, self.hear)

    async def join_all(self) -> Reply:
        places = zip(self.brief["indices"], self.brief["names"], strict=True)
        self.members = [self.new_member(index, name) for index, name in places]
        return await join_all(self.members)

    async def storm(self) -> Reply:
        """Every member joins at once, ungated; each one's connect-to-welcome time, or why not."""
        places = zip(self.brief["indices"], self.brief["names"], strict=True)
        self.members = [self.new_member(index, name) for index, name in places]

        async def timed(member: Member) -> float:
            start = time.perf_counter()
            await member.join()
            return time.perf_counter() - start

        outcomes = await asyncio.gather(*(timed(m) for m in self.members), return_exceptions=True)
        failures: dict[str, int] = {}
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                why = _failure(outcome)
                failures[why] = failures.get(why, 0) + 1
        return {
            "seconds": [o for o in outcomes if isinstance(o, float)],
            "failures": failures,
        }

    async def send(self, run: str, rate: float, seconds: float) -> Reply:
        sender = self.members[0]
        count = max(1, round(rate * seconds))
        start = time.time() + 0.05
        late = 0.0
        first = last = 0.0
        for index in range(count):
            due = start + index / rate
            wait = due - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            now = time.time()
            late = max(late, now - due)
            await sender.say(stamp(run, index, now))
            last = now
            if index == 0:
                first = now
        return {"sent": count, "first": first, "last": last, "max_late_ms": late * 1000}

    def count(self, run: str) -> Reply:
        return {"count": len(self.latencies.get(run, ()))}

    def report(self, run: str, start: float, end: float) -> Reply:
        found = self.latencies.get(run, array("d"))
        path = Path(self.brief["out_dir"]) / f"{self.brief['label']}-{run}.f64"
        with path.open("wb") as out:
            found.tofile(out)
        lags = [lag for at, lag in self.lags if start <= at <= end]
        pauses = [(g, ms) for at, g, ms in self.gc_pauses if start <= at <= end]
        return {
            "count": len(found),
            "path": str(path),
            "lost": sum(m.lost for m in self.members),
            "loop_lag_max_ms": max(lags, default=0.0) * 1000,
            "gc_full_collections": sum(1 for g, _ in pauses if g == 2),
            "gc_max_pause_ms": max((ms for _, ms in pauses), default=0.0),
        }

    async def watch_loop(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(LAG_TICK_S)
            lag = time.perf_counter() - before - LAG_TICK_S
            if lag > NOTABLE_S:
                self.lags.append((time.time(), lag))

    def watch_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        took = time.perf_counter() - self._gc_started
        if info["generation"] == 2 or took > NOTABLE_S:
            self.gc_pauses.append((time.time(), info["generation"], took * 1000))

    async def leave_all(self) -> Reply:
        await asyncio.gather(*(m.leave() for m in self.members))
        return {"left": len(self.members)}


async def main() -> None:
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    assert main_task is not None
    loop.add_signal_handler(signal.SIGTERM, main_task.cancel)
    control = await Control.open()
    answer = control.answer
    brief = await control.command()
    if brief.get("cmd") == "quit":  # closed before the brief
        return
    load = LoadGen(brief)
    gc.callbacks.append(load.watch_gc)
    watcher = asyncio.create_task(load.watch_loop())
    try:
        if load.brief.get("storm"):
            answer({"ready": len(load.brief["names"])})  # the joins wait for `storm`
        else:
            answer(await _guarded(load.join_all()))
        while (command := await control.command())["cmd"] != "quit":
            kind = command.pop("cmd")
            if kind == "send":
                answer(await _guarded(load.send(**command)))
            elif kind == "storm":
                answer(await _guarded(load.storm()))
            elif kind == "count":
                answer(load.count(**command))
            elif kind == "report":
                answer(load.report(**command))
            else:
                answer({"error": f"unknown command {kind!r}"})
    finally:
        watcher.cancel()
        answer(await load.leave_all())


def _failure(error: BaseException) -> str:
    """Why a join failed, without the member's name, so that alike failures count together."""
    if isinstance(error, TimeoutError):
        return f"no answer in {JOIN_TIMEOUT_S:g} s"
    detail = str(error)
    if detail.startswith("member "):
        detail = detail.partition(": ")[2]
    return f"{type(error).__name__}: {detail}"[:200]


async def _guarded(action: Awaitable[Reply]) -> Reply:
    try:
        return await action
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


if __name__ == "__main__":
    with contextlib.suppress(asyncio.CancelledError):  # stopped by SIGTERM, after leaving
        # uvloop: the loop's own cost per readable socket is part of what every member pays.
        uvloop.run(main())
