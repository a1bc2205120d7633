"""The presenters' turns outlive their writer: killed while a presenter speaks, the meeting's new
writer ends the slot on time and calls the next presenter, from what the events keep."""

import asyncio

from rooms.model import TurnStatus
from tests.e2e.wsclient import Client
from tests.redis.patience import Patience
from tests.redis.people import moderating
from tests.redis.seen import meeting_seen_by
from tests.redis.workers import Workers

# Ala's turn, given for this long: enough for the takeover (a lease of 1 s) to come before its end.
LIMIT_S = 5
LATE_BY_AT_MOST_S = 2.0
EVENT_TIMEOUT_S = LIMIT_S + 15.0
COMMAND_TIMEOUT_S = 5.0


async def test_the_next_presenter_is_called_after_the_writer_is_killed(workers: Workers) -> None:
    first, second = workers.start(), workers.start()
    meeting = await first.server.create_meeting("Forum Miasta")
    async with moderating(meeting, second) as moderator:
        # Ala presents from the worker that dies; Bo and Cy are on the one that lives.
        ala = await Client.join(first.ws_url, meeting["invite_token"], "Ala")
        bo = await Client.join(second.ws_url, meeting["invite_token"], "Bo")
        cy = await Client.join(second.ws_url, meeting["invite_token"], "Cy")
        try:
            presenters = [{"participant": p.me} for p in (bo, ala, cy)]
            items = [{"title": "Inicjatywy", "minutes": 15, "presenters": presenters}]
            await moderator.command("set_agenda", COMMAND_TIMEOUT_S, items=items)
            await moderator.command("start_agenda_item", COMMAND_TIMEOUT_S)
            await cy.wait_for_event("presenter_called", participant=bo.me)
            # The next one, in one action, for a few seconds.
            await moderator.command("give_floor", COMMAND_TIMEOUT_S, limit_s=LIMIT_S)
            given = await cy.wait_for_event("floor_given", participant=ala.me)
            assert workers.writer_of(meeting["id"]) is first

            await asyncio.to_thread(workers.kill, first)
            await ala.wait_closed()
            await Patience().rejoin(ala, second.ws_url)

            for client in (moderator, bo, cy, ala):
                expired = await client.wait_for_event("floor_expired", EVENT_TIMEOUT_S)
                assert expired["participant"] == ala.me
                late_by = expired["at"] - given["deadline"]
                print(f"{client.name}: Ala's turn ended {late_by:.3f} s after its deadline")
                assert 0 <= late_by <= LATE_BY_AT_MOST_S
                called = await client.wait_for_event("presenter_called", EVENT_TIMEOUT_S, turn=2)
                assert (called["participant"], called["by"]) == (cy.me, None)
                cy_given = await client.wait_for_event("floor_given", participant=cy.me)
                assert cy_given["by"] is None
                seen = meeting_seen_by(client)
                assert seen.floor == cy.me
                assert [t.status for t in seen.showcase.turns] == [
                    TurnStatus.DONE,
                    TurnStatus.DONE,
                    TurnStatus.PRESENTING,
                ]
            assert workers.writer_of(meeting["id"]) is second
        finally:
            for client in (ala, bo, cy):
                await client.close()
