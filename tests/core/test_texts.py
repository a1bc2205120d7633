"""The rules for texts from people: nothing invisible, no reordering in a name, no look-alikes."""

import pytest

from rooms.errors import Reason, Rejected
from rooms.texts import fold, free_text, one_line

# Texts that draw nothing on the page, each with what it is made of.
INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width joiners": "\u200d\u200c\u2060",
    "byte order mark": "\ufeff",
    "bidi marks and isolates": "\u200e\u200f\u2068\u2069",
    "soft hyphen": "\u00ad",
    "combining marks alone": "\u0301\u0308",
    "variation selector": "\ufe0f",
    "hangul filler": "\u3164\u115f",
    "blank braille pattern": "\u2800",
    "tag characters": "\U000e0041\U000e0042",
    "ideographic space and zwsp": "\u3000\u200b",
}


@pytest.mark.parametrize("text", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_name_that_draws_nothing_is_refused(text: str) -> None:
    with pytest.raises(Rejected) as caught:
        one_line(text, "name", 60)
    assert caught.value.reason is Reason.INVALID
    assert caught.value.detail.startswith("name: ")
    assert "nothing visible" in caught.value.detail


@pytest.mark.parametrize("text", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_chat_message_empty_once_the_invisible_is_gone_is_refused(text: str) -> None:
    with pytest.raises(Rejected) as caught:
        free_text(f" {text}\n{text} ", "text", 2000)
    assert caught.value.detail.startswith("text: ")
    assert "nothing visible" in caught.value.detail


def test_an_optional_field_of_only_invisible_characters_is_refused_not_taken_as_empty() -> None:
    assert one_line("  ", "district", 60, allow_empty=True) == ""
    with pytest.raises(Rejected, match=r"district: .*nothing visible"):
        one_line("\u200b", "district", 60, allow_empty=True)


@pytest.mark.parametrize(
    "text",
    [
        "Zoë",
        "e\u0301",
        "👍",
        "👩\u200d👩\u200d👧",
        "☺\ufe0f",
        "\u062f\u0627\u0646\u064a\u0627\u0644",  # Arabic
        "\u05de\u05d9\u05db\u05d0\u05dc",  # Hebrew
        "A\u200b",
    ],
)
def test_texts_with_something_to_see_pass(text: str) -> None:
    assert one_line(text, "name", 60) == text
    assert free_text(text, "text", 60) == text


@pytest.mark.parametrize("control", "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
def test_a_name_with_a_bidi_embedding_override_or_isolate_is_refused_naming_it(
    control: str,
) -> None:
    with pytest.raises(Rejected) as caught:
        one_line(f"Eve {control}rotaredom", "name", 60)
    assert caught.value.reason is Reason.INVALID
    assert caught.value.detail.startswith("name: ")
    assert f"U+{ord(control):04X}" in caught.value.detail


def test_chat_keeps_bidi_controls_the_client_isolates_them() -> None:
    text = "quote: \u202b\u05e9\u05dc\u05d5\u05dd\u202c ok"
    assert free_text(text, "text", 200) == text


@pytest.mark.parametrize(
    "copy",
    [
        "Anna Nowak",
        "anna nowak",
        "ANNA NOWAK",
        "\u0410nna N\u043ewak",  # Cyrillic capital A and small o
        "\u0391\u039d\u039d\u0391 \u039d\u039fW\u0391\u039a",  # Greek capitals
        "Anna Nowak\u200b",
        "An\u00adna Nowak",
        "\uff21\uff4e\uff4e\uff41 \uff2e\uff4f\uff57\uff41\uff4b",  # full width
        "Anna N0wak",
        "Anna Novvak",
        "Anna Nowak\ufe0f",  # a variation selector
        "Ann\u034fa Nowak",  # the combining grapheme joiner
        "Anna Nowak\U000e0100",  # a supplementary variation selector
        "Anna\u180b Nowak",  # a Mongolian free variation selector
    ],
)
def test_look_alikes_of_a_name_fold_to_the_same(copy: str) -> None:
    assert fold(copy) == fold("Anna Nowak")


@pytest.mark.parametrize(
    ("name", "copy"),
    [
        ("Jan Kowalski", "Jan KowaIski"),
        ("Marek Bem", "Marek Bern"),
        ("Ola Wiśniewska", "\u041ela Wiśniewska"),  # Cyrillic capital O
    ],
)
def test_latin_confusions_fold_to_the_same(name: str, copy: str) -> None:
    assert fold(copy) == fold(name)


@pytest.mark.parametrize(
    ("name", "other"),
    [("Anna Nowak", "Anna Nowicka"), ("Łukasz", "Lukasz"), ("Ewa", "Ewa B."), ("Jan", "Jon")],
)
def test_different_names_fold_apart(name: str, other: str) -> None:
    assert fold(name) != fold(other)
