"""Who may send each command, and in which phase of the workshops: the meeting's rules in one table.

`SYSTEM` commands come only from the server (it has checked a token or owns the clock); `MEMBER`
commands from anyone in the meeting; `MODERATOR` commands from moderators only. A command sent in
a phase not listed is refused with `wrong_phase` and changes nothing.
"""

from dataclasses import dataclass
from enum import Enum

from rooms import commands as cmd
from rooms.model import Phase


class Who(Enum):
    SYSTEM = "system"
    MEMBER = "member"
    MODERATOR = "moderator"


ANY_PHASE = frozenset(Phase)
BEFORE_OPENING = frozenset({Phase.PLENARY})
WHILE_RUNNING = frozenset({Phase.OPEN, Phase.CLOSING})
WHILE_OPEN = frozenset({Phase.OPEN})


@dataclass(frozen=True)
class Rule:
    who: Who
    phases: frozenset[Phase] = ANY_PHASE


RULES: dict[type[cmd.Command], Rule] = {
    cmd.Join: Rule(Who.SYSTEM),
    cmd.Rejoin: Rule(Who.SYSTEM),
    cmd.Disconnect: Rule(Who.SYSTEM),
    cmd.Depart: Rule(Who.SYSTEM),
    cmd.Tick: Rule(Who.SYSTEM),
    cmd.SendChat: Rule(Who.MEMBER),
    cmd.RaiseHand: Rule(Who.MEMBER),
    cmd.LowerHand: Rule(Who.MEMBER),
    cmd.React: Rule(Who.MEMBER),
    cmd.ChooseRoom: Rule(Who.MEMBER),
    cmd.RequestHelp: Rule(Who.MEMBER, WHILE_OPEN),
    cmd.CancelHelp: Rule(Who.MEMBER, WHILE_RUNNING),
    cmd.SetRole: Rule(Who.MODERATOR),
    cmd.RemoveParticipant: Rule(Who.MODERATOR),
    cmd.AskToMute: Rule(Who.MODERATOR),
    cmd.HardMute: Rule(Who.MODERATOR),
    cmd.LiftHardMute: Rule(Who.MODERATOR),
    cmd.GiveFloor: Rule(Who.MODERATOR),
    cmd.TakeFloor: Rule(Who.MODERATOR),
    cmd.ClearHand: Rule(Who.MODERATOR),
    cmd.ClearAllHands: Rule(Who.MODERATOR),
    cmd.CreateRooms: Rule(Who.MODERATOR),
    cmd.RenameRoom: Rule(Who.MODERATOR),
    cmd.DeleteRoom: Rule(Who.MODERATOR),
    cmd.AssignRandom: Rule(Who.MODERATOR, BEFORE_OPENING),
    cmd.AssignMixed: Rule(Who.MODERATOR, BEFORE_OPENING),
    cmd.MoveParticipant: Rule(Who.MODERATOR),
    cmd.SetSelfSelect: Rule(Who.MODERATOR),
    cmd.OpenRooms: Rule(Who.MODERATOR, BEFORE_OPENING),
    cmd.ExtendRooms: Rule(Who.MODERATOR, WHILE_RUNNING),
    cmd.CloseRooms: Rule(Who.MODERATOR, WHILE_RUNNING),
    cmd.Broadcast: Rule(Who.MODERATOR),
    cmd.Visit: Rule(Who.MODERATOR),
    cmd.DismissHelp: Rule(Who.MODERATOR, WHILE_RUNNING),
    # The agenda: the organiser sets it through the HTTP API (the server checked the admin
    # token), moderators in the meeting.
    cmd.SetAgendaAsOrganiser: Rule(Who.SYSTEM),
    cmd.SetAgenda: Rule(Who.MODERATOR),
    # The organiser's: the meeting's title, start and end, and its links (rooms.organiser).
    cmd.ScheduleAsOrganiser: Rule(Who.SYSTEM),
    cmd.ReissueLink: Rule(Who.SYSTEM),
    # The organiser's invitees (rooms.invitees).
    cmd.ImportInvitees: Rule(Who.SYSTEM),
    cmd.RemoveInvitee: Rule(Who.SYSTEM),
    cmd.PreassignInvitee: Rule(Who.SYSTEM),
    cmd.StartAgendaItem: Rule(Who.MODERATOR),
    cmd.SkipAgendaItem: Rule(Who.MODERATOR),
    cmd.ReopenAgendaItem: Rule(Who.MODERATOR),
    # The speakers' list
    cmd.ExtendFloor: Rule(Who.MODERATOR),
    cmd.MoveHand: Rule(Who.MODERATOR),
    # Questions to the panel: anyone asks, from any room, and votes; moderators mark them.
    cmd.AskQuestion: Rule(Who.MEMBER),
    cmd.UpvoteQuestion: Rule(Who.MEMBER),
    cmd.RetractUpvote: Rule(Who.MEMBER),
    cmd.WithdrawQuestion: Rule(Who.MEMBER),
    cmd.MarkQuestion: Rule(Who.MODERATOR),
    # Showcase: moderators move the presenters on, or call one.
    cmd.NextPresenter: Rule(Who.MODERATOR),
    cmd.CallPresenter: Rule(Who.MODERATOR),
    # Polls: moderators run them; the server submits what its ballot box took of a secret one.
    cmd.CreatePoll: Rule(Who.MODERATOR),
    cmd.OpenPoll: Rule(Who.MODERATOR),
    cmd.ClosePoll: Rule(Who.MODERATOR),
    cmd.RemovePoll: Rule(Who.MODERATOR),
    cmd.CastBallot: Rule(Who.MEMBER),
    cmd.CastSecretBallot: Rule(Who.SYSTEM),
    cmd.RevealPollResult: Rule(Who.SYSTEM),
    # Ending the meeting: moderators only, in any phase; after it nothing (rooms.ending).
    cmd.EndMeeting: Rule(Who.MODERATOR),
    # The doors (rooms.doors), and asking the whole plenary to mute: moderators, in any phase.
    cmd.LockMeeting: Rule(Who.MODERATOR),
    cmd.UnlockMeeting: Rule(Who.MODERATOR),
    cmd.MuteEveryone: Rule(Who.MODERATOR),
    # The lobby (rooms.lobby): moderators set it, and let people in or turn them away.
    cmd.SetLobby: Rule(Who.MODERATOR),
    cmd.Admit: Rule(Who.MODERATOR),
    cmd.AdmitAll: Rule(Who.MODERATOR),
    cmd.Refuse: Rule(Who.MODERATOR),
    # Workshop notes: members volunteer and write (`rooms.notes` says which), moderators appoint
    # and choose who writes; notes outlive the rooms, so any phase.
    cmd.VolunteerRapporteur: Rule(Who.MEMBER),
    cmd.AppointRapporteur: Rule(Who.MODERATOR),
    cmd.StepDownAsRapporteur: Rule(Who.MEMBER),
    cmd.SetNotesEditing: Rule(Who.MODERATOR),
    cmd.EditNotes: Rule(Who.MEMBER),
    # Report-back: moderators start it in the plenary, and move it on (the workshops do not open
    # while it runs: rooms.report_back).
    cmd.StartReportBack: Rule(Who.MODERATOR, BEFORE_OPENING),
    cmd.NextReport: Rule(Who.MODERATOR),
    cmd.CallReport: Rule(Who.MODERATOR),
    cmd.MoveReport: Rule(Who.MODERATOR),
    cmd.EndReportBack: Rule(Who.MODERATOR),
    # Contacts between leaders: anyone opts in, changes their details or withdraws them.
    cmd.ShareContact: Rule(Who.MEMBER),
    cmd.WithdrawContact: Rule(Who.MEMBER),
    cmd.WithdrawContactByLink: Rule(Who.SYSTEM),
}
