"""The record's exports (`server/record/`): JSON, the attendance CSV and the printable minutes,
on the whole recorded meeting, with what a person or a spreadsheet would check."""

import csv
import dataclasses
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import rooms.record
from rooms.ids import MeetingId, ParticipantId, RoomId
from rooms.model import MeetingState, RoomNotes
from rooms.plain import from_plain, to_plain
from rooms.record import MeetingRecord, meeting_record
from server.record.attendance_csv import as_text, attendance_csv
from server.record.minutes import minutes_html
from server.record.notes_html import notes_html
from server.record.record_json import FORMAT, record_json
from server.record.wording import Language
from tests.client.sessions import whole_meeting_session

WARSAW = ZoneInfo("Europe/Warsaw")
NOTES = "# Wnioski <script>alert('x')</script>\n- więcej drzew & ławek\n1. najpierw park\nKoniec."


@pytest.fixture(scope="module")
def record() -> MeetingRecord:
    session = whole_meeting_session()
    state = from_plain(MeetingState, to_plain(session.meeting.state))
    state.notes[RoomId("room-1")] = RoomNotes(
        RoomId("room-1"), "Zieleń", NOTES, rapporteur=ParticipantId("ala")
    )
    return meeting_record(state, session.now, include_chat=False)


def test_json_holds_the_whole_record(record: MeetingRecord) -> None:
    document = json.loads(record_json(record, "Europe/Warsaw"))
    assert (document["format"], document["version"]) == (FORMAT, 1)
    assert {k: v for k, v in document.items() if k not in ("format", "version", "time_zone")} == (
        json.loads(json.dumps(to_plain(record)))
    )


def test_the_csv_opens_in_a_spreadsheet_with_polish_letters_and_no_formula(
    record: MeetingRecord,
) -> None:
    data = attendance_csv(record, "pl", WARSAW)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Imię i nazwisko"
    assert len(rows) == 1 + len(record.attendance)  # one row per person
    names = [row[0] for row in rows[1:]]
    assert "Zofia Król" in names and "Ala Zięba" in names
    assert "'=cmd|' /C calc'!A0" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    piotr = next(row for row in rows if row[0] == "Piotr Wójcik")
    assert (piotr[8], piotr[9], piotr[10]) == ("1", "1", "1")  # joins, leaves, returns


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_each_formula_start_is_made_text(cell: str) -> None:
    assert as_text(cell) == "'" + cell
    assert as_text("Łabędy") == "Łabędy"


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize(
    ("language", "heading", "owed"),
    [
        ("pl", "Porządek obrad", "Odpowiedzi do udzielenia na piśmie"),
        ("en", "Agenda", "Answers owed in writing"),
    ],
)
def test_the_minutes_in_each_language(
    record: MeetingRecord, language: Language, heading: str, owed: str
) -> None:
    page = Page()
    page.feed(minutes_html(record, language, WARSAW).decode("utf-8"))
    text = "".join(page.text)
    assert "script" not in page.tags
    assert heading in text and owed in text
    assert "Kto zapłaci za park?" in text  # the answer owed
    # The notes' structure is HTML; their text is text, the <script> in it too.
    assert {"h4", "ul", "ol", "li"} <= set(page.tags)
    assert "Wnioski <script>alert('x')</script>" in text
    assert "więcej drzew & ławek" in text
    assert "Mokotów" in text and "Klub Sportowy" in text
    assert "Zostało 10 minut." in text


def test_docs_record_md_names_every_field_of_the_json() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "record.md").read_text("utf-8")
    in_code = {word for span in re.findall(r"`([^`]+)`", doc) for word in re.findall(r"\w+", span)}
    kinds = [c for c in vars(rooms.record).values() if dataclasses.is_dataclass(c)]
    missing = [
        f"{kind.__name__}.{f.name}"
        for kind in kinds
        if isinstance(kind, type) and kind.__module__ == "rooms.record"
        for f in dataclasses.fields(kind)
        if f.name not in in_code
    ]
    assert missing == []
    assert FORMAT in doc


def test_a_meeting_nobody_joined_yet_exports_too() -> None:
    empty = meeting_record(MeetingState(MeetingId("m"), "Forum"), 1_800_000_000.0, True)
    assert empty.attendance == () and empty.start is None
    assert json.loads(record_json(empty, "UTC"))["attendance"] == []
    assert attendance_csv(empty, "en", WARSAW).decode("utf-8-sig").count("\r\n") == 1
    assert b"<h1>Forum</h1>" in minutes_html(empty, "en", WARSAW)


def test_the_minutes_read_the_notes_as_the_page_does() -> None:
    # static/notes_text.js: headings `#` to `###` (a fourth `#` is text), a tab after the mark.
    html = notes_html("# Top\n## Sub\n#### Deep\n-\titem\n1)\tfirst\n<b>bold</b>")
    assert html == (
        "<h4>Top</h4>\n<h5>Sub</h5>\n<p>#### Deep</p>\n<ul>\n<li>item</li>\n</ul>\n<ol>\n"
        "<li>first</li>\n</ol>\n<p>&lt;b&gt;bold&lt;/b&gt;</p>"
    )
