"""The writer's own duties: run the workshops' clock and let go of ghosts, each at its time.

Deadlines live in the meeting's state, never in a timer's memory, so whichever process writes
the meeting (after a takeover too) finds what is due and when.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from rooms import Meeting
from rooms import commands as cmd
from server.clock import Clock

log = logging.getLogger("plenum.steward")

Submit = Callable[[cmd.Command], Awaitable[object]]


class Steward:
    def __init__(self, meeting: Meeting, submit: Submit, clock: Clock, ghost_grace_s: float):
        self._meeting = meeting
        self._submit = submit
        self._clock = clock
        self._ghost_grace_s = ghost_grace_s
        self._wakeup: float | None = None
        self._timer: asyncio.Task[None] | None = None

    def due(self, now: float) -> list[cmd.Command]:
        """What should be sent now: a tick of the clock, and the departure of each ghost."""
        commands: list[cmd.Command] = []
        wakeup = self._meeting.next_wakeup()
        if wakeup is not None and wakeup <= now:
            commands.append(cmd.Tick())
        for participant in self._meeting.state.participants.values():
            gone_at = participant.disconnected_at
            if gone_at is not None and gone_at + self._ghost_grace_s <= now:
                commands.append(cmd.Depart(participant.id))
        return commands

    def next_wakeup(self) -> float | None:
        times = [
            p.disconnected_at + self._ghost_grace_s
            for p in self._meeting.state.participants.values()
            if p.disconnected_at is not None
        ]
        clock = self._meeting.next_wakeup()
        if clock is not None:
            times.append(clock)
        return min(times, default=None)

    def reschedule(self) -> None:
        wakeup = self.next_wakeup()
        if wakeup == self._wakeup and self._timer is not None:
            return
        self.stop()
        self._wakeup = wakeup
        if wakeup is not None:
            self._timer = asyncio.create_task(self._run_at(wakeup))

    def stop(self) -> None:
        if self._timer is not None and self._timer is not asyncio.current_task():
            self._timer.cancel()
        self._timer = None
        self._wakeup = None

    async def _run_at(self, wakeup: float) -> None:
        await asyncio.sleep(max(0.0, wakeup - self._clock()))
        self._timer = None
        self._wakeup = None
        for command in self.due(self._clock()):
            try:
                await self._submit(command)
            except Exception:
                # The next write (or takeover) reschedules; the deadline stays in the state.
                log.exception("could not send %s", type(command).__name__)
                return
        self.reschedule()
