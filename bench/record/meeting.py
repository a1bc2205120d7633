"""A large meeting, played through the core: the events and the state the record is made from.

300 people (a moderator and participants from a dozen districts and forty organisations), the
agenda run through, 30 workshop rooms with thousands of public chat lines and some private ones,
broadcasts, dropped connections resumed and people joining again without resuming, questions
upvoted and marked, named and secret polls. The rooms' notes are put in the state as the notes'
commands would leave them (a few thousand characters each).
"""

import random
from dataclasses import dataclass
from typing import Protocol

from rooms import Meeting, MeetingConfig, MeetingId, ParticipantId, Role, RoomId
from rooms import commands as cmd
from rooms.commands import AgendaEntry
from rooms.events import Stamped
from rooms.ids import PollId, QuestionId
from rooms.model import PollKind, PollVoters, QuestionStatus, Quorum, RoomNotes

T0 = 1_800_000_000.0
MODERATOR = ParticipantId("p-0")
DISTRICTS = [
    "Śródmieście", "Mokotów", "Wola", "Ochota", "Praga-Południe", "Bielany", "Bemowo",
    "Ursynów", "Wawer", "Targówek", "Żoliborz", "Białołęka",
]  # fmt: skip


class Do(Protocol):
    def __call__(
        self, actor: ParticipantId | None, command: cmd.Command, after: float = 1.0
    ) -> None: ...


@dataclass
class Played:
    meeting: Meeting
    events: list[Stamped]
    now: float


def play(people: int, rooms: int, chat_lines: int, seed: int = 13) -> Played:
    """The meeting, with `people` in it (the moderator counted), `rooms` workshops and
    `chat_lines` public chat lines (a tenth as many private ones besides)."""
    rng = random.Random(seed)
    config = MeetingConfig(max_participants=people + 50, max_rooms=max(rooms, 1))
    meeting = Meeting.create(MeetingId("bench-record"), "Forum Miasta", config, starts_at=T0)
    events: list[Stamped] = []
    clock = [T0]

    def do(actor: ParticipantId | None, command: cmd.Command, after: float = 1.0) -> None:
        clock[0] += after
        events.extend(meeting.handle(actor, command, clock[0]))

    ids = [ParticipantId(f"p-{i}") for i in range(people)]
    do(None, cmd.Join(MODERATOR, "Maria Nowak", Role.MODERATOR, "Urząd Miasta", "Śródmieście"))
    for i, who in enumerate(ids[1:], 1):
        district = DISTRICTS[i % len(DISTRICTS)]
        join = cmd.Join(who, f"Osoba {i}", Role.PARTICIPANT, f"Organizacja {i % 40}", district)
        do(None, join, after=0.2)
    items = tuple(AgendaEntry(f"Punkt {i}", 10) for i in range(1, 9))
    do(MODERATOR, cmd.SetAgenda(items))
    do(MODERATOR, cmd.StartAgendaItem(), after=30.0)
    # Dropped connections, resumed; and a few who come back without their token.
    for who in rng.sample(ids[1:], min(100, people - 1)):
        do(None, cmd.Disconnect(who), after=0.5)
        do(None, cmd.Rejoin(who), after=20.0)
    for n, who in enumerate(rng.sample(ids[1:], min(20, people - 1))):
        do(None, cmd.Disconnect(who))
        do(None, cmd.Depart(who), after=300.0)
        again = ParticipantId(f"again-{n}")
        name = meeting.state.history.people[who]
        do(None, cmd.Join(again, name.name, Role.PARTICIPANT, name.organisation, name.district))
        ids.append(again)
    present = [p for p in ids if p in meeting.state.participants]
    _questions(do, rng, present)
    do(MODERATOR, cmd.StartAgendaItem(), after=600.0)
    if rooms:
        do(MODERATOR, cmd.CreateRooms(tuple(f"Warsztat {r + 1}" for r in range(rooms))))
        do(MODERATOR, cmd.AssignRandom())
        do(MODERATOR, cmd.OpenRooms(duration_s=3600))
    for line in range(chat_lines):
        do(rng.choice(present), cmd.SendChat(f"Wypowiedź {line}: zieleń, ławki, przystanki."), 0.5)
        if line % 10 == 0:
            to = rng.choice(present)
            sender = rng.choice([p for p in present if p != to])
            do(sender, cmd.SendChat("prywatnie: mój numer 600 100 200", to=to), 0.1)
        if line % 500 == 0:
            do(MODERATOR, cmd.Broadcast(f"Komunikat {line // 500 + 1}: zostało trochę czasu."))
    if rooms:
        do(MODERATOR, cmd.CloseRooms(), after=60.0)
    _polls(do, rng, meeting, present)
    do(MODERATOR, cmd.StartAgendaItem(), after=600.0)
    for room in range(1, rooms + 1):
        room_id = RoomId(f"room-{room}")
        proposals = [f"- wniosek {k}: więcej drzew i ławek" for k in range(40)]
        text = "\n".join(["# Wnioski", *proposals, "", "Uwagi."])
        meeting.state.notes[room_id] = RoomNotes(
            room_id, f"Warsztat {room}", text, rapporteur=rng.choice(present)
        )
    return Played(meeting, events, clock[0])


def _questions(do: Do, rng: random.Random, present: list[ParticipantId]) -> None:
    askers = rng.sample(present[1:], min(100, len(present) - 1))
    for who in askers:
        do(who, cmd.AskQuestion(f"Pytanie od {who}: kiedy remont?", anonymous=rng.random() < 0.2))
    for n in range(1, len(askers) + 1):
        for voter in rng.sample(present, 5):
            if voter != askers[n - 1]:
                do(voter, cmd.UpvoteQuestion(QuestionId(f"question-{n}")), 0.1)
    statuses = (QuestionStatus.ANSWERED, QuestionStatus.OWED, QuestionStatus.DISMISSED)
    for n in range(1, len(askers) + 1, 2):
        do(MODERATOR, cmd.MarkQuestion(QuestionId(f"question-{n}"), statuses[n % 3]))


def _polls(do: Do, rng: random.Random, meeting: Meeting, present: list[ParticipantId]) -> None:
    for p in range(1, 5):
        do(MODERATOR, cmd.CreatePoll(f"Pytanie {p}?", PollKind.ONE, ("A", "B", "C")))
        do(MODERATOR, cmd.OpenPoll(PollId(f"poll-{p}")))
        for voter in meeting.state.polls.polls[-1].eligible:
            do(voter, cmd.CastBallot(PollId(f"poll-{p}"), (rng.randrange(3),)), 0.01)
        do(MODERATOR, cmd.ClosePoll(PollId(f"poll-{p}")))
    secret = cmd.CreatePoll(
        "Budżet?",
        PollKind.YES_NO_ABSTAIN,
        secret=True,
        voters=PollVoters(presenters=True),
        quorum=Quorum(share=0.5),
    )
    do(MODERATOR, secret)
    do(MODERATOR, cmd.OpenPoll(PollId("poll-5")))
    voters = meeting.state.polls.polls[-1].eligible
    for voter in voters:
        do(None, cmd.CastSecretBallot(PollId("poll-5"), voter), 0.01)
    do(MODERATOR, cmd.ClosePoll(PollId("poll-5")))
    counts = (len(voters) // 2, len(voters) // 3, len(voters) - len(voters) // 2 - len(voters) // 3)
    do(None, cmd.RevealPollResult(PollId("poll-5"), counts, len(voters)))
