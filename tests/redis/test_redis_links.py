"""A role's link reissued through Redis: on the API of a worker that does not write the meeting,
the old link is refused on every worker, and after every worker was killed, while the person who
joined with it stays; the reissue is in the meeting's log like any other command."""

import asyncio

import pytest

from tests.e2e.wsclient import Client, ServerError
from tests.harness import api
from tests.harness.processes import ADMIN_TOKEN
from tests.redis.people import is_chat
from tests.redis.workers import Worker, Workers


async def refused(worker: Worker, token: str) -> ServerError:
    with pytest.raises(ServerError) as caught:
        await Client.join(worker.ws_url, token, "Ala")
    return caught.value


async def test_a_link_reissued_on_one_worker_is_refused_on_every_worker_and_after_a_restart(
    workers: Workers,
) -> None:
    writer, other = workers.start(), workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    old = meeting["invite_token"]
    jan = await Client.join(other.ws_url, old, "Jan Kowalski")
    try:
        reissued = await asyncio.to_thread(
            api.reissue_link, other.server.base_url, meeting["id"], "participant", ADMIN_TOKEN
        )
        assert reissued["generation"] == 1
        for worker in (writer, other):
            assert (await refused(worker, old)).code == "link_revoked"
        ala = await Client.join(writer.ws_url, reissued["token"], "Ala Nowak")
        await ala.close()
        # Jan, in with the old link, stays, and is heard on the writer's side.
        mod = await Client.join(writer.ws_url, meeting["moderator_token"], "Moderatorka")
        try:
            await jan.command("send_chat", text="Jestem dalej")
            await mod.wait_for(lambda m: is_chat(m) and m["text"] == "Jestem dalej")
        finally:
            await mod.close()
    finally:
        await jan.close()

    # Every worker gone at once (`kill -9`): a new one reads the meeting from Redis alone.
    workers.kill(writer)
    workers.kill(other)
    again = workers.start()
    assert (await refused(again, old)).code == "link_revoked"
    ola = await Client.join(again.ws_url, reissued["token"], "Ola")
    await ola.close()
