"""`notes`: a client asks for the workshop notes it may read now.

Notes edits go to those who may read them when they are made (`rooms.notes`): a client that
becomes able to read more (the workshops closed, it moved into a room, it was made a moderator)
asks for them. The answer, `workshop_notes`, is read from this worker's copy of the meeting, like
`chat_history`'s: it is no meeting command and leaves nothing in the meeting's log.
"""

from dataclasses import dataclass

from rooms import ParticipantId
from rooms.model import MeetingState, RoomNotes
from rooms.notes import readable
from server.protocol.wire import Inbound, encode_message, parse_fields


@dataclass(frozen=True)
class Notes:
    """Client to server: the notes of every room the sender may read."""


@dataclass(frozen=True)
class WorkshopNotes:
    """Server to client, echoing the request's `ref`: each room's notes the sender may read, in
    the order the rooms were created, at `seq` (the last event this worker had applied)."""

    seq: int
    notes: tuple[RoomNotes, ...]


MESSAGES: dict[str, type] = {"notes": Notes, "workshop_notes": WorkshopNotes}


def parse_request(inbound: Inbound) -> Notes:
    return parse_fields(Notes, inbound.fields)


def notes_for(state: MeetingState, viewer: ParticipantId) -> WorkshopNotes:
    return WorkshopNotes(state.seq, tuple(readable(state, viewer)))


def encode_notes(answer: WorkshopNotes, ref: int | str | None) -> bytes:
    return encode_message(answer, ref)
