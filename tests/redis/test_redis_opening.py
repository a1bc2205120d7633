"""The opening with several workers: before it, a participant's hello on a worker that is not the
meeting's writer is refused with `not_open_yet` and the opening time (which that worker adds from
its copy of the meeting: the writer's refusal carries a code and a text only), a presenter joins
early anywhere, and when the organiser moves the start the opening moves with it everywhere."""

import asyncio
import time
from datetime import UTC, datetime

import pytest

from tests.e2e.wsclient import Client, ServerError
from tests.harness import api
from tests.harness.processes import ADMIN_TOKEN
from tests.redis.workers import Workers

OPEN_BEFORE_S = 600


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat()


async def test_participants_wait_for_the_opening_on_every_worker(workers: Workers) -> None:
    writer = workers.start(PLENUM_OPEN_BEFORE_S=str(OPEN_BEFORE_S))
    other = workers.start(PLENUM_OPEN_BEFORE_S=str(OPEN_BEFORE_S))
    start = round(time.time()) + 3600
    meeting = await writer.server.create_meeting("Forum Miasta", starts_at=iso(start))
    assert workers.writer_of(meeting["id"]) is writer

    for worker in (writer, other):
        with pytest.raises(ServerError) as hello:
            await Client.join(worker.ws_url, meeting["invite_token"], "Ewa")
        assert hello.value.code == "not_open_yet"
        assert hello.value.reply is not None
        assert hello.value.reply["opens_at"] == start - OPEN_BEFORE_S
    mayor = await Client.join(other.ws_url, meeting["presenter_token"], "Prezydent Miasta")

    # The start moved to now: the meeting is open, on the worker that did not move it too.
    now = round(time.time())
    await asyncio.to_thread(
        api.edit_meeting, writer.server.base_url, meeting["id"], ADMIN_TOKEN, starts_at=iso(now)
    )
    ewa = await Client.join(other.ws_url, meeting["invite_token"], "Ewa")
    await mayor.wait_for_event("participant_joined", participant=ewa.me)
    for person in (mayor, ewa):
        await person.close()
    for worker in (writer, other):
        assert "Traceback" not in worker.printed()
