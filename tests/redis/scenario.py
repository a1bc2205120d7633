"""One scripted workshop round, played the same way against one process or against workers.

The script is sequential, so its outcome does not depend on timing: played against a single
Plenum process it gives the reference, and played against Redis-backed workers with something
breaking in the middle (the `Stage` says what), every person must end up seeing exactly what
the same person saw in the reference. Half the people are `AWAY`: on the worker the trouble hits.
"""

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass

from rooms import PLENARY, ParticipantId
from tests.e2e.wsclient import Client
from tests.harness.processes import ServerProcess
from tests.redis.patience import Patience
from tests.redis.seen import Seen, meeting_seen_by, seen_by

MODERATOR = "Moderatorka"
AWAY = ("Ala", "Bartek", "Celina")
STAYING = ("Dawid", "Ewa", "Franek")
ROOMS = {"room-1": "Zieleń miejska", "room-2": "Transport"}
PLAN = {
    "Ala": "room-1",
    "Bartek": "room-2",
    "Celina": "room-1",
    "Dawid": "room-2",
    "Ewa": "room-1",
    "Franek": "room-2",
}
# Long enough for the trouble and the talk in the rooms; then a warning, the deadline and the
# grace period (1 s each, `tests.harness.processes.server_env`) bring everyone back.
DURATION_S = 7
CLOCK_TIMEOUT_S = DURATION_S + 10


Strike = Callable[[str], Coroutine[object, object, None]]
Recover = Callable[[str, list[Client], Patience], Coroutine[object, object, None]]


@dataclass
class Stage:
    """Where the scenario is played, and what goes wrong in the middle of it."""

    host: ServerProcess  # where the meeting is created
    url_for: Callable[[str], str]  # where each person joins
    # Given the meeting's id: what breaks, then, while the people it spares go on, the way back
    # for the people it hit.
    strike: Strike
    recover: Recover


async def nothing_breaks(meeting: str) -> None:
    pass


async def nothing_to_recover(meeting: str, away: list[Client], patience: Patience) -> None:
    pass


@dataclass
class Outcome:
    seen: dict[str, Seen]
    meeting: str
    # name: how many times the person resumed
    resumed: dict[str, int]
    deadline: float
    closed_at: float


async def play(stage: Stage, patience: Patience) -> Outcome:
    meeting = await stage.host.create_meeting("Forum Dzielnicy Sośnica")
    everyone: list[Client] = []
    try:
        moderator = await Client.join(
            stage.url_for(MODERATOR), meeting["moderator_token"], MODERATOR
        )
        everyone.append(moderator)
        people: dict[str, Client] = {}
        for name in (*AWAY, *STAYING):
            people[name] = await Client.join(stage.url_for(name), meeting["invite_token"], name)
            everyone.append(people[name])
        outcome = await _round(stage, patience, meeting["id"], moderator, people)
        seen = {c.name: seen_by(c) for c in everyone}
        resumed = {c.name: len(c.welcomes) - 1 for c in everyone}
        return Outcome(seen, meeting["id"], resumed, *outcome)
    finally:
        for client in everyone:
            await client.close()


async def _round(
    stage: Stage, patience: Patience, meeting: str, moderator: Client, people: dict[str, Client]
) -> tuple[float, float]:
    act = patience.act
    everyone = [moderator, *people.values()]
    me = {name: client.me for name, client in people.items()}

    await act(moderator, "create_rooms", _has_rooms, names=list(ROOMS.values()))
    for name, room in PLAN.items():
        await act(
            moderator, "move_participant", _planned(me[name], room), participant=me[name], room=room
        )
    for name in ("Ala", "Dawid", "Bartek"):
        await act(people[name], "raise_hand", _hand_up(me[name], up=True))
    for name, client in people.items():
        text = f"Dzień dobry, tu {name}"
        await act(client, "send_chat", _said(text), text=text)
    await act(moderator, "open_rooms", _heard("rooms_opened"), duration_s=DURATION_S)
    for client in everyone:
        await client.wait_for_event("rooms_opened")
    for name, client in people.items():
        await client.wait_for_event("participant_moved", participant=me[name], room=PLAN[name])
    opened = await moderator.wait_for_event("rooms_opened")

    # Something breaks; the people it spares go on talking in their rooms meanwhile.
    await stage.strike(meeting)
    recovery = asyncio.create_task(stage.recover(meeting, [people[n] for n in AWAY], patience))
    try:
        for name in STAYING:
            text = f"{name}: pracujemy dalej"
            await act(people[name], "send_chat", _said(text), text=text)
        await act(moderator, "broadcast", _heard("broadcast_sent"), text="Zostało kilka minut.")
    finally:
        await recovery

    for name in AWAY:
        text = f"{name}: jestem z powrotem"
        await act(people[name], "send_chat", _said(text), text=text)
    await act(moderator, "give_floor", _has_floor(me["Ala"]), participant=me["Ala"])
    await act(people["Bartek"], "lower_hand", _hand_up(me["Bartek"], up=False))
    await act(people["Ewa"], "request_help", _calls_for_help(me["Ewa"], calling=True))
    await act(moderator, "visit", _in_room(moderator.me, "room-1"), room="room-1")
    assert meeting_seen_by(moderator).phase == "open", (
        "the script ran past the workshops' deadline: make DURATION_S longer"
    )

    # The workshops' clock, wherever it runs now, brings everyone back.
    for client in everyone:
        await client.wait_for_event("rooms_closed", CLOCK_TIMEOUT_S)
    closed = await moderator.wait_for_event("rooms_closed")
    last = "Dziękuję wszystkim!"
    await act(people["Celina"], "send_chat", _said(last), text=last)
    for client in everyone:
        await client.wait_for_event("chat_posted", text=last)
    return opened["deadline"], closed["at"]


def _has_rooms(client: Client) -> bool:
    return bool(meeting_seen_by(client).workshops)


def _planned(participant: str, room: str) -> Callable[[Client], bool]:
    return lambda client: meeting_seen_by(client).plan.get(ParticipantId(participant)) == room


def _hand_up(participant: str, *, up: bool) -> Callable[[Client], bool]:
    return lambda client: (participant in meeting_seen_by(client).hand_queue) == up


def _said(text: str) -> Callable[[Client], bool]:
    return lambda client: any(
        m.sender == client.me and m.text == text for m in meeting_seen_by(client).chat
    )


def _heard(kind: str) -> Callable[[Client], bool]:
    return lambda client: bool(client.of_type(kind))


def _has_floor(participant: str) -> Callable[[Client], bool]:
    return lambda client: meeting_seen_by(client).floor == participant


def _calls_for_help(participant: str, *, calling: bool) -> Callable[[Client], bool]:
    return lambda client: (
        any(call.participant == participant for call in meeting_seen_by(client).help_queue)
        == calling
    )


def _in_room(participant: str, room: str) -> Callable[[Client], bool]:
    return lambda client: (
        meeting_seen_by(client).participants[ParticipantId(participant)].room == room
    )


def everyone_back_in_plenary(seen: Seen) -> bool:
    return seen.phase == "plenary" and all(room == PLENARY for room, _, _ in seen.people.values())
