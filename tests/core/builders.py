"""Meetings to test with: a moderator, some participants, and rooms, built through `handle`."""

from collections.abc import Sequence

from rooms import commands as cmd
from rooms.config import MeetingConfig
from rooms.ids import MeetingId, ParticipantId, RoomId
from rooms.meeting import Meeting
from rooms.model import Role

T0 = 1_000.0
MODERATOR = ParticipantId("mod")


def person(index: int) -> ParticipantId:
    return ParticipantId(f"p{index}")


def room(index: int) -> RoomId:
    """The id `CreateRooms` gives the `index`-th room of a meeting (counting from 1)."""
    return RoomId(f"room-{index}")


def meeting_with(
    districts: Sequence[str] = ("North", "South", "East"),
    *,
    rooms: int = 0,
    config: MeetingConfig | None = None,
) -> Meeting:
    """A meeting with `MODERATOR`, then one participant per district (`person(0)`, ...)."""
    meeting = Meeting.create(MeetingId("m-1"), "Town hall", config or MeetingConfig())
    meeting.handle(None, cmd.Join(MODERATOR, "Mo Derator", Role.MODERATOR), T0)
    for i, district in enumerate(districts):
        join = cmd.Join(
            person(i),
            f"Person {i}",
            Role.PARTICIPANT,
            organisation=f"Org {i % 4}",
            district=district,
            group=f"Group {i % 3}",
        )
        meeting.handle(None, join, T0)
    if rooms:
        names = tuple(f"Workshop {i + 1}" for i in range(rooms))
        meeting.handle(MODERATOR, cmd.CreateRooms(names), T0)
    return meeting
