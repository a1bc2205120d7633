"""Workshop notes as the page shows them (`static/notes_text.js`): the light structure read from
plain text, and nothing else read as markup. Run by Node on the module the page loads."""

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.client.test_state_js import static_as_modules

READ_BLOCKS = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const { blocks } = await import(pathToFileURL(process.argv[1]).href);
process.stdout.write(JSON.stringify(JSON.parse(readFileSync(0, "utf-8")).map(blocks)));
"""


def blocks_of(texts: list[str], scratch: Path) -> list[list[dict[str, Any]]]:
    node, static = static_as_modules(scratch)
    done = subprocess.run(
        [node, "--input-type=module", "-e", READ_BLOCKS, str(static / "notes_text.js")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: list[list[dict[str, Any]]] = json.loads(done.stdout)
    return result


def test_headings_lists_and_paragraphs(tmp_path: Path) -> None:
    notes = (
        "# Zieleń\n- więcej ławek\n* cień przy placu\n\n1. najpierw park\n2) potem skwer\n"
        "Mieszkańcy chcą\nzieleni.\n\nOsobny akapit.\r\n## Budżet\n### Szczegóły\n#### za głęboko"
    )
    assert blocks_of([notes], tmp_path) == [
        [
            {"kind": "heading", "level": 1, "text": "Zieleń"},
            {"kind": "ul", "items": ["więcej ławek", "cień przy placu"]},
            {"kind": "ol", "items": ["najpierw park", "potem skwer"]},
            {"kind": "p", "lines": ["Mieszkańcy chcą", "zieleni."]},
            {"kind": "p", "lines": ["Osobny akapit."]},
            {"kind": "heading", "level": 2, "text": "Budżet"},
            {"kind": "heading", "level": 3, "text": "Szczegóły"},
            {"kind": "p", "lines": ["#### za głęboko"]},
        ]
    ]


def test_anything_else_stays_the_text_it_was(tmp_path: Path) -> None:
    texts = [
        "",
        "#bez spacji\n-bez spacji\n1.5 mln zł",
        '<img src=x onerror="alert(1)"> <b>tekst</b>',
        "=cmd|' /C calc'!A0",
    ]
    assert blocks_of(texts, tmp_path) == [
        [],
        [{"kind": "p", "lines": ["#bez spacji", "-bez spacji", "1.5 mln zł"]}],
        [{"kind": "p", "lines": ['<img src=x onerror="alert(1)"> <b>tekst</b>']}],
        [{"kind": "p", "lines": ["=cmd|' /C calc'!A0"]}],
    ]
