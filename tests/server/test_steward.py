"""The steward sends what is due one command at a time, however many writes it causes.

The writer reschedules the steward after every write, its own departures included, and a write
through Redis awaits before it is stored. Here the steward writes to a real in-process meeting
through a submit that yields as a Redis round trip does.
"""

import asyncio
import time

from rooms import ParticipantId
from rooms import commands as cmd
from rooms import events as ev
from server.hub import LocalMeeting
from tests.core.builders import meeting_with

CROWD = 200
GRACE_S = 0.05
DRAINED_WITHIN_S = 10.0


async def test_a_crowd_of_ghosts_is_let_go_by_one_sender() -> None:
    districts = [f"District {i}" for i in range(CROWD)]
    live = LocalMeeting(meeting_with(districts), 10 * CROWD, time.time, GRACE_S)
    sending = 0
    most_at_once = 0
    most_tasks = 0

    async def submit_as_through_redis(command: cmd.Command) -> int:
        nonlocal sending, most_at_once, most_tasks
        sending += 1
        most_at_once = max(most_at_once, sending)
        most_tasks = max(most_tasks, len(asyncio.all_tasks()))
        try:
            await asyncio.sleep(0.001)  # the round trip to Redis
            return await live.submit(None, command)
        finally:
            sending -= 1

    live.steward._submit = submit_as_through_redis
    ghosts = [ParticipantId(f"p{i}") for i in range(CROWD)]
    before = live.meeting.state.seq
    for ghost in ghosts:
        await live.submit(None, cmd.Disconnect(ghost))

    async def drained() -> None:
        while any(g in live.meeting.state.participants for g in ghosts):
            await asyncio.sleep(0.01)

    await asyncio.wait_for(drained(), DRAINED_WITHIN_S)
    assert most_at_once == 1
    assert most_tasks <= 3  # this test, the steward's one task, and nothing piling up
    stored = await live.events_after(before)
    assert stored is not None
    assert sum(isinstance(s.event, ev.ParticipantLeft) for s in stored) == CROWD
    assert live.steward.next_wakeup() is None
    live.steward.stop()
