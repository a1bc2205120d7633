"""Every command through `Meeting.handle`: what it does when accepted, and each way it is refused.

A refused command must raise `Rejected` with the reason a client acts on and change nothing, so
every refusal here compares the whole state before and after.
"""

from collections.abc import Callable

import pytest

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason, Rejected
from rooms.events import Stamped
from rooms.ids import PLENARY, AgendaItemId, ParticipantId, PollId, QuestionId
from rooms.meeting import Meeting
from rooms.model import (
    GroupBy,
    Invitee,
    LobbyMode,
    NotesEditing,
    Phase,
    PollKind,
    Presenter,
    QuestionStatus,
    Role,
)
from rooms.plain import RecordError, from_plain, to_plain
from rooms.policy import ANY_PHASE, RULES, Who
from rooms.view import chat_before, sees, view_for

from .builders import MODERATOR, T0, meeting_with, person, room

NEWCOMER = ParticipantId("newcomer")


def refused(
    meeting: Meeting, actor: ParticipantId | None, command: cmd.Command, now: float = T0
) -> Rejected:
    before = to_plain(meeting.state)
    with pytest.raises(Rejected) as caught:
        meeting.handle(actor, command, now)
    assert to_plain(meeting.state) == before
    return caught.value


def events_of(stamped: list[Stamped]) -> list[ev.Event]:
    return [s.event for s in stamped]


QUESTION_1, QUESTION_2, QUESTION_3 = (QuestionId(f"question-{i}") for i in (1, 2, 3))
AGENDA = tuple(cmd.AgendaEntry(f"Item {i}", 10) for i in range(1, 5))
# Showcase: the first item has presenters, the speaker among them and one not joined.
PRESENTED = cmd.AgendaEntry("Item 1", 30, (Presenter(participant=person(2)), Presenter("Late")))
# Polls
POLL_1, POLL_2, POLL_3 = (PollId(f"poll-{i}") for i in (1, 2, 3))


def busy_meeting(phase: Phase) -> Meeting:
    """Rooms planned, raised hands, someone holding the floor and, once open, a call for help.

    Every sample command below is accepted from the moderator in this meeting (in a phase its
    rule allows), so a refusal in it is down to who sent it or when.
    """
    meeting = meeting_with(rooms=2)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(1), room(2)), T0)
    meeting.handle(person(1), cmd.RaiseHand(), T0)
    meeting.handle(person(0), cmd.RaiseHand(), T0)
    # Time enough to hold the floor past the workshops' deadline.
    meeting.handle(MODERATOR, cmd.GiveFloor(person(2), limit_s=1200), T0)
    meeting.handle(MODERATOR, cmd.HardMute(person(2)), T0)
    # An agenda under way: the first item current (its first presenter, the speaker, on), the
    # last one skipped.
    meeting.handle(MODERATOR, cmd.SetAgenda((PRESENTED, *AGENDA[1:])), T0)
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0)
    meeting.handle(MODERATOR, cmd.SkipAgendaItem(AgendaItemId("item-4")), T0)
    # Questions: one from a workshop room, one anonymous, one of the moderator's, upvoted.
    meeting.handle(person(0), cmd.AskQuestion("Who pays for the park?"), T0)
    meeting.handle(person(1), cmd.AskQuestion("When?", anonymous=True), T0)
    meeting.handle(MODERATOR, cmd.AskQuestion("Any more?"), T0)
    meeting.handle(MODERATOR, cmd.UpvoteQuestion(QUESTION_2), T0)
    # Polls: a draft, a named one open, a secret one closed and not yet counted.
    meeting.handle(MODERATOR, cmd.CreatePoll("Which park?", PollKind.ONE, ("North", "South")), T0)
    meeting.handle(MODERATOR, cmd.CreatePoll("More benches?", PollKind.YES_NO_ABSTAIN), T0)
    meeting.handle(MODERATOR, cmd.OpenPoll(POLL_2), T0)
    meeting.handle(MODERATOR, cmd.CreatePoll("Budget?", PollKind.YES_NO_ABSTAIN, secret=True), T0)
    meeting.handle(MODERATOR, cmd.OpenPoll(POLL_3), T0)
    meeting.handle(None, cmd.CastSecretBallot(POLL_3, person(0)), T0)
    meeting.handle(MODERATOR, cmd.ClosePoll(POLL_3), T0)
    # Contacts between leaders: the moderator shares theirs.
    meeting.handle(MODERATOR, cmd.ShareContact(email="mo@example.org"), T0)
    if phase is not Phase.PLENARY:
        meeting.handle(MODERATOR, cmd.OpenRooms(600), T0)
        meeting.handle(person(1), cmd.RequestHelp(), T0)
    if phase is Phase.CLOSING:
        meeting.handle(None, cmd.Tick(), T0 + 600)
    assert meeting.state.phase is phase
    return meeting


def allowed_phase(command_type: type[cmd.Command]) -> Phase:
    phases = RULES[command_type].phases
    return Phase.PLENARY if Phase.PLENARY in phases else Phase.OPEN


SAMPLES: dict[type[cmd.Command], cmd.Command] = {
    cmd.Join: cmd.Join(NEWCOMER, "New Comer", Role.PARTICIPANT),
    cmd.Rejoin: cmd.Rejoin(person(0)),
    cmd.Disconnect: cmd.Disconnect(person(0)),
    cmd.Depart: cmd.Depart(person(0)),
    cmd.Tick: cmd.Tick(),
    cmd.SendChat: cmd.SendChat("hello"),
    cmd.RaiseHand: cmd.RaiseHand(),
    cmd.LowerHand: cmd.LowerHand(),
    cmd.React: cmd.React("👍"),
    cmd.ChooseRoom: cmd.ChooseRoom(room(2)),
    cmd.RequestHelp: cmd.RequestHelp(),
    cmd.CancelHelp: cmd.CancelHelp(),
    cmd.SetRole: cmd.SetRole(person(1), Role.PRESENTER),
    cmd.RemoveParticipant: cmd.RemoveParticipant(person(1)),
    cmd.AskToMute: cmd.AskToMute(person(1)),
    cmd.HardMute: cmd.HardMute(person(1)),
    cmd.LiftHardMute: cmd.LiftHardMute(person(2)),
    cmd.GiveFloor: cmd.GiveFloor(person(1)),
    cmd.TakeFloor: cmd.TakeFloor(),
    cmd.ClearHand: cmd.ClearHand(person(1)),
    cmd.ClearAllHands: cmd.ClearAllHands(),
    cmd.CreateRooms: cmd.CreateRooms(("Extra",)),
    cmd.RenameRoom: cmd.RenameRoom(room(1), "Renamed"),
    cmd.DeleteRoom: cmd.DeleteRoom(room(1)),
    cmd.AssignRandom: cmd.AssignRandom(),
    cmd.AssignMixed: cmd.AssignMixed(),
    cmd.MoveParticipant: cmd.MoveParticipant(person(1), room(1)),
    cmd.SetSelfSelect: cmd.SetSelfSelect(True),
    cmd.OpenRooms: cmd.OpenRooms(600),
    cmd.ExtendRooms: cmd.ExtendRooms(60),
    cmd.CloseRooms: cmd.CloseRooms(),
    cmd.Broadcast: cmd.Broadcast("Back in five minutes"),
    cmd.Visit: cmd.Visit(room(1)),
    cmd.DismissHelp: cmd.DismissHelp(person(1)),
    # The agenda
    cmd.SetAgendaAsOrganiser: cmd.SetAgendaAsOrganiser(AGENDA[:2]),
    cmd.SetAgenda: cmd.SetAgenda(AGENDA[:2]),
    # The organiser's
    cmd.ScheduleAsOrganiser: cmd.ScheduleAsOrganiser("Forum Łabędy", T0 + 3600, T0 + 7200),
    cmd.ReissueLink: cmd.ReissueLink(Role.PRESENTER),
    cmd.ImportInvitees: cmd.ImportInvitees(
        (Invitee(ParticipantId("inv-1"), "Zofia Kołodziej", Role.PARTICIPANT, district="Łabędy"),)
    ),
    cmd.RemoveInvitee: cmd.RemoveInvitee(ParticipantId("inv-1")),
    cmd.PreassignInvitee: cmd.PreassignInvitee(ParticipantId("inv-1"), "Zieleń"),
    cmd.StartAgendaItem: cmd.StartAgendaItem(),
    cmd.SkipAgendaItem: cmd.SkipAgendaItem(AgendaItemId("item-3")),
    cmd.ReopenAgendaItem: cmd.ReopenAgendaItem(AgendaItemId("item-4")),
    # The speakers' list
    cmd.ExtendFloor: cmd.ExtendFloor(60),
    cmd.MoveHand: cmd.MoveHand(person(0), 1),
    # Questions to the panel
    cmd.AskQuestion: cmd.AskQuestion("Is there a budget?", anonymous=True),
    cmd.UpvoteQuestion: cmd.UpvoteQuestion(QUESTION_1),
    cmd.RetractUpvote: cmd.RetractUpvote(QUESTION_2),
    cmd.WithdrawQuestion: cmd.WithdrawQuestion(QUESTION_3),
    cmd.MarkQuestion: cmd.MarkQuestion(QUESTION_1, QuestionStatus.ANSWERING),
    # Showcase
    cmd.NextPresenter: cmd.NextPresenter(),
    cmd.CallPresenter: cmd.CallPresenter(1, person(0)),
    # Polls
    cmd.CreatePoll: cmd.CreatePoll("Which day?", PollKind.MANY, ("Mon", "Tue", "Wed")),
    cmd.OpenPoll: cmd.OpenPoll(POLL_1),
    cmd.ClosePoll: cmd.ClosePoll(POLL_2),
    cmd.RemovePoll: cmd.RemovePoll(POLL_1),
    cmd.CastBallot: cmd.CastBallot(POLL_2, (1,)),
    cmd.CastSecretBallot: cmd.CastSecretBallot(POLL_3, person(1)),
    cmd.RevealPollResult: cmd.RevealPollResult(POLL_3, (1, 0, 0), 1),
    # Ending the meeting
    cmd.EndMeeting: cmd.EndMeeting(),
    # The doors, and muting the plenary (`doors_ready` first)
    cmd.LockMeeting: cmd.LockMeeting(),
    cmd.UnlockMeeting: cmd.UnlockMeeting(),
    cmd.MuteEveryone: cmd.MuteEveryone(),
    # The lobby (`doors_ready` first)
    cmd.SetLobby: cmd.SetLobby(LobbyMode.EVERYONE),
    cmd.Admit: cmd.Admit(NEWCOMER),
    cmd.AdmitAll: cmd.AdmitAll(),
    cmd.Refuse: cmd.Refuse(NEWCOMER),
    # Workshop notes
    cmd.VolunteerRapporteur: cmd.VolunteerRapporteur(),
    cmd.AppointRapporteur: cmd.AppointRapporteur(room(1), person(0)),
    cmd.StepDownAsRapporteur: cmd.StepDownAsRapporteur(room(1)),
    cmd.SetNotesEditing: cmd.SetNotesEditing(room(1), NotesEditing.MEMBERS),
    cmd.EditNotes: cmd.EditNotes(room(1), 0, "# Ideas\n- a park"),
    # Report-back (`report_back_ready` first)
    cmd.StartReportBack: cmd.StartReportBack((room(1), room(2))),
    cmd.NextReport: cmd.NextReport(),
    cmd.CallReport: cmd.CallReport(room(2)),
    cmd.MoveReport: cmd.MoveReport(room(3), 1),
    cmd.EndReportBack: cmd.EndReportBack(),
    # Contacts between leaders
    cmd.ShareContact: cmd.ShareContact(phone="+48 600 100 200"),
    cmd.WithdrawContact: cmd.WithdrawContact(),
    cmd.WithdrawContactByLink: cmd.WithdrawContactByLink(MODERATOR),
}


def report_back_ready(meeting: Meeting, command_type: type[cmd.Command]) -> None:
    """Report-back: it starts once the busy meeting's presenters no longer take turns, and its
    other commands need it running (three rooms, the first reporting)."""
    if command_type not in (
        cmd.StartReportBack,
        cmd.NextReport,
        cmd.CallReport,
        cmd.MoveReport,
        cmd.EndReportBack,
    ):
        return
    meeting.handle(MODERATOR, cmd.SkipAgendaItem(AgendaItemId("item-1")), T0)
    if command_type is not cmd.StartReportBack:
        meeting.handle(MODERATOR, cmd.CreateRooms(("Extra",)), T0)
        meeting.handle(MODERATOR, cmd.StartReportBack((room(1), room(2), room(3))), T0)

def doors_ready(meeting: Meeting, command_type: type[cmd.Command]) -> None:
    """The doors: a meeting is unlocked only once locked; someone is let in from the lobby, or
    turned away, only once they wait there."""
    if command_type is cmd.UnlockMeeting:
        meeting.handle(MODERATOR, cmd.LockMeeting(), T0)
    if command_type in (cmd.Admit, cmd.AdmitAll, cmd.Refuse):
        meeting.handle(MODERATOR, cmd.SetLobby(LobbyMode.EVERYONE), T0)
        meeting.handle(None, cmd.Join(NEWCOMER, "New Comer", Role.PARTICIPANT), T0)


MODERATOR_COMMANDS = [t for t, rule in RULES.items() if rule.who is Who.MODERATOR]
SYSTEM_COMMANDS = [t for t, rule in RULES.items() if rule.who is Who.SYSTEM]
PHASED = [
    (t, phase)
    for t, rule in RULES.items()
    if rule.phases != ANY_PHASE
    for phase in Phase
    if phase not in rule.phases
]


def test_every_command_has_a_rule_and_a_sample() -> None:
    every = set(cmd.CLIENT_COMMANDS) | set(cmd.SystemCommand.__args__)
    assert set(RULES) == every
    assert set(SAMPLES) == every


# Who may send what -------------------------------------------------------------------------


@pytest.mark.parametrize("command_type", MODERATOR_COMMANDS, ids=lambda t: t.__name__)
def test_the_moderator_may_send_each_moderator_command(command_type: type[cmd.Command]) -> None:
    meeting = busy_meeting(allowed_phase(command_type))
    report_back_ready(meeting, command_type)
    doors_ready(meeting, command_type)
    stamped = meeting.handle(MODERATOR, SAMPLES[command_type], T0 + 1)
    assert stamped
    assert [s.seq for s in stamped] == list(range(stamped[0].seq, meeting.state.seq + 1))


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.PRESENTER])
@pytest.mark.parametrize("command_type", MODERATOR_COMMANDS, ids=lambda t: t.__name__)
def test_only_moderators_may_send_moderator_commands(
    command_type: type[cmd.Command], role: Role
) -> None:
    meeting = busy_meeting(allowed_phase(command_type))
    if role is not Role.PARTICIPANT:
        meeting.handle(MODERATOR, cmd.SetRole(person(0), role), T0)
    rejected = refused(meeting, person(0), SAMPLES[command_type], T0 + 1)
    assert rejected.reason is Reason.NOT_ALLOWED


@pytest.mark.parametrize("command_type", SYSTEM_COMMANDS, ids=lambda t: t.__name__)
def test_system_commands_sent_by_anyone_are_refused(command_type: type[cmd.Command]) -> None:
    meeting = busy_meeting(Phase.OPEN)
    assert refused(meeting, MODERATOR, SAMPLES[command_type]).reason is Reason.NOT_ALLOWED
    assert refused(meeting, person(0), SAMPLES[command_type]).reason is Reason.NOT_ALLOWED


@pytest.mark.parametrize(
    ("command_type", "phase"), PHASED, ids=lambda v: getattr(v, "__name__", str(v))
)
def test_commands_in_the_wrong_phase_are_refused(
    command_type: type[cmd.Command], phase: Phase
) -> None:
    meeting = busy_meeting(phase)
    actor = MODERATOR if RULES[command_type].who is Who.MODERATOR else person(1)
    rejected = refused(meeting, actor, SAMPLES[command_type], T0 + 601)
    assert rejected.reason is Reason.WRONG_PHASE
    assert str(phase) in rejected.detail


@pytest.mark.parametrize("actor", [None, ParticipantId("stranger")])
def test_client_commands_from_outside_the_meeting_are_refused(actor: ParticipantId | None) -> None:
    meeting = meeting_with()
    assert refused(meeting, actor, cmd.SendChat("hi")).reason is Reason.NOT_IN_MEETING
    assert refused(meeting, actor, cmd.CreateRooms(("A",))).reason is Reason.NOT_IN_MEETING


def test_a_disconnected_participant_cannot_send_commands_until_it_rejoins() -> None:
    meeting = meeting_with()
    meeting.handle(None, cmd.Disconnect(person(0)), T0)
    assert refused(meeting, person(0), cmd.RaiseHand()).reason is Reason.NOT_IN_MEETING
    meeting.handle(None, cmd.Rejoin(person(0)), T0)
    assert events_of(meeting.handle(person(0), cmd.RaiseHand(), T0)) == [ev.HandRaised(person(0))]


# Presence ------------------------------------------------------------------------------------


def test_join_adds_a_connected_participant_in_the_plenary() -> None:
    meeting = meeting_with()
    join = cmd.Join(NEWCOMER, "  Ada   Lovelace ", Role.PRESENTER, "Analytical", "West", "B")
    stamped = meeting.handle(None, join, T0 + 5)
    assert events_of(stamped) == [
        ev.ParticipantJoined(
            NEWCOMER, "Ada Lovelace", Role.PRESENTER, "Analytical", "West", "B", PLENARY
        )
    ]
    assert stamped[0].seq == meeting.state.seq
    assert stamped[0].at == T0 + 5
    assert stamped[0].audience is None
    newcomer = meeting.state.participants[NEWCOMER]
    assert (newcomer.name, newcomer.room, newcomer.connected) == ("Ada Lovelace", PLENARY, True)


def test_join_twice_is_a_conflict() -> None:
    meeting = meeting_with()
    rejected = refused(meeting, None, cmd.Join(person(0), "Again", Role.PARTICIPANT))
    assert rejected.reason is Reason.CONFLICT


def test_join_a_full_meeting_is_refused() -> None:
    meeting = meeting_with(("North",), config=MeetingConfig(max_participants=2))
    rejected = refused(meeting, None, cmd.Join(NEWCOMER, "One too many", Role.PARTICIPANT))
    assert rejected.reason is Reason.MEETING_FULL
    assert "2" in rejected.detail


def test_join_a_full_meeting_makes_room_by_letting_the_longest_disconnected_go() -> None:
    meeting = meeting_with(("North", "South", "East"), config=MeetingConfig(max_participants=4))
    meeting.handle(person(2), cmd.RaiseHand(), T0 + 5)
    meeting.handle(None, cmd.Disconnect(person(2)), T0 + 10)
    meeting.handle(None, cmd.Disconnect(person(0)), T0 + 20)

    stamped = meeting.handle(None, cmd.Join(NEWCOMER, "Nina", Role.PARTICIPANT), T0 + 30)

    assert events_of(stamped)[0] == ev.ParticipantLeft(person(2))
    assert isinstance(events_of(stamped)[1], ev.ParticipantJoined)
    assert set(meeting.state.participants) == {MODERATOR, person(0), person(1), NEWCOMER}
    assert person(2) not in meeting.state.removed
    assert meeting.state.hand_queue == []
    # The next one makes room the same way: the one disconnected longest of those left.
    stamped = meeting.handle(None, cmd.Join(ParticipantId("n2"), "Ola", Role.PARTICIPANT), T0 + 40)
    assert events_of(stamped)[0] == ev.ParticipantLeft(person(0))


def test_join_a_full_meeting_of_connected_people_is_refused_and_changes_nothing() -> None:
    meeting = meeting_with(("North",), config=MeetingConfig(max_participants=2))
    seq = meeting.state.seq
    rejected = refused(meeting, None, cmd.Join(NEWCOMER, "One too many", Role.PARTICIPANT))
    assert rejected.reason is Reason.MEETING_FULL
    assert meeting.state.seq == seq
    assert len(meeting.state.participants) == 2


def test_disconnect_marks_the_participant_and_is_idempotent() -> None:
    meeting = meeting_with()
    stamped = meeting.handle(None, cmd.Disconnect(person(0)), T0)
    assert events_of(stamped) == [ev.ParticipantDisconnected(person(0))]
    assert meeting.state.participants[person(0)].connected is False
    seq = meeting.state.seq
    assert meeting.handle(None, cmd.Disconnect(person(0)), T0) == []
    assert meeting.handle(None, cmd.Disconnect(ParticipantId("ghost")), T0) == []
    assert meeting.state.seq == seq


def test_a_depart_that_arrives_after_the_ghost_came_back_is_spent() -> None:
    meeting = meeting_with()
    meeting.handle(None, cmd.Disconnect(person(0)), T0)
    meeting.handle(None, cmd.Rejoin(person(0)), T0 + 1)
    seq = meeting.state.seq
    assert meeting.handle(None, cmd.Depart(person(0)), T0 + 400) == []
    assert meeting.handle(None, cmd.Depart(person(1)), T0 + 400) == []
    assert meeting.state.participants[person(0)].connected
    assert meeting.state.seq == seq


def test_depart_lets_a_participant_go_without_barring_them() -> None:
    meeting = meeting_with(rooms=2)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(person(0), cmd.RaiseHand(), T0)
    meeting.handle(None, cmd.Disconnect(person(0)), T0 + 5)
    assert meeting.state.participants[person(0)].disconnected_at == T0 + 5
    stamped = meeting.handle(None, cmd.Depart(person(0)), T0 + 400)
    assert events_of(stamped) == [ev.ParticipantLeft(person(0))]
    assert person(0) not in meeting.state.participants
    assert person(0) not in meeting.state.plan
    assert meeting.state.hand_queue == []
    assert meeting.handle(None, cmd.Depart(person(0)), T0 + 401) == []
    # Unlike a removal, leaving bars nobody: the same id may join again.
    joined = meeting.handle(None, cmd.Join(person(0), "Back again", Role.PARTICIPANT), T0 + 402)
    assert events_of(joined)[0] == ev.ParticipantJoined(
        person(0), "Back again", Role.PARTICIPANT, "", "", "", PLENARY
    )


def test_rejoin_reconnects_and_replaces_a_connection_still_open() -> None:
    meeting = meeting_with()
    # Back on a new connection while the old one looked open: said, so the old one is closed.
    replaced = meeting.handle(None, cmd.Rejoin(person(0)), T0)
    assert events_of(replaced) == [ev.ParticipantReconnected(person(0))]
    assert meeting.state.participants[person(0)].connected is True
    meeting.handle(None, cmd.Disconnect(person(0)), T0)
    stamped = meeting.handle(None, cmd.Rejoin(person(0)), T0)
    assert events_of(stamped) == [ev.ParticipantReconnected(person(0))]
    assert meeting.state.participants[person(0)].connected is True


def test_rejoin_of_someone_never_in_the_meeting_is_refused() -> None:
    meeting = meeting_with()
    rejected = refused(meeting, None, cmd.Rejoin(ParticipantId("ghost")))
    assert rejected.reason is Reason.UNKNOWN_PARTICIPANT


def test_assignment_survives_disconnect_and_rejoin() -> None:
    meeting = meeting_with(rooms=2)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(2)), T0)
    meeting.handle(None, cmd.Disconnect(person(0)), T0 + 1)
    opened = meeting.handle(MODERATOR, cmd.OpenRooms(600), T0 + 2)
    assert ev.ParticipantMoved(person(0), room(2)) in events_of(opened)
    meeting.handle(None, cmd.Rejoin(person(0)), T0 + 3)
    me = meeting.state.participants[person(0)]
    assert (me.room, me.connected) == (room(2), True)


def test_hand_queue_position_is_kept_across_disconnect_and_rejoin() -> None:
    meeting = meeting_with()
    for i in range(3):
        meeting.handle(person(i), cmd.RaiseHand(), T0)
    meeting.handle(None, cmd.Disconnect(person(1)), T0)
    assert meeting.state.hand_queue == [person(0), person(1), person(2)]
    meeting.handle(None, cmd.Rejoin(person(1)), T0)
    assert meeting.state.hand_queue == [person(0), person(1), person(2)]


# Hands and the floor -------------------------------------------------------------------------


def test_hands_queue_in_the_order_raised_and_lower() -> None:
    meeting = meeting_with()
    assert events_of(meeting.handle(person(2), cmd.RaiseHand(), T0)) == [ev.HandRaised(person(2))]
    meeting.handle(person(0), cmd.RaiseHand(), T0)
    assert meeting.state.hand_queue == [person(2), person(0)]
    lowered = meeting.handle(person(2), cmd.LowerHand(), T0)
    assert events_of(lowered) == [ev.HandLowered(person(2), by=person(2))]
    assert meeting.state.hand_queue == [person(0)]


def test_raise_hand_twice_or_while_holding_the_floor_is_a_conflict() -> None:
    meeting = meeting_with()
    meeting.handle(person(0), cmd.RaiseHand(), T0)
    assert refused(meeting, person(0), cmd.RaiseHand()).reason is Reason.CONFLICT
    meeting.handle(MODERATOR, cmd.GiveFloor(person(1)), T0)
    assert refused(meeting, person(1), cmd.RaiseHand()).reason is Reason.CONFLICT


def test_lower_hand_that_is_not_raised_is_a_conflict() -> None:
    meeting = meeting_with()
    assert refused(meeting, person(0), cmd.LowerHand()).reason is Reason.CONFLICT


def test_give_floor_to_the_first_hand_takes_it_from_the_previous_speaker() -> None:
    meeting = meeting_with()
    meeting.handle(person(1), cmd.RaiseHand(), T0)
    meeting.handle(person(0), cmd.RaiseHand(), T0)
    first = meeting.handle(MODERATOR, cmd.GiveFloor(), T0)
    # For the meeting's default time, with the warning before its end.
    assert events_of(first) == [ev.FloorGiven(person(1), MODERATOR, T0 + 180, T0 + 150)]
    assert meeting.state.floor == person(1)
    assert meeting.state.hand_queue == [person(0)]
    second = meeting.handle(MODERATOR, cmd.GiveFloor(), T0)
    assert events_of(second) == [
        ev.FloorTaken(person(1), by=MODERATOR),
        ev.FloorGiven(person(0), MODERATOR, T0 + 180, T0 + 150),
    ]
    assert (meeting.state.floor, meeting.state.hand_queue) == (person(0), [])


def test_give_floor_refusals() -> None:
    meeting = meeting_with()
    assert refused(meeting, MODERATOR, cmd.GiveFloor()).reason is Reason.CONFLICT
    unknown = refused(meeting, MODERATOR, cmd.GiveFloor(ParticipantId("ghost")))
    assert unknown.reason is Reason.UNKNOWN_PARTICIPANT
    meeting.handle(MODERATOR, cmd.GiveFloor(person(0)), T0)
    assert refused(meeting, MODERATOR, cmd.GiveFloor(person(0))).reason is Reason.CONFLICT


def test_take_floor() -> None:
    meeting = meeting_with()
    assert refused(meeting, MODERATOR, cmd.TakeFloor()).reason is Reason.CONFLICT
    meeting.handle(MODERATOR, cmd.GiveFloor(person(0)), T0)
    taken = meeting.handle(MODERATOR, cmd.TakeFloor(), T0)
    assert events_of(taken) == [ev.FloorTaken(person(0), by=MODERATOR)]
    assert meeting.state.floor is None


def test_clear_hand() -> None:
    meeting = meeting_with()
    meeting.handle(person(0), cmd.RaiseHand(), T0)
    meeting.handle(person(1), cmd.RaiseHand(), T0)
    cleared = meeting.handle(MODERATOR, cmd.ClearHand(person(0)), T0)
    assert events_of(cleared) == [ev.HandLowered(person(0), by=MODERATOR)]
    assert meeting.state.hand_queue == [person(1)]
    assert refused(meeting, MODERATOR, cmd.ClearHand(person(0))).reason is Reason.CONFLICT
    unknown = refused(meeting, MODERATOR, cmd.ClearHand(ParticipantId("ghost")))
    assert unknown.reason is Reason.UNKNOWN_PARTICIPANT


def test_clear_all_hands() -> None:
    meeting = meeting_with()
    assert meeting.handle(MODERATOR, cmd.ClearAllHands(), T0) == []
    meeting.handle(person(1), cmd.RaiseHand(), T0)
    meeting.handle(person(0), cmd.RaiseHand(), T0)
    cleared = meeting.handle(MODERATOR, cmd.ClearAllHands(), T0)
    assert events_of(cleared) == [
        ev.HandLowered(person(1), by=MODERATOR),
        ev.HandLowered(person(0), by=MODERATOR),
    ]
    assert meeting.state.hand_queue == []


# People --------------------------------------------------------------------------------------


def test_set_role() -> None:
    meeting = meeting_with()
    changed = meeting.handle(MODERATOR, cmd.SetRole(person(0), Role.MODERATOR), T0)
    assert events_of(changed) == [ev.RoleChanged(person(0), Role.MODERATOR, by=MODERATOR)]
    assert meeting.state.participants[person(0)].role is Role.MODERATOR
    # The promoted moderator can now run the meeting, and demote the first one.
    meeting.handle(person(0), cmd.SetRole(MODERATOR, Role.PARTICIPANT), T0)
    assert meeting.state.moderators() == [person(0)]


def test_set_role_refusals() -> None:
    meeting = meeting_with()
    same = refused(meeting, MODERATOR, cmd.SetRole(person(0), Role.PARTICIPANT))
    assert same.reason is Reason.CONFLICT
    last = refused(meeting, MODERATOR, cmd.SetRole(MODERATOR, Role.PARTICIPANT))
    assert (last.reason, last.detail) == (Reason.CONFLICT, "the last moderator cannot be demoted")
    unknown = refused(meeting, MODERATOR, cmd.SetRole(ParticipantId("ghost"), Role.PRESENTER))
    assert unknown.reason is Reason.UNKNOWN_PARTICIPANT


def test_remove_participant_forgets_its_hand_floor_plan_and_help_call() -> None:
    meeting = meeting_with(rooms=1)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(1), room(1)), T0)
    meeting.handle(person(0), cmd.RaiseHand(), T0)
    meeting.handle(MODERATOR, cmd.GiveFloor(person(1)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(), T0)
    meeting.handle(person(1), cmd.RequestHelp(), T0)
    for target in (person(0), person(1)):
        removed = meeting.handle(MODERATOR, cmd.RemoveParticipant(target), T0)
        assert events_of(removed) == [ev.ParticipantRemoved(target, by=MODERATOR)]
    state = meeting.state
    assert set(state.participants) == {MODERATOR, person(2)}
    assert (state.hand_queue, state.floor, state.plan, state.help_queue) == ([], None, {}, [])
    assert state.removed == [person(0), person(1)]


def test_a_removed_participant_cannot_join_or_rejoin() -> None:
    meeting = meeting_with()
    meeting.handle(MODERATOR, cmd.RemoveParticipant(person(0)), T0)
    join = refused(meeting, None, cmd.Join(person(0), "Back again", Role.PARTICIPANT))
    assert join.reason is Reason.REMOVED
    assert refused(meeting, None, cmd.Rejoin(person(0))).reason is Reason.REMOVED
    assert refused(meeting, person(0), cmd.SendChat("hi")).reason is Reason.NOT_IN_MEETING


def test_remove_participant_refusals() -> None:
    meeting = meeting_with()
    assert refused(meeting, MODERATOR, cmd.RemoveParticipant(MODERATOR)).reason is Reason.INVALID
    unknown = refused(meeting, MODERATOR, cmd.RemoveParticipant(ParticipantId("ghost")))
    assert unknown.reason is Reason.UNKNOWN_PARTICIPANT


def test_ask_to_mute_goes_to_the_participant_and_the_moderators_only() -> None:
    meeting = meeting_with()
    meeting.handle(MODERATOR, cmd.SetRole(person(2), Role.MODERATOR), T0)
    stamped = meeting.handle(MODERATOR, cmd.AskToMute(person(0)), T0)
    assert events_of(stamped) == [ev.MuteRequested(person(0), by=MODERATOR)]
    assert stamped[0].audience == frozenset({person(0), MODERATOR, person(2)})
    assert not sees(stamped[0], person(1))
    unknown = refused(meeting, MODERATOR, cmd.AskToMute(ParticipantId("ghost")))
    assert unknown.reason is Reason.UNKNOWN_PARTICIPANT


def test_hard_mute_blocks_the_audio_until_lifted_and_everyone_sees_it() -> None:
    meeting = meeting_with()
    blocked = meeting.handle(MODERATOR, cmd.HardMute(person(0)), T0)
    assert events_of(blocked) == [ev.AudioBlocked(person(0), by=MODERATOR)]
    assert blocked[0].audience is None
    assert meeting.state.audio_blocked == [person(0)]
    allowed = meeting.handle(MODERATOR, cmd.LiftHardMute(person(0)), T0)
    assert events_of(allowed) == [ev.AudioAllowed(person(0), by=MODERATOR)]
    assert allowed[0].audience is None
    assert meeting.state.audio_blocked == []


def test_hard_mute_refusals() -> None:
    meeting = meeting_with()
    ghost = ParticipantId("ghost")
    assert refused(meeting, MODERATOR, cmd.HardMute(ghost)).reason is Reason.UNKNOWN_PARTICIPANT
    unknown = refused(meeting, MODERATOR, cmd.LiftHardMute(ghost))
    assert unknown.reason is Reason.UNKNOWN_PARTICIPANT
    not_muted = refused(meeting, MODERATOR, cmd.LiftHardMute(person(0)))
    assert (not_muted.reason, not_muted.detail) == (Reason.CONFLICT, "not hard-muted")
    meeting.handle(MODERATOR, cmd.HardMute(person(0)), T0)
    twice = refused(meeting, MODERATOR, cmd.HardMute(person(0)))
    assert (twice.reason, twice.detail) == (Reason.CONFLICT, "already hard-muted")
    # A participant can neither mute someone else nor lift their own mute.
    assert refused(meeting, person(1), cmd.HardMute(person(2))).reason is Reason.NOT_ALLOWED
    assert refused(meeting, person(0), cmd.LiftHardMute(person(0))).reason is Reason.NOT_ALLOWED


def test_hard_mute_is_kept_across_reconnects_and_forgotten_when_the_person_goes() -> None:
    meeting = meeting_with()
    for who in (person(0), person(1), person(2)):
        meeting.handle(MODERATOR, cmd.HardMute(who), T0)
    meeting.handle(None, cmd.Disconnect(person(0)), T0)
    meeting.handle(None, cmd.Rejoin(person(0)), T0)
    assert meeting.state.audio_blocked == [person(0), person(1), person(2)]
    meeting.handle(MODERATOR, cmd.RemoveParticipant(person(1)), T0)
    meeting.handle(None, cmd.Disconnect(person(2)), T0)
    meeting.handle(None, cmd.Depart(person(2)), T0)
    assert meeting.state.audio_blocked == [person(0)]
    # Someone who left and joins again starts unmuted.
    meeting.handle(None, cmd.Join(person(2), "Person 2", Role.PARTICIPANT), T0)
    assert meeting.state.audio_blocked == [person(0)]


def test_react() -> None:
    meeting = meeting_with()
    assert events_of(meeting.handle(person(0), cmd.React("🎉"), T0)) == [
        ev.Reacted(person(0), "🎉")
    ]
    assert refused(meeting, person(0), cmd.React("💩")).reason is Reason.INVALID


def test_broadcast() -> None:
    meeting = meeting_with()
    stamped = meeting.handle(MODERATOR, cmd.Broadcast("  Five minutes left\n"), T0)
    assert events_of(stamped) == [ev.BroadcastSent(MODERATOR, "Five minutes left")]
    assert stamped[0].audience is None


# Rooms ---------------------------------------------------------------------------------------


def test_create_rooms_numbers_them_and_never_reuses_an_id() -> None:
    meeting = meeting_with()
    created = meeting.handle(MODERATOR, cmd.CreateRooms(("Parks", " Traffic  calming ")), T0)
    assert events_of(created) == [
        ev.RoomCreated(room(1), "Parks"),
        ev.RoomCreated(room(2), "Traffic calming"),
    ]
    assert [w.name for w in meeting.state.workshops.values()] == ["Parks", "Traffic calming"]
    meeting.handle(MODERATOR, cmd.DeleteRoom(room(2)), T0)
    again = meeting.handle(MODERATOR, cmd.CreateRooms(("Schools",)), T0)
    assert events_of(again) == [ev.RoomCreated(room(3), "Schools")]


def test_create_rooms_beyond_the_limit_is_refused() -> None:
    meeting = meeting_with(rooms=2, config=MeetingConfig(max_rooms=3))
    rejected = refused(meeting, MODERATOR, cmd.CreateRooms(("C", "D")))
    assert rejected.reason is Reason.INVALID
    assert rejected.detail.startswith("names:")
    meeting.handle(MODERATOR, cmd.CreateRooms(("C",)), T0)
    assert len(meeting.state.workshops) == 3


def test_commands_check_their_own_shape() -> None:
    with pytest.raises(ValueError, match="at least one room"):
        cmd.CreateRooms(())
    with pytest.raises(ValueError, match="plenary"):
        cmd.RenameRoom(PLENARY, "Main hall")
    with pytest.raises(ValueError, match="plenary"):
        cmd.DeleteRoom(PLENARY)
    with pytest.raises(ValueError, match="positive"):
        cmd.OpenRooms(0)
    with pytest.raises(ValueError, match="positive"):
        cmd.ExtendRooms(-5)


def test_rename_room_keeps_the_topic_unless_given() -> None:
    meeting = meeting_with(rooms=1)
    renamed = meeting.handle(MODERATOR, cmd.RenameRoom(room(1), "Parks", "More trees?"), T0)
    assert events_of(renamed) == [ev.RoomRenamed(room(1), "Parks", "More trees?")]
    meeting.handle(MODERATOR, cmd.RenameRoom(room(1), "Green spaces"), T0)
    workshop = meeting.state.workshops[room(1)]
    assert (workshop.name, workshop.topic) == ("Green spaces", "More trees?")
    meeting.handle(MODERATOR, cmd.RenameRoom(room(1), "Green spaces", ""), T0)
    assert workshop.topic == ""


def test_rename_or_delete_an_unknown_room_is_refused() -> None:
    meeting = meeting_with(rooms=1)
    assert refused(meeting, MODERATOR, cmd.RenameRoom(room(9), "X")).reason is Reason.UNKNOWN_ROOM
    assert refused(meeting, MODERATOR, cmd.DeleteRoom(room(9))).reason is Reason.UNKNOWN_ROOM


def test_delete_room_sends_its_members_back_and_drops_its_plan() -> None:
    meeting = meeting_with(rooms=2)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(1), room(2)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(), T0)
    meeting.handle(person(0), cmd.RequestHelp(), T0)
    deleted = meeting.handle(MODERATOR, cmd.DeleteRoom(room(1)), T0)
    assert events_of(deleted) == [
        ev.ParticipantMoved(person(0), PLENARY),
        ev.RoomDeleted(room(1)),
    ]
    state = meeting.state
    assert list(state.workshops) == [room(2)]
    assert state.participants[person(0)].room == PLENARY
    assert state.plan == {person(1): room(2)}
    assert state.help_queue == []


def test_assign_random_plans_every_connected_participant() -> None:
    meeting = meeting_with(("a", "b", "c", "d", "e"), rooms=2)
    stamped = meeting.handle(MODERATOR, cmd.AssignRandom(), T0)
    assert len(stamped) == 1
    event = stamped[0].event
    assert isinstance(event, ev.PlanSet)
    assert set(event.plan) == {person(i) for i in range(5)}
    assert sorted(list(event.plan.values()).count(r) for r in (room(1), room(2))) == [2, 3]
    assert meeting.state.plan == event.plan
    # Planning moves nobody until the rooms open.
    assert all(p.room == PLENARY for p in meeting.state.participants.values())


@pytest.mark.parametrize("command", [cmd.AssignRandom(), cmd.AssignMixed()], ids=repr)
def test_assign_without_rooms_is_refused(command: cmd.Command) -> None:
    meeting = meeting_with()
    assert refused(meeting, MODERATOR, command).reason is Reason.CONFLICT


def test_mixed_assignment_reads_one_key_or_a_list_of_them() -> None:
    both = from_plain(cmd.AssignMixed, {"by": ["district", "organisation"]})
    assert both.keys == (GroupBy.DISTRICT, GroupBy.ORGANISATION)
    assert from_plain(cmd.AssignMixed, {"by": "group"}).keys == (GroupBy.GROUP,)
    assert from_plain(cmd.AssignMixed, {}).keys == (GroupBy.DISTRICT,)
    flags = from_plain(cmd.AssignRandom, {"include_absent": True, "include_presenters": True})
    assert flags == cmd.AssignRandom(include_absent=True, include_presenters=True)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"by": []}, "by must name at least one key"),
        ({"by": ["district", "district"]}, "by must not name a key twice"),
        ({"by": ["district", "street"]}, "by"),
        ({"include_absent": "yes"}, "include_absent: expected a boolean"),
    ],
)
def test_a_bad_mixed_assignment_says_which_field(fields: dict[str, object], problem: str) -> None:
    with pytest.raises(RecordError) as caught:
        from_plain(cmd.AssignMixed, fields)
    assert problem in str(caught.value)


def test_move_participant_before_opening_only_plans() -> None:
    meeting = meeting_with(rooms=2)
    moved = meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(2)), T0)
    assert events_of(moved) == [ev.Assigned(person(0), room(2))]
    assert meeting.state.plan == {person(0): room(2)}
    assert meeting.state.participants[person(0)].room == PLENARY
    unplanned = meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), PLENARY), T0)
    assert events_of(unplanned) == [ev.Assigned(person(0), PLENARY)]
    assert meeting.state.plan == {}


def test_move_participant_while_open_moves_at_once() -> None:
    meeting = meeting_with(rooms=2)
    meeting.handle(MODERATOR, cmd.OpenRooms(), T0)
    moved = meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(2)), T0)
    assert events_of(moved) == [
        ev.Assigned(person(0), room(2)),
        ev.ParticipantMoved(person(0), room(2)),
    ]
    assert meeting.state.participants[person(0)].room == room(2)


def test_move_participant_refusals() -> None:
    meeting = meeting_with(rooms=1)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    same = refused(meeting, MODERATOR, cmd.MoveParticipant(person(0), room(1)))
    assert same.reason is Reason.CONFLICT
    nowhere = refused(meeting, MODERATOR, cmd.MoveParticipant(person(0), room(7)))
    assert nowhere.reason is Reason.UNKNOWN_ROOM
    nobody = refused(meeting, MODERATOR, cmd.MoveParticipant(ParticipantId("ghost"), room(1)))
    assert nobody.reason is Reason.UNKNOWN_PARTICIPANT


def test_self_select_lets_participants_choose_their_room() -> None:
    meeting = meeting_with(rooms=2)
    assert refused(meeting, person(0), cmd.ChooseRoom(room(1))).reason is Reason.NOT_ALLOWED
    allowed = meeting.handle(MODERATOR, cmd.SetSelfSelect(True), T0)
    assert events_of(allowed) == [ev.SelfSelectChanged(True)]
    assert meeting.handle(MODERATOR, cmd.SetSelfSelect(True), T0) == []
    chosen = meeting.handle(person(0), cmd.ChooseRoom(room(1)), T0)
    assert events_of(chosen) == [ev.Assigned(person(0), room(1))]
    assert refused(meeting, person(0), cmd.ChooseRoom(room(1))).reason is Reason.CONFLICT
    assert refused(meeting, person(0), cmd.ChooseRoom(room(5))).reason is Reason.UNKNOWN_ROOM
    meeting.handle(MODERATOR, cmd.OpenRooms(), T0)
    meeting.handle(person(1), cmd.ChooseRoom(room(2)), T0)
    assert meeting.state.participants[person(1)].room == room(2)
    meeting.handle(MODERATOR, cmd.SetSelfSelect(False), T0)
    assert refused(meeting, person(1), cmd.ChooseRoom(room(1))).reason is Reason.NOT_ALLOWED


def test_open_rooms_moves_everyone_to_their_planned_room() -> None:
    meeting = meeting_with(rooms=2)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(1), room(2)), T0)
    opened = meeting.handle(MODERATOR, cmd.OpenRooms(900), T0)
    assert events_of(opened) == [
        ev.RoomsOpened(T0 + 900, T0 + 840),
        ev.ParticipantMoved(person(0), room(1)),
        ev.ParticipantMoved(person(1), room(2)),
    ]
    state = meeting.state
    assert (state.phase, state.clock.deadline) == (Phase.OPEN, T0 + 900)
    assert {p.id: p.room for p in state.participants.values()} == {
        MODERATOR: PLENARY,
        person(0): room(1),
        person(1): room(2),
        person(2): PLENARY,
    }


def test_open_rooms_without_a_duration_has_no_clock() -> None:
    meeting = meeting_with(rooms=1)
    assert events_of(meeting.handle(MODERATOR, cmd.OpenRooms(), T0)) == [ev.RoomsOpened(None)]
    assert meeting.next_wakeup() is None
    assert meeting.handle(None, cmd.Tick(), T0 + 100_000) == []


def test_open_rooms_refusals() -> None:
    meeting = meeting_with(config=MeetingConfig(max_duration_s=3600))
    assert refused(meeting, MODERATOR, cmd.OpenRooms(60)).reason is Reason.CONFLICT
    meeting.handle(MODERATOR, cmd.CreateRooms(("A",)), T0)
    too_long = refused(meeting, MODERATOR, cmd.OpenRooms(3601))
    assert (too_long.reason, too_long.detail.split(":")[0]) == (Reason.INVALID, "duration")
    meeting.handle(MODERATOR, cmd.OpenRooms(3600), T0)


def test_close_rooms_brings_everyone_back() -> None:
    meeting = busy_meeting(Phase.OPEN)
    meeting.handle(MODERATOR, cmd.Visit(room(2)), T0)
    closed = meeting.handle(MODERATOR, cmd.CloseRooms(), T0 + 10)
    assert events_of(closed) == [
        ev.RoomsClosed(),
        ev.ParticipantMoved(MODERATOR, PLENARY),
        ev.ParticipantMoved(person(0), PLENARY),
        ev.ParticipantMoved(person(1), PLENARY),
    ]
    state = meeting.state
    assert state.phase is Phase.PLENARY
    assert all(p.room == PLENARY for p in state.participants.values())
    assert (state.clock.deadline, state.help_queue) == (None, [])
    # Only the floor's countdown goes on.
    assert meeting.next_wakeup() == state.floor_clock.warning_at


def test_extend_rooms_refuses_a_duration_over_the_limit() -> None:
    meeting = meeting_with(rooms=1, config=MeetingConfig(max_duration_s=600))
    meeting.handle(MODERATOR, cmd.OpenRooms(600), T0)
    rejected = refused(meeting, MODERATOR, cmd.ExtendRooms(601))
    assert (rejected.reason, rejected.detail.split(":")[0]) == (Reason.INVALID, "duration")


# The workshops' clock ------------------------------------------------------------------------


def running_meeting(duration: int = 600) -> Meeting:
    meeting = meeting_with(rooms=2, config=MeetingConfig(warning_s=60, grace_s=15))
    meeting.handle(MODERATOR, cmd.AssignRandom(), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(duration), T0)
    return meeting


def test_the_clock_warns_closes_and_brings_everyone_back() -> None:
    meeting = running_meeting()
    deadline = T0 + 600
    assert meeting.next_wakeup() == deadline - 60
    assert meeting.handle(None, cmd.Tick(), deadline - 61) == []

    warned = meeting.handle(None, cmd.Tick(), deadline - 60)
    assert events_of(warned) == [ev.TimeWarning(deadline)]
    assert meeting.next_wakeup() == deadline
    assert meeting.handle(None, cmd.Tick(), deadline - 30) == []

    closing = meeting.handle(None, cmd.Tick(), deadline)
    assert events_of(closing) == [ev.RoomsClosing(deadline + 15)]
    assert (meeting.state.phase, meeting.next_wakeup()) == (Phase.CLOSING, deadline + 15)
    assert all(p.room != PLENARY for p in meeting.state.participants.values() if p.id != MODERATOR)
    assert meeting.handle(None, cmd.Tick(), deadline + 14.9) == []

    closed = meeting.handle(None, cmd.Tick(), deadline + 15)
    assert events_of(closed)[0] == ev.RoomsClosed()
    assert {type(e) for e in events_of(closed)[1:]} == {ev.ParticipantMoved}
    assert meeting.state.phase is Phase.PLENARY
    assert all(p.room == PLENARY for p in meeting.state.participants.values())
    assert meeting.next_wakeup() is None
    assert meeting.handle(None, cmd.Tick(), deadline + 100) == []


def test_a_late_tick_closes_in_one_go() -> None:
    meeting = running_meeting()
    late = meeting.handle(None, cmd.Tick(), T0 + 10_000)
    events = events_of(late)
    assert events[:2] == [ev.RoomsClosing(T0 + 615), ev.RoomsClosed()]
    assert meeting.state.phase is Phase.PLENARY
    assert all(p.room == PLENARY for p in meeting.state.participants.values())


def test_extend_while_open_pushes_the_deadline_and_warns_again() -> None:
    meeting = running_meeting()
    meeting.handle(None, cmd.Tick(), T0 + 540)
    assert meeting.state.clock.warned
    extended = meeting.handle(MODERATOR, cmd.ExtendRooms(300), T0 + 550)
    assert events_of(extended) == [ev.RoomsExtended(T0 + 900, T0 + 840)]
    assert meeting.state.clock.deadline == T0 + 900
    assert meeting.next_wakeup() == T0 + 840
    assert meeting.handle(None, cmd.Tick(), T0 + 600) == []
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 840)) == [ev.TimeWarning(T0 + 900)]


def test_extend_while_closing_reopens_from_now() -> None:
    meeting = running_meeting()
    meeting.handle(None, cmd.Tick(), T0 + 600)
    assert (meeting.state.phase, meeting.next_wakeup()) == (Phase.CLOSING, T0 + 615)
    rooms_before = {p.id: p.room for p in meeting.state.participants.values()}
    extended = meeting.handle(MODERATOR, cmd.ExtendRooms(120), T0 + 605)
    # Two minutes left: warned in their last quarter.
    assert events_of(extended) == [ev.RoomsExtended(T0 + 725, T0 + 695)]
    state = meeting.state
    assert (state.phase, state.clock.grace_ends_at) == (Phase.OPEN, None)
    assert {p.id: p.room for p in state.participants.values()} == rooms_before
    assert meeting.next_wakeup() == T0 + 695
    assert meeting.handle(None, cmd.Tick(), T0 + 615) == []
    assert meeting.state.phase is Phase.OPEN


def test_extend_without_a_deadline_counts_from_now() -> None:
    meeting = meeting_with(rooms=1)
    meeting.handle(MODERATOR, cmd.OpenRooms(), T0)
    meeting.handle(MODERATOR, cmd.ExtendRooms(60), T0 + 30)
    assert meeting.state.clock.deadline == T0 + 90


def test_a_short_round_warns_in_its_last_quarter_only() -> None:
    meeting = running_meeting(duration=60)
    assert meeting.state.clock.warning_at == T0 + 45
    assert meeting.next_wakeup() == T0 + 45
    assert meeting.handle(None, cmd.Tick(), T0) == []
    assert meeting.handle(None, cmd.Tick(), T0 + 44.9) == []
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 45)) == [ev.TimeWarning(T0 + 60)]


def test_a_short_extension_warns_in_the_last_quarter_of_the_time_left() -> None:
    meeting = running_meeting(duration=600)
    meeting.handle(None, cmd.Tick(), T0 + 590)
    extended = meeting.handle(MODERATOR, cmd.ExtendRooms(30), T0 + 590)
    # 40 s left after the extension: warned with 10 s to go, not at once.
    assert events_of(extended) == [ev.RoomsExtended(T0 + 630, T0 + 620)]
    assert meeting.handle(None, cmd.Tick(), T0 + 591) == []
    assert events_of(meeting.handle(None, cmd.Tick(), T0 + 620)) == [ev.TimeWarning(T0 + 630)]


def test_without_a_warning_the_next_wakeup_is_the_deadline() -> None:
    meeting = meeting_with(rooms=1, config=MeetingConfig(warning_s=0, grace_s=0))
    meeting.handle(MODERATOR, cmd.OpenRooms(300), T0)
    assert meeting.next_wakeup() == T0 + 300
    assert meeting.handle(None, cmd.Tick(), T0 + 299) == []
    done = meeting.handle(None, cmd.Tick(), T0 + 300)
    assert events_of(done)[:2] == [ev.RoomsClosing(T0 + 300), ev.RoomsClosed()]


# Help ----------------------------------------------------------------------------------------


def test_help_queue_and_visit() -> None:
    meeting = meeting_with(rooms=2)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(1), room(2)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(), T0)
    asked = meeting.handle(person(0), cmd.RequestHelp(), T0 + 1)
    assert events_of(asked) == [ev.HelpRequested(person(0), room(1))]
    meeting.handle(person(1), cmd.RequestHelp(), T0 + 2)
    calls = [(c.participant, c.room, c.at) for c in meeting.state.help_queue]
    assert calls == [(person(0), room(1), T0 + 1), (person(1), room(2), T0 + 2)]

    visited = meeting.handle(MODERATOR, cmd.Visit(room(1)), T0 + 3)
    assert events_of(visited) == [
        ev.HelpCleared(person(0), by=MODERATOR),
        ev.ParticipantMoved(MODERATOR, room(1)),
    ]
    assert meeting.state.participants[MODERATOR].room == room(1)
    assert [c.participant for c in meeting.state.help_queue] == [person(1)]
    back = meeting.handle(MODERATOR, cmd.Visit(PLENARY), T0 + 4)
    assert events_of(back) == [ev.ParticipantMoved(MODERATOR, PLENARY)]


def test_help_refusals() -> None:
    meeting = meeting_with(rooms=1)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(), T0)
    from_plenary = refused(meeting, person(1), cmd.RequestHelp())
    assert from_plenary.reason is Reason.CONFLICT
    assert refused(meeting, person(0), cmd.CancelHelp()).reason is Reason.CONFLICT
    assert refused(meeting, MODERATOR, cmd.DismissHelp(person(0))).reason is Reason.CONFLICT
    meeting.handle(person(0), cmd.RequestHelp(), T0)
    assert refused(meeting, person(0), cmd.RequestHelp()).reason is Reason.CONFLICT


def test_cancel_and_dismiss_help() -> None:
    meeting = meeting_with(rooms=1)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(1), room(1)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(), T0)
    meeting.handle(person(0), cmd.RequestHelp(), T0)
    meeting.handle(person(1), cmd.RequestHelp(), T0)
    cancelled = meeting.handle(person(0), cmd.CancelHelp(), T0)
    assert events_of(cancelled) == [ev.HelpCleared(person(0), by=person(0))]
    dismissed = meeting.handle(MODERATOR, cmd.DismissHelp(person(1)), T0)
    assert events_of(dismissed) == [ev.HelpCleared(person(1), by=MODERATOR)]
    assert meeting.state.help_queue == []


def test_visit_refusals() -> None:
    meeting = meeting_with(rooms=1)
    assert refused(meeting, MODERATOR, cmd.Visit(PLENARY)).reason is Reason.CONFLICT
    assert refused(meeting, MODERATOR, cmd.Visit(room(4))).reason is Reason.UNKNOWN_ROOM


# Chat ----------------------------------------------------------------------------------------


def chat_meeting() -> Meeting:
    """p0 and p1 in room 1, p2 in room 2, the moderator in the plenary with p3."""
    meeting = meeting_with(("N", "S", "E", "W"), rooms=2)
    for who, where in ((0, 1), (1, 1), (2, 2)):
        meeting.handle(MODERATOR, cmd.MoveParticipant(person(who), room(where)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(), T0)
    return meeting


def chat_seen_by(meeting: Meeting, viewer: ParticipantId) -> list[str]:
    return [m.text for m in view_for(meeting.state, viewer).chat]


def test_plenary_chat_reaches_everyone() -> None:
    meeting = chat_meeting()
    stamped = meeting.handle(person(3), cmd.SendChat("hello all"), T0)
    assert events_of(stamped) == [ev.ChatPosted(person(3), "hello all", PLENARY, None)]
    assert stamped[0].audience is None
    for viewer in (MODERATOR, *(person(i) for i in range(4))):
        assert chat_seen_by(meeting, viewer) == ["hello all"]


def test_workshop_chat_reaches_its_members_and_the_moderators() -> None:
    meeting = chat_meeting()
    stamped = meeting.handle(person(0), cmd.SendChat("room one only"), T0)
    assert events_of(stamped) == [ev.ChatPosted(person(0), "room one only", room(1), None)]
    assert stamped[0].audience == frozenset({person(0), person(1), MODERATOR})
    for viewer in (person(0), person(1), MODERATOR):
        assert sees(stamped[0], viewer)
        assert chat_seen_by(meeting, viewer) == ["room one only"]
    for viewer in (person(2), person(3)):
        assert not sees(stamped[0], viewer)
        assert chat_seen_by(meeting, viewer) == []


def test_private_chat_reaches_two_people_only() -> None:
    meeting = chat_meeting()
    stamped = meeting.handle(person(0), cmd.SendChat("psst", to=person(2)), T0)
    assert events_of(stamped) == [ev.ChatPosted(person(0), "psst", room(1), person(2))]
    assert stamped[0].audience == frozenset({person(0), person(2)})
    assert chat_seen_by(meeting, person(0)) == ["psst"]
    assert chat_seen_by(meeting, person(2)) == ["psst"]
    for viewer in (person(1), person(3), MODERATOR):
        assert not sees(stamped[0], viewer)
        assert chat_seen_by(meeting, viewer) == []
    assert chat_seen_by(meeting, ParticipantId("stranger")) == []


def test_view_for_leaves_the_live_chat_untouched() -> None:
    meeting = chat_meeting()
    meeting.handle(person(0), cmd.SendChat("psst", to=person(2)), T0)
    meeting.handle(person(3), cmd.SendChat("hi"), T0)
    assert chat_seen_by(meeting, person(1)) == ["hi"]
    assert [m.text for m in meeting.state.chat] == ["psst", "hi"]


def test_chat_pages_back_through_what_the_viewer_may_read_only() -> None:
    meeting = chat_meeting()
    for i in range(3):
        meeting.handle(person(3), cmd.SendChat(f"plenary {i}"), T0)
        meeting.handle(person(0), cmd.SendChat(f"room one {i}"), T0)
    meeting.handle(person(0), cmd.SendChat("psst", to=person(2)), T0)

    assert [m.text for m in view_for(meeting.state, person(3), 2).chat] == [
        "plenary 1",
        "plenary 2",
    ]
    # p2, in room 2, reads the plenary's chat and the private message, never room 1's.
    latest, more = chat_before(meeting.state, person(2), None, 2)
    assert ([m.text for m in latest], more) == (["plenary 2", "psst"], True)
    older, more = chat_before(meeting.state, person(2), latest[0].seq, 5)
    assert ([m.text for m in older], more) == (["plenary 0", "plenary 1"], False)
    latest, more = chat_before(meeting.state, person(1), None, 3)
    assert ([m.text for m in latest], more) == (["room one 1", "plenary 2", "room one 2"], True)
    assert chat_before(meeting.state, person(3), 1, 50) == ([], False)


def test_private_chat_refusals() -> None:
    meeting = chat_meeting()
    to_self = refused(meeting, person(0), cmd.SendChat("me", to=person(0)))
    assert (to_self.reason, to_self.detail.split(":")[0]) == (Reason.INVALID, "to")
    unknown = refused(meeting, person(0), cmd.SendChat("hey", to=ParticipantId("ghost")))
    assert unknown.reason is Reason.UNKNOWN_PARTICIPANT


def test_chat_keeps_lines_and_only_the_last_messages() -> None:
    meeting = meeting_with(config=MeetingConfig(chat_history=2))
    for text in ("one", " two\nlines\t ", "three"):
        meeting.handle(person(0), cmd.SendChat(text), T0)
    assert [(m.text, m.seq) for m in meeting.state.chat] == [
        ("two\nlines", meeting.state.seq - 1),
        ("three", meeting.state.seq),
    ]


# Text limits ---------------------------------------------------------------------------------

LIMIT = 10
SMALL = MeetingConfig(
    max_name_chars=LIMIT,
    max_attribute_chars=LIMIT,
    max_chat_chars=LIMIT,
    max_room_name_chars=LIMIT,
    max_topic_chars=LIMIT,
)

TextCommand = Callable[[str], tuple[ParticipantId | None, cmd.Command]]
TEXT_FIELDS: list[tuple[str, bool, TextCommand]] = [
    ("name", False, lambda t: (None, cmd.Join(NEWCOMER, t, Role.PARTICIPANT))),
    ("organisation", True, lambda t: (None, cmd.Join(NEWCOMER, "N", Role.PARTICIPANT, t))),
    ("district", True, lambda t: (None, cmd.Join(NEWCOMER, "N", Role.PARTICIPANT, district=t))),
    ("group", True, lambda t: (None, cmd.Join(NEWCOMER, "N", Role.PARTICIPANT, group=t))),
    ("text", False, lambda t: (person(0), cmd.SendChat(t))),
    ("text", False, lambda t: (MODERATOR, cmd.Broadcast(t))),
    ("names", False, lambda t: (MODERATOR, cmd.CreateRooms(("Fine", t)))),
    ("name", False, lambda t: (MODERATOR, cmd.RenameRoom(room(1), t))),
    ("topic", True, lambda t: (MODERATOR, cmd.RenameRoom(room(1), "Fine", t))),
]
TEXT_IDS = [f"{make('x')[1].__class__.__name__}.{field}" for field, _, make in TEXT_FIELDS]


@pytest.mark.parametrize(("field", "may_be_empty", "make"), TEXT_FIELDS, ids=TEXT_IDS)
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("x" * (LIMIT + 1), "longer than 10 characters"),
        ("ab\x00c", "contains control characters"),
        ("a\x1b[2J", "contains control characters"),
        ("   ", "must not be empty"),
    ],
    ids=["too-long", "nul", "escape", "empty"],
)
def test_texts_over_the_limits_are_refused_naming_the_field(
    field: str, may_be_empty: bool, make: TextCommand, text: str, problem: str
) -> None:
    meeting = meeting_with(rooms=1, config=SMALL)
    actor, command = make(text)
    if problem == "must not be empty" and may_be_empty:
        meeting.handle(actor, command, T0)
        return
    rejected = refused(meeting, actor, command)
    assert rejected.reason is Reason.INVALID
    assert rejected.detail == f"{field}: {problem}"


@pytest.mark.parametrize(("field", "may_be_empty", "make"), TEXT_FIELDS, ids=TEXT_IDS)
def test_texts_at_the_limit_are_accepted(field: str, may_be_empty: bool, make: TextCommand) -> None:
    meeting = meeting_with(rooms=1, config=SMALL)
    actor, command = make(" " + "é" * LIMIT + " ")
    assert meeting.handle(actor, command, T0)


def test_a_sender_still_sees_its_workshop_message_after_the_rooms_close() -> None:
    meeting = chat_meeting()
    meeting.handle(person(0), cmd.SendChat("our summary: more trees"), T0)
    meeting.handle(MODERATOR, cmd.CloseRooms(), T0 + 1)
    assert chat_seen_by(meeting, person(0)) == ["our summary: more trees"]
