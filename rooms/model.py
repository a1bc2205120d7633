"""The meeting's state: who is here, where they are, and what the workshops are doing.

The state changes only by applying events (`rooms.evolve`), so a snapshot plus the events after it
rebuilds the live state exactly. Everything here is plain data; the rules live in `rooms.policy` and
`rooms.decide`.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from rooms.ids import (
    PLENARY,
    AgendaItemId,
    MeetingId,
    ParticipantId,
    PollId,
    QuestionId,
    RoomId,
)


class Role(StrEnum):
    MODERATOR = "moderator"
    PRESENTER = "presenter"
    PARTICIPANT = "participant"


class Language(StrEnum):
    """The meeting's language: what its record's minutes are written in unless asked otherwise."""

    PL = "pl"
    EN = "en"


class Phase(StrEnum):
    """Where the workshops are: not running, running, or counting down before everyone returns."""

    PLENARY = "plenary"
    OPEN = "open"
    CLOSING = "closing"


class GroupBy(StrEnum):
    """The attribute a mixed assignment spreads across rooms."""

    DISTRICT = "district"
    ORGANISATION = "organisation"
    GROUP = "group"


@dataclass
class Participant:
    id: ParticipantId
    name: str
    organisation: str
    district: str
    group: str
    role: Role
    room: RoomId = PLENARY
    connected: bool = True
    # When the connection was lost, for the grace period before the participant is let go.
    disconnected_at: float | None = None

    def attribute(self, by: GroupBy) -> str:
        return {
            GroupBy.DISTRICT: self.district,
            GroupBy.ORGANISATION: self.organisation,
            GroupBy.GROUP: self.group,
        }[by]


@dataclass
class Workshop:
    id: RoomId
    name: str
    topic: str = ""


@dataclass
class ChatMessage:
    seq: int
    at: float
    sender: ParticipantId
    text: str
    room: RoomId
    to: ParticipantId | None = None
    # Who received it when it was posted (None: everyone); who may read it in the history.
    audience: tuple[ParticipantId, ...] | None = None


@dataclass
class HelpCall:
    participant: ParticipantId
    room: RoomId
    at: float


@dataclass
class Clock:
    """The workshops' clock: deadlines are stored, never timers, so any process can run it."""

    deadline: float | None = None
    # When the "ending soon" warning is due, fitted to the round (see `rooms.decide`).
    warning_at: float | None = None
    warned: bool = False
    grace_ends_at: float | None = None


# The agenda ---------------------------------------------------------------------------------


class ItemStatus(StrEnum):
    PENDING = "pending"
    CURRENT = "current"
    DONE = "done"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Presenter:
    """Who presents an item: a participant (with their name when the item was set, which stays
    if they leave) or only a name, of someone who has not joined."""

    name: str = ""
    participant: ParticipantId | None = None


@dataclass(frozen=True)
class PlannedItem:
    """An agenda item as a moderator sets it."""

    id: AgendaItemId
    title: str
    minutes: int
    presenters: tuple[Presenter, ...] = ()


@dataclass
class AgendaItem:
    id: AgendaItemId
    title: str
    minutes: int
    presenters: tuple[Presenter, ...] = ()
    status: ItemStatus = ItemStatus.PENDING
    # Seconds used in the item's runs that ended (a reopened item goes on from them); the
    # current run's time is counted from `Agenda.current_since`.
    used_s: float = 0.0


@dataclass
class Agenda:
    """The programme: items in order, at most one current. Times are the events' (the server's
    clock), stored rather than counted, so any process that writes the meeting goes on alike."""

    items: list[AgendaItem] = field(default_factory=list)
    current: AgendaItemId | None = None
    current_since: float | None = None
    # Items ever created: the next new item is `item-{items_created + 1}`.
    items_created: int = 0

    def item(self, item_id: AgendaItemId) -> AgendaItem | None:
        return next((i for i in self.items if i.id == item_id), None)
# The speakers' list -------------------------------------------------------------------------


@dataclass
class FloorClock:
    """The countdown of whoever holds the floor: stored times, never timers, like `Clock`.

    All None while nobody holds the floor, or while the floor has no time limit.
    """

    deadline: float | None = None
    # When the speaker is warned that their time ends soon (see `rooms.speakers`).
    warning_at: float | None = None
    warned: bool = False


# Questions to the panel ---------------------------------------------------------------------


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERING = "answering"
    ANSWERED = "answered"
    # To be answered in writing after the meeting: the city owes an answer.
    OWED = "owed"
    DISMISSED = "dismissed"


@dataclass
class Question:
    id: QuestionId
    text: str
    # Where the author was when they asked: the plenary or a workshop room.
    room: RoomId
    at: float
    anonymous: bool
    # None in what someone other than the author or a moderator sees of an anonymous question
    # (`rooms.view`); the meeting's own state always has it.
    author: ParticipantId | None
    status: QuestionStatus = QuestionStatus.OPEN
    # Who upvoted it, in the order they did: one vote each, taken back by leaving the list.
    voters: list[ParticipantId] = field(default_factory=list)


@dataclass
class Questions:
    """The questions in the order they were asked; `rooms.questions.ranked` orders them by votes.
    Withdrawn questions are gone; the others stay, for the meeting's record."""

    asked: list[Question] = field(default_factory=list)
    # Questions ever asked: the next one is `question-{created + 1}`.
    created: int = 0

    def question(self, question_id: QuestionId) -> Question | None:
        return next((q for q in self.asked if q.id == question_id), None)


# Showcase: the presenters of the current agenda item, in turn (rooms.showcase) -------------


class TurnStatus(StrEnum):
    WAITING = "waiting"
    PRESENTING = "presenting"
    DONE = "done"
    # Not here when their turn came: skipped, and a moderator may call them later.
    ABSENT = "absent"


@dataclass
class Turn:
    """One presenter's turn: the name the agenda gave, and the participant once matched."""

    name: str
    participant: ParticipantId | None = None
    status: TurnStatus = TurnStatus.WAITING


@dataclass
class Showcase:
    """The current agenda item's presenters taking the floor in order; `item` None while no
    item with presenters is current. The one presenting holds the floor; their slot is its
    countdown (`MeetingState.floor_clock`), so any process that writes the meeting goes on."""

    item: AgendaItemId | None = None
    slot_s: int = 0
    turns: list[Turn] = field(default_factory=list)
# Polls ----------------------------------------------------------------------------------------


class PollKind(StrEnum):
    ONE = "one"
    # Up to the poll's `max_choices` options.
    MANY = "many"
    # The options are the server's: yes, no, abstain (`rooms.polls.YES_NO_ABSTAIN`).
    YES_NO_ABSTAIN = "yes_no_abstain"


class PollResults(StrEnum):
    """When the room sees the counts: as the ballots come, or once the poll is closed."""

    LIVE = "live"
    AFTER_CLOSE = "after_close"


class PollStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class PollVoters:
    """Who votes besides the participants, who always do."""

    moderators: bool = False
    presenters: bool = False


@dataclass(frozen=True)
class Quorum:
    """How many must vote for the result to count: a `share` of the eligible, or a `count`."""

    share: float | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        if (self.share is None) == (self.count is None):
            raise ValueError("a quorum is either a share or a count, one of them")
        if self.share is not None and not 0 < self.share <= 1:
            raise ValueError("share must be over 0 and at most 1")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")


@dataclass(frozen=True)
class Tally:
    """What the room was last told of an open poll: how many voted, and the counts when they are
    shown live (None otherwise: a secret poll, or results after closing)."""

    voted: int = 0
    counts: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Counted:
    """A closed poll's result: the counts per option, and whether enough voted."""

    eligible: int
    voted: int
    quorum_met: bool | None
    counts: tuple[int, ...]


@dataclass
class Poll:
    id: PollId
    question: str
    kind: PollKind
    options: tuple[str, ...]
    max_choices: int
    secret: bool
    results: PollResults
    voters: PollVoters
    quorum: Quorum | None
    # None for the meeting's poll; a workshop room's own poll is for its members.
    room: RoomId | None
    by: ParticipantId
    status: PollStatus = PollStatus.DRAFT
    # Who may vote, fixed when it opened.
    eligible: list[ParticipantId] = field(default_factory=list)
    # Who has voted, in the order they first did.
    voted: list[ParticipantId] = field(default_factory=list)
    # A named poll's ballots (sorted option indexes). A secret poll's are in the server's ballot
    # box, never here: the meeting never holds a secret choice.
    ballots: dict[ParticipantId, tuple[int, ...]] = field(default_factory=dict)
    # The tally the room was last sent, and when (the coalescing in `rooms.polls`).
    tally: Tally = field(default_factory=Tally)
    tally_at: float | None = None
    result: Counted | None = None


@dataclass
class Polls:
    """The polls in the order created; removed ones are gone."""

    polls: list[Poll] = field(default_factory=list)
    # Polls ever created: the next one is `poll-{created + 1}`.
    created: int = 0

    def poll(self, poll_id: PollId) -> Poll | None:
        return next((p for p in self.polls if p.id == poll_id), None)


# Workshop notes (rooms.notes) -----------------------------------------------------------------


class NotesEditing(StrEnum):
    """Who may edit a room's notes: its rapporteur only, or every member of the room."""

    RAPPORTEUR = "rapporteur"
    MEMBERS = "members"


@dataclass
class RoomNotes:
    """A workshop room's notes: plain text with light structure (headings, lists), and who
    reports them back. They outlive the room (its name is kept here), for the report-back and
    the meeting's record."""

    room: RoomId
    room_name: str
    text: str = ""
    # One more for every accepted edit; an edit names the version it was written on.
    version: int = 0
    editing: NotesEditing = NotesEditing.RAPPORTEUR
    rapporteur: ParticipantId | None = None
    updated_at: float | None = None
    updated_by: ParticipantId | None = None


# The report-back: each room's rapporteur reports to the plenary in turn (rooms.report_back) --


@dataclass
class ReportBack:
    """The workshop rooms reporting to the plenary after the workshops; `running` False while
    there is no report-back. A room is waiting, reporting now (`current`), or done; a room done
    may be called again. Rooms are named by id: a deleted room's name stays in its notes."""

    running: bool = False
    # The rooms still to report, in the order they will.
    waiting: list[RoomId] = field(default_factory=list)
    # The room reporting now (its notes shown to everyone), until a moderator moves on: the
    # floor's countdown running out does not end it.
    current: RoomId | None = None
    # The rooms that have reported, in the order they finished.
    done: list[RoomId] = field(default_factory=list)


# The meeting's history, for its record (rooms.history) --------------------------------------


class Arrival(StrEnum):
    JOINED = "joined"
    # Back with the resume token after a dropped connection or a reload.
    RETURNED = "returned"


class Departure(StrEnum):
    DISCONNECTED = "disconnected"
    LEFT = "left"
    REMOVED = "removed"


@dataclass
class Session:
    """A stretch of presence: from an arrival to a departure (None while still here)."""

    arrival: Arrival
    since: float
    departure: Departure | None = None
    until: float | None = None


@dataclass
class RoomStay:
    room: RoomId
    since: float
    until: float | None = None


@dataclass
class RoleSpell:
    role: Role
    since: float


@dataclass
class PersonHistory:
    participant: ParticipantId
    name: str
    organisation: str
    district: str
    group: str
    roles: list[RoleSpell] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    rooms: list[RoomStay] = field(default_factory=list)
    removed: bool = False


@dataclass
class ItemRun:
    """One run of an agenda item as current: a reopened item runs again."""

    item: AgendaItemId
    since: float
    until: float | None = None


@dataclass
class Broadcast:
    at: float
    sender: ParticipantId
    text: str


@dataclass
class ChatLine:
    """A public line (the plenary's or a workshop room's chat): never a private message."""

    seq: int
    at: float
    sender: ParticipantId
    room: RoomId
    text: str


@dataclass
class History:
    people: dict[ParticipantId, PersonHistory] = field(default_factory=dict)
    # Every workshop room's latest name, kept after the room is deleted.
    room_names: dict[RoomId, str] = field(default_factory=dict)
    agenda_runs: list[ItemRun] = field(default_factory=list)
    # Every agenda item's latest title and planned minutes, kept after the item is dropped from
    # the agenda: an item that ran stays in the record.
    agenda_items: dict[AgendaItemId, PlannedItem] = field(default_factory=dict)
    # The latest `record_chat_lines` of each, and how many older ones were let go.
    broadcasts: list[Broadcast] = field(default_factory=list)
    broadcasts_dropped: int = 0
    chat: list[ChatLine] = field(default_factory=list)
    chat_dropped: int = 0


# Contacts between leaders (rooms.contacts) ----------------------------------------------------


@dataclass(frozen=True)
class ContactCard:
    """One person's entry in the contacts directory: who they were when they shared (kept if
    they leave: the directory outlives the meeting) and the details they chose to share, each
    empty when not shared."""

    participant: ParticipantId
    name: str
    organisation: str
    district: str
    email: str = ""
    phone: str = ""
    website: str = ""
    note: str = ""


# The organiser's invitees (rooms.invitees) ----------------------------------------------------


@dataclass(frozen=True)
class Invitee:
    """A person the organiser invited by name: their personal link joins them as `id`, with these
    details and this role, whatever they type; `room`, a workshop room they are planned into."""

    id: ParticipantId
    name: str
    role: Role
    organisation: str = ""
    district: str = ""
    group: str = ""
    email: str = ""
    room: RoomId | None = None


# The lobby (rooms.lobby) ---------------------------------------------------------------------


class LobbyMode(StrEnum):
    """Who waits in the lobby for a moderator: nobody, those who came by a shared participant's
    link (not a personal one), or every participant and presenter. Moderators never wait."""

    OFF = "off"
    UNLISTED = "unlisted"
    EVERYONE = "everyone"


@dataclass(frozen=True)
class Waiting:
    """Someone in the lobby: who they will be once admitted, as they asked to join, and since
    when; `connection` names the socket that waits (a newer one of the same person replaces it)."""

    id: ParticipantId
    name: str
    role: Role
    organisation: str
    district: str
    group: str
    since: float
    connection: str = ""


@dataclass
class MeetingState:
    id: MeetingId
    title: str
    starts_at: float | None = None
    # When the organiser plans it to end: its links work until then plus the data's retention
    # (rooms.organiser). None only in a meeting stored before meetings had an end.
    ends_at: float | None = None
    # The organiser's words on what the meeting is for, and the language it is held in
    # (rooms.organiser).
    description: str = ""
    language: Language = Language.PL
    # When a moderator ended the meeting for everyone: nobody joins after it (rooms.ending).
    ended_at: float | None = None
    # Locked by a moderator: nobody new joins until it is unlocked (rooms.doors).
    locked: bool = False
    seq: int = 0
    phase: Phase = Phase.PLENARY
    participants: dict[ParticipantId, Participant] = field(default_factory=dict)
    workshops: dict[RoomId, Workshop] = field(default_factory=dict)
    rooms_created: int = 0
    plan: dict[ParticipantId, RoomId] = field(default_factory=dict)
    self_select: bool = False
    hand_queue: list[ParticipantId] = field(default_factory=list)
    floor: ParticipantId | None = None
    # Hard-muted: the media server forwards none of their audio, across reconnects, until lifted.
    audio_blocked: list[ParticipantId] = field(default_factory=list)
    help_queue: list[HelpCall] = field(default_factory=list)
    clock: Clock = field(default_factory=Clock)
    chat: list[ChatMessage] = field(default_factory=list)
    removed: list[ParticipantId] = field(default_factory=list)
    # The agenda (rooms.agenda).
    agenda: Agenda = field(default_factory=Agenda)
    # The speakers' list: the hand queue above, in speaking order, and the floor's countdown.
    floor_clock: FloorClock = field(default_factory=FloorClock)
    # Questions to the panel (rooms.questions).
    questions: Questions = field(default_factory=Questions)
    # Showcase: the current item's presenters in turn (rooms.showcase).
    showcase: Showcase = field(default_factory=Showcase)
    # Polls (rooms.polls).
    polls: Polls = field(default_factory=Polls)
    # Workshop notes by room, kept after the room is gone (rooms.notes).
    notes: dict[RoomId, RoomNotes] = field(default_factory=dict)
    # The report-back in the plenary (rooms.report_back).
    report_back: ReportBack = field(default_factory=ReportBack)
    # What the meeting's record needs of its past (rooms.history).
    history: History = field(default_factory=History)
    # Contacts between leaders: the cards of those who opted in, by person; a withdrawal
    # removes the card (rooms.contacts).
    contacts: dict[ParticipantId, ContactCard] = field(default_factory=dict)
    # The organiser's links: the generation of each role's current one, absent while 0
    # (rooms.organiser). Nobody in the meeting sees it.
    link_generations: dict[Role, int] = field(default_factory=dict)
    # The organiser's invitees, by the participant each joins as (rooms.invitees). Nobody in the
    # meeting sees them: they hold e-mail addresses.
    invitees: dict[ParticipantId, Invitee] = field(default_factory=dict)
    # The lobby: who waits for a moderator to let them in, in the order they came (rooms.lobby).
    lobby_mode: LobbyMode = LobbyMode.OFF
    lobby: dict[ParticipantId, Waiting] = field(default_factory=dict)

    def room_exists(self, room: RoomId) -> bool:
        return room == PLENARY or room in self.workshops

    def members(self, room: RoomId) -> list[ParticipantId]:
        return [p.id for p in self.participants.values() if p.room == room]

    def moderators(self) -> list[ParticipantId]:
        return [p.id for p in self.participants.values() if p.role is Role.MODERATOR]
