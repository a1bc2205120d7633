"""A benchmark's child process and the control line to it: one JSON object a line each way.

The benchmark writes a command a line (`{"cmd": "quit"}`, …) and reads one answer a line. A
child that does not quit in time is terminated, then killed; one busy with a request is stopped
by signal at once, since it reads no `quit` until the request is done.
"""

import asyncio
import contextlib
import json
from typing import Any

Reply = dict[str, Any]


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
