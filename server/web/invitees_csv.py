"""The organiser's list of invitees as CSV, both ways: read from what a spreadsheet writes (a
header row; `,` or `;` between cells, as Polish spreadsheets write; UTF-8 with or without a byte
order mark, or Windows-1250), and written for a mail merge with each person's personal link
(UTF-8 with a byte order mark, no cell a spreadsheet would run as a formula).

A file is taken whole or not at all: every bad line is reported, by its line and column.
"""

import codecs
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from rooms import MeetingConfig, ParticipantId, Rejected, Role
from rooms.invitees import checked
from rooms.model import Invitee
from server.record.attendance_csv import BOM, as_text

# The columns, as the header names them (`email` too); only `name` is needed.
COLUMNS = ("name", "organisation", "district", "group", "e-mail", "role")
_SPELLINGS = {**{c: c for c in COLUMNS}, "email": "e-mail"}
ROLES = (Role.PARTICIPANT, Role.PRESENTER, Role.MODERATOR)
# The lines reported of a bad file: enough to fix a column gone wrong, not a page of them.
MAX_REPORTED = 20


@dataclass(frozen=True)
class BadCsv(Exception):
    """What is wrong with the file, a sentence per line at fault."""

    problems: tuple[str, ...]


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte order mark), else Windows-1250, which
    Excel writes in Poland; a byte neither can read is refused rather than guessed."""
    if raw.startswith(BOM.encode()):
        raw = raw[len(BOM.encode()) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text": it would read as Windows-1250 letters, every other one a NUL.
        raise BadCsv(("the file is UTF-16: save it as CSV UTF-8, or CSV (comma delimited)",))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1250")
    except UnicodeDecodeError as error:
        raise BadCsv(
            (f"byte {error.start + 1}: neither UTF-8 nor Windows-1250; save the file as CSV UTF-8",)
        ) from error


def parse(
    raw: bytes,
    config: MeetingConfig,
    limits: tuple[int, int],
    new_id: Callable[[], ParticipantId],
) -> tuple[Invitee, ...]:
    """The invitees of a CSV file, each checked as a join would be, or `BadCsv`. `limits`: the
    invitees the meeting has, and the most it may have."""
    already, most = limits
    text = decode(raw)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise BadCsv(("the file is empty: a header row is needed",)) from None
    columns = [_SPELLINGS.get(cell.strip().casefold()) for cell in header]
    problems = [
        f"line 1: {cell.strip()!r}: not a column; the columns are {', '.join(COLUMNS)}"
        for cell, column in zip(header, columns, strict=True)
        if column is None
    ]
    problems += [
        f"line 1: {column}: a column twice"
        for column in COLUMNS
        if column in columns and columns.count(column) > 1
    ]
    if "name" not in columns:
        problems.append("line 1: name: a column is needed")
    if problems:
        raise BadCsv(tuple(problems))
    invitees: list[Invitee] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, as spreadsheets leave at the end
            if already + len(invitees) >= most:
                problems.append(f"line {line}: at most {most} invitees in a meeting")
                break
            invitee = _row(cells, columns, line, config, new_id, problems)
            if invitee is not None:
                invitees.append(invitee)
            if len(problems) >= MAX_REPORTED:
                break
    except csv.Error as error:
        problems.append(f"line {reader.line_num}: {error}")
    if problems:
        raise BadCsv(tuple(problems))
    return tuple(invitees)


def _row(
    cells: list[str],
    columns: list[str | None],
    line: int,
    config: MeetingConfig,
    new_id: Callable[[], ParticipantId],
    problems: list[str],
) -> Invitee | None:
    if len(cells) != len(columns):
        problems.append(f"line {line}: {len(cells)} cells, the header has {len(columns)}")
        return None
    values = {column: cell for column, cell in zip(columns, cells, strict=True) if column}
    role_text = values.get("role", "").strip().casefold() or Role.PARTICIPANT.value
    if role_text not in ROLES:
        problems.append(f"line {line}: role: one of {', '.join(ROLES)}")
        return None
    try:
        return checked(
            Invitee(
                id=new_id(),
                name=values["name"],
                role=Role(role_text),
                organisation=values.get("organisation", ""),
                district=values.get("district", ""),
                group=values.get("group", ""),
                email=values.get("e-mail", ""),
            ),
            config,
        )
    except Rejected as rejected:
        problems.append(f"line {line}: {rejected.detail}")
        return None


def export(rows: list[tuple[Invitee, str, str]]) -> bytes:
    """The invitees with their personal links (and the room planned for each, by name), for a
    mail merge."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*COLUMNS, "room", "link"])
    for invitee, room, link in rows:
        cells = [
            invitee.name,
            invitee.organisation,
            invitee.district,
            invitee.group,
            invitee.email,
            invitee.role.value,
            room,
            link,
        ]
        writer.writerow([as_text(cell) for cell in cells])
    return (BOM + out.getvalue()).encode("utf-8")
