"""What the organiser sets from outside the meeting, through the HTTP API (the server checked the
admin token): the meeting's title, start, end, description and language, and which of each
role's links is current.

The end decides how long the links work (until it plus the data's retention, `server.links`), so
moving it moves their validity. A role's link carries the generation it was issued at; reissuing
one makes the role's next generation current, and every older link of that role void. Both live
in the state, on the meeting's one log, so every worker and a restart agree on them.
"""

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason, require
from rooms.model import MeetingState, Role
from rooms.texts import free_text, one_line

MAX_TITLE_CHARS = 200


def schedule(command: cmd.ScheduleAsOrganiser, config: MeetingConfig) -> ev.MeetingScheduled:
    title = one_line(command.title, "title", MAX_TITLE_CHARS)
    description = free_text(
        command.description, "description", config.max_description_chars, allow_empty=True
    )
    require(
        command.starts_at is None or command.ends_at > command.starts_at,
        Reason.INVALID,
        "ends_at: must be after starts_at",
    )
    return ev.MeetingScheduled(
        title, command.starts_at, command.ends_at, description, command.language
    )


def reissue(state: MeetingState, command: cmd.ReissueLink) -> ev.LinkReissued:
    return ev.LinkReissued(command.role, generation(state, command.role) + 1)


def generation(state: MeetingState, role: Role) -> int:
    """The generation of `role`'s current link: 0 until it is first reissued."""
    return state.link_generations.get(role, 0)
