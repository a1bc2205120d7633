"""The writer's own duties: run the workshops' clock and the floor's countdown, let go of
ghosts, and count a closed secret poll's ballot box, each at its time.

Deadlines live in the meeting's state, never in a timer's memory, so whichever process writes
the meeting (after a takeover too) finds what is due and when. When each is due is the meeting's
rule (`rooms.decide.next_wakeup` for the clocks, `rooms.ghosts` for ghosts); this module only
keeps the time. A secret poll that is closed and has no result yet is due at once: its ballot
box is closed and counted, and the count revealed (`RevealPollResult`). So a poll is counted
whoever closed it and whatever died on the way: the writer that takes the meeting over finds
it still waiting, and the box gives the same count twice.

One task at a time does the work: it sleeps until the next deadline, then sends what is due,
one command after the other. Every write reschedules, the deadlines's own departures included;
a write while the due commands are being sent changes nothing until they are all sent, and the
next deadline is looked up once after them. (Re-arming on each write while sending spawned a
sender per write: a crowd gone at once became tens of thousands of tasks.)
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from rooms import Meeting
from rooms import commands as cmd
from rooms.ending import ended
from rooms.ghosts import departures_due, next_departure
from rooms.model import Poll, PollStatus
from server.clock import Clock
from server.meetings.ballot_box import BallotBox

log = logging.getLogger("plenum.deadlines")

Submit = Callable[[cmd.Command], Awaitable[object]]
Send = Callable[[], Awaitable[object]]

# After a command could not be sent (the writer is busy or Redis away), wait this long before
# trying again: the deadline stays in the state, and trying at once would only add load.
RETRY_S = 1.0


class Deadlines:
    def __init__(
        self,
        meeting: Meeting,
        submit: Submit,
        clock: Clock,
        ghost_grace_s: float,
        ballot_box: BallotBox,
    ) -> None:
        self._meeting = meeting
        self._submit = submit
        self._clock = clock
        self._ghost_grace_s = ghost_grace_s
        self._ballot_box = ballot_box
        # The one task: asleep until `_wakeup`, then sending what is due.
        self._timer: asyncio.Task[None] | None = None
        self._wakeup: float | None = None
        self._sending = False
        self._not_before = 0.0

    def due(self, now: float) -> list[cmd.Command]:
        """What should be sent now: a tick of the clocks, and the departure of each ghost."""
        commands: list[cmd.Command] = []
        wakeup = self._meeting.next_wakeup()
        if wakeup is not None and wakeup <= now:
            commands.append(cmd.Tick())
        if ended(self._meeting.state):
            return commands  # the roster stays as the meeting ended (rooms.ending)
        ghosts = departures_due(self._meeting.state, self._ghost_grace_s, now)
        commands.extend(cmd.Depart(participant) for participant in ghosts)
        return commands

    def uncounted(self) -> list[Poll]:
        """The secret polls closed and not yet counted: each is due at once."""
        return [
            poll
            for poll in self._meeting.state.polls.polls
            if poll.secret and poll.status is PollStatus.CLOSED and poll.result is None
        ]

    def next_wakeup(self) -> float | None:
        state = self._meeting.state
        times = [
            self._meeting.next_wakeup(),
            None if ended(state) else next_departure(state, self._ghost_grace_s),
            0.0 if self.uncounted() else None,
        ]
        return min((t for t in times if t is not None), default=None)

    def reschedule(self) -> None:
        if self._sending:
            return  # the sender looks for the next deadline once its batch is sent
        wakeup = self.next_wakeup()
        if wakeup is not None:
            wakeup = max(wakeup, self._not_before)
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
        self._sending = False

    async def _run_at(self, wakeup: float) -> None:
        await asyncio.sleep(max(0.0, wakeup - self._clock()))
        me = asyncio.current_task()
        self._sending = True
        try:
            for what, send in self._sends_due(self._clock()):
                try:
                    await send()
                except Exception as error:
                    # Not lost: the deadline is still in the state, and is looked at again.
                    self._not_before = self._clock() + RETRY_S
                    log.warning(
                        "could not send %s (%s); trying again in %.1f s", what, error, RETRY_S
                    )
                    break
                if self._timer is not me:
                    return  # stopped meanwhile: this worker no longer writes the meeting
        finally:
            if self._timer is me:
                self._timer = None
                self._wakeup = None
                self._sending = False
        self.reschedule()

    def _sends_due(self, now: float) -> list[tuple[str, Send]]:
        """What is due now, each named for the log: the commands, then each count to reveal."""
        sends: list[tuple[str, Send]] = [
            (type(c).__name__, partial(self._submit, c)) for c in self.due(now)
        ]
        for poll in self.uncounted():
            sends.append((f"the count of {poll.id}", partial(self._count, poll)))
        return sends

    async def _count(self, poll: Poll) -> None:
        counted = await self._ballot_box.close(self._meeting.state.id, poll.id)
        counts = counted.per_option(len(poll.options))
        await self._submit(cmd.RevealPollResult(poll.id, counts, counted.ballots))
