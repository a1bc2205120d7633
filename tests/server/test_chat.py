"""Who gets a chat message: everyone in the plenary, the two of a private one, a workshop's people.

A client that must not get a message is checked with a barrier: an event everyone gets, sent
after it. Each connection receives in order, so if the barrier comes next the message never will.
"""

from typing import Any

import pytest

from rooms import MeetingConfig

from .client import Client
from .conftest import Serve, ServedMeeting


async def _barrier(moderator: Client, *others: Client) -> None:
    """A broadcast that must be the next thing each of `others` receives."""
    replies = await moderator.ask({"type": "broadcast", "text": "barrier"})
    assert [m["type"] for m in replies] == ["broadcast_sent", "ok"]
    for other in others:
        assert (await other.expect("broadcast_sent"))["text"] == "barrier"


def _texts(snapshot: dict[str, Any]) -> list[str]:
    return [m["text"] for m in snapshot["chat"]]


async def test_a_public_message_in_the_plenary_reaches_everyone(meeting: ServedMeeting) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    ala, mine = await meeting.join("Ala")
    bo, _ = await meeting.join("Bo")
    await moderator.until("participant_joined")
    await moderator.until("participant_joined")
    await ala.expect("participant_joined")

    replies = await ala.ask({"type": "send_chat", "text": "  Good evening  "})

    assert [m["type"] for m in replies] == ["chat_posted", "ok"]
    for client in (moderator, bo):
        posted = await client.expect("chat_posted")
        assert {k: posted[k] for k in ("sender", "text", "room", "to")} == {
            "sender": mine["you"],
            "text": "Good evening",
            "room": "plenary",
            "to": None,
        }
        assert posted["seq"] == replies[0]["seq"]


async def test_a_private_message_reaches_only_its_two_people(meeting: ServedMeeting) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    ala, from_ala = await meeting.join("Ala")
    bo, to_bo = await meeting.join("Bo")
    cy, _ = await meeting.join("Cy")
    for client, joins in ((moderator, 3), (ala, 2), (bo, 1)):
        for _ in range(joins):
            await client.expect("participant_joined")

    replies = await ala.ask({"type": "send_chat", "text": "psst", "to": to_bo["you"]})

    assert [m["type"] for m in replies] == ["chat_posted", "ok"]
    posted = await bo.expect("chat_posted")
    assert (posted["sender"], posted["to"], posted["text"]) == (
        from_ala["you"],
        to_bo["you"],
        "psst",
    )
    await _barrier(moderator, ala, bo, cy)

    _, late = await meeting.join("Dee")
    assert _texts(late["snapshot"]) == []
    _, second_moderator = await meeting.join("Max", moderator=True)
    assert _texts(second_moderator["snapshot"]) == []


async def test_a_private_message_to_oneself_or_nobody_is_refused(meeting: ServedMeeting) -> None:
    ala, mine = await meeting.join("Ala")
    for to, code in ((mine["you"], "invalid"), ("nobody", "unknown_participant")):
        replies = await ala.ask({"type": "send_chat", "text": "hello?", "to": to})
        assert [(m["type"], m["code"]) for m in replies] == [("error", code)]
    assert meeting.live.meeting.state.chat == []


async def test_a_workshop_message_reaches_its_room_and_the_moderators(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    people: dict[str, tuple[Client, str]] = {}
    for name in ("North 1", "North 2", "South", "Plenary"):
        client, welcome = await meeting.join(name)
        people[name] = (client, welcome["you"])
    replies = await moderator.ask({"type": "create_rooms", "names": ["North", "South"]})
    assert replies[-1]["type"] == "ok"
    for name, room in (("North 1", "room-1"), ("North 2", "room-1"), ("South", "room-2")):
        move = {"type": "move_participant", "participant": people[name][1], "room": room}
        assert (await moderator.ask(move))[-1]["type"] == "ok"
    assert (await moderator.ask({"type": "open_rooms"}))[-1]["type"] == "ok"
    clients = [client for client, _ in people.values()]
    await moderator.ask({"type": "broadcast", "text": "Off you go"})
    for client in clients:
        await client.until("broadcast_sent")

    north_1, north_1_id = people["North 1"]
    replies = await north_1.ask({"type": "send_chat", "text": "North only"})

    assert [m["type"] for m in replies] == ["chat_posted", "ok"]
    assert replies[0]["room"] == "room-1"
    for client in (people["North 2"][0], moderator):
        posted = await client.expect("chat_posted")
        assert (posted["sender"], posted["room"], posted["text"]) == (
            north_1_id,
            "room-1",
            "North only",
        )
    await _barrier(moderator, *clients)

    _, plenary_late = await meeting.join("Late")
    assert _texts(plenary_late["snapshot"]) == []
    # History shows what one received when it was posted: a moderator who came later did not.
    _, moderator_late = await meeting.join("Max", moderator=True)
    assert _texts(moderator_late["snapshot"]) == []


async def test_a_welcome_carries_the_latest_chat_and_older_pages_come_on_request(
    serve: Serve,
) -> None:
    served = await serve(meeting=MeetingConfig(chat_page=3))
    moderator, _ = await served.join("Mo", moderator=True)
    ala, _ = await served.join("Ala")
    bo, to_bo = await served.join("Bo")
    await ala.ask({"type": "send_chat", "text": "psst", "to": to_bo["you"]})
    for i in range(1, 7):
        await moderator.ask({"type": "send_chat", "text": f"public {i}"})

    cy, welcome = await served.join("Cy")
    # The private message is Ala's and Bo's: Cy never sees it, in the welcome or in a page.
    assert _texts(welcome["snapshot"]) == ["public 4", "public 5", "public 6"]
    oldest = welcome["snapshot"]["chat"][0]["seq"]
    page = await _page(cy, before=oldest)
    assert ([m["text"] for m in page["messages"]], page["more"]) == (
        ["public 1", "public 2", "public 3"],
        False,
    )

    bo_again, bo_welcome = await served.join("Bo's phone")
    assert _texts(bo_welcome["snapshot"]) == ["public 4", "public 5", "public 6"]
    page = await _page(bo, before=oldest, limit=2)
    assert ([m["text"] for m in page["messages"]], page["more"]) == (["public 2", "public 3"], True)
    page = await _page(bo, before=page["messages"][0]["seq"], limit=2)
    assert ([m["text"] for m in page["messages"]], page["more"]) == (["psst", "public 1"], False)
    assert page["messages"][0]["to"] == to_bo["you"]
    # Without `before`: the latest ones, as in a welcome.
    page = await _page(bo_again)
    assert [m["text"] for m in page["messages"]] == ["public 4", "public 5", "public 6"]


@pytest.mark.parametrize(
    ("request_fields", "mentions"),
    [
        ({"limit": 0}, "limit:"),
        ({"limit": 4}, "limit:"),
        ({"before": "latest"}, "before:"),
        ({"before": 0}, "before:"),
        ({"after": 3}, "after"),
    ],
    ids=["limit 0", "limit over chat_page", "before a string", "before 0", "unknown field"],
)
async def test_a_bad_chat_history_request_is_refused_naming_the_field(
    serve: Serve, request_fields: dict[str, Any], mentions: str
) -> None:
    served = await serve(meeting=MeetingConfig(chat_page=3))
    ala, _ = await served.join("Ala")

    error = (await ala.ask({"type": "chat_history", **request_fields}))[-1]

    assert (error["type"], error["code"]) == ("error", "invalid")
    assert mentions in error["message"]


async def _page(client: Client, **request: int) -> dict[str, Any]:
    """The `chat_page` answering a `chat_history` request, past the events that came first."""
    await client.send({"type": "chat_history", "ref": "page", **request})
    page = (await client.until("chat_page"))[-1]
    assert page["ref"] == "page"
    return page
