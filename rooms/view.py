"""What each participant may see of a meeting: events and chat history by their audience."""

import copy

from rooms.events import Stamped
from rooms.ids import ParticipantId
from rooms.model import MeetingState


def sees(stamped: Stamped, viewer: ParticipantId) -> bool:
    return stamped.audience is None or viewer in stamped.audience


def view_for(state: MeetingState, viewer: ParticipantId) -> MeetingState:
    """A copy of the state with only the chat `viewer` received when it was posted.

    Private messages went to their two people; a workshop's chat to the room's members and the
    moderators of that moment. The rest of the meeting (who is where, hands, rooms, clock) is
    everyone's.
    """
    visible = copy.copy(state)
    visible.chat = [m for m in state.chat if m.audience is None or viewer in m.audience]
    return visible
