"""The organiser's invitees: people invited by name, each with a personal link that joins them
with the name, organisation, district, group and role the organiser imported (what they type is
ignored), so mixed assignment deals by the districts the city knows.

An invitee's id is the participant they join as: joining twice with the same personal link is
the same person again (the server replaces the older connection, as a resume does). Removing an
invitee voids their link; a workshop room planned for them is their plan when they join. All of
it is on the meeting's one log, so every worker and a restart agree; nobody in the meeting sees
it (`rooms.view`): it holds e-mail addresses.
"""

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason, quoted, require
from rooms.ids import ParticipantId, RoomId
from rooms.model import Invitee, MeetingState
from rooms.texts import one_line

# RFC 5321's longest address.
MAX_EMAIL_CHARS = 254


def checked(invitee: Invitee, config: MeetingConfig) -> Invitee:
    """The invitee with their details as a join would make them, or `Rejected` naming the field
    (the same limits as a name and details typed on the join page)."""
    limit = config.max_attribute_chars
    email = one_line(invitee.email, "email", MAX_EMAIL_CHARS, allow_empty=True)
    require(not email or "@" in email, Reason.INVALID, "email: an e-mail address has an @")
    return Invitee(
        id=invitee.id,
        name=one_line(invitee.name, "name", config.max_name_chars),
        role=invitee.role,
        organisation=one_line(invitee.organisation, "organisation", limit, allow_empty=True),
        district=one_line(invitee.district, "district", limit, allow_empty=True),
        group=one_line(invitee.group, "group", limit, allow_empty=True),
        email=email,
        room=invitee.room,
    )


def import_(
    state: MeetingState, config: MeetingConfig, command: cmd.ImportInvitees
) -> ev.InviteesImported:
    ids = [invitee.id for invitee in command.invitees]
    require(len(set(ids)) == len(ids), Reason.CONFLICT, "invitees: an id twice")
    require(
        not any(i in state.invitees or i in state.participants for i in ids),
        Reason.CONFLICT,
        "invitees: an id already in the meeting",
    )
    return ev.InviteesImported(tuple(checked(invitee, config) for invitee in command.invitees))


def remove(state: MeetingState, command: cmd.RemoveInvitee) -> ev.InviteeRemoved:
    invitee_of(state, command.invitee)
    return ev.InviteeRemoved(command.invitee)


def room_named(state: MeetingState, room: str) -> RoomId | None:
    """The workshop room `room` names, by id or by name (case aside), if there is one."""
    if room in state.workshops:
        return RoomId(room)
    wanted = room.casefold()
    return next((w.id for w in state.workshops.values() if w.name.casefold() == wanted), None)


def plan_on_joining(state: MeetingState, who: ParticipantId) -> ev.Assigned | None:
    """The plan for an invitee joining: the workshop room the organiser chose, if it is there."""
    invitee = state.invitees.get(who)
    if invitee is None or invitee.room is None or invitee.room not in state.workshops:
        return None
    return ev.Assigned(who, invitee.room)


def invitee_of(state: MeetingState, who: ParticipantId) -> Invitee:
    invitee = state.invitees.get(who)
    require(invitee is not None, Reason.UNKNOWN_PARTICIPANT, f"no invitee {quoted(who)}")
    assert invitee is not None
    return invitee
