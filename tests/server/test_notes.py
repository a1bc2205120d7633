"""Workshop notes over the wire: while the workshops run, a room's notes reach its members and the
moderators and nobody else (event, snapshot or `notes` request); once the rooms close, everyone
reads them with the `notes` request; a stale edit is refused naming the current version.

A client that must not get an event is checked with a barrier (`test_chat._barrier`): an event
everyone gets, sent after it. Each connection receives in order, so if the barrier comes next the
event never will.
"""

from typing import Any

import pytest

from rooms.config import MeetingConfig
from rooms.ids import RoomId
from server.settings import Settings

from .client import Client
from .conftest import ServedMeeting
from .test_chat import _barrier


async def _workshops(meeting: ServedMeeting) -> tuple[Client, Client, Client, dict[str, str]]:
    """The moderator, Ala in room 1 and Bo in room 2, the workshops open; and their ids."""
    moderator, mine = await meeting.join("Mo", moderator=True)
    ala, from_ala = await meeting.join("Ala")
    bo, from_bo = await meeting.join("Bo")
    ids = {"mo": mine["you"], "ala": from_ala["you"], "bo": from_bo["you"]}
    steps: list[dict[str, Any]] = [
        {"type": "create_rooms", "names": ["Parks", "Schools"]},
        {"type": "move_participant", "participant": ids["ala"], "room": "room-1"},
        {"type": "move_participant", "participant": ids["bo"], "room": "room-2"},
        {"type": "open_rooms"},
    ]
    for step in steps:
        assert (await moderator.ask(step))[-1]["type"] == "ok"
    assert (await moderator.ask({"type": "broadcast", "text": "go"}))[-1]["type"] == "ok"
    for member in (ala, bo):
        await member.until("broadcast_sent")
    return moderator, ala, bo, ids


async def _read(client: Client) -> dict[str, Any]:
    """The `workshop_notes` answering a `notes` request, past the events that came first."""
    await client.send({"type": "notes", "ref": "notes"})
    answer = (await client.until("workshop_notes"))[-1]
    assert answer["ref"] == "notes"
    return answer


def _texts(answer: dict[str, Any]) -> dict[str, str]:
    return {n["room"]: n["text"] for n in answer["notes"]}


async def test_a_rooms_notes_reach_its_members_and_the_moderators_until_the_rooms_close(
    meeting: ServedMeeting,
) -> None:
    moderator, ala, bo, ids = await _workshops(meeting)
    volunteered = await ala.ask({"type": "volunteer_rapporteur"})
    assert [m["type"] for m in volunteered] == ["rapporteur_changed", "ok"]
    # Who reports a room back is everyone's to know.
    assert (await bo.expect("rapporteur_changed"))["rapporteur"] == ids["ala"]
    assert (await moderator.expect("rapporteur_changed"))["room"] == "room-1"

    edit = {"type": "edit_notes", "room": "room-1", "base_version": 0, "text": "# Parks\n- trees"}
    replies = await ala.ask(edit)
    assert [m["type"] for m in replies] == ["notes_edited", "ok"]
    seen = await moderator.expect("notes_edited")
    assert (seen["version"], seen["text"], seen["by"]) == (1, "# Parks\n- trees", ids["ala"])
    # Bo, in the other room, is not sent it, nor given it when he asks, nor in a snapshot.
    await _barrier(moderator, ala, bo)
    assert _texts(await _read(bo)) == {"room-2": ""}
    _, late = await meeting.join("Cy")
    assert late["snapshot"]["notes"]["room-1"]["text"] == ""
    assert late["snapshot"]["notes"]["room-1"]["rapporteur"] == ids["ala"]
    assert _texts(await _read(moderator)) == {"room-1": "# Parks\n- trees", "room-2": ""}

    assert (await moderator.ask({"type": "close_rooms"}))[-1]["type"] == "ok"
    answer = await _read(bo)
    assert _texts(answer) == {"room-1": "# Parks\n- trees", "room-2": ""}
    parks = answer["notes"][0]
    assert (parks["room_name"], parks["version"], parks["rapporteur"]) == ("Parks", 1, ids["ala"])


async def test_a_stale_edit_is_refused_naming_the_current_version(meeting: ServedMeeting) -> None:
    moderator, ala, _, _ = await _workshops(meeting)
    members = {"type": "set_notes_editing", "room": "room-1", "editing": "members"}
    assert (await moderator.ask(members))[-1]["type"] == "ok"
    first = {"type": "edit_notes", "room": "room-1", "base_version": 0, "text": "Mine"}
    assert (await moderator.ask(first))[-1]["type"] == "ok"

    stale = {"type": "edit_notes", "room": "room-1", "base_version": 0, "text": "Ala's"}
    error = (await ala.ask(stale))[-1]
    assert (error["type"], error["code"]) == ("error", "stale_notes")
    assert "the notes are at version 1" in error["message"]
    assert _texts(await _read(ala)) == {"room-1": "Mine"}


async def test_a_bad_notes_request_is_refused_naming_the_field(meeting: ServedMeeting) -> None:
    ala, _ = await meeting.join("Ala")
    error = (await ala.ask({"type": "notes", "room": "room-1"}))[-1]
    assert (error["type"], error["code"]) == ("error", "invalid")
    assert "room" in error["message"]


def test_notes_longer_than_a_frame_holds_stop_the_start() -> None:
    with pytest.raises(ValueError, match="PLENUM_MAX_NOTES_CHARS=20000 does not fit"):
        Settings.from_env({"PLENUM_MAX_NOTES_CHARS": "20000"})
    # Raised together, they fit again.
    Settings.from_env({"PLENUM_MAX_NOTES_CHARS": "20000", "PLENUM_MAX_FRAME_BYTES": "90000"})


async def test_notes_at_the_limit_in_four_byte_characters_are_saved(
    meeting: ServedMeeting,
) -> None:
    served = meeting
    moderator, _ = await served.join("Mo", moderator=True)
    await moderator.ask({"type": "create_rooms", "names": ["Zieleń"]})
    limit = MeetingConfig().max_notes_chars
    text = "🌳" * limit
    replies = await moderator.ask(
        {"type": "edit_notes", "room": "room-1", "base_version": 0, "text": text}
    )
    assert replies[-1]["type"] == "ok"
    assert served.live.meeting.state.notes[RoomId("room-1")].text == text
