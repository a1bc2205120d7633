"""What the forum leaves behind, as its people make it in the browser: a moderator and four
leaders from four districts (one of them named like a spreadsheet formula). A question asked in
the plenary is owed an answer in writing. Two workshop rooms write their notes (one rapporteur
volunteers, one is appointed; one room's notes hold HTML), the rooms close and report back in
turn in the plenary, each rapporteur with the floor and the room's notes before everyone. The
moderator ends the meeting and, from the ended screen, downloads the record as JSON, the
attendance as CSV and the Polish minutes, each read for what it holds. axe-core checks the
report-back and the ended screen."""

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Download, Locator, Page, expect

from .conftest import Serve
from .person import TIMEOUT_MS, Person, create_meeting
from .test_questions import ask, question
from .test_rooms_chat_and_clock import open_rooms

TITLE = "Forum Liderów Gliwic"
FORMULA = "=cmd|' /C calc'!A0"
# name, district, organisation, room (None: the moderator), the page's language
PEOPLE = [
    ("Anna Nowak", "Śródmieście", "Urząd Miasta", None, "en-GB"),
    ("Karol Wójcik", "Łabędy", "Rada Osiedla Łabędy", "Zieleń", "en-GB"),
    ("Zofia Żak", "Sośnica", "Stowarzyszenie Sośnica", "Zieleń", "pl-PL"),
    (FORMULA, "Wójtowa Wieś", "", "Komunikacja", "en-GB"),
    ("Grzegorz Bąk", "Śródmieście", "Fundacja Rowerowa", "Komunikacja", "pl-PL"),
]
ROOMS = ["Zieleń", "Komunikacja"]
GREEN_NOTES = "# Zieleń i parki\n- więcej drzew przy szkole\n- ławki w parku <b>Łabędy</b>"
GREEN_ITEMS = ["więcej drzew przy szkole", "ławki w parku <b>Łabędy</b>"]
TRANSPORT_NOTES = "# Komunikacja\n- przystanek przy szkole\n- ścieżka rowerowa do Sośnicy"
TRANSPORT_ITEMS = ["przystanek przy szkole", "ścieżka rowerowa do Sośnicy"]
OWED = "Kto zapłaci za nowy park w Łabędach?"
UTF8_BOM = b"\xef\xbb\xbf"


def test_two_rooms_report_back_the_meeting_ends_and_its_record_downloads(
    serve: Serve, browser: Browser
) -> None:
    server = serve(PLENUM_MEDIA="off")
    created = create_meeting(server, TITLE)
    people = {
        name: Person.open(
            browser, created["moderator_link" if room is None else "invite_link"], locale
        ).join(name, district, organisation=organisation)
        for name, district, organisation, room, locale in PEOPLE
    }
    moderator, karol, zofia, formula, grzegorz = people.values()
    participants = [karol, zofia, formula, grzegorz]
    page = moderator.page

    # Zofia asks in the plenary; the moderator says it will be answered in writing.
    ask(zofia, OWED)
    questions = moderator.panel("questions")
    expect(question(moderator, OWED)).to_be_visible()
    questions.get_by_role("button", name=moderator.say("questions.mark_owed_named", n="1")).click()
    expect(zofia.page.locator("#announce")).to_have_text(
        zofia.say("announce.question_owed_yours", text=OWED)
    )

    # Two rooms, everyone in one of them.
    moderator.console()
    open_rooms(moderator, {name: room for name, _, _, room, _ in PEOPLE if room}, 30)
    for person, room in ((karol, "Zieleń"), (formula, "Komunikacja")):
        expect(person.page.locator("#where")).to_have_text(f"Workshop: {room}")

    # Karol volunteers in Zieleń; the moderator appoints Grzegorz in Komunikacja.
    karol.panel("notes").get_by_role("button", name=karol.say("notes.volunteer")).click()
    console = page.locator("#notes-console li", has_text="Komunikacja")
    say = moderator.say
    console.get_by_label(say("notes.appoint_label", room="Komunikacja"), exact=True).select_option(
        label="Grzegorz Bąk"
    )
    console.get_by_role("button", name=say("notes.appoint_in", room="Komunikacja")).click()
    for room, rapporteur, members in (
        ("Zieleń", karol, (karol, zofia)),
        ("Komunikacja", grzegorz, (formula, grzegorz)),
    ):
        for person in members:
            expect(person.page.locator("#room-notes-rapporteur")).to_have_text(
                f"{person.say('notes.rapporteur')} {rapporteur.name}"
            )
        in_console = page.locator("#notes-console li", has_text=room)
        expect(in_console.locator(".notes-rapporteur")).to_have_text(
            f"{moderator.say('notes.rapporteur')} {rapporteur.name}"
        )

    # Each rapporteur writes a heading and a list; their room sees it live, as such.
    for rapporteur, text, member, heading, items in (
        (karol, GREEN_NOTES, zofia, "Zieleń i parki", GREEN_ITEMS),
        (grzegorz, TRANSPORT_NOTES, formula, "Komunikacja", TRANSPORT_ITEMS),
    ):
        rapporteur.panel("notes").get_by_label(rapporteur.say("notes.edit")).fill(text)
        expect(rapporteur.page.locator("#notes-status")).to_have_text(rapporteur.say("notes.saved"))
        shown = member.panel("notes").locator("#room-notes-text")
        expect(shown.get_by_role("heading", name=heading)).to_be_visible()
        expect(shown.get_by_role("listitem")).to_have_text(items)
    # The HTML in Zieleń's notes is text on Zofia's page, not markup.
    expect(zofia.page.locator("#room-notes-text b")).to_have_count(0)

    # The rooms close; everyone is back in the plenary.
    page.get_by_role("button", name="Recall everyone to the plenary").click()
    for person in participants:
        expect(person.page.locator("#where")).to_have_text(person.say("rooms.plenary"))

    # The report-back: both rooms wrote notes, so both are ticked; Zieleń first.
    candidates = page.locator("#report-candidates input")
    expect(candidates).to_have_count(2)
    for box in candidates.all():
        expect(box).to_be_checked()
    page.get_by_role("button", name=moderator.say("report.start")).click()
    moderator.console(False)  # the moderator follows the report-back on the stage
    for room, rapporteur, heading, items, next_room in (
        ("Zieleń", karol, "Zieleń i parki", GREEN_ITEMS, "Komunikacja"),
        ("Komunikacja", grzegorz, "Komunikacja", TRANSPORT_ITEMS, None),
    ):
        expect(rapporteur.page.locator("#alert")).to_have_text(  # urgent: theirs
            rapporteur.say("announce.report_yours", room=room)
        )
        expect(rapporteur.page.locator("#floor-banner")).to_be_visible()
        for person in [moderator, *participants]:
            sees_the_report(person, room, rapporteur.name, heading, items)
        if next_room:
            page.get_by_role("button", name=moderator.say("report.next", room=next_room)).click()
            expect(rapporteur.page.locator("#floor-banner")).to_be_hidden()
    done, now = zofia.say("report.status_done"), zofia.say("report.status_current")
    expect(zofia.page.locator("#report-rooms > li")).to_have_text(
        [f"Zieleń · {done}", f"Komunikacja · {now}"]
    )
    zofia.screenshot("outcomes-report-back-pl")
    for person in (moderator, zofia, grzegorz):
        assert person.axe(f"outcomes-report-back, {person.name}") == [], person.name
    page.get_by_role("button", name=moderator.say("report.end")).click()
    for person in people.values():
        expect(person.page.locator("#report-back")).to_be_hidden()

    # The moderator ends the meeting through the dialog; everyone sees the ended screen.
    moderator.console()
    page.get_by_role("button", name=moderator.say("ending.end")).click()
    dialog = page.get_by_role("dialog", name=moderator.say("ending.confirm_title"))
    dialog.get_by_role("button", name=moderator.say("ending.confirm")).click()
    for person in people.values():
        ended = person.page.locator("#ended-view")
        expect(ended).to_be_visible()
        expect(ended.get_by_role("heading", level=2)).to_have_text(person.say("ending.ended_title"))
        expect(person.page.locator("#meeting-view")).to_be_hidden()
    expect(zofia.page.locator("#ended-view #record")).to_have_count(0)
    for person in (moderator, zofia):
        assert person.axe(f"outcomes-ended, {person.name}") == [], person.name
    moderator.screenshot("outcomes-ended-moderator")

    # The record, from the ended screen's buttons.
    record = page.locator("#ended-view #record")
    everything = json.loads(downloaded(moderator, record, "record.json", "record.json"))
    check_the_json(everything)
    check_the_csv(downloaded(moderator, record, "record.csv", "attendance.csv"))
    check_the_minutes(opened_minutes(moderator, record))
    for person in people.values():
        assert person.errors == [], person.name


def sees_the_report(
    person: Person, room: str, rapporteur: str, heading: str, items: list[str]
) -> None:
    """`person`'s page shows `room` reporting now, its rapporteur's floor and its notes."""
    say, shown = person.say, person.page.locator("#report-back")
    expect(shown.locator("#report-now")).to_have_text(say("report.now", room=room))
    expect(shown.locator("#report-rapporteur-who")).to_have_text(rapporteur)
    # The floor is the rapporteur's, timed by the speakers' list's limit.
    expect(shown.locator("#report-clock")).to_contain_text(rapporteur)
    expect(shown.locator("#report-notes-heading")).to_have_text(say("report.notes_of", room=room))
    notes = shown.locator("#report-notes-text")
    expect(notes.get_by_role("heading", name=heading)).to_be_visible()
    expect(notes.get_by_role("listitem")).to_have_text(items)
    expect(notes.locator("b")).to_have_count(0)  # Zieleń's HTML is text


def downloaded(moderator: Person, record: Locator, button: str, ending: str) -> bytes:
    """The bytes of the file the record's `button` saves, named after the meeting."""
    with moderator.page.expect_download(timeout=TIMEOUT_MS) as started:
        record.get_by_role("button", name=moderator.say(button)).click()
    download: Download = started.value
    assert download.suggested_filename == f"forum-liderow-gliwic-{ending}"
    assert download.failure() is None
    expect(moderator.page.locator("#record-status")).to_have_text(
        moderator.say("record.done", file=download.suggested_filename)
    )
    return Path(download.path()).read_bytes()


def opened_minutes(moderator: Person, record: Locator) -> Page:
    """The Polish minutes, opened by their button in a new tab (from a blob)."""
    with moderator.page.context.expect_page(timeout=TIMEOUT_MS) as opened:
        record.get_by_role("button", name=moderator.say("record.minutes_pl")).click()
    minutes = opened.value
    minutes.wait_for_url(re.compile(r"^blob:"), timeout=TIMEOUT_MS)
    minutes.wait_for_load_state(timeout=TIMEOUT_MS)
    expect(moderator.page.locator("#record-status")).to_have_text(moderator.say("record.opened"))
    expect(minutes.locator("html")).to_have_attribute("lang", "pl")
    # Its own stylesheet applies (the opener's policy, which a blob keeps, allows it by hash).
    expect(minutes.locator("table").first).to_have_css("border-collapse", "collapse")
    return minutes


def check_the_json(record: dict[str, Any]) -> None:
    assert record["format"] == "plenum-meeting-record"
    assert record["title"] == TITLE and record["ended"] is True
    workshops = {w["name"]: w for w in record["workshops"]}
    assert sorted(workshops) == sorted(ROOMS)
    assert workshops["Zieleń"]["notes"] == GREEN_NOTES
    assert workshops["Zieleń"]["rapporteur"] == "Karol Wójcik"
    assert workshops["Komunikacja"]["notes"] == TRANSPORT_NOTES
    assert workshops["Komunikacja"]["rapporteur"] == "Grzegorz Bąk"
    for name, _, _, room, _ in PEOPLE:
        if room:
            assert name in workshops[room]["members"], (room, name)
    attendance = {row["name"]: row for row in record["attendance"]}
    assert len(record["attendance"]) == len(PEOPLE)
    for name, district, organisation, room, _ in PEOPLE:
        row = attendance[name]
        assert (row["district"], row["organisation"]) == (district, organisation), name
        assert row["role"] == ("moderator" if room is None else "participant"), name
        assert row["joins"] == 1 and row["minutes_present"] > 0, name
        if room:
            assert room in [stay["room_name"] for stay in row["rooms"]], name
    districts = {d["key"]: d["people"] for d in record["by_district"]}
    assert districts == {"Śródmieście": 2, "Łabędy": 1, "Sośnica": 1, "Wójtowa Wieś": 1}
    owed = [q for q in record["questions"] if q["status"] == "owed"]
    assert [(q["text"], q["author"], q["room"]) for q in owed] == [(OWED, "Zofia Żak", "plenary")]
    assert record["chat"] is None  # not asked for


def check_the_csv(data: bytes) -> None:
    assert data.startswith(UTF8_BOM), data[:8]
    text = data.decode("utf-8")  # a spreadsheet told UTF-8 (by the BOM) reads it so
    assert "Łabędy" in text and "Śródmieście" in text and "Wójtowa Wieś" in text
    header, *rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == len(PEOPLE)  # one row per person
    by_name = {row[0]: row for row in rows}
    assert sorted(by_name) == sorted("'" + name if name == FORMULA else name for name, *_ in PEOPLE)
    # The formula name is text for a spreadsheet: a leading apostrophe, the rest intact.
    formula_row = by_name["'" + FORMULA]
    assert formula_row[2] == "Wójtowa Wieś"
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    assert by_name["Karol Wójcik"][1:3] == ["Rada Osiedla Łabędy", "Łabędy"]
    assert header[:3] == ["Imię i nazwisko", "Organizacja", "Dzielnica"]  # Polish by default
    assert text.endswith("\r\n")


def check_the_minutes(minutes: Page) -> None:
    body = minutes.locator("body")
    expect(minutes.get_by_role("heading", level=1)).to_contain_text(TITLE)
    for heading in ("Obecność", "Warsztaty", "Pytania do panelu"):
        expect(minutes.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    # Attendance by district, in Polish.
    expect(minutes.get_by_role("heading", name="Według dzielnic", exact=True)).to_be_visible()
    by_district = minutes.locator("table", has=minutes.get_by_text("Dzielnica", exact=True))
    expect(by_district.locator("tbody tr").first).to_contain_text("Śródmieście")
    for district in ("Łabędy", "Sośnica", "Wójtowa Wieś"):
        expect(by_district.locator("tbody tr", has_text=district)).to_have_count(1)
    expect(body).to_contain_text("Osób: 5")
    expect(minutes.locator("p", has_text="Śródmieście:")).to_have_text(
        "Śródmieście: Anna Nowak (Urząd Miasta), Grzegorz Bąk (Fundacja Rowerowa)"
    )
    # Each workshop with its rapporteur and notes; the HTML in Zieleń's is shown as text.
    green = minutes.locator("section.workshop", has_text="Zieleń i parki")
    expect(green.get_by_role("heading", name="Zieleń", exact=True)).to_be_visible()
    expect(green).to_contain_text("Sprawozdawca: Karol Wójcik")
    expect(green.get_by_role("listitem")).to_have_text(GREEN_ITEMS)
    expect(minutes.locator("b")).to_have_count(0)
    transport = minutes.locator("section.workshop", has_text="Komunikacja")
    expect(transport).to_contain_text("Sprawozdawca: Grzegorz Bąk")
    expect(transport.get_by_role("listitem")).to_have_text(TRANSPORT_ITEMS)
    # The answer owed, under its heading.
    owed = minutes.locator('h3:text-is("Odpowiedzi do udzielenia na piśmie") + ul > li')
    expect(owed).to_have_count(1)
    expect(owed).to_contain_text(OWED)
    expect(owed).to_contain_text("Zofia Żak")
    expect(body).to_contain_text(FORMULA)  # a name, as typed, as text
