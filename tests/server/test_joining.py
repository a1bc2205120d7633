"""Joining a meeting: hello with a link token, and everything that keeps one out."""

import time

import pytest

from rooms import MeetingId
from server.protocol.close_codes import CloseCode
from server.tokens import Grant, Kind, Signer

from .conftest import SECRET, TITLE, Serve, ServedMeeting
from .forged import bad_tokens


async def test_hello_with_the_invite_link_joins_as_a_participant(meeting: ServedMeeting) -> None:
    client = await meeting.connect()
    welcome = await client.hello(meeting.invite_token, "Ala", district="Sośnica")

    me = welcome["you"]
    snapshot = welcome["snapshot"]
    assert snapshot["title"] == TITLE
    assert snapshot["participants"][me] == {
        "id": me,
        "name": "Ala",
        "organisation": "",
        "district": "Sośnica",
        "group": "",
        "role": "participant",
        "room": "plenary",
        "connected": True,
        "disconnected_at": None,
    }
    assert welcome["seq"] == snapshot["seq"] == 1
    grant = Signer(SECRET).verify(welcome["resume"], time.time(), Kind.RESUME)
    assert (grant.meeting, grant.participant) == (meeting.id, me)
    assert welcome["limits"]["max_chat_chars"] > 0


async def test_hello_with_the_moderator_link_joins_as_a_moderator(meeting: ServedMeeting) -> None:
    _, welcome = await meeting.join("Mo", moderator=True)
    assert welcome["snapshot"]["participants"][welcome["you"]]["role"] == "moderator"


async def test_those_already_there_see_the_newcomer_join(meeting: ServedMeeting) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    _, welcome = await meeting.join("Ala", organisation="Rada")

    joined = await moderator.expect("participant_joined")
    assert joined["participant"] == welcome["you"]
    assert (joined["name"], joined["organisation"], joined["role"]) == (
        "Ala",
        "Rada",
        "participant",
    )
    assert joined["seq"] == welcome["seq"]


@pytest.mark.parametrize(
    "which",
    [
        "garbage",
        "empty",
        "signed with another secret",
        "invite turned moderator",
        "expired",
        "resume token",
    ],
)
async def test_hello_with_a_bad_token_is_refused_and_closed(
    meeting: ServedMeeting, which: str
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    client = await meeting.connect()
    await client.send({"type": "hello", "token": bad_tokens(meeting)[which], "name": "Eve"})

    code, before = await client.closed()
    assert code == CloseCode.BAD_TOKEN
    assert [m["type"] for m in before] == ["error"]
    assert before[0]["code"] == "bad_token"
    assert len(meeting.live.meeting.state.participants) == 1
    assert [m["type"] for m in await moderator.ask({"type": "send_chat", "text": "hi"})] == [
        "chat_posted",
        "ok",
    ]


async def test_hello_for_a_meeting_this_server_does_not_have(meeting: ServedMeeting) -> None:
    token = Signer(SECRET).issue(Grant(Kind.INVITE, MeetingId("elsewhere"), time.time() + 60))
    client = await meeting.connect()
    await client.send({"type": "hello", "token": token, "name": "Ala"})

    code, before = await client.closed()
    assert code == CloseCode.NO_MEETING
    assert [(m["type"], m["code"]) for m in before] == [("error", "no_meeting")]


async def test_a_command_before_hello_is_refused_and_hello_still_works(
    meeting: ServedMeeting,
) -> None:
    client = await meeting.connect()
    await client.send({"type": "send_chat", "text": "anyone?", "ref": 1})
    error = await client.expect("error")
    assert error["code"] == "not_joined"

    welcome = await client.hello(meeting.invite_token, "Ala")
    assert welcome["snapshot"]["chat"] == []
    assert welcome["you"] in meeting.live.meeting.state.participants


async def test_no_hello_in_time_closes_the_connection(serve: Serve) -> None:
    served = await serve(hello_timeout_s=0.3)
    client = await served.connect()

    code, before = await client.closed(timeout=2.0)
    assert code == CloseCode.PROTOCOL
    assert before == []


async def test_the_hello_deadline_holds_while_the_client_sends_other_things(
    serve: Serve,
) -> None:
    served = await serve(hello_timeout_s=0.3)
    client = await served.connect()
    await client.send({"type": "raise_hand"})
    assert (await client.expect("error"))["code"] == "not_joined"

    code, _ = await client.closed(timeout=2.0)
    assert code == CloseCode.PROTOCOL


@pytest.mark.parametrize(
    ("name", "problem"),
    [("", "name: must not be empty"), ("   ", "name: must not be empty"), ("x" * 65, "name:")],
    ids=["empty", "blank", "too long"],
)
async def test_a_bad_name_is_refused_and_hello_may_be_tried_again(
    meeting: ServedMeeting, name: str, problem: str
) -> None:
    client = await meeting.connect()
    await client.send({"type": "hello", "token": meeting.invite_token, "name": name})
    error = await client.expect("error")
    assert error["code"] == "invalid"
    assert error["message"].startswith(problem)
    assert meeting.live.meeting.state.participants == {}

    welcome = await client.hello(meeting.invite_token, "Ala")
    assert welcome["snapshot"]["participants"][welcome["you"]]["name"] == "Ala"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Ala"}, "token"),
        ({"token": "t"}, "name"),
        ({"token": "t", "name": 7}, "name"),
        ({"token": "t", "name": "Ala", "district": ["a"]}, "district"),
        ({"token": "t", "name": "Ala", "avatar": "cat.png"}, "avatar"),
    ],
    ids=["no token", "no name", "name not a string", "district not a string", "unknown field"],
)
async def test_a_misshapen_hello_is_refused_naming_the_field(
    meeting: ServedMeeting, fields: dict[str, object], field: str
) -> None:
    client = await meeting.connect()
    await client.send({"type": "hello", **fields})
    error = await client.expect("error")
    assert error["code"] == "invalid"
    assert field in error["message"]

    welcome = await client.hello(meeting.invite_token, "Ala")
    assert welcome["type"] == "welcome"


async def test_an_error_reply_to_a_hello_echoes_its_ref(meeting: ServedMeeting) -> None:
    client = await meeting.connect()
    await client.send({"type": "hello", "token": meeting.invite_token, "name": "", "ref": 1})
    rejected = await client.expect("error")
    await client.send({"type": "hello", "token": meeting.invite_token, "ref": 2})
    misshapen = await client.expect("error")
    assert (rejected["ref"], misshapen["ref"]) == (1, 2)
