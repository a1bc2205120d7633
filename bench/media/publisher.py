"""The publisher process: one 640x480@30 VP8 camera and an Opus microphone, at 1.5 Mbit/s.

`python -m bench.media.publisher --port P --engine plenum|mediarelay`

aiortc's VP8 encoder starts at 500 kbit/s and follows the receiver's bandwidth estimate between
250 kbit/s and 1.5 Mbit/s, restarting (a keyframe) at each move of more than 10 %. Here its floor
and start are raised to its ceiling, so it sends 1.5 Mbit/s throughout and restarts never: the
server gets the same stream from both engines. Answers `{"connected": true}`, then `snapshot`
commands with the frames its camera has handed to the sender, until `quit`.
"""

import argparse
import asyncio
import contextlib
import logging
import time

import aiortc.codecs.vpx

from bench.common.children import Control, leave
from bench.media.channel import ClientChannel
from bench.media.peers import ENGINES, BenchPeer, Engine, prepare_process

BITRATE = 1_500_000
CONNECT_TIMEOUT_S = 30.0
CLOSE_TIMEOUT_S = 5.0


async def main(port: int, engine: Engine) -> None:
    aiortc.codecs.vpx.MIN_BITRATE = BITRATE
    aiortc.codecs.vpx.DEFAULT_BITRATE = BITRATE
    aiortc.codecs.vpx.MAX_BITRATE = BITRATE
    prepare_process()
    control = await Control.open()
    channel = await ClientChannel.open(port)
    peer = BenchPeer(channel, "publisher", engine)
    try:
        await peer.publish()
        await peer.connected(CONNECT_TIMEOUT_S)
        control.answer({"connected": True})
        while (command := await control.command())["cmd"] != "quit":
            if command["cmd"] == "snapshot" and peer.camera is not None:
                control.answer({"t": time.monotonic(), "frames": peer.camera.frames})
            else:
                control.answer({"error": f"unknown command {command['cmd']!r}"})
    except Exception as exc:
        logging.exception("publisher failed")
        control.answer({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(peer.close(), CLOSE_TIMEOUT_S)


def cli() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--engine", choices=ENGINES, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    engine: Engine = "plenum" if args.engine == "plenum" else "mediarelay"
    try:
        asyncio.run(main(args.port, engine))
    finally:
        leave()


if __name__ == "__main__":
    cli()
