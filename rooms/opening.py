"""The meeting's opening: a participant's link lets its holder in from `open_before_s` before
the meeting's start; moderators and presenters come in earlier, to set up and try their sound.

A meeting with no start is open at any time. The opening follows the start: when the organiser
moves the start, the opening moves with it. Only a newcomer's `Join` is checked; someone already
in the meeting (a moderator who promoted them early, say) comes back with `Rejoin` as before.
"""

import math
from datetime import UTC, datetime

from rooms.config import MeetingConfig
from rooms.errors import Reason, require
from rooms.model import MeetingState, Role


def opens_at(state: MeetingState, config: MeetingConfig) -> float | None:
    """When participants may join (Unix seconds), or None for a meeting with no start."""
    if state.starts_at is None:
        return None
    return state.starts_at - config.open_before_s


def check_open(state: MeetingState, config: MeetingConfig, role: Role, now: float) -> None:
    """Refuse a participant who comes before the opening; any other role joins early."""
    opening = opens_at(state, config)
    if opening is None or role is not Role.PARTICIPANT:
        return
    at = datetime.fromtimestamp(opening, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    require(
        now >= opening,
        Reason.NOT_OPEN_YET,
        f"the meeting opens to participants at {at}, {config.open_before_s} s before its start"
        f" (in {math.ceil(opening - now)} s)",
    )
