"""Each use of aioice's and aiortc's private API, tested alone with real peers over loopback."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aioice
import aioice.ice
import aiortc.codecs
import aiortc.rtcpeerconnection as rtcpeerconnection
import pytest
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.sdp import SessionDescription

from server.media import seams
from server.media.keyframes import vp8_is_keyframe

from .clients import SETTINGS
from .sources import Camera, Microphone


@dataclass
class Pair:
    """A camera on `sender_pc`, sent to `receiver_pc`."""

    sender_pc: RTCPeerConnection
    receiver_pc: RTCPeerConnection
    sender: RTCRtpSender


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    seams.offer_host_addresses(SETTINGS.ice_host_addresses)
    a = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    b = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    sender = a.addTrack(Camera(160, 120))
    try:
        yield Pair(a, b, sender)
    finally:
        await a.close()
        await b.close()


async def connect(pair: Pair) -> RTCRtpReceiver:
    """Negotiate, handing the receiver to the test before it starts; returns it."""
    await pair.sender_pc.setLocalDescription(await pair.sender_pc.createOffer())
    await pair.receiver_pc.setRemoteDescription(pair.sender_pc.localDescription)
    (transceiver,) = pair.receiver_pc.getTransceivers()
    await pair.receiver_pc.setLocalDescription(await pair.receiver_pc.createAnswer())
    await pair.sender_pc.setRemoteDescription(pair.receiver_pc.localDescription)
    return transceiver.receiver


def test_the_installed_versions_are_the_pinned_ones() -> None:
    seams.verify()


async def test_host_addresses_offer_loopback_and_restore() -> None:
    try:
        seams.offer_host_addresses(["127.0.0.1"])
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1"]
        connection = aioice.Connection(ice_controlling=True)
        await connection.gather_candidates()
        assert {c.host for c in connection.local_candidates} == {"127.0.0.1"}
        await connection.close()

        seams.offer_host_addresses([])
        assert "127.0.0.1" not in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)
    finally:
        seams.offer_host_addresses(SETTINGS.ice_host_addresses)


async def test_a_tapped_receiver_hands_over_encoded_frames_and_decodes_none(pair: Pair) -> None:
    frames: list[tuple[str, bytes, int]] = []
    enough = asyncio.Event()

    def sink(codec: object, data: bytes, timestamp: int) -> None:
        frames.append((getattr(codec, "mimeType", ""), data, timestamp))
        if len(frames) >= 10:
            enough.set()

    @pair.receiver_pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        (transceiver,) = pair.receiver_pc.getTransceivers()
        seams.tap_receiver(transceiver.receiver, sink)

    receiver = await connect(pair)
    await asyncio.wait_for(enough.wait(), 5)

    assert {mime for mime, _, _ in frames} == {"video/VP8"}
    assert vp8_is_keyframe(frames[0][1])
    timestamps = [t for _, _, t in frames]
    assert timestamps[0] == 0 and timestamps == sorted(timestamps)
    # Nothing was decoded: the receiver's track never got a frame.
    assert receiver.track._queue.empty()  # type: ignore[attr-defined]


async def test_a_started_receiver_cannot_be_tapped(pair: Pair) -> None:
    receiver = await connect(pair)
    await asyncio.wait_for(receiver.track.recv(), 5)
    with pytest.raises(RuntimeError, match="already started"):
        seams.tap_receiver(receiver, lambda codec, data, timestamp: None)


async def test_a_keyframe_request_reaches_the_remote_sender(pair: Pair) -> None:
    requested = asyncio.Event()
    seams.on_keyframe_request(pair.sender, requested.set)
    receiver = await connect(pair)
    assert seams.request_keyframe(receiver) is None  # no packet yet: no SSRC to name
    await asyncio.wait_for(receiver.track.recv(), 5)

    task = seams.request_keyframe(receiver)
    assert task is not None
    await task
    await asyncio.wait_for(requested.wait(), 5)


async def test_audio_levels_are_read_off_the_packets_as_they_arrive() -> None:
    microphone = Microphone(loud=True)
    a = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    b = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    a.addTrack(microphone)
    levels: list[tuple[int, bool]] = []
    heard, silence = asyncio.Event(), asyncio.Event()

    def sink(level: int, voiced: bool) -> None:
        levels.append((level, voiced))
        if len(levels) >= 5:
            heard.set()
        if level == 127:
            silence.set()

    try:
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(a.localDescription)
        (transceiver,) = b.getTransceivers()
        seams.observe_audio_levels(transceiver.receiver, sink)
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(b.localDescription)

        await asyncio.wait_for(heard.wait(), 5)
        # The sawtooth at -5 dBov; aiortc never sets the voice activity flag (browsers do).
        assert set(levels[:5]) == {(5, False)}
        microphone.loud = False
        await asyncio.wait_for(silence.wait(), 5)
        # The packets still reach the receiver: its track decodes them.
        await asyncio.wait_for(transceiver.receiver.track.recv(), 5)
    finally:
        await a.close()
        await b.close()


MID = "urn:ietf:params:rtp-hdrext:sdes:mid"
AUDIO_LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"


async def test_the_servers_offer_keeps_a_browsers_numbers() -> None:
    # An offer Chromium 156 made (fake camera and microphone): its own payload types and header
    # extension ids, which differ from aiortc's. Chromium refuses a later offer that renumbers.
    browser = (Path(__file__).parent / "chromium-156-offer.sdp").read_text()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        await pc.setRemoteDescription(RTCSessionDescription(browser, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        pc.addTransceiver(Camera(64, 48), direction="sendonly")
        numbers = seams.numbering_of(SessionDescription.parse(browser))
        offer = SessionDescription.parse((await seams.create_offer(pc, numbers)).sdp)
    finally:
        await pc.close()

    assert [m.kind for m in offer.media] == ["audio", "video", "video"]
    for media in offer.media:
        extensions = {x.uri: x.id for x in media.rtp.headerExtensions}
        codecs = {c.mimeType: c.payloadType for c in media.rtp.codecs}
        assert extensions[MID] == 4
        if media.kind == "audio":
            assert extensions[AUDIO_LEVEL] == 1
            assert codecs["audio/opus"] == 111
        else:
            assert extensions[ABS_SEND_TIME] == 2
            assert codecs["video/VP8"] == 96
    # Swapped for the one call only.
    assert rtcpeerconnection.CODECS is aiortc.codecs.CODECS
