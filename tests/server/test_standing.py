"""A removal and a demotion hold for a browser that shows what it was told, and a hello may not
pass for a moderator: not by name, not by a look-alike, not by text that reorders or hides."""

import time

import pytest

from rooms import MeetingId, ParticipantId
from server.protocol.close_codes import CloseCode
from server.tokens import Grant, Kind, Signer

from .conftest import SECRET, ServedMeeting


async def test_a_hello_showing_the_removed_resume_token_is_refused_and_closed(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    eve, welcome = await meeting.join("Eve")
    await moderator.ask({"type": "remove_participant", "participant": welcome["you"]})
    assert (await eve.closed())[0] == CloseCode.REMOVED

    again = await meeting.connect()
    hello = {"type": "hello", "token": meeting.invite_token, "name": "Eve", "ref": 1}
    await again.send({**hello, "removed": welcome["resume"]})
    code, before = await again.closed()
    assert code == CloseCode.REMOVED
    assert [(m["type"], m["code"], m["ref"]) for m in before] == [("error", "removed", 1)]
    assert "removed" in before[0]["message"]
    assert [p.name for p in meeting.live.meeting.state.participants.values()] == ["Mo"]


async def test_an_expired_token_still_proves_the_removal(meeting: ServedMeeting) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    _, welcome = await meeting.join("Eve")
    await moderator.ask({"type": "remove_participant", "participant": welcome["you"]})
    old = Signer(SECRET).issue(
        Grant(Kind.RESUME, MeetingId(meeting.id), time.time() - 60, ParticipantId(welcome["you"]))
    )

    again = await meeting.connect()
    hello = {"type": "hello", "token": meeting.invite_token, "name": "Eve", "removed": old}
    await again.send(hello)
    assert (await again.closed())[0] == CloseCode.REMOVED


@pytest.mark.parametrize("which", ["garbage", "another secret", "another meeting", "not removed"])
async def test_a_removal_token_that_proves_nothing_is_ignored(
    meeting: ServedMeeting, which: str
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    _, welcome = await meeting.join("Eve")
    await moderator.ask({"type": "remove_participant", "participant": welcome["you"]})
    eve = ParticipantId(welcome["you"])
    later = time.time() + 600
    token = {
        "garbage": "not-a-token",
        "another secret": Signer("other").issue(
            Grant(Kind.RESUME, MeetingId(meeting.id), later, eve)
        ),
        "another meeting": Signer(SECRET).issue(Grant(Kind.RESUME, MeetingId("m-x"), later, eve)),
        "not removed": Signer(SECRET).issue(
            Grant(Kind.RESUME, MeetingId(meeting.id), later, ParticipantId("someone-else"))
        ),
    }[which]

    client = await meeting.connect()
    assert await client.hello(meeting.invite_token, "Ala", removed=token)


async def test_a_demoted_moderator_joins_with_the_moderator_link_as_a_participant(
    meeting: ServedMeeting,
) -> None:
    first, _ = await meeting.join("Mo", moderator=True)
    second, welcome = await meeting.join("Zoe", moderator=True)
    demote = {"type": "set_role", "participant": welcome["you"], "role": "participant"}
    assert (await first.ask(demote))[-1]["type"] == "ok"
    await second.disconnect()

    again = await meeting.connect()
    back = await again.hello(meeting.moderator_token, "Zoe", demoted=welcome["resume"])
    assert back["snapshot"]["participants"][back["you"]]["role"] == "participant"
    refused = await again.ask({"type": "create_rooms", "names": ["A"]})
    assert refused[-1]["code"] == "not_allowed"
    # Without the token (another browser) the moderator link still makes a moderator: only the
    # organiser can take that link back, by issuing new ones.
    other = await meeting.connect()
    elsewhere = await other.hello(meeting.moderator_token, "Zoe")
    assert elsewhere["snapshot"]["participants"][elsewhere["you"]]["role"] == "moderator"


@pytest.mark.parametrize(
    "copy", ["Anna Nowak", "anna  NOWAK", "\u0410nna N\u043ewak", "Anna N0wak"]
)
async def test_a_participant_may_not_join_under_a_moderators_name(
    meeting: ServedMeeting, copy: str
) -> None:
    await meeting.join("Anna Nowak", moderator=True)
    client = await meeting.connect()
    replies = await client.ask({"type": "hello", "token": meeting.invite_token, "name": copy})
    assert [(m["type"], m["code"]) for m in replies] == [("error", "name_taken")]
    assert replies[0]["message"].startswith("name: ")
    # The socket stays open for a corrected hello.
    assert await client.hello(meeting.invite_token, "Anna Nowak (Sośnica)")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("\u200b\u200b", "nothing visible"),
        ("\u3164", "nothing visible"),
        ("\u0301\u0301", "nothing visible"),
        ("Eve \u202erotaredom", "U+202E"),
        ("Eve \u2067x", "U+2067"),
    ],
)
async def test_a_name_that_hides_or_reorders_is_refused_naming_why(
    meeting: ServedMeeting, name: str, problem: str
) -> None:
    client = await meeting.connect()
    replies = await client.ask({"type": "hello", "token": meeting.invite_token, "name": name})
    assert [(m["type"], m["code"]) for m in replies] == [("error", "invalid")]
    assert replies[0]["message"].startswith("name: ")
    assert problem in replies[0]["message"]


async def test_a_chat_of_only_invisible_characters_is_refused_bidi_text_is_kept(
    meeting: ServedMeeting,
) -> None:
    ala, _ = await meeting.join("Ala")
    refused = await ala.ask({"type": "send_chat", "text": "\u200b \u2060\n\ufeff"})
    assert [(m["type"], m["code"]) for m in refused] == [("error", "invalid")]
    assert "text: has nothing visible" in refused[0]["message"]
    kept = await ala.ask({"type": "send_chat", "text": "\u202eolleh"})
    assert kept[0]["text"] == "\u202eolleh"
