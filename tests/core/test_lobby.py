"""The lobby: who waits (by the mode and the link), what the moderators are told, admitting one or
all as a join would, refusing, leaving, and switching the lobby off. Every refusal leaves the
whole state unchanged (`refused`)."""

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason
from rooms.ids import PLENARY, ParticipantId
from rooms.meeting import Meeting
from rooms.model import Invitee, LobbyMode, Role, Waiting
from rooms.view import view_for

from .builders import MODERATOR, T0, meeting_with, person
from .test_commands import refused

ADA, BO = ParticipantId("ada"), ParticipantId("bo")
INVITEE = ParticipantId("invitee-1")
MODERATORS = frozenset([MODERATOR])


def knock(who: ParticipantId, role: Role = Role.PARTICIPANT, connection: str = "c1") -> cmd.Join:
    return cmd.Join(who, f"Name {who}", role, district="Łabędy", connection=connection)


def with_lobby(mode: LobbyMode, districts: tuple[str, ...] = ("North",)) -> Meeting:
    meeting = meeting_with(districts)
    meeting.handle(MODERATOR, cmd.SetLobby(mode), T0)
    return meeting


def test_setting_the_lobby_tells_everyone() -> None:
    meeting = meeting_with()
    stamped = meeting.handle(MODERATOR, cmd.SetLobby(LobbyMode.UNLISTED), T0)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.LobbySet(LobbyMode.UNLISTED, MODERATOR), None)
    ]
    assert meeting.state.lobby_mode is LobbyMode.UNLISTED
    assert refused(meeting, MODERATOR, cmd.SetLobby(LobbyMode.UNLISTED)).reason is Reason.CONFLICT


def test_a_newcomer_waits_and_only_the_moderators_are_told() -> None:
    meeting = with_lobby(LobbyMode.UNLISTED)
    stamped = meeting.handle(None, knock(ADA), T0 + 5)
    waiting = Waiting(ADA, "Name ada", Role.PARTICIPANT, "", "Łabędy", "", T0 + 5, "c1")
    assert [(s.event, s.audience) for s in stamped] == [(ev.Knocked(waiting), MODERATORS)]
    assert ADA not in meeting.state.participants
    assert list(meeting.state.lobby) == [ADA]
    # A participant's snapshot shows that there is a lobby, not who waits in it.
    assert view_for(meeting.state, person(0)).lobby == {}
    assert view_for(meeting.state, person(0)).lobby_mode is LobbyMode.UNLISTED
    assert view_for(meeting.state, MODERATOR).lobby == {ADA: waiting}


def test_who_waits_by_the_mode_and_the_link() -> None:
    invitee = Invitee(INVITEE, "Iga", Role.PARTICIPANT)
    for mode, waits in (
        (LobbyMode.OFF, set()),
        (LobbyMode.UNLISTED, {"shared"}),
        (LobbyMode.EVERYONE, {"shared", "presenter", "personal"}),
    ):
        meeting = meeting_with()
        meeting.handle(None, cmd.ImportInvitees((invitee,)), T0)
        if mode is not LobbyMode.OFF:
            meeting.handle(MODERATOR, cmd.SetLobby(mode), T0)
        meeting.handle(None, knock(ADA), T0)
        meeting.handle(None, knock(BO, Role.PRESENTER), T0)
        meeting.handle(None, cmd.Join(INVITEE, "Iga", Role.PARTICIPANT), T0)
        meeting.handle(None, knock(ParticipantId("mo2"), Role.MODERATOR), T0)
        named = {ADA: "shared", BO: "presenter", INVITEE: "personal"}
        assert {named[w] for w in meeting.state.lobby} == waits, mode
        assert ParticipantId("mo2") in meeting.state.participants


def test_admitting_makes_a_participant_as_a_join_would() -> None:
    meeting = with_lobby(LobbyMode.EVERYONE)
    meeting.handle(None, knock(ADA), T0)
    stamped = meeting.handle(MODERATOR, cmd.Admit(ADA), T0 + 1)
    joined = ev.ParticipantJoined(ADA, "Name ada", Role.PARTICIPANT, "", "Łabędy", "", PLENARY)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.LetIn(ADA, by=MODERATOR), MODERATORS),
        (joined, None),
    ]
    assert meeting.state.lobby == {}
    assert meeting.state.participants[ADA].district == "Łabędy"


def test_admit_all_lets_everyone_in_in_the_order_they_came() -> None:
    meeting = with_lobby(LobbyMode.EVERYONE)
    meeting.handle(None, knock(BO), T0)
    meeting.handle(None, knock(ADA), T0 + 1)
    stamped = meeting.handle(MODERATOR, cmd.AdmitAll(), T0 + 2)
    assert [s.event.participant for s in stamped if isinstance(s.event, ev.LetIn)] == [BO, ADA]
    assert {BO, ADA} <= set(meeting.state.participants)
    assert refused(meeting, MODERATOR, cmd.AdmitAll()).reason is Reason.CONFLICT


def test_refusing_turns_one_away_and_tells_the_moderators() -> None:
    meeting = with_lobby(LobbyMode.EVERYONE)
    meeting.handle(None, knock(ADA), T0)
    stamped = meeting.handle(MODERATOR, cmd.Refuse(ADA), T0 + 1)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.TurnedAway(ADA, by=MODERATOR), MODERATORS)
    ]
    assert meeting.state.lobby == {} and ADA not in meeting.state.participants
    for command in (cmd.Refuse(ADA), cmd.Admit(ADA)):
        assert refused(meeting, MODERATOR, command).reason is Reason.UNKNOWN_PARTICIPANT


def test_an_invitee_removed_while_waiting_leaves_the_lobby() -> None:
    invitee = Invitee(INVITEE, "Iga", Role.PARTICIPANT)
    meeting = with_lobby(LobbyMode.EVERYONE)
    meeting.handle(None, cmd.ImportInvitees((invitee,)), T0)
    meeting.handle(None, cmd.Join(INVITEE, "Iga", Role.PARTICIPANT), T0)
    assert list(meeting.state.lobby) == [INVITEE]
    stamped = meeting.handle(None, cmd.RemoveInvitee(INVITEE), T0 + 1)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.InviteeRemoved(INVITEE), frozenset()),
        (ev.LeftLobby(INVITEE), MODERATORS),
    ]
    assert meeting.state.lobby == {}
    assert refused(meeting, MODERATOR, cmd.Admit(INVITEE)).reason is Reason.UNKNOWN_PARTICIPANT


def test_only_moderators_set_the_lobby_admit_or_refuse() -> None:
    meeting = with_lobby(LobbyMode.EVERYONE)
    meeting.handle(None, knock(ADA), T0)
    for command in (
        cmd.SetLobby(LobbyMode.OFF),
        cmd.Admit(ADA),
        cmd.AdmitAll(),
        cmd.Refuse(ADA),
    ):
        assert refused(meeting, person(0), command).reason is Reason.NOT_ALLOWED
    # Nor may someone waiting do anything: they are not in the meeting.
    for outside in (cmd.SendChat("hello"), cmd.RaiseHand(), cmd.Admit(ADA)):
        assert refused(meeting, ADA, outside).reason is Reason.NOT_IN_MEETING


def test_admission_checks_the_lock_and_the_capacity_all_or_none() -> None:
    meeting = meeting_with(("North",), config=MeetingConfig(max_participants=3))
    meeting.handle(MODERATOR, cmd.SetLobby(LobbyMode.EVERYONE), T0)
    meeting.handle(None, knock(ADA), T0)
    meeting.handle(None, knock(BO), T0)
    full = refused(meeting, MODERATOR, cmd.AdmitAll())
    assert full.reason is Reason.MEETING_FULL
    assert "1 of the 2 waiting fit" in full.detail
    assert refused(meeting, MODERATOR, cmd.SetLobby(LobbyMode.OFF)).reason is Reason.MEETING_FULL
    meeting.handle(MODERATOR, cmd.LockMeeting(), T0)
    locked = refused(meeting, MODERATOR, cmd.Admit(ADA))
    assert locked.reason is Reason.MEETING_LOCKED and "unlock" in locked.detail
    meeting.handle(MODERATOR, cmd.UnlockMeeting(), T0)
    # Someone gone without a goodbye makes room, as for a join.
    meeting.handle(None, cmd.Disconnect(person(0)), T0)
    stamped = meeting.handle(MODERATOR, cmd.AdmitAll(), T0 + 1)
    assert ev.ParticipantLeft(person(0)) in [s.event for s in stamped]
    assert {ADA, BO} <= set(meeting.state.participants)


def test_switching_the_lobby_off_admits_everyone_waiting() -> None:
    meeting = with_lobby(LobbyMode.EVERYONE)
    meeting.handle(None, knock(ADA), T0)
    stamped = meeting.handle(MODERATOR, cmd.SetLobby(LobbyMode.OFF), T0 + 1)
    assert [type(s.event) for s in stamped] == [ev.LobbySet, ev.LetIn, ev.ParticipantJoined]
    assert ADA in meeting.state.participants and meeting.state.lobby == {}


def test_switching_to_unlisted_keeps_those_waiting() -> None:
    meeting = with_lobby(LobbyMode.EVERYONE)
    meeting.handle(None, knock(BO, Role.PRESENTER), T0)
    meeting.handle(MODERATOR, cmd.SetLobby(LobbyMode.UNLISTED), T0)
    assert list(meeting.state.lobby) == [BO]


def test_leaving_the_lobby_and_a_late_goodbye_from_a_replaced_socket() -> None:
    meeting = with_lobby(LobbyMode.EVERYONE)
    meeting.handle(None, knock(ADA, connection="old"), T0)
    meeting.handle(None, knock(BO), T0 + 1)
    # The same person on a newer socket keeps their place and the time they came.
    again = meeting.handle(None, knock(ADA, connection="new"), T0 + 2)
    assert [s.audience for s in again] == [MODERATORS]
    assert list(meeting.state.lobby) == [ADA, BO]
    assert meeting.state.lobby[ADA].since == T0
    assert meeting.handle(None, cmd.Disconnect(ADA, "old"), T0 + 3) == []
    stamped = meeting.handle(None, cmd.Disconnect(ADA, "new"), T0 + 3)
    assert [(s.event, s.audience) for s in stamped] == [(ev.LeftLobby(ADA), MODERATORS)]
    assert list(meeting.state.lobby) == [BO]


def test_those_in_the_meeting_come_back_without_waiting() -> None:
    meeting = with_lobby(LobbyMode.EVERYONE)
    meeting.handle(None, cmd.Disconnect(person(0)), T0)
    stamped = meeting.handle(None, cmd.Rejoin(person(0)), T0 + 1)
    assert [s.event for s in stamped] == [ev.ParticipantReconnected(person(0))]


def test_a_locked_meeting_refuses_a_knock_at_once() -> None:
    meeting = with_lobby(LobbyMode.EVERYONE)
    meeting.handle(MODERATOR, cmd.LockMeeting(), T0)
    assert refused(meeting, None, knock(ADA)).reason is Reason.MEETING_LOCKED
