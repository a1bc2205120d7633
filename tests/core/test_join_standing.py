"""Who a newcomer may be: not someone removed, not a moderator again after a demotion, and not a
participant passing for a moderator by name."""

import pytest

from rooms import commands as cmd
from rooms import events as ev
from rooms.errors import Reason
from rooms.ids import ParticipantId
from rooms.model import Role

from .builders import MODERATOR, T0, meeting_with, person
from .test_commands import NEWCOMER, events_of, refused

# builders.meeting_with's moderator is called "Mo Derator".
COPIES = ["Mo Derator", "mo derator", "M\u043e D\u0435rator", "Mo  Derator\u200b", "M0 Derator"]


@pytest.mark.parametrize("copy", COPIES)
def test_a_participant_may_not_take_a_moderators_name_or_a_look_alike(copy: str) -> None:
    meeting = meeting_with()
    rejected = refused(meeting, None, cmd.Join(NEWCOMER, copy, Role.PARTICIPANT))
    assert rejected.reason is Reason.NAME_TAKEN
    assert rejected.detail.startswith("name: ")


def test_a_presenter_may_not_either_but_another_moderator_may() -> None:
    meeting = meeting_with()
    rejected = refused(meeting, None, cmd.Join(NEWCOMER, "Mo Derator", Role.PRESENTER))
    assert rejected.reason is Reason.NAME_TAKEN
    # The same person on a second device, with the moderator link.
    assert meeting.handle(None, cmd.Join(NEWCOMER, "Mo Derator", Role.MODERATOR), T0)


def test_a_name_like_a_participants_or_a_former_moderators_is_free() -> None:
    meeting = meeting_with()
    meeting.handle(None, cmd.Join(ParticipantId("mod2"), "Zoe Second", Role.MODERATOR), T0)
    meeting.handle(MODERATOR, cmd.SetRole(ParticipantId("mod2"), Role.PARTICIPANT), T0)
    assert meeting.handle(None, cmd.Join(NEWCOMER, "Person 0", Role.PARTICIPANT), T0)
    assert meeting.handle(None, cmd.Join(ParticipantId("n2"), "Zoe Second", Role.PARTICIPANT), T0)


def test_a_browser_removed_before_cannot_join_again_as_someone_new() -> None:
    meeting = meeting_with()
    meeting.handle(MODERATOR, cmd.RemoveParticipant(person(0)), T0)
    again = cmd.Join(NEWCOMER, "Person 0 again", Role.PARTICIPANT, removed_as=person(0))
    rejected = refused(meeting, None, again)
    assert rejected.reason is Reason.REMOVED
    # Naming someone who was not removed proves nothing against the newcomer.
    fine = cmd.Join(NEWCOMER, "Newcomer", Role.PARTICIPANT, removed_as=person(1))
    assert meeting.handle(None, fine, T0)


def test_a_demoted_moderator_joins_as_a_participant_with_the_moderator_link() -> None:
    meeting = meeting_with()
    demoted = ParticipantId("mod2")
    meeting.handle(None, cmd.Join(demoted, "Zoe Second", Role.MODERATOR), T0)
    meeting.handle(MODERATOR, cmd.SetRole(demoted, Role.PARTICIPANT), T0)
    meeting.handle(None, cmd.Disconnect(demoted), T0)
    meeting.handle(None, cmd.Depart(demoted), T0 + 400)
    join = cmd.Join(NEWCOMER, "Zoe Second", Role.MODERATOR, demoted_as=demoted)
    joined = events_of(meeting.handle(None, join, T0 + 401))
    assert [(e.participant, e.role) for e in joined if isinstance(e, ev.ParticipantJoined)] == [
        (NEWCOMER, Role.PARTICIPANT)
    ]


def test_a_demoted_moderator_made_moderator_again_joins_as_one() -> None:
    meeting = meeting_with()
    again = ParticipantId("mod2")
    meeting.handle(None, cmd.Join(again, "Zoe Second", Role.MODERATOR), T0)
    join = cmd.Join(NEWCOMER, "Zoe Second", Role.MODERATOR, demoted_as=again)
    assert meeting.handle(None, join, T0)
    assert meeting.state.participants[NEWCOMER].role is Role.MODERATOR
