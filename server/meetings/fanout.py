"""Handing a meeting's events to the connections of this process that may see them.

Each event is encoded once and the same bytes go to every connection in its audience; a
connection gets only events after what its snapshot or replay already held.
"""

from typing import Protocol

from rooms import ParticipantId, Stamped
from rooms import events as ev
from server.protocol.close_codes import CloseCode
from server.protocol.wire import encode_event


class Listener(Protocol):
    """A client connection as a meeting sees it: who it is, and a way to hand it bytes."""

    participant: ParticipantId
    # Events up to this number are already in what the client has (its snapshot or replay).
    seen_seq: int

    def deliver(self, frame: bytes) -> None: ...

    def close(self, code: CloseCode, reason: str) -> None: ...


class Fanout:
    def __init__(self) -> None:
        self.listeners: dict[ParticipantId, Listener] = {}

    def attach(self, listener: Listener) -> Listener | None:
        """Route the participant's events to `listener`; returns the connection it replaces."""
        previous = self.listeners.get(listener.participant)
        self.listeners[listener.participant] = listener
        return previous

    def detach(self, listener: Listener) -> bool:
        """Stop routing to `listener`; False if a newer connection had already replaced it."""
        if self.listeners.get(listener.participant) is not listener:
            return False
        del self.listeners[listener.participant]
        return True

    def deliver(self, stamped: Stamped) -> None:
        if isinstance(stamped.event, ev.ParticipantReconnected):
            # Back on a newer connection (attached after this event, here or on another
            # worker): the one still attached here is the older, and acts for nobody now.
            older = self.listeners.pop(stamped.event.participant, None)
            if older is not None:
                older.close(CloseCode.REPLACED, "the same participant connected again")
        frame = encode_event(stamped)
        if stamped.audience is None:
            targets = list(self.listeners.values())
        else:
            targets = [self.listeners[p] for p in stamped.audience if p in self.listeners]
        for listener in targets:
            if stamped.seq > listener.seen_seq:
                listener.deliver(frame)
        if isinstance(stamped.event, ev.ParticipantRemoved):
            gone = self.listeners.pop(stamped.event.participant, None)
            if gone is not None:
                gone.close(CloseCode.REMOVED, "removed by a moderator")
        elif isinstance(stamped.event, ev.MeetingEnded):
            # Everyone here has the event (their ended screen): then their sockets close, with
            # a code that tells the client not to come back (rooms.ending).
            self.close_all(CloseCode.MEETING_ENDED, "the meeting has ended")
        elif isinstance(stamped.event, ev.ParticipantDisconnected):
            # Marked gone while its socket here is open (the writer judged this worker dead
            # during a Redis outage): have the client resume, which reconnects it.
            stale = self.listeners.pop(stamped.event.participant, None)
            if stale is not None:
                stale.close(CloseCode.RESYNC, "the meeting lost track of you: resume")

    def close_all(self, code: CloseCode, reason: str) -> None:
        for listener in list(self.listeners.values()):
            listener.close(code, reason)
        self.listeners.clear()
