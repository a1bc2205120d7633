"""Where a meeting's participants are connected: the worker and the socket holding each.

The meeting's `where` map in Redis (`server.cluster.keys`) says it for every worker. The worker
receiving a Join or Rejoin records it before it sends the command, and forgets it once the
goodbye is sent. The writer reads it to spend a goodbye from a socket its participant has left
for a newer one; each worker reads it to find whom it holds with no socket here, and whom a dead
worker held.
"""

from rooms import ParticipantId
from server.cluster import keys as rk
from server.cluster.messages import as_bytes
from server.cluster.presence import WorkerPresence

# The worker and the socket.
Placement = tuple[str, str]


class Placements:
    """One meeting's `where` map, read and written on behalf of this worker."""

    def __init__(self, presence: WorkerPresence, keys: rk.MeetingKeys) -> None:
        self._presence = presence
        self._keys = keys

    async def record(self, participant: ParticipantId, connection: str) -> None:
        """The participant is on `connection`, here."""
        await self._presence.redis.hset(
            self._keys.where,
            rk.participant_field(participant),
            rk.placement(self._presence.worker, connection),
        )

    async def forget(self, participant: ParticipantId, connection: str) -> None:
        """The participant left `connection`, here; a newer socket recorded since stays."""
        await self._presence.scripts.forget_where(
            keys=[self._keys.where],
            args=[
                rk.participant_field(participant),
                rk.placement(self._presence.worker, connection),
            ],
        )

    async def of(self, participant: ParticipantId, *, writing: bool = False) -> Placement | None:
        """The worker and socket holding the participant; on the writer's own pool when
        `writing`, so that a crowd's commands never queue in front."""
        client = self._presence.duties if writing else self._presence.redis
        value = await client.hget(self._keys.where, rk.participant_field(participant))
        return None if value is None else rk.placed_on(as_bytes(value).decode())

    async def of_each(self, participants: list[ParticipantId]) -> list[Placement | None]:
        """Where each of these participants is, in their order, in one round trip."""
        fields = [rk.participant_field(p) for p in participants]
        values = await self._presence.redis.hmget(self._keys.where, fields)
        return [None if v is None else rk.placed_on(as_bytes(v).decode()) for v in values]

    async def everyone(self) -> dict[str, Placement]:
        """Where every recorded participant is, by participant, from the writer's own pool."""
        where_raw = await self._presence.duties.hgetall(self._keys.where)
        return {
            as_bytes(k).decode(): rk.placed_on(as_bytes(v).decode()) for k, v in where_raw.items()
        }
