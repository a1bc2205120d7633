"""What a text from a person may be: trimmed, within its limit, free of control characters.

A refusal names the field, so the client can show which one to fix.
"""

import unicodedata

from rooms.errors import Reason, Rejected


def one_line(value: str, field: str, limit: int, *, allow_empty: bool = False) -> str:
    """A name or a title: whitespace collapsed to single spaces."""
    return free_text(" ".join(value.split()), field, limit, allow_empty=allow_empty)


def free_text(value: str, field: str, limit: int, *, allow_empty: bool = False) -> str:
    """A chat message: line breaks and tabs kept, Windows line ends made plain."""
    text = value.replace("\r\n", "\n").strip()
    if not text and not allow_empty:
        raise Rejected(Reason.INVALID, f"{field}: must not be empty")
    if len(text) > limit:
        raise Rejected(Reason.INVALID, f"{field}: longer than {limit} characters")
    if any(c not in "\n\t" and unicodedata.category(c) == "Cc" for c in text):
        raise Rejected(Reason.INVALID, f"{field}: contains control characters")
    return text
