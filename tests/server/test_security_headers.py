"""Every HTTP answer carries the Content-Security-Policy; the client needs no inline script."""

import re
from html.parser import HTMLParser

from server.app import STATIC
from server.web.security_headers import CONTENT_SECURITY_POLICY

from .conftest import ServedMeeting, api


async def test_pages_and_api_answers_forbid_inline_script(meeting: ServedMeeting) -> None:
    async with api(meeting.app) as http:
        answers = [await http.get(path) for path in ("/", "/app.js", "/healthz", "/api/invitation")]
    for answer in answers:
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY


class InlineCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        inline = [name for name in names if name.startswith("on") or name == "style"]
        self.found += [f"{tag} {name}=" for name in inline]


def test_the_client_has_no_inline_script_or_style() -> None:
    for page in STATIC.glob("*.html"):
        parser = InlineCode()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.found == [], page
    for module in STATIC.rglob("*.js"):
        # Other people's text must never become markup.
        source = module.read_text(encoding="utf-8")
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", source), (
            module
        )
