"""Ending the meeting with several workers: the writer ends it, every worker closes its own
sockets with 4011, and no worker lets anyone in after it, one that takes the meeting over after
the writer died included."""

import asyncio

import pytest

from server.protocol.close_codes import CloseCode
from tests.e2e.wsclient import Client, ServerError
from tests.harness.waiting import eventually
from tests.redis.workers import Worker, Workers


async def _refused(worker: Worker, meeting: dict[str, str], resume_token: str) -> None:
    with pytest.raises(ServerError) as hello:
        await Client.join(worker.ws_url, meeting["invite_token"], "Spóźniona")
    assert hello.value.code == "meeting_ended"
    back = Client(worker.ws_url, "Wraca")
    back.resume_token = resume_token
    with pytest.raises(ServerError) as resume:
        await back.reconnect()
    assert resume.value.code == "meeting_ended"


async def test_the_end_closes_every_workers_sockets_and_holds_after_a_takeover(
    workers: Workers,
) -> None:
    writer, other = workers.start(), workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    # The moderator's command goes from the other worker to the writer.
    moderator = await Client.join(other.ws_url, meeting["moderator_token"], "Moderatorka")
    here = await Client.join(writer.ws_url, meeting["invite_token"], "Ewa")
    there = await Client.join(other.ws_url, meeting["invite_token"], "Jan")
    everyone = (moderator, here, there)
    await moderator.wait_for_event("participant_joined", participant=there.me)

    await moderator.send("end_meeting")

    codes = await asyncio.gather(*(person.wait_closed() for person in everyone))
    assert codes == [CloseCode.MEETING_ENDED] * 3
    for person in everyone:
        assert person.messages[-1]["type"] == "meeting_ended"
        assert person.messages[-1]["by"] == moderator.me
    for worker in (writer, other):
        await _refused(worker, meeting, here.resume_token)

    # The writer dies; a worker that never held the meeting takes it over from Redis.
    await asyncio.to_thread(workers.kill, writer)
    late = workers.start()
    await _refused(late, meeting, there.resume_token)
    await _refused(other, meeting, moderator.resume_token)
    # Whichever of them holds the lease now writes the meeting, and still lets nobody in.
    redis = workers.redis
    assert redis is not None
    lease = f"plenum:m:{meeting['id']}:lease"
    await eventually(lambda: redis.cli("GET", lease) in (late.id, other.id), timeout=15)
    await _refused(workers.writer_of(meeting["id"]), meeting, here.resume_token)
    for worker in (other, late):
        assert "could not" not in worker.printed()
        assert "Traceback" not in worker.printed()
