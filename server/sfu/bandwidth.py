"""Fitting the videos one subscriber is sent to what its link can carry.

A leader on home DSL or a phone's mobile data cannot take nine cameras at full rate: their link
queues, then drops, and every stream freezes, their voices first among them. So each subscriber's
link is estimated from its own RTCP feedback, and only the videos that fit are sent; the others
are paused (as a tile out of view is) until there is room. What one subscriber gets never changes
what the publishers send or what anyone else gets.

- **The estimate** (`LinkEstimate`) is the subscriber's own, from its RTCP feedback. The link is
  taken as congested when its receiver reports lose more than `LOSS_HIGH` of the packets sent,
  step after step for `CONGESTED_STEPS` steps (a link fed more than it carries drops what its
  queue cannot hold, on and on; a client whose own computer stalls for a moment does not); it is
  then capped at `LOSS_BACKOFF` of what got through (at least half) of what was being sent (the
  most over the last `REPORTS_LAG_STEPS` steps, which the reports tell of: not what is sent once
  videos were paused for that loss), or at the receiver's REMB estimate when that is lower and
  plausible, and never below `MIN_CAP_BPS`; not again for `DECREASE_HOLD_S`, while the reports
  still tell of the time before. After `CALM_S` with less than `LOSS_LOW` loss, the cap grows by
  `LOSS_RECOVERY` a step, so videos come back one by one, as Chrome's own loss-based controller
  does. A link congested again
  within `RECENT_S` of growing back (the cap grew past what it carries) waits twice as long
  before growing again, up to `MAX_CALM_S`: a link that cannot take a larger layer is not
  offered it every few seconds, each time losing frames. Random loss of a few percent (a weak
  radio) caps nothing.
  REMB alone never caps, and only a REMB for the whole transport (a browser's, covering every
  stream with abs-send-time) sizes the cap: aiortc's receivers estimate each stream apart and
  below what they receive (measured: 50 to 70 % of it on loopback).
- **The choice** (`allocate`) goes down the subscriber's videos in its order of priority (the
  shared screen, the active speaker, the tiles in view): each is sent if its measured bitrate
  fits in what is left once every voice it is sent has its measured bitrate. A video paused
  for want of room must fit
  `HEADROOM` times over before it comes back, so a video on the edge does not flap. The first
  video is kept as long as `MIN_VIDEO_BPS` (or its own bitrate, if less) is left for it: the
  person speaking is what a weak link shows last. A simulcast video (`allocate_layers`) has a
  layer for each size: it gets the one its tile needs or the largest below it that fits, so a
  weak link shows a smaller picture before it shows none.
"""

from collections import deque
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

# Below this, even the first video is paused: audio comes first.
MIN_VIDEO_BPS = 150_000
# The cap never falls below this: the voices fit, and it can grow back from there.
MIN_CAP_BPS = 100_000
HEADROOM = 1.15
LOSS_HIGH = 0.10
LOSS_LOW = 0.05
LOSS_BACKOFF = 0.85
LOSS_RECOVERY = 1.05
CONGESTED_STEPS = 2
CALM_S = 3.0
# How many steps of what was sent a loss report may still be telling of.
REPORTS_LAG_STEPS = 3
RECENT_S = 30.0
MAX_CALM_S = 48.0
# After the cap falls, the next reports still tell of the time before (a receiver reports about
# once a second): they lower it again only after this long.
DECREASE_HOLD_S = 2.0
# A REMB older than this says nothing about the link now (a browser sends one every second or
# so while it receives, and at once when its estimate falls).
ESTIMATE_TTL_S = 5.0
# Fewer packets than this in a step tell nothing about loss.
MIN_EXPECTED = 20

K = TypeVar("K", bound=Hashable)


class LinkEstimate:
    def __init__(self) -> None:
        self.remb: float | None = None
        self._remb_at = float("-inf")
        # The step's receiver reports: packets expected and lost, and each stream's highest
        # sequence number in its last report.
        self._expected = 0
        self._lost = 0.0
        self._highest: dict[Hashable, int] = {}
        self.loss = 0.0
        self.cap: float | None = None
        self._congested_at = float("-inf")
        self._lossy_steps = 0
        # Whether the cap fell in this run of lossy steps; how long the next recovery waits.
        self._congested = False
        self.calm_s = CALM_S
        # What was sent over the last steps: the loss a report tells is of packets sent a step
        # or two before it, maybe before videos were paused for it.
        self._sending: deque[float] = deque(maxlen=REPORTS_LAG_STEPS)

    def estimated(self, bps: float, ssrcs: Sequence[int], now: float) -> None:
        """A REMB: only one for the whole transport is the link's measure (see above)."""
        if len(ssrcs) >= 2:
            self.remb, self._remb_at = bps, now

    def reported(self, stream: Hashable, fraction_lost: float, highest: int) -> None:
        """A receiver report for one stream: the fraction it lost since its last report, and
        its highest (extended) sequence number received."""
        before = self._highest.get(stream)
        self._highest[stream] = highest
        if before is not None and highest > before:
            expected = highest - before
            self._expected += expected
            self._lost += fraction_lost * expected

    def budget(self, sending_bps: float, now: float) -> float | None:
        """What may be sent to this subscriber now (bits per second); None: no limit known.
        Called once a step (about a second), with what was sent over it."""
        self._sending.append(sending_bps)
        if self._expected >= MIN_EXPECTED:
            self.loss = self._lost / self._expected
            self._expected, self._lost = 0, 0.0
            self._lossy_steps = self._lossy_steps + 1 if self.loss > LOSS_HIGH else 0
            if not self._lossy_steps:
                self._congested = False
        if self.loss > LOSS_HIGH and sending_bps > 0:
            if self._lossy_steps >= CONGESTED_STEPS and now - self._congested_at >= DECREASE_HOLD_S:
                if not self._congested:
                    # A new congestion: soon after the last one, the next recovery waits longer.
                    self._congested = True
                    recent = now - (self._congested_at + self.calm_s) < RECENT_S
                    self.calm_s = min(self.calm_s * 2, MAX_CALM_S) if recent else CALM_S
                # Below what was sent when the lost packets were: not below what is sent now
                # that videos were paused for that loss already.
                sent = max(self._sending)
                # What got through of it (at least half: reports of a flooded link may say
                # nearly all was lost), a margin below that, and never below the floor.
                through = max(1 - self.loss, 0.5)
                target = max(LOSS_BACKOFF * sent * through, MIN_CAP_BPS)
                if self.remb is not None and now - self._remb_at <= ESTIMATE_TTL_S:
                    target = min(target, max(self.remb, sent / 2))
                self.cap = target if self.cap is None else min(self.cap, target)
                self._congested_at = now
        elif (
            self.cap is not None
            and self.loss < LOSS_LOW
            and now - self._congested_at >= self.calm_s
        ):
            self.cap *= LOSS_RECOVERY
        return self.cap


def allocate(
    budget: float | None, voices_bps: float, videos: Sequence[tuple[K, float]], flowing: set[K]
) -> set[K]:
    """The videos to send: `videos` are (key, measured bits per second) in order of priority,
    `flowing` those sent now, `voices_bps` what the voices sent take."""
    layered = [(key, (bps,), 0) for key, bps in videos]
    return set(allocate_layers(budget, voices_bps, layered, dict.fromkeys(flowing, 0)))


def allocate_layers(
    budget: float | None,
    voices_bps: float,
    videos: Sequence[tuple[K, Sequence[float], int]],
    flowing: Mapping[K, int],
) -> dict[K, int]:
    """The layer to send of each video sent (an index into its layers, the smallest first).

    `videos` are (key, each layer's measured bits per second, the layer its tile needs) in order
    of priority; `flowing` the layer each is sent now. A video gets the layer its tile needs, or
    the largest below it that fits; going up a layer needs the headroom a paused video needs to
    come back. Only the first video, in its smallest layer, takes the floor."""
    chosen: dict[K, int] = {}
    left = None if budget is None else budget - voices_bps
    for index, (key, rates, wanted) in enumerate(videos):
        if left is None:
            chosen[key] = wanted
            continue
        now = flowing.get(key)
        for layer in range(wanted, -1, -1):
            bps = rates[layer]
            need = bps if now is not None and layer <= now else bps * HEADROOM
            if need <= left:
                chosen[key] = layer
                left -= bps
                break
        else:
            if index == 0 and left >= min(rates[0], MIN_VIDEO_BPS):
                chosen[key] = 0
                left -= rates[0]
    return chosen
