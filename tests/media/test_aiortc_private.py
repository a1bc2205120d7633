"""Each use of aioice's and aiortc's private API, tested alone with real peers over loopback."""

import asyncio
import re
import struct
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aioice
import aioice.ice
import aiortc.codecs
import aiortc.rtcpeerconnection as rtcpeerconnection
import av
import pytest
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, RtpPacket, pack_remb_fci
from aiortc.sdp import SessionDescription

from server.sfu import aiortc_private
from server.sfu.keyframes import vp8_starts_keyframe
from tests.harness.waiting import eventually

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
    aiortc_private.offer_host_addresses(SETTINGS.ice_host_addresses)
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
    aiortc_private.verify()


async def test_host_addresses_offer_loopback_and_restore() -> None:
    try:
        aiortc_private.offer_host_addresses(["127.0.0.1"])
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1"]
        connection = aioice.Connection(ice_controlling=True)
        await connection.gather_candidates()
        assert {c.host for c in connection.local_candidates} == {"127.0.0.1"}
        await connection.close()

        aiortc_private.offer_host_addresses([])
        assert "127.0.0.1" not in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)
    finally:
        aiortc_private.offer_host_addresses(SETTINGS.ice_host_addresses)


async def test_a_tapped_receiver_hands_over_each_packet_and_decodes_none(pair: Pair) -> None:
    packets: list[RtpPacket] = []
    enough = asyncio.Event()

    def sink(packet: RtpPacket) -> None:
        packets.append(packet)
        if len(packets) >= 30:
            enough.set()

    @pair.receiver_pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        (transceiver,) = pair.receiver_pc.getTransceivers()
        aiortc_private.tap_rtp(transceiver.receiver, sink)

    receiver = await connect(pair)
    await asyncio.wait_for(enough.wait(), 5)

    codecs = aiortc_private.receive_codecs(receiver)
    assert {codecs[p.payload_type].mimeType for p in packets} == {"video/VP8"}
    assert {p.ssrc for p in packets} == {pair.sender._ssrc}
    sequence = [p.sequence_number for p in packets]
    assert sequence == list(range(sequence[0], sequence[0] + len(packets)))
    assert vp8_starts_keyframe(packets[0].payload)
    assert any(p.marker for p in packets)
    # Nothing was decoded: the receiver's track never got a frame.
    assert receiver.track._queue.empty()  # type: ignore[attr-defined]


async def test_a_keyframe_request_reaches_the_remote_sender(pair: Pair) -> None:
    requested = asyncio.Event()
    aiortc_private.on_keyframe_request(pair.sender, requested.set)
    receiver = await connect(pair)
    assert aiortc_private.request_keyframe(receiver) is None  # no packet yet: no SSRC to name
    await asyncio.wait_for(receiver.track.recv(), 5)

    task = aiortc_private.request_keyframe(receiver)
    assert task is not None
    await task
    await asyncio.wait_for(requested.wait(), 5)


async def test_audio_levels_ride_on_the_tapped_packets() -> None:
    microphone = Microphone(loud=True)
    a = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    b = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    a.addTrack(microphone)
    levels: list[tuple[bool, int]] = []
    heard, silence = asyncio.Event(), asyncio.Event()

    def sink(packet: RtpPacket) -> None:
        level = packet.extensions.audio_level
        assert level is not None
        levels.append(level)
        if len(levels) >= 5:
            heard.set()
        if level[1] == 127:
            silence.set()

    try:
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(a.localDescription)
        (transceiver,) = b.getTransceivers()
        aiortc_private.tap_rtp(transceiver.receiver, sink)
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(b.localDescription)

        await asyncio.wait_for(heard.wait(), 5)
        # The sawtooth at -5 dBov; aiortc never sets the voice activity flag (browsers do).
        assert set(levels[:5]) == {(False, 5)}
        microphone.loud = False
        await asyncio.wait_for(silence.wait(), 5)
    finally:
        await a.close()
        await b.close()


class Idle(MediaStreamTrack):
    """A track that never yields a frame: its sender sends nothing of its own."""

    kind = "video"

    async def recv(self) -> av.VideoFrame:
        await asyncio.get_running_loop().create_future()
        raise AssertionError("unreachable")


@dataclass
class Wire:
    """An idle sender on `a` towards a tapped receiver on `b`, connected."""

    a: RTCPeerConnection
    b: RTCPeerConnection
    sender: RTCRtpSender
    receiver: RTCRtpReceiver
    arrived: "asyncio.Queue[RtpPacket]"


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    aiortc_private.offer_host_addresses(SETTINGS.ice_host_addresses)
    a = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    b = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    sender = a.addTransceiver(Idle(), direction="sendonly").sender
    arrived: asyncio.Queue[RtpPacket] = asyncio.Queue()
    try:
        await a.setLocalDescription(await a.createOffer())
        await b.setRemoteDescription(a.localDescription)
        (transceiver,) = b.getTransceivers()
        aiortc_private.tap_rtp(transceiver.receiver, arrived.put_nowait)
        await b.setLocalDescription(await b.createAnswer())
        await a.setRemoteDescription(b.localDescription)
        # The answer applied, aiortc connects in a task of its own.
        await eventually(lambda: sender.transport.state == "connected")
        yield Wire(a, b, sender, transceiver.receiver, arrived)
    finally:
        await a.close()
        await b.close()


def rtp(wire: Wire, sequence: int, payload: bytes, extensions: bytes = b"") -> bytes:
    (transceiver,) = wire.a.getTransceivers()
    codec = aiortc_private.send_codec(transceiver)
    assert codec is not None and codec.payloadType is not None
    first = 0x90 if extensions else 0x80
    header = struct.pack(
        "!BBHII", first, codec.payloadType, sequence, 90 * sequence, wire.sender._ssrc
    )
    return header + extensions + payload


async def test_packets_written_around_the_sender_arrive_with_its_mid(wire: Wire) -> None:
    (transceiver,) = wire.a.getTransceivers()
    assert transceiver.mid is not None
    extensions, _ = aiortc_private.header_extensions(transceiver)
    write = aiortc_private.rtp_writer(wire.sender.transport)
    for sequence in range(100, 105):
        write(rtp(wire, sequence, b"\x10plenum" + bytes([sequence]), extensions))

    got = [await asyncio.wait_for(wire.arrived.get(), 5) for _ in range(5)]
    assert [p.sequence_number for p in got] == list(range(100, 105))
    assert [p.payload for p in got] == [b"\x10plenum" + bytes([s]) for s in range(100, 105)]
    assert {p.extensions.mid for p in got} == {transceiver.mid}

    # Once the transport is closed, writing drops the packet rather than failing.
    await wire.a.close()
    write(rtp(wire, 105, b"\x10late"))


async def test_the_send_time_stamped_around_the_sender_arrives_as_abs_send_time(
    wire: Wire,
) -> None:
    (transceiver,) = wire.a.getTransceivers()
    extensions, send_time_at = aiortc_private.header_extensions(transceiver)
    assert send_time_at is not None, "aiortc's video m-lines negotiate abs-send-time"
    stamp = aiortc_private.abs_send_time(time.monotonic())
    stamped = extensions[:send_time_at] + stamp + extensions[send_time_at + 3 :]
    write = aiortc_private.rtp_writer(wire.sender.transport)
    write(rtp(wire, 7, b"\x10x", stamped))
    got = await asyncio.wait_for(wire.arrived.get(), 5)
    assert got.extensions.abs_send_time == int.from_bytes(stamp, "big")
    assert got.extensions.mid == transceiver.mid


async def test_the_receivers_estimate_and_loss_reach_the_feedback_hook(wire: Wire) -> None:
    estimates: list[tuple[int, list[int]]] = []
    losses: list[tuple[float, int]] = []
    aiortc_private.on_feedback(
        wire.sender,
        on_estimate=lambda bps, ssrcs: estimates.append((bps, ssrcs)),
        on_loss=lambda fraction, highest: losses.append((fraction, highest)),
    )
    remb = RtcpPsfbPacket(
        fmt=RTCP_PSFB_APP, ssrc=1, media_ssrc=0, fci=pack_remb_fci(750_000, [wire.sender._ssrc])
    )
    await wire.receiver._send_rtcp(remb)
    await eventually(lambda: estimates == [(750_000, [wire.sender._ssrc])])

    # Packets 100 to 109 and 120 to 129: ten of thirty lost, which its next report tells.
    write = aiortc_private.rtp_writer(wire.sender.transport)
    for sequence in (*range(100, 110), *range(120, 130)):
        write(rtp(wire, sequence, b"\x10x"))
    await eventually(lambda: any(highest == 129 for _, highest in losses), timeout=5)
    fraction = next(f for f, highest in losses if highest == 129)
    assert abs(fraction - 10 / 30) < 0.02, fraction


async def test_a_nack_reaches_the_forwarding_not_the_senders_history(wire: Wire) -> None:
    requested: list[int] = []
    aiortc_private.on_retransmit_request(wire.sender, requested.append)
    write = aiortc_private.rtp_writer(wire.sender.transport)
    write(rtp(wire, 7, b"\x10x"))
    await asyncio.wait_for(wire.arrived.get(), 5)

    await wire.receiver._send_rtcp_nack(wire.sender._ssrc, [8, 9])
    await eventually(lambda: requested == [8, 9])


async def test_sender_reports_tell_what_was_written_around_the_sender(wire: Wire) -> None:
    write = aiortc_private.rtp_writer(wire.sender.transport)
    write(rtp(wire, 7, b"\x10x"))
    await asyncio.wait_for(wire.arrived.get(), 5)
    sent_at = time.time()
    aiortc_private.report_sent(
        wire.sender, packets=1234, octets=56789, rtp_timestamp=630, sent_at=sent_at
    )

    async def reported() -> bool:
        stats = await wire.receiver.getStats()
        return any(
            s.type == "remote-outbound-rtp" and s.packetsSent == 1234 and s.bytesSent == 56789
            for s in stats.values()
        )

    await eventually(reported)


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
        numbers = aiortc_private.numbering_of(SessionDescription.parse(browser))
        offer = SessionDescription.parse((await aiortc_private.create_offer(pc, numbers)).sdp)
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
    assert rtcpeerconnection.CODECS is aiortc.codecs.CODECS  # type: ignore[attr-defined]


def one_kind_of(sdp: str, kind: str) -> str:
    """The browser's offer with only its m-line of `kind`, as from a microphone-only join."""
    header, *sections = sdp.split("m=")
    kept = [s for s in sections if s.startswith(kind)]
    mid = next(line for line in kept[0].splitlines() if line.startswith("a=mid:"))[6:]
    header = re.sub(r"a=group:BUNDLE [^\r\n]*", f"a=group:BUNDLE {mid}", header)
    return header + "".join("m=" + s for s in kept)


@pytest.mark.parametrize("kind", ["audio", "video"])
async def test_the_servers_offer_never_gives_one_number_two_meanings(kind: str) -> None:
    # A browser that sends one kind only gets both kinds: the kind it did not offer must be
    # numbered clear of its numbers, as one transport (BUNDLE) carries every m-line.
    browser = one_kind_of((Path(__file__).parent / "chromium-156-offer.sdp").read_text(), kind)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        await pc.setRemoteDescription(RTCSessionDescription(browser, "offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        pc.addTransceiver(Microphone(), direction="sendonly")
        pc.addTransceiver(Camera(64, 48), direction="sendonly")
        numbers = aiortc_private.numbering_of(SessionDescription.parse(browser))
        offer = SessionDescription.parse((await aiortc_private.create_offer(pc, numbers)).sdp)
    finally:
        await pc.close()

    assert sorted(m.kind for m in offer.media) == sorted([kind, "audio", "video"])
    uris: dict[int, str] = {}
    codecs: dict[int | None, tuple[str, str]] = {}
    for media in offer.media:
        for extension in media.rtp.headerExtensions:
            assert uris.setdefault(extension.id, extension.uri) == extension.uri, extension
        for codec in media.rtp.codecs:
            named = (codec.mimeType, str(sorted(codec.parameters.items())))
            assert codecs.setdefault(codec.payloadType, named) == named, codec
    offered = next(m for m in offer.media if m.kind == kind)
    assert {x.uri: x.id for x in offered.rtp.headerExtensions}[MID] == 4  # the browser's own
