"""A workshop's notes as HTML structure: the plain text's headings (`# ` to `### `), list items
(`- `, `* `, `1. `) and paragraphs become elements, and every character of the text is escaped.
The rules are the page's (`static/notes_text.js`), so the minutes show what the room saw."""

import re
from html import escape

HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
BULLET = re.compile(r"^[-*]\s+(.*)$")
NUMBERED = re.compile(r"^\d{1,9}[.)]\s+(.*)$")
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def notes_html(text: str) -> str:
    parts: list[str] = []
    open_list: str | None = None
    paragraph: list[str] = []

    def flush_paragraph() -> None:
        if paragraph:
            parts.append("<p>" + "<br>".join(escape(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal open_list
        if open_list is not None:
            parts.append(f"</{open_list}>")
            open_list = None

    for raw in LINE_BREAK.split(text):
        line = raw.rstrip()
        heading, bullet, numbered = HEADING.match(line), BULLET.match(line), NUMBERED.match(line)
        if heading or not line:
            flush_paragraph()
            close_list()
            if heading:
                level = 3 + len(heading.group(1))
                parts.append(f"<h{level}>{escape(heading.group(2))}</h{level}>")
        elif bullet or numbered:
            flush_paragraph()
            kind = "ul" if bullet else "ol"
            if open_list != kind:
                close_list()
                parts.append(f"<{kind}>")
                open_list = kind
            item = bullet or numbered
            assert item is not None
            parts.append(f"<li>{escape(item.group(1))}</li>")
        else:
            close_list()
            paragraph.append(line)
    flush_paragraph()
    close_list()
    return "\n".join(parts)
