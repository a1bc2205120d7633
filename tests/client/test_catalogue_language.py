"""The page's words read right: Polish that assumes no one's gender, no label stacked on a label
("od: {name}: {text}"), no internal id on screen, and times of day on the 24-hour clock. (That both
catalogues have the same keys and placeholders is tests/browser/test_catalogues.py.)"""

import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.app import STATIC
from tests.client.test_state_js import static_as_modules

CATALOGUES = {path.stem: json.loads(path.read_text("utf-8")) for path in STATIC.glob("i18n/*.json")}

# Forms that say the reader, or someone whose gender nobody asked, is a man (or make them choose).
MASCULINE_ONLY = {
    "2nd person past, masculine or feminine": re.compile(r"\b\w+(łeś|łaś)\b"),
    "a gender in brackets": re.compile(r"\w\((a|y)\)"),
    "the reader as masculine": re.compile(
        r"\b(za|wy)?logowany\b|\b(roz|nie)?(po)?łączony\b|\bgotowy\b|\bpewien\b|\bpewny\b"
    ),
    "a third person's past, masculine": re.compile(
        r"(\bModerator|\bOrganizator|\bSprawozdawca|\{name\})( nie)? \w+ł\b"
    ),
}
# A label's colon, then another before the first part ends: "Komunikat od: {name}: {text}".
DOUBLE_COLON = re.compile(r":[^.;,()?!…]*:")


def polish_problems(catalogue: dict[str, str]) -> list[tuple[str, str, str]]:
    return [
        (key, why, text)
        for key, text in catalogue.items()
        for why, pattern in MASCULINE_ONLY.items()
        if pattern.search(text)
    ]


def colon_problems(catalogue: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (key, text)
        for key, text in catalogue.items()
        if DOUBLE_COLON.search(text.replace("://", ""))
    ]


def test_polish_addresses_people_without_assuming_a_gender() -> None:
    assert polish_problems(CATALOGUES["pl"]) == []


def test_the_patterns_catch_what_they_are_for() -> None:
    caught = polish_problems(
        {
            "a": "Wróciłeś na sesję plenarną.",
            "b": "Jesteś zalogowany.",
            "c": "{name} dołączył do pokoju.",
            "d": "Moderator usunął Cię ze spotkania.",
            "e": "{name} zakończył(a) spotkanie.",
            "f": "Status: rozłączony",
        }
    )
    assert sorted({key for key, _, _ in caught}) == ["a", "b", "c", "d", "e", "f"]
    fine = "Jesteś z powrotem na sesji plenarnej. Nikt nie podniósł ręki."
    assert polish_problems({"ok": fine}) == []


@pytest.mark.parametrize("language", ["pl", "en"])
def test_no_string_stacks_one_label_on_another(language: str) -> None:
    assert colon_problems(CATALOGUES[language]) == []
    assert colon_problems({"x": "Prywatna wiadomość od: {name}: {text}"}) != []


@pytest.mark.parametrize("language", ["pl", "en"])
def test_no_string_shows_an_id(language: str) -> None:
    texts = CATALOGUES[language].values()
    placeholders = {p for text in texts for p in re.findall(r"\{(\w+)\}", text)}
    assert not {p for p in placeholders if p == "id" or p.endswith("_id")}


# timeOfDay and dateTime of static/i18n.js, in a language as the page loads it.
CLOCK = """
import { pathToFileURL } from "node:url";
globalThis.document = { documentElement: {} };
globalThis.fetch = async () => ({ json: async () => ({}) });
const i18n = await import(pathToFileURL(process.argv[1]).href);
const out = {};
for (const language of ["pl", "en"]) {
  await i18n.load(language);
  out[language] = [i18n.timeOfDay(Number(process.argv[2])), i18n.dateTime(Number(process.argv[2]))];
}
process.stdout.write(JSON.stringify(out));
"""


def test_times_of_day_are_on_the_24_hour_clock(tmp_path: Path) -> None:
    node, static = static_as_modules(tmp_path)
    afternoon = datetime(2026, 12, 4, 14, 5, tzinfo=UTC).timestamp()
    done = subprocess.run(
        [node, "--input-type=module", "-e", CLOCK, str(static / "i18n.js"), str(afternoon)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["pl"][0] == "14:05"
    assert shown["en"][0] == "14:05"
    assert "14:05" in shown["pl"][1] and "grudnia 2026" in shown["pl"][1]
    # British English: the day before the month, and no AM or PM.
    assert "14:05" in shown["en"][1] and "4 December 2026" in shown["en"][1]
    assert "PM" not in shown["en"][1]
