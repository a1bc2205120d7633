"""The limits and durations a meeting runs with; the server fills them from its settings."""

from dataclasses import dataclass

# In the order the browser offers them (static/protocol.js is generated from this).
REACTIONS = ("👍", "👏", "❤️", "😂", "😮", "🎉", "🙏", "🤔")


@dataclass(frozen=True)
class MeetingConfig:
    max_participants: int = 500
    max_name_chars: int = 64
    max_attribute_chars: int = 80
    max_chat_chars: int = 2000
    max_room_name_chars: int = 64
    max_topic_chars: int = 200
    # What the organiser says the meeting is for (rooms.organiser).
    max_description_chars: int = 2000
    max_rooms: int = 50
    chat_history: int = 500
    # The chat a welcome carries (the most recent), and the most one `chat_history` page holds:
    # a welcome with the whole history of a busy meeting would be megabytes, to every joiner.
    chat_page: int = 50
    max_duration_s: int = 8 * 3600
    # The opening (`rooms.opening`): participants join from this long before the meeting's
    # start; moderators and presenters at any time.
    open_before_s: int = 15 * 60
    warning_s: float = 60.0
    grace_s: float = 15.0
    # The agenda.
    max_agenda_items: int = 40
    max_item_title_chars: int = 200
    max_item_minutes: int = 8 * 60
    max_presenters: int = 12
    # The speakers' list: how long the floor is given for unless a grant says (0: no limit),
    # how long before its end the speaker is warned, and the longest a grant or extension may
    # make it.
    floor_limit_s: int = 180
    floor_warning_s: float = 30.0
    max_floor_limit_s: int = 3600
    # Questions to the panel: a question's length, the questions one person may have open (asked
    # and not yet answered, owed, dismissed or withdrawn), and all the meeting keeps.
    max_question_chars: int = 500
    max_open_questions: int = 3
    max_questions: int = 500
    # Polls: a question's and an option's length, the options a poll may offer, and the polls a
    # meeting keeps; how often at most the room is sent an open poll's tally (0: on every
    # ballot), so that a crowd voting at once is not sent a tally per ballot each.
    max_poll_question_chars: int = 300
    max_poll_option_chars: int = 100
    max_poll_options: int = 10
    max_polls: int = 50
    tally_interval_ms: int = 250
    # Workshop notes: the length of one room's notes.
    max_notes_chars: int = 15000
    # The meeting's record (rooms.history): the public chat lines it keeps (the latest; apart
    # from the live chat's `chat_history`), and as many of the moderators' broadcasts.
    record_chat_lines: int = 5000
    # Contacts between leaders: the longest e-mail address (RFC 5321's), phone number, website
    # address and note on one's initiative a person may share.
    max_contact_email_chars: int = 254
    max_contact_phone_chars: int = 32
    max_contact_website_chars: int = 300
    max_contact_note_chars: int = 300

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")
        if self.chat_page < 1:
            raise ValueError(f"chat_page must be at least 1, got {self.chat_page}")
        if self.floor_limit_s > self.max_floor_limit_s:
            raise ValueError(
                f"floor_limit_s ({self.floor_limit_s}) must not be over"
                f" max_floor_limit_s ({self.max_floor_limit_s})"
            )
