"""Joining a load generator's members: a few at a time, then out of the collector's way."""

import asyncio
import gc
from collections.abc import Sequence
from typing import Protocol

# How many members join at once; the others wait their turn.
JOINS_AT_ONCE = 10


class Joins(Protocol):
    async def join(self) -> None: ...


async def join_all(members: Sequence[Joins]) -> dict[str, int]:
    gate = asyncio.Semaphore(JOINS_AT_ONCE)

    async def join(member: Joins) -> None:
        async with gate:
            await member.join()

    await asyncio.gather(*(join(m) for m in members))
    # What is alive now lives to the end: keep the collector from walking it again and again.
    gc.collect()
    gc.freeze()
    return {"joined": len(members)}
