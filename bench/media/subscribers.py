"""A subscriber process: up to 50 aiortc subscribers that count what they receive.

`python -m bench.media.subscribers --port P --engine plenum|mediarelay --names a,b,c`

Connects every subscriber (a few at a time), answers `{"ready": k, "of": n}` once each has had a
video frame or the deadline passed, then answers `snapshot` commands with each subscriber's
counts ([video frames, packets received, packets sent by the sequence numbers]) until `quit`.

With a room spread over several workers, `--port P0,P1,...` gives each worker's signalling port
and `--on 0,1,...` the worker of each name; `frames` then answers, for each subscriber, its
worker and its last video frames ([CRC of the frame's last payload, arrival time]).
"""

import argparse
import asyncio
import contextlib
import logging
import time

from bench.common.children import Control, leave
from bench.media.channel import ClientChannel
from bench.media.peers import ENGINES, BenchPeer, Engine, prepare_process
from tests.harness.waiting import eventually

MAX_PER_PROCESS = 50
CONNECTING_AT_ONCE = 5
READY_TIMEOUT_S = 60.0
CLOSE_TIMEOUT_S = 5.0


async def _connect_all(peers: list[BenchPeer]) -> None:
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def connect(peer: BenchPeer) -> None:
        async with gate:
            await peer.subscribe()
            await peer.connected(READY_TIMEOUT_S)

    await asyncio.gather(*(connect(p) for p in peers))


async def _first_frames(peers: list[BenchPeer], deadline: float) -> int:
    with contextlib.suppress(TimeoutError):  # those without one by then are counted out
        await eventually(
            lambda: all(p.counter.frames for p in peers),
            max(0.0, deadline - time.monotonic()),
            every=0.1,
        )
    return sum(1 for p in peers if p.counter.frames)


async def main(ports: list[int], engine: Engine, names: list[str], on: list[int]) -> None:
    if len(names) > MAX_PER_PROCESS:
        raise ValueError(f"at most {MAX_PER_PROCESS} subscribers a process")
    if len(on) != len(names) or not all(0 <= worker < len(ports) for worker in on):
        raise ValueError("--on needs one worker (an index into --port) for each name")
    prepare_process()
    control = await Control.open()
    channels = [await ClientChannel.open(port) for port in ports]
    peers = [BenchPeer(channels[w], name, engine) for name, w in zip(names, on, strict=True)]
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        await asyncio.wait_for(_connect_all(peers), READY_TIMEOUT_S)
        ready = await _first_frames(peers, deadline)
        control.answer({"ready": ready, "of": len(peers)})
        while (command := await control.command())["cmd"] != "quit":
            if command["cmd"] == "snapshot":
                control.answer(
                    {"t": time.monotonic(), "legs": [p.counter.snapshot() for p in peers]}
                )
            elif command["cmd"] == "frames":
                control.answer(
                    {
                        "frames": [
                            [w, list(p.counter.frame_log)] for p, w in zip(peers, on, strict=True)
                        ]
                    }
                )
            else:
                control.answer({"error": f"unknown command {command['cmd']!r}"})
    except Exception as exc:
        logging.exception("subscribers failed")
        control.answer({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(
                asyncio.gather(*(p.close() for p in peers), return_exceptions=True),
                CLOSE_TIMEOUT_S,
            )


def cli() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", required=True, help="one port, or one per worker")
    parser.add_argument("--engine", choices=ENGINES, required=True)
    parser.add_argument("--names", required=True, help="comma-separated participant names")
    parser.add_argument("--on", help="the worker of each name (default: all on the first)")
    args = parser.parse_args()
    names = args.names.split(",")
    on = [int(w) for w in args.on.split(",")] if args.on else [0] * len(names)
    logging.basicConfig(level=logging.WARNING)
    engine: Engine = "plenum" if args.engine == "plenum" else "mediarelay"
    try:
        asyncio.run(main([int(p) for p in args.port.split(",")], engine, names, on))
    finally:
        leave()


if __name__ == "__main__":
    cli()
