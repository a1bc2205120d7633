"""How a room's media sessions are shared among its workers: the scripts that take a session for
the room (the home's up to its share, or a publisher's past it; then a worker of the spread with
room left, then the newcomer), that set a worker's count of the room's sessions, and that choose
a new home when the home dies (the worker of the spread with most of the room), run on a real
Redis."""

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from rooms import MeetingId
from rooms.ids import PLENARY
from server.cluster import keys as rk
from tests.harness.redis_server import RedisServer

MEETING = MeetingId("m1")
HOME = rk.placement_key(MEETING, PLENARY)
SPREAD = rk.spread_key(MEETING, PLENARY)
SHARE = 2
RETENTION_MS = 60_000


@pytest.fixture
async def scripts(redis_server: RedisServer) -> AsyncIterator[rk.Scripts]:
    client = aioredis.Redis.from_url(redis_server.url)
    yield rk.Scripts.register(client, client)
    await client.aclose()


async def take(
    scripts: rk.Scripts, newcomer: str, dead: tuple[str, ...] = (), publishes: bool = False
) -> str | None:
    chosen = await scripts.take_session(
        keys=[HOME, SPREAD], args=[SHARE, RETENTION_MS, newcomer, int(publishes), *dead]
    )
    return None if chosen is None else chosen.decode()


async def replace(
    scripts: rk.Scripts, dead_home: str, least_loaded: str, dead: tuple[str, ...] = ()
) -> str:
    placed = await scripts.replace(
        keys=[HOME, SPREAD], args=[dead_home, least_loaded, RETENTION_MS, *dead]
    )
    return str(placed.decode())


def room_at(redis_server: RedisServer, home: str, counts: dict[str, int]) -> None:
    """The room placed on `home`, with these counts of its sessions in its spread."""
    redis_server.cli("SET", HOME, home)
    redis_server.cli("HSET", SPREAD, *(str(x) for item in counts.items() for x in item))


def spread(redis_server: RedisServer) -> dict[str, int]:
    flat = redis_server.cli("HGETALL", SPREAD).split()
    return {flat[i]: int(flat[i + 1]) for i in range(0, len(flat), 2)}


async def test_the_home_takes_its_share_then_the_room_spreads(
    redis_server: RedisServer, scripts: rk.Scripts
) -> None:
    redis_server.cli("SET", HOME, "a")
    taken = [await take(scripts, "b") for _ in range(4)]
    taken.append(await take(scripts, "c"))
    assert taken == ["a", "a", "b", "b", "c"]
    assert spread(redis_server) == {"@home": 2, "b": 2, "c": 1}
    # A worker of the spread with room left comes before a newcomer.
    assert await take(scripts, "d") == "c"


async def test_a_room_with_no_home_takes_no_session(
    redis_server: RedisServer, scripts: rk.Scripts
) -> None:
    assert await take(scripts, "b") is None
    assert redis_server.cli("EXISTS", SPREAD) == "0"


async def test_a_dead_worker_leaves_the_spread_and_gets_no_session(
    redis_server: RedisServer, scripts: rk.Scripts
) -> None:
    room_at(redis_server, "a", {"@home": 2, "b": 1})
    assert await take(scripts, "c", dead=("b",)) == "c"
    assert spread(redis_server) == {"@home": 2, "c": 1}


async def test_a_worker_counts_its_sessions_as_the_home_or_while_in_the_spread(
    redis_server: RedisServer, scripts: rk.Scripts
) -> None:
    redis_server.cli("SET", HOME, "a")

    async def count(worker: str, sessions: int) -> int:
        args: list[str | int] = [worker, sessions, RETENTION_MS]
        return int(await scripts.count_sessions(keys=[HOME, SPREAD], args=args))

    assert await count("a", 5) == 1
    # Not in the spread (or left it, found dead): its count does not bring it back in.
    assert await count("b", 1) == 0
    assert spread(redis_server) == {"@home": 5}
    redis_server.cli("HSET", SPREAD, "b", "3")
    assert await count("b", 0) == 1
    assert spread(redis_server) == {"@home": 5, "b": 0}


async def test_sessions_taken_at_once_never_give_a_worker_more_than_its_share(
    redis_server: RedisServer, scripts: rk.Scripts
) -> None:
    redis_server.cli("SET", HOME, "a")
    taken = await asyncio.gather(*(take(scripts, f"w{i}") for i in range(9)))
    counts = spread(redis_server)
    assert counts["@home"] == SHARE and taken.count("a") == SHARE
    assert all(count <= SHARE for count in counts.values())
    assert sum(counts.values()) == 9
    assert {w: taken.count(w) for w in set(taken) - {"a"}} == {
        w: n for w, n in counts.items() if w != "@home"
    }


async def test_a_publisher_takes_the_home_past_its_share(
    redis_server: RedisServer, scripts: rk.Scripts
) -> None:
    room_at(redis_server, "a", {"@home": SHARE, "b": 1})
    assert await take(scripts, "c") == "b"
    assert await take(scripts, "c", publishes=True) == "a"
    assert await take(scripts, "c", publishes=True) == "a"
    assert spread(redis_server) == {"@home": SHARE + 2, "b": 2}
    # A listener still goes where the room has room.
    assert await take(scripts, "c") == "c"


async def test_a_dead_homes_room_moves_to_the_spread_worker_with_most_of_it(
    redis_server: RedisServer, scripts: rk.Scripts
) -> None:
    room_at(redis_server, "a", {"@home": 2, "b": 1, "c": 3, "d": 5})
    # d is found dead too: it leaves the spread and is not chosen; c keeps its 3 as the home.
    assert await replace(scripts, "a", "e", dead=("d",)) == "c"
    assert redis_server.cli("GET", HOME) == "c"
    assert spread(redis_server) == {"@home": 3, "b": 1}


async def test_a_tie_for_the_new_home_goes_the_same_way_on_every_worker(
    redis_server: RedisServer, scripts: rk.Scripts
) -> None:
    room_at(redis_server, "a", {"@home": 2, "c": 2, "b": 2})
    assert await replace(scripts, "a", "e") == "b"
    assert spread(redis_server) == {"@home": 2, "c": 2}


async def test_a_dead_homes_room_with_no_live_spread_goes_to_the_least_loaded_worker(
    redis_server: RedisServer, scripts: rk.Scripts
) -> None:
    room_at(redis_server, "a", {"@home": 2, "b": 1})
    assert await replace(scripts, "a", "e", dead=("b",)) == "e"
    assert redis_server.cli("GET", HOME) == "e"
    # The new home counts its sessions afresh.
    assert redis_server.cli("EXISTS", SPREAD) == "0"


async def test_a_room_another_worker_moved_already_stays_where_it_went(
    redis_server: RedisServer, scripts: rk.Scripts
) -> None:
    room_at(redis_server, "c", {"@home": 3, "b": 1})
    assert await replace(scripts, "a", "e") == "c"
    assert spread(redis_server) == {"@home": 3, "b": 1}
