"""The lobby: newcomers wait until a moderator lets them in, one by one or all at once, or
turns them away.

A moderator sets who waits (`SetLobby`, told to everyone): nobody (`off`, the default), those
who came by the shared participant's link (`unlisted`: a personal link, a presenter's or a
moderator's goes straight in), or every participant and presenter (`everyone`). Moderators never
wait. A `Join` that must wait is answered with `Knocked`, to the moderators only: the newcomer is
in `state.lobby`, not among the participants, and sees nothing of the meeting (the server keeps
its socket out of the meeting's events). `Admit` and `AdmitAll` make them participants as their
`Join` would have (the meeting's capacity and its lock are checked then, all or none), `Refuse`
turns one away; each is told to the moderators. Turning the lobby off admits everyone waiting,
as Zoom does when its waiting room is switched off; a lobby switched from `everyone` to
`unlisted` keeps those waiting: a moderator lets them in.

Someone waiting who closes their page leaves the lobby (`LeftLobby`); coming back is knocking
again, at the back. A personal link opened again while its invitee waits (a reload that beat the
old socket's goodbye, a second device) takes the older socket's place in the queue.
"""

import dataclasses

from rooms import events as ev
from rooms.errors import Reason, quoted, require
from rooms.ids import ParticipantId
from rooms.model import LobbyMode, MeetingState, Role, Waiting

Audience = frozenset[ParticipantId] | None
Outcome = list[tuple[ev.Event, Audience]]


def waits(state: MeetingState, who: ParticipantId, role: Role) -> bool:
    """Whether a newcomer joining as `who` with `role` waits for a moderator."""
    if who in state.lobby:
        return True  # the same invitee again, on a newer socket
    match state.lobby_mode:
        case LobbyMode.OFF:
            return False
        case LobbyMode.UNLISTED:
            return role is Role.PARTICIPANT and who not in state.invitees
        case LobbyMode.EVERYONE:
            return role is not Role.MODERATOR


def knock(state: MeetingState, waiting: Waiting) -> Outcome:
    """`waiting` joins the lobby, or takes the place of the same person's older socket there."""
    earlier = state.lobby.get(waiting.id)
    if earlier is not None:
        waiting = dataclasses.replace(waiting, since=earlier.since)
    return [(ev.Knocked(waiting), moderators(state))]


def set_mode(state: MeetingState, mode: LobbyMode, by: ParticipantId) -> list[ev.Event]:
    require(mode is not state.lobby_mode, Reason.CONFLICT, f"the lobby is already {mode}")
    if mode is LobbyMode.OFF and state.lobby:
        check_may_admit(state, "or refuse those waiting, before turning the lobby off")
    return [ev.LobbySet(mode, by)]


def waiting(state: MeetingState, who: ParticipantId) -> Waiting:
    entry = state.lobby.get(who)
    require(entry is not None, Reason.UNKNOWN_PARTICIPANT, f"nobody waits as {quoted(who)}")
    assert entry is not None
    return entry


def everyone_waiting(state: MeetingState) -> list[Waiting]:
    require(bool(state.lobby), Reason.CONFLICT, "nobody is waiting in the lobby")
    return list(state.lobby.values())


def check_may_admit(state: MeetingState, otherwise: str = "to let anyone in") -> None:
    """A locked meeting lets nobody new in, from the lobby either (`rooms.doors`)."""
    require(
        not state.locked,
        Reason.MEETING_LOCKED,
        f"the meeting is locked: unlock it {otherwise}",
    )


def refuse(state: MeetingState, who: ParticipantId, by: ParticipantId) -> Outcome:
    waiting(state, who)
    return [(ev.TurnedAway(who, by), moderators(state))]


def left(state: MeetingState, who: ParticipantId, connection: str) -> Outcome:
    """The goodbye of a waiting socket; one from an older socket the person replaced is spent.
    The server's own goodbye (no socket named: a restart) counts for whichever socket waits."""
    entry = state.lobby[who]
    if connection and connection != entry.connection:
        return []
    return [(ev.LeftLobby(who), moderators(state))]


def moderators(state: MeetingState) -> frozenset[ParticipantId]:
    return frozenset(state.moderators())
