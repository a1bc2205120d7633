"""Printable minutes: one HTML page that prints well to PDF, in Polish or English.

Everything that came from people (names, titles, notes, questions, broadcasts) is escaped; the
page has no script, and its one stylesheet is allowed by hash in `MINUTES_CSP`, the strict
Content-Security-Policy it is served with.
"""

import base64
import hashlib
from datetime import tzinfo
from html import escape

from rooms.ids import PLENARY
from rooms.model import PollKind, QuestionStatus
from rooms.record import MeetingRecord, PollRecord, QuestionRecord, Turnout
from server.record.moments import local_date, local_moment, local_time, span
from server.record.notes_html import notes_html
from server.record.wording import Language, words

STYLE = """
body { font: 11pt/1.45 system-ui, sans-serif; color: #000; background: #fff; margin: 2em; }
h1 { font-size: 18pt; margin: 0 0 .2em; }
h2 { font-size: 14pt; border-bottom: 1px solid #444; margin-top: 1.6em; }
h3 { font-size: 12pt; margin-bottom: .3em; }
h4 { font-size: 11pt; margin: .8em 0 .2em; }
table { border-collapse: collapse; margin: .4em 0; }
th, td { border: 1px solid #888; padding: .15em .5em; text-align: left; vertical-align: top; }
td.n { text-align: right; }
.meta { color: #333; }
section.workshop { break-inside: avoid-page; }
@media print {
  body { margin: 0; }
  h2 { break-after: avoid-page; }
  table, li { break-inside: avoid; }
}
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# Nothing runs, nothing loads: only the inline stylesheet above, by its hash.
STYLE_SOURCE = f"'sha256-{_STYLE_HASH}'"
MINUTES_CSP = "; ".join(
    (
        "default-src 'none'",
        f"style-src {STYLE_SOURCE}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


def minutes_html(record: MeetingRecord, language: Language, zone: tzinfo) -> bytes:
    w = words(language)
    e = escape
    start = record.start if record.start is not None else record.end
    when = (
        f"{w['date']}: {local_date(start, zone)}, {w['time']}: "
        f"{span(start, record.end, zone)} ({w['ended'] if record.ended else w['ongoing']} "
        f"{local_moment(record.end, zone)})"
    )
    parts = [
        "<!doctype html>",
        f'<html lang="{language}"><head><meta charset="utf-8">',
        f"<title>{e(w['minutes'])}: {e(record.title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{e(record.title)}</h1>",
        f'<p class="meta">{e(w["minutes"])}. {e(when)}</p>',
    ]
    parts += _agenda(record, w, zone)
    parts += _attendance(record, w)
    parts += _workshops(record, w)
    parts += _questions(record, w, zone)
    parts += _polls(record, w)
    parts += _broadcasts(record, w, zone)
    if record.chat is not None:
        parts += _chat(record, w, zone)
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")


def _agenda(record: MeetingRecord, w: dict[str, str], zone: tzinfo) -> list[str]:
    parts = [f"<h2>{escape(w['agenda'])}</h2>"]
    if not record.agenda:
        return [*parts, f"<p>{escape(w['none'])}</p>"]
    parts.append("<ol>")
    for item in record.agenda:
        times = ", ".join(span(r.since, r.until, zone) for r in item.runs)
        about = (
            f"{times + '; ' if times else ''}{w['planned']} {item.planned_minutes} {w['min']},"
            f" {w['used']} {item.used_minutes:.0f} {w['min']}; {w['status.' + item.status]}"
        )
        parts.append(f'<li>{escape(item.title)} <span class="meta">({escape(about)})</span></li>')
    return [*parts, "</ol>"]


def _attendance(record: MeetingRecord, w: dict[str, str]) -> list[str]:
    parts = [
        f"<h2>{escape(w['attendance'])}</h2>",
        f"<p>{escape(w['people'])}: {len(record.attendance)}</p>",
    ]
    for title, column, turnout in (
        ("by_district", "district", record.by_district),
        ("by_organisation", "organisation", record.by_organisation),
    ):
        parts.append(f"<h3>{escape(w[title])}</h3>")
        parts.append(_turnout_table(turnout, w[column], w))
    parts.append(f"<h3>{escape(w['present'])}</h3>")
    for each in record.by_district:
        people = [
            escape(row.name) + (f" ({escape(row.organisation)})" if row.organisation else "")
            for row in record.attendance
            if row.district.strip() == each.key
        ]
        district = escape(each.key or w["none_given"])
        parts.append(f"<p><strong>{district}:</strong> {', '.join(people)}</p>")
    return parts


def _turnout_table(turnout: tuple[Turnout, ...], column: str, w: dict[str, str]) -> str:
    rows = "".join(
        f'<tr><td>{escape(t.key or w["none_given"])}</td><td class="n">{t.people}</td>'
        f'<td class="n">{t.minutes_present:.0f}</td></tr>'
        for t in turnout
    )
    return (
        f"<table><thead><tr><th>{escape(column)}</th><th>{escape(w['people'])}</th>"
        f"<th>{escape(w['minutes_present'])}</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _workshops(record: MeetingRecord, w: dict[str, str]) -> list[str]:
    parts = [f"<h2>{escape(w['workshops'])}</h2>"]
    if not record.workshops:
        return [*parts, f"<p>{escape(w['none'])}</p>"]
    for workshop in record.workshops:
        parts.append(f'<section class="workshop"><h3>{escape(workshop.name)}</h3>')
        members = ", ".join(escape(m) for m in workshop.members) or escape(w["none"])
        parts.append(f"<p><strong>{escape(w['members'])}:</strong> {members}</p>")
        if workshop.rapporteur is not None:
            parts.append(
                f"<p><strong>{escape(w['rapporteur'])}:</strong> {escape(workshop.rapporteur)}</p>"
            )
        parts.append(f"<p><strong>{escape(w['notes'])}:</strong></p>")
        parts.append(notes_html(workshop.notes) or f"<p>{escape(w['no_notes'])}</p>")
        parts.append("</section>")
    return parts


def _questions(record: MeetingRecord, w: dict[str, str], zone: tzinfo) -> list[str]:
    parts = [f"<h2>{escape(w['questions'])}</h2>"]
    groups = (
        ("answered", [q for q in record.questions if q.status is QuestionStatus.ANSWERED]),
        ("owed", [q for q in record.questions if q.status is QuestionStatus.OWED]),
        (
            "other_questions",
            [
                q
                for q in record.questions
                if q.status not in (QuestionStatus.ANSWERED, QuestionStatus.OWED)
            ],
        ),
    )
    for title, questions in groups:
        parts.append(f"<h3>{escape(w[title])}</h3>")
        if not questions:
            parts.append(f"<p>{escape(w['none'])}</p>")
            continue
        parts.append("<ul>")
        parts += [_question(q, w, zone, title == "other_questions") for q in questions]
        parts.append("</ul>")
    return parts


def _question(q: QuestionRecord, w: dict[str, str], zone: tzinfo, with_status: bool) -> str:
    author = q.author if q.author is not None else w["anonymous"]
    room = w["plenary"] if q.room == PLENARY else q.room_name
    status = f"; {w['question.' + q.status]}" if with_status else ""
    return (
        f'<li>{escape(q.text)} <span class="meta">({escape(author)}, {escape(room)},'
        f" {local_time(q.at, zone)}; {q.votes} {escape(w['votes'])}{escape(status)})</span></li>"
    )


def _polls(record: MeetingRecord, w: dict[str, str]) -> list[str]:
    parts = [f"<h2>{escape(w['polls'])}</h2>"]
    if not record.polls:
        return [*parts, f"<p>{escape(w['none'])}</p>"]
    for poll in record.polls:
        parts += _poll(poll, w)
    return parts


def _poll(poll: PollRecord, w: dict[str, str]) -> list[str]:
    kind = w["secret"] if poll.secret else w["named"]
    where = "" if poll.room_name is None else f", {poll.room_name}"
    head = (
        f'<h3>{escape(poll.question)}</h3><p class="meta">{escape(kind + where)};'
        f" {escape(w['poll.' + poll.status])}</p>"
    )
    if poll.counts is None:
        return [head, f"<p>{escape(w['not_counted'])}</p>"]
    if poll.quorum is None:
        quorum = w["no_quorum"]
    else:
        needed = f"{poll.quorum.share:.0%}" if poll.quorum.share is not None else poll.quorum.count
        met = w["quorum_met"] if poll.quorum_met else w["quorum_not_met"]
        quorum = f"{w['quorum']} {needed}: {met}"
    options = [
        w.get(f"option.{o}", o) if poll.kind is PollKind.YES_NO_ABSTAIN else o for o in poll.options
    ]
    rows = "".join(
        f'<tr><td>{escape(option)}</td><td class="n">{count}</td></tr>'
        for option, count in zip(options, poll.counts, strict=True)
    )
    summary = (
        f"{poll.voted} / {poll.eligible} {w['voted']} ({w['eligible']}: {poll.eligible}); {quorum}"
    )
    return [head, f"<table><tbody>{rows}</tbody></table>", f"<p>{escape(summary)}</p>"]


def _broadcasts(record: MeetingRecord, w: dict[str, str], zone: tzinfo) -> list[str]:
    parts = [f"<h2>{escape(w['broadcasts'])}</h2>"]
    if record.broadcasts_dropped:
        dropped = f"{record.broadcasts_dropped} {w['earlier_dropped']}"
        parts.append(f'<p class="meta">{escape(dropped)}</p>')
    if not record.broadcasts:
        return [*parts, f"<p>{escape(w['none'])}</p>"]
    parts.append("<ul>")
    parts += [
        f"<li>{local_time(b.at, zone)} {escape(b.sender)}: {escape(b.text)}</li>"
        for b in record.broadcasts
    ]
    return [*parts, "</ul>"]


def _chat(record: MeetingRecord, w: dict[str, str], zone: tzinfo) -> list[str]:
    assert record.chat is not None
    parts = [f"<h2>{escape(w['chat'])}</h2>"]
    if record.chat_dropped:
        parts.append(f'<p class="meta">{record.chat_dropped} {escape(w["earlier_dropped"])}</p>')
    parts.append("<ul>")
    for line in record.chat:
        room = w["plenary"] if line.room == PLENARY else line.room_name
        parts.append(
            f"<li>{local_time(line.at, zone)} [{escape(room)}] {escape(line.sender)}:"
            f" {escape(line.text)}</li>"
        )
    return [*parts, "</ul>"]
