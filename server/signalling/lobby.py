"""A connection waiting in the lobby (`rooms.lobby`) until a moderator lets it in or turns it away.

The lobby cannot be bypassed: a waiting socket is not attached to the meeting's fan-out, so no
event, chat or media reaches it, and every message it sends is answered with a `waiting` error
and goes nowhere (nor is it a strike: a client may not know yet; the rate limits still hold).
It gets `lobby` (the meeting's title and its place in the queue, again whenever that moves),
then either `admitted`, after which the greeting welcomes it as any newcomer, or a close:
turned away (4014), replaced by a newer socket of the same person (4009), the meeting ended
(4011) or deleted by the organiser (4013), its personal link withdrawn (4001). Its place is kept
in the meeting's state, so admission reaches it on whichever worker holds it: each worker sees
the meeting's events, and this watches them.
"""

import asyncio
import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

from rooms import ParticipantId, Rejected, Stamped
from rooms import commands as cmd
from rooms import events as ev
from rooms.ending import ended
from rooms.model import MeetingState
from server.meetings.hub import DELETED_REASON, Deleted, MeetingHandle
from server.protocol.close_codes import CloseCode
from server.protocol.error_codes import ErrorCode
from server.protocol.wire import WireError, encode_message, reply_error
from server.signalling.connection import Connection
from server.signalling.gate import Gate

log = logging.getLogger("plenum.signalling")

# How often a waiting socket looks at the meeting's state itself, besides its events: with
# Redis, a worker that missed events starts again from a snapshot and passes none of them on.
RECHECK_S = 5.0


@dataclass(frozen=True)
class Lobby:
    """You wait for a moderator: `position` is your place in the queue (1 is next)."""

    title: str
    position: int


@dataclass(frozen=True)
class Admitted:
    """A moderator let you in: the `welcome` follows."""


# The lobby's own messages, by their name on the wire (docs/protocol.md).
MESSAGES: dict[str, type] = {"lobby": Lobby, "admitted": Admitted}


# The events that may move someone's place in the queue.
_QUEUE_MOVES = (ev.Knocked, ev.LetIn, ev.TurnedAway, ev.LeftLobby)


class Verdict(Enum):
    ADMITTED = "admitted"
    TURNED_AWAY = "turned_away"
    REPLACED = "replaced"
    ENDED = "ended"
    DELETED = "deleted"
    WITHDRAWN = "withdrawn"


async def wait(connection: Connection, gate: Gate, live: MeetingHandle, who: ParticipantId) -> bool:
    """Hold the connection in the lobby; True once admitted (nothing of it read after that), False
    once it is closed."""
    verdict: asyncio.Future[Verdict] = asyncio.get_running_loop().create_future()
    position = 0

    def settle(outcome: Verdict | None) -> None:
        if outcome is not None and not verdict.done():
            verdict.set_result(outcome)

    def tell_position() -> None:
        nonlocal position
        state = live.meeting.state
        if who in state.lobby and (now := list(state.lobby).index(who) + 1) != position:
            position = now
            connection.deliver(encode_message(Lobby(state.title, position)))

    def observe(stamped: Stamped) -> None:
        settle(_verdict_of(stamped.event, who, connection.id))
        if not verdict.done() and isinstance(stamped.event, _QUEUE_MOVES):
            tell_position()

    def deleted() -> None:
        settle(Verdict.DELETED)

    live.observers.append(observe)
    live.on_deleted.append(deleted)
    tell_position()
    settle(_verdict_from(live.meeting.state, who, connection.id))
    reading: asyncio.Task[bytes] | None = None
    admitted = False
    try:
        while not verdict.done():
            if reading is None:
                reading = asyncio.create_task(gate.receive())
            either: set[asyncio.Future[Any]] = {reading, verdict}
            await asyncio.wait(either, timeout=RECHECK_S, return_when=asyncio.FIRST_COMPLETED)
            if reading.done():
                _refuse(gate, reading)
                reading = None
            settle(_verdict_from(live.meeting.state, who, connection.id))
        admitted = _close_unless_admitted(connection, verdict.result())
        return admitted
    finally:
        live.observers.remove(observe)
        live.on_deleted.remove(deleted)
        if reading is not None:
            reading.cancel()
            await asyncio.gather(reading, return_exceptions=True)
        if not admitted:
            await _leave(live, who, connection)


def _verdict_of(event: ev.Event, who: ParticipantId, connection: str) -> Verdict | None:
    match event:
        case ev.LetIn(participant=p) if p == who:
            return Verdict.ADMITTED
        case ev.TurnedAway(participant=p) if p == who:
            return Verdict.TURNED_AWAY
        case ev.Knocked(waiting=w) if w.id == who and w.connection != connection:
            return Verdict.REPLACED
        case ev.MeetingEnded():
            return Verdict.ENDED
        case ev.InviteeRemoved(invitee=p) if p == who:
            return Verdict.WITHDRAWN
    return None


def _verdict_from(state: MeetingState, who: ParticipantId, connection: str) -> Verdict | None:
    """The verdict the state shows, for events this worker did not pass on."""
    if ended(state):
        return Verdict.ENDED
    if who in state.participants:
        return Verdict.ADMITTED
    waiting = state.lobby.get(who)
    if waiting is None:
        return Verdict.TURNED_AWAY
    return Verdict.REPLACED if waiting.connection != connection else None


def _refuse(gate: Gate, reading: asyncio.Task[bytes]) -> None:
    """Answer what a waiting client sent: nothing is possible before a moderator lets it in.
    A disconnect or the server's close ends the wait (raised from `reading`)."""
    try:
        inbound = gate.decode(reading.result())
    except WireError as error:
        gate.refuse(error)
        return
    gate.refuse(
        WireError(
            ErrorCode.WAITING,
            "you are waiting for a moderator to let you in: nothing else is possible until then",
        ),
        inbound.ref,
    )


def _close_unless_admitted(connection: Connection, verdict: Verdict) -> bool:
    match verdict:
        case Verdict.ADMITTED:
            connection.deliver(encode_message(Admitted()))
            return True
        case Verdict.TURNED_AWAY:
            message = "a moderator did not let you in to this meeting"
            connection.deliver(reply_error(ErrorCode.TURNED_AWAY, message))
            connection.close(CloseCode.TURNED_AWAY, message)
        case Verdict.REPLACED:
            connection.close(CloseCode.REPLACED, "the same person is waiting on another page")
        case Verdict.ENDED:
            connection.close(CloseCode.MEETING_ENDED, "the meeting has ended")
        case Verdict.DELETED:
            connection.close(CloseCode.MEETING_DELETED, DELETED_REASON)
        case Verdict.WITHDRAWN:
            # As the withdrawn link's hello would be refused (`server.links.invitee_of`).
            message = (
                "this personal link was withdrawn by the organiser: ask them for an invitation"
            )
            connection.deliver(reply_error(ErrorCode.LINK_REVOKED, message))
            connection.close(CloseCode.BAD_TOKEN, message)
    return False


async def _leave(live: MeetingHandle, who: ParticipantId, connection: Connection) -> None:
    """This socket's goodbye: it leaves the lobby unless a newer one of the same person waits
    there now, or the moderator's verdict already took it out."""
    try:
        await live.submit(None, cmd.Disconnect(who, connection.id))
    except (Rejected, Deleted):
        pass  # the meeting ended, or was deleted, meanwhile: nobody waits in it any more
    except Exception:
        log.exception("could not take %s out of the lobby", who)
