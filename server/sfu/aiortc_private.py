"""Every use of aioice's and aiortc's private API, in one place, each seam tested on its own.

The engine forwards RTP packets, which neither library offers publicly:
- aioice gathers host candidates from every interface but loopback, with no setting to choose;
- an `RTCRtpReceiver` always decodes (its jitter buffer builds frames for a decoder thread); the
  tap takes each packet where it would enter the jitter buffer, after the receiver has unwrapped
  RTX, asked for lost packets (NACK) and parsed the header extensions (the audio level among
  them), so the publisher's leg keeps aiortc's repair and reports;
- an `RTCRtpSender` only sends what its own encoder or packetizer makes; the engine writes each
  subscriber's packets itself, SRTP-protected with the sender's session keys, straight to the
  nominated UDP pair, and has the sender's RTCP reports tell those counts;
- a sender answers a keyframe request (PLI/FIR) by setting a flag for its encoder, and a NACK from
  its own history; the engine has neither, so both are turned to the forwarding instead;
- a receiver sends PLI only from private methods;
- `createOffer` numbers every m-line afresh with aiortc's own payload types and header extension
  ids, which a browser refuses for the m-lines it negotiated with its own numbers;
- aiortc has no simulcast: it neither negotiates the RTP stream id nor answers a browser's
  `a=simulcast`, routes a stream its offer did not list by payload type only (two video m-lines
  share one), and its receiver asks for lost packets as if all its streams were one.

These rest on the exact versions pinned below; `verify()` fails loudly at start-up if they moved.
"""

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import aioice
import aioice.ice
import aiortc
import aiortc.rtcpeerconnection as rtcpeerconnection
from aiortc import (
    RTCDtlsTransport,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.codecs import CODECS, HEADER_EXTENSIONS
from aiortc.rtcdtlstransport import RtpRouter
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpparameters import (
    RTCRtpCodecParameters,
    RTCRtpHeaderExtensionParameters,
    RTCRtpParameters,
)
from aiortc.rtcrtpreceiver import NackGenerator
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTP_HEADER_LENGTH,
    AnyRtcpPacket,
    HeaderExtensions,
    HeaderExtensionsMap,
    RtcpPsfbPacket,
    RtcpRrPacket,
    RtcpSrPacket,
    RtpPacket,
    unpack_remb_fci,
)
from aiortc.sdp import SessionDescription

logger = logging.getLogger(__name__)

PINNED: Final = {"aiortc": "1.16.0", "aioice": "0.13.0"}

_JITTER_BUFFER: Final = "_RTCRtpReceiver__jitter_buffer"
_NACK_GENERATOR: Final = "_RTCRtpReceiver__nack_generator"
_BITRATE_ESTIMATOR: Final = "_RTCRtpReceiver__remote_bitrate_estimator"
_RECEIVE_CODECS: Final = "_RTCRtpReceiver__codecs"
_SENDER_REPORT_FIELDS: Final = ("packet_count", "octet_count", "rtp_timestamp", "ntp_timestamp")
# From 1900 (NTP's epoch) to 1970 (Unix time's).
_NTP_EPOCH_OFFSET_S: Final = 2_208_988_800

RtpPacketSink = Callable[[RtpPacket], None]
"""Gets each RTP packet a receiver accepts (RTX already unwrapped, header extensions parsed), on
the event loop's thread, in arrival order."""


def verify() -> None:
    """Raise if the installed libraries are not the versions these seams were written against."""
    found = {"aiortc": aiortc.__version__, "aioice": aioice.__version__}
    if found != PINNED:
        raise RuntimeError(f"server.sfu.aiortc_private is written for {PINNED}, found {found}")
    for owner, name in (
        (aioice.ice, "get_host_addresses"),
        *((rtcpeerconnection, name) for name in _NUMBERS),
        (rtcpeerconnection, "find_common_codecs"),
        (rtcpeerconnection, "find_common_header_extensions"),
        (RTCRtpReceiver, "_send_rtcp_pli"),
        (HeaderExtensions, "audio_level"),
        (RTCRtpSender, "_send_keyframe"),
        (RTCRtpSender, "_handle_rtcp_packet"),
        (RTCRtpSender, "_retransmit"),
        (RTCRtpReceiver, "_send_rtcp_nack"),
        (RtpRouter, "route_rtp"),
        (HeaderExtensions, "rtp_stream_id"),
    ):
        if not hasattr(owner, name):
            raise RuntimeError(f"{owner!r} has no {name}: the pinned private API moved")
    # Instance attributes: each must still be named in one of its class's methods.
    for cls, fields in (
        (RTCRtpReceiver, (_JITTER_BUFFER, _RECEIVE_CODECS, _NACK_GENERATOR, _BITRATE_ESTIMATOR)),
        (RTCRtpSender, _sender_report_attributes()),
        (RTCRtpTransceiver, ("_codecs", "_headerExtensions")),
        (RTCDtlsTransport, ("_state", "_tx_srtp", "_rtp_router")),
        (RtpRouter, ("mid_table", "ssrc_table")),
        (aioice.Connection, ("_nominated",)),
    ):
        named = {n for f in vars(cls).values() if callable(f) for n in _names_in(f)}
        for field in fields:
            if field not in named:
                raise RuntimeError(f"{cls!r} no longer uses {field}: the pinned private API moved")


def _sender_report_attributes() -> tuple[str, ...]:
    return tuple(f"_RTCRtpSender__{field}" for field in _SENDER_REPORT_FIELDS)


def _names_in(function: object) -> tuple[str, ...]:
    code = getattr(function, "__code__", None)
    return code.co_names if code is not None else ()


_original_get_host_addresses: Final = aioice.ice.get_host_addresses


def offer_host_addresses(addresses: Sequence[str]) -> None:
    """Make aioice offer exactly these addresses as host candidates, process-wide.

    Empty restores aioice's own choice. aioice binds a socket on each address, so each must be an
    address of this machine (loopback included, which aioice otherwise leaves out).
    """
    chosen = list(addresses)
    if not chosen:
        aioice.ice.get_host_addresses = _original_get_host_addresses
        return

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = get_host_addresses


class _PacketTap:
    """Stands in for a receiver's jitter buffer: each packet goes to the sink, no frame is built.

    The receiver has already done its part by then: RTX unwrapped, NACKs sent for gaps, receiver
    reports and bandwidth estimates kept, the header extensions parsed. Its decoder thread starts
    and waits on an empty queue, since no frame ever completes.
    """

    def __init__(self, sink: RtpPacketSink) -> None:
        self._sink = sink

    def add(self, packet: RtpPacket) -> tuple[bool, None]:
        try:
            self._sink(packet)
        except Exception:
            # Raised into aiortc's packet handler it would stop the whole transport.
            logger.exception("media packet sink failed")
        return False, None


def tap_rtp(receiver: RTCRtpReceiver, sink: RtpPacketSink) -> None:
    """Send every packet the receiver accepts to `sink` instead of its jitter buffer and decoder.

    Call before the first packet arrives (the `track` event is the moment), or the receiver will
    have decoded what came before.
    """
    if not hasattr(receiver, _JITTER_BUFFER):
        raise RuntimeError("tap_rtp: RTCRtpReceiver has no jitter buffer to replace")
    setattr(receiver, _JITTER_BUFFER, _PacketTap(sink))


def receive_codecs(receiver: RTCRtpReceiver) -> Mapping[int, RTCRtpCodecParameters]:
    """The receiver's codecs by payload type, as negotiated (a live view: filled on start)."""
    codecs: Mapping[int, RTCRtpCodecParameters] = getattr(receiver, _RECEIVE_CODECS)
    return codecs


def send_codec(transceiver: RTCRtpTransceiver) -> RTCRtpCodecParameters | None:
    """The codec a transceiver's sender was started with (the first negotiated), if any."""
    codecs: list[RTCRtpCodecParameters] = transceiver._codecs
    return codecs[0] if codecs else None


RtpWriter = Callable[[bytes], None]


def rtp_writer(transport: RTCDtlsTransport) -> RtpWriter:
    """A function that SRTP-protects an RTP packet and writes it to the peer's UDP address at once.

    It goes around `RTCDtlsTransport._send_rtp` and aioice's send coroutines, whose awaits cost
    more than the send itself. Packets written before the transport is connected, or after it
    closed, are dropped, as a network would.
    """
    ice = transport.transport
    connected = DtlsState.CONNECTED
    # The nominated pair's socket and address, looked up again only when the pair changes
    # (aioice builds the address tuple afresh on every read).
    route: list[Any] = [None, None, None]

    def write(data: bytes) -> None:
        if transport._state is not connected:
            return
        pair = ice._connection._nominated.get(1)
        if pair is not route[0]:
            if pair is None or pair.protocol.transport is None:
                return
            route[:] = [pair, pair.protocol.transport.sendto, pair.remote_addr]
        route[1](transport._tx_srtp.protect(data), route[2])

    return write


# Written into the abs-send-time slot of a template, to find where each packet's time goes.
_SEND_TIME_MARK: Final = 0xA5C3E1


def header_extensions(transceiver: RTCRtpTransceiver) -> tuple[bytes, int | None]:
    """The header extension block (RFC 8285) for the transceiver's packets, with the ids its last
    negotiation agreed on: its mid, and a slot for the abs-send-time (whose offset in the block
    is returned; None when it was not negotiated). b"" when neither was negotiated.

    A receiver that gets abs-send-time estimates the bandwidth it has, from how the packets'
    spacing on arrival drifts from their spacing when sent, and reports it with REMB.
    """
    if transceiver.mid is None:
        return b"", None
    extensions_map = HeaderExtensionsMap()
    extensions_map.configure(RTCRtpParameters(headerExtensions=transceiver._headerExtensions))
    packet = RtpPacket()
    packet.extensions.mid = transceiver.mid
    packet.extensions.abs_send_time = _SEND_TIME_MARK
    block = packet.serialize(extensions_map)[RTP_HEADER_LENGTH:]
    at = block.find(_SEND_TIME_MARK.to_bytes(3, "big"))
    return block, (at if at >= 0 else None)


def abs_send_time(now: float) -> bytes:
    """The abs-send-time extension's value: seconds, 6.18 fixed point, modulo 64 s."""
    return (int(now * (1 << 18)) & 0xFFFFFF).to_bytes(3, "big")


def on_retransmit_request(sender: RTCRtpSender, callback: Callable[[int], None]) -> None:
    """Call `callback` with each sequence number the remote peer reports lost (RTCP NACK)."""

    async def retransmit(sequence_number: int) -> None:
        callback(sequence_number)

    # The sender's RTCP handler awaits self._retransmit(seq); an instance attribute shadows it.
    sender._retransmit = retransmit  # type: ignore[method-assign]


def report_sent(
    sender: RTCRtpSender, *, packets: int, octets: int, rtp_timestamp: int, sent_at: float
) -> None:
    """Have the sender's next RTCP sender report tell what was really sent around it.

    `rtp_timestamp` is the last packet's, `sent_at` its wall-clock time (`time.time()`): the
    pair a receiver uses to line audio up with video.
    """
    ntp_timestamp = int((sent_at + _NTP_EPOCH_OFFSET_S) * (1 << 32))
    values = (packets & 0xFFFFFFFF, octets & 0xFFFFFFFF, rtp_timestamp, ntp_timestamp)
    for name, value in zip(_sender_report_attributes(), values, strict=True):
        setattr(sender, name, value)


def on_feedback(
    sender: RTCRtpSender,
    *,
    on_estimate: Callable[[int, list[int]], None],
    on_loss: Callable[[float, int], None],
) -> None:
    """Hear what the remote peer reports about the link: its estimate of the bandwidth it
    receives (REMB: bits per second, and the streams it covers), and, from each receiver
    report, the fraction of this sender's packets it lost since its last one (0 to 1) and the
    highest extended sequence number it received."""
    handle = sender._handle_rtcp_packet

    async def heard(packet: AnyRtcpPacket) -> None:
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            try:
                bitrate, ssrcs = unpack_remb_fci(packet.fci)
            except ValueError:
                pass  # an application feedback that is not REMB
            else:
                on_estimate(bitrate, ssrcs)
        elif isinstance(packet, RtcpRrPacket | RtcpSrPacket):
            for report in packet.reports:
                if report.ssrc == sender._ssrc:
                    on_loss(report.fraction_lost / 256, report.highest_sequence)
        await handle(packet)

    # The transport's RTCP router awaits sender._handle_rtcp_packet(packet); an instance
    # attribute shadows the method, and the sender still does its own part after us.
    sender._handle_rtcp_packet = heard  # type: ignore[method-assign]


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call `callback` when the remote peer asks this sender for a keyframe (PLI or FIR)."""
    # The sender's RTCP handler calls self._send_keyframe(); an instance attribute shadows it.
    sender._send_keyframe = callback  # type: ignore[method-assign]


def request_keyframe(
    receiver: RTCRtpReceiver, ssrc: int | None = None
) -> asyncio.Task[None] | None:
    """Send a PLI for the stream `ssrc`, or for every stream the receiver gets (None); None when
    no packet has arrived yet."""
    ssrcs = [s.source for s in receiver.getSynchronizationSources()]
    if ssrc is not None:
        ssrcs = [ssrc] if ssrc in ssrcs else []
    if not ssrcs:
        return None

    async def send() -> None:
        for ssrc in ssrcs:
            await receiver._send_rtcp_pli(ssrc)

    return asyncio.create_task(send())


# What aiortc's createOffer numbers m-lines from: module globals of aiortc.rtcpeerconnection.
_NUMBERS: Final = ("CODECS", "HEADER_EXTENSIONS")


@dataclass(frozen=True)
class Numbering:
    """The payload type of each codec and the id of each header extension, by media kind."""

    codecs: dict[str, list[RTCRtpCodecParameters]]
    header_extensions: dict[str, list[RTCRtpHeaderExtensionParameters]]


def numbering_of(description: SessionDescription) -> Numbering:
    """The remote peer's numbers for what aiortc supports, from its offer.

    A kind the offer has no m-line of (a client that sends only audio) gets aiortc's numbers,
    moved clear of the remote peer's: all m-lines share one transport (BUNDLE), where an id or
    payload type must mean the same thing on every m-line, or a browser refuses the offer.
    """
    codecs: dict[str, list[RTCRtpCodecParameters]] = {}
    extensions: dict[str, list[RTCRtpHeaderExtensionParameters]] = {}
    for kind in ("audio", "video"):
        media = next((m for m in description.media if m.kind == kind), None)
        if media is None:
            continue
        common = rtcpeerconnection.find_common_codecs(CODECS[kind], media.rtp.codecs)
        if common:
            codecs[kind] = common
            extensions[kind] = rtcpeerconnection.find_common_header_extensions(
                HEADER_EXTENSIONS[kind], media.rtp.headerExtensions
            )
    payload_types = {c.payloadType for m in description.media for c in m.rtp.codecs}
    extension_ids = {x.uri: x.id for m in description.media for x in m.rtp.headerExtensions}
    for kind in ("audio", "video"):
        if kind not in codecs:
            codecs[kind] = _clear_of(CODECS[kind], payload_types)
            extensions[kind] = _agreeing(HEADER_EXTENSIONS[kind], extension_ids)
        payload_types |= {c.payloadType for c in codecs[kind]}
        extension_ids |= {x.uri: x.id for x in extensions[kind]}
    return Numbering(codecs, extensions)


# RFC 3551's dynamic range first, then 35-63, which browsers use once it runs out (RFC 5761 keeps
# 64-95 clear of RTCP's packet types under rtcp-mux).
_FREE_PAYLOAD_TYPES: Final = (*range(96, 128), *range(35, 64))


def _clear_of(
    codecs: Sequence[RTCRtpCodecParameters], taken: set[int | None]
) -> list[RTCRtpCodecParameters]:
    """`codecs` with every payload type that is `taken` moved to a free one (RTX's apt too)."""
    used = set(taken) | {c.payloadType for c in codecs}
    free = (pt for pt in _FREE_PAYLOAD_TYPES if pt not in used)
    moved = {c.payloadType: next(free) for c in codecs if c.payloadType in taken}
    renumbered = []
    for codec in codecs:
        parameters = dict(codec.parameters)
        apt = parameters.get("apt")
        if isinstance(apt, int) and apt in moved:
            parameters["apt"] = moved[apt]
        payload_type = moved.get(codec.payloadType, codec.payloadType)
        renumbered.append(replace(codec, payloadType=payload_type, parameters=parameters))
    return renumbered


def _agreeing(
    extensions: Sequence[RTCRtpHeaderExtensionParameters], ids: Mapping[str, int]
) -> list[RTCRtpHeaderExtensionParameters]:
    """`extensions` with the id `ids` gives each uri, and an unused id for a uri it lacks."""
    used = set(ids.values())
    free = (i for i in range(1, 15) if i not in used)  # RFC 8285's one-byte form: 1 to 14
    agreeing = []
    for extension in extensions:
        chosen = ids.get(extension.uri)
        if chosen is None:
            chosen = extension.id if extension.id not in used else next(free)
        used.add(chosen)
        agreeing.append(RTCRtpHeaderExtensionParameters(id=chosen, uri=extension.uri))
    return agreeing


async def create_offer(pc: RTCPeerConnection, numbering: Numbering | None) -> RTCSessionDescription:
    """`pc.createOffer()`, numbered as the remote peer numbers (None: aiortc's own numbers).

    createOffer reads the module's `CODECS` and `HEADER_EXTENSIONS` for every transceiver; they
    are swapped for the call only, and the call must finish without suspending, so no other
    coroutine ever sees the swap.
    """
    if numbering is None:
        return await pc.createOffer()
    saved = [getattr(rtcpeerconnection, name) for name in _NUMBERS]
    for name, value in zip(_NUMBERS, (numbering.codecs, numbering.header_extensions), strict=True):
        setattr(rtcpeerconnection, name, value)
    offering = pc.createOffer()
    try:
        offering.send(None)
    except StopIteration as finished:
        offer: RTCSessionDescription = finished.value
        return offer
    finally:
        for name, value in zip(_NUMBERS, saved, strict=True):
            setattr(rtcpeerconnection, name, value)
    offering.close()
    raise RuntimeError("createOffer suspended: the numbering seam no longer holds")


# Simulcast: a browser sends each layer as a stream of its own on one m-line, naming its layer
# with this header extension (RFC 8852) on the stream's first packets.
RTP_STREAM_ID: Final = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"


def negotiate_stream_ids() -> None:
    """Have every video m-line negotiate the RTP stream id from now on, process-wide."""
    video = HEADER_EXTENSIONS["video"]
    if not any(x.uri == RTP_STREAM_ID for x in video):
        used = {x.id for x in video}
        free = next(i for i in range(1, 15) if i not in used)
        video.append(RTCRtpHeaderExtensionParameters(id=free, uri=RTP_STREAM_ID))


def route_streams_by_mid(transport: RTCDtlsTransport) -> None:
    """Route a stream the remote description did not list to the m-line its packets name (the
    mid header extension), as RFC 8843 says; aiortc goes by payload type alone, which two video
    m-lines (a camera and a screen) share, so it would drop a simulcast layer's packets."""
    router = transport._rtp_router
    if getattr(router, "_plenum_by_mid", False):
        return
    route = router.route_rtp

    def route_rtp(packet: RtpPacket) -> Any:
        if packet.ssrc not in router.ssrc_table and packet.extensions.mid is not None:
            receiver = router.mid_table.get(packet.extensions.mid)
            if receiver is not None:
                router.ssrc_table[packet.ssrc] = receiver
        return route(packet)

    router.route_rtp = route_rtp  # type: ignore[method-assign]
    router._plenum_by_mid = True  # type: ignore[attr-defined]


class _NackPerStream:
    """Stands in for a receiver's NACK generator: one per stream, for a receiver that gets
    several (simulcast layers), whose sequence numbers have nothing to do with each other.

    The receiver calls `add(packet)` and, when it says packets went missing, reads `missing`
    for the stream of that packet."""

    def __init__(self) -> None:
        self._streams: dict[int, NackGenerator] = {}
        self._last: NackGenerator = NackGenerator()

    def add(self, packet: RtpPacket) -> bool:
        generator = self._streams.get(packet.ssrc)
        if generator is None:
            generator = self._streams[packet.ssrc] = NackGenerator()
        self._last = generator
        return generator.add(packet)

    @property
    def missing(self) -> set[int]:
        return self._last.missing


def nack_per_stream(receiver: RTCRtpReceiver) -> None:
    """Have the receiver ask for lost packets stream by stream (see `_NackPerStream`)."""
    if getattr(receiver, _NACK_GENERATOR, None) is not None:
        setattr(receiver, _NACK_GENERATOR, _NackPerStream())


def stop_bandwidth_estimates(receiver: RTCRtpReceiver) -> None:
    """Send the publisher no REMB for this receiver's streams.

    aiortc's delay-based estimate takes the event loop's own delays for a congested link: two
    simulcast cameras it received were held at about 390 kbit/s (measured), below what their
    larger layer needs, which never started. Without REMB the browser's own loss-based control
    still backs off on a congested uplink.
    """
    setattr(receiver, _BITRATE_ESTIMATOR, None)
