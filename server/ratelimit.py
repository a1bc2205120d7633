"""Token buckets: a steady rate with room for a burst, per connection or per key (a client's
address). Time is passed in."""


class TokenBucket:
    def __init__(self, rate_per_s: float, burst: int, now: float) -> None:
        self._rate = rate_per_s
        self._burst = float(burst)
        self._tokens = float(burst)
        self._last = now

    def take(self, now: float) -> bool:
        """Spend one token if there is one; False means the sender is over its rate."""
        self._tokens = self._held(now)
        self._last = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def wait_s(self, now: float) -> float:
        """Seconds until `take` would spend a token: 0 when it would now."""
        return max(0.0, (1.0 - self._held(now)) / self._rate)

    def is_full(self, now: float) -> bool:
        return self._held(now) >= self._burst

    def _held(self, now: float) -> float:
        return min(self._burst, self._tokens + (now - self._last) * self._rate)


class BucketPerKey:
    """`burst` tries per key at once, and one more every `window_s / burst` seconds: so at most
    `burst` in any `window_s` after a pause. A key whose bucket has filled up again is forgotten
    now and then, so memory follows the keys that tried lately."""

    _FORGET_PAST = 1024

    def __init__(self, burst: int, window_s: float) -> None:
        self._burst = burst
        self._rate = burst / window_s
        self._buckets: dict[str, TokenBucket] = {}
        self._forget_past = self._FORGET_PAST

    def take(self, key: str, now: float) -> float:
        """Spend one of `key`'s tries: 0.0 if it had one, else the seconds until it has."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._forget_past:
                self._forget_full(now)
            bucket = self._buckets[key] = TokenBucket(self._rate, self._burst, now)
        if bucket.take(now):
            return 0.0
        return max(bucket.wait_s(now), 1e-3)

    def _forget_full(self, now: float) -> None:
        self._buckets = {k: b for k, b in self._buckets.items() if not b.is_full(now)}
        # Past twice as many as are trying now: the next sweep is as far off as this one's work.
        self._forget_past = max(self._FORGET_PAST, 2 * len(self._buckets))
