"""A participant whose socket is gone ends as disconnected, and leaves after the grace period.

A `hello` can be applied by the meeting's writer and still be answered `unavailable`: the
writer's answer did not come back in time. Nobody holds that participant's socket, so no
goodbye will ever be sent for it; the worker it came through must find it out by itself.
"""

from tests.e2e.wsclient import Client, ServerError
from tests.harness.redis_server import RedisServer
from tests.redis.people import moderating
from tests.redis.workers import Workers

GHOST_GRACE_S = 2.0
# A presence check or two, and slack for a loaded machine.
NOTICED_WITHIN_S = 10.0
HELLO_TIMEOUT_S = 15.0
DEAF = "deaf-worker"
NAME = "Fantom"


async def test_a_hello_answered_unavailable_leaves_no_phantom(
    workers: Workers, redis_server: RedisServer
) -> None:
    grace = {"PLENUM_GHOST_GRACE_S": str(GHOST_GRACE_S)}
    writer = workers.start(**grace)
    # A worker of its own Redis user, so that it alone can be made deaf to its replies.
    redis_server.cli("ACL", "SETUSER", DEAF, "on", ">secret", "~*", "&*", "+@all")
    url = f"redis://{DEAF}:secret@127.0.0.1:{redis_server.port}/0"
    deaf = workers.start(REDIS_URL=url, **grace)
    meeting = await writer.server.create_meeting("Forum Miasta")
    async with moderating(meeting, writer) as moderator:
        # The writer's answers to this worker go nowhere: its hellos are applied, not answered.
        redis_server.cli("ACL", "SETUSER", DEAF, "resetchannels", "&plenum:m:*")
        try:
            await Client.join(deaf.ws_url, meeting["invite_token"], NAME, timeout=HELLO_TIMEOUT_S)
        except ServerError as refused:
            assert refused.code == "unavailable"
        else:
            raise AssertionError("a worker deaf to its replies welcomed a newcomer")
        joined = await moderator.wait_for_event("participant_joined", name=NAME)
        redis_server.cli("ACL", "SETUSER", DEAF, "allchannels")

        phantom = joined["participant"]
        await moderator.wait_for_event(
            "participant_disconnected", NOTICED_WITHIN_S, participant=phantom
        )
        await moderator.wait_for_event(
            "participant_left", GHOST_GRACE_S + NOTICED_WITHIN_S, participant=phantom
        )
        # The worker hears again: the next newcomer there is welcomed.
        back = await Client.join(deaf.ws_url, meeting["invite_token"], "Druga próba")
        await back.close()
