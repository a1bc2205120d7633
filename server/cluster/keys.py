"""Where Plenum keeps things in Redis, and the scripts that change them atomically.

Per meeting: its latest snapshot, its event log (a stream whose entry ids are the events'
sequence numbers), the number of the newest event stored (its head: an event is stored only
right after it, so two writers can never both store event n, and a log that lost its newest
entries is found out at the next write), the writer's lease, the map of which worker holds
each participant's connection, and two channels: the events the writer publishes and the
commands other workers forward to it; per room, the worker that serves its media (its home) and
each worker's count of the room's media sessions (its spread); per secret poll, its ballot box
(`server.cluster.ballot_box`). Every key of a meeting starts with `plenum:m:<id>:`, so deleting
one is deleting what matches `meeting_pattern`. Across meetings: the index of the meetings kept
(`MEETINGS`), and the channel that tells every worker a meeting was deleted (`DELETED_CHANNEL`).
Per worker: a key that says it is alive, its count of media sessions, the address of its end of
the media pipe, the channel its replies come on, and the channel of its media signalling.
`Scripts` registers the scripts on this worker's clients.
"""

from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from rooms import MeetingId, ParticipantId
from rooms.ids import RoomId

PREFIX = "plenum"

# The ids of the meetings kept: added at creation, removed at deletion, and when found expired.
MEETINGS = f"{PREFIX}:meetings"
# A meeting's id, published when the organiser deleted it: every worker drops its replica.
DELETED_CHANNEL = f"{PREFIX}:deleted"
# A deleted meeting's lease holds this until the retention ends: no worker can take the meeting
# over (and store a snapshot that would bring it back), and its writer's next commit is refused.
DELETED_LEASE = "deleted"


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


@dataclass(frozen=True)
class BallotBoxKeys:
    """A secret poll's ballot box: two sorted sets (every score 0, so ordered by member: by
    hash, never by arrival) and the mark that it is closed."""

    ballots: str  # members `<ballot key>:<choices>`
    voters: str  # members `<voter key>`
    closed: str

    @classmethod
    def of(cls, meeting: MeetingId, poll: str) -> "BallotBoxKeys":
        base = f"{PREFIX}:m:{meeting}:poll:{poll}"
        return cls(ballots=f"{base}:ballots", voters=f"{base}:voters", closed=f"{base}:closed")

    @staticmethod
    def pattern(meeting: MeetingId) -> str:
        """A `SCAN MATCH` pattern for every ballot box key of the meeting."""
        return f"{PREFIX}:m:{_glob_escaped(meeting)}:poll:*"


# Every meeting's snapshot: the meetings Redis keeps.
SNAPSHOTS = f"{PREFIX}:m:*:snapshot"


def meeting_of_snapshot(key: str) -> MeetingId:
    """The meeting whose snapshot `key` is."""
    return MeetingId(key.removeprefix(f"{PREFIX}:m:").removesuffix(":snapshot"))


def meeting_pattern(meeting: MeetingId) -> str:
    """A `SCAN MATCH` pattern for every key of the meeting, its ballot boxes and placements too."""
    return f"{PREFIX}:m:{_glob_escaped(meeting)}:*"


def _glob_escaped(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


async def delete_matching(redis: aioredis.Redis, pattern: str, keep: frozenset[str]) -> int:
    """Delete every key that matches `pattern` but those in `keep`; how many were deleted."""
    deleted = 0
    batch: list[str] = []
    async for key in redis.scan_iter(match=pattern, count=500):
        name = key.decode() if isinstance(key, bytes) else str(key)
        if name not in keep:
            batch.append(name)
        if len(batch) >= 500:
            deleted += int(await redis.delete(*batch))
            batch = []
    if batch:
        deleted += int(await redis.delete(*batch))
    return deleted


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


def spread_key(meeting: MeetingId, room: RoomId) -> str:
    """The sessions of the room each worker serves: the home's under `HOME`, each worker the room
    spread to under its id."""
    return f"{PREFIX}:m:{meeting}:media:{room}:spread"


# The home's field in a room's `spread_key` (no worker id holds an @).
HOME = "@home"


def pipe_address_key(worker: str) -> str:
    """The worker's end of the media pipe (`host:port`), published next to its sign of life."""
    return f"{PREFIX}:w:{worker}:pipe"


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

# KEYS: a room's placement, its spread. ARGV: the dead home, the live worker with the fewest
# media sessions, retention (ms), then the workers of the spread found dead. Unless another worker
# already moved the room, places it on the live worker of its spread that serves most of its
# sessions (they keep theirs, and the fewest start again), else on the least loaded one; the new
# home's count moves to the home's field and the dead leave the spread. Returns the placement after.
REPLACE = """
local now = redis.call('GET', KEYS[1])
if now ~= false and now ~= ARGV[1] then
  return now
end
local dead = {[ARGV[1]] = true}
for i = 4, #ARGV do
  dead[ARGV[i]] = true
  redis.call('HDEL', KEYS[2], ARGV[i])
end
local chosen, most = ARGV[2], nil
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local worker, count = all[i], tonumber(all[i + 1])
  if worker ~= '@home' and not dead[worker] then
    if most == nil or count > most or (count == most and worker < chosen) then
      chosen, most = worker, count
    end
  end
end
redis.call('SET', KEYS[1], chosen, 'PX', ARGV[3])
redis.call('HDEL', KEYS[2], '@home', ARGV[1], chosen)
if most ~= nil then
  redis.call('HSET', KEYS[2], '@home', most)
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return chosen
"""

# KEYS: a worker's load. ARGV: the change. Moves the count only while the worker publishes one
# (keeping its expiry), so a reservation never brings a dead worker's count back.
RESERVE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""

# KEYS: a room's placement, its spread. ARGV: the room's share, retention (ms), the worker to
# spread to when the home and every worker of the spread have their share, 1 if the session
# publishes (else 0), then the workers found dead. Takes one session for the room: the home's
# while it has fewer than the share or for a publisher (its feeds then start at the home and fan
# out once), else the live worker of the spread with the fewest, else the newcomer (joining the
# spread); the dead leave the spread. Returns the worker chosen, or nothing when the room has no
# home yet.
TAKE_SESSION = """
local home = redis.call('GET', KEYS[1])
if not home then
  return false
end
local share = tonumber(ARGV[1])
local dead = {}
for i = 5, #ARGV do
  dead[ARGV[i]] = true
  redis.call('HDEL', KEYS[2], ARGV[i])
end
local chosen = nil
local field = '@home'
if ARGV[4] == '1' or tonumber(redis.call('HGET', KEYS[2], '@home') or '0') < share then
  chosen = home
else
  local fewest = nil
  local all = redis.call('HGETALL', KEYS[2])
  for i = 1, #all, 2 do
    local worker, count = all[i], tonumber(all[i + 1])
    if worker ~= '@home' and worker ~= home and not dead[worker] and count < share then
      if fewest == nil or count < fewest or (count == fewest and worker < chosen) then
        chosen, fewest = worker, count
      end
    end
  end
  if chosen == nil then
    chosen = ARGV[3]
  end
  field = chosen
  if chosen == home then
    field = '@home'
  end
end
redis.call('HINCRBY', KEYS[2], field, 1)
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return chosen
"""

# KEYS: a room's placement, its spread. ARGV: the worker, its sessions in the room, retention
# (ms). The worker's count of the room's sessions: as the home, or as a worker of the spread it
# is in still (one that left it, found dead, does not come back by publishing).
COUNT_SESSIONS = """
local field = ARGV[1]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  field = '@home'
elseif redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[2], field, ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
"""

# KEYS: ballots, voters, closed. ARGV: ballot key, voter key, choices, retention (ms). Puts a
# ballot in the box: CAST (the voter's first), CHANGED (the same secret again: a change, or a
# retry after a lost reply), or refused: CLOSED, VOTED (the voter's ballot is in under another
# secret), TAKEN (the secret is another voter's ballot). Sorted sets with score 0, not hashes:
# a small hash keeps its fields in the order they came, which would line up with the order of
# the voters' marks in the meeting's log; a sorted set keeps its members in byte order.
DEPOSIT_BALLOT = """
if redis.call('EXISTS', KEYS[3]) == 1 then
  return 'CLOSED'
end
local from = '[' .. ARGV[1] .. ':'
local to = '(' .. ARGV[1] .. ';'
local cast = redis.call('ZRANGEBYLEX', KEYS[1], from, to, 'LIMIT', 0, 1)
local voted = redis.call('ZSCORE', KEYS[2], ARGV[2])
local outcome = 'CAST'
if #cast > 0 then
  if not voted then
    return 'TAKEN'
  end
  redis.call('ZREMRANGEBYLEX', KEYS[1], from, to)
  outcome = 'CHANGED'
elseif voted then
  return 'VOTED'
else
  redis.call('ZADD', KEYS[2], 0, ARGV[2])
end
redis.call('ZADD', KEYS[1], 0, ARGV[1] .. ':' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return outcome
"""

# KEYS: ballots, voters, closed. ARGV: retention (ms). Closes the box (a deposit after it is
# refused) and returns every ballot's choices, in the order of the ballot keys.
CLOSE_BALLOT_BOX = """
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
local choices = {}
for i, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  choices[i] = string.sub(member, string.find(member, ':', 1, true) + 1)
end
return choices
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
    take_session: AsyncScript
    count_sessions: AsyncScript
    deposit_ballot: AsyncScript
    close_ballot_box: AsyncScript

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
            take_session=redis.register_script(TAKE_SESSION),
            count_sessions=redis.register_script(COUNT_SESSIONS),
            deposit_ballot=redis.register_script(DEPOSIT_BALLOT),
            close_ballot_box=redis.register_script(CLOSE_BALLOT_BOX),
        )
