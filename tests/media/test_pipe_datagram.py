"""The pipe's datagrams without any socket: sealed and opened again, altered, replayed, too big."""

import pytest

from server.sfu.pipe_datagram import (
    HEADER,
    OVERHEAD,
    BadDatagram,
    Control,
    FeedId,
    Kind,
    Nack,
    Opener,
    ReplayWindow,
    Rtp,
    Sealer,
    TooLarge,
    pipe_key,
)

KEY = pipe_key(b"the secret every worker shares")
LIMIT = 1472
NOW_US = 1_780_000_000_000_000
MAX_AGE_US = 10_000_000


def opener(window: int = 64, max_senders: int = 4, now_us: int = NOW_US) -> Opener:
    return Opener(KEY, LIMIT, window, max_senders, MAX_AGE_US, clock=lambda: now_us)


def sealer(epoch: int | None = None, key: bytes = KEY, limit: int = LIMIT) -> Sealer:
    return Sealer(key, limit, epoch, clock=lambda: NOW_US)


def test_every_kind_comes_out_as_it_went_in() -> None:
    sending, receiver = sealer(), opener()
    rtp = sending.rtp(FeedId(7), 1, 2**40 + 5, 0xFFFFFFFF, 30, b"\x10\x00frame", repair=True)
    assert receiver.open(rtp) == Rtp(
        FeedId(7), 1, True, 2**40 + 5, 0xFFFFFFFF, 30, NOW_US, b"\x10\x00frame"
    )
    silent = sending.rtp(FeedId(1), 0, 9, 1, None, b"")
    assert receiver.open(silent) == Rtp(FeedId(1), 0, False, 9, 1, None, NOW_US, b"")
    assert receiver.open(sending.nack(FeedId(3), (10, 12))) == Nack(FeedId(3), (10, 12))
    for kind in (Kind.KEYFRAME, Kind.SUBSCRIBE, Kind.UNSUBSCRIBE):
        assert receiver.open(sending.control(kind, FeedId(2**32 - 1))) == Control(
            kind, FeedId(2**32 - 1)
        )


def test_the_header_says_version_kind_epoch_counter_and_stamp_in_the_clear() -> None:
    sending = sealer(epoch=0xCAFEF00D)
    sending.control(Kind.SUBSCRIBE, FeedId(1))
    data = sending.control(Kind.KEYFRAME, FeedId(1))
    assert data[: HEADER.size] == bytes.fromhex(
        "0102cafef00d0000000000000002" + NOW_US.to_bytes(8).hex()
    )
    assert len(data) == HEADER.size + 4 + 16


def test_any_altered_byte_is_refused_as_forged() -> None:
    data = sealer().rtp(FeedId(7), 0, 100, 200, None, b"payload")
    for at in range(len(data)):
        altered = bytearray(data)
        altered[at] ^= 0x01
        with pytest.raises(BadDatagram) as refused:
            opener().open(bytes(altered))
        # The version byte is checked before the seal; everything else is under it.
        assert refused.value.reason == ("malformed" if at == 0 else "forged")


def test_another_secret_is_refused_as_forged() -> None:
    data = sealer(key=pipe_key(b"another secret")).control(Kind.SUBSCRIBE, FeedId(1))
    with pytest.raises(BadDatagram, match="forged"):
        opener().open(data)


def test_a_datagram_is_taken_once_and_late_ones_within_the_window() -> None:
    sending, receiver = sealer(), opener(window=64)
    first, second, *rest = [sending.control(Kind.KEYFRAME, FeedId(1)) for _ in range(70)]
    receiver.open(second)
    receiver.open(first)  # out of order, within the window
    for data in (first, second):
        with pytest.raises(BadDatagram, match="replayed"):
            receiver.open(data)
    receiver.open(rest[-1])  # counter 70: the first is now 69 behind, out of a window of 64
    with pytest.raises(BadDatagram, match="replayed"):
        receiver.open(rest[0])  # counter 3, never seen but too old to tell


def test_a_forged_datagram_does_not_mark_its_counter_seen() -> None:
    sending, receiver = sealer(), opener()
    data = sending.control(Kind.KEYFRAME, FeedId(1))
    forged = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(BadDatagram, match="forged"):
        receiver.open(forged)
    assert receiver.open(data) == Control(Kind.KEYFRAME, FeedId(1))


def test_each_sender_epoch_has_its_own_window() -> None:
    one, other, receiver = sealer(epoch=1), sealer(epoch=2), opener()
    receiver.open(one.control(Kind.SUBSCRIBE, FeedId(1)))
    receiver.open(other.control(Kind.SUBSCRIBE, FeedId(1)))  # the same counter, another sender


def test_a_stale_datagram_is_refused_even_by_a_receiver_that_never_saw_its_sender() -> None:
    # A receiver that restarted has empty windows: the stamp is what stops an old replay.
    data = sealer().control(Kind.SUBSCRIBE, FeedId(1))
    for skew_us in (MAX_AGE_US + 1, -MAX_AGE_US - 1):
        with pytest.raises(BadDatagram, match="stale"):
            opener(now_us=NOW_US + skew_us).open(data)
    assert opener(now_us=NOW_US + MAX_AGE_US).open(data) == Control(Kind.SUBSCRIBE, FeedId(1))


def test_the_replay_window_slides() -> None:
    window = ReplayWindow(4)
    for counter in (1, 2, 5):
        assert window.fresh(counter)
        window.mark(counter)
    assert [window.fresh(c) for c in range(1, 7)] == [False, False, True, True, False, True]


def test_too_large_is_refused_on_both_sides_saying_the_limit() -> None:
    small = sealer(limit=300)
    small.rtp(FeedId(1), 0, 1, 1, None, bytes(300 - OVERHEAD))
    with pytest.raises(TooLarge, match="301 bytes is over the pipe's limit of 300"):
        small.rtp(FeedId(1), 0, 1, 1, None, bytes(301 - OVERHEAD))
    big = sealer(limit=2000).rtp(FeedId(1), 0, 1, 1, None, bytes(1500))
    with pytest.raises(BadDatagram, match="too_large"):
        opener().open(big)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x01", bytes(37), b"\x02" + bytes(40)],
    ids=["empty", "one byte", "zeros", "version 2"],
)
def test_junk_is_malformed_or_forged(data: bytes) -> None:
    with pytest.raises(BadDatagram) as refused:
        opener().open(data)
    assert refused.value.reason in ("malformed", "forged")


def test_a_shared_secret_is_needed() -> None:
    with pytest.raises(ValueError, match="shared secret"):
        pipe_key(b"")
