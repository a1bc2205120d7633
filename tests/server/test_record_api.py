"""The record's downloads over HTTP: moderators only, in each format, with bad input kept text."""

import csv
import io
import time

import pytest

from rooms import MeetingId
from server.tokens import Grant, Kind, Signer

from .conftest import ADMIN_TOKEN, SECRET, ServedMeeting, api
from .forged import bad_tokens
from .test_invitees import imported, token_of

EXPORTS = {
    "record.json": "application/json",
    "attendance.csv": "text/csv; charset=utf-8",
    "minutes.html": "text/html; charset=utf-8",
}
FORMULA = "=cmd|' /C calc'!A0"
SCRIPT = "<script>alert(1)</script>"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def status_of(meeting: ServedMeeting, path: str, token: str | None) -> int:
    headers = bearer(token) if token is not None else {}
    async with api(meeting.app) as http:
        response = await http.get(f"/api/meetings/{meeting.id}/{path}", headers=headers)
    return response.status_code


@pytest.mark.parametrize("export", sorted(EXPORTS))
async def test_a_participant_s_tokens_get_403_and_a_moderator_s_200(
    meeting: ServedMeeting, export: str
) -> None:
    moderator, moderator_welcome = await meeting.join("Maria Nowak", moderator=True)
    _, participant_welcome = await meeting.join("Jan Kowalski", district="Wola")
    assert await status_of(meeting, export, meeting.invite_token) == 403
    assert await status_of(meeting, export, participant_welcome["resume"]) == 403
    assert await status_of(meeting, export, meeting.moderator_token) == 200
    assert await status_of(meeting, export, moderator_welcome["resume"]) == 200
    # Demoted: a moderator's resume token no longer opens the record.
    replies = await moderator.ask(
        {"type": "set_role", "participant": participant_welcome["you"], "role": "moderator"}
    )
    assert replies[-1]["type"] == "ok"
    assert await status_of(meeting, export, participant_welcome["resume"]) == 200
    await moderator.ask(
        {"type": "set_role", "participant": participant_welcome["you"], "role": "participant"}
    )
    assert await status_of(meeting, export, participant_welcome["resume"]) == 403


async def test_no_token_or_a_bad_one_gets_401(meeting: ServedMeeting) -> None:
    assert await status_of(meeting, "record.json", None) == 401
    for name, token in bad_tokens(meeting).items():
        expected = 403 if name == "resume token" else 401  # a resume token naming nobody here
        assert await status_of(meeting, "record.json", token) == expected, name


async def test_an_unknown_meeting_gets_404_and_bad_options_400(meeting: ServedMeeting) -> None:
    gone = Signer(SECRET).issue(Grant(Kind.MODERATOR, MeetingId("gone"), time.time() + 60))
    async with api(meeting.app) as http:
        unknown = await http.get("/api/meetings/gone/record.json", headers=bearer(gone))
        elsewhere = await http.get(
            "/api/meetings/gone/record.json", headers=bearer(meeting.moderator_token)
        )
    assert unknown.status_code == 404 and unknown.json()["error"] == "no_meeting"
    assert elsewhere.status_code == 401  # this meeting's token, another meeting's record
    for query in ("lang=de", "chat=private"):
        assert await status_of(meeting, f"minutes.html?{query}", meeting.moderator_token) == 400


async def test_the_downloads_hold_the_meeting_and_keep_bad_input_as_text(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Maria Nowak", moderator=True, district="Śródmieście")
    formula, _ = await meeting.join(FORMULA, district="Łabędy", organisation="Rada Seniorów")
    scripted, to_scripted = await meeting.join(SCRIPT, district=SCRIPT)
    asked = await scripted.ask({"type": "ask_question", "text": f"Pytanie {SCRIPT}"})
    assert asked[-1]["type"] == "ok"
    assert (await formula.ask({"type": "send_chat", "text": "Dzień dobry"}))[-1]["type"] == "ok"
    private = {"type": "send_chat", "text": "mój numer 600 100 200", "to": to_scripted["you"]}
    assert (await formula.ask(private))[-1]["type"] == "ok"
    downloads = {}
    async with api(meeting.app) as http:
        for export in EXPORTS:
            response = await http.get(
                f"/api/meetings/{meeting.id}/{export}?chat=public",
                headers=bearer(meeting.moderator_token),
            )
            assert response.status_code == 200
            assert response.headers["content-type"] == EXPORTS[export]
            assert response.headers["content-disposition"] == (
                f'attachment; filename="{meeting.id}-{export}"'
            )
            downloads[export] = response
    record = downloads["record.json"].json()
    assert [row["name"] for row in record["attendance"]] == ["Maria Nowak", FORMULA, SCRIPT]
    assert [line["text"] for line in record["chat"]] == ["Dzień dobry"]
    assert "600 100 200" not in downloads["record.json"].text
    text = downloads["attendance.csv"].content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[2][:3] == ["'" + FORMULA, "Rada Seniorów", "Łabędy"]
    minutes = downloads["minutes.html"]
    assert "<script" not in minutes.text
    # In the attendance by district and in the question, as its author and its text.
    assert minutes.text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3
    assert "600 100 200" not in minutes.text
    csp = minutes.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    await moderator.disconnect()


async def test_a_dropped_connection_resumed_is_one_person_with_a_return(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Maria Nowak", moderator=True)
    ala, welcome = await meeting.join("Ala Zięba", district="Mokotów")
    await ala.disconnect()
    await moderator.until("participant_disconnected")
    back = await meeting.connect()
    await back.resume(welcome["resume"], None)
    await moderator.until("participant_reconnected")
    async with api(meeting.app) as http:
        response = await http.get(
            f"/api/meetings/{meeting.id}/record.json", headers=bearer(meeting.moderator_token)
        )
    (row,) = [r for r in response.json()["attendance"] if r["name"] == "Ala Zięba"]
    assert (row["joins"], row["leaves"], row["returns"]) == (1, 1, 1)
    first, second = row["presence"]
    assert (first["departure"], second["arrival"], second["departure"]) == (
        "disconnected",
        "returned",
        None,
    )
    assert row["last_departure"] is None


async def test_the_minutes_are_in_the_meetings_language_unless_another_is_asked(
    meeting: ServedMeeting,
) -> None:
    await meeting.join("Maria Nowak", moderator=True)
    minutes = f"/api/meetings/{meeting.id}/minutes.html"
    moderator = bearer(meeting.moderator_token)
    admin = bearer(ADMIN_TOKEN)
    async with api(meeting.app) as http:
        polish = await http.get(minutes, headers=moderator)
        edited = await http.patch(
            f"/api/meetings/{meeting.id}", json={"language": "en"}, headers=admin
        )
        english = await http.get(minutes, headers=moderator)
        asked = await http.get(f"{minutes}?lang=pl", headers=moderator)
    assert edited.status_code == 200 and edited.json()["language"] == "en"
    assert "Porządek obrad" in polish.text
    assert "Agenda" in english.text and "Porządek obrad" not in english.text
    assert "Porządek obrad" in asked.text


async def test_an_invitee_s_personal_link_opens_the_record_as_their_role_does(
    meeting: ServedMeeting,
) -> None:
    # The join page of a meeting that ended offers a moderator the record with their link.
    status, answer = await imported(
        meeting,
        (
            "name,district,role\r\n"
            "Anna Nowak,Łabędy,moderator\r\n"
            "Jan Kowalski,Wola,participant\r\n"
        ).encode(),
    )
    assert status == 201, answer
    anna, jan = (token_of(invitee) for invitee in answer["invitees"])
    assert await status_of(meeting, "record.json", anna) == 200
    assert await status_of(meeting, "record.json", jan) == 403
