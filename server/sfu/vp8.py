"""What a layer switch must change inside a VP8 payload, and the frame size a keyframe tells.

A browser sending simulcast numbers each layer's pictures on its own: the PictureID and
TL0PICIDX of the payload descriptor (RFC 7741 section 4.2) run separately per layer. A subscriber
moved from one layer to another would see them jump back or ahead, and its decoder's reference
tracking takes a jump for lost or stale pictures. So an outlet carrying a simulcast video renumbers
them, as mediasoup and Janus do: each run continues one past the last it sent.
"""

from dataclasses import dataclass

_PICTURE_ID_MODULO = 1 << 15
_TL0_MODULO = 1 << 8
# RFC 6386 section 9.1: a keyframe's frame tag (3 bytes) is followed by this start code and the
# width and height (14 bits each, little-endian, the top 2 bits a scaling hint).
_START_CODE = b"\x9d\x01\x2a"


@dataclass(frozen=True)
class Descriptor:
    """Where the renumbered fields are in one payload: offsets, or None when it has none."""

    picture_id_at: int | None
    long_picture_id: bool
    tl0_at: int | None
    # Where the VP8 payload (the frame tag, on a partition's first packet) starts.
    payload_at: int


def descriptor(payload: bytes) -> Descriptor | None:
    """The payload descriptor's layout; None if the payload is too short to hold what it says."""
    if not payload:
        return None
    picture_id_at = tl0_at = None
    long_picture_id = False
    offset = 1
    if payload[0] & 0x80:  # X: an extension byte says which optional fields come
        if len(payload) < 2:
            return None
        extension = payload[1]
        offset = 2
        if extension & 0x80:  # I: the picture id, 7 or 15 bits (M set)
            if len(payload) <= offset:
                return None
            picture_id_at = offset
            long_picture_id = bool(payload[offset] & 0x80)
            offset += 2 if long_picture_id else 1
        if extension & 0x40:  # L: TL0PICIDX
            tl0_at = offset
            offset += 1
        if extension & 0x30:  # T or K: TID/Y/KEYIDX
            offset += 1
    if offset > len(payload):
        return None
    return Descriptor(picture_id_at, long_picture_id, tl0_at, offset)


def picture_id(payload: bytes, layout: Descriptor) -> int | None:
    at = layout.picture_id_at
    if at is None:
        return None
    if layout.long_picture_id:
        return (payload[at] & 0x7F) << 8 | payload[at + 1]
    return payload[at] & 0x7F


def tl0_index(payload: bytes, layout: Descriptor) -> int | None:
    return payload[layout.tl0_at] if layout.tl0_at is not None else None


def keyframe_size(payload: bytes) -> tuple[int, int] | None:
    """The width and height a keyframe's first packet states; None for any other packet."""
    layout = descriptor(payload)
    if layout is None or payload[0] & 0x17 != 0x10:  # not partition 0's first packet
        return None
    at = layout.payload_at
    frame = payload[at : at + 10]
    if len(frame) < 10 or frame[0] & 0x01 or frame[3:6] != _START_CODE:
        return None
    width = int.from_bytes(frame[6:8], "little") & 0x3FFF
    height = int.from_bytes(frame[8:10], "little") & 0x3FFF
    return width, height


class PictureNumbering:
    """One outlet's renumbering of the pictures it sends, continuous across layer switches."""

    def __init__(self) -> None:
        self._picture_shift = 0
        self._tl0_shift = 0
        # The last picture id and TL0PICIDX sent, once any was.
        self._last_picture: int | None = None
        self._last_tl0: int | None = None

    def start(self, payload: bytes) -> None:
        """A new run starts with this packet (a keyframe's first): number on from the last."""
        layout = descriptor(payload)
        if layout is None:
            return
        picture = picture_id(payload, layout)
        if picture is not None and self._last_picture is not None:
            self._picture_shift = (self._last_picture + 1 - picture) % _PICTURE_ID_MODULO
        tl0 = tl0_index(payload, layout)
        if tl0 is not None and self._last_tl0 is not None:
            self._tl0_shift = (self._last_tl0 + 1 - tl0) % _TL0_MODULO

    def rewrite(self, payload: bytes, *, newest: bool = True) -> bytes:
        """The payload with its picture id and TL0PICIDX renumbered; `newest`: it is the run's
        newest packet so far (not a repair of an older one), which the next run follows."""
        layout = descriptor(payload)
        if layout is None:
            return payload
        picture = picture_id(payload, layout)
        tl0 = tl0_index(payload, layout)
        if picture is None and tl0 is None:
            return payload
        data = bytearray(payload)
        if picture is not None and layout.picture_id_at is not None:
            at = layout.picture_id_at
            if layout.long_picture_id:
                out = (picture + self._picture_shift) % _PICTURE_ID_MODULO
                data[at], data[at + 1] = 0x80 | out >> 8, out & 0xFF
            else:
                out = (picture + self._picture_shift) % 0x80
                data[at] = out
            if newest:
                self._last_picture = out
        if tl0 is not None and layout.tl0_at is not None:
            out_tl0 = (tl0 + self._tl0_shift) % _TL0_MODULO
            data[layout.tl0_at] = out_tl0
            if newest:
                self._last_tl0 = out_tl0
        return bytes(data)
