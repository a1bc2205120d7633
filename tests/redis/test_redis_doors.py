"""The doors with several workers: a moderator on one worker locks the meeting, and a newcomer on
any worker is refused (the lock is the meeting's, kept by its writer); unlocked, they get in."""

import pytest

from tests.e2e.wsclient import Client, ServerError
from tests.redis.workers import Workers


async def test_a_lock_holds_on_every_worker(workers: Workers) -> None:
    writer, other = workers.start(), workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    moderator = await Client.join(other.ws_url, meeting["moderator_token"], "Moderatorka")
    ewa = await Client.join(writer.ws_url, meeting["invite_token"], "Ewa")

    await moderator.send("lock_meeting")
    await ewa.wait_for_event("meeting_locked", by=moderator.me)
    for worker in (writer, other):
        with pytest.raises(ServerError) as hello:
            await Client.join(worker.ws_url, meeting["invite_token"], "Spóźniona")
        assert hello.value.code == "meeting_locked"

    await moderator.send("unlock_meeting")
    await ewa.wait_for_event("meeting_unlocked", by=moderator.me)
    late = await Client.join(other.ws_url, meeting["invite_token"], "Spóźniona")
    await ewa.wait_for_event("participant_joined", participant=late.me)
    for person in (moderator, ewa, late):
        await person.close()
    for worker in (writer, other):
        assert "Traceback" not in worker.printed()
