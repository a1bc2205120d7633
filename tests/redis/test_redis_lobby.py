"""The lobby with several workers: a newcomer waits on a worker that does not write the meeting,
gets nothing of it meanwhile, and the admission or refusal decided on the writer reaches them."""

import asyncio

from server.protocol.close_codes import CloseCode
from tests.e2e.wsclient import Client
from tests.harness import api
from tests.harness.processes import ADMIN_TOKEN
from tests.redis.workers import Workers


async def test_admission_and_refusal_reach_a_newcomer_on_another_worker(workers: Workers) -> None:
    writer, other = workers.start(), workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    moderator = await Client.join(writer.ws_url, meeting["moderator_token"], "Moderatorka")
    bo = await Client.join(other.ws_url, meeting["invite_token"], "Bo")
    await moderator.command("set_lobby", mode="everyone")

    ada = await Client.knock(other.ws_url, meeting["invite_token"], "Ada")
    knocked = await moderator.wait_for(
        lambda m: m["type"] == "knocked" and m["waiting"]["name"] == "Ada"
    )
    ada_id = knocked["waiting"]["id"]
    await moderator.command("send_chat", text="Zaczynamy")
    # Bo, on Ada's worker, has the chat: it has reached that worker, not her socket.
    await bo.wait_for_event("chat_posted", text="Zaczynamy")
    ref = await ada.send("send_chat", text="Czy mnie słychać?")
    refusal = await ada.wait_for(lambda m: m.get("ref") == ref)
    assert (refusal["type"], refusal["code"]) == ("error", "waiting")
    assert [m["type"] for m in ada.messages] == ["lobby", "error"]

    await moderator.command("admit", participant=ada_id)
    welcome = await ada.wait_for(lambda m: m["type"] == "welcome")
    assert [m["type"] for m in ada.messages][-2:] == ["admitted", "welcome"]
    assert welcome["you"] == ada_id
    await bo.wait_for_event("participant_joined", participant=ada_id)
    ada.me, ada.resume_token = ada_id, welcome["resume"]
    await ada.command("send_chat", text="Już jestem")
    await moderator.wait_for_event("chat_posted", text="Już jestem")

    eve = await Client.knock(other.ws_url, meeting["invite_token"], "Ewa")
    knocked = await moderator.wait_for(
        lambda m: m["type"] == "knocked" and m["waiting"]["name"] == "Ewa"
    )
    await moderator.command("refuse", participant=knocked["waiting"]["id"])
    assert await eve.wait_closed() == 4014
    assert [(m["type"], m.get("code")) for m in eve.messages] == [
        ("lobby", None),
        ("error", "turned_away"),
    ]

    # Someone waiting who closes their page leaves the lobby, on the writer too.
    zyg = await Client.knock(other.ws_url, meeting["invite_token"], "Zyg")
    knocked = await moderator.wait_for(
        lambda m: m["type"] == "knocked" and m["waiting"]["name"] == "Zyg"
    )
    await zyg.close()
    await moderator.wait_for_event("left_lobby", participant=knocked["waiting"]["id"])

    for person in (moderator, bo, ada):
        await person.close()
    for worker in (writer, other):
        assert "Traceback" not in worker.printed()


async def test_those_waiting_on_a_worker_that_dies_leave_the_lobby(workers: Workers) -> None:
    writer, doomed = workers.start(), workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    moderator = await Client.join(writer.ws_url, meeting["moderator_token"], "Moderatorka")
    await moderator.command("set_lobby", mode="everyone")
    await Client.knock(doomed.ws_url, meeting["invite_token"], "Ada")
    knocked = await moderator.wait_for(lambda m: m["type"] == "knocked")

    workers.kill(doomed)

    # Within the heartbeat's time to live, a presence check, and slack for a loaded machine.
    await moderator.wait_for_event("left_lobby", 10.0, participant=knocked["waiting"]["id"])
    await moderator.close()
    assert "Traceback" not in writer.printed()


async def test_a_meeting_deleted_on_its_writer_closes_those_waiting_on_another_worker(
    workers: Workers,
) -> None:
    writer, other = workers.start(), workers.start()
    meeting = await writer.server.create_meeting("Forum Miasta")
    assert workers.writer_of(meeting["id"]) is writer
    moderator = await Client.join(writer.ws_url, meeting["moderator_token"], "Moderatorka")
    await moderator.command("set_lobby", mode="everyone")
    ada = await Client.knock(other.ws_url, meeting["invite_token"], "Ada")
    await moderator.wait_for(lambda m: m["type"] == "knocked")

    status, _ = await asyncio.to_thread(
        api.as_organiser,
        "DELETE",
        writer.server.base_url,
        f"/api/meetings/{meeting['id']}",
        ADMIN_TOKEN,
    )

    assert status == 204
    assert await ada.wait_closed() == CloseCode.MEETING_DELETED
    for worker in (writer, other):
        assert "Traceback" not in worker.printed()
