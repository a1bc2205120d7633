"""The embedded store in-process: a meeting comes back after a restart of its services, as it was,
with its resume tokens and its secret ballots; it is forgotten after the retention period; and
the file is kept as the settings say. (`tests/e2e/test_kept_meetings.py` kills a real process.)
"""

import sqlite3
import stat
import time
from pathlib import Path

import pytest

from rooms import commands as cmd
from rooms.ids import ParticipantId
from rooms.model import LobbyMode, Participant, Role
from server.app import create_app
from server.meetings import records
from server.meetings.hub import LocalHub, LocalMeeting
from server.protocol.close_codes import CloseCode
from server.services import Services
from server.sqlite.database import DATABASE_FILE

from .conftest import ManualClock, Serve, ServedMeeting
from .test_secret_ballot import a_secret, close, secret_poll, vote


async def restarted(before: ServedMeeting, clock: ManualClock | None = None) -> ServedMeeting:
    """The same settings (the same data folder) in new services, started as at a restart, after
    the old ones stopped."""
    await before.services.stop()
    services = Services(before.services.settings, clock=clock or time.time)
    await services.start()
    # Its clients are the test's too: the fixture disconnects them, and stops its hub.
    after = ServedMeeting(create_app(services=services), services, before.created, before.clients)
    before.services = services
    return after


def connected(live: LocalMeeting) -> list[Participant]:
    return [p for p in live.meeting.state.participants.values() if p.connected]


# Written on the loop (`normal`) or by the writer thread (`full`): the same comes back.
@pytest.mark.parametrize("sync", ["normal", "full"])
async def test_a_meeting_comes_back_after_a_restart_as_it_was(serve: Serve, sync: str) -> None:
    # A snapshot every 5 events: what comes back is a snapshot and the events after it.
    meeting = await serve(snapshot_every=5, sqlite_sync=sync)
    moderator, _ = await meeting.join("Mo", moderator=True)
    ala, from_ala = await meeting.join("Ala")
    for step in (
        {"type": "create_rooms", "names": ["Parks"]},
        {"type": "move_participant", "participant": from_ala["you"], "room": "room-1"},
        {"type": "open_rooms"},
        {"type": "set_agenda", "items": [{"title": "Welcome", "minutes": 5}]},
        {"type": "send_chat", "text": "Dzień dobry, Sośnica!"},
    ):
        assert (await moderator.ask(step))[-1]["type"] == "ok", step
    assert (await ala.ask({"type": "volunteer_rapporteur"}))[-1]["type"] == "ok"
    edit = {"type": "edit_notes", "room": "room-1", "base_version": 0, "text": "# Parki"}
    assert (await ala.ask(edit))[-1]["type"] == "ok"
    await ala.disconnect()
    await moderator.disconnect()
    before = records.pack(meeting.live.meeting.state)

    after = await restarted(meeting)

    assert records.pack(after.live.meeting.state) == before
    back = await after.connect()
    welcome = await back.resume(from_ala["resume"], None)
    snapshot = welcome["snapshot"]
    assert welcome["you"] == from_ala["you"]
    assert [m["text"] for m in snapshot["chat"]] == ["Dzień dobry, Sośnica!"]
    assert snapshot["participants"][from_ala["you"]]["room"] == "room-1"
    assert [i["title"] for i in snapshot["agenda"]["items"]] == ["Welcome"]
    assert snapshot["notes"]["room-1"]["text"] == "# Parki"
    # And it goes on: a new event is kept after the ones that came back.
    assert (await back.ask({"type": "send_chat", "text": "Jestem z powrotem"}))[-1]["type"] == "ok"
    again = await restarted(after)
    assert again.live.meeting.state.seq == after.live.meeting.state.seq


async def test_whoever_was_connected_at_the_restart_is_a_ghost_who_can_come_back(
    serve: Serve,
) -> None:
    meeting = await serve()
    _, from_mo = await meeting.join("Mo", moderator=True)
    _, from_ala = await meeting.join("Ala")
    # No goodbye: the process went away with their sockets.
    after = await restarted(meeting)

    assert connected(after.live) == []
    back = await after.connect()
    welcome = await back.resume(from_ala["resume"], from_ala["seq"])
    missed = await back.until("participant_reconnected")
    assert welcome["you"] == from_ala["you"]
    assert [(m["type"], m["participant"]) for m in missed] == [
        ("participant_disconnected", from_mo["you"]),
        ("participant_disconnected", from_ala["you"]),
        ("participant_reconnected", from_ala["you"]),
    ]
    assert [p.id for p in connected(after.live)] == [from_ala["you"]]


async def test_a_secret_polls_ballots_survive_a_restart_and_are_counted_at_its_close(
    serve: Serve,
) -> None:
    meeting = await serve()
    voting = await secret_poll(meeting, "Ala", "Bo", "Cy")
    await vote(voting.people["Ala"], voting.poll, [0], a_secret())
    await vote(voting.people["Bo"], voting.poll, [1], a_secret())
    await vote(voting.people["Cy"], voting.poll, [1], a_secret())

    after = await restarted(meeting)

    moderator, _ = await after.join("Mo 2", moderator=True)
    result = await close(moderator, voting.poll)
    assert (result["voted"], result["counts"]) == (3, [1, 2, 0])


async def test_a_meeting_nothing_happened_in_for_the_retention_period_is_forgotten(
    serve: Serve,
) -> None:
    clock = ManualClock()
    # Created without a start: it ends `token_ttl_s` after its creation, and is kept until then
    # plus the retention (its links work until then).
    meeting = await serve(clock=clock, retention_s=3600, token_ttl_s=600)
    _, _ = await meeting.join("Ala")
    clock.advance(600 + 3601)

    after = await restarted(meeting, clock)

    assert isinstance(after.services.hub, LocalHub)
    assert after.services.hub.get(meeting.created["id"]) is None
    database = Path(after.services.settings.data_dir) / DATABASE_FILE
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM events").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM meetings").fetchone() == (0,)


async def test_a_meeting_past_its_retention_is_let_go_while_the_server_runs(serve: Serve) -> None:
    clock = ManualClock()
    meeting = await serve(clock=clock, retention_s=3600, token_ttl_s=600)
    ala, _ = await meeting.join("Ala")
    hub = meeting.services.hub
    assert isinstance(hub, LocalHub)
    clock.advance(3601)  # past the retention after its last event, not after its end
    await hub.sweep()
    assert hub.get(meeting.created["id"]) is not None

    clock.advance(600)
    await hub.sweep()

    code, _ = await ala.closed()
    assert code == CloseCode.NO_MEETING
    assert hub.get(meeting.created["id"]) is None


async def test_the_database_is_its_owners_alone_and_written_ahead(
    serve: Serve, tmp_path: Path
) -> None:
    folder = tmp_path / "kept"
    meeting = await serve(data_dir=str(folder), sqlite_sync="full")
    await meeting.join("Ala")
    database = folder / DATABASE_FILE
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] >= 1


async def test_a_meeting_weeks_away_is_kept_until_its_end_plus_the_retention(
    serve: Serve,
) -> None:
    clock = ManualClock()
    meeting = await serve(clock=clock, retention_s=3600)
    hub = meeting.services.hub
    assert isinstance(hub, LocalHub)
    starts_at = clock() + 70 * 86400  # ten weeks away
    forum = await hub.create("Forum Liderów", starts_at, starts_at + 4 * 3600)
    forum_id = forum.meeting.state.id

    # Nothing happens in it for weeks, across a sweep and a restart: it is still there.
    clock.advance(50 * 86400)
    await hub.sweep()
    assert hub.get(forum_id) is not None
    after = await restarted(meeting, clock)
    assert isinstance(after.services.hub, LocalHub)
    assert after.services.hub.get(forum_id) is not None

    # Its end plus the retention passed: let go, as an idle meeting is.
    clock.advance(20 * 86400 + 4 * 3600 + 3601)
    await after.services.hub.sweep()
    assert after.services.hub.get(forum_id) is None


async def test_nobody_waits_in_the_lobby_after_a_restart(serve: Serve) -> None:
    meeting = await serve()
    moderator, _ = await meeting.join("Mo", moderator=True)
    assert (await moderator.ask({"type": "set_lobby", "mode": "everyone"}))[-1]["type"] == "ok"
    # Waiting as a process killed mid-wait leaves it: in the state, with no socket anywhere.
    waiting = cmd.Join(ParticipantId("ada"), "Ada", Role.PARTICIPANT, connection="gone")
    await meeting.live.submit(None, waiting)
    assert list(meeting.live.meeting.state.lobby) == ["ada"]
    await moderator.disconnect()

    after = await restarted(meeting)

    state = after.live.meeting.state
    assert state.lobby == {}
    assert state.lobby_mode is LobbyMode.EVERYONE
