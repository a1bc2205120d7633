"""Clients on different workers see the same meeting: the same events, in the same order.

Two workers share a Redis; half the people are on each. Whatever they do at once from both
sides, and even when a worker loses its pub/sub connection mid-stream, every client receives
every event once, in one order, with the same sequence numbers as everyone else.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable

from tests.e2e.wsclient import Client, Message
from tests.harness.redis_server import RedisServer
from tests.harness.waiting import until
from tests.redis.people import crowd, is_chat, is_hand, moderating
from tests.redis.seen import meeting_seen_by
from tests.redis.workers import Worker, Workers

PEOPLE = 50
CHATS_EACH = 20  # 1,000 chat messages in all
STREAM_TIMEOUT_S = 30.0
STREAM = 600  # chat messages while pub/sub connections are cut
COMMAND_TIMEOUT_S = 5.0


def as_seen(messages: list[Message], *fields: str) -> list[tuple[object, ...]]:
    return [tuple(m[f] for f in fields) for m in messages]


def events_after_welcome(client: Client) -> list[Message]:
    start = client.messages.index(client.welcomes[-1])
    return [m for m in client.messages[start + 1 :] if isinstance(m.get("seq"), int)]


async def test_hands_and_chat_reach_everyone_in_one_order(workers: Workers) -> None:
    first, second = workers.start(), workers.start()
    meeting = await first.server.create_meeting("Forum Miasta")
    async with (
        moderating(meeting, first) as moderator,
        crowd(meeting, [first, second], PEOPLE) as people,
    ):
        everyone = [moderator, *people]

        # 100 hands raised at once from both workers: each person raises, lowers, raises again.
        async def raise_lower_raise(person: Client) -> None:
            for kind in ("raise_hand", "lower_hand", "raise_hand"):
                await person.command(kind)

        await asyncio.gather(*(raise_lower_raise(p) for p in people))
        hands = [await c.wait_for_all(is_hand, 3 * PEOPLE) for c in everyone]
        order = as_seen(hands[0], "seq", "type", "participant")
        assert sum(kind == "hand_raised" for _, kind, _ in order) == 2 * PEOPLE
        for client, seen in zip(everyone, hands, strict=True):
            assert as_seen(seen, "seq", "type", "participant") == order, client.name
        queues = [meeting_seen_by(c).hand_queue for c in everyone]
        assert sorted(queues[0]) == sorted(p.me for p in people)
        assert all(queue == queues[0] for queue in queues), "one hand queue, in one order"
        assert queues[0] == [who for _, kind, who in order if kind == "hand_raised"][PEOPLE:]

        # 1,000 chat messages sent at once from both workers, none waiting for the others.
        async def chatter(person: Client) -> None:
            for n in range(CHATS_EACH):
                await person.send("send_chat", text=f"{person.name}: {n}")

        await asyncio.gather(*(chatter(p) for p in people))
        total = PEOPLE * CHATS_EACH
        chats = [await c.wait_for_all(is_chat, total, STREAM_TIMEOUT_S) for c in everyone]
        order = as_seen(chats[0], "seq", "sender", "text")
        for client, seen in zip(everyone, chats, strict=True):
            assert as_seen(seen, "seq", "sender", "text") == order, client.name
        assert len({text for _, _, text in order}) == total
        said: dict[object, list[object]] = defaultdict(list)
        for _, sender, text in order:
            said[sender].append(text)
        for person in people:
            assert said[person.me] == [f"{person.name}: {n}" for n in range(CHATS_EACH)]
        for client in everyone:
            assert not client.of_type("error"), client.of_type("error")[:3]


RESUBSCRIBE_TIMEOUT_S = 10.0


async def stream_while_cutting(
    talking: list[Client], listening: list[Client], cut: Callable[[], Awaitable[int]], cuts: int
) -> None:
    """`talking` chat on and on while `cut` drops pub/sub connections `cuts` times; then every
    client must have received every message, in one order, with no gap and no repeat."""
    everyone = [*talking, *listening]

    async def talk(person: Client) -> None:
        for n in range(STREAM // len(talking)):
            await person.command("send_chat", COMMAND_TIMEOUT_S, text=f"{person.name}: {n}")

    async def cut_again_and_again() -> None:
        for n in range(1, cuts + 1):
            await listening[0].wait_for_all(is_chat, n * STREAM // (cuts + 1), STREAM_TIMEOUT_S)
            assert await cut() >= 1, "a pub/sub connection was dropped"

    await asyncio.gather(*(talk(p) for p in talking), cut_again_and_again())
    chats = [await c.wait_for_all(is_chat, STREAM, STREAM_TIMEOUT_S) for c in everyone]
    order = as_seen(chats[0], "seq", "sender", "text")
    for client, seen in zip(everyone, chats, strict=True):
        assert as_seen(seen, "seq", "sender", "text") == order, client.name
        # Every event here is public: after the welcome, no gap and no repeat.
        seqs = [m["seq"] for m in events_after_welcome(client)]
        start = client.welcomes[-1]["seq"]
        assert seqs == list(range(start + 1, start + 1 + len(seqs))), client.name


def cutter(
    redis_server: RedisServer, workers: Workers, worker: Worker
) -> Callable[[], Awaitable[int]]:
    """Drop `worker`'s pub/sub connection to Redis, as a network blip would."""

    def cut() -> int:
        # The worker resubscribes a moment after each cut: wait until it has, then cut again.
        clients = until(
            lambda: workers.pubsub_clients(worker),
            RESUBSCRIBE_TIMEOUT_S,
            failure="the worker did not resubscribe",
        )
        return sum(int(redis_server.cli("CLIENT", "KILL", "ID", client)) for client in clients)

    return lambda: asyncio.to_thread(cut)


async def test_a_follower_that_lost_its_subscription_catches_up_from_the_log(
    workers: Workers, redis_server: RedisServer
) -> None:
    writer, follower = workers.start(), workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    async with (
        crowd(meeting, [writer], 3) as talking,
        crowd(meeting, [follower], 3) as listening,
    ):
        await stream_while_cutting(talking, listening, cutter(redis_server, workers, follower), 3)
    assert "redis pub/sub lost" in follower.printed()


async def test_a_writer_that_lost_its_subscription_goes_on_writing(
    workers: Workers, redis_server: RedisServer
) -> None:
    writer, follower = workers.start(), workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    async with (
        crowd(meeting, [writer], 3) as talking,
        crowd(meeting, [follower], 3) as listening,
    ):
        await stream_while_cutting(talking, listening, cutter(redis_server, workers, writer), 12)
