"""A subscriber's narrow link, in-process: a token bucket that drops what the link cannot carry.

It sits where the subscriber's DTLS transport hands decrypted RTP on, so the packets it drops are
lost as a full router queue would lose them: the receiver sees the gaps, asks for them again
(NACK) and reports them lost in its receiver reports. RTCP passes untouched. For a real shaped
link (`tc` on a veth pair) see the browser tests.
"""

import time
from collections.abc import Awaitable, Callable

from aiortc import RTCDtlsTransport

from .clients import Client


class Bucket:
    def __init__(self, rate_bps: float, burst_bytes: int) -> None:
        self.rate = rate_bps / 8
        self.burst = burst_bytes
        self.tokens = float(burst_bytes)
        self.at = time.monotonic()
        self.dropped = 0
        self.passed = 0

    def take(self, size: int) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < size:
            self.dropped += 1
            return False
        self.tokens -= size
        self.passed += 1
        return True


def narrow(client: Client, rate_bps: float, burst_bytes: int = 16_000) -> Bucket:
    """From now on, the client's link carries `rate_bps` of RTP; the rest is dropped."""
    transport: RTCDtlsTransport = client.pc.getTransceivers()[0].receiver.transport
    bucket = Bucket(rate_bps, burst_bytes)
    handle: Callable[[bytes, int], Awaitable[None]] = transport._handle_rtp_data

    async def through_the_bucket(data: bytes, arrival_time_ms: int) -> None:
        # The size on the wire: SRTP's tag and UDP/IP's headers came off already.
        if bucket.take(len(data) + 38):
            await handle(data, arrival_time_ms)

    transport._handle_rtp_data = through_the_bucket  # type: ignore[method-assign]
    return bucket
