"""Stopping a background task for good."""

import asyncio


async def cancel_and_wait(task: asyncio.Task[None], patience_s: float = 2.0) -> None:
    """Cancel a task and wait for it, cancelling again if something inside swallowed it once.

    redis-py's asyncio client can absorb a cancellation in flight (redis-py #2028), so one
    `cancel()` is not always the end of a loop.
    """
    if task is asyncio.current_task():
        return  # a task stopping its own meeting ends by returning
    deadline = asyncio.get_running_loop().time() + patience_s
    while not task.done() and asyncio.get_running_loop().time() < deadline:
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    if task.done() and not task.cancelled():
        task.exception()  # retrieved, so it is not reported as never retrieved
