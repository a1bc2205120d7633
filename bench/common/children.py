"""A benchmark's child processes and the control line to each: one JSON object a line each way.

The benchmark writes a command a line (`{"cmd": "snapshot"}`, `{"cmd": "quit"}`, …) and reads one
answer a line; a child's first line is unasked (its port, or that it is ready). Children run in
their own session (a Ctrl-C reaches only the benchmark, which stops them) and get SIGTERM should
the benchmark die without cleaning up. Every wait has a deadline; a child that does not quit in
time is terminated, then killed; one busy with a request is stopped by signal at once, since it
reads no `quit` until the request is done.
"""

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from bench.common.processes import die_with_parent
from tests.harness.tree import ROOT

Reply = dict[str, Any]
# Each way, a line is one message; a large one (a storm's brief or its join times) must fit.
LINE_LIMIT = 1 << 20


class ChildError(Exception):
    """A child failed, or did not answer in time."""


class Child:
    def __init__(
        self, label: str, process: asyncio.subprocess.Process, reply_timeout_s: float,
        quit_timeout_s: float,
    ) -> None:  # fmt: skip
        self.label = label
        self.process = process
        self.reply_timeout_s = reply_timeout_s
        self.quit_timeout_s = quit_timeout_s
        self.busy = False

    @property
    def pid(self) -> int:
        return self.process.pid

    async def request(self, timeout: float | None = None, **command: Any) -> Reply:
        assert self.process.stdin is not None
        self.busy = True
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        answer = await self.reply(timeout)
        self.busy = False
        return answer

    async def reply(self, timeout: float | None = None) -> Reply:
        assert self.process.stdout is not None
        timeout = self.reply_timeout_s if timeout is None else timeout
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        except TimeoutError:
            raise ChildError(f"{self.label}: no answer in {timeout:g} s") from None
        if not line:
            raise ChildError(f"{self.label} exited (see its log)")
        answer: Reply = json.loads(line)
        if "error" in answer:
            raise ChildError(f"{self.label}: {answer['error']}")
        return answer

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        if self.busy:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
        else:
            with contextlib.suppress(Exception):
                assert self.process.stdin is not None
                self.process.stdin.write(b'{"cmd": "quit"}\n')
                await self.process.stdin.drain()
                self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), self.quit_timeout_s)
            return
        except TimeoutError:
            pass
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), self.quit_timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


async def start_child(
    label: str, module: str, *args: str, log_dir: Path, reply_timeout_s: float,
    quit_timeout_s: float,
) -> Child:  # fmt: skip
    """`python -m module *args`, its stderr to `<label>.log` in `log_dir`."""
    with (log_dir / f"{label}.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, *args,
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=log, start_new_session=True, preexec_fn=die_with_parent, limit=LINE_LIMIT,
        )  # fmt: skip
    return Child(label, process, reply_timeout_s, quit_timeout_s)


class Children:
    """Every child of one measurement; `stop_all` ends them, newest first."""

    def __init__(self, log_dir: Path, reply_timeout_s: float, quit_timeout_s: float) -> None:
        self.log_dir = log_dir
        self.reply_timeout_s = reply_timeout_s
        self.quit_timeout_s = quit_timeout_s
        self.started: list[Child] = []

    async def start(self, label: str, module: str, *args: str) -> Child:
        child = await start_child(
            label, module, *args, log_dir=self.log_dir, reply_timeout_s=self.reply_timeout_s,
            quit_timeout_s=self.quit_timeout_s,
        )  # fmt: skip
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
        reader = asyncio.StreamReader(limit=LINE_LIMIT)
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
