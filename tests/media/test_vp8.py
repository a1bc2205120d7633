"""VP8 payloads as a layer switch sees them: the renumbered pictures and a keyframe's size."""

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from server.sfu.keyframes import vp8_starts_keyframe
from server.sfu.vp8 import PictureNumbering, descriptor, keyframe_size, picture_id, tl0_index


def vp8_packet(
    picture: int | None,
    tl0: int | None = None,
    *,
    keyframe: bool = False,
    first: bool = True,
    size: tuple[int, int] = (640, 480),
    short: bool = False,
) -> bytes:
    """A payload as a browser packetizes VP8 (RFC 7741), with the fields asked for."""
    extension = (0x80 if picture is not None else 0) | (0x40 if tl0 is not None else 0) | 0x20
    data = bytearray([0x80 | (0x10 if first else 0), extension])
    if picture is not None:
        data += bytes([picture & 0x7F]) if short else bytes([0x80 | picture >> 8, picture & 0xFF])
    if tl0 is not None:
        data.append(tl0)
    data.append(0x40)  # TID 1, Y set
    if keyframe:
        width, height = size
        data += b"\x00\x00\x00\x9d\x01\x2a"  # the frame tag (bit 0 clear: key) and start code
        data += width.to_bytes(2, "little") + height.to_bytes(2, "little")
    else:
        data += b"\x01\x00\x00"
    return bytes(data + b"picture data")


def sent(numbering: PictureNumbering, payload: bytes) -> tuple[int | None, int | None]:
    out = numbering.rewrite(payload)
    layout = descriptor(out)
    assert layout is not None
    assert out[layout.payload_at :] == payload[layout.payload_at :], "only the numbers change"
    return picture_id(out, layout), tl0_index(out, layout)


def test_a_keyframe_tells_its_size_and_other_packets_do_not() -> None:
    key = vp8_packet(300, 7, keyframe=True, size=(320, 240))
    assert vp8_starts_keyframe(key)
    assert keyframe_size(key) == (320, 240)
    assert keyframe_size(vp8_packet(301, 7)) is None
    assert keyframe_size(vp8_packet(300, 7, keyframe=True, first=False)) is None
    assert keyframe_size(key[:8]) is None


def test_a_switch_to_another_layer_numbers_on_from_the_last_picture_sent() -> None:
    numbering = PictureNumbering()
    numbering.start(vp8_packet(100, 20, keyframe=True))
    assert sent(numbering, vp8_packet(100, 20, keyframe=True)) == (100, 20)
    assert sent(numbering, vp8_packet(101, 20)) == (101, 20)
    assert sent(numbering, vp8_packet(102, 21)) == (102, 21)
    # The other layer numbers its own pictures: far ahead here.
    key = vp8_packet(9000, 250, keyframe=True)
    numbering.start(key)
    assert sent(numbering, key) == (103, 22)
    assert sent(numbering, vp8_packet(9001, 250)) == (104, 22)
    assert sent(numbering, vp8_packet(9002, 251)) == (105, 23)


def test_numbers_wrap_as_the_fields_do() -> None:
    numbering = PictureNumbering()
    numbering.start(vp8_packet(0x7FFF, 255, keyframe=True))
    assert sent(numbering, vp8_packet(0x7FFF, 255, keyframe=True)) == (0x7FFF, 255)
    key = vp8_packet(5, 3, keyframe=True)
    numbering.start(key)
    assert sent(numbering, key) == (0, 0)


def test_a_repair_keeps_its_number_and_does_not_move_the_next_run() -> None:
    numbering = PictureNumbering()
    numbering.start(vp8_packet(10, keyframe=True))
    sent(numbering, vp8_packet(10, keyframe=True))
    sent(numbering, vp8_packet(11))
    repaired = numbering.rewrite(vp8_packet(10), newest=False)
    layout = descriptor(repaired)
    assert layout is not None and picture_id(repaired, layout) == 10
    key = vp8_packet(500, keyframe=True)
    numbering.start(key)
    assert sent(numbering, key)[0] == 12


def test_seven_bit_picture_ids_and_payloads_without_them() -> None:
    numbering = PictureNumbering()
    numbering.start(vp8_packet(120, short=True, keyframe=True))
    assert sent(numbering, vp8_packet(127, short=True)) == (127, None)
    key = vp8_packet(40, short=True, keyframe=True)
    numbering.start(key)
    assert sent(numbering, key) == (0, None)
    bare = vp8_packet(None)
    assert numbering.rewrite(bare) == bare


@given(st.binary(max_size=12))
def test_any_bytes_are_left_alone_or_renumbered_never_raise(payload: bytes) -> None:
    numbering = PictureNumbering()
    numbering.start(payload)
    out = numbering.rewrite(payload)
    assert len(out) == len(payload)
    keyframe_size(payload)


@given(
    st.lists(st.integers(0, 0x7FFF), min_size=1, max_size=5),
    st.lists(st.integers(1, 30), min_size=1, max_size=5),
)
def test_every_run_follows_the_last_picture_of_the_one_before(
    starts: list[int], lengths: list[int]
) -> None:
    numbering = PictureNumbering()
    out: list[int | None] = []
    for start, length in zip(starts, lengths, strict=False):
        key = vp8_packet(start, keyframe=True)
        numbering.start(key)
        out.append(sent(numbering, key)[0])
        out += [sent(numbering, vp8_packet((start + i) % 0x8000))[0] for i in range(1, length)]
    assert out[0] == starts[0]
    assert all(b == ((a or 0) + 1) % 0x8000 for a, b in pairwise(out))
