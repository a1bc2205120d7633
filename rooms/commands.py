"""What can be asked of a meeting.

Participant and moderator commands come from the wire; the system commands (`Join`, `Rejoin`,
`Disconnect`, `Depart`, `Tick`, `SetAgendaAsOrganiser`) only come from the server itself, which has
checked the token (a link's, or the admin token of the HTTP API) or owns the clock; so do
`CastSecretBallot` and `RevealPollResult`, once the server's ballot box took a secret ballot's
part. Who may send each command, and in which phase, is the table in `rooms.policy`. Commands
check their own shape here; what depends on the meeting is checked in `rooms.decide`.
"""

from dataclasses import dataclass, field

from rooms.ids import PLENARY, AgendaItemId, ParticipantId, PollId, QuestionId, RoomId
from rooms.model import (
    GroupBy,
    Invitee,
    Language,
    LobbyMode,
    NotesEditing,
    PollKind,
    PollResults,
    PollVoters,
    Presenter,
    QuestionStatus,
    Quorum,
    Role,
)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


# System commands ----------------------------------------------------------------------------


# `connection` names the socket a presence command comes from. The core keeps no sockets and
# ignores it; with several workers, the meeting's writer tells by it whether a `Disconnect` is
# about the participant's newest connection or a late goodbye from an older one.


@dataclass(frozen=True)
class Join:
    """A new participant, with the role its link grants.

    `removed_as` and `demoted_as` are who this browser was when it was removed from the meeting,
    or demoted from moderator: the server read them from tokens it signed, which the browser
    kept and showed with its `hello`.
    """

    participant: ParticipantId
    name: str
    role: Role
    organisation: str = ""
    district: str = ""
    group: str = ""
    removed_as: ParticipantId | None = None
    demoted_as: ParticipantId | None = None
    connection: str = ""


@dataclass(frozen=True)
class Rejoin:
    """The participant is back on a new connection; any older one of theirs is replaced."""

    participant: ParticipantId
    connection: str = ""


@dataclass(frozen=True)
class Disconnect:
    participant: ParticipantId
    connection: str = ""


@dataclass(frozen=True)
class Depart:
    """Someone disconnected past the grace period is gone for good; nobody connected is."""

    participant: ParticipantId


@dataclass(frozen=True)
class Tick:
    """Time has passed: let the workshops' clock warn, close or bring everyone back, and the
    floor's countdown warn the speaker or end the floor."""


# Everyone -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendChat:
    text: str
    to: ParticipantId | None = None


@dataclass(frozen=True)
class RaiseHand:
    pass


@dataclass(frozen=True)
class LowerHand:
    pass


@dataclass(frozen=True)
class React:
    emoji: str


@dataclass(frozen=True)
class ChooseRoom:
    room: RoomId


@dataclass(frozen=True)
class RequestHelp:
    pass


@dataclass(frozen=True)
class CancelHelp:
    pass


# Moderators ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetRole:
    participant: ParticipantId
    role: Role


@dataclass(frozen=True)
class RemoveParticipant:
    participant: ParticipantId


@dataclass(frozen=True)
class AskToMute:
    participant: ParticipantId


@dataclass(frozen=True)
class HardMute:
    """Stop the server forwarding the participant's microphone until `LiftHardMute`."""

    participant: ParticipantId


@dataclass(frozen=True)
class LiftHardMute:
    participant: ParticipantId


@dataclass(frozen=True)
class GiveFloor:
    """Give the floor to `participant`, or to the first in the hand queue when it is None.

    `limit_s` is how long they may speak; None for the meeting's `floor_limit_s`.
    """

    participant: ParticipantId | None = None
    limit_s: int | None = None

    def __post_init__(self) -> None:
        _require(self.limit_s is None or self.limit_s > 0, "limit_s must be positive")


@dataclass(frozen=True)
class TakeFloor:
    pass


@dataclass(frozen=True)
class ClearHand:
    participant: ParticipantId


@dataclass(frozen=True)
class ClearAllHands:
    pass


@dataclass(frozen=True)
class CreateRooms:
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        _require(len(self.names) > 0, "names must list at least one room")


@dataclass(frozen=True)
class RenameRoom:
    room: RoomId
    name: str
    topic: str | None = None

    def __post_init__(self) -> None:
        _require(self.room != PLENARY, "the plenary cannot be renamed")


@dataclass(frozen=True)
class DeleteRoom:
    room: RoomId

    def __post_init__(self) -> None:
        _require(self.room != PLENARY, "the plenary cannot be deleted")


@dataclass(frozen=True, kw_only=True)
class Dealing:
    """Who an assignment deals: the participants who are connected, unless the moderator includes
    the absent (still within their grace period), the presenters or the moderators, who otherwise
    stay in the plenary."""

    include_absent: bool = False
    include_presenters: bool = False
    include_moderators: bool = False


@dataclass(frozen=True)
class AssignRandom(Dealing):
    """Deal people into the workshops at random, room sizes differing by at most one."""


@dataclass(frozen=True)
class AssignMixed(Dealing):
    """Spread people sharing a district (organisation, group) across the workshops.

    `by` is one key or a list of them: the first is spread as evenly as it can be, each next one as
    evenly as it can be without spreading an earlier one less evenly.
    """

    by: GroupBy | tuple[GroupBy, ...] = GroupBy.DISTRICT

    def __post_init__(self) -> None:
        _require(len(self.keys) > 0, "by must name at least one key")
        _require(len(set(self.keys)) == len(self.keys), "by must not name a key twice")

    @property
    def keys(self) -> tuple[GroupBy, ...]:
        return self.by if isinstance(self.by, tuple) else (self.by,)


@dataclass(frozen=True)
class MoveParticipant:
    """Assign one person by hand; while workshops are open this moves them at once."""

    participant: ParticipantId
    room: RoomId


@dataclass(frozen=True)
class SetSelfSelect:
    allowed: bool


@dataclass(frozen=True)
class OpenRooms:
    duration_s: int | None = None

    def __post_init__(self) -> None:
        _require(self.duration_s is None or self.duration_s > 0, "duration_s must be positive")


@dataclass(frozen=True)
class ExtendRooms:
    seconds: int

    def __post_init__(self) -> None:
        _require(self.seconds > 0, "seconds must be positive")


@dataclass(frozen=True)
class CloseRooms:
    pass


@dataclass(frozen=True)
class Broadcast:
    text: str


@dataclass(frozen=True)
class Visit:
    """A moderator goes into a room (the plenary to come back)."""

    room: RoomId


@dataclass(frozen=True)
class DismissHelp:
    participant: ParticipantId


# The agenda (rooms.agenda) -------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaEntry:
    """One item of an agenda being set: `id` names an item that stays (keeping its status and the
    time it used), None a new one. A presenter who is a participant gets their name filled in."""

    title: str
    minutes: int
    presenters: tuple[Presenter, ...] = ()
    id: AgendaItemId | None = None

    def __post_init__(self) -> None:
        _require(self.minutes > 0, "minutes must be positive")


@dataclass(frozen=True)
class SetAgenda:
    """Replace the agenda with `items`, in their order."""

    items: tuple[AgendaEntry, ...]


@dataclass(frozen=True)
class SetAgendaAsOrganiser:
    """`SetAgenda` from the organiser through the HTTP API, which checked the admin token."""

    items: tuple[AgendaEntry, ...]


@dataclass(frozen=True)
class StartAgendaItem:
    """Make `item` current, or the next pending item when None; the current one is done.

    With no pending item left, None ends the current item.
    """

    item: AgendaItemId | None = None


@dataclass(frozen=True)
class SkipAgendaItem:
    item: AgendaItemId


@dataclass(frozen=True)
class ReopenAgendaItem:
    """A done or skipped item is pending again; started again, its time goes on from before."""

    item: AgendaItemId


# The speakers' list (moderators) ------------------------------------------------------------


@dataclass(frozen=True)
class ExtendFloor:
    """Give whoever holds the floor `seconds` more."""

    seconds: int

    def __post_init__(self) -> None:
        _require(self.seconds > 0, "seconds must be positive")


@dataclass(frozen=True)
class MoveHand:
    """Move a raised hand to `place` in the speakers' list (1 is the top)."""

    participant: ParticipantId
    place: int

    def __post_init__(self) -> None:
        _require(self.place >= 1, "place must be at least 1 (the top)")


# Questions to the panel (rooms.questions) ----------------------------------------------------


@dataclass(frozen=True)
class AskQuestion:
    """A question to the panel, from the room the asker is in; anonymous: others do not see who
    asked, moderators do."""

    text: str
    anonymous: bool = False


@dataclass(frozen=True)
class UpvoteQuestion:
    question: QuestionId


@dataclass(frozen=True)
class RetractUpvote:
    question: QuestionId


@dataclass(frozen=True)
class WithdrawQuestion:
    """The author takes back their own question."""

    question: QuestionId


@dataclass(frozen=True)
class MarkQuestion:
    """A moderator marks a question being answered, answered, owed (an answer in writing later)
    or dismissed."""

    question: QuestionId
    status: QuestionStatus

    def __post_init__(self) -> None:
        _require(self.status is not QuestionStatus.OPEN, "status: a question is not marked open")


# Showcase: the current agenda item's presenters in turn (moderators; rooms.showcase) ---------


@dataclass(frozen=True)
class NextPresenter:
    """End the presenter's turn and call the next one here; those not here are marked absent."""


@dataclass(frozen=True)
class CallPresenter:
    """Call turn `turn` (counted from 0) now: a presenter marked absent, one who had their turn,
    or one out of order. `participant` names who presents it (a name not matched, or the wrong
    person matched); None: the one matched."""

    turn: int
    participant: ParticipantId | None = None

    def __post_init__(self) -> None:
        _require(self.turn >= 0, "turn must be at least 0 (the first)")


# Polls (rooms.polls) -------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatePoll:
    """A poll, as a draft until it opens. `options` are left out of a yes / no / abstain poll;
    `max_choices` is for kind `many` (None: all of them); `results` None means live for a named
    poll and after closing for a secret one; `room` None is the meeting's poll, a workshop
    room's id one for that room's members."""

    question: str
    kind: PollKind
    options: tuple[str, ...] = ()
    max_choices: int | None = None
    secret: bool = False
    results: PollResults | None = None
    voters: PollVoters = field(default_factory=PollVoters)
    quorum: Quorum | None = None
    room: RoomId | None = None


@dataclass(frozen=True)
class OpenPoll:
    """Open a draft: who may vote is fixed now."""

    poll: PollId


@dataclass(frozen=True)
class ClosePoll:
    poll: PollId


@dataclass(frozen=True)
class RemovePoll:
    """Remove a draft, or a closed poll once it has its result."""

    poll: PollId


@dataclass(frozen=True)
class CastBallot:
    """A named ballot (sent again to change it): the indexes of the chosen options."""

    poll: PollId
    choices: tuple[int, ...]


@dataclass(frozen=True)
class CastSecretBallot:
    """The server's word that `voter`'s secret ballot is in its ballot box: no choice here, ever,
    so none can reach an event, a log or a snapshot."""

    poll: PollId
    voter: ParticipantId


@dataclass(frozen=True)
class RevealPollResult:
    """A closed secret poll's counts, from the server's ballot box: `ballots` it held."""

    poll: PollId
    counts: tuple[int, ...]
    ballots: int


# Ending the meeting -------------------------------------------------------------------------


@dataclass(frozen=True)
class EndMeeting:
    """End the meeting for everyone: nobody joins after it, and every command is refused
    (`rooms.ending`)."""


# The doors, and muting the plenary --------------------------------------------------------


@dataclass(frozen=True)
class LockMeeting:
    """Nobody new joins until `UnlockMeeting` (`rooms.doors`)."""


@dataclass(frozen=True)
class UnlockMeeting:
    pass


@dataclass(frozen=True)
class MuteEveryone:
    """Ask every participant in the plenary to mute, as `AskToMute` does for one."""


# The lobby (rooms.lobby) --------------------------------------------------------------------


@dataclass(frozen=True)
class SetLobby:
    """Who waits for a moderator: `off` admits everyone waiting, as Zoom's waiting room does."""

    mode: LobbyMode


@dataclass(frozen=True)
class Admit:
    participant: ParticipantId


@dataclass(frozen=True)
class AdmitAll:
    pass


@dataclass(frozen=True)
class Refuse:
    participant: ParticipantId


# Workshop notes (rooms.notes) ---------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerRapporteur:
    """Become the rapporteur of the workshop room one is in, while it has none."""


@dataclass(frozen=True)
class AppointRapporteur:
    """A moderator names `room`'s rapporteur: anyone in the meeting, or None for nobody."""

    room: RoomId
    participant: ParticipantId | None = None


@dataclass(frozen=True)
class StepDownAsRapporteur:
    room: RoomId


@dataclass(frozen=True)
class SetNotesEditing:
    """Who may edit `room`'s notes besides the moderators: its rapporteur, or its members."""

    room: RoomId
    editing: NotesEditing


@dataclass(frozen=True)
class EditNotes:
    """Replace `room`'s notes with `text`, written on version `base_version` of them: refused
    (`stale_notes`) if the notes have changed since."""

    room: RoomId
    base_version: int
    text: str

    def __post_init__(self) -> None:
        _require(self.base_version >= 0, "base_version must not be negative")


# The report-back: the rooms' rapporteurs report to the plenary in turn (moderators;
# rooms.report_back) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StartReportBack:
    """Start the report-back and call its first room. `rooms` in the order they report; empty:
    every workshop room whose notes have text or that has a rapporteur, deleted ones too, in the
    order they were created."""

    rooms: tuple[RoomId, ...] = ()


@dataclass(frozen=True)
class NextReport:
    """End the room's report on now and call the next room waiting."""


@dataclass(frozen=True)
class CallReport:
    """Call `room`'s report now: a room waiting (out of order) or one done (again)."""

    room: RoomId


@dataclass(frozen=True)
class MoveReport:
    """Move a waiting room to `place` among the rooms waiting (1: the next to report)."""

    room: RoomId
    place: int

    def __post_init__(self) -> None:
        _require(self.place >= 1, "place must be at least 1 (the next to report)")


@dataclass(frozen=True)
class EndReportBack:
    """End the report-back, the report on now with it."""


# The organiser's (rooms.organiser) ------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleAsOrganiser:
    """The meeting's title, start, end, description and language, from the organiser through
    the HTTP API."""

    title: str
    starts_at: float | None
    ends_at: float
    description: str = ""
    language: Language = Language.PL


@dataclass(frozen=True)
class ReissueLink:
    """A new link for `role` from the organiser: the role's older links stop working."""

    role: Role


@dataclass(frozen=True)
class ImportInvitees:
    """The organiser's invitees, added to those before (rooms.invitees): all or none."""

    invitees: tuple[Invitee, ...]


@dataclass(frozen=True)
class RemoveInvitee:
    """The organiser took an invitee off the list: their personal link stops working."""

    invitee: ParticipantId


@dataclass(frozen=True)
class PreassignInvitee:
    """The organiser plans an invitee into a workshop room before the day: `room` is its id or
    its name (a new room of that name if there is none), None: into none."""

    invitee: ParticipantId
    room: str | None


# Contacts between leaders (rooms.contacts) ---------------------------------------------------


@dataclass(frozen=True)
class ShareContact:
    """Opt in to the contacts directory, or change what one shares: the details sent replace
    the ones before; at least one is needed (`rooms.contacts` checks each)."""

    email: str | None = None
    phone: str | None = None
    website: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class WithdrawContact:
    """Leave the contacts directory: one's details are removed from the meeting."""


@dataclass(frozen=True)
class WithdrawContactByLink:
    """`WithdrawContact` from the directory's page, by the person's own contacts link (the server
    checked its token): also once they left, or the meeting ended."""

    participant: ParticipantId


SystemCommand = (
    Join
    | Rejoin
    | Disconnect
    | Depart
    | Tick
    | SetAgendaAsOrganiser
    # The organiser's
    | ScheduleAsOrganiser
    | ReissueLink
    | ImportInvitees
    | RemoveInvitee
    | PreassignInvitee
    # Polls
    | CastSecretBallot
    | RevealPollResult
    # Contacts between leaders
    | WithdrawContactByLink
)

ClientCommand = (
    SendChat
    | RaiseHand
    | LowerHand
    | React
    | ChooseRoom
    | RequestHelp
    | CancelHelp
    | SetRole
    | RemoveParticipant
    | AskToMute
    | HardMute
    | LiftHardMute
    | GiveFloor
    | TakeFloor
    | ClearHand
    | ClearAllHands
    | CreateRooms
    | RenameRoom
    | DeleteRoom
    | AssignRandom
    | AssignMixed
    | MoveParticipant
    | SetSelfSelect
    | OpenRooms
    | ExtendRooms
    | CloseRooms
    | Broadcast
    | Visit
    | DismissHelp
    # The agenda
    | SetAgenda
    | StartAgendaItem
    | SkipAgendaItem
    | ReopenAgendaItem
    # The speakers' list
    | ExtendFloor
    | MoveHand
    # Questions to the panel
    | AskQuestion
    | UpvoteQuestion
    | RetractUpvote
    | WithdrawQuestion
    | MarkQuestion
    # Showcase
    | NextPresenter
    | CallPresenter
    # Polls
    | CreatePoll
    | OpenPoll
    | ClosePoll
    | RemovePoll
    | CastBallot
    # Ending the meeting
    | EndMeeting
    # The doors, and muting the plenary
    | LockMeeting
    | UnlockMeeting
    | MuteEveryone
    # The lobby
    | SetLobby
    | Admit
    | AdmitAll
    | Refuse
    # Workshop notes
    | VolunteerRapporteur
    | AppointRapporteur
    | StepDownAsRapporteur
    | SetNotesEditing
    | EditNotes
    # Report-back
    | StartReportBack
    | NextReport
    | CallReport
    | MoveReport
    | EndReportBack
    # Contacts between leaders
    | ShareContact
    | WithdrawContact
)

Command = SystemCommand | ClientCommand

CLIENT_COMMANDS: tuple[type[ClientCommand], ...] = ClientCommand.__args__
