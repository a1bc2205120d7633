"""When a participant whose connection dropped is let go: the meeting's rule for ghosts.

A participant who disconnects keeps their place (room, role, hand) for a grace period, so a
network blip or a reload costs nothing. Once it has run out the server sends `Depart` for them,
and they leave the meeting as if they had said goodbye. The grace period is the server's setting,
passed in; the time it runs from is in the state, so whichever process writes the meeting (after a
takeover too) lets the same people go at the same time.
"""

from rooms.ids import ParticipantId
from rooms.model import MeetingState, Participant


def leaves_at(person: Participant, grace_s: float) -> float | None:
    """When `person` is let go: `grace_s` after their connection dropped; None while connected."""
    if person.disconnected_at is None:
        return None
    return person.disconnected_at + grace_s


def departures_due(state: MeetingState, grace_s: float, now: float) -> list[ParticipantId]:
    """Who should be sent `Depart` at `now`, in the order they joined."""
    return [
        p.id
        for p in state.participants.values()
        if (at := leaves_at(p, grace_s)) is not None and at <= now
    ]


def next_departure(state: MeetingState, grace_s: float) -> float | None:
    """When the next ghost is let go, or None while nobody is disconnected."""
    times = [leaves_at(p, grace_s) for p in state.participants.values()]
    return min((at for at in times if at is not None), default=None)
