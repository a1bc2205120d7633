"""The pure parts: keyframe tests, message and settings validation."""

import pytest

from rooms.ids import ParticipantId
from server.media import IceServer, MediaOffer, MediaSettings, Mid, Source, TrackInfo
from server.media.keyframes import h264_is_keyframe, keyframe_test, vp8_is_keyframe

# The first bytes of real VP8 frames: a key frame's tag has bit 0 clear and carries the start code.
VP8_KEY = bytes.fromhex("5005009d012a4001f000")
VP8_DELTA = bytes.fromhex("b10200")


def test_vp8_keyframes_by_their_tag() -> None:
    assert vp8_is_keyframe(VP8_KEY)
    assert not vp8_is_keyframe(VP8_DELTA)
    assert not vp8_is_keyframe(b"")


def test_h264_keyframes_by_their_nal_units() -> None:
    sps_then_idr = b"\x00\x00\x00\x01\x67\x42\x00\x1f" + b"\x00\x00\x01\x65\x88"
    non_idr = b"\x00\x00\x00\x01\x41\x9a"
    assert h264_is_keyframe(sps_then_idr)
    assert h264_is_keyframe(b"\x00\x00\x01\x65\x88")
    assert not h264_is_keyframe(non_idr)
    assert not h264_is_keyframe(b"\x00\x00\x01")


def test_each_codec_gets_its_test() -> None:
    assert keyframe_test("video/VP8") is vp8_is_keyframe
    assert keyframe_test("video/H264") is h264_is_keyframe
    assert keyframe_test("audio/opus")(b"\x01")


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
