"""The steps every media measurement takes with its children, one worker or several."""

import asyncio
import time

from bench.common.children import Child, ChildError
from bench.media.subscribers import READY_TIMEOUT_S

REPLY_TIMEOUT_S = 30.0
QUIT_TIMEOUT_S = 5.0
SERVER_START_TIMEOUT_S = 20.0
PUBLISHER_TIMEOUT_S = 40.0
LIVE_TIMEOUT_S = 20.0


async def until_live(server: Child) -> None:
    """Until the server has had video from the publisher."""
    # Polled between requests, not with `eventually`: see `_drain` in `bench.fanout.benchmark`.
    deadline = time.monotonic() + LIVE_TIMEOUT_S
    while (await server.request(cmd="snapshot"))["ingress"]["frames"] == 0:
        if time.monotonic() > deadline:
            raise ChildError(f"the server got no video from the publisher in {LIVE_TIMEOUT_S} s")
        await asyncio.sleep(0.1)


async def all_ready(subscribers: list[Child], n: int) -> None:
    """Until each subscriber process says how many of its subscribers got a first frame; all of
    the `n` must have."""
    readies = await asyncio.gather(*(s.reply(READY_TIMEOUT_S + 15) for s in subscribers))
    ready = sum(r["ready"] for r in readies)
    if ready < n:
        raise ChildError(f"only {ready} of {n} subscribers got a first frame")
