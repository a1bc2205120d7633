"""A worker that dies takes its people with it, visibly: disconnected first, then gone.

Everyone else sees the dead worker's participants as disconnected within a few seconds (its
heartbeat stops), and, after the ghost grace period, leaving the meeting, so nobody is left
looking at ghosts and every room count is right.
"""

from tests.redis.people import crowd, moderating
from tests.redis.seen import meeting_seen_by
from tests.redis.workers import Workers

GHOST_GRACE_S = 2.0
# The heartbeat's time to live, a presence check, and slack for a loaded machine.
NOTICED_WITHIN_S = 5.0


async def test_the_people_of_a_dead_worker_are_disconnected_then_leave(
    workers: Workers,
) -> None:
    grace = {"PLENUM_GHOST_GRACE_S": str(GHOST_GRACE_S)}
    writer, doomed = workers.start(**grace), workers.start(**grace)
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    async with (
        moderating(meeting, writer) as moderator,
        crowd(meeting, [writer], 2) as staying,
        crowd(meeting, [doomed], 3) as lost,
    ):
        watching = [moderator, *staying]
        for watcher in watching:
            for person in lost:
                await watcher.wait_for_event("participant_joined", participant=person.me)

        workers.kill(doomed)

        for watcher in watching:
            for person in lost:
                await watcher.wait_for_event(
                    "participant_disconnected", NOTICED_WITHIN_S, participant=person.me
                )
        for watcher in watching:
            for person in lost:
                await watcher.wait_for_event(
                    "participant_left", GHOST_GRACE_S + NOTICED_WITHIN_S, participant=person.me
                )
            seen = meeting_seen_by(watcher)
            assert set(seen.participants) == {w.me for w in watching}
            assert all(p.connected for p in seen.participants.values())
