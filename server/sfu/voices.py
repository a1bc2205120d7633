"""Which voices of a room are forwarded: every one in a small room, the loudest few in a large one.

A browser with its microphone on sends 50 packets a second even in silence. In a plenary where
forty leaders may speak, or a workshop of twelve, forwarding every voice to every listener costs
each listener's link about 40 kbit/s per voice and the server a fan-out per packet, to carry
mostly silence. So, as Jitsi's bridge does with `route-loudest-only`, a room with more voices than
`limit` forwards only those heard speaking (at `SPEAKING_DBOV` or louder) within the last `hold_s`,
at most `limit` of them, the loudest first. The rule is pure: the engine gives it each voice's
recent loudness and when it last spoke, and applies the answer.

A room with at most `limit` voices forwards them all, speaking or not, as before: nothing changes
for a workshop of four.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from server.sfu.speakers import SPEAKING_DBOV

# The level (as -dBov, the header extension's 0 to 127) at which a packet counts as speech.
SPEAKING_LEVEL = int(-SPEAKING_DBOV)
# A voice stays open this long after its last word: pauses between sentences do not cut it.
HOLD_S = 1.5

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Voice:
    # Seconds on the engine's clock when it last sent a packet at speaking level; None: never.
    spoke_at: float | None
    # How loud it has been lately (higher is louder): a running mean of 127 minus the level.
    loudness: float


def audible(voices: Mapping[K, Voice], limit: int, now: float, hold_s: float = HOLD_S) -> set[K]:
    """The voices to forward now."""
    if len(voices) <= limit:
        return set(voices)
    speaking = [
        key
        for key, voice in voices.items()
        if voice.spoke_at is not None and now - voice.spoke_at <= hold_s
    ]
    # Ties go to the key's text, so that every worker of a room decides alike.
    speaking.sort(key=lambda key: (-voices[key].loudness, str(key)))
    return set(speaking[:limit])
