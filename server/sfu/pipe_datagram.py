"""The datagrams of the media pipe between workers: their layout and their seal. No I/O.

A datagram is a 22-byte header in the clear (authenticated), then the sealed body and the 16-byte
AES-128-GCM tag:

    version u8 | kind u8 | epoch u32 | counter u64 | stamp u64 (µs, wall clock) || body || tag

The nonce is epoch||counter: each endpoint picks a random epoch when it opens and counts its
datagrams, so a nonce is never used twice under the key every worker shares (derived with HKDF
from the server's secret). A receiver keeps a replay window per sender epoch and marks a counter
seen only once its datagram has proved authentic. A window starts empty (a receiver that
restarted, or a sender it never saw), so the stamp bounds what can be replayed then: a datagram
older than `max_age` is refused as stale, and a SUBSCRIBE captured on the way cannot be played
again later to point a worker's feed at another address. The stamp is also the origin's send
time of an RTP packet, for the pipe's latency.

The bodies, by kind (all big-endian):

    RTP          feed u32 | flags u8 (1: marker, 2: repair) | extended sequence u64 | timestamp u32
                 | audio level u8 (255: none) | payload
    KEYFRAME     feed u32
    NACK         feed u32 | extended sequence u64 ...
    SUBSCRIBE    feed u32   (sent again every refresh: a subscription not refreshed expires)
    UNSUBSCRIBE  feed u32
"""

import enum
import os
import struct
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import NewType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FeedId = NewType("FeedId", int)

VERSION = 1
HEADER = struct.Struct("!BBIQQ")
TAG_BYTES = 16
_FEED = struct.Struct("!I")
_RTP = struct.Struct("!IBQIB")
_SEQUENCE = struct.Struct("!Q")
OVERHEAD = HEADER.size + _RTP.size + TAG_BYTES
NO_LEVEL = 255
_MARKER = 1
_REPAIR = 2
_KEY_INFO = b"plenum media pipe v1"
_NONCE = slice(2, 14)

# Microseconds of the wall clock: the workers' clocks agree (NTP) to far better than `max_age`.
WallClock = Callable[[], int]


def wall_us() -> int:
    return time.time_ns() // 1000


class Kind(enum.IntEnum):
    RTP = 1
    KEYFRAME = 2
    NACK = 3
    SUBSCRIBE = 4
    UNSUBSCRIBE = 5


class BadDatagram(Exception):
    """A datagram this endpoint will not take; `reason` is the counter it is counted under."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class TooLarge(ValueError):
    """The caller asked to send more than a datagram may hold (a setting, see `PipeSettings`)."""


@dataclass(frozen=True)
class Rtp:
    feed: FeedId
    marker: int
    repair: bool
    extended: int
    timestamp: int
    level: int | None
    stamp_us: int
    payload: bytes


@dataclass(frozen=True)
class Control:
    """KEYFRAME, SUBSCRIBE or UNSUBSCRIBE: a feed and nothing more."""

    kind: Kind
    feed: FeedId


@dataclass(frozen=True)
class Nack:
    feed: FeedId
    sequences: tuple[int, ...]


Message = Rtp | Control | Nack


def pipe_key(secret: bytes) -> bytes:
    """The pipe's AES-128 key from the secret every worker shares."""
    if not secret:
        raise ValueError("the media pipe needs a shared secret")
    return HKDF(algorithm=hashes.SHA256(), length=16, salt=None, info=_KEY_INFO).derive(secret)


class Sealer:
    """Seals this endpoint's datagrams: one epoch, a counter that never repeats."""

    def __init__(
        self, key: bytes, max_bytes: int, epoch: int | None = None, clock: WallClock = wall_us
    ) -> None:
        self._aead = AESGCM(key)
        self.epoch = int.from_bytes(os.urandom(4)) if epoch is None else epoch
        self.max_bytes = max_bytes
        self._clock = clock
        self._counter = 0

    def rtp(
        self,
        feed: FeedId,
        marker: int,
        extended: int,
        timestamp: int,
        level: int | None,
        payload: bytes,
        *,
        repair: bool = False,
    ) -> bytes:
        flags = (_MARKER if marker else 0) | (_REPAIR if repair else 0)
        body = _RTP.pack(feed, flags, extended, timestamp, NO_LEVEL if level is None else level)
        return self._seal(Kind.RTP, body + payload)

    def control(self, kind: Kind, feed: FeedId) -> bytes:
        assert kind in (Kind.KEYFRAME, Kind.SUBSCRIBE, Kind.UNSUBSCRIBE)
        return self._seal(kind, _FEED.pack(feed))

    def nack(self, feed: FeedId, sequences: tuple[int, ...]) -> bytes:
        body = _FEED.pack(feed) + b"".join(_SEQUENCE.pack(s) for s in sequences)
        return self._seal(Kind.NACK, body)

    def _seal(self, kind: Kind, body: bytes) -> bytes:
        size = HEADER.size + len(body) + TAG_BYTES
        if size > self.max_bytes:
            raise TooLarge(f"a {kind.name} datagram of {size} bytes is over the pipe's limit of "
                           f"{self.max_bytes} (max_datagram_bytes)")  # fmt: skip
        self._counter += 1
        header = HEADER.pack(VERSION, kind, self.epoch, self._counter, self._clock())
        return header + self._aead.encrypt(header[_NONCE], body, header)


class ReplayWindow:
    """The counters seen from one sender epoch: the highest, and which of the `size` before it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.highest = 0
        self._seen = 0  # bit i: highest - i was seen

    def fresh(self, counter: int) -> bool:
        if counter > self.highest:
            return True
        offset = self.highest - counter
        return offset < self.size and not self._seen >> offset & 1

    def mark(self, counter: int) -> None:
        if counter > self.highest:
            shift = counter - self.highest
            self._seen = (self._seen << shift | 1) & ((1 << self.size) - 1)
            self.highest = counter
        else:
            self._seen |= 1 << (self.highest - counter)


class Opener:
    """Checks and opens datagrams from every sender; raises `BadDatagram`, never anything else."""

    def __init__(
        self,
        key: bytes,
        max_bytes: int,
        window: int,
        max_senders: int,
        max_age_us: int,
        clock: WallClock = wall_us,
    ) -> None:
        self._aead = AESGCM(key)
        self.max_bytes = max_bytes
        self._window = window
        self._max_senders = max_senders
        self._max_age_us = max_age_us
        self._clock = clock
        self._windows: OrderedDict[int, ReplayWindow] = OrderedDict()

    def open(self, data: bytes) -> Message:
        if len(data) > self.max_bytes:
            raise BadDatagram("too_large", f"{len(data)} bytes, over {self.max_bytes}")
        if len(data) < HEADER.size + TAG_BYTES:
            raise BadDatagram("malformed", f"{len(data)} bytes is shorter than a header and tag")
        version, kind, epoch, counter, stamp_us = HEADER.unpack_from(data)
        if version != VERSION:
            raise BadDatagram("malformed", f"version {version}, expected {VERSION}")
        window = self._windows.get(epoch)
        if window is not None and not window.fresh(counter):
            raise BadDatagram("replayed", f"counter {counter} of epoch {epoch:#x} seen or too old")
        header = data[: HEADER.size]
        try:
            body = self._aead.decrypt(header[_NONCE], data[HEADER.size :], header)
        except InvalidTag:
            raise BadDatagram("forged", "the seal does not match (wrong key or altered)") from None
        age_us = self._clock() - stamp_us
        if abs(age_us) > self._max_age_us:
            raise BadDatagram("stale", f"sent {age_us / 1e6:.1f} s ago (or the clocks disagree)")
        if window is None:
            window = self._windows[epoch] = ReplayWindow(self._window)
            if len(self._windows) > self._max_senders:
                self._windows.popitem(last=False)
        window.mark(counter)
        return _body(kind, stamp_us, body)


def _body(kind: int, stamp_us: int, body: bytes) -> Message:
    try:
        if kind == Kind.RTP:
            feed, flags, extended, timestamp, level = _RTP.unpack_from(body)
            return Rtp(
                FeedId(feed),
                flags & _MARKER,
                bool(flags & _REPAIR),
                extended,
                timestamp,
                None if level == NO_LEVEL else level,
                stamp_us,
                body[_RTP.size :],
            )
        if kind == Kind.NACK:
            if (len(body) - _FEED.size) % _SEQUENCE.size:
                raise BadDatagram("malformed", f"a NACK body of {len(body)} bytes")
            (feed,) = _FEED.unpack_from(body)
            sequences = tuple(s for (s,) in _SEQUENCE.iter_unpack(body[_FEED.size :]))
            return Nack(FeedId(feed), sequences)
        if kind in (Kind.KEYFRAME, Kind.SUBSCRIBE, Kind.UNSUBSCRIBE):
            if len(body) != _FEED.size:
                raise BadDatagram("malformed", f"a {Kind(kind).name} body of {len(body)} bytes")
            (feed,) = _FEED.unpack(body)
            return Control(Kind(kind), FeedId(feed))
    except struct.error as error:
        raise BadDatagram("malformed", f"kind {kind}: {error}") from None
    raise BadDatagram("malformed", f"unknown kind {kind}")
