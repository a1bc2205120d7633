"""Names for the identifiers the core passes around."""

from typing import NewType

MeetingId = NewType("MeetingId", str)
ParticipantId = NewType("ParticipantId", str)
RoomId = NewType("RoomId", str)
AgendaItemId = NewType("AgendaItemId", str)
QuestionId = NewType("QuestionId", str)
# Polls
PollId = NewType("PollId", str)

PLENARY = RoomId("plenary")
