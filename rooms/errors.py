"""Why the core refused a command.

A `Rejected` is always the sender's fault (a participant trying a moderator's command, a room that
does not exist, a text that is too long): the meeting is unchanged and the edge turns the code into
an error reply. A bug in the core raises anything else and is never shown to a client as its fault.
"""

from enum import StrEnum


class Reason(StrEnum):
    NOT_IN_MEETING = "not_in_meeting"
    NOT_ALLOWED = "not_allowed"
    WRONG_PHASE = "wrong_phase"
    INVALID = "invalid"
    UNKNOWN_PARTICIPANT = "unknown_participant"
    UNKNOWN_ROOM = "unknown_room"
    MEETING_FULL = "meeting_full"
    REMOVED = "removed"
    NAME_TAKEN = "name_taken"
    CONFLICT = "conflict"
    UNKNOWN_ITEM = "unknown_item"
    UNKNOWN_QUESTION = "unknown_question"
    TOO_MANY_QUESTIONS = "too_many_questions"
    # Polls
    UNKNOWN_POLL = "unknown_poll"
    TOO_MANY_POLLS = "too_many_polls"
    # Ending the meeting
    MEETING_ENDED = "meeting_ended"
    # The doors: a newcomer while a moderator has locked the meeting
    MEETING_LOCKED = "meeting_locked"
    # The opening: a participant before the meeting opens (`rooms.opening`)
    NOT_OPEN_YET = "not_open_yet"
    # Workshop notes: an edit written on a version of the notes that is no longer the current one.
    STALE_NOTES = "stale_notes"


class Rejected(Exception):
    """A command the core refused; the meeting is unchanged."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# A refusal quotes what the client sent so it can see what was wrong, but only the start of it:
# an error reply must not hand back kilobytes of the client's own input.
QUOTED_CHARS = 80


def quoted(value: object) -> str:
    """`value` as Python writes it (`'room-9'`), cut to its first `QUOTED_CHARS` characters."""
    text = repr(value)
    return text if len(text) <= QUOTED_CHARS else text[: QUOTED_CHARS - 1] + "…"


def require(condition: bool, reason: Reason, detail: str) -> None:
    """Refuse the command with `reason` unless `condition` holds."""
    if not condition:
        raise Rejected(reason, detail)
