"""Contacts between leaders, through the server: who receives whose details, on every channel.

The authorization matrix: a viewer who is a moderator, a presenter or a participant, who opted
in or not, against each way details can travel (live events, the welcome's snapshot, a resume's
catch-up, the HTTP directory). Details reach only those who opted in, and after a withdrawal
nobody. Like the moderator commands' matrix (`test_moderator_commands`), checked on the server.
"""

import time
from typing import Any

import msgpack
import pytest

from server.tokens import Grant, Kind

from .client import Client
from .conftest import ServedMeeting, api

A_MAIL, B_MAIL, C_MAIL = "ala@example.org", "bo@example.org", "cy@example.org"


def carries(messages: list[dict[str, Any]], detail: str) -> bool:
    """Whether any of `messages` holds `detail`, anywhere in it."""
    return any(detail.encode() in msgpack.packb(m) for m in messages)


async def marker(moderator: Client, *others: Client) -> list[list[dict[str, Any]]]:
    """What each of `others` received up to a broadcast sent now: all that came before it."""
    await moderator.ask({"type": "broadcast", "text": "marker"})
    return [await other.until("broadcast_sent") for other in others]


async def directory(meeting: ServedMeeting, token: str) -> tuple[int, dict[str, Any]]:
    async with api(meeting.app) as http:
        response = await http.get(
            f"/api/meetings/{meeting.id}/contacts", headers={"Authorization": f"Bearer {token}"}
        )
    return response.status_code, response.json()


def mails(body: dict[str, Any]) -> set[str]:
    return {card["email"] for card in body.get("contacts", [])}


@pytest.mark.parametrize("opted_in", [True, False], ids=["opted-in", "not-opted-in"])
@pytest.mark.parametrize("role", ["moderator", "presenter", "participant"])
async def test_details_reach_only_those_who_opted_in_and_nobody_after_a_withdrawal(
    meeting: ServedMeeting, role: str, opted_in: bool
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    ala, _ = await meeting.join("Ala", district="Łabędy")
    bo, _ = await meeting.join("Bo")
    cy, _ = await meeting.join("Cy")
    viewer, welcome = await meeting.join("Viewer", moderator=role == "moderator")
    me = welcome["you"]
    if role == "presenter":
        await moderator.ask({"type": "set_role", "participant": me, "role": "presenter"})
        await viewer.expect("role_changed")
    contacts_token = None
    if opted_in:
        replies = await viewer.ask({"type": "share_contact", "phone": "+48 600 100 200"})
        assert [m["type"] for m in replies] == [
            "contact_shared",
            "contact_directory",
            "contacts_link",
            "ok",
        ]
        contacts_token = replies[2]["token"]
    else:
        # A token as if one had been given: the directory is refused by the rule, not by luck.
        expires_at = time.time() + 3600
        grant = Grant(Kind.CONTACTS, meeting.live.meeting.state.id, expires_at, me)
        contacts_token = meeting.services.signer.issue(grant)

    # Live: Ala opts in while the viewer is here.
    await ala.ask({"type": "share_contact", "email": A_MAIL, "note": "Ogrody społeczne"})
    [live] = await marker(moderator, viewer)
    assert carries(live, A_MAIL) is opted_in
    assert not carries(live, "Ogrody") or opted_in

    # Catch-up: Bo opts in, Cy opts in and withdraws, while the viewer is away.
    last_seq = live[-1]["seq"]
    await viewer.disconnect()
    await bo.ask({"type": "share_contact", "email": B_MAIL})
    await cy.ask({"type": "share_contact", "email": C_MAIL})
    await cy.ask({"type": "withdraw_contact"})
    back = await meeting.connect()
    again = await back.resume(welcome["resume"], last_seq)
    assert again["snapshot"] is None
    missed = await back.until("participant_reconnected")
    assert carries(missed, B_MAIL) is opted_in
    assert not carries(missed, C_MAIL)
    if opted_in:
        link = await back.expect("contacts_link")
        assert link["link"].endswith(f"/contacts.html#{link['token']}")
    [after] = await marker(moderator, back)
    assert not carries(after, A_MAIL) and not carries(after, C_MAIL)

    # Welcome: a reloaded page gets a snapshot.
    await back.disconnect()
    reloaded = await meeting.connect()
    snapshot = (await reloaded.resume(welcome["resume"], None))["snapshot"]
    shown = {card["email"] for card in snapshot["contacts"].values()}
    assert shown == ({A_MAIL, B_MAIL, ""} if opted_in else set())

    # HTTP: the directory from the personal link.
    status, body = await directory(meeting, contacts_token)
    if opted_in:
        assert status == 200
        assert mails(body) == {A_MAIL, B_MAIL, ""}
        assert body["you"] == me
    else:
        assert (status, body["error"]) == (403, "not_opted_in")
        assert not mails(body)

    # Ala withdraws: the opted in are told, and her details are nowhere any more.
    await ala.ask({"type": "withdraw_contact"})
    [told] = await marker(moderator, reloaded)
    withdrawn = [m for m in told if m["type"] == "contact_withdrawn"]
    assert len(withdrawn) == (1 if opted_in else 0)
    assert not carries(told, A_MAIL)
    status, body = await directory(meeting, contacts_token)
    assert A_MAIL not in mails(body)
    assert A_MAIL not in repr(meeting.live.meeting.state)
    late = await meeting.connect()
    snapshot = (await late.resume(welcome["resume"], None))["snapshot"]
    assert not carries([snapshot], A_MAIL)

    # And once the viewer withdraws, their own link opens nothing.
    if opted_in:
        await late.ask({"type": "withdraw_contact"})
        status, body = await directory(meeting, contacts_token)
        assert (status, body["error"]) == (403, "not_opted_in")


async def test_a_bad_or_foreign_token_gets_401(meeting: ServedMeeting) -> None:
    sharer, welcome = await meeting.join("Ala")
    replies = await sharer.ask({"type": "share_contact", "email": A_MAIL})
    token = replies[-2]["token"]
    assert (await directory(meeting, token))[0] == 200
    signer, state_id = meeting.services.signer, meeting.live.meeting.state.id
    for bad in (
        "",
        token[:-2] + "xx",
        # A resume token names the same person, but opens the meeting, not the directory.
        welcome["resume"],
        meeting.invite_token,
        signer.issue(Grant(Kind.CONTACTS, state_id, time.time() - 1, welcome["you"])),
    ):
        status, body = await directory(meeting, bad)
        assert (status, body["error"]) == (401, "bad_token"), bad
    async with api(meeting.app) as http:
        other_meeting = await http.get(
            "/api/meetings/another/contacts", headers={"Authorization": f"Bearer {token}"}
        )
    assert other_meeting.status_code == 401


async def test_the_link_lasts_as_long_as_the_meetings_data(meeting: ServedMeeting) -> None:
    sharer, _ = await meeting.join("Ala")
    before = time.time()
    replies = await sharer.ask({"type": "share_contact", "email": A_MAIL})
    link = replies[-2]
    retention_s = meeting.services.settings.retention_s
    assert before + retention_s <= link["expires_at"] <= time.time() + retention_s
    # Sharing again (a change) gives a fresh link; so does each resume (tested above).
    replies = await sharer.ask({"type": "share_contact", "email": B_MAIL})
    assert replies[-2]["type"] == "contacts_link"


async def test_a_bad_detail_is_refused_naming_the_field(meeting: ServedMeeting) -> None:
    sharer, _ = await meeting.join("Ala")
    replies = await sharer.ask({"type": "share_contact", "website": "javascript:alert(1)"})
    assert [(m["type"], m["code"]) for m in replies] == [("error", "invalid")]
    assert replies[0]["message"].startswith("website:")
    assert meeting.live.meeting.state.contacts == {}


async def test_one_who_left_withdraws_from_their_link(meeting: ServedMeeting) -> None:
    ala, _ = await meeting.join("Ala")
    bo, _ = await meeting.join("Bo")
    await ala.ask({"type": "share_contact", "email": A_MAIL})
    replies = await bo.ask({"type": "share_contact", "email": B_MAIL})
    token = replies[-2]["token"]
    await bo.disconnect()
    assert (await ala.until("participant_disconnected"))[-1]["type"] == "participant_disconnected"

    async with api(meeting.app) as http:
        headers = {"Authorization": f"Bearer {token}"}
        withdrawn = await http.delete(f"/api/meetings/{meeting.id}/contacts", headers=headers)
        again = await http.delete(f"/api/meetings/{meeting.id}/contacts", headers=headers)
        forged = await http.delete(
            f"/api/meetings/{meeting.id}/contacts", headers={"Authorization": "Bearer x.y"}
        )

    assert (withdrawn.status_code, withdrawn.content) == (204, b"")
    told = await ala.until("contact_withdrawn")
    assert not carries(told, B_MAIL)
    assert B_MAIL not in repr(meeting.live.meeting.state)
    assert (again.status_code, again.json()["error"]) == (403, "not_opted_in")
    assert forged.status_code == 401
    status, body = await directory(meeting, token)
    assert (status, body["error"]) == (403, "not_opted_in")
