"""How each event changes the state: the only place the state is written.

The phase follows `rooms.phases.TRANSITIONS`; each event's other changes are below.
"""

from dataclasses import replace
from typing import assert_never

from rooms import events as ev
from rooms import history, polls
from rooms.config import MeetingConfig
from rooms.ids import PLENARY, AgendaItemId, ParticipantId, PollId, QuestionId, RoomId
from rooms.model import (
    AgendaItem,
    ChatMessage,
    Clock,
    Counted,
    FloorClock,
    HelpCall,
    ItemStatus,
    MeetingState,
    Participant,
    Poll,
    PollStatus,
    Question,
    ReportBack,
    RoomNotes,
    Showcase,
    Tally,
    Turn,
    TurnStatus,
    Workshop,
)
from rooms.phases import next_phase


def apply(
    state: MeetingState,
    stamped: ev.Stamped,
    chat_history: int,
    record_chat_lines: int = MeetingConfig.record_chat_lines,
) -> None:
    """Apply one event in place; events must come in sequence order. `record_chat_lines` is the
    meeting's `MeetingConfig.record_chat_lines` (`rooms.history`)."""
    if stamped.seq != state.seq + 1:
        raise ValueError(f"event {stamped.seq} does not follow {state.seq}")
    event = stamped.event
    # Looked up before anything is written: a move the table lacks leaves the state as it was.
    phase = next_phase(state.phase, event)
    state.seq = stamped.seq
    state.phase = phase
    # The record's fold reads the event and its stamp only, never the state it changes below.
    history.fold(state.history, stamped, record_chat_lines)
    match event:
        case ev.ParticipantJoined():
            state.participants[event.participant] = Participant(
                id=event.participant,
                name=event.name,
                organisation=event.organisation,
                district=event.district,
                group=event.group,
                role=event.role,
                room=event.room,
            )
        case ev.ParticipantReconnected():
            state.participants[event.participant].connected = True
            state.participants[event.participant].disconnected_at = None
        case ev.ParticipantDisconnected():
            state.participants[event.participant].connected = False
            state.participants[event.participant].disconnected_at = stamped.at
        case ev.ParticipantLeft():
            _forget(state, event.participant)
        case ev.ParticipantRemoved():
            _forget(state, event.participant)
            state.removed.append(event.participant)
        case ev.RoleChanged():
            state.participants[event.participant].role = event.role
        case ev.MuteRequested() | ev.Reacted() | ev.BroadcastSent():
            pass
        case ev.AudioBlocked():
            state.audio_blocked.append(event.participant)
        case ev.AudioAllowed():
            state.audio_blocked.remove(event.participant)
        case ev.ChatPosted():
            audience = None if stamped.audience is None else tuple(sorted(stamped.audience))
            state.chat.append(
                ChatMessage(
                    stamped.seq,
                    stamped.at,
                    event.sender,
                    event.text,
                    event.room,
                    event.to,
                    audience,
                )
            )
            del state.chat[: max(0, len(state.chat) - chat_history)]
        case ev.HandRaised():
            state.hand_queue.append(event.participant)
        case ev.HandLowered():
            state.hand_queue.remove(event.participant)
        case ev.FloorGiven():
            if event.participant in state.hand_queue:
                state.hand_queue.remove(event.participant)
            state.floor = event.participant
            state.floor_clock = FloorClock(event.deadline, event.warning_at)
        case ev.FloorTaken():
            state.floor = None
            state.floor_clock = FloorClock()
            _end_turn(state)  # Showcase
        case ev.RoomCreated():
            state.workshops[event.room] = Workshop(event.room, event.name)
            state.rooms_created += 1
            state.notes[event.room] = RoomNotes(event.room, event.name)  # Workshop notes
        case ev.RoomRenamed():
            workshop = state.workshops[event.room]
            workshop.name = event.name
            workshop.topic = event.topic
            _notes(state, event.room).room_name = event.name  # Workshop notes
        case ev.RoomDeleted():
            del state.workshops[event.room]
            state.plan = {p: r for p, r in state.plan.items() if r != event.room}
            state.help_queue = [c for c in state.help_queue if c.room != event.room]
        case ev.PlanSet():
            state.plan = dict(event.plan)
        case ev.Assigned():
            if event.room == PLENARY:
                state.plan.pop(event.participant, None)
            else:
                state.plan[event.participant] = event.room
        case ev.SelfSelectChanged():
            state.self_select = event.allowed
        case ev.RoomsOpened():
            state.clock = Clock(deadline=event.deadline, warning_at=event.warning_at)
        case ev.ParticipantMoved():
            state.participants[event.participant].room = event.room
            state.help_queue = [c for c in state.help_queue if c.participant != event.participant]
        case ev.TimeWarning():
            state.clock.warned = True
        case ev.RoomsExtended():
            state.clock = Clock(deadline=event.deadline, warning_at=event.warning_at)
        case ev.RoomsClosing():
            state.clock.grace_ends_at = event.grace_ends_at
        case ev.RoomsClosed():
            state.clock = Clock()
            state.help_queue = []
        case ev.HelpRequested():
            state.help_queue.append(HelpCall(event.participant, event.room, stamped.at))
        case ev.HelpCleared():
            state.help_queue = [c for c in state.help_queue if c.participant != event.participant]
        # The agenda
        case ev.AgendaSet():
            _set_agenda(state, event, stamped.at)
        case ev.AgendaItemStarted():
            _end_current(state, stamped.at, ItemStatus.DONE)
            _agenda_item(state, event.item).status = ItemStatus.CURRENT
            state.agenda.current = event.item
            state.agenda.current_since = stamped.at
        case ev.AgendaItemEnded():
            _end_current(state, stamped.at, ItemStatus.DONE)
        case ev.AgendaItemSkipped():
            if event.item == state.agenda.current:
                _end_current(state, stamped.at, ItemStatus.SKIPPED)
            else:
                _agenda_item(state, event.item).status = ItemStatus.SKIPPED
        case ev.AgendaItemReopened():
            _agenda_item(state, event.item).status = ItemStatus.PENDING
        # The speakers' list
        case ev.HandMoved():
            state.hand_queue.remove(event.participant)
            state.hand_queue.insert(event.place - 1, event.participant)
        case ev.FloorWarning():
            state.floor_clock.warned = True
        case ev.FloorExtended():
            state.floor_clock = FloorClock(event.deadline, event.warning_at)
        case ev.FloorExpired():
            state.floor = None
            state.floor_clock = FloorClock()
            _end_turn(state)  # Showcase
        # Questions to the panel
        case ev.QuestionAsked():
            state.questions.created += 1
            state.questions.asked.append(
                Question(
                    event.question,
                    event.text,
                    event.room,
                    stamped.at,
                    event.anonymous,
                    event.author,
                )
            )
        case ev.QuestionAuthor():
            _question(state, event.question).author = event.author
        case ev.QuestionUpvoted():
            _question(state, event.question).voters.append(event.voter)
        case ev.QuestionUpvoteRetracted():
            _question(state, event.question).voters.remove(event.voter)
        case ev.QuestionMarked():
            _question(state, event.question).status = event.status
        case ev.QuestionWithdrawn():
            state.questions.asked.remove(_question(state, event.question))
        # Showcase
        case ev.ShowcaseStarted():
            turns = [Turn(p.name, p.participant) for p in event.presenters]
            state.showcase = Showcase(event.item, event.slot_s, turns)
        case ev.PresenterMatched():
            state.showcase.turns[event.turn].participant = event.participant
        case ev.PresenterCalled():
            # The same presenter may hold the floor from a turn before: that one is done.
            _end_turn(state)
            called = state.showcase.turns[event.turn]
            called.participant = event.participant
            called.status = TurnStatus.PRESENTING
        case ev.PresenterAbsent():
            state.showcase.turns[event.turn].status = TurnStatus.ABSENT
        case ev.ShowcaseEnded():
            state.showcase = Showcase()
        # Polls
        case ev.PollCreated():
            state.polls.created += 1
            state.polls.polls.append(
                Poll(
                    event.poll,
                    event.question,
                    event.kind,
                    event.options,
                    event.max_choices,
                    event.secret,
                    event.results,
                    event.voters,
                    event.quorum,
                    event.room,
                    event.by,
                )
            )
        case ev.PollOpened():
            poll = _poll(state, event.poll)
            poll.status = PollStatus.OPEN
            poll.eligible = list(event.eligible)
            # The room knows an empty tally from the opening: the next is due an interval on.
            poll.tally = Tally(0, (0,) * len(poll.options) if polls.shows_counts(poll) else None)
            poll.tally_at = stamped.at
        case ev.BallotCast():
            poll = _poll(state, event.poll)
            poll.ballots[event.by] = event.choices
            if event.by not in poll.voted:
                poll.voted.append(event.by)
        case ev.PollVoted():
            _poll(state, event.poll).voted.append(event.by)
        case ev.PollTally():
            poll = _poll(state, event.poll)
            poll.tally = Tally(event.voted, event.counts)
            poll.tally_at = stamped.at
        case ev.PollClosed():
            _poll(state, event.poll).status = PollStatus.CLOSED
        case ev.PollResult():
            poll = _poll(state, event.poll)
            poll.result = Counted(event.eligible, event.voted, event.quorum_met, event.counts)
        case ev.PollRemoved():
            state.polls.polls.remove(_poll(state, event.poll))
        # Ending the meeting
        case ev.MeetingEnded():
            state.ended_at = stamped.at
        # The doors
        case ev.MeetingLocked():
            state.locked = True
        case ev.MeetingUnlocked():
            state.locked = False
        # The lobby
        case ev.LobbySet():
            state.lobby_mode = event.mode
        case ev.Knocked():
            state.lobby[event.waiting.id] = event.waiting
        case ev.LetIn() | ev.TurnedAway() | ev.LeftLobby():
            del state.lobby[event.participant]
        # The organiser's
        case ev.MeetingScheduled():
            state.title = event.title
            state.starts_at = event.starts_at
            state.ends_at = event.ends_at
            state.description = event.description
            state.language = event.language
        case ev.LinkReissued():
            state.link_generations[event.role] = event.generation
        case ev.InviteesImported():
            state.invitees.update({invitee.id: invitee for invitee in event.invitees})
        case ev.InviteeRemoved():
            state.invitees.pop(event.invitee, None)
        case ev.InviteePreassigned():
            state.invitees[event.invitee] = replace(state.invitees[event.invitee], room=event.room)
        # Workshop notes
        case ev.RapporteurChanged():
            _notes(state, event.room).rapporteur = event.rapporteur
        case ev.NotesEditingChanged():
            _notes(state, event.room).editing = event.editing
        case ev.NotesEdited():
            edited = _notes(state, event.room)
            edited.text = event.text
            edited.version = event.version
            edited.updated_at = stamped.at
            edited.updated_by = event.by
        # Report-back
        case ev.ReportBackStarted():
            state.report_back = ReportBack(running=True, waiting=list(event.rooms))
        case ev.ReportCalled():
            _report_called(state, event)
        case ev.ReportEnded():
            state.report_back.done.append(event.room)
            state.report_back.current = None
        case ev.ReportMoved():
            state.report_back.waiting.remove(event.room)
            state.report_back.waiting.insert(event.place - 1, event.room)
        case ev.ReportBackEnded():
            state.report_back = ReportBack()
        # Contacts between leaders: the directory event is derived, for its one reader.
        case ev.ContactShared():
            state.contacts[event.card.participant] = event.card
        case ev.ContactDirectory():
            pass
        case ev.ContactWithdrawn():
            del state.contacts[event.participant]
        case _:
            assert_never(event)


def _forget(state: MeetingState, participant: ParticipantId) -> None:
    del state.participants[participant]
    state.plan.pop(participant, None)
    if participant in state.hand_queue:
        state.hand_queue.remove(participant)
    if state.floor == participant:
        state.floor = None
        state.floor_clock = FloorClock()
        _end_turn(state)  # Showcase
    if participant in state.audio_blocked:
        state.audio_blocked.remove(participant)
    state.help_queue = [c for c in state.help_queue if c.participant != participant]


# The agenda -----------------------------------------------------------------------------------


def _set_agenda(state: MeetingState, event: ev.AgendaSet, at: float) -> None:
    agenda = state.agenda
    before = {item.id: item for item in agenda.items}
    if agenda.current is not None and all(p.id != agenda.current for p in event.items):
        _end_current(state, at, ItemStatus.DONE)
    items = []
    for plan in event.items:
        old = before.get(plan.id)
        if old is None:
            agenda.items_created += 1
        items.append(
            AgendaItem(
                plan.id,
                plan.title,
                plan.minutes,
                plan.presenters,
                old.status if old else ItemStatus.PENDING,
                old.used_s if old else 0.0,
            )
        )
    agenda.items = items


def _end_current(state: MeetingState, at: float, status: ItemStatus) -> None:
    """The current item's run ends at `at`, its time added to what it used; none is current."""
    agenda = state.agenda
    if agenda.current is None:
        return
    item = _agenda_item(state, agenda.current)
    if agenda.current_since is not None:
        item.used_s += at - agenda.current_since
    item.status = status
    agenda.current = None
    agenda.current_since = None


def _agenda_item(state: MeetingState, item_id: AgendaItemId) -> AgendaItem:
    item = state.agenda.item(item_id)
    assert item is not None, f"no agenda item {item_id}"
    return item


# Questions to the panel -----------------------------------------------------------------------


def _question(state: MeetingState, question_id: QuestionId) -> Question:
    question = state.questions.question(question_id)
    assert question is not None, f"no question {question_id}"
    return question


# Showcase -------------------------------------------------------------------------------------


def _end_turn(state: MeetingState) -> None:
    """The presenter lost the floor: their turn is done."""
    for turn in state.showcase.turns:
        if turn.status is TurnStatus.PRESENTING:
            turn.status = TurnStatus.DONE
# Polls ----------------------------------------------------------------------------------------


def _poll(state: MeetingState, poll_id: PollId) -> Poll:
    poll = state.polls.poll(poll_id)
    assert poll is not None, f"no poll {poll_id}"
    return poll


# Workshop notes -------------------------------------------------------------------------------


def _notes(state: MeetingState, room: RoomId) -> RoomNotes:
    """The room's notes, made for a room created before notes existed (an older snapshot)."""
    if room not in state.notes:
        state.notes[room] = RoomNotes(room, state.workshops[room].name)
    return state.notes[room]


# Report-back ----------------------------------------------------------------------------------


def _report_called(state: MeetingState, event: ev.ReportCalled) -> None:
    report_back = state.report_back
    for rooms in (report_back.waiting, report_back.done):
        if event.room in rooms:
            rooms.remove(event.room)
    report_back.current = event.room
    # The notes as shown: the meeting has them already; a copy that followed the events without
    # the room's edits (a client not in the room) is brought up to date by them.
    notes = state.notes.get(event.room)
    if notes is not None and event.version >= notes.version:
        notes.text = event.text
        notes.version = event.version
