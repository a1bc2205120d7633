"""Bringing a meeting's state up to date from stored events: the one replay path.

A Redis replica catching up from the log, a worker taking a meeting over, and the embedded server
restoring its meetings at start all apply stored events this way: in sequence after the state,
skipping those it holds already, stopping at the first one missing.
"""

import asyncio
import time
from collections.abc import Callable, Iterable

from rooms import Meeting, Stamped

# The longest a worker goes through a backlog (events to replay or fan out, messages read from
# Redis) before letting the rest of it run: its leases, its heartbeat, its other clients.
HOLD_LOOP_S = 0.02


async def replay_in_order(
    meeting: Meeting, events: Iterable[Stamped], apply: Callable[[Stamped], None]
) -> bool:
    """`apply` each event that follows the state in sequence; False at a missing event.

    `apply` puts the event into the state (`meeting.replay`, and whatever else its caller does
    with it); a long replay lets the loop run between stretches.
    """
    resumed = time.monotonic()
    for stamped in events:
        if stamped.seq <= meeting.state.seq:
            continue
        if stamped.seq != meeting.state.seq + 1:
            return False
        apply(stamped)
        if time.monotonic() - resumed > HOLD_LOOP_S:
            await asyncio.sleep(0)
            resumed = time.monotonic()
    return True
