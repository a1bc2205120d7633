"""The organiser's meetings over HTTP: described and in a language, listed, read one by one, who
is in one now, and deleted with all their data (`server.web.meetings_api`)."""

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from rooms import MeetingConfig, MeetingId, Stamped
from rooms import events as ev
from server.meetings.hub import LocalHub
from server.protocol.close_codes import CloseCode
from server.sqlite.database import DATABASE_FILE

from .conftest import ADMIN_TOKEN, TITLE, Serve, ServedMeeting, api
from .test_kept_meetings import restarted
from .test_secret_ballot import a_secret, secret_poll, vote

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# Every table of the embedded store that holds a meeting's rows (`server.sqlite.database`).
MEETING_TABLES = {"meetings": "id", "events": "meeting", "ballots": "meeting", "voters": "meeting"}


async def create(meeting: ServedMeeting, **body: Any) -> dict[str, Any]:
    async with api(meeting.app) as http:
        response = await http.post("/api/meetings", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def get(meeting: ServedMeeting, path: str) -> tuple[int, Any]:
    async with api(meeting.app) as http:
        response = await http.get(path, headers=ADMIN)
    return response.status_code, response.json()


async def delete(meeting: ServedMeeting, meeting_id: str) -> int:
    async with api(meeting.app) as http:
        response = await http.delete(f"/api/meetings/{meeting_id}", headers=ADMIN)
    return response.status_code


def rows_of(meeting: ServedMeeting, meeting_id: str) -> dict[str, int]:
    """How many rows of each table of the embedded store belong to the meeting."""
    database = Path(meeting.services.settings.data_dir) / DATABASE_FILE
    with sqlite3.connect(database) as db:
        return {
            table: db.execute(
                f"SELECT count(*) FROM {table} WHERE {column} = ?", (meeting_id,)
            ).fetchone()[0]
            for table, column in MEETING_TABLES.items()
        }


async def test_a_meeting_is_created_with_a_description_and_a_language(
    meeting: ServedMeeting,
) -> None:
    created = await create(
        meeting,
        title="Forum Łabędy",
        description="Budżet obywatelski:\r\nco dalej?",
        language="en",
        agenda=[{"title": "Powitanie", "minutes": 5}],
    )
    assert (created["description"], created["language"]) == ("Budżet obywatelski:\nco dalej?", "en")

    status, read = await get(meeting, f"/api/meetings/{created['id']}")
    assert status == 200
    assert read == {
        "id": created["id"],
        "title": "Forum Łabędy",
        "description": "Budżet obywatelski:\nco dalej?",
        "language": "en",
        "starts_at": None,
        "ends_at": created["ends_at"],
        "ended_at": None,
        "present": 0,
        "agenda": created["agenda"],
        "locked": False,
    }
    # Those who join see it too.
    _, welcome = await meeting.join("Ala")
    assert welcome["snapshot"]["title"] == TITLE  # the fixture's own meeting
    invited = await meeting.connect()
    welcome = await invited.hello(created["invite_token"], "Ala")
    assert welcome["snapshot"]["description"] == "Budżet obywatelski:\nco dalej?"
    assert welcome["snapshot"]["language"] == "en"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"language": "de"}, "language: pl or en"),
        ({"language": None}, "language: pl or en"),
        ({"description": 12}, "description: a string is needed"),
        ({"description": "x" * 2001}, "description: longer than 2000 characters"),
        ({"description": "\ud800"}, "description: has a lone surrogate"),
    ],
)
async def test_a_bad_description_or_language_creates_nothing(
    meeting: ServedMeeting, body: dict[str, Any], message: str
) -> None:
    async with api(meeting.app) as http:
        # As JSON escapes it (a lone surrogate too): `json.dumps` keeps to ASCII.
        raw = json.dumps({"title": "Forum", **body})
        response = await http.post("/api/meetings", content=raw, headers=ADMIN)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert response.json()["message"].startswith(message)
    _, listed = await get(meeting, "/api/meetings")
    assert [one["id"] for one in listed["meetings"]] == [meeting.id]


async def test_the_description_limit_is_a_setting(serve: Serve) -> None:
    meeting = await serve(meeting=MeetingConfig(max_description_chars=10))
    async with api(meeting.app) as http:
        response = await http.patch(
            f"/api/meetings/{meeting.id}", json={"description": "x" * 11}, headers=ADMIN
        )
    assert response.status_code == 400
    assert response.json()["message"] == "description: longer than 10 characters"


async def test_the_list_has_every_meeting_the_latest_start_first(meeting: ServedMeeting) -> None:
    march = await create(meeting, title="Marzec", starts_at="2030-03-12T18:00:00+01:00")
    may = await create(meeting, title="Maj", starts_at="2030-05-12T18:00:00+02:00")
    april = await create(meeting, title="Kwiecień", starts_at="2030-04-12T18:00:00+02:00")
    await meeting.join("Ala")
    await meeting.join("Bo")

    status, listed = await get(meeting, "/api/meetings")

    assert status == 200
    assert [(one["id"], one["present"]) for one in listed["meetings"]] == [
        (may["id"], 0),
        (april["id"], 0),
        (march["id"], 0),
        # No start: after those that have one.
        (meeting.id, 2),
    ]
    assert listed["meetings"][0] == {
        "id": may["id"],
        "title": "Maj",
        "description": "",
        "language": "pl",
        "starts_at": may["starts_at"],
        "ends_at": may["ends_at"],
        "ended_at": None,
        "present": 0,
    }


async def test_the_people_are_who_is_in_the_meeting_now(meeting: ServedMeeting) -> None:
    _, from_mo = await meeting.join("Maria Nowak", moderator=True, district="Śródmieście")
    ala, from_ala = await meeting.join("Ala Lis", district="Łabędy", organisation="Rada Seniorów")
    await ala.disconnect()

    status, listed = await get(meeting, f"/api/meetings/{meeting.id}/people")

    assert status == 200
    people = {person["id"]: person for person in listed["people"]}
    assert set(people) == {from_mo["you"], from_ala["you"]}
    assert people[from_ala["you"]] == {
        "id": from_ala["you"],
        "name": "Ala Lis",
        "role": "participant",
        "organisation": "Rada Seniorów",
        "district": "Łabędy",
        "room": "plenary",
        "room_name": None,
        # Gone without a goodbye: within the grace period to come back.
        "connected": False,
        "joined_at": people[from_ala["you"]]["joined_at"],
    }
    assert people[from_mo["you"]]["role"] == "moderator"
    assert people[from_mo["you"]]["connected"] is True
    assert isinstance(people[from_mo["you"]]["joined_at"], float)
    assert people[from_mo["you"]]["joined_at"] <= people[from_ala["you"]]["joined_at"]


async def test_the_people_in_a_workshop_are_shown_in_it_by_its_name(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Maria Nowak", moderator=True)
    _, from_ola = await meeting.join("Ola Lis")
    created = await moderator.ask({"type": "create_rooms", "names": ["Seniorzy"]})
    assert created[-1]["type"] == "ok"
    move = {"type": "move_participant", "participant": from_ola["you"], "room": "room-1"}
    assert (await moderator.ask(move))[-1]["type"] == "ok"
    assert (await moderator.ask({"type": "open_rooms"}))[-1]["type"] == "ok"

    status, listed = await get(meeting, f"/api/meetings/{meeting.id}/people")

    assert status == 200
    ola = next(person for person in listed["people"] if person["id"] == from_ola["you"])
    assert (ola["room"], ola["room_name"]) == ("room-1", "Seniorzy")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/meetings"),
        ("GET", "/api/meetings/{id}"),
        ("GET", "/api/meetings/{id}/people"),
        ("DELETE", "/api/meetings/{id}"),
    ],
)
async def test_without_the_admin_token_nothing_is_read_or_deleted(
    meeting: ServedMeeting, method: str, path: str
) -> None:
    async with api(meeting.app) as http:
        for headers in ({}, {"Authorization": f"Bearer {meeting.moderator_token}"}):
            response = await http.request(
                method, path.format(id=meeting.id), headers=headers
            )
            assert response.status_code == 401
            assert response.json()["error"] == "unauthorized"
    assert meeting.live.meeting.state.id == meeting.id  # still there


async def test_an_unknown_meeting_is_404_everywhere(meeting: ServedMeeting) -> None:
    for path in ("/api/meetings/nope", "/api/meetings/nope/people"):
        status, body = await get(meeting, path)
        assert (status, body["error"]) == (404, "no_meeting")
    assert await delete(meeting, "nope") == 404


async def test_a_deleted_meeting_closes_its_sockets_and_leaves_nothing_behind(
    meeting: ServedMeeting,
) -> None:
    voting = await secret_poll(meeting, "Ala", "Bo")
    await vote(voting.people["Ala"], voting.poll, [0], a_secret())
    other = await create(meeting, title="Inne forum")
    assert rows_of(meeting, meeting.id)["ballots"] == 1

    assert await delete(meeting, meeting.id) == 204

    for client in (voting.moderator, *voting.people.values()):
        code, _ = await client.closed()
        assert code == CloseCode.MEETING_DELETED
    assert rows_of(meeting, meeting.id) == dict.fromkeys(MEETING_TABLES, 0)
    status, body = await get(meeting, f"/api/meetings/{meeting.id}")
    assert (status, body["message"]) == (404, "this meeting does not exist here")
    async with api(meeting.app) as http:
        invitation = await http.get(
            "/api/invitation", headers={"Authorization": f"Bearer {meeting.invite_token}"}
        )
    assert (invitation.status_code, invitation.json()["error"]) == (404, "no_meeting")
    late = await meeting.connect()
    await late.send({"type": "hello", "token": meeting.invite_token, "name": "Cy"})
    code, said = await late.closed()
    assert code == CloseCode.NO_MEETING
    assert [m["code"] for m in said if m["type"] == "error"] == ["no_meeting"]
    _, listed = await get(meeting, "/api/meetings")
    assert [one["id"] for one in listed["meetings"]] == [other["id"]]
    assert await delete(meeting, meeting.id) == 404
    # The other meeting is untouched.
    assert rows_of(meeting, other["id"])["meetings"] == 1


async def test_a_deleted_meeting_stays_deleted_after_a_restart(serve: Serve) -> None:
    meeting = await serve()
    kept = await create(meeting, title="Zostaje")
    await meeting.join("Ala")
    assert await delete(meeting, meeting.id) == 204

    after = await restarted(meeting)

    _, listed = await get(after, "/api/meetings")
    assert [one["id"] for one in listed["meetings"]] == [kept["id"]]
    status, _ = await get(after, f"/api/meetings/{meeting.id}")
    assert status == 404


async def test_a_meeting_kept_in_memory_only_is_deleted_alike(serve: Serve) -> None:
    meeting = await serve(store="memory")
    voting = await secret_poll(meeting, "Ala")
    await vote(voting.people["Ala"], voting.poll, [1], a_secret())

    assert await delete(meeting, meeting.id) == 204

    code, _ = await voting.people["Ala"].closed()
    assert code == CloseCode.MEETING_DELETED
    assert (await get(meeting, f"/api/meetings/{meeting.id}/people"))[0] == 404


async def test_a_deleted_meeting_closes_those_waiting_in_its_lobby(meeting: ServedMeeting) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    await moderator.ask({"type": "set_lobby", "mode": "everyone"})
    waiting = await meeting.connect()
    await waiting.send({"type": "hello", "token": meeting.invite_token, "name": "Ada"})
    await waiting.expect("lobby")

    assert await delete(meeting, meeting.id) == 204

    # Not left waiting for a moderator of a meeting that is gone.
    code, _ = await waiting.closed()
    assert code == CloseCode.MEETING_DELETED


async def test_a_change_on_its_way_when_the_meeting_is_deleted_does_not_bring_it_back(
    serve: Serve,
) -> None:
    # With `full`, each write waits for the store's own thread: the deletion can come between
    # an event's write and the snapshot after it.
    meeting = await serve(sqlite_sync="full")
    assert isinstance(meeting.services.hub, LocalHub)
    doomed = await create(meeting, title="Forum")
    deleting: list[asyncio.Task[int]] = []

    def delete_once_in_the_state(stamped: Stamped) -> None:
        # The new title is in the state, and on its way to the store: the organiser deletes.
        if isinstance(stamped.event, ev.MeetingScheduled) and not deleting:
            deleting.append(asyncio.create_task(delete(meeting, doomed["id"])))

    live = meeting.services.hub.get(MeetingId(doomed["id"]))
    assert live is not None
    live.observers.append(delete_once_in_the_state)
    async with api(meeting.app) as http:
        edited = await http.patch(
            f"/api/meetings/{doomed['id']}", json={"title": "Nowy"}, headers=ADMIN
        )
    assert edited.status_code in (200, 404)
    assert await deleting[0] == 204
    assert rows_of(meeting, doomed["id"]) == dict.fromkeys(MEETING_TABLES, 0)

    after = await restarted(meeting)
    _, listed = await get(after, "/api/meetings")
    assert [one["id"] for one in listed["meetings"]] == [meeting.id]


async def test_an_import_still_uploading_when_the_meeting_is_deleted_is_404(
    meeting: ServedMeeting,
) -> None:
    async def upload() -> AsyncIterator[bytes]:
        yield "name,district\r\nAnna Nowak,Łabędy\r\n".encode()
        # The organiser deletes the meeting (in another tab) while the file is on its way.
        assert await delete(meeting, meeting.id) == 204
        yield "Jan Kowalski,Śródmieście\r\n".encode()

    async with api(meeting.app) as http:
        response = await http.post(
            f"/api/meetings/{meeting.id}/invitees",
            content=upload(),
            headers={**ADMIN, "content-type": "text/csv"},
        )
    # Gone for good: not a 503 that asks to send it again.
    assert (response.status_code, response.json()["error"]) == (404, "no_meeting")
    assert rows_of(meeting, meeting.id) == dict.fromkeys(MEETING_TABLES, 0)
