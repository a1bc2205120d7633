"""The attendance as CSV, one row per person, for a spreadsheet: UTF-8 with a byte order mark
(so Excel reads Polish letters as such), `\r\n` line ends, and no cell a spreadsheet would run
as a formula."""

import csv
import io
from datetime import tzinfo

from rooms.ids import PLENARY
from rooms.record import Attendance, MeetingRecord
from server.record.moments import local_moment, span
from server.record.wording import Language, words

BOM = "\ufeff"
# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and
# Google Sheets; OWASP's advice is to make it text with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def attendance_csv(record: MeetingRecord, language: Language, zone: tzinfo) -> bytes:
    w = words(language)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = (
        "name organisation district group role roles first_arrival last_departure joins leaves"
        " returns minutes_present removed rooms presence"
    )
    writer.writerow([w[key] for key in header.split()])
    for row in record.attendance:
        writer.writerow([as_text(cell) for cell in _cells(row, w, zone)])
    return (BOM + out.getvalue()).encode("utf-8")


def _cells(row: Attendance, w: dict[str, str], zone: tzinfo) -> list[str]:
    rooms: list[str] = []
    for stay in row.rooms:
        name = w["plenary"] if stay.room == PLENARY else stay.room_name
        if name not in rooms:
            rooms.append(name)
    presence = [
        span(p.since, p.until if p.departure is not None else None, zone)
        + (f" ({w['departure.' + p.departure]})" if p.departure is not None else "")
        for p in row.presence
    ]
    return [
        row.name,
        row.organisation,
        row.district,
        row.group,
        w[f"role.{row.role}"],
        ", ".join(w[f"role.{r}"] for r in row.roles),
        local_moment(row.first_arrival, zone),
        "" if row.last_departure is None else local_moment(row.last_departure, zone),
        str(row.joins),
        str(row.leaves),
        str(row.returns),
        f"{row.minutes_present:.1f}",
        w["yes"] if row.removed else w["no"],
        "; ".join(rooms),
        "; ".join(presence),
    ]
