"""The forwarding unit with real aiortc peers over loopback: each client decodes what it gets."""

import asyncio
from functools import partial

from rooms.ids import ParticipantId, RoomId
from server.sfu import MediaErrorCode, Source

from .clients import Client, Forum

CAMERA = (Source.CAMERA,)
AV = (Source.CAMERA, Source.MICROPHONE)
WORKSHOP = RoomId("workshop-1")


async def test_plenary_presenter_reaches_ten_subscribers(forum: Forum) -> None:
    presenter = await forum.join("presenter", may=AV, camera=(320, 240), microphone=True)
    audience = await asyncio.gather(*(forum.join(f"listener-{i}") for i in range(10)))

    for listener in audience:
        await listener.wait_until(partial(_got_video_and_audio, listener), timeout=10)
    feeds = forum.engine.feeds(presenter.participant)
    assert sorted(f.kind for f in feeds) == ["audio", "video"]
    # Received once: one feed per track, however many listen, each with ten outlets.
    assert all(len(f.outlets) == 10 for f in feeds)
    assert all(c.publishers_offered() == {presenter.participant} for c in audience)
    assert presenter.received == []


async def test_workshop_of_four_everyone_receives_everyone_else(forum: Forum) -> None:
    sizes = [(160, 120), (176, 144), (192, 144), (208, 160)]
    members = [
        await forum.join(f"member-{i}", WORKSHOP, AV, camera=size, microphone=True)
        for i, size in enumerate(sizes)
    ]
    for member, own in zip(members, sizes, strict=True):
        others = [s for s in sizes if s != own]
        await member.wait_until(partial(_got_all, member, others), timeout=10)
        assert member.video_from(own) == 0
        assert len(member.publishers_offered()) == 3


async def test_moving_into_a_workshop_switches_what_arrives(forum: Forum) -> None:
    await forum.join("presenter", may=CAMERA, camera=(320, 240))
    await forum.join("facilitator", WORKSHOP, CAMERA, camera=(160, 120))
    mover = await forum.join("mover")
    await mover.wait_until(lambda: mover.video_from((320, 240)) >= 5)
    assert mover.video_from((160, 120)) == 0

    forum.engine.set_room(mover.participant, WORKSHOP)
    await mover.wait_until(lambda: mover.video_from((160, 120)) >= 5, timeout=2)
    assert mover.publishers_offered() == {ParticipantId("facilitator")}
    moved_at = mover.received[-1].at
    await mover.wait_until(lambda: mover.video_from((160, 120), since=moved_at) >= 10)
    assert mover.video_from((320, 240), since=moved_at) == 0


async def test_a_participant_without_the_right_cannot_publish(forum: Forum) -> None:
    presenter = await forum.join("presenter", may=CAMERA, camera=(320, 240))
    listener = await forum.join("listener")
    sneaky = await forum.join("sneaky", camera=(64, 48), microphone=True)

    assert sneaky.answer is not None
    assert {(r.source, r.code) for r in sneaky.answer.refused} == {
        (Source.CAMERA, MediaErrorCode.NOT_ALLOWED),
        (Source.MICROPHONE, MediaErrorCode.NOT_ALLOWED),
    }
    await listener.wait_until(lambda: listener.video_from((320, 240)) >= 10)
    assert listener.video_from((64, 48)) == 0
    assert listener.publishers_offered() == {presenter.participant}
    assert [f.allowed for f in forum.engine.feeds(sneaky.participant)] == [False, False]


async def test_the_floor_taken_back_stops_the_forwarding(forum: Forum) -> None:
    speaker = await forum.join("speaker", camera=(64, 48))
    listener = await forum.join("listener")
    assert speaker.answer is not None and len(speaker.answer.refused) == 1

    forum.engine.allow_publish(speaker.participant, CAMERA)
    await listener.wait_until(lambda: listener.video_from((64, 48)) >= 5, timeout=3)

    forum.engine.allow_publish(speaker.participant, ())
    await speaker.wait_until(lambda: len(speaker.refused) == 1)
    assert speaker.refused[0].code is MediaErrorCode.NOT_ALLOWED
    await listener.wait_until(lambda: listener.publishers_offered() == set())
    assert forum.engine.receiving(listener.participant) == []


async def test_a_late_subscriber_gets_a_keyframe_within_two_seconds(forum: Forum) -> None:
    presenter = await forum.join("presenter", may=CAMERA, camera=(320, 240))
    early = await forum.join("early")
    await early.wait_until(lambda: early.video_from((320, 240)) >= 45)
    (feed,) = forum.engine.feeds(presenter.participant)
    requests_before, keyframes_before = feed.keyframe_requests, feed.keyframes
    # The camera's frames are not all keyframes, so the late subscriber really has to ask.
    assert feed.keyframes < feed.frames / 4

    late = await forum.join("late")
    start = asyncio.get_running_loop().time()
    await late.wait_until(lambda: late.video_from((320, 240)) >= 1, timeout=2)
    assert asyncio.get_running_loop().time() - start < 2
    assert feed.keyframe_requests > requests_before
    assert feed.keyframes > keyframes_before


async def test_a_camera_that_offers_only_h264_is_forwarded_as_h264(forum: Forum) -> None:
    presenter = await forum.join(
        "presenter", may=CAMERA, camera=(320, 240), video_codec="video/H264"
    )
    early = await forum.join("early")
    await early.wait_until(lambda: early.video_from((320, 240)) >= 10)
    late = await forum.join("late")
    await late.wait_until(lambda: late.video_from((320, 240)) >= 10, timeout=3)

    (feed,) = forum.engine.feeds(presenter.participant)
    assert feed.codec is not None and feed.codec.mimeType == "video/H264"
    for client in (early, late):
        (transceiver,) = [t for t in client.pc.getTransceivers() if t.kind == "video"]
        assert transceiver._codecs[0].mimeType == "video/H264"


def _got_video_and_audio(client: Client) -> bool:
    return client.video_from((320, 240)) >= 10 and client.audio() >= 10


def _got_all(client: Client, sizes: list[tuple[int, int]]) -> bool:
    return all(client.video_from(size) >= 5 for size in sizes)
