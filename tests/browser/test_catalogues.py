"""Every string of the client is in both catalogues, Polish and English."""

import json
import re

from server.app import STATIC

CATALOGUES = {path.stem: json.loads(path.read_text("utf-8")) for path in STATIC.glob("i18n/*.json")}
# t("key"…) in the modules, data-i18n*="key" in the page.
USED = re.compile(
    r"""\bt\(\s*"([a-z_]+\.[a-z_0-9]+)"|data-i18n(?:-label|-placeholder)?="([^"]+)\""""
)


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*STATIC.glob("*.js"), *STATIC.glob("*/*.js"), *STATIC.glob("*.html")]:
        for match in USED.finditer(path.read_text("utf-8")):
            keys.add(match.group(1) or match.group(2))
    return keys


def test_polish_and_english_have_the_same_strings() -> None:
    assert set(CATALOGUES) == {"pl", "en"}
    assert set(CATALOGUES["pl"]) == set(CATALOGUES["en"])
    for language, catalogue in CATALOGUES.items():
        empty = [key for key, text in catalogue.items() if not text.strip()]
        assert empty == [], language


def test_every_string_the_client_names_is_in_the_catalogues() -> None:
    used = used_keys()
    assert len(used) > 100
    assert sorted(used - set(CATALOGUES["en"])) == []


def test_placeholders_match_between_languages() -> None:
    for key, english in CATALOGUES["en"].items():
        polish = CATALOGUES["pl"][key]
        assert set(re.findall(r"\{\w+\}", english)) == set(re.findall(r"\{\w+\}", polish)), key
