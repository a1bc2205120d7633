"""Who may publish what, where: the meeting's rule for media, read from its state.

The server hands these rights to its forwarding unit after every event, so a right given or taken
here (the floor, a role, a move, a hard mute) reaches the media at once.
"""

from enum import StrEnum

from rooms.ids import PLENARY, ParticipantId
from rooms.model import MeetingState, Role
from rooms.showcase import is_presenting


class Source(StrEnum):
    """What a participant can share: a client labels each track it sends with one of these."""

    MICROPHONE = "microphone"
    CAMERA = "camera"
    SCREEN = "screen"

    @property
    def kind(self) -> str:
        """The kind of track this source sends, as WebRTC names it: `audio` or `video`."""
        return "audio" if self is Source.MICROPHONE else "video"


EVERYTHING = frozenset(Source)
VOICE_AND_CAMERA = frozenset({Source.MICROPHONE, Source.CAMERA})
NOTHING: frozenset[Source] = frozenset()
# Who may always publish in the plenary, floor or not.
SPEAKERS = (Role.MODERATOR, Role.PRESENTER)
# Showcase: what the floor lets its holder publish in the plenary, by whether it is their own turn
# in an agenda item's presenters (`rooms.showcase`): a presenter shows their screen too.
FLOOR_RIGHTS = {False: VOICE_AND_CAMERA, True: EVERYTHING}


def publish_rights(state: MeetingState, participant: ParticipantId) -> frozenset[Source]:
    """What `participant` may publish now: nothing unless connected and in the meeting.

    In the plenary moderators and presenters speak, and whoever holds the floor (voice and camera;
    the screen too in their own presenter's turn); in a workshop everyone there does (a visiting
    moderator too). A hard-muted person's microphone never does.
    """
    person = state.participants.get(participant)
    if person is None or not person.connected:
        return NOTHING
    if person.room != PLENARY or person.role in SPEAKERS:
        rights = EVERYTHING
    elif state.floor == participant:
        rights = FLOOR_RIGHTS[is_presenting(state, participant)]
    else:
        rights = NOTHING
    if participant in state.audio_blocked:
        rights -= {Source.MICROPHONE}
    return rights
