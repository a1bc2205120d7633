"""Where Plenum keeps things in Redis, and the scripts that change them atomically.

Per meeting: its latest snapshot, its event log (a stream whose entry ids are the events'
sequence numbers), the number of the newest event stored (its head: an event is stored only
right after it, so two writers can never both store event n, and a log that lost its newest
entries is found out at the next write), the writer's lease, the map of which worker holds
each participant's connection, and two channels: the events the writer publishes and the
commands other workers forward to it; per room, the worker that serves its media. Per worker: a
key that says it is alive, its count of media sessions, the channel its replies come on, and
the channel of its media signalling. `Scripts` registers the scripts on this worker's clients.
"""

from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from rooms import MeetingId, ParticipantId
from rooms.ids import RoomId

PREFIX = "plenum"


@dataclass(frozen=True)
class MeetingKeys:
    snapshot: str
    log: str
    head: str
    lease: str
    where: str
    events: str
    commands: str

    @classmethod
    def of(cls, meeting: MeetingId) -> "MeetingKeys":
        base = f"{PREFIX}:m:{meeting}"
        return cls(
            snapshot=f"{base}:snapshot",
            log=f"{base}:log",
            head=f"{base}:head",
            lease=f"{base}:lease",
            where=f"{base}:where",
            events=f"{base}:events",
            commands=f"{base}:commands",
        )


def alive_key(worker: str) -> str:
    return f"{PREFIX}:w:{worker}:alive"


def replies_channel(worker: str) -> str:
    return f"{PREFIX}:w:{worker}:replies"


def media_channel(worker: str) -> str:
    return f"{PREFIX}:w:{worker}:media"


def load_key(worker: str) -> str:
    """The worker's count of media sessions, published next to its sign of life."""
    return f"{PREFIX}:w:{worker}:media_load"


def placement_key(meeting: MeetingId, room: RoomId) -> str:
    """The worker that serves the room's media."""
    return f"{PREFIX}:m:{meeting}:media:{room}"


def log_id(seq: int) -> str:
    return f"{seq}-0"


def participant_field(participant: ParticipantId) -> str:
    return str(participant)


def placement(worker: str, connection: str) -> str:
    """Where a participant is, in the meeting's `where` map: a worker and a socket there."""
    return f"{worker} {connection}"


def placed_on(value: str) -> tuple[str, str]:
    """The worker and the socket of a `placement`."""
    worker, _, connection = value.partition(" ")
    return worker, connection


# KEYS: lease, log, snapshot, where, head. ARGV: worker, events channel, log length, retention
# (ms), request id, published batch, the first event's number, then an (entry id, event) pair
# per event. Refused with NOTOWNER when another worker writes; with GAP when the head is behind
# the first event (Redis lost writes): the writer then bridges the hole with a snapshot.
COMMIT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('NOTOWNER the lease is held by another worker')
end
local head = tonumber(redis.call('GET', KEYS[5]) or '0')
local first = tonumber(ARGV[7])
if head >= first then
  return redis.error_reply('NOTOWNER event ' .. first .. ' is stored already')
end
if head < first - 1 then
  return redis.error_reply('GAP the log ends at event ' .. head .. ', not ' .. (first - 1))
end
for i = 8, #ARGV, 2 do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], ARGV[i], 'e', ARGV[i + 1], 'r', ARGV[5])
end
redis.call('SET', KEYS[5], string.format('%d', first + (#ARGV - 9) / 2))
redis.call('PUBLISH', ARGV[2], ARGV[6])
for k = 2, #KEYS do
  redis.call('PEXPIRE', KEYS[k], ARGV[4])
end
return 1
"""

# KEYS: lease. ARGV: worker, ttl (ms). 1 if the lease is still this worker's and was renewed.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS: lease, snapshot, head. ARGV: worker, snapshot, retention (ms), the snapshot's seq.
# The head moves up to the snapshot: events the log lost before it are in the snapshot. A
# snapshot older than the head is refused (0): it would hide events stored after it.
STORE_SNAPSHOT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local head = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[4]) < head then
  return 0
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if head < tonumber(ARGV[4]) then
  redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[3])
end
return 1
"""

# KEYS: lease. ARGV: worker.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS: where. ARGV: participant, placement. Forget where a participant is, if it is still there.
FORGET_WHERE = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""

# KEYS: a room's placement. ARGV: the dead worker, its successor, retention (ms). Places the room
# on the successor unless another worker already moved it; returns the placement after.
REPLACE = """
local now = redis.call('GET', KEYS[1])
if now == false or now == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return ARGV[2]
end
return now
"""

# KEYS: a worker's load. ARGV: the change. Moves the count only while the worker publishes one
# (keeping its expiry), so a reservation never brings a dead worker's count back.
RESERVE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


@dataclass(frozen=True)
class Scripts:
    """The scripts above, registered on the client each is run with."""

    commit: AsyncScript
    renew: AsyncScript
    store_snapshot: AsyncScript
    release: AsyncScript
    forget_where: AsyncScript
    replace: AsyncScript
    reserve: AsyncScript

    @classmethod
    def register(cls, redis: aioredis.Redis, duties: aioredis.Redis) -> "Scripts":
        """The writer's scripts on its own pool (`duties`), the others on the common one."""
        return cls(
            commit=duties.register_script(COMMIT),
            renew=duties.register_script(RENEW),
            store_snapshot=duties.register_script(STORE_SNAPSHOT),
            release=duties.register_script(RELEASE),
            forget_where=redis.register_script(FORGET_WHERE),
            replace=redis.register_script(REPLACE),
            reserve=redis.register_script(RESERVE),
        )
