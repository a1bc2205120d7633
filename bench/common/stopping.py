"""Running a benchmark so that Ctrl-C or SIGTERM stop it cleanly, with every process it started."""

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_stoppable(work: Coroutine[Any, Any, T]) -> T:
    """Run `work`; Ctrl-C or SIGTERM cancel it, so that its clean-up stops every process."""

    async def stoppable() -> T:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await work

    return asyncio.run(stoppable())
