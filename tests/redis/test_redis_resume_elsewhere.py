"""Resuming through another worker: the newest connection is the participant, the older is not.

A browser whose network changed resumes on whichever worker the load balancer picks, often
before the old worker has noticed that the old socket is dead. The old socket must be closed
(4009), and its late goodbye must not disconnect the person who is back.
"""


from tests.e2e.wsclient import Client
from tests.harness.redis_server import RedisServer
from tests.harness.waiting import eventually
from tests.redis.people import moderating
from tests.redis.workers import Worker, Workers

REPLACED = 4009
COMMAND_TIMEOUT_S = 5.0
# The old worker keeps trying its goodbye this long (PLENUM_COMMAND_TIMEOUT_S plus two leases).
OLD_WORKER_COMMAND_TIMEOUT_S = 8.0
GOODBYE_WITHIN_S = OLD_WORKER_COMMAND_TIMEOUT_S + 2 * 1.0 + 5.0
MUTED = "muted-worker"


def twin_of(person: Client, worker: Worker) -> Client:
    """The same browser tab, about to resume through `worker` with its resume token."""
    twin = Client(worker.ws_url, person.name)
    twin.me, twin.resume_token = person.me, person.resume_token
    return twin


async def test_resuming_through_another_worker_closes_the_old_socket(workers: Workers) -> None:
    first, second = workers.start(), workers.start()
    meeting = await first.server.create_meeting("Forum Miasta")
    async with moderating(meeting, first) as moderator:
        ala = await Client.join(first.ws_url, meeting["invite_token"], "Ala")
        twin = twin_of(ala, second)
        try:
            await twin.reconnect()
            assert await ala.wait_closed() == REPLACED
            await twin.command("raise_hand", COMMAND_TIMEOUT_S)
            await moderator.wait_for_event("hand_raised", participant=ala.me)
            assert not moderator.of_type("participant_disconnected")
        finally:
            await twin.close()
            await ala.close()


async def wait_printed(worker: Worker, text: str, timeout: float) -> None:
    # A worker's log has no event to wait on from outside the process: polled, with a deadline.
    await eventually(lambda: text in worker.printed(), timeout, failure=f"{text!r} not logged")


async def test_a_late_goodbye_from_the_old_worker_does_not_disconnect_the_person_back(
    workers: Workers, redis_server: RedisServer
) -> None:
    writer = workers.start()
    # The old worker on a Redis user of its own, so that its messages alone can be held up.
    redis_server.cli("ACL", "SETUSER", MUTED, "on", ">secret", "~*", "&*", "+@all")
    url = f"redis://{MUTED}:secret@127.0.0.1:{redis_server.port}/0"
    old = workers.start(REDIS_URL=url, PLENUM_COMMAND_TIMEOUT_S=str(OLD_WORKER_COMMAND_TIMEOUT_S))
    new = workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    async with moderating(meeting, writer) as moderator:
        ala = await Client.join(old.ws_url, meeting["invite_token"], "Ala")
        await moderator.wait_for_event("participant_joined", participant=ala.me)

        # The old worker's goodbye for Ala's dropped socket cannot reach the writer yet...
        redis_server.cli("ACL", "SETUSER", MUTED, "resetchannels", "&plenum:w:*")
        await ala.drop()
        # ... while Ala is already back through another worker.
        twin = twin_of(ala, new)
        try:
            await twin.reconnect()
            redis_server.cli("ACL", "SETUSER", MUTED, "allchannels")
            await wait_printed(writer, "an older connection", GOODBYE_WITHIN_S)

            await twin.command("raise_hand", COMMAND_TIMEOUT_S)
            await moderator.wait_for_event("hand_raised", participant=ala.me)
            assert twin.connected
            gone = moderator.of_type("participant_disconnected")
            assert not [m for m in gone if m["participant"] == ala.me]
        finally:
            await twin.close()
