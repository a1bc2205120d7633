"""`python -m bench <benchmark> [options]`: one subcommand per benchmark."""

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass

from bench.fanout import benchmark as fanout
from bench.joinstorm import benchmark as joinstorm
from bench.media import benchmark as media
from bench.poll import benchmark as poll
from bench.record import benchmark as record
from bench.simulcast import benchmark as simulcast
from bench.weaklink import benchmark as weaklink


@dataclass(frozen=True)
class Benchmark:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


BENCHMARKS: dict[str, Benchmark] = {
    "fanout": Benchmark(fanout.HELP, fanout.add_arguments, fanout.main),
    "media": Benchmark(media.HELP, media.add_arguments, media.main),
    "joinstorm": Benchmark(joinstorm.HELP, joinstorm.add_arguments, joinstorm.main),
    "poll": Benchmark(poll.HELP, poll.add_arguments, poll.main),
    "record": Benchmark(record.HELP, record.add_arguments, record.main),
    "simulcast": Benchmark(simulcast.HELP, simulcast.add_arguments, simulcast.main),
    "weaklink": Benchmark(weaklink.HELP, weaklink.add_arguments, weaklink.main),
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
