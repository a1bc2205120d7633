"""One participant's peer connection: the tracks it publishes and the ones it is sent.

The peer holds the SDP mechanics; who may publish and who receives whom is the engine's call.
Every negotiation step runs under the peer's lock, so a client's offer never meets a half-built
server offer (aiortc would bind the client's new m-line to a transceiver the server has just
added but not yet offered).
"""

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.sdp import SessionDescription

from rooms.ids import ParticipantId
from server.sfu import aiortc_private
from server.sfu.bandwidth import LinkEstimate, allocate_layers
from server.sfu.errors import MediaError, MediaErrorCode
from server.sfu.forwarding import PACKET_OVERHEAD, Feed, Outlet, ReceivedFeed
from server.sfu.messages import (
    MediaAnswer,
    MediaOffer,
    MediaView,
    Mid,
    Refusal,
    SendLimit,
    Source,
    TrackInfo,
    default_source,
)
from server.sfu.settings import MediaSettings
from server.sfu.simulcast import offered_layers, take_layers

FeedKey = tuple[ParticipantId, Mid]
Judge = Callable[[Feed], Refusal | None]


def feed_key(feed: Feed) -> FeedKey:
    return feed.publisher, feed.mid


@dataclass
class Slot:
    """A sendonly m-line towards the client; idle slots are reused for the same kind and codec."""

    transceiver: RTCRtpTransceiver
    outlet: Outlet
    mime_type: str
    feed: Feed | None = None


def parse_sdp(sdp: str) -> SessionDescription:
    try:
        return SessionDescription.parse(sdp)
    except Exception as exc:  # aiortc's parser raises whatever the bad line causes
        raise MediaError(MediaErrorCode.BAD_SDP, f"the SDP does not parse: {exc}") from exc


def ice_ufrag(description: SessionDescription) -> str | None:
    """The offerer's ICE username fragment: a new one means a new peer connection."""
    return next((m.ice.usernameFragment for m in description.media if m.ice is not None), None)


def sending_mids(description: SessionDescription) -> dict[Mid, str]:
    """The audio and video mids an offer says its author sends, with their kinds."""
    return {
        Mid(m.rtp.muxId): m.kind
        for m in description.media
        if m.kind in ("audio", "video") and m.direction in ("sendonly", "sendrecv")
    }


def _usable(layers: tuple[Feed, ...]) -> list[int]:
    """The layers a subscriber may be switched to: those that had packets in the last step
    (a browser stops sending a layer its uplink or its camera cannot afford), else those that
    ever had, else the largest."""
    return (
        [i for i, layer in enumerate(layers) if layer.flowing]
        or [i for i, layer in enumerate(layers) if layer.live]
        or [len(layers) - 1]
    )


def _tile_layer(layers: list[Feed], height: int | None) -> int:
    """The smallest of `layers` whose pictures are as tall as the tile (`height` pixels; None:
    as large as there is); the largest when none is, or their size is not known."""
    if height is not None:
        for position, layer in enumerate(layers):
            if layer.height is not None and layer.height >= height:
                return position
    return len(layers) - 1


class Peer:
    def __init__(
        self,
        participant: ParticipantId,
        settings: MediaSettings,
        on_live: Callable[[Feed], None],
        on_level: Callable[[Feed, int], None] | None = None,
        on_voice: Callable[[Feed], None] | None = None,
    ) -> None:
        self.participant = participant
        self.feeds: dict[Mid, Feed] = {}
        self.slots: list[Slot] = []
        self.lock = asyncio.Lock()
        self.closed = False
        self._settings = settings
        self._on_live = on_live
        self._on_level = on_level
        self._on_voice = on_voice
        self._wanted: dict[FeedKey, Feed] = {}
        # The videos the client shows (`MediaView`); None until it says: then every one flows.
        self.view: MediaView | None = None
        # What its browser was last asked to send at most (`server.sfu.limits`).
        self.limits: tuple[SendLimit, ...] = ()
        # Who speaks in its room (set by the engine): their video comes first on a weak link.
        self.speaker: ParticipantId | None = None
        # What its link can carry, from its RTCP feedback (`server.sfu.bandwidth`).
        self.link = LinkEstimate()
        self.budget: float | None = None
        self._sent = (0.0, 0)  # when, and the octets sent then
        self._stale = False
        self._offer: MediaOffer | None = None
        # The simulcast layers the client sends on its m-lines, by mid: every description the
        # server sends takes them (`server.sfu.simulcast`).
        self.layers: dict[str, tuple[str, ...]] = {}
        self._numbering: aiortc_private.Numbering | None = None
        # Set by the engine: when the peer must be connected by, or be closed.
        self.deadline: asyncio.TimerHandle | None = None
        # The ICE username fragment of the client's peer connection, once its offer is applied.
        self.remote_ufrag: str | None = None
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.on("track", self._on_track)

    @property
    def negotiating(self) -> bool:
        return self.pc.signalingState != "stable"

    @property
    def needs_offer(self) -> bool:
        return self._stale or self._wanted != {
            feed_key(s.feed): s.feed for s in self.slots if s.feed is not None
        }

    def want(self, feeds: Iterable[Feed]) -> None:
        """The feeds this participant should receive; `make_offer` brings the session there."""
        self._wanted = {feed_key(f): f for f in feeds}

    def fit(self) -> None:
        """Send the videos the client shows that its link can carry, each in the layer its
        tile needs (or the largest below that fits); pause the others.

        The m-lines stay as they are: showing a tile again costs a keyframe, not a negotiation.
        """
        heights = {(v.publisher, v.source): v.height for v in self.view.shown} if self.view else {}
        videos = []
        flowing = {}
        usable_layers = {}
        for slot in self._videos_by_priority():
            assert slot.feed is not None
            layers = slot.feed.layers
            usable = _usable(layers)
            usable_layers[slot.outlet] = usable
            rates = [layers[i].bitrate for i in usable]
            height = heights.get((slot.feed.publisher, slot.feed.source))
            videos.append((slot.outlet, rates, _tile_layer([layers[i] for i in usable], height)))
            if not slot.outlet.paused and slot.outlet.layer in layers:
                # Where the layer sent now is among the usable ones (or the largest below it).
                current = layers.index(slot.outlet.layer)
                below = [position for position, i in enumerate(usable) if i <= current]
                flowing[slot.outlet] = below[-1] if below else 0
        chosen = allocate_layers(
            self.budget,
            # The voices it is sent (a room's closed voices are not: `server.sfu.voices`).
            sum(
                s.feed.bitrate
                for s in self.slots
                if s.feed is not None and s.feed.kind == "audio" and s.feed.audible
            ),
            videos,
            flowing,
        )
        for slot in self.slots:
            if slot.feed is not None and slot.feed.kind == "video":
                position = chosen.get(slot.outlet)
                if position is None:
                    slot.outlet.pause()
                    continue
                slot.outlet.choose_layer(usable_layers[slot.outlet][position])
                slot.outlet.resume()

    def _videos_by_priority(self) -> list[Slot]:
        """The video slots the client shows, the most wanted first: in its view's order, or
        (before its first view) the shared screens, the active speaker, then the rest."""
        videos = [s for s in self.slots if s.feed is not None and s.feed.kind == "video"]
        if self.view is None:

            def rank(slot: Slot) -> int:
                assert slot.feed is not None
                if slot.feed.source == Source.SCREEN:
                    return 0
                return 1 if slot.feed.publisher == self.speaker else 2

            return sorted(videos, key=rank)
        order = {(v.publisher, v.source): i for i, v in enumerate(self.view.shown)}
        shown = [s for s in videos if s.feed and (s.feed.publisher, s.feed.source) in order]
        return sorted(
            shown, key=lambda s: order[(s.feed.publisher, s.feed.source)] if s.feed else 0
        )

    def measure_link(self, now: float) -> None:
        """Once a step: what was sent since the last, and what the link may carry now."""
        octets = sum(s.outlet.octets + s.outlet.packets * PACKET_OVERHEAD for s in self.slots)
        then, before = self._sent
        sending = (octets - before) * 8 / (now - then) if then and now > then else 0.0
        self._sent = (now, octets)
        budget = self.link.budget(sending, now)
        self.budget = budget if self._settings.fit_video_to_links else None

    def set_receiving(self, feed: Feed, receiving: bool) -> None:
        """Ask the publisher to send (or stop sending) this track at the next offer."""
        transceiver = self._transceiver(feed.mid)
        direction = "recvonly" if receiving else "inactive"
        if transceiver is not None and transceiver.direction != direction:
            transceiver.direction = direction
            self._stale = True

    def _transceiver(self, mid: Mid) -> RTCRtpTransceiver | None:
        return next((t for t in self.pc.getTransceivers() if t.mid == mid), None)

    def _on_track(self, track: object) -> None:
        # Fired inside setRemoteDescription, before the receiver starts: the moment to tap it.
        # Every receiver is tapped, even one refused now, so the server never decodes.
        for transceiver in self.pc.getTransceivers():
            receiver = transceiver.receiver
            if receiver.track is track and transceiver.mid is not None:
                mid = Mid(transceiver.mid)
                kind = receiver.track.kind
                self.feeds[mid] = feed = ReceivedFeed(
                    self.participant,
                    mid,
                    self._offer.source_of(mid, kind) if self._offer else default_source(kind),
                    receiver,
                    on_live=self._on_live,
                    keyframe_retry_s=self._settings.keyframe_retry_s,
                    history=self._settings.retransmit_history,
                    on_level=self._on_level,
                )
                feed.on_voice = self._on_voice

    async def accept_offer(self, offer: MediaOffer, judge: Judge) -> MediaAnswer:
        """Apply the client's offer; each track it sends is judged, and refused ones go inactive."""
        if self.pc.signalingState == "have-local-offer":
            raise MediaError(MediaErrorCode.GLARE, "answer the server's offer first")
        description = parse_sdp(offer.sdp)
        sending = sending_mids(description)
        # The server's own offers keep the client's numbers (see `aiortc_private.create_offer`).
        self._numbering = aiortc_private.numbering_of(description)
        self._offer = offer
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
        except MediaError:
            raise
        except Exception as exc:
            raise MediaError(MediaErrorCode.BAD_SDP, f"the offer was refused: {exc}") from exc
        finally:
            self._offer = None
        self.remote_ufrag = ice_ufrag(description)
        offered = offered_layers(offer.sdp) if self._settings.simulcast else {}
        refused: list[Refusal] = []
        for mid, feed in self.feeds.items():
            new_layers = mid in offered and mid not in self.layers
            if new_layers and isinstance(feed, ReceivedFeed) and feed.use_layers(offered[mid]):
                self.layers[mid] = offered[mid]
                aiortc_private.nack_per_stream(feed.receiver)
                aiortc_private.stop_bandwidth_estimates(feed.receiver)
                aiortc_private.route_streams_by_mid(feed.receiver.transport)
            feed.source = offer.source_of(mid, feed.kind)
            feed.sending = mid in sending
            refusal = judge(feed) if feed.sending else None
            feed.allowed = feed.sending and refusal is None
            transceiver = self._transceiver(mid)
            if transceiver is not None:
                transceiver.direction = "recvonly" if feed.allowed else "inactive"
            if refusal is not None:
                refused.append(refusal)
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)
        # aiortc knows no simulcast: the layers it will get are taken in the text it sends.
        return MediaAnswer(take_layers(self.pc.localDescription.sdp, self.layers), tuple(refused))

    async def make_offer(self) -> MediaOffer | None:
        """An offer that brings the client's received tracks to what is wanted; None if they are."""
        if not self.needs_offer:
            return None
        wanted = dict(self._wanted)
        for slot in self.slots:
            if slot.feed is not None and wanted.pop(feed_key(slot.feed), None) is None:
                slot.outlet.detach()
                slot.feed = None
                slot.transceiver.direction = "inactive"
        for feed in wanted.values():
            assert feed.codec is not None, "only live feeds are wanted"
            slot = self._idle_slot(feed.kind, feed.codec.mimeType) or self._new_slot(
                feed.kind, feed.codec.mimeType
            )
            slot.transceiver.direction = "sendonly"
            slot.outlet.attach(feed)
            slot.feed = feed
        self.fit()
        self._stale = False
        await self.pc.setLocalDescription(
            await aiortc_private.create_offer(self.pc, self._numbering)
        )
        tracks = tuple(
            TrackInfo(Mid(s.transceiver.mid), s.feed.source, s.feed.publisher)
            for s in self.slots
            if s.feed is not None and s.transceiver.mid is not None
        )
        return MediaOffer(take_layers(self.pc.localDescription.sdp, self.layers), tracks)

    def _idle_slot(self, kind: str, mime_type: str) -> Slot | None:
        for slot in self.slots:
            if slot.feed is None and slot.outlet.kind == kind and slot.mime_type == mime_type:
                return slot
        return None

    def _new_slot(self, kind: str, mime_type: str) -> Slot:
        outlet = Outlet(kind)
        transceiver = self.pc.addTransceiver(outlet, direction="sendonly")
        outlet.bind(transceiver)
        aiortc_private.on_feedback(
            transceiver.sender,
            on_estimate=lambda bps, ssrcs: self.link.estimated(bps, ssrcs, time.monotonic()),
            on_loss=lambda fraction, highest: self.link.reported(outlet, fraction, highest),
        )
        # The m-line carries the publisher's packets as they are, so it may only negotiate
        # the publisher's codec.
        transceiver.setCodecPreferences(
            [
                c
                for c in RTCRtpSender.getCapabilities(kind).codecs
                if c.mimeType.lower() == mime_type.lower()
            ]
        )
        slot = Slot(transceiver, outlet, mime_type)
        self.slots.append(slot)
        return slot

    async def accept_answer(self, answer: MediaAnswer) -> None:
        if self.pc.signalingState != "have-local-offer":
            raise MediaError(MediaErrorCode.UNEXPECTED_ANSWER, "no offer is waiting for an answer")
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
        except Exception as exc:
            raise MediaError(MediaErrorCode.BAD_SDP, f"the answer was refused: {exc}") from exc
        for slot in self.slots:
            if slot.feed is not None:
                slot.outlet.open()

    async def close(self) -> None:
        self.closed = True
        if self.deadline is not None:
            self.deadline.cancel()
        for slot in self.slots:
            slot.outlet.detach()
        for feed in self.feeds.values():
            await feed.close()
        await self.pc.close()
