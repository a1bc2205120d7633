"""Random sessions: whatever anyone sends, in any order, the meeting stays consistent.

Each step is a command from a random sender (the server, a moderator, a participant, a stranger)
at a time that only moves forward. Refused commands must change nothing; accepted ones must keep
the invariants below, and the events must rebuild the live state (the agenda and its times,
the questions and their votes, the presenters' turns too) from any earlier snapshot. Nobody but
the moderators and the author ever receives the author of an anonymous question, in an event or
a snapshot.

Polls: secret ballots go through a ballot box kept here, as the server keeps its own (checked
with `rooms.polls.check_ballot`, then `CastSecretBallot`; a close is followed by the reveal). A
poll's tally and result equal its ballots, and no event or snapshot carries a secret choice.

Contacts between leaders: a card reaches only those who opted in, by event and snapshot.
"""

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.decide import next_wakeup
from rooms.ending import AFTER_THE_END
from rooms.errors import Reason, Rejected
from rooms.events import Stamped
from rooms.ids import PLENARY, AgendaItemId, MeetingId, ParticipantId, PollId, QuestionId, RoomId
from rooms.meeting import Meeting
from rooms.model import (
    Agenda,
    FloorClock,
    GroupBy,
    ItemStatus,
    LobbyMode,
    MeetingState,
    NotesEditing,
    Phase,
    PollKind,
    PollResults,
    PollStatus,
    PollVoters,
    Presenter,
    QuestionStatus,
    Quorum,
    ReportBack,
    Role,
    Showcase,
    TurnStatus,
)
from rooms.plain import from_plain, to_plain
from rooms.polls import check_ballot, current_tally
from rooms.publishing import Source, publish_rights
from rooms.record import meeting_record
from rooms.view import replay_for, sees, view_for

from .builders import MODERATOR, T0

PEOPLE = [MODERATOR, *(ParticipantId(f"u{i}") for i in range(5)), ParticipantId("stranger")]
LOBBY_MODES = list(LobbyMode)
ROOMS = [PLENARY, *(RoomId(f"room-{i}") for i in range(1, 6))]
CONFIG = MeetingConfig(
    chat_history=5,
    max_rooms=4,
    warning_s=60,
    grace_s=20,
    max_duration_s=900,
    floor_limit_s=240,
    floor_warning_s=120,
    max_floor_limit_s=600,
    max_question_chars=100,
    max_open_questions=2,
    max_questions=12,
    # Polls: a tally coalesced over more than the shortest step.
    max_polls=4,
    tally_interval_ms=3000,
)


@dataclass(frozen=True)
class Draw:
    """The random parts of one step; each kind of step below uses the ones it needs."""

    sender: ParticipantId
    target: ParticipantId
    room: RoomId
    workshop: RoomId
    text: str
    seconds: int
    flag: bool
    role: Role
    by: GroupBy
    keys: tuple[GroupBy, ...]
    # include_absent, include_presenters, include_moderators
    including: tuple[bool, bool, bool]
    item: AgendaItemId
    agenda: tuple[cmd.AgendaEntry, ...]
    # A place in the speakers' list (1 is the top).
    place: int
    question: QuestionId
    status: QuestionStatus
    # Polls
    poll: PollId
    choices: tuple[int, ...]
    create: cmd.CreatePoll


Step = tuple[ParticipantId | None, cmd.Command]


def dealing(d: "Draw") -> dict[str, bool]:
    absent, presenters, moderators = d.including
    return {
        "include_absent": absent,
        "include_presenters": presenters,
        "include_moderators": moderators,
    }


def dealt(state: MeetingState, command: cmd.Dealing) -> set[ParticipantId]:
    """Who an assignment must deal: once each, and nobody else."""
    roles = {Role.PARTICIPANT}
    roles |= {Role.PRESENTER} if command.include_presenters else set()
    roles |= {Role.MODERATOR} if command.include_moderators else set()
    return {
        p.id
        for p in state.participants.values()
        if p.role in roles and (p.connected or command.include_absent)
    }

# Showcase: three presenters of 4 minutes each.
SHOWCASE_ITEM = cmd.AgendaEntry(
    "Initiatives",
    12,
    (Presenter(participant=PEOPLE[1]), Presenter("Ola"), Presenter(participant=PEOPLE[3])),
)


# Workshop notes
NOTES_EDITING = {False: NotesEditing.RAPPORTEUR, True: NotesEditing.MEMBERS}


# Each kind of step, listed as often as it should come up.
KINDS: list[tuple[int, Callable[[Draw], Step]]] = [
    (3, lambda d: (None, cmd.Join(d.target, d.text, d.role, district=d.text, group=d.text))),
    (3, lambda d: (None, cmd.Rejoin(d.target))),
    (1, lambda d: (None, cmd.Disconnect(d.target))),
    (1, lambda d: (None, cmd.Depart(d.target))),
    (8, lambda d: (None, cmd.Tick())),
    (3, lambda d: (d.sender, cmd.SendChat(d.text))),
    (2, lambda d: (d.sender, cmd.SendChat(d.text, to=d.target))),
    (4, lambda d: (d.sender, cmd.RaiseHand())),
    (2, lambda d: (d.sender, cmd.LowerHand())),
    (1, lambda d: (d.sender, cmd.React("👏" if d.flag else "?"))),
    (2, lambda d: (d.sender, cmd.ChooseRoom(d.room))),
    (4, lambda d: (d.sender, cmd.RequestHelp())),
    (1, lambda d: (d.sender, cmd.CancelHelp())),
    (2, lambda d: (d.sender, cmd.SetRole(d.target, d.role))),
    (1, lambda d: (d.sender, cmd.RemoveParticipant(d.target))),
    (1, lambda d: (d.sender, cmd.AskToMute(d.target))),
    (2, lambda d: (d.sender, cmd.HardMute(d.target))),
    (2, lambda d: (d.sender, cmd.LiftHardMute(d.target))),
    (3, lambda d: (d.sender, cmd.GiveFloor(d.target))),
    (2, lambda d: (d.sender, cmd.GiveFloor())),
    (1, lambda d: (d.sender, cmd.TakeFloor())),
    (1, lambda d: (d.sender, cmd.ClearHand(d.target))),
    (1, lambda d: (d.sender, cmd.ClearAllHands())),
    (3, lambda d: (d.sender, cmd.CreateRooms((d.text,) * (1 + d.seconds % 3)))),
    (2, lambda d: (d.sender, cmd.RenameRoom(d.workshop, d.text, d.text if d.flag else None))),
    (2, lambda d: (d.sender, cmd.DeleteRoom(d.workshop))),
    (2, lambda d: (d.sender, cmd.AssignRandom(**dealing(d)))),
    (2, lambda d: (d.sender, cmd.AssignMixed(d.by, **dealing(d)))),
    (2, lambda d: (d.sender, cmd.AssignMixed(d.keys, **dealing(d)))),
    (3, lambda d: (d.sender, cmd.MoveParticipant(d.target, d.room))),
    (1, lambda d: (d.sender, cmd.SetSelfSelect(d.flag))),
    (3, lambda d: (d.sender, cmd.OpenRooms(d.seconds if d.flag else None))),
    (2, lambda d: (d.sender, cmd.ExtendRooms(d.seconds))),
    (1, lambda d: (d.sender, cmd.CloseRooms())),
    (1, lambda d: (d.sender, cmd.Broadcast(d.text))),
    (2, lambda d: (d.sender, cmd.Visit(d.room))),
    (2, lambda d: (d.sender, cmd.DismissHelp(d.target))),
    # The speakers' list
    (2, lambda d: (d.sender, cmd.GiveFloor(d.target, d.seconds if d.flag else None))),
    (2, lambda d: (d.sender, cmd.GiveFloor(None, d.seconds if d.flag else None))),
    (2, lambda d: (d.sender, cmd.ExtendFloor(d.seconds))),
    (1, lambda d: (d.sender, cmd.MoveHand(d.target, d.place))),
    (4, lambda d: (MODERATOR, cmd.MoveHand(d.target, d.place))),
    # Always refused: the server's commands from a person, a client's from nobody.
    (1, lambda d: (d.sender, cmd.Tick() if d.flag else cmd.Disconnect(d.target))),
    (1, lambda d: (None, cmd.RaiseHand() if d.flag else cmd.CloseRooms())),
    # The agenda
    (3, lambda d: (d.sender, cmd.SetAgenda(d.agenda))),
    (1, lambda d: (None, cmd.SetAgendaAsOrganiser(d.agenda))),
    (4, lambda d: (d.sender, cmd.StartAgendaItem(d.item if d.flag else None))),
    (3, lambda d: (d.sender, cmd.SkipAgendaItem(d.item))),
    (2, lambda d: (d.sender, cmd.ReopenAgendaItem(d.item))),
    # Questions to the panel
    (4, lambda d: (d.sender, cmd.AskQuestion(d.text, anonymous=d.flag))),
    (4, lambda d: (d.sender, cmd.UpvoteQuestion(d.question))),
    (2, lambda d: (d.sender, cmd.RetractUpvote(d.question))),
    (2, lambda d: (d.sender, cmd.WithdrawQuestion(d.question))),
    (2, lambda d: (d.sender, cmd.MarkQuestion(d.question, d.status))),
    # Showcase: moving the presenters on, calling one (by hand, too), one joining under a name.
    (4, lambda d: (d.sender, cmd.NextPresenter())),
    (3, lambda d: (d.sender, cmd.CallPresenter(d.place - 1, d.target if d.flag else None))),
    (2, lambda d: (None, cmd.Join(d.target, "OLA" if d.flag else " ola", Role.PARTICIPANT))),
    (1, lambda d: (d.sender, cmd.SetAgenda((SHOWCASE_ITEM, cmd.AgendaEntry("After", 10))))),
    # Polls (a secret ballot goes through the box in the session below)
    (2, lambda d: (d.sender, d.create)),
    (4, lambda d: (MODERATOR, d.create)),
    (1, lambda d: (d.sender, cmd.OpenPoll(d.poll))),
    (4, lambda d: (MODERATOR, cmd.OpenPoll(d.poll))),
    # Ballots from the participants mostly: only they vote unless the poll says otherwise.
    (10, lambda d: (d.target, cmd.CastBallot(d.poll, d.choices))),
    (10, lambda d: (None, cmd.CastSecretBallot(d.poll, d.target))),
    (1, lambda d: (d.sender, cmd.ClosePoll(d.poll))),
    (3, lambda d: (MODERATOR, cmd.ClosePoll(d.poll))),
    (2, lambda d: (MODERATOR, cmd.RemovePoll(d.poll))),
    (1, lambda d: (None, cmd.RevealPollResult(d.poll, d.choices, d.place))),
    # Ending the meeting: rarely, so most sessions go on; after it, only a count is taken.
    (1, lambda d: (d.sender, cmd.EndMeeting())),
    # The doors, and muting the plenary
    (1, lambda d: (d.sender, cmd.LockMeeting())),
    # The lobby: those waiting are let in, turned away, or leave
    (1, lambda d: (d.sender, cmd.SetLobby(LOBBY_MODES[d.place % len(LOBBY_MODES)]))),
    (1, lambda d: (d.sender, cmd.Admit(d.target) if d.flag else cmd.AdmitAll())),
    (1, lambda d: (d.sender, cmd.Refuse(d.target))),
    (1, lambda d: (d.sender, cmd.UnlockMeeting())),
    (1, lambda d: (d.sender, cmd.MuteEveryone())),
    # Workshop notes: a version from the draw's place, often the current one or just before.
    (2, lambda d: (d.sender, cmd.VolunteerRapporteur())),
    (2, lambda d: (d.sender, cmd.AppointRapporteur(d.workshop, d.target if d.flag else None))),
    (1, lambda d: (d.sender, cmd.StepDownAsRapporteur(d.workshop))),
    (1, lambda d: (d.sender, cmd.SetNotesEditing(d.workshop, NOTES_EDITING[d.flag]))),
    (4, lambda d: (d.sender, cmd.EditNotes(d.workshop, d.place - 1, d.text))),
    # Report-back: started on the rooms there are or some named, moved on, reordered, ended.
    (2, lambda d: (d.sender, cmd.StartReportBack(() if d.flag else (d.workshop, ROOMS[1])))),
    (3, lambda d: (MODERATOR, cmd.StartReportBack(tuple(ROOMS[1:4])))),
    (3, lambda d: (d.sender, cmd.NextReport())),
    (2, lambda d: (d.sender, cmd.CallReport(d.workshop))),
    (2, lambda d: (MODERATOR, cmd.MoveReport(d.workshop, d.place))),
    (1, lambda d: (d.sender, cmd.EndReportBack())),
    # Contacts between leaders
    (3, lambda d: (d.sender, cmd.ShareContact(email="a@b.org" if d.flag else None, note=d.text))),
    (1, lambda d: (d.sender, cmd.WithdrawContact())),
    (1, lambda d: (None, cmd.WithdrawContactByLink(d.target))),
]

QUESTIONS = [QuestionId(f"question-{i}") for i in range(1, 8)]
ITEMS = [AgendaItemId(f"item-{i}") for i in range(1, 7)]
agenda_entries = st.lists(
    st.builds(
        cmd.AgendaEntry,
        title=st.sampled_from(["Welcome", " Mayor ", "", "x" * 201]),
        minutes=st.sampled_from([1, 15, 481]),
        presenters=st.lists(
            st.sampled_from([Presenter("Ola"), Presenter(participant=PEOPLE[1]), Presenter()]),
            max_size=2,
        ).map(tuple),
        id=st.sampled_from([None, None, *ITEMS]),
    ),
    max_size=5,
).map(tuple)

POLLS = [PollId(f"poll-{i}") for i in range(1, 6)]
poll_creations = st.builds(
    cmd.CreatePoll,
    question=st.sampled_from(["Which?", "Which?", "", "x" * 301]),
    kind=st.sampled_from(PollKind),
    options=st.sampled_from([(), ("A", "B"), ("A", "B", "C"), ("A", "a")]),
    max_choices=st.sampled_from([None, None, 1, 2]),
    secret=st.booleans(),
    results=st.sampled_from([None, None, *PollResults]),
    voters=st.builds(PollVoters, st.booleans(), st.booleans()),
    quorum=st.sampled_from([None, Quorum(share=0.5), Quorum(count=2)]),
    room=st.sampled_from([None, None, *ROOMS[:3]]),
)

draws = st.builds(
    Draw,
    sender=st.sampled_from([MODERATOR, MODERATOR, MODERATOR, *PEOPLE]),
    target=st.sampled_from([*PEOPLE[1:], MODERATOR]),
    room=st.sampled_from([*ROOMS[1:3], *ROOMS]),
    workshop=st.sampled_from(ROOMS[1:]),
    text=st.sampled_from(["hi", "North", " north ", "", "two\nlines", "x" * 2001, "bell\x07"]),
    seconds=st.sampled_from([120, 45, 30, 10, 1, 600, 901]),
    flag=st.booleans(),
    role=st.sampled_from(Role),
    by=st.sampled_from(GroupBy),
    keys=st.lists(st.sampled_from(GroupBy), min_size=1, max_size=3, unique=True).map(tuple),
    including=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    # The first items more often: they are the ones the "agenda" prelude has started.
    item=st.sampled_from([*ITEMS[:2], *ITEMS[:2], *ITEMS]),
    agenda=agenda_entries,
    place=st.sampled_from([1, 2, 2, 3, 6]),
    question=st.sampled_from([*QUESTIONS[:3], *QUESTIONS]),
    status=st.sampled_from([s for s in QuestionStatus if s is not QuestionStatus.OPEN]),
    # Polls
    poll=st.sampled_from([*POLLS[:2], *POLLS[:2], *POLLS]),
    # Mostly ballots that fit a poll of three options, some that do not.
    choices=st.sampled_from([(0,), (1,), (2,), (0, 2), (2, 1), (0, 1, 2), (), (3,), (1, 1)]),
    create=poll_creations,
)

steps = st.tuples(
    st.sampled_from([make for weight, make in KINDS for _ in range(weight)]),
    draws,
    st.sampled_from([1, 0, 5, 20, 30, 45, 60, 300]),  # seconds passing before the step
    st.integers(0, 9),  # 0: take a snapshot after the step
)


def check_invariants(
    meeting: Meeting, hands: list[ParticipantId], floor: ParticipantId | None
) -> None:
    state = meeting.state
    for p in state.participants.values():
        assert p.room == PLENARY or p.room in state.workshops, p
    assert len(set(state.hand_queue)) == len(state.hand_queue)
    assert all(p in state.participants for p in state.hand_queue)
    assert state.hand_queue == hands
    assert state.floor is None or state.floor in state.participants
    assert state.floor not in state.hand_queue
    assert all(p in state.participants for p in state.plan)
    assert all(r in state.workshops for r in state.plan.values())
    assert all(c.participant in state.participants for c in state.help_queue)
    assert all(c.room in state.workshops for c in state.help_queue)
    assert len(set(state.audio_blocked)) == len(state.audio_blocked)
    assert all(p in state.participants for p in state.audio_blocked)
    # (The last moderator cannot be demoted, tested in test_commands; but one may leave.)
    assert not set(state.removed) & set(state.participants)
    # The lobby: someone waits or is in, never both; a moderator never waits.
    assert not set(state.lobby) & set(state.participants)
    assert all(w.role is not Role.MODERATOR for w in state.lobby.values())
    # The speakers' list: the floor as its events tell it, and a countdown only while it is held.
    assert state.floor == floor
    clock = state.floor_clock
    if state.floor is None:
        assert clock == FloorClock()
    if clock.deadline is None:
        assert (clock.warning_at, clock.warned) == (None, False)
    if clock.warning_at is not None:
        assert clock.deadline is not None and clock.warning_at <= clock.deadline
    assert not clock.warned or clock.warning_at is not None
    check_agenda(state.agenda)
    check_questions(state)
    check_showcase(state)
    check_polls(state)
    # Workshop notes: every room has them, and they outlive it.
    assert set(state.workshops) <= set(state.notes)
    for notes in state.notes.values():
        assert notes.version >= 0 and len(notes.text) <= CONFIG.max_notes_chars
    check_report_back(state)


def check_questions(state: MeetingState) -> None:
    asked = state.questions.asked
    ids = [q.id for q in asked]
    assert len(set(ids)) == len(ids)
    assert all(int(i.split("-")[1]) <= state.questions.created for i in ids)
    assert sum(q.status is QuestionStatus.ANSWERING for q in asked) <= 1
    for q in asked:
        assert q.author is not None
        assert len(set(q.voters)) == len(q.voters)
        assert q.author not in q.voters
    for author in {q.author for q in asked}:
        open_ones = [q for q in asked if q.author == author and q.status in OPEN_STATUSES]
        assert len(open_ones) <= CONFIG.max_open_questions


OPEN_STATUSES = {QuestionStatus.OPEN, QuestionStatus.ANSWERING}


# Polls ----------------------------------------------------------------------------------------

# The test's ballot box: each secret poll's ballots, by voter (the server's keeps no voter).
Box = dict[PollId, dict[ParticipantId, tuple[int, ...]]]


def counts_of(options: int, ballots: list[tuple[int, ...]]) -> tuple[int, ...]:
    return tuple(sum(choices.count(i) for choices in ballots) for i in range(options))


def check_polls(state: MeetingState, config: MeetingConfig = CONFIG) -> None:
    ids = [p.id for p in state.polls.polls]
    assert len(set(ids)) == len(ids)
    for poll in state.polls.polls:
        assert len(set(poll.voted)) == len(poll.voted)
        assert set(poll.voted) <= set(poll.eligible)
        if poll.secret:
            assert poll.ballots == {}
            assert poll.tally.counts is None
        else:
            assert set(poll.ballots) == set(poll.voted)
        if poll.status is PollStatus.DRAFT:
            assert poll.eligible == poll.voted == []
        if poll.status is PollStatus.OPEN:
            assert poll.result is None
            # What the room was last sent is up to date, or a tick is due an interval after it.
            assert poll.tally_at is not None
            if poll.tally != current_tally(poll):
                wakeup = next_wakeup(state, config)
                assert wakeup is not None
                assert wakeup <= poll.tally_at + config.tally_interval_ms / 1000


def follow_polls(
    stamped: Stamped, ballots: dict[PollId, dict[ParticipantId, tuple[int, ...]]], box: Box
) -> None:
    """Named ballots as a reader of the events would count them; each tally and result checked
    against them (a secret poll's result against the box), and no secret choice anywhere."""
    event = stamped.event
    plain = to_plain(event)
    match event:
        case ev.PollCreated():
            ballots[event.poll] = {}
            if event.secret:
                box[event.poll] = {}
        case ev.BallotCast():
            ballots[event.poll][event.by] = event.choices
        case ev.PollTally():
            assert event.voted == len(ballots[event.poll]) or event.counts is None
            if event.counts is not None:
                options = len(event.counts)
                assert event.counts == counts_of(options, list(ballots[event.poll].values()))
        case ev.PollResult():
            counted = box.get(event.poll, ballots[event.poll])
            assert event.voted == len(counted)
            assert event.counts == counts_of(len(event.counts), list(counted.values()))
    poll = plain.get("poll")
    if poll in box:
        # A secret poll: its events name who voted, never a choice; its result only counts.
        assert "choices" not in plain, event
        assert not isinstance(event, ev.BallotCast)


def values(plain: object) -> list[object]:
    """Every value in a plain record, nested ones too."""
    if isinstance(plain, dict):
        return [v for value in plain.values() for v in values(value)]
    if isinstance(plain, list):
        return [v for value in plain for v in values(value)]
    return [plain]


def check_anonymity(
    state: MeetingState, stamped: list[Stamped], authors: dict[QuestionId, ParticipantId]
) -> None:
    """No one but a moderator or the author receives the author of an anonymous question: in an
    event about it, or in the snapshot `rooms.view` gives them. `authors` grows with the events."""
    for one in stamped:
        if isinstance(one.event, ev.QuestionAuthor):
            authors[one.event.question] = one.event.author
    moderators = set(state.moderators())
    for one in stamped:
        author = authors.get(getattr(one.event, "question", QuestionId("")))
        if author is None:
            continue
        told = [p for p in state.participants if sees(one, p)]
        if any(p not in moderators and p != author for p in told):
            # `by` names the moderator who marked it, who may be its author: what they did,
            # not that they asked.
            fields = {k: v for k, v in to_plain(one.event).items() if k != "by"}
            assert author not in values(fields), one
    for viewer in state.participants:
        if viewer in moderators:
            continue
        for q in view_for(state, viewer).questions.asked:
            if q.anonymous and authors[q.id] != viewer:
                assert q.author is None, (viewer, q)


# Contacts between leaders
def check_contacts(state: MeetingState, stamped: list[Stamped]) -> None:
    """A card goes to those who opted in (its sharer among them), the directory to the newcomer
    alone, a withdrawal to those who had opted in; a snapshot has the cards only for them."""
    opted_in = frozenset(state.contacts)
    for one in stamped:
        match one.event:
            case ev.ContactShared(card=card):
                assert one.audience == opted_in and card.participant in opted_in
                assert any((card.email, card.phone, card.website, card.note))
            case ev.ContactDirectory(cards=cards):
                assert one.audience is not None and len(one.audience) == 1
                assert one.audience <= opted_in
                assert {c.participant for c in cards} == opted_in - one.audience
            case ev.ContactWithdrawn(participant=gone):
                assert gone not in opted_in
                assert one.audience == opted_in | {gone}
    for viewer in [*state.participants, ParticipantId("stranger")]:
        shown = view_for(state, viewer).contacts
        assert shown == (state.contacts if viewer in opted_in else {})


def check_replays(state: MeetingState, log: list[Stamped]) -> None:
    """A client catching up on the whole session is replayed only cards as they are now, and
    only if it opts in now: nothing withdrawn or changed reaches anyone again."""
    for viewer in PEOPLE:
        for one in log:
            replayed = replay_for(state, one, viewer)
            match replayed.event if replayed is not None else None:
                case ev.ContactShared(card=card):
                    assert viewer in state.contacts and state.contacts[card.participant] == card
                case ev.ContactDirectory(cards=cards):
                    assert not cards or viewer in state.contacts
                    assert all(state.contacts.get(c.participant) == c for c in cards)


def check_agenda(agenda: Agenda) -> None:
    ids = [i.id for i in agenda.items]
    assert len(set(ids)) == len(ids)
    current = [i.id for i in agenda.items if i.status is ItemStatus.CURRENT]
    assert current == ([] if agenda.current is None else [agenda.current])
    assert (agenda.current is None) == (agenda.current_since is None)
    assert all(i.used_s >= 0 for i in agenda.items)
    assert all(int(i.split("-")[1]) <= agenda.items_created for i in ids)


# Showcase
def check_showcase(state: MeetingState) -> None:
    """The showcase runs only for the current item; its one presenter on holds the floor."""
    showcase = state.showcase
    if showcase.item is None:
        assert showcase == Showcase()
        return
    assert showcase.item == state.agenda.current
    assert showcase.turns
    assert 1 <= showcase.slot_s <= CONFIG.max_floor_limit_s
    on = [t for t in showcase.turns if t.status is TurnStatus.PRESENTING]
    assert len(on) <= 1
    if on:
        assert on[0].participant is not None and on[0].participant == state.floor
        # Their screen is theirs in their turn only.
        assert Source.SCREEN in publish_rights(state, on[0].participant) or not (
            state.participants[on[0].participant].connected
        )


# Report-back
def check_report_back(state: MeetingState) -> None:
    """The report-back runs only in the plenary, never with a showcase; each of its rooms is
    waiting, on now or done, once."""
    report_back = state.report_back
    if not report_back.running:
        assert report_back == ReportBack()
        return
    assert state.phase is Phase.PLENARY
    assert state.showcase == Showcase()
    rooms = [*report_back.waiting, *report_back.done]
    if report_back.current is not None:
        rooms.append(report_back.current)
    assert rooms
    assert len(set(rooms)) == len(rooms)


def follow_reports(reported: list[RoomId], on: RoomId | None, event: ev.Event) -> RoomId | None:
    """The room reporting as a reader of the events would tell: a report starts only once the
    one before has ended, the rooms are those the report-back started with (`reported`)."""
    match event:
        case ev.ReportBackStarted():
            assert on is None
            reported[:] = event.rooms
        case ev.ReportCalled():
            assert on is None and event.room in reported
            return event.room
        case ev.ReportEnded():
            assert event.room == on
            return None
        case ev.ReportMoved():
            assert event.room in reported and event.room != on
        case ev.ReportBackEnded():
            assert on is None
            reported.clear()
    return on


def follow_hands(hands: list[ParticipantId], event: ev.Event) -> None:
    """The hand queue as a reader of the events would keep it: in the order hands went up,
    unless a moderator moved one."""
    match event:
        case ev.HandRaised():
            hands.append(event.participant)
        case ev.HandLowered() | ev.FloorGiven() | ev.ParticipantRemoved() | ev.ParticipantLeft():
            if event.participant in hands:
                hands.remove(event.participant)
        case ev.HandMoved():
            hands.remove(event.participant)
            hands.insert(event.place - 1, event.participant)


def follow_floor(floor: ParticipantId | None, event: ev.Event) -> ParticipantId | None:
    """Who holds the floor as a reader of the events would tell."""
    match event:
        case ev.FloorGiven():
            return event.participant
        case ev.FloorTaken() | ev.FloorExpired():
            assert event.participant == floor
            return None
        case ev.FloorWarning() | ev.FloorExtended():
            assert event.participant == floor
        case ev.ParticipantRemoved() | ev.ParticipantLeft():
            return None if event.participant == floor else floor
    return floor


PRELUDES: dict[str, list[Step]] = {
    "plenary": [],
    "planned": [(MODERATOR, cmd.CreateRooms(("A", "B"))), (MODERATOR, cmd.AssignMixed())],
    "open": [
        (MODERATOR, cmd.CreateRooms(("A", "B", "C"))),
        (MODERATOR, cmd.AssignRandom()),
        (MODERATOR, cmd.OpenRooms(120)),
    ],
    # A speakers' list long enough to reorder, and someone speaking.
    "speakers": [*((who, cmd.RaiseHand()) for who in PEOPLE[1:6]), (MODERATOR, cmd.GiveFloor())],
    # Questions asked, anonymous and not, from the plenary and a room, one upvoted.
    "questions": [
        (MODERATOR, cmd.CreateRooms(("A",))),
        (MODERATOR, cmd.MoveParticipant(PEOPLE[1], RoomId("room-1"))),
        (MODERATOR, cmd.OpenRooms(None)),
        (PEOPLE[1], cmd.AskQuestion("Who pays?", anonymous=True)),
        (PEOPLE[2], cmd.AskQuestion("When?")),
        (PEOPLE[3], cmd.AskQuestion("Where?", anonymous=True)),
        (PEOPLE[2], cmd.UpvoteQuestion(QuestionId("question-1"))),
    ],
    # Polls: a named poll with live results and a secret one with a quorum, both open.
    "polls": [
        (MODERATOR, cmd.CreatePoll("Which?", PollKind.MANY, ("A", "B", "C"))),
        (MODERATOR, cmd.OpenPoll(PollId("poll-1"))),
        (
            MODERATOR,
            cmd.CreatePoll("Yes?", PollKind.YES_NO_ABSTAIN, secret=True, quorum=Quorum(0.5)),
        ),
        (MODERATOR, cmd.OpenPoll(PollId("poll-2"))),
    ],
    "agenda": [
        (MODERATOR, cmd.SetAgenda(tuple(cmd.AgendaEntry(f"Item {i}", 10) for i in range(4)))),
        (MODERATOR, cmd.StartAgendaItem()),
    ],
    # Report-back: three rooms back from the workshops, the first reporting.
    "report_back": [
        (MODERATOR, cmd.CreateRooms(("A", "B", "C"))),
        (MODERATOR, cmd.StartReportBack(tuple(ROOMS[1:4]))),
    ],
    # Showcase: an item's presenters taking turns, one of them named but not joined.
    "showcase": [
        (MODERATOR, cmd.SetAgenda((SHOWCASE_ITEM, cmd.AgendaEntry("After", 10)))),
        (MODERATOR, cmd.StartAgendaItem()),
    ],
}


Session = list[tuple[Callable[[Draw], Step], Draw, int, int]]
sessions = st.lists(steps, min_size=20, max_size=80)


def started(prelude: str) -> tuple[Meeting, list[Stamped]]:
    """A meeting of `PEOPLE` but the stranger, after `PRELUDES[prelude]`; and its events."""
    meeting = Meeting.create(MeetingId("m-prop"), "Property", CONFIG)
    log: list[Stamped] = []
    for i, who in enumerate(PEOPLE[:6]):
        role = Role.MODERATOR if who == MODERATOR else Role.PARTICIPANT
        join = cmd.Join(who, f"Person {i}", role, district=["North", "South"][i % 2])
        log += meeting.handle(None, join, T0)
    for actor, command in PRELUDES[prelude]:
        log += meeting.handle(actor, command, T0)
    return meeting, log


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(PRELUDES)), sessions)
def test_random_sessions_keep_the_meeting_consistent(prelude: str, session: Session) -> None:
    meeting, log = started(prelude)
    snapshots = [(to_plain(MeetingState(id=MeetingId("m-prop"), title="Property")), 0)]
    hands: list[ParticipantId] = []
    floor: ParticipantId | None = None
    authors: dict[QuestionId, ParticipantId] = {}
    check_anonymity(meeting.state, log, authors)
    # Polls
    ballots: dict[PollId, dict[ParticipantId, tuple[int, ...]]] = {}
    box: Box = {}
    # Report-back
    reported: list[RoomId] = []
    on: RoomId | None = None
    for one in log:
        follow_polls(one, ballots, box)
        follow_hands(hands, one.event)
        floor = follow_floor(floor, one.event)
        on = follow_reports(reported, on, one.event)
    now = T0
    for make, draw, elapsed, snapshot in session:
        actor, command = make(draw)
        now += elapsed
        before = to_plain(meeting.state)
        expected = dealt(meeting.state, command) if isinstance(command, cmd.Dealing) else None
        # Polls: a secret ballot is checked, then put in the box, then marked, as the server does.
        if isinstance(command, cmd.CastSecretBallot):
            try:
                choices = check_ballot(meeting.state, command.poll, command.voter, draw.choices)
            except Rejected:
                assert to_plain(meeting.state) == before
                continue
            box.setdefault(command.poll, {})[command.voter] = choices
        ended_before = meeting.state.ended_at
        try:
            stamped = meeting.handle(actor, command, now)
        except Rejected as rejected:
            assert to_plain(meeting.state) == before
            if ended_before is not None and type(command) not in AFTER_THE_END:
                assert rejected.reason is Reason.MEETING_ENDED
            assert not isinstance(command, cmd.CastSecretBallot), "a checked ballot is marked"
            continue
        if isinstance(command, cmd.ClosePoll) and command.poll in box:
            counted = box[command.poll]
            closed = meeting.state.polls.poll(command.poll)
            assert closed is not None
            options = len(closed.options)
            reveal = cmd.RevealPollResult(
                command.poll, counts_of(options, list(counted.values())), len(counted)
            )
            stamped += meeting.handle(None, reveal, now)
        if expected is not None:
            assert set(meeting.state.plan) == expected, command
        for one in stamped:
            assert one.seq == len(log) + 1
            assert one.at == now
            log.append(one)
            follow_polls(one, ballots, box)
            follow_hands(hands, one.event)
            floor = follow_floor(floor, one.event)
            on = follow_reports(reported, on, one.event)
        assert meeting.state.seq == len(log)
        assert meeting.state.report_back.current == on
        check_invariants(meeting, hands, floor)
        check_anonymity(meeting.state, stamped, authors)
        check_contacts(meeting.state, stamped)
        if isinstance(command, cmd.Tick):
            # A tick does everything due: the writer is never woken again for the same moment.
            wakeup = meeting.next_wakeup()
            assert wakeup is None or wakeup > now
        if snapshot == 0:
            snapshots.append((to_plain(meeting.state), len(log)))

    check_replays(meeting.state, log)
    live = to_plain(meeting.state)
    for plain, taken_at in snapshots:
        rebuilt = Meeting(from_plain(MeetingState, plain), CONFIG)
        for one in log[taken_at:]:
            rebuilt.replay(one)
        assert to_plain(rebuilt.state) == live
        assert rebuilt.next_wakeup() == meeting.next_wakeup()
        # The meeting's record: the same from any snapshot and replay.
        assert meeting_record(rebuilt.state, now, True) == meeting_record(meeting.state, now, True)
