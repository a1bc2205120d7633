"""How an outlet numbers what it sends: the header a subscriber's RTP stack reads, packet by packet.

The outlet writes to a list here instead of a subscriber's socket; what it writes is parsed back
with aiortc's own RTP parser.
"""

from aiortc.rtp import RtpPacket

from server.sfu.forwarding import Outlet, extend

PAYLOAD_TYPE, SSRC, CLOCK_RATE = 96, 0x1234ABCD, 90000


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def opened(clock: Clock) -> tuple[Outlet, list[bytes]]:
    sent: list[bytes] = []
    outlet = Outlet("video", clock)
    outlet.open_with(
        payload_type=PAYLOAD_TYPE,
        ssrc=SSRC,
        extensions=b"",
        clock_rate=CLOCK_RATE,
        write=sent.append,
    )
    return outlet, sent


def headers(sent: list[bytes]) -> list[tuple[int, int]]:
    packets = [RtpPacket.parse(data) for data in sent]
    assert {(p.ssrc, p.payload_type) for p in packets} <= {(SSRC, PAYLOAD_TYPE)}
    return [(p.sequence_number, p.timestamp) for p in packets]


def test_a_video_outlet_starts_at_a_keyframe() -> None:
    outlet, sent = opened(Clock())
    assert outlet.forward(0, 500, 9000, b"delta", keyframe=False) is False
    assert sent == []
    assert outlet.forward(0, 501, 12000, b"key", keyframe=True) is True
    assert outlet.forward(1, 502, 12000, b"rest", keyframe=False) is True
    (first, _), (second, _) = headers(sent)
    assert second == (first + 1) & 0xFFFF
    assert [RtpPacket.parse(d).payload for d in sent] == [b"key", b"rest"]
    assert [RtpPacket.parse(d).marker for d in sent] == [0, 1]


def test_a_switch_numbers_on_from_the_newest_packet_even_after_a_late_repair() -> None:
    clock = Clock()
    outlet, sent = opened(clock)
    outlet.forward(0, 1000, 90000, b"key", keyframe=True)
    for extended in range(1001, 1011):
        outlet.forward(0, extended, 90000 + 3000 * (extended - 1000), b"p", keyframe=False)
    # The publisher resends a packet the server's receiver had asked for: it goes out late.
    outlet.forward(0, 1005, 90000 + 3000 * 5, b"p", keyframe=False)
    before = headers(sent)
    newest_sequence, newest_timestamp = before[10]

    # Another publisher's stream, numbered its own way; 0.5 s later.
    clock.now += 0.5
    outlet.restart()
    outlet.forward(0, 40000, 7, b"key", keyframe=True)
    outlet.forward(0, 40001, 7, b"p", keyframe=False)
    after = headers(sent)[len(before) :]

    assert [s for s, _ in after] == [(newest_sequence + 1) & 0xFFFF, (newest_sequence + 2) & 0xFFFF]
    assert after[0][1] == (newest_timestamp + CLOCK_RATE // 2) & 0xFFFFFFFF
    sent_sequences = [s for s, _ in headers(sent)]
    # Only the repair repeats a number: each packet sent once, plus the one resent.
    assert len(set(sent_sequences)) == len(sent_sequences) - 1


def test_a_late_packet_from_before_the_start_is_not_sent() -> None:
    outlet, sent = opened(Clock())
    outlet.forward(0, 70000, 1, b"key", keyframe=True)
    assert outlet.forward(0, 69999, 1, b"older", keyframe=False) is True
    assert [RtpPacket.parse(d).payload for d in sent] == [b"key"]


def test_numbering_runs_on_across_the_wrap_of_the_publishers_numbers() -> None:
    outlet, sent = opened(Clock())
    highest = 65530
    received = []
    for sequence in [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2]:
        highest = max(highest, extend(sequence, highest))
        received.append(extend(sequence, highest))
    assert received == list(range(65530, 65539))
    for extended in received:
        outlet.forward(0, extended, 1, b"p", keyframe=extended == 65530)
    sequences = [s for s, _ in headers(sent)]
    assert sequences == [(sequences[0] + i) & 0xFFFF for i in range(len(received))]


def test_extend_places_a_number_within_half_the_range() -> None:
    assert extend(5, 65533) == 65541  # just past the wrap
    assert extend(65533, 65541) == 65533  # a little late, from before it
    assert extend(100, 100) == 100
    assert extend(99, 100) == 99
    assert extend(100 + 0x7FFF, 100) == 100 + 0x7FFF
    assert extend(100 + 0x8000, 100) == 100 - 0x8000
