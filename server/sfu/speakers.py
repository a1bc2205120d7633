"""Who is speaking in each room, from the audio levels publishers put in their packets (RFC 6464).

The engine never decodes audio: every packet carries its level in the `ssrc-audio-level` header
extension, as -dBov (0 the loudest, 127 silence). The rule, per room, at the end of every window
of `WINDOW_S`:

1. A publisher's loudness in the window is the mean of its packets' levels, in dBov. A publisher
   not heard in the window (no packets, no right to speak, gone) is silent.
2. The window's candidate is the loudest publisher at `SPEAKING_DBOV` or above, or nobody.
3. The active speaker changes to the candidate when the room has none, at once; when the candidate
   is `MARGIN_DB` louder than the speaker (or the speaker fell below the threshold) for
   `SWITCH_WINDOWS` windows in a row; or to nobody when the room has been quiet for
   `HOLD_WINDOWS` windows in a row (pauses between words keep the speaker).

The voice activity flag is not used: aiortc's senders never set it, and browsers set it from the
same level.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from rooms.ids import ParticipantId, RoomId

WINDOW_S = 0.3
SPEAKING_DBOV = -50.0
MARGIN_DB = 6.0
SWITCH_WINDOWS = 2
HOLD_WINDOWS = 3


@dataclass
class _Heard:
    total: int = 0
    packets: int = 0

    @property
    def dbov(self) -> float:
        return -self.total / self.packets


@dataclass
class _Room:
    speaker: ParticipantId | None = None
    # The candidate that has beaten the speaker for `streak` windows in a row.
    challenger: ParticipantId | None = None
    streak: int = 0


@dataclass
class SpeakerDetector:
    threshold_dbov: float = SPEAKING_DBOV
    margin_db: float = MARGIN_DB
    switch_windows: int = SWITCH_WINDOWS
    hold_windows: int = HOLD_WINDOWS
    _heard: dict[ParticipantId, _Heard] = field(default_factory=dict)
    _rooms: dict[RoomId, _Room] = field(default_factory=dict)

    def hear(self, publisher: ParticipantId, minus_dbov: int) -> None:
        """One packet's level, as the header extension carries it (0 to 127)."""
        heard = self._heard.setdefault(publisher, _Heard())
        heard.total += min(max(minus_dbov, 0), 127)
        heard.packets += 1

    def speaker(self, room: RoomId) -> ParticipantId | None:
        state = self._rooms.get(room)
        return state.speaker if state is not None else None

    def decide(self, rooms: Mapping[ParticipantId, RoomId]) -> dict[RoomId, ParticipantId | None]:
        """Close the window: each publisher heard counts in its room in `rooms` (those not listed
        are ignored). Returns the rooms whose active speaker changed, with the new one."""
        loudness: dict[RoomId, dict[ParticipantId, float]] = {}
        for publisher, heard in self._heard.items():
            room = rooms.get(publisher)
            if room is not None:
                loudness.setdefault(room, {})[publisher] = heard.dbov
        self._heard = {}
        changes: dict[RoomId, ParticipantId | None] = {}
        for room in set(loudness) | set(self._rooms):
            state = self._rooms.setdefault(room, _Room())
            if self._follow(state, loudness.get(room, {})):
                changes[room] = state.speaker
            if state.speaker is None and state.streak == 0:
                del self._rooms[room]
        return changes

    def _follow(self, state: _Room, loudness: dict[ParticipantId, float]) -> bool:
        speaking = {p: db for p, db in loudness.items() if db >= self.threshold_dbov}
        # The loudest; ties go to the smaller id, so the choice does not depend on dict order.
        candidate = min(speaking, key=lambda p: (-speaking[p], p)) if speaking else None
        current = state.speaker
        # The speaker holds against a voice not clearly louder than theirs.
        challenged = candidate != current and not (
            current in speaking
            and candidate is not None
            and speaking[candidate] < speaking[current] + self.margin_db
        )
        if not challenged:
            state.streak = 0
            return False
        if state.streak and state.challenger == candidate:
            state.streak += 1
        else:
            state.challenger, state.streak = candidate, 1
        if current is None:
            needed = 1
        elif candidate is None:
            needed = self.hold_windows
        else:
            needed = self.switch_windows
        if state.streak < needed:
            return False
        state.speaker, state.challenger, state.streak = candidate, None, 0
        return True
