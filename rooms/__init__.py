"""Plenum's meeting core: pure, typed, commands in and numbered events out.

No I/O and no clock of its own: the server passes the time in, delivers the events, and keeps the
connections. See `rooms.policy` for who may do what, `rooms.phases` for how the workshops move
between phases, and `rooms.decide` for what each command does.
"""

from rooms.config import MeetingConfig
from rooms.errors import Reason, Rejected
from rooms.events import Stamped
from rooms.ids import PLENARY, MeetingId, ParticipantId, RoomId
from rooms.meeting import Meeting
from rooms.model import GroupBy, Language, MeetingState, Phase, Role

__all__ = [
    "PLENARY",
    "GroupBy",
    "Language",
    "Meeting",
    "MeetingConfig",
    "MeetingId",
    "MeetingState",
    "ParticipantId",
    "Phase",
    "Reason",
    "Rejected",
    "Role",
    "RoomId",
    "Stamped",
]
