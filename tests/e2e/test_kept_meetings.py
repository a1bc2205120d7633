"""The embedded default keeps its meetings: Plenum under uvicorn, with no Redis, killed with
`kill -9` in the middle of a meeting and started again on the same data folder, brings back
every event it acknowledged: the chat, the rooms, the agenda, the notes, an open secret poll's
ballots; and the clients come back with their resume tokens. A meeting the organiser deleted
stays deleted."""

import asyncio
import secrets
from pathlib import Path
from typing import Any

import pytest

from server.protocol.close_codes import CloseCode
from tests.e2e.wsclient import Client, ServerError
from tests.harness import api
from tests.harness.processes import ADMIN_TOKEN, ServerProcess, StartServer, start_plenum

CHAT_BURST = 40


def plenum_keeping(start_server: StartServer, data: Path, port: int | None = None) -> ServerProcess:
    # A snapshot every 25 events: what comes back is a snapshot and the events stored after it.
    # The chat burst goes faster than people type: no rate limit.
    return start_plenum(
        start_server,
        port=port,
        PLENUM_DATA_DIR=str(data),
        PLENUM_SNAPSHOT_EVERY="25",
        PLENUM_MESSAGES_PER_S="1000",
        PLENUM_MESSAGE_BURST="1000",
    )


async def test_a_meeting_comes_back_whole_after_kill_9(
    start_server: StartServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    server = plenum_keeping(start_server, data)
    meeting = await server.create_meeting("Forum Dzielnicy Sośnica")
    await server.set_agenda(meeting["id"], [{"title": "Powitanie", "minutes": 5}])
    moderator = await Client.join(server.ws_url, meeting["moderator_token"], "Moderatorka")
    ala = await Client.join(server.ws_url, meeting["invite_token"], "Ala", district="Sośnica")
    bo = await Client.join(server.ws_url, meeting["invite_token"], "Bo", district="Trynek")
    everyone = [moderator, ala, bo]
    try:
        await moderator.command("create_rooms", names=["Parki"])
        await moderator.command("move_participant", participant=ala.me, room="room-1")
        await moderator.command("open_rooms")
        await ala.command("volunteer_rapporteur")
        await ala.command("edit_notes", room="room-1", base_version=0, text="# Parki\n- drzewa")
        await moderator.command("create_poll", question="Więcej zieleni?", secret=True,
                                kind="yes_no_abstain")  # fmt: skip
        poll = (await moderator.wait_for_event("poll_created"))["poll"]
        await moderator.command("open_poll", poll=poll)
        await ala.command("cast_ballot", poll=poll, choices=[0], secret=secrets.token_urlsafe(24))
        await bo.command("cast_ballot", poll=poll, choices=[1], secret=secrets.token_urlsafe(24))
        # Each acknowledged: its `ok` came, so its event must outlive the crash right after.
        sent = [f"wiadomość {n}" for n in range(CHAT_BURST)]
        for text in sent:
            await bo.command("send_chat", text=text)
        acknowledged = bo.last_seq

        server.stop()  # kill -9: no goodbye, nothing flushed on the way out
        for client in everyone:
            await client.wait_closed()
            await client.close()
        again = plenum_keeping(start_server, data, port=server.port)

        # The same links still work, and a newcomer sees the meeting as it was.
        late = await Client.join(again.ws_url, meeting["invite_token"], "Cezary")
        everyone.append(late)
        snapshot = late.welcomes[0]["snapshot"]
        assert snapshot["seq"] >= acknowledged
        assert [m["text"] for m in snapshot["chat"]] == sent
        assert snapshot["title"] == "Forum Dzielnicy Sośnica"
        assert snapshot["participants"][ala.me]["room"] == "room-1"
        assert [i["title"] for i in snapshot["agenda"]["items"]] == ["Powitanie"]
        # Whoever was there when it died kept their place, to come back with their token.
        assert [p["connected"] for p in snapshot["participants"].values()] == [
            False, False, False, True
        ]  # fmt: skip

        welcome = await ala.reconnect()
        assert welcome["you"] == ala.me
        await ala.wait_for_event("participant_reconnected", participant=ala.me)
        # Her notes are at version 1, as she left them (a stale version would be refused).
        await ala.command("edit_notes", room="room-1", base_version=1, text="# Parki\n- ławki")
        await moderator.reconnect()
        await moderator.command("close_poll", poll=poll)
        result = await moderator.wait_for_event("poll_result", poll=poll)
        assert (result["voted"], result["counts"]) == (2, [1, 1, 0])
    finally:
        for client in everyone:
            await client.close()


async def test_a_deleted_meeting_stays_deleted_after_kill_9(
    start_server: StartServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    server = plenum_keeping(start_server, data)
    deleted = await server.create_meeting("Forum do usunięcia")
    kept = await server.create_meeting("Forum, które zostaje")
    ala = await Client.join(server.ws_url, deleted["invite_token"], "Ala")
    try:
        await ala.command("send_chat", text="Dzień dobry")
        status, _ = await organiser(server, "DELETE", f"/api/meetings/{deleted['id']}")
        assert status == 204
        assert await ala.wait_closed() == CloseCode.MEETING_DELETED
    finally:
        await ala.close()

    server.stop()  # kill -9 right after the answer: the deletion was kept before it
    again = plenum_keeping(start_server, data, port=server.port)

    status, answer = await organiser(again, "GET", f"/api/meetings/{deleted['id']}")
    assert (status, answer["error"]) == (404, "no_meeting")
    status, listed = await organiser(again, "GET", "/api/meetings")
    assert [m["id"] for m in listed["meetings"]] == [kept["id"]]
    with pytest.raises(ServerError) as refused:
        await Client.join(again.ws_url, deleted["invite_token"], "Bo")
    assert refused.value.code == "no_meeting"
    still = await Client.join(again.ws_url, kept["invite_token"], "Bo")
    await still.close()


async def organiser(server: ServerProcess, method: str, path: str) -> tuple[int, Any]:
    return await asyncio.to_thread(api.as_organiser, method, server.base_url, path, ADMIN_TOKEN)
