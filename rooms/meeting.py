"""A meeting: commands in, numbered events out."""

from rooms import commands as cmd
from rooms.config import MeetingConfig
from rooms.decide import decide, next_wakeup
from rooms.ending import check_not_ended
from rooms.errors import Reason, Rejected
from rooms.events import Stamped
from rooms.evolve import apply
from rooms.ids import MeetingId, ParticipantId
from rooms.model import MeetingState, Role
from rooms.policy import RULES, Who


class Meeting:
    """One meeting's state and the only way to change it.

    `handle` checks a command against the rules, decides its events, numbers them with the
    meeting's sequence, applies them, and returns them for the edge to deliver. A refused command
    raises `Rejected` and changes nothing.
    """

    def __init__(self, state: MeetingState, config: MeetingConfig) -> None:
        self.state = state
        self.config = config

    @classmethod
    def create(
        cls,
        meeting_id: MeetingId,
        title: str,
        config: MeetingConfig,
        starts_at: float | None = None,
        ends_at: float | None = None,
    ) -> "Meeting":
        state = MeetingState(id=meeting_id, title=title, starts_at=starts_at, ends_at=ends_at)
        return cls(state, config)

    def handle(
        self, actor: ParticipantId | None, command: cmd.Command, now: float
    ) -> list[Stamped]:
        """Apply one command from `actor` (None for the server's own commands) at time `now`."""
        stamped = self.decide(actor, command, now)
        for one in stamped:
            self.replay(one)
        return stamped

    def decide(
        self, actor: ParticipantId | None, command: cmd.Command, now: float
    ) -> list[Stamped]:
        """The events `command` would cause, numbered, without applying them.

        A writer that must store the events before they count (in Redis, say) decides, stores,
        then replays them; the state is untouched if storing fails.
        """
        # Before who may send it: after the end, everyone is told the same (rooms.ending).
        check_not_ended(self.state, command)
        self._authorise(actor, command)
        outcome = decide(self.state, self.config, actor, command, now)
        first = self.state.seq + 1
        return [
            Stamped(first + i, now, event, audience) for i, (event, audience) in enumerate(outcome)
        ]

    def replay(self, stamped: Stamped) -> None:
        """Apply an event decided before (by this process or, after a takeover, another)."""
        apply(self.state, stamped, self.config.chat_history, self.config.record_chat_lines)

    def next_wakeup(self) -> float | None:
        """When to send the next `Tick`, or None while no clock is running."""
        return next_wakeup(self.state, self.config)

    def _authorise(self, actor: ParticipantId | None, command: cmd.Command) -> None:
        rule = RULES[type(command)]
        if rule.who is Who.SYSTEM:
            if actor is not None:
                raise Rejected(Reason.NOT_ALLOWED, f"{type(command).__name__} is the server's")
        else:
            participant = self.state.participants.get(actor) if actor is not None else None
            if participant is None or not participant.connected:
                raise Rejected(Reason.NOT_IN_MEETING, "join the meeting first")
            if rule.who is Who.MODERATOR and participant.role is not Role.MODERATOR:
                raise Rejected(Reason.NOT_ALLOWED, "only a moderator may do that")
        if self.state.phase not in rule.phases:
            raise Rejected(
                Reason.WRONG_PHASE, f"not possible while the workshops are {self.state.phase}"
            )
