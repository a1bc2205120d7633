"""A workshop's notes as HTML structure: the plain text's headings (`# `), list items (`- `,
`* `, `1. `) and paragraphs become elements, and every character of the text is escaped."""

import re
from html import escape

HEADING = re.compile(r"^#{1,6} (.*)$")
BULLET = re.compile(r"^[-*] (.*)$")
NUMBERED = re.compile(r"^\d+[.)] (.*)$")


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

    for raw in text.splitlines():
        line = raw.rstrip()
        heading, bullet, numbered = HEADING.match(line), BULLET.match(line), NUMBERED.match(line)
        if heading or not line:
            flush_paragraph()
            close_list()
            if heading:
                parts.append(f"<h4>{escape(heading.group(1))}</h4>")
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
