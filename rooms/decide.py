"""What each command does: checks it against the meeting and returns the events it causes.

Nothing here writes the state; `rooms.meeting.Meeting` applies the events. Who may send a command
and in which phase was already checked against `rooms.policy.RULES`; the phase an outcome moves
the workshops to is checked here against `rooms.phases.TRANSITIONS`.
"""

import random
from collections.abc import Iterable
from typing import assert_never

from rooms import (
    agenda,
    contacts,
    doors,
    ending,
    invitees,
    lobby,
    notes,
    opening,
    organiser,
    polls,
    questions,
    report_back,
    showcase,
    speakers,
)
from rooms import commands as cmd
from rooms import events as ev
from rooms.assignment import deal_mixed, deal_random
from rooms.config import REACTIONS, MeetingConfig
from rooms.countdowns import warning_time
from rooms.errors import Reason, Rejected, quoted, require
from rooms.ids import PLENARY, ParticipantId, RoomId
from rooms.model import LobbyMode, MeetingState, Participant, Phase, Role, Waiting
from rooms.phases import next_phase
from rooms.texts import fold, free_text, one_line

Audience = frozenset[ParticipantId] | None
Outcome = list[tuple[ev.Event, Audience]]

EVERYONE: Audience = None
NOBODY: Audience = frozenset()


def decide(
    state: MeetingState,
    config: MeetingConfig,
    actor: ParticipantId | None,
    command: cmd.Command,
    now: float,
) -> Outcome:
    outcome = _outcome(state, config, actor, command, now)
    _check_phases(state.phase, outcome)
    return outcome


def _check_phases(phase: Phase, outcome: Outcome) -> None:
    """Refuse an outcome that would move the workshops along a transition `rooms.phases` lacks."""
    for event, _ in outcome:
        try:
            phase = next_phase(phase, event)
        except ValueError:
            raise Rejected(
                Reason.WRONG_PHASE, f"not possible while the workshops are {phase}"
            ) from None


def _outcome(
    state: MeetingState,
    config: MeetingConfig,
    actor: ParticipantId | None,
    command: cmd.Command,
    now: float,
) -> Outcome:
    match command:
        # Polls: the server's word on a secret ballot, and a secret poll's count
        case cmd.CastSecretBallot():
            return polls.cast_secret(state, config, command, now)
        case cmd.RevealPollResult():
            return _everyone(polls.reveal(state, command))
        case cmd.Join() | cmd.Rejoin() | cmd.Disconnect():
            return _presence(state, config, command, now)
        case cmd.Depart():
            # Sent for a ghost, and may arrive after it left or came back: then it is spent.
            ghost = state.participants.get(command.participant)
            if ghost is None or ghost.connected:
                return []
            return [(ev.ParticipantLeft(command.participant), EVERYONE)]
        case cmd.Tick():
            # Polls: the coalesced tallies due, after the clocks.
            return _tick(state, config, now) + _everyone(polls.tick(state, config, now))
        case cmd.SetAgendaAsOrganiser():
            organised = agenda.set_agenda(state, config, command.items, None)
            return _with_showcase(state, config, organised, None, now)
        case cmd.ScheduleAsOrganiser():
            return [(organiser.schedule(command, config), EVERYONE)]
        case cmd.ReissueLink():
            return [(organiser.reissue(state, command), NOBODY)]
        case cmd.ImportInvitees():
            return [(invitees.import_(state, config, command), NOBODY)]
        case cmd.RemoveInvitee():
            removed: Outcome = [(invitees.remove(state, command), NOBODY)]
            # Waiting in the lobby on the link now withdrawn: out of it, not for a moderator
            # to let in (the server closes the waiting socket as it refuses the link's hello).
            if command.invitee in state.lobby:
                removed.append((ev.LeftLobby(command.invitee), lobby.moderators(state)))
            return removed
        case cmd.PreassignInvitee():
            return _preassign(state, config, command)
        # Contacts between leaders: from one's own link, here or gone
        case cmd.WithdrawContactByLink():
            return contacts.withdraw(state, command.participant)
    assert actor is not None, "the policy lets only system commands come without an actor"
    me = state.participants[actor]
    match command:
        case cmd.SendChat():
            return _chat(state, config, me, command)
        case cmd.RaiseHand():
            require(actor not in state.hand_queue, Reason.CONFLICT, "your hand is already raised")
            require(state.floor != actor, Reason.CONFLICT, "you already have the floor")
            return [(ev.HandRaised(actor), EVERYONE)]
        case cmd.LowerHand():
            require(actor in state.hand_queue, Reason.CONFLICT, "your hand is not raised")
            return [(ev.HandLowered(actor, by=actor), EVERYONE)]
        case cmd.React():
            require(command.emoji in REACTIONS, Reason.INVALID, "emoji is not an allowed reaction")
            return [(ev.Reacted(actor, command.emoji), EVERYONE)]
        case cmd.ChooseRoom():
            require(
                state.self_select or me.role is Role.MODERATOR,
                Reason.NOT_ALLOWED,
                "the moderators have not let participants choose their room",
            )
            return _assign_one(state, actor, _room(state, command.room))
        case cmd.RequestHelp():
            require(me.room != PLENARY, Reason.CONFLICT, "help is asked for from a workshop room")
            require(not _has_help_call(state, actor), Reason.CONFLICT, "you already asked for help")
            return [(ev.HelpRequested(actor, me.room), EVERYONE)]
        case cmd.CancelHelp():
            require(_has_help_call(state, actor), Reason.CONFLICT, "you have not asked for help")
            return [(ev.HelpCleared(actor, by=actor), EVERYONE)]
        case cmd.SetRole():
            target = _participant(state, command.participant)
            require(target.role is not command.role, Reason.CONFLICT, f"already a {command.role}")
            require(
                target.role is not Role.MODERATOR or len(state.moderators()) > 1,
                Reason.CONFLICT,
                "the last moderator cannot be demoted",
            )
            return [(ev.RoleChanged(target.id, command.role, by=actor), EVERYONE)]
        case cmd.RemoveParticipant():
            target = _participant(state, command.participant)
            require(target.id != actor, Reason.INVALID, "a moderator cannot remove themselves")
            removal: list[tuple[ev.Event, Audience]] = [
                (ev.ParticipantRemoved(target.id, by=actor), EVERYONE)
            ]
            return removal + contacts.removed(state, target.id)
        case cmd.AskToMute():
            target = _participant(state, command.participant)
            audience = frozenset([target.id, *state.moderators()])
            return [(ev.MuteRequested(target.id, by=actor), audience)]
        case cmd.MuteEveryone():
            return _mute_everyone(state, actor)
        case cmd.HardMute():
            target = _participant(state, command.participant)
            require(target.id not in state.audio_blocked, Reason.CONFLICT, "already hard-muted")
            return [(ev.AudioBlocked(target.id, by=actor), EVERYONE)]
        case cmd.LiftHardMute():
            target = _participant(state, command.participant)
            require(target.id in state.audio_blocked, Reason.CONFLICT, "not hard-muted")
            return [(ev.AudioAllowed(target.id, by=actor), EVERYONE)]
        case cmd.GiveFloor():
            speaker = command.participant
            # Showcase: while a presenter waits, the next one is theirs, not the hand queue's.
            if speaker is None and showcase.waiting(state):
                moved_on = showcase.next_presenter(state, config, actor, command.limit_s, now)
                return _everyone(moved_on)
            if speaker is not None:
                speaker = _participant(state, speaker).id
            floor = speakers.give_floor(state, config, actor, speaker, command.limit_s, now)
            return _everyone(floor)
        case cmd.TakeFloor():
            return _everyone(speakers.take_floor(state, actor))
        case cmd.ClearHand():
            target = _participant(state, command.participant)
            require(target.id in state.hand_queue, Reason.CONFLICT, "that hand is not raised")
            return [(ev.HandLowered(target.id, by=actor), EVERYONE)]
        case cmd.ClearAllHands():
            return [(ev.HandLowered(p, by=actor), EVERYONE) for p in state.hand_queue]
        case cmd.CreateRooms():
            return _create_rooms(state, config, command)
        case cmd.RenameRoom():
            workshop = state.workshops.get(command.room)
            require(workshop is not None, Reason.UNKNOWN_ROOM, f"no room {quoted(command.room)}")
            assert workshop is not None
            name = one_line(command.name, "name", config.max_room_name_chars)
            topic = workshop.topic
            if command.topic is not None:
                topic = one_line(command.topic, "topic", config.max_topic_chars, allow_empty=True)
            return [(ev.RoomRenamed(workshop.id, name, topic), EVERYONE)]
        case cmd.DeleteRoom():
            require(
                command.room in state.workshops,
                Reason.UNKNOWN_ROOM,
                f"no room {quoted(command.room)}",
            )
            back = _moves(state, state.members(command.room), PLENARY)
            return [*back, (ev.RoomDeleted(command.room), EVERYONE)]
        case cmd.AssignRandom():
            people = [p.id for p in _dealt(state, command)]
            return [(ev.PlanSet(deal_random(people, _workshop_ids(state), _rng(state))), EVERYONE)]
        case cmd.AssignMixed():
            keyed = [(p.id, [p.attribute(k) for k in command.keys]) for p in _dealt(state, command)]
            return [(ev.PlanSet(deal_mixed(keyed, _workshop_ids(state), _rng(state))), EVERYONE)]
        case cmd.MoveParticipant():
            target = _participant(state, command.participant)
            return _assign_one(state, target.id, _room(state, command.room))
        case cmd.SetSelfSelect():
            if state.self_select == command.allowed:
                return []
            return [(ev.SelfSelectChanged(command.allowed), EVERYONE)]
        case cmd.OpenRooms():
            require(bool(state.workshops), Reason.CONFLICT, "there are no workshop rooms to open")
            report_back.check_not_running(state, "open the workshops")  # Report-back
            deadline = None
            if command.duration_s is not None:
                _check_duration(config, command.duration_s)
                deadline = now + command.duration_s
            warning_at = _warning_at(config, now, deadline)
            moves = [
                (ev.ParticipantMoved(p, room), EVERYONE)
                for p, room in state.plan.items()
                if state.participants[p].room != room
            ]
            return [(ev.RoomsOpened(deadline, warning_at), EVERYONE), *moves]
        case cmd.ExtendRooms():
            deadline = state.clock.deadline
            still_running = state.phase is Phase.OPEN and deadline is not None
            base = deadline if still_running and deadline is not None else now
            _check_duration(config, int(base - now) + command.seconds)
            deadline = base + command.seconds
            extended = ev.RoomsExtended(deadline, _warning_at(config, now, deadline))
            return [(extended, EVERYONE)]
        case cmd.CloseRooms():
            return _close(state)
        case cmd.Broadcast():
            text = free_text(command.text, "text", config.max_chat_chars)
            return [(ev.BroadcastSent(actor, text), EVERYONE)]
        case cmd.Visit():
            room = _room(state, command.room)
            require(me.room != room, Reason.CONFLICT, "you are already in that room")
            answered = [
                (ev.HelpCleared(call.participant, by=actor), EVERYONE)
                for call in state.help_queue
                if call.room == room
            ]
            return [*answered, (ev.ParticipantMoved(actor, room), EVERYONE)]
        case cmd.DismissHelp():
            require(
                _has_help_call(state, command.participant),
                Reason.CONFLICT,
                "that participant has not asked for help",
            )
            return [(ev.HelpCleared(command.participant, by=actor), EVERYONE)]
        # The agenda
        case cmd.SetAgenda():
            agenda_set = agenda.set_agenda(state, config, command.items, actor)
            return _with_showcase(state, config, agenda_set, actor, now)
        case cmd.StartAgendaItem():
            started = agenda.start(state, actor, command.item)
            return _with_showcase(state, config, started, actor, now)
        case cmd.SkipAgendaItem():
            skipped = agenda.skip(state, actor, command.item)
            return _with_showcase(state, config, skipped, actor, now)
        case cmd.ReopenAgendaItem():
            return _everyone(agenda.reopen(state, actor, command.item))
        # The speakers' list
        case cmd.ExtendFloor():
            return _everyone(speakers.extend_floor(state, config, actor, command.seconds, now))
        case cmd.MoveHand():
            waiting = _participant(state, command.participant).id
            return _everyone(speakers.move_hand(state, actor, waiting, command.place))
        # Questions to the panel
        case cmd.AskQuestion():
            return questions.ask(state, config, actor, me.room, command.text, command.anonymous)
        case cmd.UpvoteQuestion():
            return _everyone(questions.upvote(state, actor, command.question))
        case cmd.RetractUpvote():
            return _everyone(questions.retract_upvote(state, actor, command.question))
        case cmd.WithdrawQuestion():
            return _everyone(questions.withdraw(state, actor, command.question))
        case cmd.MarkQuestion():
            return _everyone(questions.mark(state, actor, command.question, command.status))
        # Showcase
        case cmd.NextPresenter():
            return _everyone(showcase.next_presenter(state, config, actor, None, now))
        case cmd.CallPresenter():
            presenter = command.participant
            if presenter is not None:
                presenter = _participant(state, presenter).id
            called = showcase.call_presenter(state, config, actor, command.turn, presenter, now)
            return _everyone(called)
        # Polls
        case cmd.CreatePoll():
            return _everyone(polls.create(state, config, actor, command))
        case cmd.OpenPoll():
            return _everyone(polls.open_poll(state, actor, command.poll))
        case cmd.ClosePoll():
            return _everyone(polls.close(state, actor, command.poll))
        case cmd.RemovePoll():
            return _everyone(polls.remove(state, actor, command.poll))
        case cmd.CastBallot():
            return polls.cast(state, config, actor, command, now)
        # Ending the meeting
        case cmd.EndMeeting():
            return _everyone(ending.end_meeting(state, actor))
        # The doors
        case cmd.LockMeeting():
            return _everyone(doors.lock(state, actor))
        case cmd.UnlockMeeting():
            return _everyone(doors.unlock(state, actor))
        # The lobby
        case cmd.SetLobby():
            mode_set = _everyone(lobby.set_mode(state, command.mode, actor))
            if command.mode is not LobbyMode.OFF or not state.lobby:
                return mode_set
            # Switched off: everyone waiting comes in, as in Zoom.
            return mode_set + _enter(state, config, list(state.lobby.values()), actor)
        case cmd.Admit():
            entry = lobby.waiting(state, command.participant)
            lobby.check_may_admit(state)
            return _enter(state, config, [entry], actor)
        case cmd.AdmitAll():
            entries = lobby.everyone_waiting(state)
            lobby.check_may_admit(state)
            return _enter(state, config, entries, actor)
        case cmd.Refuse():
            return lobby.refuse(state, command.participant, actor)
        # Workshop notes
        case cmd.VolunteerRapporteur():
            return notes.volunteer(state, actor)
        case cmd.AppointRapporteur():
            return notes.appoint(state, actor, command.room, command.participant)
        case cmd.StepDownAsRapporteur():
            return notes.step_down(state, actor, command.room)
        case cmd.SetNotesEditing():
            return notes.set_editing(state, actor, command.room, command.editing)
        case cmd.EditNotes():
            room, base, text = command.room, command.base_version, command.text
            return notes.edit(state, config, actor, room, base, text)
        # Report-back
        case cmd.StartReportBack():
            return _everyone(report_back.start(state, config, actor, command.rooms, now))
        case cmd.NextReport():
            return _everyone(report_back.next_report(state, config, actor, now))
        case cmd.CallReport():
            return _everyone(report_back.call_report(state, config, actor, command.room, now))
        case cmd.MoveReport():
            return _everyone(report_back.move_report(state, actor, command.room, command.place))
        case cmd.EndReportBack():
            return _everyone(report_back.end(state, actor))
        # Contacts between leaders
        case cmd.ShareContact():
            return contacts.share(state, config, actor, command)
        case cmd.WithdrawContact():
            return contacts.withdraw(state, actor)
        case _:
            assert_never(command)


def next_wakeup(state: MeetingState, config: MeetingConfig) -> float | None:
    """When a clock next has something to do: the time to send a `Tick`, if any."""
    if ending.ended(state):
        return None  # an ended meeting's clocks stand still (rooms.ending)
    times = (
        _workshops_wakeup(state),
        speakers.next_wakeup(state),
        # Polls
        polls.next_wakeup(state, config),
    )
    return min((t for t in times if t is not None), default=None)


def _workshops_wakeup(state: MeetingState) -> float | None:
    clock = state.clock
    if state.phase is Phase.OPEN and clock.deadline is not None:
        if not clock.warned and clock.warning_at is not None:
            return clock.warning_at
        return clock.deadline
    if state.phase is Phase.CLOSING:
        return clock.grace_ends_at
    return None


def _warning_at(config: MeetingConfig, now: float, deadline: float | None) -> float | None:
    """When "ending soon" is said: `warning_s` before the deadline, fitted to the round."""
    return warning_time(now, deadline, config.warning_s)


def _presence(
    state: MeetingState,
    config: MeetingConfig,
    command: cmd.Join | cmd.Rejoin | cmd.Disconnect,
    now: float,
) -> Outcome:
    who = command.participant
    if isinstance(command, cmd.Disconnect):
        if who in state.lobby:
            return lobby.left(state, who, command.connection)
        participant = state.participants.get(who)
        if participant is None or not participant.connected:
            return []
        return [(ev.ParticipantDisconnected(who), EVERYONE)]
    require(who not in state.removed, Reason.REMOVED, "you were removed from this meeting")
    match command:
        case cmd.Join():
            require(
                command.removed_as not in state.removed,
                Reason.REMOVED,
                "this browser was removed from this meeting",
            )
            require(who not in state.participants, Reason.CONFLICT, "already in the meeting")
            doors.check_may_enter(state, command)
            role = _role_on_joining(state, command)
            opening.check_open(state, config, role, now)
            name = one_line(command.name, "name", config.max_name_chars)
            if role is not Role.MODERATOR:
                _check_not_a_moderators_name(state, name)
            limit = config.max_attribute_chars
            newcomer = Waiting(
                id=who,
                name=name,
                role=role,
                organisation=one_line(
                    command.organisation, "organisation", limit, allow_empty=True
                ),
                district=one_line(command.district, "district", limit, allow_empty=True),
                group=one_line(command.group, "group", limit, allow_empty=True),
                since=now,
                connection=command.connection,
            )
            if lobby.waits(state, who, role):
                return lobby.knock(state, newcomer)
            return _enter(state, config, [newcomer], None)
        case cmd.Rejoin():
            _participant(state, who)
            # Also while shown connected: the event tells every server to close the older
            # connection, wherever it is (one the server had not yet seen drop).
            return [(ev.ParticipantReconnected(who), EVERYONE)]


def _enter(
    state: MeetingState,
    config: MeetingConfig,
    newcomers: list[Waiting],
    admitted_by: ParticipantId | None,
) -> Outcome:
    """`newcomers` become participants, all or none: straight from their `Join`, or admitted
    from the lobby by a moderator (`rooms.lobby`)."""
    outcome = _making_room(state, config, len(newcomers))
    for newcomer in newcomers:
        who = newcomer.id
        if admitted_by is not None:
            outcome.append((ev.LetIn(who, by=admitted_by), lobby.moderators(state)))
        joined = ev.ParticipantJoined(
            participant=who,
            name=newcomer.name,
            role=newcomer.role,
            organisation=newcomer.organisation,
            district=newcomer.district,
            group=newcomer.group,
            room=PLENARY,
        )
        outcome.append((joined, EVERYONE))
        # An invitee the organiser planned into a workshop room.
        planned = invitees.plan_on_joining(state, who)
        if planned is not None:
            outcome.append((planned, EVERYONE))
        # Showcase: a presenter the agenda named, joining under that name.
        outcome.extend(_everyone(showcase.match_joiner(state, who, newcomer.name)))
    return outcome


def _making_room(state: MeetingState, config: MeetingConfig, newcomers: int) -> Outcome:
    """Room for `newcomers` in a full meeting: those who left without a goodbye, the longest
    gone first, must not keep a place from someone here."""
    short = len(state.participants) + newcomers - config.max_participants
    if short <= 0:
        return []
    gone = sorted(
        (p for p in state.participants.values() if not p.connected),
        key=lambda p: p.disconnected_at or 0.0,
    )
    detail = f"the meeting is full ({config.max_participants} participants)"
    if newcomers > 1:
        detail += f": {newcomers - short + len(gone)} of the {newcomers} waiting fit"
    require(len(gone) >= short, Reason.MEETING_FULL, detail)
    return [(ev.ParticipantLeft(p.id), EVERYONE) for p in gone[:short]]


def _mute_everyone(state: MeetingState, actor: ParticipantId) -> Outcome:
    """Ask every participant in the plenary to mute: each is told as by `AskToMute` (the
    request is theirs alone; the moderator who asked gets the `ok`). Moderators and presenters
    speak to the plenary, so they are not asked. A request, as Zoom's "mute all" lets people
    unmute themselves: the moderator hard-mutes one who does not listen."""
    asked = [
        p.id
        for p in state.participants.values()
        if p.room == PLENARY and p.role is Role.PARTICIPANT and p.connected
    ]
    require(bool(asked), Reason.CONFLICT, "no participant in the plenary to ask to mute")
    return [(ev.MuteRequested(who, by=actor), frozenset([who])) for who in asked]


def _role_on_joining(state: MeetingState, command: cmd.Join) -> Role:
    """The link's role, except that a moderator link no longer makes a demoted moderator one."""
    if command.role is not Role.MODERATOR or command.demoted_as is None:
        return command.role
    former = state.participants.get(command.demoted_as)
    promoted_again = former is not None and former.role is Role.MODERATOR
    return Role.MODERATOR if promoted_again else Role.PARTICIPANT


def _check_not_a_moderators_name(state: MeetingState, name: str) -> None:
    # Checked when joining only: names do not change after, and the role badge in the client
    # tells apart a moderator who joins after a participant of the same name.
    looks = fold(name)
    require(
        all(fold(p.name) != looks for p in state.participants.values() if p.role is Role.MODERATOR),
        Reason.NAME_TAKEN,
        "name: a moderator of this meeting has this name, or one that looks the same;"
        " choose another",
    )


def _tick(state: MeetingState, config: MeetingConfig, now: float) -> Outcome:
    floor = speakers.tick(state, now)
    # Showcase: a presenter's slot ran out, the next presenter is called.
    for event in list(floor):
        if isinstance(event, ev.FloorExpired):
            floor += showcase.after_floor_expired(state, config, event.participant, now)
    return _workshops_tick(state, config, now) + _everyone(floor)


def _workshops_tick(state: MeetingState, config: MeetingConfig, now: float) -> Outcome:
    clock = state.clock
    if state.phase is Phase.OPEN and clock.deadline is not None:
        if now < clock.deadline:
            warning_at = clock.warning_at
            if not clock.warned and warning_at is not None and now >= warning_at:
                return [(ev.TimeWarning(clock.deadline), EVERYONE)]
            return []
        grace_ends_at = clock.deadline + config.grace_s
        closing: Outcome = [(ev.RoomsClosing(grace_ends_at), EVERYONE)]
        return closing + (_close(state) if now >= grace_ends_at else [])
    if state.phase is Phase.CLOSING and clock.grace_ends_at is not None:
        return _close(state) if now >= clock.grace_ends_at else []
    return []


def _close(state: MeetingState) -> Outcome:
    away = [p.id for p in state.participants.values() if p.room != PLENARY]
    return [(ev.RoomsClosed(), EVERYONE), *_moves(state, away, PLENARY)]


def _chat(
    state: MeetingState, config: MeetingConfig, me: Participant, command: cmd.SendChat
) -> Outcome:
    text = free_text(command.text, "text", config.max_chat_chars)
    if command.to is not None:
        recipient = _participant(state, command.to)
        require(recipient.id != me.id, Reason.INVALID, "to: a private message needs someone else")
        audience = frozenset({me.id, recipient.id})
        return [(ev.ChatPosted(me.id, text, me.room, recipient.id), audience)]
    if me.room == PLENARY:
        return [(ev.ChatPosted(me.id, text, PLENARY, None), EVERYONE)]
    # A workshop's chat stays in the workshop; moderators oversee every room.
    audience = frozenset([*state.members(me.room), *state.moderators()])
    return [(ev.ChatPosted(me.id, text, me.room, None), audience)]


def _create_rooms(state: MeetingState, config: MeetingConfig, command: cmd.CreateRooms) -> Outcome:
    require(
        len(state.workshops) + len(command.names) <= config.max_rooms,
        Reason.INVALID,
        f"names: at most {config.max_rooms} workshop rooms",
    )
    names = [one_line(name, "names", config.max_room_name_chars) for name in command.names]
    first = state.rooms_created + 1
    return [
        (ev.RoomCreated(RoomId(f"room-{first + i}"), name), EVERYONE)
        for i, name in enumerate(names)
    ]


def _preassign(
    state: MeetingState, config: MeetingConfig, command: cmd.PreassignInvitee
) -> Outcome:
    """An invitee planned into a workshop room by id or name, the room created if there is none
    of that name."""
    invitees.invitee_of(state, command.invitee)
    if command.room is None:
        return [(ev.InviteePreassigned(command.invitee, None), NOBODY)]
    room = invitees.room_named(state, command.room)
    created: Outcome = []
    if room is None:
        created = _create_rooms(state, config, cmd.CreateRooms((command.room,)))
        room = RoomId(f"room-{state.rooms_created + 1}")
    return [*created, (ev.InviteePreassigned(command.invitee, room), NOBODY)]


def _assign_one(state: MeetingState, who: ParticipantId, room: RoomId) -> Outcome:
    outcome: Outcome = []
    if state.plan.get(who, PLENARY) != room:
        outcome.append((ev.Assigned(who, room), EVERYONE))
    if state.phase is not Phase.PLENARY:
        outcome.extend(_moves(state, [who], room))
    require(bool(outcome), Reason.CONFLICT, "already assigned to that room")
    return outcome


def _moves(state: MeetingState, people: Iterable[ParticipantId], room: RoomId) -> Outcome:
    return [
        (ev.ParticipantMoved(p, room), EVERYONE)
        for p in people
        if state.participants[p].room != room
    ]


def _dealt(state: MeetingState, dealing: cmd.Dealing) -> list[Participant]:
    require(bool(state.workshops), Reason.CONFLICT, "create workshop rooms before assigning")
    roles = {Role.PARTICIPANT}
    if dealing.include_presenters:
        roles.add(Role.PRESENTER)
    if dealing.include_moderators:
        roles.add(Role.MODERATOR)
    return [
        p
        for p in state.participants.values()
        if p.role in roles and (p.connected or dealing.include_absent)
    ]


def _workshop_ids(state: MeetingState) -> list[RoomId]:
    return list(state.workshops)


def _rng(state: MeetingState) -> random.Random:
    # Seeded by the meeting and its position, so any process replaying the command deals alike.
    return random.Random(f"{state.id}:{state.seq}")


def _has_help_call(state: MeetingState, who: ParticipantId) -> bool:
    return any(call.participant == who for call in state.help_queue)


def _participant(state: MeetingState, who: ParticipantId) -> Participant:
    participant = state.participants.get(who)
    require(participant is not None, Reason.UNKNOWN_PARTICIPANT, f"no participant {quoted(who)}")
    assert participant is not None
    return participant


def _room(state: MeetingState, room: RoomId) -> RoomId:
    require(state.room_exists(room), Reason.UNKNOWN_ROOM, f"no room {quoted(room)}")
    return room


def _check_duration(config: MeetingConfig, seconds: int) -> None:
    require(
        seconds <= config.max_duration_s,
        Reason.INVALID,
        f"duration: at most {config.max_duration_s} seconds",
    )


def _everyone(events: list[ev.Event]) -> Outcome:
    return [(event, EVERYONE) for event in events]


# Showcase -------------------------------------------------------------------------------------


def _with_showcase(
    state: MeetingState,
    config: MeetingConfig,
    agenda_events: list[ev.Event],
    by: ParticipantId | None,
    now: float,
) -> Outcome:
    """The agenda's events, and what they do to the current item's presenters."""
    return _everyone(agenda_events + showcase.follow_agenda(state, config, agenda_events, by, now))
