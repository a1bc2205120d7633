"""The pure parts: keyframe tests, message and settings validation."""

import random
from fractions import Fraction

import av
import pytest
from aiortc.codecs import get_encoder
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from rooms.ids import ParticipantId
from server.sfu import IceServer, MediaOffer, MediaSettings, Mid, Source, TrackInfo
from server.sfu.keyframes import (
    every_packet,
    h264_starts_keyframe,
    keyframe_test,
    vp8_starts_keyframe,
)

H264_PARAMETERS: dict[str, int | str | None] = {
    "packetization-mode": "1",
    "profile-level-id": "42e01f",
}


def packets_of_frames(mime_type: str, keyframes: list[bool]) -> list[list[bytes]]:
    """Real RTP payloads from aiortc's own encoder and packetizer, one list per frame."""
    parameters = H264_PARAMETERS if mime_type == "video/H264" else {}
    codec = RTCRtpCodecParameters(mime_type, 90000, 96, parameters=parameters)
    encoder = get_encoder(codec)
    noise = random.Random(7)
    frames = []
    for i, key in enumerate(keyframes):
        # Noise does not compress: each frame spans several packets.
        frame = av.VideoFrame(320, 240, "yuv420p")
        for plane in frame.planes:
            plane.update(noise.randbytes(plane.buffer_size))
        frame.pts, frame.time_base = i * 3000, Fraction(1, 90000)
        payloads, _ = encoder.encode(frame, force_keyframe=key)
        frames.append(payloads)
    return frames


@pytest.mark.parametrize("mime_type", ["video/VP8", "video/H264"])
def test_a_keyframe_starts_at_its_first_packet_and_nowhere_else(mime_type: str) -> None:
    starts = keyframe_test(mime_type)
    frames = packets_of_frames(mime_type, [True, False, False, True, False])
    assert len(frames[0]) > 2  # the keyframe spans several packets
    for payloads, key in zip(frames, [True, False, False, True, False], strict=True):
        assert starts(payloads[0]) is key
        # The rest of a keyframe continues it; a subscriber cannot start there.
        if mime_type == "video/VP8":
            assert not any(starts(p) for p in payloads[1:])


def test_vp8_descriptor_fields_are_skipped_before_the_frame_tag() -> None:
    key_tag, delta_tag = b"\x50", b"\xb1"
    plain = b"\x10"  # S set, partition 0, no extension
    with_picture_id = b"\x90\x80\x81\x02"  # X, I with a 15-bit picture id
    with_everything = b"\x90\xf0\x05\x07\x20"  # X, I (7 bits), L, T/K
    for descriptor in (plain, with_picture_id, with_everything):
        assert vp8_starts_keyframe(descriptor + key_tag)
        assert not vp8_starts_keyframe(descriptor + delta_tag)
    assert not vp8_starts_keyframe(b"\x00" + key_tag)  # not the start of a partition
    assert not vp8_starts_keyframe(b"\x11" + key_tag)  # partition 1
    for truncated in (b"", b"\x10", b"\x90", b"\x90\x80", b"\x90\x80\x81\x02"):
        assert not vp8_starts_keyframe(truncated)


def test_h264_keyframes_by_their_nal_units() -> None:
    sps, idr, non_idr = b"\x67\x42\x00\x1f", b"\x65\x88\x84", b"\x41\x9a\x02"
    assert h264_starts_keyframe(idr) and h264_starts_keyframe(sps)
    assert not h264_starts_keyframe(non_idr)
    stap_a = b"\x78" + len(sps).to_bytes(2, "big") + sps
    assert h264_starts_keyframe(stap_a)
    assert not h264_starts_keyframe(b"\x78" + len(non_idr).to_bytes(2, "big") + non_idr)
    assert h264_starts_keyframe(b"\x7c\x85\x00")  # FU-A, start of an IDR
    assert not h264_starts_keyframe(b"\x7c\x05\x00")  # FU-A, middle of an IDR
    assert not h264_starts_keyframe(b"\x7c\x81\x00")  # FU-A, start of a non-IDR slice
    assert not h264_starts_keyframe(b"") and not h264_starts_keyframe(b"\x7c")


def test_each_codec_gets_its_test() -> None:
    assert keyframe_test("video/VP8") is vp8_starts_keyframe
    assert keyframe_test("video/H264") is h264_starts_keyframe
    assert keyframe_test("audio/opus") is every_packet


def test_an_offer_labels_each_mid_once() -> None:
    offer = MediaOffer("v=0", (TrackInfo(Mid("0"), Source.SCREEN),))
    assert offer.source_of(Mid("0"), "video") is Source.SCREEN
    assert offer.source_of(Mid("1"), "audio") is Source.MICROPHONE
    assert offer.source_of(Mid("1"), "video") is Source.CAMERA
    with pytest.raises(ValueError, match="twice"):
        MediaOffer("v=0", (TrackInfo(Mid("0"), Source.CAMERA),) * 2)
    with pytest.raises(ValueError):
        MediaOffer("")
    assert TrackInfo(Mid("2"), Source.CAMERA, ParticipantId("p")).publisher == "p"


def test_sources_know_their_kind() -> None:
    assert [s.kind for s in Source] == ["audio", "video", "video"]


def test_settings_validate_themselves() -> None:
    assert MediaSettings().ice_servers == ()
    assert MediaSettings().ice_host_addresses == ()
    with pytest.raises(ValueError):
        MediaSettings(max_publishers_per_room=0)
    with pytest.raises(ValueError):
        IceServer(urls=("http://example.org",))
    with pytest.raises(ValueError):
        IceServer(urls=())
    IceServer(urls=("turn:turn.example.org:3478",), username="u", credential="c")
