"""`python -m bench <benchmark> [options]`: one subcommand per benchmark."""

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bench import fanout, joinstorm, media

T = TypeVar("T")


@dataclass(frozen=True)
class Benchmark:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _fanout_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = fanout.FanoutConfig()
    parser.add_argument("--json", type=Path, default=defaults.json_path, help="results file")
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
        choices=fanout.CLIENTS,
        default=defaults.clients,
        help="members on the lean WebSocket client, or on each engine's client library",
    )
    parser.add_argument(
        "--plenum-workers",
        choices=("auto", "1", "2"),
        default="auto",
        help="auto: 2 through Redis if Plenum's Settings has redis_url, else 1",
    )


def _run_fanout(args: argparse.Namespace) -> int:
    config = fanout.FanoutConfig(
        members=args.members,
        rate=args.rate,
        seconds=args.seconds,
        warmup_s=args.warmup,
        saturate=args.saturate,
        step_seconds=args.step_seconds,
        loadgens=args.loadgens,
        clients=args.clients,
        plenum_workers=None if args.plenum_workers == "auto" else int(args.plenum_workers),
        json_path=args.json,
    )
    results = _run_stoppable(fanout.run(config))
    print()
    print(fanout.table(results))
    fanout.write_json(results, config.json_path)
    print(f"\nwritten to {config.json_path}")
    return 0


def _run_stoppable(work: Coroutine[Any, Any, T]) -> T:
    """Run `work`; Ctrl-C or SIGTERM cancel it, so that its clean-up stops every process."""

    async def stoppable() -> T:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await work

    return asyncio.run(stoppable())


BENCHMARKS: dict[str, Benchmark] = {
    "fanout": Benchmark(
        "chat fan-out to one room, Plenum against python-socketio",
        _fanout_arguments,
        _run_fanout,
    ),
    "media": Benchmark(media.HELP, media.add_arguments, media.main),
    "joinstorm": Benchmark(joinstorm.HELP, joinstorm.add_arguments, joinstorm.main),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="benchmark", required=True)
    for name, benchmark in BENCHMARKS.items():
        benchmark.add_arguments(commands.add_parser(name, help=benchmark.help))
    args = parser.parse_args(argv)
    try:
        return BENCHMARKS[args.benchmark].run(args)
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("\nstopped; every process it started is stopped too", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
