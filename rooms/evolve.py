"""How each event changes the state: the only place the state is written.

The phase follows `rooms.phases.TRANSITIONS`; each event's other changes are below.
"""

from typing import assert_never

from rooms import events as ev
from rooms.ids import PLENARY, ParticipantId
from rooms.model import (
    ChatMessage,
    Clock,
    FloorClock,
    HelpCall,
    MeetingState,
    Participant,
    Workshop,
)
from rooms.phases import next_phase


def apply(state: MeetingState, stamped: ev.Stamped, chat_history: int) -> None:
    """Apply one event in place; events must come in sequence order."""
    if stamped.seq != state.seq + 1:
        raise ValueError(f"event {stamped.seq} does not follow {state.seq}")
    event = stamped.event
    # Looked up before anything is written: a move the table lacks leaves the state as it was.
    phase = next_phase(state.phase, event)
    state.seq = stamped.seq
    state.phase = phase
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
        case ev.RoomCreated():
            state.workshops[event.room] = Workshop(event.room, event.name)
            state.rooms_created += 1
        case ev.RoomRenamed():
            workshop = state.workshops[event.room]
            workshop.name = event.name
            workshop.topic = event.topic
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
    if participant in state.audio_blocked:
        state.audio_blocked.remove(participant)
    state.help_queue = [c for c in state.help_queue if c.participant != participant]
