"""The meeting's record of a large meeting: from the fold kept in the state, against a replay.

A meeting of 300 people, 30 workshop rooms and thousands of public chat lines (with notes, polls,
questions, broadcasts, dropped connections; `bench/record/meeting.py`) is played through the
core. Measured, each the median (and the best) of `--repeat` runs in this one process:

- the record from the live state (`rooms.record.meeting_record`), without and with the public
  chat: what a moderator's download costs, as the history is already folded in the state;
- each export of it: JSON, the attendance CSV, the minutes (HTML, Polish);
- without the fold: replaying the whole event log into a fresh state, then the record (the
  only way to know who came without a history kept in the state; and in Redis the log is
  trimmed to `PLENUM_EVENT_LOG` events, so with more events than that it could not be done);
- what the fold costs: folding every event of the meeting into an empty history, in total and
  per event (the share of every `apply` it adds), and the history's size in a snapshot.

The record from the replay is checked equal to the one from the live state.
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common.results import RESULTS, write_json
from bench.record.meeting import Played, play
from rooms import Meeting
from rooms.evolve import apply
from rooms.history import fold
from rooms.model import History
from rooms.plain import to_plain
from rooms.record import MeetingRecord, meeting_record
from server.record.attendance_csv import attendance_csv
from server.record.minutes import minutes_html
from server.record.record_json import record_json
from server.settings import Settings

HELP = "the record of 300 people, 30 rooms, thousands of chat lines: fold against replay"
Row = dict[str, Any]


@dataclass(frozen=True)
class RecordConfig:
    people: int = 300
    rooms: int = 30
    chat_lines: int = 5000
    repeat: int = 5
    json_path: Path = RESULTS / "record.json"

    def __post_init__(self) -> None:
        if self.people < 2 or self.rooms < 0 or self.chat_lines < 0 or self.repeat < 1:
            raise ValueError("people ≥ 2, rooms ≥ 0, chat lines ≥ 0 and repeat ≥ 1 are needed")


def timed(repeat: int, work: Callable[[], object]) -> tuple[float, float, object]:
    """The median and best milliseconds of `repeat` runs of `work`, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), result


def replayed(played: Played) -> MeetingRecord:
    live = played.meeting
    fresh = Meeting.create(live.state.id, live.state.title, live.config, live.state.starts_at)
    config = live.config
    for stamped in played.events:
        apply(fresh.state, stamped, config.chat_history, config.record_chat_lines)
    # The notes are put in the state as their commands would leave them (not events here).
    fresh.state.notes = live.state.notes
    return meeting_record(fresh.state, played.now, include_chat=False)


def folded(played: Played) -> History:
    history = History()
    for stamped in played.events:
        fold(history, stamped, played.meeting.config.record_chat_lines)
    return history


def run(config: RecordConfig) -> tuple[list[Row], Row]:
    played = play(config.people, config.rooms, config.chat_lines)
    state, now = played.meeting.state, played.now
    zone = ZoneInfo(Settings().record_time_zone)
    rows: list[Row] = []

    def measure(step: str, work: Callable[[], object], size: Callable[[object], int]) -> object:
        median, best, result = timed(config.repeat, work)
        rows.append({"step": step, "median_ms": round(median, 2), "best_ms": round(best, 2),
                     "bytes": size(result)})  # fmt: skip
        return result

    def no_size(_: object) -> int:
        return 0

    def length(result: object) -> int:
        assert isinstance(result, bytes)
        return len(result)

    record = measure("record (fold)", lambda: meeting_record(state, now, False), no_size)
    measure("record with the public chat (fold)", lambda: meeting_record(state, now, True), no_size)
    assert isinstance(record, MeetingRecord)
    measure("JSON export", lambda: record_json(record, "Europe/Warsaw"), length)
    measure("CSV export", lambda: attendance_csv(record, "pl", zone), length)
    measure("minutes export (HTML)", lambda: minutes_html(record, "pl", zone), length)
    from_replay = measure("replay every event, then the record", lambda: replayed(played), no_size)
    fold_median, _, _ = timed(config.repeat, lambda: folded(played))
    history_bytes = len(json.dumps(to_plain(state.history), ensure_ascii=False).encode())
    chat_bytes = len(json.dumps(to_plain(state.history.chat), ensure_ascii=False).encode())
    state_bytes = len(json.dumps(to_plain(state), ensure_ascii=False).encode())
    summary: Row = {
        "people": len(record.attendance),
        "participant_ids": len(state.history.people),
        "rooms": config.rooms,
        "events": len(played.events),
        "event_log_setting": Settings().event_log,
        "public_chat_lines": len(state.history.chat) + state.history.chat_dropped,
        "records_equal": from_replay == record,
        "fold_all_events_ms": round(fold_median, 2),
        "fold_per_event_us": round(fold_median * 1000 / max(1, len(played.events)), 2),
        "history_snapshot_bytes": history_bytes,
        "history_chat_bytes": chat_bytes,
        "state_snapshot_bytes": state_bytes,
        "repeat": config.repeat,
    }
    return rows, summary


def table(rows: list[Row], summary: Row) -> str:
    lines = [
        "| step | median ms | best ms | bytes |",
        "|---|---|---|---|",
        *(
            f"| {r['step']} | {r['median_ms']:.2f} | {r['best_ms']:.2f} | {r['bytes'] or ''} |"
            for r in rows
        ),
    ]
    s = summary
    lines += [
        "",
        f"{s['people']} people ({s['participant_ids']} participant ids), {s['rooms']} rooms,"
        f" {s['events']} events ({s['public_chat_lines']} public chat lines); the Redis log"
        f" keeps {s['event_log_setting']}. The fold: {s['fold_all_events_ms']:.1f} ms for every"
        f" event, {s['fold_per_event_us']:.2f} µs per event; the history is"
        f" {s['history_snapshot_bytes']} of the snapshot's {s['state_snapshot_bytes']} bytes"
        f" (its public chat {s['history_chat_bytes']})."
        f" Record from the replay equal to the live one: {s['records_equal']}.",
    ]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = RecordConfig()
    parser.add_argument("--json", type=Path, default=defaults.json_path, help="results file")
    parser.add_argument("--people", type=int, default=defaults.people)
    parser.add_argument("--rooms", type=int, default=defaults.rooms)
    parser.add_argument("--chat", type=int, default=defaults.chat_lines, help="public chat lines")
    parser.add_argument("--repeat", type=int, default=defaults.repeat, help="runs of each step")


def main(args: argparse.Namespace) -> int:
    config = RecordConfig(
        people=args.people,
        rooms=args.rooms,
        chat_lines=args.chat,
        repeat=args.repeat,
        json_path=args.json,
    )
    rows, summary = run(config)
    print(table(rows, summary))
    write_json({"steps": rows, "summary": summary}, config.json_path)
    print(f"\nwritten to {config.json_path}")
    return 0 if summary["records_equal"] else 1
