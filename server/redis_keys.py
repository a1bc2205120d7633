"""Where Plenum keeps things in Redis, and the scripts that change them atomically.

Per meeting: its latest snapshot, its event log (a stream whose entry ids are the events'
sequence numbers, so an entry can only be appended after the previous one: two writers can never
both store event n), the writer's lease, the map of which worker holds each participant's
connection, and two channels: the events the writer publishes and the commands other workers
forward to it. Per worker: a key that says it is alive, and the channel its replies come on.
"""

from dataclasses import dataclass

from rooms import MeetingId, ParticipantId

PREFIX = "plenum"


@dataclass(frozen=True)
class MeetingKeys:
    snapshot: str
    log: str
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
            lease=f"{base}:lease",
            where=f"{base}:where",
            events=f"{base}:events",
            commands=f"{base}:commands",
        )


def alive_key(worker: str) -> str:
    return f"{PREFIX}:w:{worker}:alive"


def replies_channel(worker: str) -> str:
    return f"{PREFIX}:w:{worker}:replies"


def log_id(seq: int) -> str:
    return f"{seq}-0"


def participant_field(participant: ParticipantId) -> str:
    return str(participant)


# KEYS: lease, log, snapshot, where. ARGV: worker, events channel, log length, retention (ms),
# request id, published batch, then an (entry id, event) pair per event.
COMMIT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('NOTOWNER the lease is held by another worker')
end
for i = 7, #ARGV, 2 do
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], ARGV[i], 'e', ARGV[i + 1], 'r', ARGV[5])
end
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

# KEYS: lease, snapshot. ARGV: worker, snapshot, retention (ms).
STORE_SNAPSHOT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
"""

# KEYS: lease. ARGV: worker.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS: where. ARGV: participant, worker. Forget where a participant is, if it is still here.
FORGET_WHERE = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""
