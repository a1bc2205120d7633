"""What a client gets wrong is answered to that client alone; the meeting goes on undisturbed.

Each test has an offender and a bystander in the same meeting. The offender gets the error (and,
where it applies, the close code); the bystander gets no error, no stray event, and its next chat
round trip works; and the meeting's state is as it was.
"""

from dataclasses import dataclass
from typing import Any

import msgpack
import pytest

from rooms import ParticipantId
from rooms.config import MeetingConfig
from rooms.plain import to_plain
from server.protocol.close_codes import CloseCode

from .client import Client
from .conftest import ManualClock, Serve, ServedMeeting


@dataclass
class Pair:
    served: ServedMeeting
    offender: Client
    offender_id: ParticipantId
    bystander: Client

    def state(self) -> Any:
        return to_plain(self.served.live.meeting.state)


async def _pair(served: ServedMeeting) -> Pair:
    bystander, _ = await served.join("Mo", moderator=True)
    offender, welcome = await served.join("Eve")
    await bystander.expect("participant_joined")
    return Pair(served, offender, ParticipantId(welcome["you"]), bystander)


@pytest.fixture
async def pair(meeting: ServedMeeting) -> Pair:
    return await _pair(meeting)


async def _bystander_chats(pair: Pair) -> None:
    """The bystander's next messages are its own chat and the ok: nothing came in between."""
    replies = await pair.bystander.ask({"type": "send_chat", "text": "still here"})
    assert [m["type"] for m in replies] == ["chat_posted", "ok"]
    assert replies[0]["text"] == "still here"


def packed(message: object) -> bytes:
    return msgpack.packb(message)  # type: ignore[no-any-return]


CHAT = {"v": 1, "type": "send_chat", "text": "hi", "ref": 7}

REFUSED: list[Any] = [
    pytest.param(b"\xc1\x00", "malformed", "msgpack", None, id="not msgpack"),
    pytest.param(packed(CHAT)[:-3], "malformed", "msgpack", None, id="truncated msgpack"),
    pytest.param(packed(CHAT) + b"\x01", "malformed", "msgpack", None, id="trailing bytes"),
    pytest.param(packed([1, "send_chat", "hi"]), "malformed", "map", None, id="a list"),
    pytest.param(packed("send_chat"), "malformed", "map", None, id="a string"),
    pytest.param(packed({1: 1, "type": "send_chat"}), "malformed", "", None, id="integer key"),
    pytest.param(packed({**CHAT, "v": None}), "unsupported_version", "v", 7, id="no v"),
    pytest.param(packed({**CHAT, "v": 2}), "unsupported_version", "v", 7, id="v 2"),
    pytest.param(packed({**CHAT, "v": "1"}), "unsupported_version", "v", 7, id="v string"),
    # The doc: booleans never count as numbers, and the version is an integer.
    pytest.param(packed({**CHAT, "v": True}), "unsupported_version", "v", 7, id="v true"),
    pytest.param(packed({**CHAT, "v": 1.0}), "unsupported_version", "v", 7, id="v float"),
    pytest.param(packed({"v": 1, "text": "hi"}), "malformed", "type", None, id="no type"),
    pytest.param(packed({**CHAT, "type": 3}), "malformed", "type", 7, id="type integer"),
    pytest.param(packed({**CHAT, "v": 2, "ref": True}), "malformed", "ref", None, id="both bad"),
    pytest.param(packed({**CHAT, "ref": True}), "malformed", "ref", None, id="ref boolean"),
    pytest.param(packed({**CHAT, "ref": 1.5}), "malformed", "ref", None, id="ref float"),
    pytest.param(packed({**CHAT, "ref": "x" * 5000}), "malformed", "ref", None, id="ref 5 KB"),
    pytest.param(packed({**CHAT, "type": "shout"}), "unknown_type", "shout", 7, id="unknown"),
    pytest.param(packed({**CHAT, "type": "hello"}), "unknown_type", "hello", 7, id="hello again"),
    pytest.param(packed({"v": 1, "type": "tick", "ref": 7}), "unknown_type", "tick", 7, id="tick"),
    pytest.param(
        packed({"v": 1, "type": "disconnect", "participant": "x", "ref": 7}),
        "unknown_type",
        "disconnect",
        7,
        id="system command",
    ),
    pytest.param(packed({**CHAT, "text": 5}), "invalid", "text:", 7, id="text integer"),
    pytest.param(packed({**CHAT, "text": b"hi"}), "invalid", "text:", 7, id="text bytes"),
    pytest.param(packed({**CHAT, "to": 5}), "invalid", "to:", 7, id="to integer"),
    pytest.param(
        packed({**CHAT, "colour": "red"}), "invalid", "unknown field 'colour'", 7, id="extra field"
    ),
    pytest.param(
        packed({"v": 1, "type": "react", "ref": 7}), "invalid", "emoji: missing", 7, id="missing"
    ),
    pytest.param(
        packed({"v": 1, "type": "open_rooms", "duration_s": "10", "ref": 7}),
        "invalid",
        "duration_s:",
        7,
        id="duration string",
    ),
]


@pytest.mark.parametrize(("frame", "code", "mentions", "ref"), REFUSED)
async def test_a_bad_message_is_refused_to_its_sender_alone(
    pair: Pair, frame: bytes, code: str, mentions: str, ref: int | None
) -> None:
    before = pair.state()
    await pair.offender.send_frame(frame)

    error = await pair.offender.expect("error")
    assert (error["code"], error["ref"]) == (code, ref)
    assert mentions in error["message"]
    assert pair.state() == before
    await _bystander_chats(pair)
    await _offender_goes_on(pair)


ECHOED = [
    pytest.param({"type": "x" * 5000}, "unknown_type", id="type"),
    pytest.param({"type": "send_chat", "text": "hi", "x" * 5000: 1}, "invalid", id="field name"),
    pytest.param({"type": "choose_room", "room": "x" * 5000}, "unknown_room", id="room"),
    pytest.param(
        {"type": "send_chat", "text": "hi", "to": "x" * 5000}, "unknown_participant", id="to"
    ),
]


@pytest.mark.parametrize(("message", "code"), ECHOED)
async def test_an_error_echoes_only_the_start_of_what_the_client_sent(
    meeting: ServedMeeting, message: dict[str, Any], code: str
) -> None:
    # A moderator, who may choose any room: the room's name is what gets refused.
    moderator, _ = await meeting.join("Mo", moderator=True)

    error = (await moderator.ask(message))[-1]

    assert error["code"] == code
    assert "xxxxxxxx" in error["message"]
    assert len(error["message"]) <= 160
    replies = await moderator.ask({"type": "send_chat", "text": "still here"})
    assert [m["type"] for m in replies] == ["chat_posted", "ok"]


async def test_a_text_frame_is_refused(pair: Pair) -> None:
    before = pair.state()
    await pair.offender.send_text('{"v": 1, "type": "send_chat", "text": "hi"}')

    error = await pair.offender.expect("error")
    assert error["code"] == "malformed"
    assert "binary" in error["message"]
    assert pair.state() == before
    await _bystander_chats(pair)


async def test_refusals_by_the_meeting_are_not_counted_as_strikes(serve: Serve) -> None:
    served = await serve(max_strikes=2)
    pair = await _pair(served)
    for _ in range(5):
        replies = await pair.offender.ask({"type": "lower_hand"})
        assert [(m["type"], m["code"]) for m in replies] == [("error", "conflict")]
    await _bystander_chats(pair)
    await _offender_goes_on(pair)


async def _offender_goes_on(pair: Pair) -> None:
    """The offender sees the bystander's chat, and its own next command works."""
    assert (await pair.offender.expect("chat_posted"))["text"] == "still here"
    assert [m["type"] for m in await pair.offender.ask({"type": "raise_hand"})] == [
        "hand_raised",
        "ok",
    ]


async def _offender_left(pair: Pair) -> None:
    """The bystander learns only that the offender left, and goes on chatting."""
    left = await pair.bystander.expect("participant_disconnected")
    assert left["participant"] == pair.offender_id
    await _bystander_chats(pair)
    state = pair.served.live.meeting.state
    assert state.participants[pair.offender_id].connected is False
    assert state.removed == []


async def test_a_frame_over_the_size_limit_closes_the_connection(serve: Serve) -> None:
    # Notes short enough for such frames, or the start refuses the settings.
    served = await serve(max_frame_bytes=1024, meeting=MeetingConfig(max_notes_chars=100))
    pair = await _pair(served)
    await pair.offender.ask({"type": "send_chat", "text": "x" * 900})
    await pair.bystander.expect("chat_posted")

    await pair.offender.send({"type": "send_chat", "text": "x" * 1100})

    code, before = await pair.offender.closed()
    assert code == CloseCode.TOO_LARGE
    assert before == []
    await _offender_left(pair)
    assert [m.text for m in served.live.meeting.state.chat] == ["x" * 900, "still here"]


async def test_a_flood_is_refused_then_closed(serve: Serve) -> None:
    clock = ManualClock()
    # The hello takes one of the burst's four messages.
    served = await serve(clock=clock, messages_per_s=1.0, message_burst=4, max_strikes=2)
    pair = await _pair(served)
    for _ in range(3):
        assert [m["type"] for m in await pair.offender.ask({"type": "react", "emoji": "👍"})] == [
            "reacted",
            "ok",
        ]
        assert (await pair.bystander.expect("reacted"))["participant"] == pair.offender_id

    for _ in range(2):
        # An over-rate frame is refused before it is read, so its ref is not echoed.
        await pair.offender.send({"type": "react", "emoji": "👍", "ref": 99})
        error = await pair.offender.expect("error")
        assert (error["code"], error["ref"]) == ("rate_limited", None)
    await pair.offender.send({"type": "react", "emoji": "👍"})

    code, before = await pair.offender.closed()
    assert code == CloseCode.FLOODING
    assert before == []
    await _offender_left(pair)


async def test_a_client_over_the_rate_may_go_on_after_slowing_down(serve: Serve) -> None:
    clock = ManualClock()
    served = await serve(clock=clock, messages_per_s=2.0, message_burst=2, max_strikes=5)
    pair = await _pair(served)
    await pair.offender.ask({"type": "react", "emoji": "👍"})
    await pair.offender.send({"type": "react", "emoji": "👍"})
    assert (await pair.offender.expect("error"))["code"] == "rate_limited"

    clock.advance(0.5)

    replies = await pair.offender.ask({"type": "react", "emoji": "🎉"})
    assert [m["type"] for m in replies] == ["reacted", "ok"]
    reactions = [await pair.bystander.expect("reacted") for _ in range(2)]
    assert [r["emoji"] for r in reactions] == ["👍", "🎉"]
    await _bystander_chats(pair)


async def test_repeated_invalid_messages_close_the_connection(serve: Serve) -> None:
    served = await serve(max_strikes=2)
    pair = await _pair(served)
    for _ in range(2):
        replies = await pair.offender.ask({"type": "send_chat", "text": 5})
        assert [(m["type"], m["code"]) for m in replies] == [("error", "invalid")]

    await pair.offender.send({"type": "shout"})

    code, before = await pair.offender.closed()
    assert code == CloseCode.TOO_MANY_INVALID
    assert [(m["type"], m["code"]) for m in before] == [("error", "unknown_type")]
    await _offender_left(pair)


async def test_invalid_messages_before_hello_count_as_strikes(serve: Serve) -> None:
    served = await serve(max_strikes=1)
    client = await served.connect()
    await client.send_frame(b"\xc1")
    await client.send({"type": "raise_hand"})

    code, before = await client.closed()
    assert code == CloseCode.TOO_MANY_INVALID
    assert [m["code"] for m in before] == ["malformed", "not_joined"]
    assert served.live.meeting.state.participants == {}
