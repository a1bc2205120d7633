"""The organiser's invitees (`rooms.invitees`): imported all or none, with the limits of a join;
planned into a workshop room (by id, by name, or a new room) that is their plan on joining;
removed; nobody's snapshot holds them. Every refusal compares the whole state (`refused`)."""

import pytest

from rooms import commands as cmd
from rooms import events as ev
from rooms.errors import Reason
from rooms.ids import ParticipantId
from rooms.model import Invitee, MeetingState, Role
from rooms.plain import from_plain, to_plain
from rooms.view import view_for

from .builders import MODERATOR, T0, meeting_with, room
from .test_commands import refused

ANNA = Invitee(ParticipantId("inv-anna"), "Anna Nowak", Role.PARTICIPANT, district="Łabędy")
JAN = Invitee(ParticipantId("inv-jan"), "Jan Lis", Role.PRESENTER, email="jan@example.org")


@pytest.mark.parametrize(
    ("bad", "detail"),
    [
        (Invitee(ParticipantId("inv-x"), "  ", Role.PARTICIPANT), "name: must not be empty"),
        (Invitee(ParticipantId("inv-x"), "X", Role.PARTICIPANT, district="D" * 81), "district"),
        (Invitee(ParticipantId("inv-x"), "X", Role.PARTICIPANT, email="no-at"), "email"),
        (Invitee(ParticipantId("inv-anna"), "Twice", Role.PARTICIPANT), "invitees: an id twice"),
    ],
)
def test_an_import_with_one_bad_invitee_imports_none(bad: Invitee, detail: str) -> None:
    meeting = meeting_with()
    rejected = refused(meeting, None, cmd.ImportInvitees((ANNA, bad)))
    assert rejected.reason in (Reason.INVALID, Reason.CONFLICT)
    assert rejected.detail.startswith(detail)


def test_invitees_are_the_servers_alone_and_survive_a_snapshot() -> None:
    meeting = meeting_with()
    stamped = meeting.handle(None, cmd.ImportInvitees((ANNA, JAN)), T0)
    assert [s.audience for s in stamped] == [frozenset()]
    assert list(meeting.state.invitees) == [ANNA.id, JAN.id]
    assert view_for(meeting.state, MODERATOR).invitees == {}
    assert from_plain(MeetingState, to_plain(meeting.state)) == meeting.state
    assert refused(meeting, MODERATOR, cmd.RemoveInvitee(ANNA.id)).reason is Reason.NOT_ALLOWED


def test_a_planned_room_by_name_id_or_new_is_the_plan_on_joining() -> None:
    meeting = meeting_with(rooms=1)
    meeting.handle(None, cmd.ImportInvitees((ANNA, JAN)), T0)
    created = meeting.handle(None, cmd.PreassignInvitee(ANNA.id, "zieleń"), T0)
    assert [type(s.event) for s in created] == [ev.RoomCreated, ev.InviteePreassigned]
    meeting.handle(None, cmd.PreassignInvitee(ANNA.id, "Zieleń"), T0)  # the same room, by name
    meeting.handle(None, cmd.PreassignInvitee(JAN.id, str(room(1))), T0)
    assert meeting.state.invitees[ANNA.id].room == room(2)
    assert meeting.state.invitees[JAN.id].room == room(1)
    assert ANNA.id not in meeting.state.plan

    meeting.handle(None, cmd.Join(ANNA.id, ANNA.name, ANNA.role, district=ANNA.district), T0)
    assert meeting.state.plan[ANNA.id] == room(2)


def test_a_removed_invitee_is_gone_and_cannot_be_planned() -> None:
    meeting = meeting_with()
    meeting.handle(None, cmd.ImportInvitees((ANNA,)), T0)
    meeting.handle(None, cmd.RemoveInvitee(ANNA.id), T0)
    assert meeting.state.invitees == {}
    rejected = refused(meeting, None, cmd.PreassignInvitee(ANNA.id, "Zieleń"))
    assert rejected.reason is Reason.UNKNOWN_PARTICIPANT
