"""The deadlines sends what is due one command at a time, however many writes it causes.

A writer reschedules the deadlines after every write, the deadlines's own departures included, and
a write through Redis awaits before it is stored. Here the deadlines writes to a real meeting
through a submit that yields as a Redis round trip does, then reschedules as the writer does.
"""

import asyncio
import time

from rooms import ParticipantId
from rooms import commands as cmd
from rooms import events as ev
from server.meetings.ballot_box import LocalBallotBox
from server.meetings.deadlines import Deadlines
from tests.core.builders import meeting_with
from tests.harness.waiting import eventually

CROWD = 200
GRACE_S = 0.05
DRAINED_WITHIN_S = 10.0


async def test_a_crowd_of_ghosts_is_let_go_by_one_sender() -> None:
    meeting = meeting_with([f"District {i}" for i in range(CROWD)])
    left: list[ParticipantId] = []
    sending = most_at_once = most_tasks = 0

    async def submit_as_through_redis(command: cmd.Command) -> None:
        nonlocal sending, most_at_once, most_tasks
        sending += 1
        most_at_once = max(most_at_once, sending)
        most_tasks = max(most_tasks, len(asyncio.all_tasks()))
        try:
            await asyncio.sleep(0.001)  # the round trip to Redis
            for stamped in meeting.handle(None, command, time.time()):
                if isinstance(stamped.event, ev.ParticipantLeft):
                    left.append(stamped.event.participant)
            deadlines.reschedule()
        finally:
            sending -= 1

    deadlines = Deadlines(
        meeting, submit_as_through_redis, time.time, GRACE_S, LocalBallotBox("secret")
    )
    ghosts = [ParticipantId(f"p{i}") for i in range(CROWD)]
    for ghost in ghosts:
        meeting.handle(None, cmd.Disconnect(ghost), time.time())
        deadlines.reschedule()

    try:
        await eventually(lambda: len(left) >= CROWD, DRAINED_WITHIN_S, every=0.01)
    finally:
        deadlines.stop()
    assert sorted(left) == sorted(ghosts)  # each once
    assert most_at_once == 1
    assert most_tasks <= 3  # this test, the deadlines's one task, and nothing piling up
    assert deadlines.next_wakeup() is None
