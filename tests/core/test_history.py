"""The record's fold (`rooms.history`): what it keeps of people, rooms, the agenda and the chat."""

from rooms import commands as cmd
from rooms.commands import AgendaEntry
from rooms.config import MeetingConfig
from rooms.ids import PLENARY, AgendaItemId
from rooms.model import Arrival, Departure, History, Role
from rooms.view import view_for

from .builders import MODERATOR, T0, meeting_with, person, room


def test_sessions_rooms_and_roles_outlive_the_participant() -> None:
    meeting = meeting_with(rooms=1)
    p = person(0)
    meeting.handle(MODERATOR, cmd.MoveParticipant(p, room(1)), T0 + 10)
    meeting.handle(MODERATOR, cmd.OpenRooms(None), T0 + 20)
    meeting.handle(None, cmd.Disconnect(p), T0 + 60)
    meeting.handle(None, cmd.Rejoin(p), T0 + 90)
    meeting.handle(MODERATOR, cmd.SetRole(p, Role.PRESENTER), T0 + 100)
    meeting.handle(MODERATOR, cmd.RemoveParticipant(p), T0 + 120)
    assert p not in meeting.state.participants
    kept = meeting.state.history.people[p]
    assert [(s.arrival, s.since, s.departure, s.until) for s in kept.sessions] == [
        (Arrival.JOINED, T0, Departure.DISCONNECTED, T0 + 60),
        (Arrival.RETURNED, T0 + 90, Departure.REMOVED, T0 + 120),
    ]
    assert [(s.room, s.since, s.until) for s in kept.rooms] == [
        (PLENARY, T0, T0 + 20),
        (room(1), T0 + 20, T0 + 120),
    ]
    assert [r.role for r in kept.roles] == [Role.PARTICIPANT, Role.PRESENTER]
    assert kept.removed
    assert (kept.name, kept.district) == ("Person 0", "North")


def test_a_room_keeps_its_last_name_after_it_is_deleted() -> None:
    meeting = meeting_with(rooms=1)
    meeting.handle(MODERATOR, cmd.RenameRoom(room(1), "Parks"), T0 + 1)
    meeting.handle(MODERATOR, cmd.DeleteRoom(room(1)), T0 + 2)
    assert meeting.state.history.room_names == {room(1): "Parks"}


def test_agenda_items_keep_the_times_of_each_run() -> None:
    meeting = meeting_with()
    items = (AgendaEntry("Welcome", 5), AgendaEntry("Budget", 20))
    meeting.handle(MODERATOR, cmd.SetAgenda(items), T0)
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 10)
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 300)
    meeting.handle(MODERATOR, cmd.StartAgendaItem(), T0 + 900)
    runs = [(r.item, r.since, r.until) for r in meeting.state.history.agenda_runs]
    assert runs == [
        (AgendaItemId("item-1"), T0 + 10, T0 + 300),
        (AgendaItemId("item-2"), T0 + 300, T0 + 900),
    ]


def test_public_chat_is_kept_to_its_own_limit_and_private_chat_never() -> None:
    config = MeetingConfig(chat_history=2, record_chat_lines=3)
    meeting = meeting_with(config=config)
    meeting.handle(person(0), cmd.SendChat("a secret", to=person(1)), T0 + 1)
    for i in range(5):
        meeting.handle(person(0), cmd.SendChat(f"line {i}"), T0 + 2 + i)
    history = meeting.state.history
    assert [line.text for line in history.chat] == ["line 2", "line 3", "line 4"]
    assert history.chat_dropped == 2
    assert len(meeting.state.chat) == 2


def test_nobody_is_sent_the_history() -> None:
    meeting = meeting_with()
    meeting.handle(MODERATOR, cmd.Broadcast("Ten minutes left"), T0 + 1)
    assert meeting.state.history.broadcasts
    assert view_for(meeting.state, MODERATOR).history.people == {}
    assert view_for(meeting.state, MODERATOR).history.broadcasts == []


def test_someone_who_joined_before_the_history_was_kept_does_not_break_apply() -> None:
    meeting = meeting_with(rooms=1)
    # As if restored from a snapshot written before the history existed.
    meeting.state.history = History()
    for command in (
        cmd.MoveParticipant(person(0), room(1)),
        cmd.SetRole(person(0), Role.PRESENTER),
        cmd.RemoveParticipant(person(0)),
    ):
        meeting.handle(MODERATOR, command, T0 + 1)
    meeting.handle(None, cmd.Disconnect(person(1)), T0 + 2)
    meeting.handle(None, cmd.Rejoin(person(1)), T0 + 3)
    assert meeting.state.history.people == {}
