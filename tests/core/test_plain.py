"""Plain records: events and a live meeting's state survive the trip; bad input names its path."""

import json
from dataclasses import dataclass
from typing import Any

import pytest

from rooms import commands as cmd
from rooms import events as ev
from rooms.events import Stamped
from rooms.ids import PLENARY, AgendaItemId, ParticipantId, PollId, QuestionId
from rooms.model import (
    ContactCard,
    GroupBy,
    Invitee,
    LobbyMode,
    MeetingState,
    NotesEditing,
    PlannedItem,
    PollKind,
    PollResults,
    PollVoters,
    Presenter,
    QuestionStatus,
    Quorum,
    Role,
    Waiting,
)
from rooms.plain import RecordError, from_plain, to_plain

from .builders import MODERATOR, T0, meeting_with, person, room

P, Q = ParticipantId("p"), ParticipantId("q")
ITEM = AgendaItemId("item-1")
QUESTION = QuestionId("question-1")
POLL = PollId("poll-1")
CARD = ContactCard(P, "Ada", "Rada Seniorów", "Łabędy", "ada@example.org", "", "https://a.pl", "Hi")

EVENT_SAMPLES: list[ev.Event] = [
    ev.ParticipantJoined(P, "Ada", Role.PRESENTER, "Org", "North", "G", PLENARY),
    ev.ParticipantReconnected(P),
    ev.ParticipantDisconnected(P),
    ev.ParticipantLeft(P),
    ev.ParticipantRemoved(P, by=Q),
    ev.RoleChanged(P, Role.MODERATOR, by=Q),
    ev.MuteRequested(P, by=Q),
    ev.AudioBlocked(P, by=Q),
    ev.AudioAllowed(P, by=Q),
    ev.ChatPosted(P, "hi\nthere 👋", room(1), None),
    ev.ChatPosted(P, "psst", PLENARY, Q),
    ev.Reacted(P, "❤️"),
    ev.HandRaised(P),
    ev.HandLowered(P, by=Q),
    ev.FloorGiven(P, by=Q),
    ev.FloorTaken(P, by=Q),
    ev.RoomCreated(room(1), "Parks"),
    ev.RoomRenamed(room(1), "Parks", "Trees"),
    ev.RoomDeleted(room(1)),
    ev.PlanSet({P: room(1), Q: room(2)}),
    ev.PlanSet({}),
    ev.Assigned(P, PLENARY),
    ev.SelfSelectChanged(True),
    ev.RoomsOpened(None),
    ev.RoomsOpened(T0 + 0.5),
    ev.ParticipantMoved(P, room(2)),
    ev.TimeWarning(T0),
    ev.RoomsExtended(T0 + 60),
    ev.RoomsClosing(T0 + 75),
    ev.RoomsClosed(),
    ev.BroadcastSent(Q, "Back in 5"),
    ev.HelpRequested(P, room(1)),
    ev.HelpCleared(P, by=Q),
    # The agenda
    ev.AgendaSet(
        (
            PlannedItem(ITEM, "Welcome", 5),
            PlannedItem(
                AgendaItemId("item-2"), "Showcase", 30, (Presenter("Ada", P), Presenter("Bo"))
            ),
        ),
        by=Q,
    ),
    ev.AgendaSet((), by=None),
    ev.AgendaItemStarted(ITEM, by=Q),
    ev.AgendaItemEnded(ITEM, by=Q),
    ev.AgendaItemSkipped(ITEM, by=Q),
    ev.AgendaItemReopened(ITEM, by=Q),
    # The speakers' list
    ev.FloorGiven(P, by=Q, deadline=T0 + 180, warning_at=T0 + 150),
    ev.HandMoved(P, 1, by=Q),
    ev.FloorWarning(P, T0 + 180),
    ev.FloorExtended(P, T0 + 240, T0 + 210, by=Q),
    ev.FloorExtended(P, T0 + 240, None, by=Q),
    ev.FloorExpired(P),
    # Questions to the panel
    ev.QuestionAsked(QUESTION, "Who pays?", PLENARY, False, P),
    ev.QuestionAsked(QUESTION, "Who pays?", room(1), True, None),
    ev.QuestionAuthor(QUESTION, P),
    ev.QuestionUpvoted(QUESTION, Q),
    ev.QuestionUpvoteRetracted(QUESTION, Q),
    ev.QuestionMarked(QUESTION, QuestionStatus.OWED, by=Q),
    ev.QuestionWithdrawn(QUESTION),
    # Showcase
    ev.ShowcaseStarted(ITEM, 600, (Presenter("Ada", P), Presenter("Bo"))),
    ev.PresenterMatched(1, Q),
    ev.PresenterCalled(0, P, by=Q),
    ev.PresenterCalled(1, Q, by=None),
    ev.FloorGiven(Q, by=None, deadline=T0 + 600, warning_at=T0 + 570),
    ev.PresenterAbsent(1),
    ev.ShowcaseEnded(ITEM),
    # Polls
    ev.PollCreated(
        POLL,
        "Which park?",
        PollKind.MANY,
        ("North", "South", "East"),
        2,
        False,
        PollResults.LIVE,
        PollVoters(moderators=True),
        Quorum(share=0.5),
        room(1),
        by=Q,
    ),
    ev.PollCreated(
        POLL,
        "Budget?",
        PollKind.YES_NO_ABSTAIN,
        ("yes", "no", "abstain"),
        1,
        True,
        PollResults.AFTER_CLOSE,
        PollVoters(),
        None,
        None,
        by=Q,
    ),
    ev.PollOpened(POLL, (P, Q), by=Q),
    ev.BallotCast(POLL, P, (0, 2)),
    ev.PollVoted(POLL, P),
    ev.PollTally(POLL, 3, (2, 1, 0)),
    ev.PollTally(POLL, 3, None),
    ev.PollClosed(POLL, by=Q),
    ev.PollResult(POLL, 10, 3, Quorum(count=4), False, (2, 1, 0)),
    ev.PollResult(POLL, 10, 3, None, None, (2, 1, 0)),
    ev.PollRemoved(POLL, by=Q),
    # Ending the meeting
    ev.MeetingEnded(Q),
    ev.MeetingLocked(Q),
    ev.MeetingUnlocked(Q),
    # The lobby
    ev.LobbySet(LobbyMode.UNLISTED, Q),
    ev.Knocked(Waiting(P, "Zoë Łukasiewicz", Role.PRESENTER, "Rada", "Łabędy", "", 12.5, "c0ffee")),
    ev.LetIn(P, by=Q),
    ev.TurnedAway(P, by=Q),
    ev.LeftLobby(P),
    # The organiser's
    ev.MeetingScheduled("Forum Łabędy", 1773334800.0, 1773345600.0),
    ev.MeetingScheduled("Forum Łabędy", None, 1773345600.0),
    ev.LinkReissued(Role.PRESENTER, 2),
    ev.InviteesImported(
        (
            Invitee(ParticipantId("inv-1"), "Zofia", Role.PRESENTER, "Rada", "Łabędy", "A"),
            Invitee(ParticipantId("inv-2"), "Jan", Role.PARTICIPANT, room=room(1)),
        )
    ),
    ev.InviteeRemoved(ParticipantId("inv-1")),
    ev.InviteePreassigned(ParticipantId("inv-2"), None),
    # Workshop notes
    ev.RapporteurChanged(room(1), P, by=P),
    ev.RapporteurChanged(room(1), None, by=Q),
    ev.NotesEditingChanged(room(1), NotesEditing.MEMBERS, by=Q),
    ev.NotesEdited(room(1), 3, "# Ideas\n\n- a park\n- benches", by=P),
    # Report-back
    ev.ReportBackStarted((room(1), room(2)), by=Q),
    ev.ReportCalled(room(1), "# Parks\n- benches", 4, by=Q),
    ev.ReportEnded(room(1), by=Q),
    ev.ReportMoved(room(2), 1, by=Q),
    ev.ReportBackEnded(by=Q),
    # Contacts between leaders
    ev.ContactShared(CARD),
    ev.ContactDirectory((CARD, ContactCard(Q, "Quinn", "", "", phone="+48 600 100 200"))),
    ev.ContactWithdrawn(P),
]


def test_there_is_a_sample_of_every_event() -> None:
    assert {type(e) for e in EVENT_SAMPLES} == set(ev.EVENTS)


@pytest.mark.parametrize("event", EVENT_SAMPLES, ids=lambda e: type(e).__name__)
def test_every_event_survives_a_round_trip_through_json(event: ev.Event) -> None:
    plain = json.loads(json.dumps(to_plain(event)))
    assert from_plain(type(event), plain) == event


def test_a_stamped_event_round_trips_with_its_audience() -> None:
    stamped = Stamped(
        7, T0, ev.ParticipantJoined(P, "A", Role.MODERATOR, "", "", "", PLENARY), frozenset({Q, P})
    )
    plain = to_plain(stamped)
    assert plain["audience"] == ["p", "q"]
    assert from_plain(Stamped, plain) == stamped


@pytest.mark.parametrize("event", EVENT_SAMPLES, ids=lambda e: type(e).__name__)
def test_a_stamped_event_keeps_its_type(event: ev.Event) -> None:
    # What a worker publishes to the others through Redis: the event's class named in its record,
    # beside its fields (poll_created has a field of its own called `kind`).
    restored = from_plain(Stamped, json.loads(json.dumps(to_plain(Stamped(1, T0, event)))))
    assert restored.event == event


def populated_state() -> MeetingState:
    meeting = meeting_with(rooms=3)
    meeting.handle(MODERATOR, cmd.RenameRoom(room(1), "Parks", "Trees"), T0)
    meeting.handle(MODERATOR, cmd.AssignMixed(GroupBy.DISTRICT), T0)
    meeting.handle(MODERATOR, cmd.SetSelfSelect(True), T0)
    meeting.handle(person(1), cmd.RaiseHand(), T0)
    meeting.handle(person(2), cmd.RaiseHand(), T0)
    meeting.handle(MODERATOR, cmd.GiveFloor(person(0), limit_s=900), T0)
    meeting.handle(MODERATOR, cmd.MoveHand(person(2), 1), T0)
    meeting.handle(person(1), cmd.AskQuestion("Who pays?", anonymous=True), T0)
    meeting.handle(person(2), cmd.AskQuestion("When?"), T0)
    meeting.handle(person(2), cmd.UpvoteQuestion(QUESTION), T0)
    meeting.handle(MODERATOR, cmd.MarkQuestion(QUESTION, QuestionStatus.OWED), T0)
    meeting.handle(MODERATOR, cmd.HardMute(person(1)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(600), T0 + 1.25)
    meeting.handle(None, cmd.Tick(), T0 + 550)
    meeting.handle(person(1), cmd.RequestHelp(), T0 + 2)
    meeting.handle(person(0), cmd.SendChat("in the room"), T0 + 3)
    meeting.handle(person(0), cmd.SendChat("psst", to=person(2)), T0 + 4)
    meeting.handle(None, cmd.Join(ParticipantId("late"), "Late", Role.PARTICIPANT), T0 + 5)
    meeting.handle(MODERATOR, cmd.RemoveParticipant(ParticipantId("late")), T0 + 6)
    meeting.handle(None, cmd.Disconnect(person(2)), T0 + 7)
    meeting.handle(person(0), cmd.ShareContact("p0@example.org", note="Parks"), T0 + 8)
    return meeting.state


def test_a_populated_state_survives_a_round_trip_through_json() -> None:
    state = populated_state()
    assert state.plan and state.hand_queue and state.floor and state.help_queue
    assert state.chat and state.removed and state.clock.warned and state.self_select
    assert state.audio_blocked and state.floor_clock.deadline
    assert state.questions.asked[0].voters and state.questions.asked[0].author
    assert state.contacts
    plain = json.loads(json.dumps(to_plain(state)))
    restored = from_plain(MeetingState, plain)
    assert restored == state
    assert to_plain(restored) == to_plain(state)


COMMAND_SAMPLES: list[cmd.Command] = [
    cmd.CreateRooms(("A", "B")),
    cmd.OpenRooms(None),
    cmd.OpenRooms(90),
    cmd.AssignMixed(GroupBy.ORGANISATION),
    cmd.AssignMixed((GroupBy.DISTRICT, GroupBy.ORGANISATION), include_presenters=True),
    cmd.AssignRandom(include_absent=True, include_moderators=True),
    cmd.SendChat("hi", to=P),
    cmd.GiveFloor(),
    cmd.AskQuestion("Who pays?", anonymous=True),
    cmd.MarkQuestion(QUESTION, QuestionStatus.DISMISSED),
    cmd.HardMute(P),
    cmd.LiftHardMute(P),
    cmd.Join(P, "Ada", Role.PARTICIPANT, district="North"),
    cmd.Join(P, "Ada", Role.MODERATOR, removed_as=Q, demoted_as=Q),
    cmd.CreatePoll("Which park?", PollKind.MANY, ("North", "South"), secret=True),
    cmd.ShareContact(email="ada@example.org", website="https://example.org"),
    cmd.WithdrawContact(),
]


@pytest.mark.parametrize("command", COMMAND_SAMPLES, ids=repr)
def test_commands_round_trip(command: cmd.Command) -> None:
    assert from_plain(type(command), json.loads(json.dumps(to_plain(command)))) == command


@dataclass(frozen=True)
class Carried:
    """A record with a command of any class in it, as a worker forwards one to the writer."""

    command: cmd.Command


@pytest.mark.parametrize("command", COMMAND_SAMPLES, ids=repr)
def test_a_carried_command_keeps_its_type(command: cmd.Command) -> None:
    restored = from_plain(Carried, json.loads(json.dumps(to_plain(Carried(command)))))
    assert restored.command == command


def state_with(change: str, value: Any) -> dict[str, Any]:
    """The plain populated state with one dotted path set to `value`, or deleted if it is `...`."""
    plain: dict[str, Any] = to_plain(populated_state())
    *parents, last = change.split(".")
    target = plain
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return plain


@pytest.mark.parametrize(
    ("change", "value", "path", "problem"),
    [
        ("seq", "12", "seq", "expected an integer, got a string"),
        ("seq", True, "seq", "expected an integer, got a boolean"),
        ("seq", 1.5, "seq", "expected an integer, got a number"),
        ("title", None, "title", "expected a string, got nil"),
        ("self_select", 1, "self_select", "expected a boolean, got an integer"),
        ("hand_queue", "p1", "hand_queue", "expected a list, got a string"),
        ("hand_queue", ["p1", 2], "hand_queue[1]", "expected a string, got an integer"),
        ("clock", [], "clock", "expected a map, got a list"),
        ("clock.deadline", "soon", "clock.deadline", "expected a number, got a string"),
        ("floor", 3, "floor", "expected a string, got an integer"),
        ("audio_blocked", ["p1", None], "audio_blocked[1]", "expected a string, got nil"),
        (
            "participants.p0.connected",
            "yes",
            "participants.p0.connected",
            "expected a boolean, got a string",
        ),
        (
            "participants.p0.role",
            "king",
            "participants.p0.role",
            "expected one of moderator, presenter, participant",
        ),
        ("phase", "paused", "phase", "expected one of plenary, open, closing"),
        ("participants.p0.name", ..., "participants.p0.name", "missing"),
        ("id", ..., "id", "missing"),
        ("participants.p0.colour", "red", "participants.p0", "unknown field 'colour'"),
        ("extra", 1, "", "unknown field 'extra'"),
    ],
)
def test_bad_records_name_the_path(change: str, value: Any, path: str, problem: str) -> None:
    with pytest.raises(RecordError) as caught:
        from_plain(MeetingState, state_with(change, value))
    assert (caught.value.path, caught.value.problem) == (path, problem)
    assert str(caught.value) == (f"{path}: {problem}" if path else problem)


def test_a_record_must_be_a_map() -> None:
    with pytest.raises(RecordError, match="expected a map, got a list"):
        from_plain(MeetingState, [])


def test_a_command_that_fails_its_own_check_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="seconds must be positive"):
        from_plain(cmd.ExtendRooms, {"seconds": 0})
    with pytest.raises(RecordError) as caught:
        from_plain(cmd.SendChat, {"text": "hi", "to": 5})
    assert caught.value.path == "to"


def test_defaults_fill_missing_optional_fields() -> None:
    assert from_plain(cmd.GiveFloor, {}) == cmd.GiveFloor(None)
    assert from_plain(cmd.OpenRooms, {"duration_s": None}) == cmd.OpenRooms()


def test_a_plan_set_is_read_only_and_keeps_its_wire_form() -> None:
    dealt = {P: room(1)}
    event = ev.PlanSet(dealt)
    dealt[Q] = room(2)
    assert event.plan == {P: room(1)}
    with pytest.raises(TypeError):
        event.plan[Q] = room(2)  # type: ignore[index]
    assert to_plain(event) == {"plan": {"p": "room-1"}}
    restored = from_plain(ev.PlanSet, {"plan": {"p": "room-1"}})
    assert restored == event
    with pytest.raises(TypeError):
        restored.plan[Q] = room(2)  # type: ignore[index]
