"""Where this process finds its meetings: the interface, and its in-process implementation.

A `MeetingHandle` is one meeting as the signalling endpoint uses it: the meeting's state as
this process knows it, a way to submit commands, the events a resuming client missed, and the
connections here that receive its events. `LocalHub` keeps every meeting in this process (the
embedded default); `server.cluster.hub.RedisHub` shares them between processes through Redis.
The hub is chosen once, at start-up, from the settings.
"""

import secrets
from collections import deque
from collections.abc import Callable
from typing import Protocol

from rooms import Meeting, MeetingConfig, MeetingId, ParticipantId, Stamped
from rooms import commands as cmd
from server.clock import Clock
from server.meetings.ballot_box import BallotBox
from server.meetings.deadlines import Deadlines
from server.meetings.fanout import Fanout, Listener


class Unavailable(Exception):
    """The meeting's writer could not be reached in time; the command may be sent again."""


class MeetingHandle(Protocol):
    @property
    def meeting(self) -> Meeting: ...

    async def submit(self, actor: ParticipantId | None, command: cmd.Command) -> int:
        """Apply `command` and return the sequence number after it; raises `rooms.Rejected`.

        When it returns, `meeting.state` already holds the command's events.
        """
        ...

    async def events_after(self, seq: int) -> list[Stamped] | None:
        """The events after `seq`, or None when they are no longer kept."""
        ...

    def attach(self, listener: Listener) -> Listener | None: ...

    def detach(self, listener: Listener) -> bool: ...


class Hub(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def create(
        self, title: str, starts_at: float | None, ends_at: float | None = None
    ) -> MeetingHandle: ...

    async def open(self, meeting_id: MeetingId) -> MeetingHandle | None: ...

    def __len__(self) -> int: ...


class EventLog:
    """The latest events of a meeting, for clients that resume."""

    def __init__(self, size: int) -> None:
        self._events: deque[Stamped] = deque(maxlen=size)

    def append(self, stamped: Stamped) -> None:
        self._events.append(stamped)

    def clear(self) -> None:
        """Forget every event: the state jumped past some that were never here (a snapshot)."""
        self._events.clear()

    def after(self, seq: int, current: int) -> list[Stamped] | None:
        if seq == current:
            return []
        if not self._events or self._events[0].seq > seq + 1 or seq > current:
            return None
        return [s for s in self._events if s.seq > seq]


class HostedMeeting:
    """What every home of a meeting keeps: its core, its latest events, this process's clients."""

    def __init__(self, meeting: Meeting, log_size: int) -> None:
        self.meeting = meeting
        self.fanout = Fanout()
        # Called with each event once it is in the state and sent (the media bridge).
        self.observers: list[Callable[[Stamped], None]] = []
        self._log = EventLog(log_size)

    async def events_after(self, seq: int) -> list[Stamped] | None:
        return self._log.after(seq, self.meeting.state.seq)

    def attach(self, listener: Listener) -> Listener | None:
        return self.fanout.attach(listener)

    def detach(self, listener: Listener) -> bool:
        return self.fanout.detach(listener)

    def _pass_on(self, stamped: Stamped) -> None:
        """An event now in the state: keep it for resuming clients and send it to this one's."""
        self._log.append(stamped)
        self.fanout.deliver(stamped)
        for observer in list(self.observers):
            observer(stamped)


class LocalMeeting(HostedMeeting):
    """A meeting whose only writer is this process."""

    def __init__(
        self,
        meeting: Meeting,
        log_size: int,
        clock: Clock,
        ghost_grace_s: float,
        ballot_box: BallotBox,
    ) -> None:
        super().__init__(meeting, log_size)
        self._clock = clock
        self.deadlines = Deadlines(
            meeting, lambda c: self.submit(None, c), clock, ghost_grace_s, ballot_box
        )

    async def submit(self, actor: ParticipantId | None, command: cmd.Command) -> int:
        for stamped in self.meeting.handle(actor, command, self._clock()):
            self._pass_on(stamped)
        self.deadlines.reschedule()
        return self.meeting.state.seq


class LocalHub:
    def __init__(
        self,
        config: MeetingConfig,
        log_size: int,
        clock: Clock,
        ghost_grace_s: float,
        ballot_box: BallotBox,
    ) -> None:
        self._config = config
        self._ballot_box = ballot_box
        self._log_size = log_size
        self._clock = clock
        self._ghost_grace_s = ghost_grace_s
        self._meetings: dict[MeetingId, LocalMeeting] = {}

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        for live in self._meetings.values():
            live.deadlines.stop()

    async def create(
        self, title: str, starts_at: float | None, ends_at: float | None = None
    ) -> LocalMeeting:
        meeting_id = MeetingId(secrets.token_urlsafe(9))
        meeting = Meeting.create(meeting_id, title, self._config, starts_at, ends_at)
        live = LocalMeeting(
            meeting, self._log_size, self._clock, self._ghost_grace_s, self._ballot_box
        )
        self._meetings[meeting_id] = live
        return live

    async def open(self, meeting_id: MeetingId) -> LocalMeeting | None:
        return self._meetings.get(meeting_id)

    def get(self, meeting_id: MeetingId) -> LocalMeeting | None:
        return self._meetings.get(meeting_id)

    def __len__(self) -> int:
        return len(self._meetings)
