"""A meeting's people spread over the workers, each a real WebSocket client."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from tests.e2e.wsclient import Client
from tests.redis.workers import Worker


@asynccontextmanager
async def crowd(
    meeting: dict[str, str], workers: Sequence[Worker], count: int
) -> AsyncIterator[list[Client]]:
    """`count` participants joined at once, dealt over `workers` in turn; closed at the end."""
    joining = [
        Client.join(workers[i % len(workers)].ws_url, meeting["invite_token"], f"Osoba {i:02}")
        for i in range(count)
    ]
    outcomes = await asyncio.gather(*joining, return_exceptions=True)
    people = [c for c in outcomes if isinstance(c, Client)]
    try:
        failed = [e for e in outcomes if isinstance(e, BaseException)]
        if failed:
            raise failed[0]
        yield people
    finally:
        for person in people:
            await person.close()


@asynccontextmanager
async def moderating(meeting: dict[str, str], worker: Worker) -> AsyncIterator[Client]:
    moderator = await Client.join(worker.ws_url, meeting["moderator_token"], "Moderatorka")
    try:
        yield moderator
    finally:
        await moderator.close()


def is_chat(message: dict[str, object]) -> bool:
    return message["type"] == "chat_posted"


def is_hand(message: dict[str, object]) -> bool:
    return message["type"] in ("hand_raised", "hand_lowered")
