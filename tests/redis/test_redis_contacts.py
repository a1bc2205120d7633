"""Contacts between leaders through Redis: people on two workers opt in and see each other, one
who did not sees nothing; the personal link works on either worker, the one that writes the
meeting and the one that does not (its withdrawal is forwarded to the writer)."""

import asyncio
from typing import Any

import msgpack

from tests.e2e.wsclient import Client
from tests.harness.api import contacts
from tests.redis.workers import Worker, Workers

ALA_MAIL, BO_MAIL = "ala@example.org", "bo@example.org"


def carries(client: Client, detail: str) -> bool:
    return any(detail.encode() in msgpack.packb(m) for m in client.messages)


async def directory(worker: Worker, meeting: str, token: str, method: str = "GET") -> Any:
    return await asyncio.to_thread(contacts, worker.server.base_url, meeting, token, method)


async def test_contacts_across_workers(workers: Workers) -> None:
    first, second = workers.start(), workers.start()
    meeting = await first.server.create_meeting("Forum Miasta")
    invite, id_ = meeting["invite_token"], meeting["id"]
    ala = await Client.join(first.ws_url, invite, "Ala")
    bo = await Client.join(second.ws_url, invite, "Bo")
    cy = await Client.join(second.ws_url, invite, "Cy")
    try:
        await ala.command("share_contact", email=ALA_MAIL)
        # Bo shares on the worker that does not write the meeting: his link comes back there.
        await bo.command("share_contact", email=BO_MAIL)
        link = await bo.wait_for(lambda m: m["type"] == "contacts_link")
        await ala.wait_for_event("contact_shared")
        seen = await bo.wait_for(lambda m: m["type"] == "contact_directory")
        assert [card["email"] for card in seen["cards"]] == [ALA_MAIL]
        await ala.wait_for(lambda m: m.get("card", {}).get("email") == BO_MAIL)

        for worker in (first, second):
            status, body = await directory(worker, id_, link["token"])
            assert status == 200
            assert [card["email"] for card in body["contacts"]] == [ALA_MAIL, BO_MAIL]

        # Ala withdraws; Bo's link no longer shows her, on either worker.
        await ala.command("withdraw_contact")
        await bo.wait_for_event("contact_withdrawn", participant=ala.me)
        for worker in (first, second):
            status, body = await directory(worker, id_, link["token"])
            assert [card["email"] for card in body["contacts"]] == [BO_MAIL]

        # Bo withdraws by his link on the worker that does not write the meeting.
        assert (await directory(second, id_, link["token"], "DELETE"))[0] == 204
        await bo.wait_for_event("contact_withdrawn", participant=bo.me)
        status, body = await directory(first, id_, link["token"])
        assert (status, body["error"]) == (403, "not_opted_in")

        # Cy, who never opted in, was sent nobody's details.
        await cy.command("send_chat", text="done")
        assert not carries(cy, ALA_MAIL) and not carries(cy, BO_MAIL)
    finally:
        await asyncio.gather(ala.close(), bo.close(), cy.close())
