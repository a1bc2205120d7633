"""The forum as its people live it: a real server process, real sockets, one workshop round.

Every assertion is about what a client received, the way a browser would show it.
"""

import sys
import time
from collections import defaultdict
from pathlib import Path

from server.cli import DEMO_TITLE
from tests.harness.ports import free_port
from tests.harness.processes import START_TIMEOUT_S, ServerProcess, StartServer, server_env

from .wsclient import Client, Message

DISTRICTS = ("Sośnica", "Zatorze", "Trynek", "Szobiszowice")
PEOPLE_PER_DISTRICT = 3
ROOM_NAMES = ("Zieleń miejska", "Transport", "Kultura")
DURATION_S = 4
PLENARY = "plenary"


def room_of(client: Client, participant: str) -> str:
    """Where `client` sees `participant`: its snapshot, then every join and move it heard of."""
    snapshot = client.welcomes[0]["snapshot"]["participants"]
    room: str | None = snapshot[participant]["room"] if participant in snapshot else None
    for message in client.messages:
        kind = message["type"]
        if (
            kind in ("participant_joined", "participant_moved")
            and message["participant"] == participant
        ):
            room = message["room"]
    assert room is not None, f"{client.name} never heard of {participant}"
    return room


def events(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m["type"] not in ("welcome", "ok", "error")]


async def test_a_workshop_round_from_plan_to_plenary(server: ServerProcess) -> None:
    meeting = await server.create_meeting("Forum Lokalnych Liderów Społecznych")
    moderator = await Client.join(server.ws_url, meeting["moderator_token"], "Moderatorka")
    people: list[Client] = []
    district_of: dict[str, str] = {}
    everyone = [moderator]
    try:
        for district in DISTRICTS:
            for n in range(1, PEOPLE_PER_DISTRICT + 1):
                person = await Client.join(
                    server.ws_url, meeting["invite_token"], f"{district} {n}", district=district
                )
                people.append(person)
                everyone.append(person)
                district_of[person.me] = district
        await _scenario(moderator, people, district_of)
    finally:
        for client in everyone:
            await client.close()


async def _scenario(moderator: Client, people: list[Client], district_of: dict[str, str]) -> None:
    everyone = [moderator, *people]
    snapshot = moderator.welcomes[0]["snapshot"]
    assert snapshot["participants"][moderator.me]["role"] == "moderator"
    for person in people:
        joined = await moderator.wait_for_event("participant_joined", participant=person.me)
        assert (joined["role"], joined["district"]) == ("participant", district_of[person.me])

    # The plan: three workshops, people of one district spread over all of them.
    await moderator.command("create_rooms", names=list(ROOM_NAMES))
    rooms = {
        (await moderator.wait_for_event("room_created", name=name))["room"]: name
        for name in ROOM_NAMES
    }
    await moderator.command("assign_mixed", by="district")
    plans = [(await client.wait_for_event("plan_set"))["plan"] for client in everyone]
    plan: dict[str, str] = plans[0]
    assert all(seen == plan for seen in plans), "everyone sees the same plan"
    assert set(plan) == {p.me for p in people}, "every participant, and no moderator, is planned"
    districts_in: dict[str, list[str]] = defaultdict(list)
    for participant, room in plan.items():
        districts_in[room].append(district_of[participant])
    assert set(districts_in) == set(rooms)
    for room, districts in districts_in.items():
        assert sorted(districts) == sorted(DISTRICTS), f"{rooms[room]}: one of each district"

    # The workshops open and everyone is taken to their planned room.
    await moderator.command("open_rooms", duration_s=DURATION_S)
    for client in everyone:
        opened = await client.wait_for_event("rooms_opened")
        assert opened["deadline"] is not None
    for person in people:
        await person.wait_for_event(
            "participant_moved", participant=person.me, room=plan[person.me]
        )
        assert room_of(person, person.me) == plan[person.me]

    await moderator.command("broadcast", text="Zostały nam 4 sekundy, kończcie wnioski.")
    for person in people:
        said = await person.wait_for_event("broadcast_sent", sender=moderator.me)
        assert said["text"] == "Zostały nam 4 sekundy, kończcie wnioski."

    # A participant asks for help; the moderator goes to that room, which answers the call.
    asker = people[0]
    asker_room = plan[asker.me]
    await asker.command("request_help")
    call = await moderator.wait_for_event("help_requested", participant=asker.me)
    assert call["room"] == asker_room
    await moderator.command("visit", room=call["room"])
    for client in everyone:
        await client.wait_for_event("participant_moved", participant=moderator.me, room=asker_room)
        await client.wait_for_event("help_cleared", participant=asker.me, by=moderator.me)

    # A roommate of the asker loses the network, misses a broadcast, and comes back.
    dropper = next(p for p in people if p is not asker and plan[p.me] == asker_room)
    seen = dropper.last_seq
    await dropper.drop()
    others = [c for c in everyone if c is not dropper]
    for client in others:
        await client.wait_for_event("participant_disconnected", participant=dropper.me)
    await moderator.command("broadcast", text="Czy wszyscy nas słyszą?")
    since = len(dropper.messages)
    welcome = await dropper.reconnect()
    assert (welcome["you"], welcome["seq"], welcome["snapshot"]) == (dropper.me, seen, None)
    back = await dropper.wait_for_event("participant_reconnected", participant=dropper.me)
    replayed = events(dropper.messages[since:])
    replayed = replayed[: replayed.index(back) + 1]
    # Every event of this meeting is public, so the replay has no gaps and no repeats.
    assert [m["seq"] for m in replayed] == list(range(seen + 1, back["seq"] + 1))
    assert [m["type"] for m in replayed if m["type"] != "time_warning"] == [
        "participant_disconnected",
        "broadcast_sent",
        "participant_reconnected",
    ]
    for client in others:
        await client.wait_for_event("participant_reconnected", participant=dropper.me)
    assert room_of(dropper, dropper.me) == asker_room
    # The server agrees: what it says now is said in its workshop, and its roommate hears it.
    await dropper.command("send_chat", text="Już jestem, przepraszam.")
    heard = await asker.wait_for_event("chat_posted", sender=dropper.me)
    assert (heard["room"], heard["text"]) == (asker_room, "Już jestem, przepraszam.")

    # Time runs out: a warning, the grace period, and everyone back in the plenary.
    for client in everyone:
        warning = await client.wait_for_event("time_warning")
        closing = await client.wait_for_event("rooms_closing")
        closed = await client.wait_for_event("rooms_closed")
        assert warning["seq"] < closing["seq"] < closed["seq"]
        for other in everyone:
            await client.wait_for_event("participant_moved", participant=other.me, room=PLENARY)
        assert {room_of(client, c.me) for c in everyone} == {PLENARY}


async def test_plenum_serve_prints_links_that_join_its_meeting(start_server: StartServer) -> None:
    port = free_port()
    env = server_env(port)
    del env["PORT"]  # the --port flag alone says where to listen, and what the links say
    plenum = Path(sys.executable).parent / "plenum"
    served = start_server([str(plenum), "serve", "--port", str(port)], port, env)

    links: dict[str, str] = {}
    deadline = time.monotonic() + START_TIMEOUT_S
    while len(links) < 2:
        label, _, link = served.next_line(deadline).strip().partition(" link:")
        if label in ("moderator", "participant"):
            links[label] = link.strip()
    assert f"Plenum is running: {DEMO_TITLE}" in served.printed()
    tokens: dict[str, str] = {}
    for label, link in links.items():
        base, _, tokens[label] = link.partition("/#")
        assert base == served.base_url and tokens[label], link
    served.wait_healthy()

    moderator = await Client.join(served.ws_url, tokens["moderator"], "Moderator")
    clients = [moderator]
    try:
        participant = await Client.join(
            served.ws_url, tokens["participant"], "Ala", district="Trynek"
        )
        clients.append(participant)
        for client, role in ((moderator, "moderator"), (participant, "participant")):
            snapshot = client.welcomes[0]["snapshot"]
            assert snapshot["title"] == DEMO_TITLE
            assert snapshot["participants"][client.me]["role"] == role
        joined = await moderator.wait_for_event("participant_joined", participant=participant.me)
        assert (joined["name"], joined["district"]) == ("Ala", "Trynek")
    finally:
        for client in clients:
            await client.close()
