"""What each person receives: the videos their `media_view` lists, and every voice, with real
aiortc peers over loopback."""

import time

import pytest

from rooms.ids import ParticipantId, RoomId
from server.sfu import MediaError, MediaErrorCode, MediaView, ShownVideo, Source

from .clients import Client, Forum

AV = (Source.CAMERA, Source.MICROPHONE)
WORKSHOP = RoomId("workshop-1")
ANNA, BOGDAN = (160, 120), (176, 144)


def camera_of(name: str, height: int = 180) -> ShownVideo:
    return ShownVideo(ParticipantId(name), Source.CAMERA, height)


def sent_to(forum: Forum, viewer: Client, publisher: str) -> int:
    """Packets the server sent the viewer from the publisher's camera (its outlet's count)."""
    peer = forum.engine._peers[viewer.participant]
    (slot,) = [
        s
        for s in peer.slots
        if s.feed is not None and s.feed.publisher == publisher and s.feed.kind == "video"
    ]
    return slot.outlet.packets


async def test_a_video_not_in_the_view_stops_and_comes_back_at_a_keyframe(forum: Forum) -> None:
    await forum.join("anna", WORKSHOP, AV, camera=ANNA)
    bogdan = await forum.join("bogdan", WORKSHOP, AV, camera=BOGDAN, microphone=True)
    viewer = await forum.join("viewer", WORKSHOP)
    await viewer.wait_until(
        lambda: viewer.video_from(ANNA) >= 5 and viewer.video_from(BOGDAN) >= 5, timeout=10
    )

    forum.engine.set_view(viewer.participant, MediaView((camera_of("anna"),)))
    paused_at = sent_to(forum, viewer, "bogdan")
    # Anna's video flows on; once 10 more of her frames came, none of Bogdan's may follow.
    since = time.monotonic()
    await viewer.wait_until(lambda: viewer.video_from(ANNA, since) >= 10)
    quiet_from = time.monotonic()
    await viewer.wait_until(lambda: viewer.video_from(ANNA, quiet_from) >= 10)
    assert viewer.video_from(BOGDAN, quiet_from) == 0
    assert sent_to(forum, viewer, "bogdan") == paused_at
    # The view is about video: Bogdan's voice still arrives.
    heard = viewer.audio()
    await viewer.wait_until(lambda: viewer.audio() >= heard + 10)
    # No renegotiation: the client still has Bogdan's m-line.
    assert ParticipantId("bogdan") in viewer.publishers_offered()
    offers = len(viewer.offers)

    (feed,) = [f for f in forum.engine.feeds(bogdan.participant) if f.kind == "video"]
    asked = feed.keyframe_requests
    shown_again = time.monotonic()
    forum.engine.set_view(viewer.participant, MediaView((camera_of("anna"), camera_of("bogdan"))))
    await viewer.wait_until(lambda: viewer.video_from(BOGDAN, shown_again) >= 5, timeout=3)
    assert feed.keyframe_requests > asked
    assert len(viewer.offers) == offers


async def test_an_empty_view_stops_every_video_but_no_voice(forum: Forum) -> None:
    await forum.join("anna", WORKSHOP, AV, camera=ANNA, microphone=True)
    viewer = await forum.join("viewer", WORKSHOP)
    await viewer.wait_until(lambda: viewer.video_from(ANNA) >= 5, timeout=10)

    forum.engine.set_view(viewer.participant, MediaView(()))
    paused_at = sent_to(forum, viewer, "anna")
    heard = viewer.audio()
    await viewer.wait_until(lambda: viewer.audio() >= heard + 25)
    assert sent_to(forum, viewer, "anna") == paused_at


async def test_a_view_sent_before_a_publisher_arrives_holds_for_them(forum: Forum) -> None:
    viewer = await forum.join("viewer", WORKSHOP)
    # Listed before they join (a client lays out tiles from the roster): kept, not refused.
    forum.engine.set_view(viewer.participant, MediaView((camera_of("bogdan"),)))
    await forum.join("anna", WORKSHOP, AV, camera=ANNA)
    await forum.join("bogdan", WORKSHOP, AV, camera=BOGDAN)
    await viewer.wait_until(lambda: viewer.video_from(BOGDAN) >= 10, timeout=10)
    assert ParticipantId("anna") in viewer.publishers_offered()
    assert sent_to(forum, viewer, "anna") == 0
    assert viewer.video_from(ANNA) == 0


async def test_a_view_needs_a_media_session(forum: Forum) -> None:
    with pytest.raises(MediaError) as raised:
        forum.engine.set_view(ParticipantId("nobody"), MediaView(()))
    assert raised.value.code == MediaErrorCode.NOT_CONNECTED
