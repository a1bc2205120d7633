"""Whether an RTP packet starts a keyframe: the point a new subscriber's stream may begin at.

Each test reads the packet's payload as the codec's RTP payload format lays it out, nothing
decoded: a subscriber that starts at such a packet has everything its decoder needs from there on.
"""

from collections.abc import Callable

StartsKeyframe = Callable[[bytes], bool]

_H264_IDR = 5
_H264_SPS = 7
_H264_STAP_A = 24
_H264_FU_A = 28


def vp8_starts_keyframe(payload: bytes) -> bool:
    """RFC 7741: the first packet of partition 0 (S set, PID 0) of a frame whose tag says key."""
    if len(payload) < 1:
        return False
    first = payload[0]
    if first & 0x17 != 0x10:  # S bit set, partition index 0
        return False
    offset = 1
    if first & 0x80:  # X: an extension byte follows, saying which optional fields come
        if len(payload) < 2:
            return False
        extension = payload[1]
        offset = 2
        if extension & 0x80:  # I: picture id, 7 or 15 bits
            if len(payload) <= offset:
                return False
            offset += 2 if payload[offset] & 0x80 else 1
        if extension & 0x40:  # L: TL0PICIDX
            offset += 1
        if extension & 0x30:  # T or K: TID/Y/KEYIDX
            offset += 1
    # RFC 6386 section 9.1: bit 0 of the frame tag is 0 on a key frame.
    return len(payload) > offset and payload[offset] & 0x01 == 0


def h264_starts_keyframe(payload: bytes) -> bool:
    """RFC 6184: a packet that carries, or starts, an IDR slice or a sequence parameter set."""
    if len(payload) < 1:
        return False
    nal_type = payload[0] & 0x1F
    if nal_type == _H264_STAP_A:
        offset = 1
        while offset + 2 < len(payload):
            size = int.from_bytes(payload[offset : offset + 2], "big")
            if payload[offset + 2] & 0x1F in (_H264_IDR, _H264_SPS):
                return True
            offset += 2 + size
        return False
    if nal_type == _H264_FU_A:
        return len(payload) > 1 and payload[1] & 0x80 != 0 and payload[1] & 0x1F == _H264_IDR
    return nal_type in (_H264_IDR, _H264_SPS)


def every_packet(payload: bytes) -> bool:
    return True


def keyframe_test(mime_type: str) -> StartsKeyframe:
    """The test for a codec; audio has no keyframes, so any packet is a fine place to start."""
    return {"video/vp8": vp8_starts_keyframe, "video/h264": h264_starts_keyframe}.get(
        mime_type.lower(), every_packet
    )
