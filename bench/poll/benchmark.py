"""A vote: N people cast their ballot within two seconds; how soon does everyone see the count?

N voters (300 by default) and a moderator join a meeting alternating over two Plenum workers
that share it through a real Redis. The moderator creates a named poll with live results and
opens it; every voter casts one ballot, the N of them evenly over `--spread` seconds; then the
moderator closes it. Measured, for each tally interval in one run, each on fresh processes:

- from the last ballot sent to the moment every client (the voters and the moderator) has seen a
  tally counting all N, and from `close_poll` to every client having the `poll_result`; both are
  arrival times at the clients against send times, on the one clock of one machine;
- the messages the server sent during the voting (counted as they arrive at the clients, which
  is every one of them on loopback): in total, and per voter (tallies, and everything);
- the CPU seconds of the two workers and of Redis over the voting (psutil).

The default compares `PLENUM_TALLY_INTERVAL_MS` 250 (Plenum's default: at most one tally per poll
every 250 ms) with 0: a tally to everyone on every ballot, as a naive implementation would send,
N x (N + 1) messages. When the load generators cannot read that many as fast as they come, the
time to the full tally is the time until they caught up: their CPU is in the table, and the
output says when one was near a whole core.
"""

import argparse
import asyncio
import os
import shutil
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import cpu
from bench.common.children import Child, ChildError, Children
from bench.common.processes import Processes, StartError
from bench.common.results import RESULTS, percentile_ms, write_json
from bench.common.stopping import run_stoppable
from bench.poll.voters import OPTIONS, Watcher, choice_of
from bench.servers.deployments import Deployment, start_plenum, start_redis

HELP = "N ballots in ~2 s over two workers through Redis: coalesced tally against one per ballot"
INTERVALS_MS = (250, 0)
JOIN_TIMEOUT_S = 180.0
REPLY_TIMEOUT_S = 60.0
QUIT_TIMEOUT_S = 15.0
STEP_TIMEOUT_S = 30.0
# How long every client may take to see the full tally, or the result: a naive run on a busy
# machine can take long to catch up, and that is what it measures.
CATCH_UP_TIMEOUT_S = 300.0
POLL_EVERY_S = 0.05
SETTLE_S = 1.0
# A load generator busier than this (% of one core) over the voting was the bottleneck.
SATURATED_PERCENT = 90.0

Row = dict[str, Any]


@dataclass(frozen=True)
class PollConfig:
    voters: int = 300
    spread_s: float = 2.0
    loadgens: int = 2
    intervals_ms: tuple[int, ...] = INTERVALS_MS
    json_path: Path = RESULTS / "poll.json"

    def __post_init__(self) -> None:
        if self.voters < 2 or self.loadgens < 1 or self.spread_s < 0:
            raise ValueError("voters ≥ 2, loadgens ≥ 1 and spread ≥ 0 are needed")
        if not self.intervals_ms or any(ms < 0 for ms in self.intervals_ms):
            raise ValueError("tally intervals are whole milliseconds ≥ 0")


async def run(config: PollConfig) -> list[Row]:
    log_dir = config.json_path.parent / "poll-logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    processes = Processes(log_dir)
    rows: list[Row] = []
    redis = start_redis(log_dir)
    try:
        for interval_ms in config.intervals_ms:
            deployment = start_plenum(
                processes,
                redis.url,
                max_participants=config.voters + 1,
                settings={"PLENUM_TALLY_INTERVAL_MS": str(interval_ms)},
            )
            try:
                rows.append(await _vote(deployment, interval_ms, config, redis.pid, log_dir))
            except (ChildError, StartError, TimeoutError, VoteError) as error:
                # One setting failing still leaves the other's figures worth having.
                print(f"tally {interval_ms} ms: failed: {error} (logs in {log_dir})", flush=True)
                rows.append(_failed(interval_ms, deployment, str(error) or type(error).__name__))
            finally:
                processes.stop_pids(deployment.pids)
    finally:
        processes.stop_all()
        redis.stop()
    return rows


class VoteError(Exception):
    """The vote did not go as a meeting's would: a refusal, a wrong count, a lost client."""


def _label(interval_ms: int) -> str:
    return f"every {interval_ms} ms" if interval_ms else "every ballot"


def _failed(interval_ms: int, deployment: Deployment, error: str) -> Row:
    return {"tally": _label(interval_ms), "interval_ms": interval_ms, "mode": deployment.mode,
            "error": error}  # fmt: skip


async def _vote(
    deployment: Deployment, interval_ms: int, config: PollConfig, redis_pid: int, log_dir: Path
) -> Row:
    label = _label(interval_ms)
    print(f"tally {label}: {deployment.mode}; {config.voters} voters joining", flush=True)
    children = Children(log_dir, REPLY_TIMEOUT_S, QUIT_TIMEOUT_S)
    moderator = Watcher(deployment.ws_urls[0], deployment.moderator_token, "Moderator",
                        config.voters)  # fmt: skip
    try:
        await moderator.join()
        loadgens = await _gather_voters(children, deployment, config)
        poll = await _open_poll(moderator, config.voters)
        await _until(loadgens, "opened", config.voters, STEP_TIMEOUT_S)
        await asyncio.sleep(SETTLE_S)  # let the joins' and the opening's traffic die down

        print(f"tally {label}: {config.voters} ballots over {config.spread_s:g} s", flush=True)
        watched = [*deployment.pids, redis_pid]
        everyone = [*watched, *(g.pid for g in loadgens), os.getpid()]
        before = cpu.sample(everyone)
        moderator.counting = True
        start_at = time.time() + 0.5
        sends = await asyncio.gather(
            *(g.request(config.spread_s + REPLY_TIMEOUT_S, cmd="vote", start_at=start_at,
                        spread_s=config.spread_s) for g in loadgens)
        )  # fmt: skip
        await _until(loadgens, "full", config.voters, CATCH_UP_TIMEOUT_S, moderator, "full_at")
        usage = cpu.CpuWindow(before, cpu.sample(everyone))
        moderator.counting = False
        reports = await asyncio.gather(*(g.request(cmd="report") for g in loadgens))

        closed_at = time.time()
        moderator.send("close_poll", poll=poll)
        await _until(loadgens, "result", config.voters, CATCH_UP_TIMEOUT_S, moderator, "result_at")
        results = await asyncio.gather(*(g.request(cmd="results") for g in loadgens))
    finally:
        await children.stop_all()
        await moderator.leave()
    return _row(deployment, interval_ms, config, moderator, sends, reports, results, closed_at,
                usage, redis_pid, loadgens)  # fmt: skip


async def _gather_voters(
    children: Children, deployment: Deployment, config: PollConfig
) -> list[Child]:
    """The load generators, each holding every `loadgens`-th voter, once all have joined."""
    started = [
        await children.start(f"voters-{deployment.pids[0]}-{k}", "bench.poll.voters")
        for k in range(config.loadgens)
    ]
    briefs = [
        {"urls": list(deployment.ws_urls), "token": deployment.token, "places": places,
         "names": [f"voter {i}" for i in places], "voters": config.voters}
        for places in (list(range(k, config.voters, config.loadgens)) for k in range(len(started)))
    ]  # fmt: skip
    joins = (c.request(JOIN_TIMEOUT_S, **b) for c, b in zip(started, briefs, strict=True))
    await asyncio.gather(*joins)
    return started


async def _open_poll(moderator: Watcher, voters: int) -> str:
    moderator.send(
        "create_poll", question="Which park first?", kind="one",
        options=[f"park {chr(ord('A') + i)}" for i in range(OPTIONS)], secret=False,
        results="live",
    )  # fmt: skip
    poll = await asyncio.wait_for(asyncio.shield(moderator.created), STEP_TIMEOUT_S)
    moderator.send("open_poll", poll=poll)
    await asyncio.wait_for(asyncio.shield(moderator.opened), STEP_TIMEOUT_S)
    if moderator.eligible != voters:
        raise VoteError(f"{moderator.eligible} eligible, not the {voters} voters")
    return poll


async def _until(
    loadgens: list[Child], what: str, voters: int, timeout_s: float,
    moderator: Watcher | None = None, moderator_has: str = "",
) -> None:  # fmt: skip
    """Until every voter's `progress` counts `what` (and the moderator has `moderator_has`).

    Each request waits for its own answer: one cut short would leave it in the pipe, to be read
    as the next request's."""
    deadline = time.monotonic() + timeout_s
    while True:
        replies = await asyncio.gather(*(g.request(cmd="progress") for g in loadgens))
        errors = [e for r in replies for e in r["errors"]]
        if errors:
            raise VoteError(f"refused: {errors[:3]}")
        if lost := sum(r["lost"] for r in replies):
            raise VoteError(f"{lost} voters lost their connection")
        done = sum(r[what] for r in replies)
        moderator_done = moderator is None or getattr(moderator, moderator_has) is not None
        if done >= voters and moderator_done:
            return
        if moderator is not None and moderator.errors:
            raise VoteError(f"the moderator was refused: {moderator.errors[:3]}")
        if time.monotonic() > deadline:
            raise VoteError(f"after {timeout_s:g} s only {done} of {voters} voters had {what}")
        await asyncio.sleep(POLL_EVERY_S)


def _row(
    deployment: Deployment, interval_ms: int, config: PollConfig, moderator: Watcher,
    sends: list[dict[str, Any]], reports: list[dict[str, Any]], results: list[dict[str, Any]],
    closed_at: float, usage: cpu.CpuWindow, redis_pid: int, loadgens: list[Child],
) -> Row:  # fmt: skip
    expected = Counter(choice_of(place) for place in range(config.voters))
    expected_counts = [expected[i] for i in range(OPTIONS)]
    last_ballot = max(s["last"] for s in sends)
    first_ballot = min(s["first"] for s in sends)
    full_at = [t for r in reports for t in r["full_at"]] + [moderator.full_at]
    to_full = sorted(t - last_ballot for t in full_at if t is not None)
    result_at = [t for r in results for t in r["result_at"]] + [moderator.result_at]
    to_result = sorted(t - closed_at for t in result_at if t is not None)
    received = [n for r in reports for n in r["received"]]
    tallies = [n for r in reports for n in r["tallies"]]
    seen_full = {tuple(c) for r in reports for c in r["full_counts"]}
    seen_full.add(tuple(moderator.full_counts or ()))
    seen_results = {(e, v, tuple(c)) for r in results for e, v, c in r["results"]}
    assert moderator.result is not None
    seen_results.add((moderator.result["eligible"], moderator.result["voted"],
                      tuple(moderator.result["counts"])))  # fmt: skip
    wanted_result = (config.voters, config.voters, tuple(expected_counts))
    loadgen_percent = [round(usage.percent_of_core(g.pid), 1) for g in loadgens]
    ours = [*deployment.pids, redis_pid, *(g.pid for g in loadgens), os.getpid()]
    row: Row = {
        "tally": _label(interval_ms),
        "interval_ms": interval_ms,
        "mode": deployment.mode,
        "voters": config.voters,
        "clients": config.voters + 1,
        "spread_s": config.spread_s,
        "ballots_span_s": round(last_ballot - first_ballot, 2),
        # When the moderator had been told of every ballot: the server had taken them all in.
        "last_ballot_to_all_in_ms": (
            round((moderator.last_ballot_seen_at - last_ballot) * 1000, 1)
            if moderator.last_ballot_seen_at is not None
            and moderator.ballots_seen >= config.voters
            else None
        ),
        "last_ballot_to_full_tally_p50_ms": percentile_ms(to_full, 0.50, 1),
        "last_ballot_to_full_tally_max_ms": percentile_ms(to_full, 1.0, 1),
        "close_to_result_p50_ms": percentile_ms(to_result, 0.50, 1),
        "close_to_result_max_ms": percentile_ms(to_result, 1.0, 1),
        "tallies_right": seen_full == {tuple(expected_counts)},
        "results_right": seen_results == {wanted_result},
        "deliveries": sum(received) + moderator.received,
        "deliveries_per_voter_mean": round(statistics.fmean(received), 1),
        "deliveries_per_voter_max": max(received),
        "tallies_per_voter_mean": round(statistics.fmean(tallies), 1),
        "tallies_per_voter_max": max(tallies),
        "deliveries_to_moderator": moderator.received,
        "voting_window_s": round(usage.wall, 2),
        "server_cpu_s": [round(usage.seconds([p]), 2) for p in deployment.pids],
        "redis_cpu_s": round(usage.seconds([redis_pid]), 2),
        "loadgen_cpu_percent": loadgen_percent,
        "loadgens_saturated": any(p >= SATURATED_PERCENT for p in loadgen_percent),
        "machine_busy_percent": round(usage.machine_busy_percent, 1),
        "other_processes_cpu_percent": round(usage.others_percent_of_core(ours), 1),
    }
    print(
        f"tally {row['tally']}: every client had all {config.voters} ballots "
        f"{row['last_ballot_to_full_tally_max_ms']:,.0f} ms after the last one, the result "
        f"{row['close_to_result_max_ms']:,.0f} ms after the close; {row['deliveries']:,} "
        f"messages ({row['tallies_per_voter_mean']:g} tallies per voter)",
        flush=True,
    )
    if row["loadgens_saturated"]:
        print(
            f"tally {row['tally']}: a load generator used {max(loadgen_percent):.0f} % of a core: "
            "the clients could not read as fast as the server sent, so the times above are "
            "until they caught up",
            flush=True,
        )
    if not (row["tallies_right"] and row["results_right"]):
        print(f"tally {row['tally']}: WRONG COUNTS: tallies {seen_full}, results {seen_results}, "
              f"expected {wanted_result}", flush=True)  # fmt: skip
    return row


def table(rows: list[Row]) -> str:
    head = (
        "| tally | voters | last ballot → moderator told of all, ms "
        "| last ballot → full tally at every client, p50 / max ms "
        "| close → result at every client, p50 / max ms | messages sent | per voter "
        "| tallies per voter | to the moderator | server CPU s | Redis CPU s | loadgen CPU % "
        "| others CPU % |"
    )
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['tally']} | failed: {row['error'][:200]} |")
            continue
        saturated = " (loadgens saturated)" if row["loadgens_saturated"] else ""
        lines.append(
            f"| {row['tally']} | {row['voters']:,} | {_ms(row['last_ballot_to_all_in_ms'])} "
            f"| {row['last_ballot_to_full_tally_p50_ms']:,.0f} / "
            f"{row['last_ballot_to_full_tally_max_ms']:,.0f}{saturated} "
            f"| {row['close_to_result_p50_ms']:,.0f} / {row['close_to_result_max_ms']:,.0f} "
            f"| {row['deliveries']:,} | {row['deliveries_per_voter_mean']:,.1f} "
            f"| {row['tallies_per_voter_mean']:,.1f} | {row['deliveries_to_moderator']:,} "
            f"| {' + '.join(f'{s:.2f}' for s in row['server_cpu_s'])} "
            f"| {row['redis_cpu_s']:.2f} "
            f"| {' / '.join(f'{c:.0f}' for c in row['loadgen_cpu_percent'])} "
            f"| {row['other_processes_cpu_percent']:.0f} |"
        )
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


# The command line: `python -m bench poll`.


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = PollConfig()
    parser.add_argument("--json", type=Path, default=defaults.json_path, help="results file")
    parser.add_argument("--voters", type=int, default=defaults.voters)
    parser.add_argument(
        "--spread", type=float, default=defaults.spread_s, help="seconds the ballots are cast over"
    )
    parser.add_argument(
        "--loadgens", type=int, default=defaults.loadgens, help="load-generator processes"
    )
    parser.add_argument(
        "--intervals",
        default=",".join(str(ms) for ms in defaults.intervals_ms),
        help="PLENUM_TALLY_INTERVAL_MS values to compare (0: a tally on every ballot)",
    )


def main(args: argparse.Namespace) -> int:
    config = PollConfig(
        voters=args.voters,
        spread_s=args.spread,
        loadgens=args.loadgens,
        intervals_ms=tuple(int(ms) for ms in args.intervals.split(",") if ms),
        json_path=args.json,
    )
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = run_stoppable(run(config))
    print()
    print(table(rows))
    write_json(rows, config.json_path)
    print(f"\nwritten to {config.json_path}")
    wrong = [r for r in rows if "error" in r or not (r["tallies_right"] and r["results_right"])]
    return 1 if wrong or not rows else 0
