"""Recorded meeting sessions: what the browser's `static/state.js` is checked against.

Each session drives the core (`rooms.Meeting`) with the commands of a real meeting and records
what the client receives: the meeting's limits, the welcome's snapshot for each viewer, every event
as it goes over the wire (with its audience), and the state the core ends with. The fixtures in
`tests/client/sessions/` are written by `python -m tests.client.sessions`;
`test_state_js.py` fails while they differ from what the core records now.

A chat a viewer never received may push out of the core's history (`chat_history`) one that viewer
still holds: the client cannot know of it. The sessions that fill the history therefore chat in
the open only.
"""

import copy
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import msgpack

from rooms import Meeting, MeetingConfig, MeetingId, MeetingState, ParticipantId, Role, RoomId
from rooms import commands as cmd
from rooms.commands import AgendaEntry
from rooms.events import Stamped
from rooms.ids import PLENARY, AgendaItemId, PollId, QuestionId
from rooms.model import (
    GroupBy,
    Invitee,
    LobbyMode,
    NotesEditing,
    PollKind,
    PollResults,
    PollVoters,
    Presenter,
    QuestionStatus,
    Quorum,
    RoomNotes,
)
from rooms.plain import from_plain, to_plain
from rooms.view import sees, view_for
from server.protocol.wire import encode_event

SESSIONS = Path(__file__).resolve().parent / "sessions"
# 2027-01-15, 08:00 UTC: a plausible morning, so the recorded times read as times.
T0 = 1_800_000_000.0


class Session:
    """A meeting whose events are recorded from `record()` on; commands before it set the scene."""

    def __init__(self, name: str, about: str, config: MeetingConfig | None = None) -> None:
        self.name = name
        self.about = about
        self.config = config or MeetingConfig()
        meeting_id = MeetingId(f"meeting-{name}")
        self.meeting = Meeting.create(meeting_id, f"Forum: {name}", self.config, starts_at=T0)
        self.now = T0
        self.start: dict[str, Any] | None = None
        self.recorded: list[Stamped] = []

    def __call__(
        self, actor: str | None, command: cmd.Command, after: float = 5.0
    ) -> list[Stamped]:
        """`actor` sends `command` (None: the server) `after` seconds after the last one."""
        self.now += after
        who = None if actor is None else ParticipantId(actor)
        stamped = self.meeting.handle(who, command, self.now)
        if self.start is not None:
            self.recorded.extend(stamped)
        return stamped

    def join(
        self,
        who: str,
        name: str,
        role: Role = Role.PARTICIPANT,
        organisation: str = "",
        district: str = "",
        group: str = "",
    ) -> None:
        self(None, cmd.Join(ParticipantId(who), name, role, organisation, district, group))

    def tick_at(self, moment: str, clock: str = "clock") -> None:
        """The server's `Tick` at the `deadline`, `warning_at` or `grace_ends_at` of the
        workshops' clock, or of the floor's (`clock="floor_clock"`)."""
        due = getattr(getattr(self.meeting.state, clock), moment)
        assert isinstance(due, float) and due > self.now, (moment, due, self.now)
        self(None, cmd.Tick(), after=due - self.now)

    def record(self) -> None:
        self.start = copy.deepcopy(to_plain(self.meeting.state))

    def fixture(self, *viewers: str) -> dict[str, Any]:
        """The recording, with the welcome each viewer got when the recording started."""
        assert self.start is not None, "record() first"
        at_start = from_plain(MeetingState, self.start)
        welcomes = {
            viewer: _over_the_wire(
                to_plain(view_for(at_start, ParticipantId(viewer), self.config.chat_page))
            )
            for viewer in viewers
        }
        for viewer in viewers:
            seen = [s for s in self.recorded if sees(s, ParticipantId(viewer))]
            assert seen, f"{viewer} receives nothing"
        return {
            "session": self.name,
            "about": self.about,
            "limits": asdict(self.config),
            "start": self.start,
            "welcomes": welcomes,
            "events": [
                {
                    "audience": None if s.audience is None else sorted(s.audience),
                    "message": msgpack.unpackb(encode_event(s), raw=False),
                }
                for s in self.recorded
            ],
            "end": to_plain(self.meeting.state),
        }


def _over_the_wire(plain: Any) -> Any:
    return msgpack.unpackb(msgpack.packb(plain, use_bin_type=True), raw=False)


def plenary() -> dict[str, Any]:
    s = Session("plenary", "joins, leaves, reconnects, chat, hands, the floor, roles and mutes")
    s.join("maria", "Maria Nowak", Role.MODERATOR, district="Śródmieście")
    s.join("ewa", "Ewa Lis", Role.PRESENTER, organisation="Rada Osiedla")
    s.join("piotr", "Piotr Wójcik", district="Mokotów")
    s(None, cmd.Disconnect(ParticipantId("piotr")))
    s(None, cmd.Rejoin(ParticipantId("piotr")))
    s("maria", cmd.SendChat("Dzień dobry, zaczynamy o 9:05."))
    s.record()
    s.join("jan", "Jan Kowalski", district="Wola", group="seniorzy")
    s.join("ala", "Ala Zięba", organisation="Klub Sportowy", district="Mokotów")
    s("jan", cmd.SendChat("Czy będzie przerwa?"))
    s("maria", cmd.SendChat("Tak, o 10:30.", to=ParticipantId("piotr")))
    s("ala", cmd.SendChat("Pytanie do Ewy", to=ParticipantId("ewa")))
    s("jan", cmd.RaiseHand())
    s("ala", cmd.RaiseHand())
    s("piotr", cmd.RaiseHand())
    s("piotr", cmd.LowerHand())
    s("maria", cmd.GiveFloor())
    s("maria", cmd.GiveFloor(ParticipantId("ala")))
    s("jan", cmd.React("👏"))
    s("ewa", cmd.React("🎉"))
    s("maria", cmd.Broadcast("Prosimy o wyciszenie mikrofonów."))
    s("maria", cmd.AskToMute(ParticipantId("jan")))
    s("maria", cmd.HardMute(ParticipantId("jan")))
    s("maria", cmd.HardMute(ParticipantId("ala")))
    s("maria", cmd.LiftHardMute(ParticipantId("jan")))
    s("maria", cmd.TakeFloor())
    s("jan", cmd.RaiseHand())
    s("maria", cmd.SetRole(ParticipantId("ala"), Role.PRESENTER))
    s("maria", cmd.SetRole(ParticipantId("piotr"), Role.MODERATOR))
    s("piotr", cmd.SetRole(ParticipantId("piotr"), Role.PARTICIPANT))
    s("maria", cmd.GiveFloor(ParticipantId("ala")))
    s(None, cmd.Disconnect(ParticipantId("ewa")))
    s(None, cmd.Rejoin(ParticipantId("ewa")), after=2.5)
    # Ala drops with the floor and a hard mute, and is let go after the grace period.
    s(None, cmd.Disconnect(ParticipantId("ala")))
    s(None, cmd.Depart(ParticipantId("ala")), after=30.0)
    # Jan is removed with a raised hand and a hard mute.
    s("maria", cmd.HardMute(ParticipantId("jan")))
    s("maria", cmd.RemoveParticipant(ParticipantId("jan")))
    s("piotr", cmd.SendChat("Dziękuję, do zobaczenia."))
    return s.fixture("maria", "ewa", "piotr")


def workshops() -> dict[str, Any]:
    s = Session("workshops", "rooms created and assigned, opened, visited, extended, closed")
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("ewa", "Ewa Lis", Role.PRESENTER, district="Wola")
    s.join("jan", "Jan Kowalski", district="Wola", organisation="Stowarzyszenie A")
    s.join("ala", "Ala Zięba", district="Mokotów", organisation="Stowarzyszenie A")
    s.join("piotr", "Piotr Wójcik", district="Mokotów", organisation="Klub B")
    s.join("zofia", "Zofia Król", district="Ochota", organisation="Klub B")
    s.record()
    s("maria", cmd.CreateRooms(("Zieleń", "Transport", "Budżet")))
    s("maria", cmd.RenameRoom(RoomId("room-1"), "Zieleń miejska", "Parki i skwery"))
    s("maria", cmd.RenameRoom(RoomId("room-2"), "Transport publiczny"))
    s("maria", cmd.MoveParticipant(ParticipantId("zofia"), RoomId("room-3")))
    s("maria", cmd.DeleteRoom(RoomId("room-3")))
    s("maria", cmd.AssignRandom())
    s("maria", cmd.AssignMixed(by=(GroupBy.DISTRICT, GroupBy.ORGANISATION)))
    s("maria", cmd.MoveParticipant(ParticipantId("jan"), RoomId("room-2")))
    s("maria", cmd.MoveParticipant(ParticipantId("zofia"), PLENARY))
    s("maria", cmd.SetSelfSelect(True))
    s("zofia", cmd.ChooseRoom(RoomId("room-1")))
    s("maria", cmd.SetSelfSelect(False))
    s("maria", cmd.OpenRooms(duration_s=600))
    s("jan", cmd.SendChat("Zacznijmy od przystanków."))
    s("piotr", cmd.SendChat("U nas o zieleni."))
    s("maria", cmd.Broadcast("Zostało 10 minut."))
    s("jan", cmd.RequestHelp())
    s("jan", cmd.CancelHelp())
    s("jan", cmd.RequestHelp())
    s("piotr", cmd.RequestHelp())
    s("maria", cmd.Visit(RoomId("room-2")))
    s("maria", cmd.SendChat("Jestem, w czym pomóc?"))
    s("maria", cmd.DismissHelp(ParticipantId("piotr")))
    s("maria", cmd.Visit(PLENARY))
    s("maria", cmd.MoveParticipant(ParticipantId("ewa"), RoomId("room-1")))
    s("zofia", cmd.RequestHelp())
    s(None, cmd.Disconnect(ParticipantId("piotr")))
    s.tick_at("warning_at")  # a minute before the deadline
    s("maria", cmd.ExtendRooms(300))
    s.tick_at("warning_at")  # the extended round's own warning
    s.tick_at("deadline")  # closing, with a grace period
    s(None, cmd.Rejoin(ParticipantId("piotr")), after=1.0)
    s.tick_at("grace_ends_at")  # everyone back in the plenary
    s("maria", cmd.CreateRooms(("Na zakończenie",)))
    s("maria", cmd.AssignRandom(include_presenters=True, include_moderators=True))
    s("maria", cmd.OpenRooms())
    s("zofia", cmd.RequestHelp())
    s("maria", cmd.DeleteRoom(RoomId("room-4")))
    s("maria", cmd.CloseRooms())
    return s.fixture("maria", "jan", "ala", "zofia")


def full_history() -> dict[str, Any]:
    s = Session(
        "full_history",
        "a full meeting makes room, and the chat history keeps only its latest",
        MeetingConfig(max_participants=4, chat_history=4, chat_page=3),
    )
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("jan", "Jan Kowalski")
    s.join("olek", "Olek Nowicki")
    s("jan", cmd.SendChat("Pierwsza wiadomość"))
    s("olek", cmd.SendChat("Druga wiadomość"))
    s(None, cmd.Disconnect(ParticipantId("olek")))
    s.record()
    s.join("zofia", "Zofia Król")
    s.join("ala", "Ala Zięba")  # the meeting is full: Olek, gone longest, makes room
    for i, who in enumerate(["jan", "maria", "zofia", "ala", "jan"], 3):
        s(who, cmd.SendChat(f"Wiadomość {i}"))
    s("maria", cmd.React("👍"))
    return s.fixture("maria", "jan", "zofia")


def agenda() -> dict[str, Any]:
    s = Session("agenda", "the agenda set by the organiser, edited, moved along, skipped, reopened")
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("ewa", "Ewa Lis", Role.PRESENTER, organisation="Rada Osiedla")
    s(None, cmd.SetAgendaAsOrganiser((AgendaEntry("Powitanie", 5), AgendaEntry("Ekspert", 20))))
    s.record()
    s.join("jan", "Jan Kowalski", district="Wola")
    # The organiser's: a new start and end for everyone, a new participant link for nobody
    s(None, cmd.ScheduleAsOrganiser("Forum Dzielnicy Wola", 1773334800.0, 1773345600.0))
    s(None, cmd.ReissueLink(Role.PARTICIPANT))
    # Invitees, for nobody: the room planned for one is created for everyone, and is his plan
    # when he joins by his personal link
    piotr = Invitee(ParticipantId("piotr"), "Piotr Wiśniewski", Role.PARTICIPANT, district="Ursus")
    ola = Invitee(ParticipantId("ola"), "Ola Nowak", Role.PRESENTER)
    s(None, cmd.ImportInvitees((piotr, ola)))
    s(None, cmd.PreassignInvitee(ParticipantId("piotr"), "Zieleń"))
    s(None, cmd.RemoveInvitee(ParticipantId("ola")))
    s.join("piotr", "Piotr Wiśniewski", district="Ursus")
    showcase = (Presenter(participant=ParticipantId("ewa")), Presenter("Ola Nowak"))
    item = AgendaItemId
    s(
        "maria",
        cmd.SetAgenda(
            (
                AgendaEntry("Powitanie", 5, id=item("item-1")),
                AgendaEntry("Inicjatywy mieszkańców", 40, showcase),
                AgendaEntry("Ekspert", 20, id=item("item-2")),
                AgendaEntry("Pytania", 15),
            )
        ),
    )
    s("maria", cmd.StartAgendaItem())
    s("maria", cmd.StartAgendaItem(), after=310.5)
    s("maria", cmd.SkipAgendaItem(item("item-2")))
    s("maria", cmd.StartAgendaItem(), after=1200.25)
    s("maria", cmd.SkipAgendaItem(item("item-4")), after=60.0)
    s("maria", cmd.ReopenAgendaItem(item("item-2")))
    s("maria", cmd.StartAgendaItem(item("item-2")))
    # Edited during the meeting: the current item's time goes on; the dropped one goes.
    s(
        "maria",
        cmd.SetAgenda(
            (
                AgendaEntry("Powitanie", 5, id=item("item-1")),
                AgendaEntry("Ekspert: budżet", 25, id=item("item-2")),
                AgendaEntry("Inicjatywy mieszkańców", 40, showcase, id=item("item-3")),
            )
        ),
        after=90.0,
    )
    s("maria", cmd.StartAgendaItem(), after=600.0)
    s("maria", cmd.ReopenAgendaItem(item("item-3")))
    s("maria", cmd.StartAgendaItem(item("item-3")))
    s("maria", cmd.SetAgenda((AgendaEntry("Powitanie", 5, id=item("item-1")),)), after=30.0)
    return s.fixture("maria", "ewa")


def speakers() -> dict[str, Any]:
    s = Session(
        "speakers",
        "the speakers' list reordered, the floor timed, warned, extended, run out and taken back",
        MeetingConfig(floor_limit_s=120, floor_warning_s=30),
    )
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("jan", "Jan Kowalski", district="Wola")
    s.join("ala", "Ala Zięba", district="Mokotów")
    s.join("piotr", "Piotr Wójcik", district="Mokotów")
    s.join("zofia", "Zofia Król", district="Ochota")
    s("jan", cmd.RaiseHand())
    s.record()
    for who in ("ala", "piotr", "zofia"):
        s(who, cmd.RaiseHand())
    s("maria", cmd.MoveHand(ParticipantId("piotr"), 1))  # to the top
    s("maria", cmd.MoveHand(ParticipantId("jan"), 4))  # to the end
    s("maria", cmd.GiveFloor())  # Piotr, the next one, for the meeting's two minutes
    s.tick_at("warning_at", "floor_clock")
    s("maria", cmd.ExtendFloor(60))
    s.tick_at("warning_at", "floor_clock")
    s.tick_at("deadline", "floor_clock")  # the floor ends by itself
    s("maria", cmd.GiveFloor(limit_s=90))  # Ala, the next one
    s("maria", cmd.GiveFloor(ParticipantId("jan"), limit_s=45))  # Ala's turn ends early
    s("maria", cmd.TakeFloor())
    s("piotr", cmd.RaiseHand())
    s("ala", cmd.RaiseHand())
    s("maria", cmd.MoveHand(ParticipantId("ala"), 1))
    s("maria", cmd.GiveFloor(ParticipantId("piotr")))
    # Piotr leaves while he speaks: his countdown goes with him.
    s(None, cmd.Disconnect(ParticipantId("piotr")))
    s(None, cmd.Depart(ParticipantId("piotr")), after=30.0)
    # The session ends with hands waiting out of the order they were raised in, and a speaker
    # warned: what the client keeps of them is compared with the core's.
    s("maria", cmd.GiveFloor(ParticipantId("jan")))
    s.tick_at("warning_at", "floor_clock")
    assert s.meeting.state.hand_queue == [ParticipantId("ala"), ParticipantId("zofia")]
    return s.fixture("maria", "jan", "ala")


def questions() -> dict[str, Any]:
    s = Session(
        "questions",
        "questions to the panel asked, one anonymous and one from a workshop room, upvoted,"
        " answered, owed, dismissed and withdrawn",
        MeetingConfig(max_open_questions=2),
    )
    question = QuestionId
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("jan", "Jan Kowalski", district="Wola")
    s.join("ala", "Ala Zięba", district="Mokotów")
    s.join("piotr", "Piotr Wójcik", district="Mokotów")
    s("maria", cmd.CreateRooms(("Zieleń",)))
    s("jan", cmd.AskQuestion("Kiedy remont ulicy Długiej?"))
    s.record()
    s("ala", cmd.AskQuestion("Kto zapłaci za park?", anonymous=True))
    s("piotr", cmd.UpvoteQuestion(question("question-2")))
    s("jan", cmd.UpvoteQuestion(question("question-2")))
    s("jan", cmd.RetractUpvote(question("question-2")))
    s("ala", cmd.UpvoteQuestion(question("question-1")))
    s("maria", cmd.MarkQuestion(question("question-2"), QuestionStatus.ANSWERING))
    # Answering the next one answers the one before.
    s("maria", cmd.MarkQuestion(question("question-1"), QuestionStatus.ANSWERING), after=120.0)
    s("maria", cmd.MoveParticipant(ParticipantId("piotr"), RoomId("room-1")))
    s("maria", cmd.OpenRooms(None))
    s("piotr", cmd.AskQuestion("Czy będą ławki?"))  # tagged with the workshop room
    s("piotr", cmd.AskQuestion("A toalety?", anonymous=True))
    s("ala", cmd.AskQuestion("I oświetlenie?", anonymous=True))
    s("jan", cmd.UpvoteQuestion(question("question-3")))
    s("maria", cmd.MarkQuestion(question("question-3"), QuestionStatus.OWED))
    s("maria", cmd.MarkQuestion(question("question-4"), QuestionStatus.DISMISSED))
    s("ala", cmd.WithdrawQuestion(question("question-5")))
    # The owed answer came in writing.
    s("maria", cmd.MarkQuestion(question("question-3"), QuestionStatus.ANSWERED))
    return s.fixture("maria", "jan", "ala", "piotr")


# Showcase
def showcase() -> dict[str, Any]:
    s = Session(
        "showcase",
        "leaders present their initiatives in turn: a slot run out calls the next, one matched by"
        " name as she joins, one absent skipped and called later, one named by the moderator,"
        " the agenda moving on to the next presenters",
        MeetingConfig(floor_limit_s=120, floor_warning_s=30),
    )
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("jan", "Jan Kowalski", district="Wola")
    s.join("ala", "Ala Zięba", district="Mokotów")
    s.join("zofia", "Zofia Król", district="Ochota")
    s("zofia", cmd.RaiseHand())
    jan, ala, piotr = ParticipantId("jan"), ParticipantId("ala"), ParticipantId("piotr")
    leaders = (
        Presenter(participant=jan),
        Presenter("Ola Nowak"),
        Presenter(participant=ala),
        Presenter("Piotr Wójcik"),
    )
    answers = (Presenter(participant=jan), Presenter(participant=ala))
    items = (AgendaEntry("Inicjatywy", 20, leaders), AgendaEntry("Odpowiedzi", 10, answers))
    s("maria", cmd.SetAgenda(items))
    s.record()
    s("maria", cmd.StartAgendaItem())  # Jan first, for a quarter of the 20 minutes
    s.join("ola", "ola nowak")  # matched to the second turn
    s.tick_at("warning_at", "floor_clock")
    s.tick_at("deadline", "floor_clock")  # Jan's slot runs out: the clock calls Ola
    s(None, cmd.Disconnect(ala))
    s("maria", cmd.NextPresenter())  # Ala is away, Piotr never came: both absent
    s(None, cmd.Rejoin(ala))
    s("maria", cmd.CallPresenter(2))  # Ala, later
    s.join("piotr", "Piotr W.")
    s("maria", cmd.CallPresenter(3, piotr))  # the moderator names who presents Piotr's turn
    s("maria", cmd.StartAgendaItem())  # Piotr's floor goes with the item; Jan answers first
    s.tick_at("warning_at", "floor_clock")
    # The session ends with Jan's turn done by the floor taken back, Ala waiting: what the client
    # keeps of the turns is compared with the core's.
    s("maria", cmd.TakeFloor())
    assert s.meeting.state.hand_queue == [ParticipantId("zofia")]
    return s.fixture("maria", "jan", "zofia")


# Polls


def polls() -> dict[str, Any]:
    s = Session(
        "polls",
        "polls: a named one with live results tallied every 250 ms, a secret one with a quorum"
        " counted from the ballot box, a workshop room's own poll, and one removed",
    )
    poll = PollId
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("jan", "Jan Kowalski", district="Wola")
    s.join("ala", "Ala Zięba", district="Mokotów")
    s.join("piotr", "Piotr Wójcik", Role.PRESENTER, district="Mokotów")
    s("maria", cmd.CreateRooms(("Zieleń",)))
    s.record()
    parks = ("Park Chrobrego", "Skwer Sośnica", "Park Starokozielski")
    s("maria", cmd.CreatePoll("Który park najpierw?", PollKind.MANY, parks, max_choices=2))
    s("maria", cmd.OpenPoll(poll("poll-1")))
    # Three ballots within 250 ms: the first is tallied at once, the others by the next tick.
    s("jan", cmd.CastBallot(poll("poll-1"), (0, 2)))
    s("ala", cmd.CastBallot(poll("poll-1"), (1,)), after=0.1)
    s("jan", cmd.CastBallot(poll("poll-1"), (2,)), after=0.05)
    wakeup = s.meeting.next_wakeup()
    assert wakeup is not None
    s(None, cmd.Tick(), after=wakeup - s.now)
    s("maria", cmd.ClosePoll(poll("poll-1")))
    # Secret, presenters voting too, half of the eligible needed.
    budget = cmd.CreatePoll(
        "Czy przyjąć budżet?",
        PollKind.YES_NO_ABSTAIN,
        secret=True,
        voters=PollVoters(presenters=True),
        quorum=Quorum(share=0.5),
    )
    s("maria", budget)
    s("maria", cmd.OpenPoll(poll("poll-2")))
    s(None, cmd.CastSecretBallot(poll("poll-2"), ParticipantId("piotr")))
    s(None, cmd.CastSecretBallot(poll("poll-2"), ParticipantId("ala")))
    s("maria", cmd.ClosePoll(poll("poll-2")))
    s(None, cmd.RevealPollResult(poll("poll-2"), (1, 0, 1), 2), after=0.01)
    # A workshop room's own poll, results after closing.
    s("maria", cmd.MoveParticipant(ParticipantId("ala"), RoomId("room-1")))
    s("maria", cmd.OpenRooms(None))
    room_poll = cmd.CreatePoll(
        "Ławki czy drzewa?",
        PollKind.ONE,
        ("Ławki", "Drzewa"),
        results=PollResults.AFTER_CLOSE,
        room=RoomId("room-1"),
    )
    s("maria", room_poll)
    s("maria", cmd.OpenPoll(poll("poll-3")))
    s("ala", cmd.CastBallot(poll("poll-3"), (1,)))
    s("maria", cmd.ClosePoll(poll("poll-3")))
    s("maria", cmd.CreatePoll("Przerwa?", PollKind.YES_NO_ABSTAIN))
    s("maria", cmd.RemovePoll(poll("poll-4")))
    return s.fixture("maria", "jan", "ala", "piotr")


# Workshop notes
def notes() -> dict[str, Any]:
    s = Session(
        "notes",
        "workshop notes: a volunteer and an appointed rapporteur, members let edit, a room"
        " renamed, a rapporteur stepping down, and the notes finished after the rooms close",
    )
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("jan", "Jan Kowalski", district="Wola")
    s.join("ala", "Ala Zięba", district="Mokotów")
    s.join("piotr", "Piotr Wójcik", district="Mokotów")
    s("maria", cmd.CreateRooms(("Zieleń", "Szkoły")))
    for who, room in (("jan", "room-1"), ("ala", "room-1"), ("piotr", "room-2")):
        s("maria", cmd.MoveParticipant(ParticipantId(who), RoomId(room)))
    s.record()
    s("maria", cmd.OpenRooms(None))
    s("ala", cmd.VolunteerRapporteur())
    s("ala", cmd.EditNotes(RoomId("room-1"), 0, "# Zieleń\n- drzewa przy szkole"))
    s("maria", cmd.SetNotesEditing(RoomId("room-1"), NotesEditing.MEMBERS))
    s("jan", cmd.EditNotes(RoomId("room-1"), 1, "# Zieleń\n- drzewa przy szkole\n- ławki"))
    s("maria", cmd.AppointRapporteur(RoomId("room-2"), ParticipantId("piotr")))
    s("piotr", cmd.EditNotes(RoomId("room-2"), 0, "Boisko"))
    s("maria", cmd.RenameRoom(RoomId("room-2"), "Szkoły i boiska"))
    s("piotr", cmd.StepDownAsRapporteur(RoomId("room-2")))
    s("maria", cmd.CloseRooms())
    # After the rooms close, every edit goes to everyone: each viewer holds every text again.
    s("ala", cmd.EditNotes(RoomId("room-1"), 2, "# Zieleń\n- drzewa przy szkole\n- ławki\n"))
    s("maria", cmd.EditNotes(RoomId("room-2"), 1, "Boisko\n\nŚwietlica"))
    return s.fixture("maria", "jan", "ala", "piotr")



# Ending the meeting
def ending() -> dict[str, Any]:
    s = Session("ending", "ending: a moderator ends the meeting while the workshops are open")
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("jan", "Jan Kowalski", district="Wola")
    s("maria", cmd.CreateRooms(("Zieleń",)))
    s.record()
    s("maria", cmd.MoveParticipant(ParticipantId("jan"), RoomId("room-1")))
    s("maria", cmd.OpenRooms(600))
    s("jan", cmd.SendChat("Do zobaczenia"), after=30)
    # The doors: locked, opened again, locked for the end.
    s("maria", cmd.LockMeeting(), after=5)
    s("maria", cmd.UnlockMeeting(), after=5)
    s("maria", cmd.LockMeeting(), after=5)
    s("maria", cmd.EndMeeting(), after=60)
    return s.fixture("maria", "jan")



# The lobby
def lobby() -> dict[str, Any]:
    s = Session("lobby", "the lobby: knocks, one let in, one turned away, one gone, then all in")
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("jan", "Jan Kowalski", district="Wola")
    s.record()
    s("maria", cmd.SetLobby(LobbyMode.EVERYONE))
    for who, name in (("ola", "Ola Lis"), ("piotr", "Piotr Zając"), ("ewa", "Ewa Wrona")):
        s(None, cmd.Join(ParticipantId(who), name, Role.PARTICIPANT, district="Łabędy"))
    s("maria", cmd.Admit(ParticipantId("ola")))
    s("maria", cmd.Refuse(ParticipantId("piotr")))
    s(None, cmd.Disconnect(ParticipantId("ewa")))
    s(None, cmd.Join(ParticipantId("zofia"), "Zofia Kos", Role.PRESENTER))
    s("maria", cmd.SetLobby(LobbyMode.OFF), after=20)
    return s.fixture("maria", "jan")


# Report-back
def report_back() -> dict[str, Any]:
    s = Session(
        "report_back",
        "the rooms report back in turn: one reordered, a rapporteur's time run out and the room"
        " still shown, a room without a rapporteur, a deleted room's notes, one called again",
        MeetingConfig(floor_limit_s=120, floor_warning_s=30),
    )
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("jan", "Jan Kowalski", district="Wola")
    s.join("ala", "Ala Zięba", district="Mokotów")
    s.join("zofia", "Zofia Król", district="Ochota")
    s("maria", cmd.CreateRooms(("Zieleń", "Transport", "Budżet")))
    # The rooms' notes as the workshops left them (written here as `rooms.notes` keeps them).
    notes = s.meeting.state.notes
    rooms = [RoomId(f"room-{i}") for i in (1, 2, 3)]
    jan, ala = ParticipantId("jan"), ParticipantId("ala")
    notes[rooms[0]] = RoomNotes(rooms[0], "Zieleń", "# Zieleń\n- ławki\n- cień", 5, rapporteur=jan)
    notes[rooms[1]] = RoomNotes(rooms[1], "Transport", "Autobusy co 10 minut.", 2, rapporteur=ala)
    notes[rooms[2]] = RoomNotes(rooms[2], "Budżet")
    s("maria", cmd.DeleteRoom(rooms[1]))  # its notes stay, to be reported
    s.record()
    s("maria", cmd.StartReportBack(tuple(rooms)))  # Zieleń first, Jan speaks
    s("maria", cmd.MoveReport(rooms[2], 1))
    s.tick_at("warning_at", "floor_clock")
    s.tick_at("deadline", "floor_clock")  # Jan's time is up: Zieleń stays shown
    s("maria", cmd.NextReport())  # Budżet, no rapporteur: the floor stays free
    s("maria", cmd.GiveFloor(ParticipantId("zofia")))
    s(None, cmd.Disconnect(ala))
    s("maria", cmd.CallReport(rooms[1]))  # Transport, its rapporteur away
    s(None, cmd.Rejoin(ala))
    s("maria", cmd.GiveFloor(ala))
    s("maria", cmd.NextReport())  # none waiting: Transport is done
    s("maria", cmd.CallReport(rooms[0]))  # Zieleń again
    s("maria", cmd.EndReportBack())
    # Started again, and reordered: the session ends with it running, two rooms waiting.
    s("maria", cmd.StartReportBack((rooms[2], rooms[0], rooms[1])))
    s("maria", cmd.MoveReport(rooms[1], 1))
    assert s.meeting.state.report_back.waiting == [rooms[1], rooms[0]]
    return s.fixture("maria", "jan", "zofia")




# The meeting's record (rooms.history, rooms.record)


def whole_meeting_session() -> Session:
    """A meeting recorded from its empty start: the record is built from every event of it."""
    s = Session(
        "whole_meeting",
        "a whole meeting for its record: arrivals, a dropped connection resumed, one who left and"
        " joined again without resuming, one removed, the agenda, workshops, public and private"
        " chat, broadcasts, questions answered and owed, a secret poll with a quorum",
    )
    s.record()
    item, poll, question = AgendaItemId, PollId, QuestionId
    s.join("maria", "Maria Nowak", Role.MODERATOR, "Urząd Miasta", "Śródmieście")
    s(None, cmd.SetAgendaAsOrganiser((AgendaEntry("Powitanie", 5), AgendaEntry("Warsztaty", 40))))
    s.join("jan", "Jan Kowalski", organisation="Stowarzyszenie Łąka", district="Wola")
    s.join("ala", "Ala Zięba", organisation="Klub Sportowy", district="Mokotów", group="młodzi")
    s.join("piotr", "Piotr Wójcik", organisation="Klub Sportowy", district="Mokotów")
    s.join("zofia", "Zofia Król", district="Ochota")
    s.join("olek", "=cmd|' /C calc'!A0", district="Wola")
    s("maria", cmd.StartAgendaItem(item("item-1")), after=60.0)
    s("maria", cmd.SendChat("Dzień dobry wszystkim!"))
    s("jan", cmd.SendChat("Mój numer: 600 100 200", to=ParticipantId("ala")))
    s(None, cmd.Disconnect(ParticipantId("piotr")), after=120.0)
    s(None, cmd.Rejoin(ParticipantId("piotr")), after=180.0)
    # Zofia's browser is gone past the grace period; she comes back without her token.
    s(None, cmd.Disconnect(ParticipantId("zofia")))
    s(None, cmd.Depart(ParticipantId("zofia")), after=300.0)
    s.join("zofia-again", "Zofia Król", district="Ochota")
    s("jan", cmd.AskQuestion("Kiedy remont ulicy Długiej?"))
    s("ala", cmd.AskQuestion("Kto zapłaci za park?", anonymous=True))
    s("piotr", cmd.AskQuestion("Czy będą ławki?"))
    s("maria", cmd.MarkQuestion(question("question-1"), QuestionStatus.ANSWERED))
    s("maria", cmd.MarkQuestion(question("question-2"), QuestionStatus.OWED))
    s("maria", cmd.StartAgendaItem(item("item-2")), after=240.0)
    s("maria", cmd.CreateRooms(("Zieleń", "Transport")))
    s("maria", cmd.AssignRandom())
    s("maria", cmd.OpenRooms(duration_s=1200))
    s("maria", cmd.AppointRapporteur(RoomId("room-1"), ParticipantId("jan")))
    s("maria", cmd.AppointRapporteur(RoomId("room-2"), ParticipantId("ala")))
    s("jan", cmd.SendChat("Zacznijmy od przystanków."), after=60.0)
    s("jan", cmd.EditNotes(RoomId("room-1"), 0, "# Zieleń\n- drzewa przy szkole\n- <b>ławki</b>"))
    s("ala", cmd.EditNotes(RoomId("room-2"), 0, "Autobus 107 co 10 minut."))
    s("maria", cmd.Broadcast("Zostało 10 minut."), after=540.0)
    s("maria", cmd.RemoveParticipant(ParticipantId("olek")))
    s("maria", cmd.CloseRooms(), after=300.0)
    s("maria", cmd.DeleteRoom(RoomId("room-2")))
    # The report-back: the deleted room's notes are reported too.
    s("maria", cmd.StartReportBack())
    s("maria", cmd.NextReport(), after=120.0)
    s("maria", cmd.EndReportBack(), after=120.0)
    budget = cmd.CreatePoll(
        "Czy przyjąć wnioski?", PollKind.YES_NO_ABSTAIN, secret=True, quorum=Quorum(share=0.5)
    )
    s("maria", budget)
    s("maria", cmd.OpenPoll(poll("poll-1")))
    for voter in ("jan", "ala", "zofia-again"):
        s(None, cmd.CastSecretBallot(poll("poll-1"), ParticipantId(voter)))
    s("maria", cmd.ClosePoll(poll("poll-1")), after=60.0)
    s(None, cmd.RevealPollResult(poll("poll-1"), (2, 0, 1), 3), after=0.01)
    s("maria", cmd.StartAgendaItem(), after=120.0)
    s("maria", cmd.EndMeeting(), after=60.0)
    return s


def whole_meeting() -> dict[str, Any]:
    return whole_meeting_session().fixture("maria", "jan")




# Contacts between leaders


def contacts() -> dict[str, Any]:
    s = Session(
        "contacts",
        "contacts between leaders: two opt in and see each other, one changes, one who stays"
        " out sees nothing, one leaves and stays in the directory, one withdraws",
    )
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s.join("jan", "Jan Kowalski", organisation="Rada Osiedla", district="Sośnica")
    s.join("ala", "Ala Zięba", organisation="Ogrody Łabędy", district="Łabędy")
    s.join("piotr", "Piotr Wójcik", district="Mokotów")
    s("jan", cmd.ShareContact(email="jan@example.org"))
    s.record()
    s("ala", cmd.ShareContact(website="https://ogrody.example.pl", note="Ogród społeczny"))
    s("jan", cmd.ShareContact(email="jan.kowalski@example.org", phone="+48 600 100 200"))
    s("piotr", cmd.ShareContact(phone="32 123 45 67"))
    s(None, cmd.Disconnect(ParticipantId("piotr")))
    s(None, cmd.Depart(ParticipantId("piotr")), after=400)
    s("ala", cmd.WithdrawContact())
    s("maria", cmd.SendChat("Dziękujemy wszystkim!"))
    return s.fixture("maria", "jan", "ala")



RECORDERS = (
    plenary,
    workshops,
    full_history,
    agenda,
    speakers,
    questions,
    showcase,
    polls,
    ending,
    notes,
    report_back,
    whole_meeting,
    contacts,
    lobby,
)


def record_all() -> dict[str, dict[str, Any]]:
    return {recorder.__name__: recorder() for recorder in RECORDERS}


def render(fixture: dict[str, Any]) -> str:
    return json.dumps(fixture, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    SESSIONS.mkdir(exist_ok=True)
    for stale in SESSIONS.glob("*.json"):
        stale.unlink()
    for name, fixture in record_all().items():
        (SESSIONS / f"{name}.json").write_text(render(fixture), encoding="utf-8")
        print(f"wrote {SESSIONS / name}.json: {len(fixture['events'])} events")
