"""The floor's countdown outlives its writer: killed while someone speaks, the meeting's new
writer warns the speaker and ends the floor on time, from the deadline kept in the events."""

import asyncio

from tests.e2e.wsclient import Client
from tests.redis.patience import Patience
from tests.redis.people import moderating
from tests.redis.seen import meeting_seen_by
from tests.redis.workers import Workers

# Long enough for the takeover (a lease of 1 s, `tests.redis.workers`) to come before the end.
LIMIT_S = 5
# How late the end may come on a loaded machine: the takeover is over long before the deadline,
# so the surviving writer sends it at its time.
LATE_BY_AT_MOST_S = 2.0
EVENT_TIMEOUT_S = LIMIT_S + 15.0
COMMAND_TIMEOUT_S = 5.0


async def test_the_floor_ends_on_time_after_its_writer_is_killed(workers: Workers) -> None:
    # The meeting is created on the first worker, which writes it from then on.
    first, second = workers.start(), workers.start()
    meeting = await first.server.create_meeting("Forum Miasta")
    async with moderating(meeting, second) as moderator:
        # The speaker is on the worker that dies; a listener on the one that lives.
        ala = await Client.join(first.ws_url, meeting["invite_token"], "Ala")
        bo = await Client.join(second.ws_url, meeting["invite_token"], "Bo")
        try:
            await ala.command("raise_hand", COMMAND_TIMEOUT_S)
            await moderator.command("give_floor", COMMAND_TIMEOUT_S, limit_s=LIMIT_S)
            given = await bo.wait_for_event("floor_given", participant=ala.me)
            assert workers.writer_of(meeting["id"]) is first

            await asyncio.to_thread(workers.kill, first)
            await ala.wait_closed()
            await Patience().rejoin(ala, second.ws_url)

            for client in (moderator, bo, ala):
                warning = await client.wait_for_event("floor_warning", EVENT_TIMEOUT_S)
                assert warning["at"] >= given["warning_at"]
                expired = await client.wait_for_event("floor_expired", EVENT_TIMEOUT_S)
                assert expired["participant"] == ala.me
                late_by = expired["at"] - given["deadline"]
                print(f"{client.name}: the floor ended {late_by:.3f} s after its deadline")
                assert 0 <= late_by <= LATE_BY_AT_MOST_S
                seen = meeting_seen_by(client)
                assert (seen.floor, seen.hand_queue) == (None, [])
            assert workers.writer_of(meeting["id"]) is second
            # The meeting goes on: the next speaker gets the floor from the new writer.
            await bo.command("raise_hand", COMMAND_TIMEOUT_S)
            await moderator.command("give_floor", COMMAND_TIMEOUT_S)
            await ala.wait_for_event("floor_given", participant=bo.me)
        finally:
            await ala.close()
            await bo.close()
