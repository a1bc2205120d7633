"""Secret polls' ballot boxes in Redis, shared by every worker (see `server.meetings.ballot_box`).

Each deposit and each close is one script (`server.cluster.keys`), so two workers depositing
for one voter at once, or a deposit racing the close, are decided by Redis alone. A ballot is in
the box once its deposit returns; whichever worker writes the meeting later counts it. The
box's keys expire with the meeting's data, `retention_s` after their last write.
"""

from collections.abc import Sequence

from redis.exceptions import RedisError

from rooms import MeetingId, ParticipantId
from server.cluster import keys as rk
from server.cluster.messages import as_bytes
from server.cluster.presence import WorkerPresence
from server.meetings.ballot_box import (
    BoxCount,
    Deposited,
    Refusal,
    Refused,
    Seal,
    decode_choices,
    encode_choices,
)
from server.meetings.hub import Unavailable

OUTCOMES: dict[bytes, Deposited | Refused] = {
    b"CAST": Deposited(first=True),
    b"CHANGED": Deposited(first=False),
    b"CLOSED": Refused(Refusal.CLOSED),
    b"VOTED": Refused(Refusal.VOTED_ALREADY),
    b"TAKEN": Refused(Refusal.SECRET_TAKEN),
}


class RedisBallotBox:
    def __init__(self, presence: WorkerPresence) -> None:
        self._presence = presence
        self._seal = Seal.from_secret(presence.settings.secret)
        self._retention_ms = int(presence.settings.retention_s * 1000)

    async def deposit(
        self,
        meeting: MeetingId,
        poll: str,
        voter: ParticipantId,
        secret: str,
        choices: Sequence[int],
    ) -> Deposited | Refused:
        """Raises `Unavailable` when Redis cannot be reached: the ballot may or may not be in
        the box, and the same deposit may be sent again (the same secret changes nothing twice).
        """
        encoded = encode_choices(choices)
        keys = rk.BallotBoxKeys.of(meeting, poll)
        try:
            outcome = await self._presence.scripts.deposit_ballot(
                keys=[keys.ballots, keys.voters, keys.closed],
                args=[
                    self._seal.ballot_key(meeting, poll, secret),
                    self._seal.voter_key(meeting, poll, voter),
                    encoded,
                    self._retention_ms,
                ],
            )
        except (RedisError, OSError) as error:
            raise Unavailable(f"the ballot box is out of reach: {error}") from error
        return OUTCOMES[as_bytes(outcome)]

    async def close(self, meeting: MeetingId, poll: str) -> BoxCount:
        keys = rk.BallotBoxKeys.of(meeting, poll)
        try:
            stored = await self._presence.scripts.close_ballot_box(
                keys=[keys.ballots, keys.voters, keys.closed], args=[self._retention_ms]
            )
        except (RedisError, OSError) as error:
            raise Unavailable(f"the ballot box is out of reach: {error}") from error
        return BoxCount.of(decode_choices(as_bytes(choices).decode()) for choices in stored)

    async def forget(self, meeting: MeetingId) -> None:
        pattern = rk.BallotBoxKeys.pattern(meeting)
        try:
            await rk.delete_matching(self._presence.redis, pattern, keep=frozenset())
        except (RedisError, OSError) as error:
            raise Unavailable(f"the ballot box is out of reach: {error}") from error
