"""What a text from a person may be: trimmed, within its limit, free of control characters, with
something to see; on one line (a name, a title), free of the controls that reorder text.

A refusal names the field, so the client can show which one to fix. `fold` is what a name looks
like to a reader, so that a name passing for another's can be told.
"""

import unicodedata

from rooms.errors import Reason, Rejected

# Explicit embeddings, overrides and isolates. In a name they reorder what a reader sees: "Eve "
# then U+202E then "rotaredom" reads "Eve moderator". Chat keeps them (a quotation may need them)
# and the client isolates every text, so that they cannot reach past it.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Spaces, controls, format characters (zero-width, bidi marks, tags) and marks that only combine
# with a letter before them: none draws anything on its own.
_UNSEEN_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"})
# Letters and symbols that draw nothing although Unicode does not call them spaces: the Hangul
# fillers, the Khmer inherent vowels and the blank Braille pattern, favourites for empty names;
# and the combining marks that only select a glyph's variant or join graphemes, which would
# otherwise let a name differ from a moderator's and still be drawn exactly like it.
_BLANK = frozenset(
    "\u115f\u1160\u3164\uffa0\u17b4\u17b5\u2800\u034f\u180b\u180c\u180d\u180f"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)


def one_line(value: str, field: str, limit: int, *, allow_empty: bool = False) -> str:
    """A name or a title: whitespace collapsed to single spaces, no bidi controls."""
    text = free_text(" ".join(value.split()), field, limit, allow_empty=allow_empty)
    control = next((c for c in text if c in BIDI_CONTROLS), None)
    if control is not None:
        raise Rejected(
            Reason.INVALID,
            f"{field}: contains the bidirectional control U+{ord(control):04X},"
            " which would reorder the text around it",
        )
    return text


def free_text(value: str, field: str, limit: int, *, allow_empty: bool = False) -> str:
    """A chat message: line breaks and tabs kept, Windows line ends made plain."""
    text = value.replace("\r\n", "\n").strip()
    if not text and not allow_empty:
        raise Rejected(Reason.INVALID, f"{field}: must not be empty")
    if len(text) > limit:
        raise Rejected(Reason.INVALID, f"{field}: longer than {limit} characters")
    if any(c not in "\n\t" and unicodedata.category(c) == "Cc" for c in text):
        raise Rejected(Reason.INVALID, f"{field}: contains control characters")
    if text and not any(_seen(c) for c in text):
        raise Rejected(
            Reason.INVALID,
            f"{field}: has nothing visible, only spaces, invisible or combining characters",
        )
    return text


def fold(text: str) -> str:
    """What a text looks like to a reader, roughly: two names that fold alike pass for each other.

    Compatibility forms (full-width, ligatures, styled letters) become plain letters, invisible
    characters go, Cyrillic and Greek letters drawn like Latin ones become those, and so do the
    usual confusions (I and l, 0 and o, rn and m, vv and w); case does not count. Letters with
    diacritics stay themselves: Łukasz is not Lukasz.
    """
    plain = unicodedata.normalize("NFKC", text)
    shown = " ".join("".join(c for c in plain if c.isspace() or _drawn(c)).split())
    lower = unicodedata.normalize("NFKC", shown.translate(_LOOKALIKE_CAPITALS).casefold())
    folded = lower.translate(_LOOKALIKE_SMALL)
    for pair, single in _LOOKALIKE_PAIRS:
        folded = folded.replace(pair, single)
    return folded


def _seen(c: str) -> bool:
    return c not in _BLANK and unicodedata.category(c) not in _UNSEEN_CATEGORIES


def _drawn(c: str) -> bool:
    """Not a format character or blank letter: combining marks count, they change a letter."""
    return c not in _BLANK and unicodedata.category(c) not in {"Cc", "Cf"}


# Capitals first, before case is folded: the Cyrillic capital Ve (U+0412) is drawn like a B, but
# its small form is not drawn like a b. Written as escapes, since they look like what they map to.
_LOOKALIKE_CAPITALS = str.maketrans(
    {
        **dict(  # Cyrillic
            zip(
                "\u0410\u0412\u0415\u0405\u0406\u0408\u041a\u041c"
                "\u041d\u041e\u0420\u0421\u0422\u0425\u0423",
                "ABESIJKMHOPCTXY",
                strict=True,
            )
        ),
        **dict(  # Greek
            zip(
                "\u0391\u0392\u0395\u0396\u0397\u0399\u039a"
                "\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7",
                "ABEZHIKMNOPTYX",
                strict=True,
            )
        ),
        "I": "l",  # a capital I is drawn like a small l in most sans-serif fonts
    }
)
_LOOKALIKE_SMALL = str.maketrans(
    {
        **dict(  # Cyrillic
            zip(
                "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456"
                "\u0458\u0455\u04bb\u0501\u051b\u051d\u04cf",
                "aeopcyxijshdqwl",
                strict=True,
            )
        ),
        **dict(  # Greek
            zip("\u03b1\u03b9\u03bf\u03bd\u03c1\u03c5\u03c7\u03ba", "aiovpuxk", strict=True)
        ),
        "0": "o",
        "1": "l",
        "|": "l",
    }
)
_LOOKALIKE_PAIRS = (("rn", "m"), ("vv", "w"))
