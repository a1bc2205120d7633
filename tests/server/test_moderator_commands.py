"""Moderator commands over the wire: a participant who tries one is refused and nothing happens."""

from typing import Any

import pytest

from rooms.plain import to_plain

from .conftest import ServedMeeting


@pytest.mark.parametrize(
    "command",
    [
        {"type": "set_role", "role": "moderator"},
        {"type": "remove_participant"},
        {"type": "ask_to_mute"},
        {"type": "hard_mute"},
        {"type": "lift_hard_mute"},
        {"type": "give_floor"},
        {"type": "create_rooms", "names": ["Side room"]},
        {"type": "assign_random"},
        {"type": "set_self_select", "allowed": True},
        {"type": "open_rooms", "duration_s": 60},
        {"type": "broadcast", "text": "Everyone out!"},
        {"type": "visit", "room": "plenary"},
        {"type": "clear_all_hands"},
    ],
    ids=lambda command: command["type"],
)
async def test_a_participant_cannot_use_moderator_commands(
    meeting: ServedMeeting, command: dict[str, Any]
) -> None:
    moderator, welcome = await meeting.join("Mo", moderator=True)
    participant, mine = await meeting.join("Eve")
    await moderator.expect("participant_joined")
    await participant.ask({"type": "raise_hand"})
    await moderator.expect("hand_raised")
    # Aim the command at the moderator, or at the participant itself (its role, its own mute).
    target = mine["you"] if command["type"] in ("set_role", "lift_hard_mute") else welcome["you"]
    if command["type"] in (
        "set_role",
        "remove_participant",
        "ask_to_mute",
        "hard_mute",
        "lift_hard_mute",
    ):
        command = {**command, "participant": target}
    before = to_plain(meeting.live.meeting.state)

    replies = await participant.ask(command)

    # `ask` returns at the reply carrying the command's ref, so nothing else came before it.
    assert [(m["type"], m["code"]) for m in replies] == [("error", "not_allowed")]
    assert to_plain(meeting.live.meeting.state) == before
    chat = await moderator.ask({"type": "send_chat", "text": "all quiet?"})
    assert [m["type"] for m in chat] == ["chat_posted", "ok"]


async def test_a_moderator_may_use_them(meeting: ServedMeeting) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    participant, mine = await meeting.join("Eve")
    await moderator.expect("participant_joined")

    replies = await moderator.ask({"type": "broadcast", "text": "Welcome, all"})
    assert [m["type"] for m in replies] == ["broadcast_sent", "ok"]
    assert (await participant.expect("broadcast_sent"))["text"] == "Welcome, all"

    promote = {"type": "set_role", "participant": mine["you"], "role": "presenter"}
    replies = await moderator.ask(promote)
    assert [m["type"] for m in replies] == ["role_changed", "ok"]
    changed = await participant.expect("role_changed")
    assert (changed["participant"], changed["role"]) == (mine["you"], "presenter")
