"""What a subscriber's RTP stack sees of the forwarding: numbering, repair, reports.

The clients are real aiortc peers: their receivers count loss from the sequence numbers, ask for
lost packets with NACK and read the server's sender reports, as a browser's would.
"""

import asyncio
import time
from typing import Any

from aiortc import RTCRtpReceiver

from rooms.ids import RoomId
from server.sfu import Source
from tests.harness.waiting import eventually

from .clients import Client, Forum

CAMERA = (Source.CAMERA,)
WORKSHOP = RoomId("workshop-1")


def video_receiver(client: Client) -> RTCRtpReceiver:
    (receiver,) = [
        t.receiver
        for t in client.pc.getTransceivers()
        if t.kind == "video" and t.currentDirection in ("recvonly", "sendrecv")
    ]
    return receiver


async def video_stats(client: Client, kind: str) -> list[Any]:
    stats = await video_receiver(client).getStats()
    return [s for s in stats.values() if s.type == kind and s.kind == "video"]


async def test_a_switch_to_another_publisher_keeps_the_numbering_running(forum: Forum) -> None:
    await forum.join("presenter", may=CAMERA, camera=(320, 240))
    await forum.join("facilitator", WORKSHOP, CAMERA, camera=(160, 120))
    mover = await forum.join("mover")
    await mover.wait_until(lambda: mover.video_from((320, 240)) >= 10)
    receiver = video_receiver(mover)
    (ssrc,) = {s.source for s in receiver.getSynchronizationSources()}

    forum.engine.set_room(mover.participant, WORKSHOP)
    await mover.wait_until(lambda: mover.video_from((160, 120)) >= 20, timeout=3)

    # The same m-line and stream now carries the facilitator; had the sequence numbers jumped to
    # the facilitator's own, the receiver would count thousands of packets lost (or none at all
    # received, behind SRTP's replay window).
    assert video_receiver(mover) is receiver
    assert {s.source for s in receiver.getSynchronizationSources()} == {ssrc}
    (inbound,) = await video_stats(mover, "inbound-rtp")
    assert inbound.packetsReceived > 20
    assert inbound.packetsLost == 0


async def test_a_packet_lost_on_the_way_to_a_subscriber_is_sent_again(forum: Forum) -> None:
    presenter = await forum.join("presenter", may=CAMERA, camera=(320, 240))
    listener = await forum.join("listener")
    await listener.wait_until(lambda: listener.video_from((320, 240)) >= 5)
    video_type = _video_payload_type(listener)
    # Lose one video packet where the network would: before the listener's DTLS transport
    # reads it (SRTP leaves the RTP header in the clear).
    ice = video_receiver(listener).transport.transport
    receive = ice._recv
    dropped: list[int] = []
    arrived_again = asyncio.Event()

    async def lossy() -> bytes:
        while True:
            data: bytes = await receive()
            is_video_rtp = len(data) > 12 and data[1] & 0x7F == video_type
            sequence = int.from_bytes(data[2:4], "big")
            if is_video_rtp and not dropped:
                dropped.append(sequence)
                continue
            if is_video_rtp and sequence == dropped[0]:
                arrived_again.set()
            return data

    ice._recv = lossy
    await asyncio.wait_for(arrived_again.wait(), 5)

    # The listener's NACK was answered from the server's history of what it sent this listener.
    (video,) = [f for f in forum.engine.feeds(presenter.participant) if f.kind == "video"]
    (outlet,) = video.outlets
    assert outlet.retransmits >= 1
    start = len(listener.received)
    await listener.wait_until(lambda: len(listener.received) >= start + 10)


async def test_sender_reports_tell_the_subscriber_what_was_sent(forum: Forum) -> None:
    await forum.join("presenter", may=CAMERA, camera=(320, 240))
    listener = await forum.join("listener")
    await listener.wait_until(lambda: listener.video_from((320, 240)) >= 30)

    async def reported() -> bool:
        return any(s.packetsSent > 0 for s in await video_stats(listener, "remote-outbound-rtp"))

    await eventually(reported)
    (inbound,) = await video_stats(listener, "inbound-rtp")
    (remote,) = await video_stats(listener, "remote-outbound-rtp")
    # A report is up to a second old; it never counts more than was sent, nor far fewer.
    assert 0 < remote.packetsSent <= inbound.packetsReceived + 1
    assert remote.packetsSent > inbound.packetsReceived / 4
    assert abs(remote.remoteTimestamp.timestamp() - time.time()) < 5


def _video_payload_type(client: Client) -> int:
    (transceiver,) = [t for t in client.pc.getTransceivers() if t.kind == "video"]
    payload_type = transceiver._codecs[0].payloadType
    assert payload_type is not None
    return payload_type
