"""Where this process finds its meetings: the interface, and its in-process implementation.

A `MeetingHandle` is one meeting as the signalling endpoint uses it: the meeting's state as
this process knows it, a way to submit commands, the events a resuming client missed, and the
connections here that receive its events. `LocalHub` keeps every meeting in this process (the
embedded default), and in its store (`server.meetings.store`), which brings them back at start;
`server.cluster.hub.RedisHub` shares them between processes through Redis. The hub is chosen
once, at start-up, from the settings.
"""

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from rooms import (
    Meeting,
    MeetingConfig,
    MeetingId,
    MeetingState,
    ParticipantId,
    Rejected,
    Stamped,
)
from rooms import commands as cmd
from rooms import events as ev
from server.cancelling import cancel_and_wait
from server.clock import Clock
from server.meetings import records
from server.meetings.ballot_box import BallotBox
from server.meetings.deadlines import Deadlines
from server.meetings.fanout import Fanout, Listener
from server.meetings.replay import replay_in_order
from server.meetings.store import MeetingStore, StoredMeeting
from server.protocol.close_codes import CloseCode

log = logging.getLogger("plenum.hub")

# How often the hub looks for meetings past their retention, at most.
SWEEP_EVERY_S = 3600.0


class Unavailable(Exception):
    """The meeting's writer could not be reached in time; the command may be sent again."""


# Why the sockets of a deleted meeting close, on every worker.
DELETED_REASON = "the organiser deleted this meeting"


class Deleted(Unavailable):
    """The organiser deleted the meeting while a command for it was on its way."""

    def __init__(self) -> None:
        super().__init__(DELETED_REASON)


class MeetingHandle(Protocol):
    @property
    def meeting(self) -> Meeting: ...

    # Called with each event once it is in the state and passed on (the media bridge, the lobby).
    observers: list[Callable[[Stamped], None]]
    # Called when the organiser deletes it (the lobby's waiting sockets, in no fan-out).
    on_deleted: list[Callable[[], None]]

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

    async def meeting_ids(self) -> list[MeetingId]:
        """Every meeting this hub keeps (with Redis: every worker's), in no order; raises
        `Unavailable` when the store is out of reach."""
        ...

    async def read(self, meeting_id: MeetingId) -> MeetingState | None:
        """The meeting's state as it is now, without hosting it in this process (with Redis: no
        replica, no lease), or None; for a look at many meetings at once."""
        ...

    async def delete(self, meeting_id: MeetingId) -> bool:
        """Delete the meeting and all its data from every store, closing its sockets on every
        worker with `CloseCode.MEETING_DELETED`; False if there was no such meeting. Raises
        `Unavailable` when a store is out of reach: the meeting is then not deleted, or not
        wholly (the request may be sent again)."""
        ...

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
        # Called when the organiser deletes it: those waiting in its lobby are in no fan-out.
        self.on_deleted: list[Callable[[], None]] = []
        self._log = EventLog(log_size)
        # Set when the organiser deleted it: a command still on its way is refused, not stored.
        self.deleted = False

    async def events_after(self, seq: int) -> list[Stamped] | None:
        return self._log.after(seq, self.meeting.state.seq)

    def attach(self, listener: Listener) -> Listener | None:
        return self.fanout.attach(listener)

    def detach(self, listener: Listener) -> bool:
        return self.fanout.detach(listener)

    def close_as_deleted(self) -> None:
        """The organiser deleted the meeting: close its sockets here, take no more commands."""
        self.deleted = True
        self.fanout.close_all(CloseCode.MEETING_DELETED, DELETED_REASON)
        for watcher in list(self.on_deleted):
            watcher()

    def replayed(self, stamped: Stamped) -> None:
        """A stored event brought back into the state (nobody here to send it to yet)."""
        self.meeting.replay(stamped)
        self._log.append(stamped)

    def _pass_on(self, stamped: Stamped) -> None:
        """An event now in the state: keep it for resuming clients and send it to this one's."""
        self._log.append(stamped)
        self.fanout.deliver(stamped)
        for observer in list(self.observers):
            observer(stamped)


def kept_from(meeting: Meeting, now: float) -> float:
    """From when a meeting's `retention_s` counts: its last event, or its end if that is later,
    so that a forum weeks away keeps its links until its end plus the retention, as with Redis
    (`server.links.kept_for_ms`)."""
    ends_at = meeting.state.ends_at
    return now if ends_at is None else max(now, ends_at)


@dataclass(frozen=True)
class Keeping:
    """Where a local meeting is kept, and how: its store, a snapshot every `snapshot_every`
    events, and for how long after its last event (`retention_s`)."""

    store: MeetingStore
    snapshot_every: int
    retention_s: float


class LocalMeeting(HostedMeeting):
    """A meeting whose only writer is this process."""

    def __init__(
        self,
        meeting: Meeting,
        log_size: int,
        clock: Clock,
        ghost_grace_s: float,
        ballot_box: BallotBox,
        keeping: Keeping,
        touched: float,
    ) -> None:
        super().__init__(meeting, log_size)
        self._clock = clock
        self._keeping = keeping
        # When its last event was, or its end if later: it is forgotten `retention_s` after.
        self.touched = touched
        self._since_snapshot = 0
        self.deadlines = Deadlines(
            meeting, lambda c: self.submit(None, c), clock, ghost_grace_s, ballot_box
        )

    async def submit(self, actor: ParticipantId | None, command: cmd.Command) -> int:
        if self.deleted:
            raise Deleted()
        stamped = self.meeting.handle(actor, command, self._clock())
        # Sent on at once, and stored before the command is answered: the answer says the
        # events are kept. A crash in between loses events nobody was told were kept.
        for one in stamped:
            self._pass_on(one)
        self.deadlines.reschedule()
        seq = self.meeting.state.seq
        if stamped:
            await self._keep(stamped)
        return seq

    async def _keep(self, stamped: Sequence[Stamped]) -> None:
        self.touched = kept_from(self.meeting, self._clock())
        self._since_snapshot += len(stamped)
        store = self._keeping.store
        # A new schedule moves how long the meeting is kept: the store reads that from the
        # snapshot's `touched`, so it is stored at once.
        rescheduled = any(isinstance(one.event, ev.MeetingScheduled) for one in stamped)
        try:
            # Queued in the store at once (before any await), so in the order of the events.
            await store.append(self.meeting.state.id, stamped)
            # Deleted while the events were written: a snapshot now, queued after the store's
            # deletion, would write the meeting back.
            due = rescheduled or self._since_snapshot >= self._keeping.snapshot_every
            if due and not self.deleted:
                await self.snapshot()
        except Exception as error:
            log.error("meeting %s: storing events failed: %s", self.meeting.state.id, error)
            raise Unavailable(f"the meeting could not be stored: {error}") from error

    async def snapshot(self) -> None:
        """Store the state as it is: every event in it was queued in the store before."""
        self._since_snapshot = 0
        state = self.meeting.state
        await self._keeping.store.snapshot(state.id, state.seq, records.pack(state), self.touched)


class LocalHub:
    def __init__(
        self,
        config: MeetingConfig,
        log_size: int,
        clock: Clock,
        ghost_grace_s: float,
        ballot_box: BallotBox,
        keeping: Keeping,
    ) -> None:
        self._config = config
        self._ballot_box = ballot_box
        self._log_size = log_size
        self._clock = clock
        self._ghost_grace_s = ghost_grace_s
        self._keeping = keeping
        self._meetings: dict[MeetingId, LocalMeeting] = {}
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Bring back every meeting kept within the retention period."""
        since = self._clock() - self._keeping.retention_s
        await self._keeping.store.forget_before(since)
        for stored in await self._keeping.store.load(since):
            await self._restore(stored)
        if self._meetings:
            log.info("%d meetings brought back from the store", len(self._meetings))
        self._sweeper = asyncio.create_task(self._sweep_now_and_then())

    async def stop(self) -> None:
        if self._sweeper is not None:
            await cancel_and_wait(self._sweeper)
        for live in self._meetings.values():
            live.deadlines.stop()
        await self._keeping.store.close()

    async def create(
        self, title: str, starts_at: float | None, ends_at: float | None = None
    ) -> LocalMeeting:
        meeting_id = MeetingId(secrets.token_urlsafe(9))
        meeting = Meeting.create(meeting_id, title, self._config, starts_at, ends_at)
        live = self._host(meeting, kept_from(meeting, self._clock()))
        await live.snapshot()
        self._meetings[meeting_id] = live
        return live

    def _host(self, meeting: Meeting, touched: float) -> LocalMeeting:
        return LocalMeeting(
            meeting,
            self._log_size,
            self._clock,
            self._ghost_grace_s,
            self._ballot_box,
            self._keeping,
            touched,
        )

    async def _restore(self, stored: StoredMeeting) -> None:
        meeting = Meeting(records.snapshot_from(stored.snapshot), self._config)
        live = self._host(meeting, stored.touched)
        events = [records.event_from(record) for record in stored.events]
        if not await replay_in_order(meeting, events, live.replayed):
            log.error("meeting %s: its stored events have a hole", meeting.state.id)
        self._meetings[meeting.state.id] = live
        # Nobody is connected to a process that has just started: whoever was keeps their place
        # for the grace period, to come back with their resume token, as after a network blip.
        for person in list(meeting.state.participants.values()):
            if person.connected:
                with contextlib.suppress(Rejected):
                    await live.submit(None, cmd.Disconnect(person.id))
        # Nor is anyone waiting in the lobby: they knock again when their page reconnects.
        for waiting in list(meeting.state.lobby):
            with contextlib.suppress(Rejected):
                await live.submit(None, cmd.Disconnect(waiting))
        # The workshops' clock, ghosts, a secret poll closed and not yet counted: due as before.
        live.deadlines.reschedule()

    async def _sweep_now_and_then(self) -> None:
        every = min(SWEEP_EVERY_S, self._keeping.retention_s)
        while True:
            await asyncio.sleep(every)
            try:
                await self.sweep()
            except Exception:
                log.exception("forgetting meetings past their retention failed")

    async def sweep(self) -> None:
        """Forget the meetings nothing happened in for `retention_s`, as Redis lets them go."""
        before = self._clock() - self._keeping.retention_s
        for meeting_id, live in list(self._meetings.items()):
            if live.touched < before:
                live.fanout.close_all(CloseCode.NO_MEETING, "the meeting has ended")
                live.deadlines.stop()
                del self._meetings[meeting_id]
        await self._keeping.store.forget_before(before)

    async def open(self, meeting_id: MeetingId) -> LocalMeeting | None:
        return self._meetings.get(meeting_id)

    async def meeting_ids(self) -> list[MeetingId]:
        # Every meeting kept is here: those stored were all brought back at start.
        return list(self._meetings)

    async def read(self, meeting_id: MeetingId) -> MeetingState | None:
        live = self._meetings.get(meeting_id)
        return None if live is None else live.meeting.state

    async def delete(self, meeting_id: MeetingId) -> bool:
        live = self._meetings.get(meeting_id)
        if live is None:
            return False
        # No command from now on; the store's deletion is queued after every write of those
        # before, so none of them comes back after it.
        live.deleted = True
        try:
            await self._keeping.store.forget(meeting_id)
        except Exception as error:
            live.deleted = False  # still whole, in memory and in the store: nothing changed
            raise Unavailable(f"the meeting could not be deleted: {error}") from error
        del self._meetings[meeting_id]
        live.close_as_deleted()
        live.deadlines.stop()
        await self._ballot_box.forget(meeting_id)
        log.info("meeting %s deleted by the organiser", meeting_id)
        return True

    def get(self, meeting_id: MeetingId) -> LocalMeeting | None:
        return self._meetings.get(meeting_id)

    def __len__(self) -> int:
        return len(self._meetings)
