"""The browser's copy of the protocol's constants is generated from the server's, and current."""

import json
import re
from pathlib import Path

from rooms.config import REACTIONS
from server.protocol.close_codes import CloseCode
from tests.client.protocol_js import PROTOCOL_JS, render

STATIC = PROTOCOL_JS.parent
CATALOGUES = sorted((STATIC / "i18n").glob("*.json"))


def test_protocol_js_is_generated_from_the_server_definitions() -> None:
    assert PROTOCOL_JS.read_text(encoding="utf-8") == render(), (
        "static/protocol.js is stale: run `python -m tests.client.protocol_js`"
    )


def client_modules() -> list[Path]:
    return [p for p in STATIC.rglob("*.js") if "vendor" not in p.parts and p != PROTOCOL_JS]


def test_no_client_module_writes_a_close_code_or_the_version_by_hand() -> None:
    codes = "|".join(str(code.value) for code in CloseCode)
    # A code compared, assigned or listed first; a comment may still name one.
    copied = re.compile(rf"(=\s*|\[\s*)({codes})\b|\bv:\s*\d")
    found = [
        f"{path.relative_to(STATIC)}:{number}: {line.strip()}"
        for path in client_modules()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if copied.search(line)
    ]
    assert found == []


def test_no_client_module_lists_the_reactions_by_hand() -> None:
    found = [
        str(path.relative_to(STATIC))
        for path in client_modules()
        if any(emoji in path.read_text(encoding="utf-8") for emoji in REACTIONS)
    ]
    assert found == []


def test_the_catalogues_name_every_reaction_and_only_real_close_codes() -> None:
    for catalogue in CATALOGUES:
        keys = json.loads(catalogue.read_text(encoding="utf-8")).keys()
        assert [e for e in REACTIONS if f"reactions.{e}" not in keys] == [], catalogue.name
        closed = [int(k.rsplit("_", 1)[1]) for k in keys if k.startswith("connection.closed_")]
        assert [code for code in closed if code not in set(CloseCode)] == [], catalogue.name


def test_no_field_limit_is_written_by_hand() -> None:
    # The welcome's `limits` set them (app.js, views/console.js); the join page's come from
    # `GET /api/invitation`.
    by_hand = re.compile(r"maxlength\s*[=:]\s*\"?\d", re.IGNORECASE)
    pages = [*client_modules(), STATIC / "index.html"]
    found = [
        str(path.relative_to(STATIC))
        for path in pages
        if by_hand.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
