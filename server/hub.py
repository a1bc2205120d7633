"""The meetings this process runs, their clocks, and the delivery of their events.

This is the in-process home of a meeting: one `Meeting` core per meeting, applied from the event
loop's single thread, so commands are handled one at a time in arrival order. Each event is
encoded once and the same bytes go to every connection allowed to see it.
"""

import asyncio
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from rooms import Meeting, MeetingConfig, MeetingId, ParticipantId, Stamped
from rooms import commands as cmd
from rooms import events as ev
from server.close_codes import CloseCode
from server.wire import encode_event

Clock = Callable[[], float]


class Listener(Protocol):
    """A client connection as the hub sees it: who it is, and a way to hand it bytes."""

    participant: ParticipantId
    # Events up to this number are already in what the client has (its snapshot or replay).
    seen_seq: int

    def deliver(self, frame: bytes) -> None: ...

    def close(self, code: CloseCode, reason: str) -> None: ...


class LiveMeeting:
    def __init__(self, meeting: Meeting, log_size: int, clock: Clock) -> None:
        self.meeting = meeting
        self.log: deque[Stamped] = deque(maxlen=log_size)
        self.listeners: dict[ParticipantId, Listener] = {}
        self._clock = clock
        self._wakeup: float | None = None
        self._timer: asyncio.Task[None] | None = None

    def submit(self, actor: ParticipantId | None, command: cmd.Command) -> list[Stamped]:
        """Apply a command now and deliver its events; raises `rooms.Rejected` if refused."""
        stamped = self.meeting.handle(actor, command, self._clock())
        for one in stamped:
            self.log.append(one)
            self._deliver(one)
            if isinstance(one.event, ev.ParticipantRemoved):
                removed = self.listeners.pop(one.event.participant, None)
                if removed is not None:
                    removed.close(CloseCode.REMOVED, "removed by a moderator")
        self._schedule()
        return stamped

    def events_after(self, seq: int) -> list[Stamped] | None:
        """The events after `seq`, or None when the log no longer reaches back that far."""
        if seq == self.meeting.state.seq:
            return []
        if not self.log or self.log[0].seq > seq + 1 or seq > self.meeting.state.seq:
            return None
        return [s for s in self.log if s.seq > seq]

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

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _deliver(self, stamped: Stamped) -> None:
        frame = encode_event(stamped)
        if stamped.audience is None:
            targets = list(self.listeners.values())
        else:
            targets = [self.listeners[p] for p in stamped.audience if p in self.listeners]
        for listener in targets:
            if stamped.seq > listener.seen_seq:
                listener.deliver(frame)

    def _schedule(self) -> None:
        wakeup = self.meeting.next_wakeup()
        if wakeup == self._wakeup:
            return
        self.stop()
        self._wakeup = wakeup
        self._timer = None if wakeup is None else asyncio.create_task(self._tick_at(wakeup))

    async def _tick_at(self, wakeup: float) -> None:
        await asyncio.sleep(max(0.0, wakeup - self._clock()))
        self._timer = None
        self._wakeup = None
        self.submit(None, cmd.Tick())


class Hub:
    def __init__(self, config: MeetingConfig, log_size: int, clock: Clock = time.time) -> None:
        self._config = config
        self._log_size = log_size
        self._clock = clock
        self._meetings: dict[MeetingId, LiveMeeting] = {}

    def create(self, title: str, starts_at: float | None = None) -> LiveMeeting:
        meeting_id = MeetingId(secrets.token_urlsafe(9))
        meeting = Meeting.create(meeting_id, title, self._config, starts_at)
        live = LiveMeeting(meeting, self._log_size, self._clock)
        self._meetings[meeting_id] = live
        return live

    def get(self, meeting_id: MeetingId) -> LiveMeeting | None:
        return self._meetings.get(meeting_id)

    def __len__(self) -> int:
        return len(self._meetings)

    def stop(self) -> None:
        for live in self._meetings.values():
            live.stop()
