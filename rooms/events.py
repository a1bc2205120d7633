"""What happened in a meeting.

Every change to a meeting is one of these events, stamped with the meeting's next sequence number
and the time. Applying them in order (`rooms.evolve.apply`) is the only way the state changes.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from rooms.ids import AgendaItemId, ParticipantId, PollId, QuestionId, RoomId
from rooms.model import (
    ContactCard,
    Invitee,
    Language,
    LobbyMode,
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


@dataclass(frozen=True)
class ParticipantJoined:
    participant: ParticipantId
    name: str
    role: Role
    organisation: str
    district: str
    group: str
    room: RoomId


@dataclass(frozen=True)
class ParticipantReconnected:
    participant: ParticipantId


@dataclass(frozen=True)
class ParticipantDisconnected:
    participant: ParticipantId


@dataclass(frozen=True)
class ParticipantLeft:
    """Gone for good without being removed: a later `hello` may join again."""

    participant: ParticipantId


@dataclass(frozen=True)
class ParticipantRemoved:
    participant: ParticipantId
    by: ParticipantId


@dataclass(frozen=True)
class RoleChanged:
    participant: ParticipantId
    role: Role
    by: ParticipantId


@dataclass(frozen=True)
class MuteRequested:
    participant: ParticipantId
    by: ParticipantId


@dataclass(frozen=True)
class AudioBlocked:
    """A moderator hard-muted `participant`: the server forwards no audio of theirs."""

    participant: ParticipantId
    by: ParticipantId


@dataclass(frozen=True)
class AudioAllowed:
    participant: ParticipantId
    by: ParticipantId


@dataclass(frozen=True)
class ChatPosted:
    sender: ParticipantId
    text: str
    room: RoomId
    to: ParticipantId | None


@dataclass(frozen=True)
class Reacted:
    participant: ParticipantId
    emoji: str


@dataclass(frozen=True)
class HandRaised:
    participant: ParticipantId


@dataclass(frozen=True)
class HandLowered:
    participant: ParticipantId
    by: ParticipantId


@dataclass(frozen=True)
class FloorGiven:
    participant: ParticipantId
    # Showcase: None when the next presenter is called by the server's clock, at the end of the
    # slot before (`rooms.showcase`).
    by: ParticipantId | None
    # The end of their time and when they are warned of it, on the server's clock; None for no
    # limit. Records written before the speakers' list have none.
    deadline: float | None = None
    warning_at: float | None = None


@dataclass(frozen=True)
class FloorTaken:
    participant: ParticipantId
    by: ParticipantId


@dataclass(frozen=True)
class RoomCreated:
    room: RoomId
    name: str


@dataclass(frozen=True)
class RoomRenamed:
    room: RoomId
    name: str
    topic: str


@dataclass(frozen=True)
class RoomDeleted:
    room: RoomId


@dataclass(frozen=True)
class PlanSet:
    """The whole assignment replaced: who goes to which workshop when the rooms open."""

    plan: Mapping[ParticipantId, RoomId]

    def __post_init__(self) -> None:
        # A read-only copy: an event is a fact, which the dict it was built from must not change.
        object.__setattr__(self, "plan", MappingProxyType(dict(self.plan)))


@dataclass(frozen=True)
class Assigned:
    """One person's assignment changed; the plenary means no workshop."""

    participant: ParticipantId
    room: RoomId


@dataclass(frozen=True)
class SelfSelectChanged:
    allowed: bool


@dataclass(frozen=True)
class RoomsOpened:
    deadline: float | None
    # When `TimeWarning` is due (fitted to the round's length); None for no warning. Records
    # written before it existed have none.
    warning_at: float | None = None


@dataclass(frozen=True)
class ParticipantMoved:
    participant: ParticipantId
    room: RoomId


@dataclass(frozen=True)
class TimeWarning:
    deadline: float


@dataclass(frozen=True)
class RoomsExtended:
    deadline: float
    warning_at: float | None = None


@dataclass(frozen=True)
class RoomsClosing:
    grace_ends_at: float


@dataclass(frozen=True)
class RoomsClosed:
    pass


@dataclass(frozen=True)
class BroadcastSent:
    sender: ParticipantId
    text: str


@dataclass(frozen=True)
class HelpRequested:
    participant: ParticipantId
    room: RoomId


@dataclass(frozen=True)
class HelpCleared:
    participant: ParticipantId
    by: ParticipantId


# The agenda (rooms.agenda) -------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaSet:
    """The agenda replaced: items that stay keep their status and time used, new ones are
    pending, the others are gone (the current one too). `by` None: the organiser, by the API."""

    items: tuple[PlannedItem, ...]
    by: ParticipantId | None


@dataclass(frozen=True)
class AgendaItemStarted:
    """`item` is current from now; the item current before is done."""

    item: AgendaItemId
    by: ParticipantId


@dataclass(frozen=True)
class AgendaItemEnded:
    """The current item is done and none follows."""

    item: AgendaItemId
    by: ParticipantId


@dataclass(frozen=True)
class AgendaItemSkipped:
    item: AgendaItemId
    by: ParticipantId


@dataclass(frozen=True)
class AgendaItemReopened:
    item: AgendaItemId
    by: ParticipantId


# The speakers' list -------------------------------------------------------------------------


@dataclass(frozen=True)
class HandMoved:
    """A moderator moved a raised hand to `place` in the queue (1 is the top)."""

    participant: ParticipantId
    place: int
    by: ParticipantId


@dataclass(frozen=True)
class FloorWarning:
    """The speaker's time ends soon: at the `warning_at` of their grant or extension."""

    participant: ParticipantId
    deadline: float


@dataclass(frozen=True)
class FloorExtended:
    participant: ParticipantId
    deadline: float
    warning_at: float | None
    by: ParticipantId


@dataclass(frozen=True)
class FloorExpired:
    """The speaker's time ran out: the floor ended by itself, as if taken back."""

    participant: ParticipantId


# Questions to the panel (rooms.questions) ----------------------------------------------------


@dataclass(frozen=True)
class QuestionAsked:
    """A question asked from `room`; `author` None when anonymous (`QuestionAuthor` follows, to
    the moderators and the author only)."""

    question: QuestionId
    text: str
    room: RoomId
    anonymous: bool
    author: ParticipantId | None


@dataclass(frozen=True)
class QuestionAuthor:
    """Who asked an anonymous question: sent to the moderators of the moment and its author."""

    question: QuestionId
    author: ParticipantId


@dataclass(frozen=True)
class QuestionUpvoted:
    question: QuestionId
    voter: ParticipantId


@dataclass(frozen=True)
class QuestionUpvoteRetracted:
    question: QuestionId
    voter: ParticipantId


@dataclass(frozen=True)
class QuestionMarked:
    """A moderator marked the question; a dismissed question's author learns it from this."""

    question: QuestionId
    status: QuestionStatus
    by: ParticipantId


@dataclass(frozen=True)
class QuestionWithdrawn:
    """Its author took the question back; no `by`, which would name the author of an anonymous
    question."""

    question: QuestionId


# Showcase: the current agenda item's presenters in turn (rooms.showcase) ---------------------


@dataclass(frozen=True)
class ShowcaseStarted:
    """The current agenda item `item` has presenters: their turns, in the agenda's order, each
    `slot_s` long. A presenter named only by name is matched to a participant already here."""

    item: AgendaItemId
    slot_s: int
    presenters: tuple[Presenter, ...]


@dataclass(frozen=True)
class PresenterMatched:
    """The presenter of turn `turn` (counted from 0) is `participant`: they joined under the
    name the agenda gave, or a moderator called them for it."""

    turn: int
    participant: ParticipantId


@dataclass(frozen=True)
class PresenterCalled:
    """Turn `turn` is on: `FloorGiven` follows, to `participant`, for the slot. `by` None: the
    server's clock, when the slot before ran out."""

    turn: int
    participant: ParticipantId
    by: ParticipantId | None


@dataclass(frozen=True)
class PresenterAbsent:
    """The presenter of turn `turn` was not here when it came: skipped, to be called later."""

    turn: int


@dataclass(frozen=True)
class ShowcaseEnded:
    """`item` is no longer current: its presenters' turns are over."""

    item: AgendaItemId
# Polls (rooms.polls) -------------------------------------------------------------------------


@dataclass(frozen=True)
class PollCreated:
    """A draft poll, to everyone."""

    poll: PollId
    question: str
    kind: PollKind
    options: tuple[str, ...]
    max_choices: int
    secret: bool
    results: PollResults
    voters: PollVoters
    quorum: Quorum | None
    room: RoomId | None
    by: ParticipantId


@dataclass(frozen=True)
class PollOpened:
    """Voting is open to `eligible`, fixed now."""

    poll: PollId
    eligible: tuple[ParticipantId, ...]
    by: ParticipantId


@dataclass(frozen=True)
class BallotCast:
    """A named ballot, new or changed: to the voter and the moderators only."""

    poll: PollId
    by: ParticipantId
    choices: tuple[int, ...]


@dataclass(frozen=True)
class PollVoted:
    """`by` cast a secret ballot (to the voter and the moderators): who, never what."""

    poll: PollId
    by: ParticipantId


@dataclass(frozen=True)
class PollTally:
    """An open poll's tally, to everyone, at most every `tally_interval_ms`: the counts only for
    a named poll with live results."""

    poll: PollId
    voted: int
    counts: tuple[int, ...] | None


@dataclass(frozen=True)
class PollClosed:
    poll: PollId
    by: ParticipantId


@dataclass(frozen=True)
class PollResult:
    """A closed poll's result: `eligible` and `voted` are numbers of people; `quorum_met` None
    when the poll has no quorum."""

    poll: PollId
    eligible: int
    voted: int
    quorum: Quorum | None
    quorum_met: bool | None
    counts: tuple[int, ...]


@dataclass(frozen=True)
class PollRemoved:
    poll: PollId
    by: ParticipantId


# Ending the meeting -------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingEnded:
    """A moderator ended the meeting for everyone; its time is `state.ended_at`."""

    by: ParticipantId


# The doors (rooms.doors) ------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingLocked:
    """A moderator locked the meeting: nobody new joins until it is unlocked."""

    by: ParticipantId


@dataclass(frozen=True)
class MeetingUnlocked:
    by: ParticipantId


# The lobby (rooms.lobby) --------------------------------------------------------------------


@dataclass(frozen=True)
class LobbySet:
    """A moderator chose who waits in the lobby, to everyone."""

    mode: LobbyMode
    by: ParticipantId


@dataclass(frozen=True)
class Knocked:
    """Someone is waiting in the lobby (or came back to it on a newer socket), to moderators."""

    waiting: Waiting


@dataclass(frozen=True)
class LetIn:
    """A moderator let someone in, to moderators; their `participant_joined` follows."""

    participant: ParticipantId
    by: ParticipantId


@dataclass(frozen=True)
class TurnedAway:
    """A moderator turned someone in the lobby away, to moderators."""

    participant: ParticipantId
    by: ParticipantId


@dataclass(frozen=True)
class LeftLobby:
    """Someone waiting closed their page (or lost their connection), to moderators."""

    participant: ParticipantId


# The organiser's (rooms.organiser) ------------------------------------------------------------


@dataclass(frozen=True)
class MeetingScheduled:
    """The organiser set the meeting's title, start, end, description and language, to
    everyone. (The last two default for events stored before meetings had them.)"""

    title: str
    starts_at: float | None
    ends_at: float
    description: str = ""
    language: Language = Language.PL


@dataclass(frozen=True)
class LinkReissued:
    """The organiser reissued `role`'s link: `generation` is current, older links are void. To
    nobody in the meeting: only the server checks links."""

    role: Role
    generation: int


@dataclass(frozen=True)
class InviteesImported:
    """The organiser added invitees (rooms.invitees). To nobody: their details are the server's."""

    invitees: tuple[Invitee, ...]


@dataclass(frozen=True)
class InviteeRemoved:
    invitee: ParticipantId


@dataclass(frozen=True)
class InviteePreassigned:
    """An invitee planned into a workshop room (None: none), for when they join."""

    invitee: ParticipantId
    room: RoomId | None


# Workshop notes (rooms.notes) ---------------------------------------------------------------


@dataclass(frozen=True)
class RapporteurChanged:
    """`room`'s rapporteur is `rapporteur` (None: nobody), to everyone; `by` is who volunteered,
    appointed or stepped down."""

    room: RoomId
    rapporteur: ParticipantId | None
    by: ParticipantId


@dataclass(frozen=True)
class NotesEditingChanged:
    room: RoomId
    editing: NotesEditing
    by: ParticipantId


@dataclass(frozen=True)
class NotesEdited:
    """`room`'s notes are now `text`, their version `version`: to those who may read them."""

    room: RoomId
    version: int
    text: str
    by: ParticipantId


# The report-back: the rooms' rapporteurs report to the plenary in turn (rooms.report_back) --


@dataclass(frozen=True)
class ReportBackStarted:
    """The report-back starts: `rooms` will report in this order, all waiting."""

    rooms: tuple[RoomId, ...]
    by: ParticipantId


@dataclass(frozen=True)
class ReportCalled:
    """`room` reports now, its notes shown to everyone: `text` and `version` are its notes at
    this moment, for those who did not follow them in the room. `floor_given` to its rapporteur
    follows if they are here."""

    room: RoomId
    text: str
    version: int
    by: ParticipantId


@dataclass(frozen=True)
class ReportEnded:
    """The report on now is over: `room` is done."""

    room: RoomId
    by: ParticipantId


@dataclass(frozen=True)
class ReportMoved:
    """A waiting room moved to `place` among the rooms waiting (1: the next to report)."""

    room: RoomId
    place: int
    by: ParticipantId


@dataclass(frozen=True)
class ReportBackEnded:
    by: ParticipantId


# Contacts between leaders (rooms.contacts) ---------------------------------------------------


@dataclass(frozen=True)
class ContactShared:
    """Someone opted in, or changed their details: to those who opted in (the sharer too)."""

    card: ContactCard


@dataclass(frozen=True)
class ContactDirectory:
    """The cards of the others who opted in, to the one who just did, alone. Derived from the
    state (`rooms.evolve` leaves the state as it is): what their client needs to show them."""

    cards: tuple[ContactCard, ...]


@dataclass(frozen=True)
class ContactWithdrawn:
    """`participant` left the directory: to those who had opted in (them too); their card is
    gone from the meeting."""

    participant: ParticipantId


Event = (
    ParticipantJoined
    | ParticipantReconnected
    | ParticipantDisconnected
    | ParticipantLeft
    | ParticipantRemoved
    | RoleChanged
    | MuteRequested
    | AudioBlocked
    | AudioAllowed
    | ChatPosted
    | Reacted
    | HandRaised
    | HandLowered
    | FloorGiven
    | FloorTaken
    | RoomCreated
    | RoomRenamed
    | RoomDeleted
    | PlanSet
    | Assigned
    | SelfSelectChanged
    | RoomsOpened
    | ParticipantMoved
    | TimeWarning
    | RoomsExtended
    | RoomsClosing
    | RoomsClosed
    | BroadcastSent
    | HelpRequested
    | HelpCleared
    # The agenda
    | AgendaSet
    | AgendaItemStarted
    | AgendaItemEnded
    | AgendaItemSkipped
    | AgendaItemReopened
    # The speakers' list
    | HandMoved
    | FloorWarning
    | FloorExtended
    | FloorExpired
    # Questions to the panel
    | QuestionAsked
    | QuestionAuthor
    | QuestionUpvoted
    | QuestionUpvoteRetracted
    | QuestionMarked
    | QuestionWithdrawn
    # Showcase
    | ShowcaseStarted
    | PresenterMatched
    | PresenterCalled
    | PresenterAbsent
    | ShowcaseEnded
    # Polls
    | PollCreated
    | PollOpened
    | BallotCast
    | PollVoted
    | PollTally
    | PollClosed
    | PollResult
    | PollRemoved
    # Ending the meeting
    | MeetingEnded
    # The doors
    | MeetingLocked
    | MeetingUnlocked
    # The lobby
    | LobbySet
    | Knocked
    | LetIn
    | TurnedAway
    | LeftLobby
    # The organiser's
    | MeetingScheduled
    | LinkReissued
    | InviteesImported
    | InviteeRemoved
    | InviteePreassigned
    # Workshop notes
    | RapporteurChanged
    | NotesEditingChanged
    | NotesEdited
    # Report-back
    | ReportBackStarted
    | ReportCalled
    | ReportEnded
    | ReportMoved
    | ReportBackEnded
    # Contacts between leaders
    | ContactShared
    | ContactDirectory
    | ContactWithdrawn
)

EVENTS: tuple[type[Event], ...] = Event.__args__


@dataclass(frozen=True)
class Stamped:
    """An event as it happened: its place in the meeting's sequence, its time, who may see it.

    `audience` None means everyone in the meeting; otherwise only those participants receive it
    (a private chat, a room's chat, a mute request).
    """

    seq: int
    at: float
    event: Event
    audience: frozenset[ParticipantId] | None = None
