"""Waiting for a condition that sends no event, with a deadline: the one polling loop.

Poll only what has nothing to wait on (a process starting, a key expiring inside Redis, another
process's log); where an event exists, wait for the event.
"""

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

T = TypeVar("T")
Failure = str | Callable[[], str]


@overload
async def eventually(
    condition: Callable[[], Awaitable[T]],
    timeout: float = 5,
    *,
    every: float = 0.05,
    failure: Failure = "",
) -> T: ...


@overload
async def eventually(
    condition: Callable[[], T], timeout: float = 5, *, every: float = 0.05, failure: Failure = ""
) -> T: ...


async def eventually(
    condition: Callable[[], object],
    timeout: float = 5,
    *,
    every: float = 0.05,
    failure: Failure = "",
) -> object:
    """Until `condition` (plain or awaited) returns something true, which is returned; a
    TimeoutError after `timeout` seconds, saying `failure` (a text, or what makes one then)."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                result = condition()
                if inspect.isawaitable(result):
                    result = await result
                if result:
                    return result
                await asyncio.sleep(every)
    except TimeoutError:
        raise TimeoutError(_explain(failure, timeout)) from None


def until(
    condition: Callable[[], T], timeout: float, *, every: float = 0.02, failure: Failure = ""
) -> T:
    """`eventually` for a caller without an event loop, such as a fixture starting a process."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(_explain(failure, timeout))
        time.sleep(every)
    return result


def _explain(failure: Failure, timeout: float) -> str:
    text = failure() if callable(failure) else failure
    return f"{text or 'not so'} after {timeout:g} s"
