"""Whether an encoded frame can start a decoder: the gate a new subscriber waits at."""

from collections.abc import Callable

_H264_IDR = 5
_H264_SPS = 7


def vp8_is_keyframe(frame: bytes) -> bool:
    # RFC 6386 section 9.1: bit 0 of the frame tag is 0 on a key frame.
    return len(frame) > 0 and frame[0] & 0x01 == 0


def h264_is_keyframe(frame: bytes) -> bool:
    """An Annex B access unit holding an IDR slice or a sequence parameter set."""
    i = 0
    end = len(frame)
    while True:
        i = frame.find(b"\x00\x00\x01", i)
        if i < 0 or i + 3 >= end:
            return False
        if frame[i + 3] & 0x1F in (_H264_IDR, _H264_SPS):
            return True
        i += 3


def always(frame: bytes) -> bool:
    return True


def keyframe_test(mime_type: str) -> Callable[[bytes], bool]:
    """The keyframe test for a codec: every audio frame starts a decoder."""
    return {"video/vp8": vp8_is_keyframe, "video/h264": h264_is_keyframe}.get(
        mime_type.lower(), always
    )
