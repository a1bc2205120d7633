"""Every use of aioice's and aiortc's private API, in one place, each seam tested on its own.

The engine forwards encoded media, which neither library offers publicly:
- aioice gathers host candidates from every interface but loopback, with no setting to choose;
- an `RTCRtpReceiver` always decodes (its jitter buffer feeds a decoder thread through a private
  queue); the tap takes the encoded frames off that queue instead;
- an `RTCRtpSender` answers a keyframe request (PLI/FIR) by setting a flag for its encoder; the
  engine has no encoder, so the request must reach the publisher instead;
- a receiver sends PLI only from private methods;
- a receiver parses each packet's audio level (RFC 6464) but keeps it to itself; the engine
  watches the packets go into the receiver's private handler to read it, never decoding;
- `createOffer` numbers every m-line afresh with aiortc's own payload types and header extension
  ids, which a browser refuses for the m-lines it negotiated with its own numbers.

These rest on the exact versions pinned below; `verify()` fails loudly at start-up if they moved.
"""

import asyncio
import logging
import queue
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import aioice
import aioice.ice
import aiortc
import aiortc.rtcpeerconnection as rtcpeerconnection
from aiortc import RTCPeerConnection, RTCRtpReceiver, RTCRtpSender, RTCSessionDescription
from aiortc.codecs import CODECS, HEADER_EXTENSIONS
from aiortc.rtcrtpparameters import RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters
from aiortc.rtp import HeaderExtensions, RtpPacket
from aiortc.sdp import SessionDescription

logger = logging.getLogger(__name__)

PINNED: Final = {"aiortc": "1.16.0", "aioice": "0.13.0"}

_DECODER_QUEUE: Final = "_RTCRtpReceiver__decoder_queue"
_DECODER_THREAD: Final = "_RTCRtpReceiver__decoder_thread"

EncodedFrameSink = Callable[[RTCRtpCodecParameters, bytes, int], None]
"""Gets each encoded frame a receiver reassembles: its codec, its bytes, and its RTP timestamp
(counted from the stream's first frame, unwrapped), on the event loop's thread."""

AudioLevelSink = Callable[[int, bool], None]
"""Gets each received audio packet's RFC 6464 level, in -dBov (0 is the loudest, 127 silence),
and its voice activity flag, on the event loop's thread, before the packet goes on."""


def verify() -> None:
    """Raise if the installed libraries are not the versions these seams were written against."""
    found = {"aiortc": aiortc.__version__, "aioice": aioice.__version__}
    if found != PINNED:
        raise RuntimeError(f"server.media.seams is written for {PINNED}, found {found}")
    for owner, name in (
        (aioice.ice, "get_host_addresses"),
        *((rtcpeerconnection, name) for name in _NUMBERS),
        (rtcpeerconnection, "find_common_codecs"),
        (rtcpeerconnection, "find_common_header_extensions"),
        (RTCRtpReceiver, "_send_rtcp_pli"),
        (RTCRtpReceiver, "_handle_rtp_packet"),
        (HeaderExtensions, "audio_level"),
        (RTCRtpSender, "_send_keyframe"),
    ):
        if not hasattr(owner, name):
            raise RuntimeError(f"{owner!r} has no {name}: the pinned private API moved")


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


class _TapQueue:
    """Stands in for a receiver's decoder queue: frames go to the sink, the thread only waits.

    The receiver still starts its decoder thread; it blocks in `get()` until the receiver stops
    it with `None`, and never decodes anything.
    """

    def __init__(self, sink: EncodedFrameSink) -> None:
        self._sink = sink
        self._stop: queue.Queue[None] = queue.Queue()

    def put(self, task: tuple[RTCRtpCodecParameters, Any] | None) -> None:
        if task is None:
            self._stop.put(None)
            return
        codec, encoded_frame = task
        try:
            self._sink(codec, encoded_frame.data, encoded_frame.timestamp)
        except Exception:
            # Raised into aiortc's packet handler it would stop the whole transport.
            logger.exception("media frame sink failed")

    def get(self) -> None:
        return self._stop.get()


def tap_receiver(receiver: RTCRtpReceiver, sink: EncodedFrameSink) -> None:
    """Send the receiver's encoded frames to `sink` instead of its decoder.

    Call before the receiver starts (its `track` event is the moment): the decoder thread is
    handed the queue when it starts.
    """
    if getattr(receiver, _DECODER_THREAD) is not None:
        raise RuntimeError("tap_receiver: the receiver has already started")
    if not hasattr(receiver, _DECODER_QUEUE):
        raise RuntimeError("tap_receiver: RTCRtpReceiver has no decoder queue to replace")
    setattr(receiver, _DECODER_QUEUE, _TapQueue(sink))


def observe_audio_levels(receiver: RTCRtpReceiver, sink: AudioLevelSink) -> None:
    """Call `sink` with the audio level of every packet the receiver gets that carries one.

    Only packets whose sender wrote the `ssrc-audio-level` header extension carry a level; aiortc
    offers and answers the extension for audio, and parses it as the packet arrives.
    """
    handle = receiver._handle_rtp_packet

    async def observed(packet: RtpPacket, arrival_time_ms: int) -> None:
        level = packet.extensions.audio_level
        if level is not None:
            voiced, minus_dbov = level
            try:
                sink(minus_dbov, voiced)
            except Exception:
                logger.exception("audio level sink failed")
        await handle(packet, arrival_time_ms=arrival_time_ms)

    # The transport calls receiver._handle_rtp_packet(); an instance attribute shadows it.
    receiver._handle_rtp_packet = observed  # type: ignore[method-assign]


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call `callback` when the remote peer asks this sender for a keyframe (PLI or FIR)."""
    # The sender's RTCP handler calls self._send_keyframe(); an instance attribute shadows it.
    sender._send_keyframe = callback  # type: ignore[method-assign]


def request_keyframe(receiver: RTCRtpReceiver) -> asyncio.Task[None] | None:
    """Send a PLI for every stream the receiver gets; None when no packet has arrived yet."""
    ssrcs = [s.source for s in receiver.getSynchronizationSources()]
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
    """The remote peer's numbers for what aiortc supports, from its offer; aiortc's own numbers
    for a kind the offer has no m-line of."""
    codecs = {kind: list(listed) for kind, listed in CODECS.items()}
    extensions = {kind: list(listed) for kind, listed in HEADER_EXTENSIONS.items()}
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
    return Numbering(codecs, extensions)


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
