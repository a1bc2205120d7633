"""An outlet moving between the layers of a simulcast video, packet by packet, without peers:
it goes at the new layer's keyframe, the old one flowing until then, and the subscriber sees one
stream whose sequence numbers and VP8 picture ids run on across the switch."""

from itertools import pairwise

from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from rooms.ids import ParticipantId
from server.sfu.forwarding import Feed, Outlet
from server.sfu.messages import Mid, Source
from server.sfu.vp8 import descriptor, picture_id
from tests.media.test_vp8 import vp8_packet

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)


class LayerFeed(Feed):
    """A layer whose keyframe requests are counted instead of sent to a publisher."""

    def __init__(self) -> None:
        super().__init__(
            ParticipantId("anna"), Mid("1"), Source.CAMERA, "video", keyframe_retry_s=0.5
        )
        self._set_codec(VP8)
        self.allowed = True
        self.asked = 0
        self.sequence = 1000
        self.picture = 0

    def _ask_keyframe(self) -> bool:
        self.asked += 1
        return True

    def send(self, *, keyframe: bool = False) -> None:
        """One one-packet picture of this layer."""
        self.sequence += 1
        self.picture += 1
        payload = vp8_packet(self.picture, keyframe=keyframe)
        self.take(self.sequence, 1, self.sequence * 3000, payload, None)


class Simulcast(Feed):
    def __init__(self, small: LayerFeed, large: LayerFeed) -> None:
        super().__init__(
            ParticipantId("anna"), Mid("1"), Source.CAMERA, "video", keyframe_retry_s=0.5
        )
        self._set_codec(VP8)
        self._layers = (small, large)

    @property
    def layers(self) -> tuple[Feed, ...]:
        return self._layers


def opened() -> tuple[Outlet, LayerFeed, LayerFeed, list[bytes]]:
    small, large = LayerFeed(), LayerFeed()
    small.picture, large.picture = 100, 20000  # each layer numbers its own pictures
    outlet = Outlet("video")
    outlet.wanted_layer = 0
    outlet.attach(Simulcast(small, large))
    sent: list[bytes] = []
    outlet.open_with(payload_type=96, ssrc=7, extensions=b"", clock_rate=90000, write=sent.append)
    return outlet, small, large, sent


def seen(sent: list[bytes]) -> list[tuple[int, int | None]]:
    """Each packet the subscriber got: its sequence number and picture id."""
    out = []
    for data in sent:
        packet = RtpPacket.parse(data)
        layout = descriptor(packet.payload)
        assert layout is not None
        out.append((packet.sequence_number, picture_id(packet.payload, layout)))
    return out


def assert_one_stream(sent: list[bytes]) -> None:
    numbers = seen(sent)
    for (seq_a, pic_a), (seq_b, pic_b) in pairwise(numbers):
        assert seq_b == (seq_a + 1) & 0xFFFF
        assert pic_a is not None and pic_b == (pic_a + 1) & 0x7FFF


def test_a_switch_up_waits_for_the_larger_layers_keyframe_and_runs_on() -> None:
    outlet, small, large, sent = opened()
    small.send(keyframe=True)
    small.send()
    assert len(sent) == 2 and outlet.layer is small

    outlet.choose_layer(1)
    assert large.asked == 1, "the larger layer is asked for a keyframe"
    large.send()  # not a keyframe: nothing of it yet
    small.send()  # the smaller one still flows meanwhile
    assert len(sent) == 3 and outlet.layer is small
    large.send(keyframe=True)
    small.send()  # switched: the smaller layer no longer reaches this subscriber
    large.send()
    assert outlet.layer is large and len(sent) == 5
    assert_one_stream(sent)
    assert outlet not in small.outlets and outlet in large.outlets


def test_a_switch_down_and_a_pause_on_the_way() -> None:
    outlet, small, large, sent = opened()
    outlet.choose_layer(1)
    large.send(keyframe=True)  # not open on a layer yet: it starts on the larger one
    assert outlet.layer is large and len(sent) == 1
    outlet.choose_layer(0)
    outlet.pause()  # the switch under way is dropped, and nothing flows
    small.send(keyframe=True)
    large.send(keyframe=True)
    assert len(sent) == 1 and not small.outlets and not large.outlets
    outlet.resume()  # on the layer last chosen, from its next keyframe
    assert outlet.layer is small
    small.send()
    small.send(keyframe=True)
    small.send()
    assert len(sent) == 3
    assert_one_stream(sent)


def test_a_repair_of_the_larger_layer_is_sent_as_numbered_before() -> None:
    outlet, small, large, sent = opened()
    small.send(keyframe=True)
    outlet.choose_layer(1)
    large.send(keyframe=True)
    large.send()
    lost_sequence, lost_picture = seen(sent)[-1]
    outlet.retransmit(lost_sequence)
    assert seen(sent)[-1] == (lost_sequence, lost_picture)
    assert outlet.retransmits == 1
