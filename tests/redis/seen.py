"""What a person sees of the meeting: their latest snapshot with every event since applied.

A client replays what it received the way a browser does: a `welcome` with a snapshot replaces
what it knew, a `welcome` without one is followed by what it missed, and each event changes the
state as `rooms.evolve` says. A gap in `seq` is an event meant for others (a room's chat, say).
`Seen` then writes that state in people's names, so runs with different ids compare equal.
"""

from dataclasses import dataclass

from rooms import MeetingState, Stamped
from rooms.evolve import apply
from rooms.plain import from_plain
from server.protocol.wire import ENVELOPE, EVENTS
from tests.e2e.wsclient import Client, Message

STAMP = ("seq", "at")


def meeting_seen_by(client: Client) -> MeetingState:
    state: MeetingState | None = None
    chat_history = 0
    for message in client.messages:
        kind = message["type"]
        if kind == "welcome":
            chat_history = message["limits"]["chat_history"]
            if message["snapshot"] is not None:
                state = from_plain(MeetingState, message["snapshot"])
            else:
                assert state is not None, f"{client.name}: a replay with nothing to replay onto"
                assert message["seq"] == state.seq, f"{client.name}: resumed at another seq"
        elif kind in EVENTS:
            assert state is not None, f"{client.name}: an event before the welcome"
            seq = message["seq"]
            assert seq > state.seq, f"{client.name}: event {seq} after {state.seq}"
            state.seq = seq - 1
            apply(state, _stamped(message), chat_history)
    assert state is not None, f"{client.name} was never welcomed"
    return state


def _stamped(message: Message) -> Stamped:
    fields = {k: v for k, v in message.items() if k not in (*ENVELOPE, *STAMP)}
    event = from_plain(EVENTS[message["type"]], fields)
    return Stamped(message["seq"], message["at"], event)


@dataclass(frozen=True)
class Seen:
    """A meeting in people's names: what must be the same however many workers served it."""

    phase: str
    clock_running: bool
    # name: (room, role, connected)
    people: dict[str, tuple[str, str, bool]]
    rooms: dict[str, str]
    plan: dict[str, str]
    hands: list[str]
    floor: str | None
    help: list[str]
    # (sender, room, text), oldest first
    chat: list[tuple[str, str, str]]

    @classmethod
    def of(cls, state: MeetingState) -> "Seen":
        names = {p.id: p.name for p in state.participants.values()}
        assert len(set(names.values())) == len(names), "every test participant has its own name"
        return cls(
            phase=state.phase,
            clock_running=state.clock.deadline is not None,
            people={p.name: (p.room, p.role, p.connected) for p in state.participants.values()},
            rooms={room.id: room.name for room in state.workshops.values()},
            plan={names[p]: room for p, room in state.plan.items()},
            hands=[names[p] for p in state.hand_queue],
            floor=names[state.floor] if state.floor is not None else None,
            help=[names[call.participant] for call in state.help_queue],
            chat=[(names.get(c.sender, "?"), c.room, c.text) for c in state.chat],
        )


def seen_by(client: Client) -> Seen:
    return Seen.of(meeting_seen_by(client))
