"""The room's members, spread over load-generator processes, and the one member who speaks.

`Crowd` starts the `bench.loadgen` processes, hands each its share of the members (alternating
over the server's workers), and talks to them over their stdin and stdout, one JSON line each way.
"""

import asyncio
import json
from pathlib import Path
from typing import Any

from bench.common.children import Child, ChildError, start_child
from bench.servers.deployments import Deployment

JOIN_TIMEOUT_S = 180.0
REPLY_TIMEOUT_S = 60.0
QUIT_TIMEOUT_S = 15.0


# The load generators' errors are their children's.
LoadGenError = ChildError
LoadGenProcess = Child


async def start_loadgen(brief: dict[str, Any], log_dir: Path) -> LoadGenProcess:
    loadgen = await start_child(
        brief["label"], "bench.loadgen", log_dir=log_dir, reply_timeout_s=REPLY_TIMEOUT_S,
        quit_timeout_s=QUIT_TIMEOUT_S,
    )  # fmt: skip
    stdin = loadgen.process.stdin
    assert stdin is not None
    stdin.write((json.dumps(brief) + "\n").encode())
    await stdin.drain()
    return loadgen


class Crowd:
    def __init__(self, receivers: list[LoadGenProcess], sender: LoadGenProcess) -> None:
        self.receivers = receivers
        self.sender = sender

    @property
    def pids(self) -> list[int]:
        return [g.pid for g in (*self.receivers, self.sender)]

    @classmethod
    async def gather(
        cls, deployment: Deployment, members: int, processes: int, log_dir: Path, clients: str
    ) -> "Crowd":
        """Start the load generators and return once every member has joined the room."""
        common = {
            "engine": deployment.engine,
            "urls": list(deployment.ws_urls),
            "token": deployment.token,
            "out_dir": str(log_dir),
            "clients": clients,
        }
        started: list[LoadGenProcess] = []
        try:
            for k in range(processes):
                indices = range(k, members, processes)
                # A member's worker follows its place in the room: each worker gets half.
                brief = {
                    **common,
                    "label": f"{deployment.engine}-loadgen-{k}",
                    "names": [f"member {i}" for i in indices],
                    "indices": list(indices),
                }
                started.append(await start_loadgen(brief, log_dir))
            sender_brief = {
                **common,
                "label": f"{deployment.engine}-sender",
                "names": ["sender"],
                "indices": [0],
            }
            started.append(await start_loadgen(sender_brief, log_dir))
            await asyncio.gather(*(g.reply(JOIN_TIMEOUT_S) for g in started))
        except BaseException:
            await asyncio.gather(*(g.stop() for g in started), return_exceptions=True)
            raise
        return cls(started[:-1], started[-1])

    async def send(self, run: str, rate: float, seconds: float) -> dict[str, Any]:
        timeout = seconds + REPLY_TIMEOUT_S
        return await self.sender.request(timeout, cmd="send", run=run, rate=rate, seconds=seconds)

    async def heard(self, run: str) -> int:
        replies = await asyncio.gather(*(g.request(cmd="count", run=run) for g in self.receivers))
        return sum(r["count"] for r in replies)

    async def report(self, run: str, start: float, end: float) -> list[dict[str, Any]]:
        return list(
            await asyncio.gather(
                *(g.request(cmd="report", run=run, start=start, end=end) for g in self.receivers)
            )
        )

    async def disband(self) -> None:
        await asyncio.gather(*(g.stop() for g in (*self.receivers, self.sender)))
