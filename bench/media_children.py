"""The media benchmark's child processes and the control line to each: JSON over stdin/stdout.

The benchmark writes one command a line (`{"cmd": "snapshot"}`, `{"cmd": "quit"}`) and reads one
answer a line; a child's first line is unasked (its port, or that it is ready). Children run in
their own session (a Ctrl-C reaches only the benchmark, which stops them) and get SIGTERM should
the benchmark die without cleaning up. Every wait has a deadline; a child that does not quit in
time is terminated, then killed.
"""

import asyncio
import json
import os
import sys
from pathlib import Path

from bench.children import Child, Reply
from bench.processes import die_with_parent

ROOT = Path(__file__).resolve().parent.parent
REPLY_TIMEOUT_S = 30.0
QUIT_TIMEOUT_S = 5.0


class Children:
    """Every child of one measurement; `stop_all` ends them, newest first."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Child] = []

    async def start(self, label: str, module: str, *args: str) -> Child:
        with (self.log_dir / f"{label}.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", module, *args,
                cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=log, start_new_session=True, preexec_fn=die_with_parent,
                limit=1 << 20,
            )  # fmt: skip
        child = Child(label, process, REPLY_TIMEOUT_S, QUIT_TIMEOUT_S)
        self.started.append(child)
        return child

    async def stop_all(self) -> None:
        # One at a time, newest first: subscribers go before the publisher, the server last.
        for child in reversed(self.started):
            await child.stop()
        self.started.clear()


# The child's side.


class Control:
    """A child's end of the control line."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    @classmethod
    async def open(cls) -> "Control":
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        return cls(reader)

    async def command(self) -> Reply:
        """The next command; `quit` when the benchmark closed the line."""
        line = await self._reader.readline()
        if not line:
            return {"cmd": "quit"}
        command: Reply = json.loads(line)
        return command

    @staticmethod
    def answer(reply: Reply) -> None:
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def leave(code: int = 0) -> None:
    """End the child now: aiortc's decoder threads are not daemons and would hold the exit."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
