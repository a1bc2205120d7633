"""What each participant may see of a meeting: events by audience, chat history by room."""

import copy

from rooms.events import Stamped
from rooms.ids import PLENARY, ParticipantId
from rooms.model import ChatMessage, MeetingState, Role


def sees(stamped: Stamped, viewer: ParticipantId) -> bool:
    return stamped.audience is None or viewer in stamped.audience


def view_for(state: MeetingState, viewer: ParticipantId) -> MeetingState:
    """A copy of the state with only the chat `viewer` may read.

    Private messages go to their two people; a workshop's chat to the room's members and the
    moderators. The rest of the meeting (who is where, hands, rooms, clock) is everyone's.
    """
    visible = copy.copy(state)
    me = state.participants.get(viewer)
    visible.chat = [
        m for m in state.chat if me is not None and _may_read(m, viewer, me.room, me.role)
    ]
    return visible


def _may_read(message: ChatMessage, viewer: ParticipantId, room: str, role: Role) -> bool:
    if message.to is not None:
        return viewer in (message.sender, message.to)
    return message.room in (PLENARY, room) or role is Role.MODERATOR
