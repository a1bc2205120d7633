"""The poll benchmark's people: lean Plenum members who vote on cue and note what reaches them.

`Watcher` is one member (a voter, or the moderator the benchmark itself runs): it counts every
message it gets while counting is on, and notes when the first tally counting every voter and
when the poll's result reach it (arrival times, `time.time()`: one clock on one machine).

`python -m bench.poll.voters` is a load-generator process holding many voters, driven over the
control line of `bench.common.children`: its first line is its brief (urls, token, names, each
voter's place among all of them), answered once every voter has joined; then `progress`, `vote`,
`report` and `results`, one answer a line each.
"""

import asyncio
import contextlib
import signal
import time
from typing import Any

import msgpack
import uvloop

from bench.common.children import Control, Reply
from bench.loadgen.joining import join_all
from bench.loadgen.lean import LeanPlenumMember
from bench.loadgen.websocket import OP_BINARY
from server.protocol.wire import VERSION

# How many options the benchmark's poll has; voter i chooses option i % OPTIONS.
OPTIONS = 3


def choice_of(place: int) -> int:
    return place % OPTIONS


def _deaf(text: str, now: float) -> None:
    """Chat is not what this benchmark listens for."""


class Watcher(LeanPlenumMember):
    def __init__(self, url: str, token: str, name: str, voters: int) -> None:
        super().__init__(url, token, name, _deaf)
        self.voters = voters
        self.counting = False
        # While counting: every message, and the tallies among them.
        self.received = 0
        self.tallies = 0
        self.poll: str | None = None
        self.eligible = 0
        self.full_at: float | None = None
        # The ballots this member was told of (a moderator: everyone's), and when the last came.
        self.ballots_seen = 0
        self.last_ballot_seen_at: float | None = None
        self.full_counts: list[int] | None = None
        self.result: dict[str, Any] | None = None
        self.result_at: float | None = None
        self.errors: list[str] = []
        loop = asyncio.get_running_loop()
        self.created: asyncio.Future[str] = loop.create_future()
        self.opened: asyncio.Future[str] = loop.create_future()

    def send(self, message_type: str, /, **fields: Any) -> None:
        assert self._socket is not None, "join first"
        message = {"v": VERSION, "type": message_type, **fields}
        self._socket.send(OP_BINARY, msgpack.packb(message, use_bin_type=True))

    def _on_message(self, opcode: int, payload: bytes, now: float) -> None:
        message = msgpack.unpackb(payload, raw=False)
        kind = message["type"]
        if self.counting:
            self.received += 1
        if kind == "poll_tally":
            if self.counting:
                self.tallies += 1
            if self.full_at is None and message["voted"] >= self.voters:
                self.full_at = now
                self.full_counts = message["counts"]
        elif kind == "ballot_cast":
            self.ballots_seen += 1
            self.last_ballot_seen_at = now
        elif kind == "poll_result":
            self.result_at = now
            self.result = message
        elif kind == "poll_created":
            if not self.created.done():
                self.created.set_result(message["poll"])
        elif kind == "poll_opened":
            self.poll = message["poll"]
            self.eligible = len(message["eligible"])
            if not self.opened.done():
                self.opened.set_result(message["poll"])
        elif kind == "welcome":
            if not self._joined.done():
                self._joined.set_result(None)
        elif kind == "error":
            why = f"{message['code']}: {message['message']}"
            if self._joined.done():
                self.errors.append(why)
            else:
                self._refused(f"{self._name}: {why}")


class Voters:
    """One load generator's voters: `places[k]` is voter k's place among all the voters."""

    def __init__(self, brief: dict[str, Any]) -> None:
        urls = brief["urls"]
        self.places: list[int] = brief["places"]
        self.total: int = brief["voters"]
        self.members = [
            Watcher(urls[place % len(urls)], brief["token"], name, self.total)
            for place, name in zip(self.places, brief["names"], strict=True)
        ]

    async def join_all(self) -> Reply:
        return await join_all(self.members)

    def progress(self) -> Reply:
        return {
            "opened": sum(m.poll is not None for m in self.members),
            "full": sum(m.full_at is not None for m in self.members),
            "result": sum(m.result_at is not None for m in self.members),
            "errors": [e for m in self.members for e in m.errors][:5],
            "lost": sum(m.lost for m in self.members),
        }

    async def vote(self, start_at: float, spread_s: float) -> Reply:
        """Voter at place i casts at `start_at + spread_s * i / (voters - 1)`: all of them, evenly
        over `spread_s`, interleaved with the other load generators' voters."""
        for member in self.members:
            member.counting = True
        step = spread_s / max(1, self.total - 1)
        sent: list[float] = []
        for member, place in sorted(zip(self.members, self.places, strict=True), key=_place):
            wait = start_at + place * step - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            assert member.poll is not None, "the poll is not open at this voter"
            member.send("cast_ballot", poll=member.poll, choices=[choice_of(place)])
            sent.append(time.time())
        return {"first": min(sent, default=0.0), "last": max(sent, default=0.0)}

    def report(self) -> Reply:
        """What reached each voter while counting, which stops now."""
        for member in self.members:
            member.counting = False
        return {
            "received": [m.received for m in self.members],
            "tallies": [m.tallies for m in self.members],
            "full_at": [m.full_at for m in self.members],
            "full_counts": sorted({tuple(m.full_counts or ()) for m in self.members}),
        }

    def results(self) -> Reply:
        return {
            "result_at": [m.result_at for m in self.members],
            "results": sorted(
                {_result_key(m.result) for m in self.members if m.result is not None}
            ),
        }

    async def leave_all(self) -> Reply:
        await asyncio.gather(*(m.leave() for m in self.members))
        return {"left": len(self.members)}


def _place(pair: tuple[Watcher, int]) -> int:
    return pair[1]


def _result_key(result: dict[str, Any]) -> tuple[int, int, tuple[int, ...]]:
    """What must be the same at every client: eligible, voted, counts."""
    return result["eligible"], result["voted"], tuple(result["counts"])


async def main() -> None:
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    assert main_task is not None
    loop.add_signal_handler(signal.SIGTERM, main_task.cancel)
    control = await Control.open()
    answer = control.answer
    brief = await control.command()
    if brief.get("cmd") == "quit":  # closed before the brief
        return
    voters = Voters(brief)
    try:
        answer(await _guarded(voters.join_all()))
        while (command := await control.command())["cmd"] != "quit":
            kind = command.pop("cmd")
            if kind == "progress":
                answer(voters.progress())
            elif kind == "vote":
                answer(await _guarded(voters.vote(**command)))
            elif kind == "report":
                answer(voters.report())
            elif kind == "results":
                answer(voters.results())
            else:
                answer({"error": f"unknown command {kind!r}"})
    finally:
        answer(await voters.leave_all())


async def _guarded(action: Any) -> Reply:
    try:
        reply: Reply = await action
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    return reply


if __name__ == "__main__":
    with contextlib.suppress(asyncio.CancelledError):  # stopped by SIGTERM, after leaving
        uvloop.run(main())
