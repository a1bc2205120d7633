"""docs/protocol.md stays true: every message has a section, every example goes through the code.

A message's section is the text under its `### \\`name\\`` heading. Its examples are the fenced
`msgpack-example` blocks there: a msgpack map written as JSON.
"""

import json
import re
from dataclasses import fields
from pathlib import Path

import msgpack
import pytest

from rooms.config import MeetingConfig
from rooms.errors import Reason
from rooms.events import Stamped
from rooms.model import MeetingState, Phase
from rooms.phases import TRANSITIONS
from rooms.plain import from_plain
from rooms.policy import RULES, Who
from server.protocol import wire
from server.protocol.close_codes import CloseCode
from server.protocol.error_codes import ErrorCode
from server.rtc import wire as media_wire
from server.settings import Settings
from server.sfu import MediaErrorCode
from server.sfu.settings import MediaSettings
from server.signalling import chat_history, contacts_link, greeting, lobby, notes_request

TEXT = (Path(__file__).resolve().parent.parent / "docs" / "protocol.md").read_text("utf-8")
EXAMPLE = re.compile(r"^```msgpack-example\n(.*?)^```$", re.MULTILINE | re.DOTALL)
FIELD_ROW = re.compile(r"^\| `(\w+)` \|", re.MULTILINE)

GREETINGS: dict[str, type] = {"hello": greeting.Hello, "resume": greeting.Resume}
REPLY_FIELDS = {
    "welcome": {"you", "resume", "seq", "snapshot", "limits", "media"},
    "ok": {"ref"},
    "error": {"code", "message", "ref", "opens_at"},  # `opens_at`: with `not_open_yet` only
}
RECORDS: dict[str, type] = {
    **wire.COMMANDS,
    **wire.EVENTS,
    **GREETINGS,
    **media_wire.MEDIA_MESSAGES,
    **chat_history.MESSAGES,
    **notes_request.MESSAGES,  # Workshop notes
    # Contacts between leaders
    "contacts_link": contacts_link.ContactsLink,
    **lobby.MESSAGES,  # The lobby
}
MESSAGES = {*RECORDS, *REPLY_FIELDS}
# Every code an error can carry: the edge's own, the meeting's and the media engine's.
ERROR_CODES = {c.value for c in (*ErrorCode, *Reason, *MediaErrorCode)}
CONNECTION_LIMITS = (
    "max_frame_bytes",
    "messages_per_s",
    "message_burst",
    "max_strikes",
    "max_sockets_per_address",
    "address_messages_per_s",
    "address_message_burst",
    "hello_timeout_s",
    "send_queue",
    "event_log",
    "token_ttl_s",
    "max_publishers_per_room",
    "max_peers_per_worker",
)


def _sections(text: str) -> dict[str, str]:
    """The text under each `### \\`name\\`` heading, up to the next heading of level 1 to 3."""
    sections: dict[str, str] = {}
    for part in re.split(r"^(?=#{1,3} )", text, flags=re.MULTILINE):
        heading = re.match(r"### `(\w+)`\n", part)
        if heading:
            assert heading[1] not in sections, f"two sections for {heading[1]}"
            sections[heading[1]] = part
    return sections


SECTIONS = _sections(TEXT)
EXAMPLES = [(name, raw) for name, body in SECTIONS.items() for raw in EXAMPLE.findall(body)]


def test_every_message_has_a_section_with_an_example_and_no_other_message_does() -> None:
    assert sorted(MESSAGES - set(SECTIONS)) == [], "messages without a section"
    assert sorted(set(SECTIONS) - MESSAGES) == [], "sections for messages that do not exist"
    assert [n for n, body in SECTIONS.items() if not EXAMPLE.search(body)] == []
    assert len(EXAMPLE.findall(TEXT)) == len(EXAMPLES), "an example outside any message section"


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_each_section_lists_the_message_fields(name: str) -> None:
    documented = set(FIELD_ROW.findall(SECTIONS[name]))
    expected = {f.name for f in fields(RECORDS[name])} if name in RECORDS else REPLY_FIELDS[name]
    if name == "cast_ballot":  # Polls: a secret ballot's fields too
        expected |= {f.name for f in fields(wire.SecretBallot)}
    assert documented == expected


@pytest.mark.parametrize("name", sorted(wire.COMMANDS))
def test_who_and_phases_match_the_policy(name: str) -> None:
    line = re.search(r"^\*\*Who:\*\* (\w+) · \*\*Phases:\*\* (.+)$", SECTIONS[name], re.MULTILINE)
    assert line, f"no **Who:** … · **Phases:** … line for {name}"
    rule = RULES[wire.COMMANDS[name]]
    who = {Who.MEMBER: "member", Who.MODERATOR: "moderator"}[rule.who]
    listed = re.findall(r"`(\w+)`", line[2])
    phases = frozenset(Phase) if line[2] == "any" else frozenset(map(Phase, listed))
    assert (line[1], phases) == (who, rule.phases)


@pytest.mark.parametrize(("name", "raw"), EXAMPLES)
def test_example_goes_through_the_real_code(name: str, raw: str) -> None:
    message = json.loads(raw)
    assert message["v"] == wire.VERSION == 1
    assert message["type"] == name
    if name in wire.COMMANDS:
        inbound = wire.decode(msgpack.packb(message))
        if wire.parse_secret_ballot(inbound) is None:  # Polls: a secret one is the box's
            command = wire.parse_command(inbound)
            assert type(command) is wire.COMMANDS[name]
    elif name in GREETINGS:
        wire.parse_fields(GREETINGS[name], wire.decode(msgpack.packb(message)).fields)
    elif name in wire.EVENTS:
        seq, at = message["seq"], message["at"]
        assert type(seq) is int
        assert isinstance(at, int | float) and not isinstance(at, bool)
        own = {k: v for k, v in message.items() if k not in ("v", "type", "seq", "at")}
        event = from_plain(wire.EVENTS[name], own)
        # Exactly what the server would send for this event, no field missing or extra.
        assert msgpack.unpackb(wire.encode_event(Stamped(seq, at, event))) == message
    elif name in media_wire.MEDIA_MESSAGES:
        if not _sent_by_the_server(name, message):
            media_wire.parse_media(wire.decode(msgpack.packb(message)), 25)
    elif name == "chat_history":
        request = wire.decode(msgpack.packb(message))
        chat_history.parse_request(request, MeetingConfig())
    elif name == "chat_page":
        page = from_plain(chat_history.ChatPage, {k: message[k] for k in ("messages", "more")})
        assert msgpack.unpackb(chat_history.encode_page(page, message["ref"])) == message
    # Workshop notes
    elif name == "notes":
        notes_request.parse_request(wire.decode(msgpack.packb(message)))
    elif name == "workshop_notes":
        own = {k: message[k] for k in ("seq", "notes")}
        answer = from_plain(notes_request.WorkshopNotes, own)
        assert msgpack.unpackb(notes_request.encode_notes(answer, message["ref"])) == message
    elif name == "contacts_link":
        own = {k: v for k, v in message.items() if k not in wire.ENVELOPE}
        link = from_plain(contacts_link.ContactsLink, own)
        assert msgpack.unpackb(wire.encode_message(link)) == message
    elif name in lobby.MESSAGES:  # The lobby
        own = {k: v for k, v in message.items() if k not in wire.ENVELOPE}
        lobby_message: object = from_plain(lobby.MESSAGES[name], own)
        assert msgpack.unpackb(wire.encode_message(lobby_message)) == message
    elif name == "error":
        assert message["code"] in ERROR_CODES
        code = next(c for c in (*ErrorCode, *Reason, *MediaErrorCode) if c == message["code"])
        sent = wire.reply_error(code, message["message"], message["ref"], message.get("opens_at"))
        assert msgpack.unpackb(sent) == message
    elif name == "welcome":
        if message["snapshot"] is not None:
            from_plain(MeetingState, message["snapshot"])
        assert set(message["limits"]) == {f.name for f in fields(MeetingConfig)}
        MeetingConfig(**message["limits"])
        # The fields the server's welcome gives, with the default settings' values.
        assert message["media"] in (None, media_wire.media_welcome(MediaSettings()))


def _sent_by_the_server(name: str, message: dict[str, object]) -> bool:
    """Whether the example is exactly what the server sends for its message (else a client's)."""
    kind = media_wire.MEDIA_EVENTS.get(name)
    if kind is None:
        return False
    own = {k: v for k, v in message.items() if k not in wire.ENVELOPE}
    try:
        sent = from_plain(kind, own)
    except ValueError:
        return False
    ref = message.get("ref")
    assert ref is None or isinstance(ref, int | str)
    return bool(msgpack.unpackb(media_wire.encode_media(sent, ref)) == message)


def test_every_error_code_is_documented() -> None:
    assert sorted(c for c in ERROR_CODES if f"| `{c}` |" not in TEXT) == []


def test_the_error_codes_table_holds_each_code_once_and_no_other() -> None:
    table = re.search(r"^## Error codes\n(.*?)^## ", TEXT, re.MULTILINE | re.DOTALL)
    assert table, "no Error codes section"
    rows = re.findall(r"^\| `(\w+)` \|", table[1], re.MULTILINE)
    assert sorted(rows) == sorted(ERROR_CODES)


def test_every_close_code_is_documented_with_its_number() -> None:
    assert [c for c in CloseCode if f"| {c.value} | `{c.name}` |" not in TEXT] == []


def test_every_limit_is_documented_with_its_variable_and_default() -> None:
    settings = Settings()
    limits = {
        **{name: getattr(settings, name) for name in CONNECTION_LIMITS},
        **vars(settings.meeting),
    }
    missing = [
        name
        for name, default in limits.items()
        if f"| `{name}` | `PLENUM_{name.upper()}` | {default!r} |" not in TEXT
    ]
    assert missing == []


def test_the_workshop_phases_table_is_the_cores() -> None:
    part = TEXT.split("### Workshop phases\n", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| `(\w+)` \| `(\w+)` \|", part, re.MULTILINE)
    documented = {(Phase(phase), wire.EVENTS[event]): Phase(to) for phase, event, to in rows}
    assert len(rows) == len(documented)
    assert documented == TRANSITIONS
