"""A removal and a demotion hold when the browser comes back through another worker: the hello's
tokens travel with the join to the meeting's writer, which alone knows who was removed."""

import pytest

from server.protocol.close_codes import CloseCode
from tests.e2e.wsclient import Client, ServerError
from tests.redis.people import moderating
from tests.redis.workers import Workers


async def test_a_removal_and_a_demotion_hold_on_every_worker(workers: Workers) -> None:
    writer, other = workers.start(), workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    async with moderating(meeting, writer) as moderator:
        ewa = await Client.join(other.ws_url, meeting["invite_token"], "Ewa")
        zofia = await Client.join(other.ws_url, meeting["moderator_token"], "Zofia")
        await moderator.command("remove_participant", participant=ewa.me)
        await moderator.command("set_role", participant=zofia.me, role="participant")
        assert await ewa.wait_closed() == CloseCode.REMOVED
        await zofia.close()

        for worker in (writer, other):
            with pytest.raises(ServerError) as refused:
                await Client.join(
                    worker.ws_url, meeting["invite_token"], "Ewa N.", removed=ewa.resume_token
                )
            assert refused.value.code == "removed"
            back = await Client.join(
                worker.ws_url, meeting["moderator_token"], "Zofia", demoted=zofia.resume_token
            )
            try:
                welcome = back.welcomes[0]
                assert welcome["snapshot"]["participants"][back.me]["role"] == "participant"
            finally:
                await back.close()
