"""Media through the signalling server: aiortc peers on real WebSockets to a real uvicorn.

Each member joins the meeting with `hello`, then signals its peer connection with the `media_*`
messages on the same socket; what the meeting decides (roles, the floor, rooms) decides what
each one may publish and receives, with no new socket.
"""

from functools import partial

import pytest

from server.media import MediaErrorCode, Source
from tests.e2e.wsclient import ServerError

from .clients import Client
from .conftest import Served

PRESENTER_CAMERA = (320, 240)
MODERATOR_CAMERA = (176, 144)
ADA_CAMERA = (160, 120)


def _got_video_and_audio(client: Client, size: tuple[int, int]) -> bool:
    return client.video_from(size) >= 10 and client.audio() >= 10


async def test_a_presenter_promoted_by_the_moderator_reaches_everyone(served: Served) -> None:
    moderator = await served.join("Anna Nowak", moderator=True)
    ada = await served.join("Ada")
    audience = [await served.join(name) for name in ("Bo", "Cy")]
    await moderator.socket.command("set_role", participant=ada.me, role="presenter")

    ada.peer.publish(PRESENTER_CAMERA, microphone=True)
    answer = await ada.peer.connect()
    assert answer.refused == ()
    for member in (moderator, *audience):
        await member.peer.connect()
    for member in (moderator, *audience):
        await member.peer.wait_until(
            partial(_got_video_and_audio, member.peer, PRESENTER_CAMERA), timeout=10
        )
        assert member.peer.publishers_offered() == {ada.me}
    assert served.plenum.media is not None
    # Received once however many listen: one feed per track, with an outlet per listener.
    feeds = served.plenum.media.engine.feeds(ada.me)
    assert sorted((f.kind, len(f.outlets)) for f in feeds) == [("audio", 3), ("video", 3)]

    # Her socket closes: her peer closes with it, and the others stop receiving her.
    await ada.leave()
    for member in audience:
        await member.peer.wait_until(lambda m=member: m.peer.publishers_offered() == set())


async def test_a_plain_participants_camera_is_refused_with_its_code(served: Served) -> None:
    eve = await served.join("Eve")
    bo = await served.join("Bo")
    with pytest.raises(ServerError) as refused:
        await eve.socket.command("media_answer", sdp="v=0")
    assert refused.value.code == MediaErrorCode.NOT_CONNECTED

    eve.peer.publish(ADA_CAMERA, microphone=True)
    answer = await eve.peer.connect()
    assert {(r.source, r.code) for r in answer.refused} == {
        (Source.CAMERA, MediaErrorCode.NOT_ALLOWED),
        (Source.MICROPHONE, MediaErrorCode.NOT_ALLOWED),
    }
    await bo.peer.connect()
    # A presenter's track arriving at Bo proves his media works; Eve's never does.
    moderator = await served.join("Anna Nowak", moderator=True)
    moderator.peer.publish(MODERATOR_CAMERA)
    await moderator.peer.connect()
    await bo.peer.wait_until(lambda: bo.peer.video_from(MODERATOR_CAMERA) >= 10)
    assert bo.peer.video_from(ADA_CAMERA) == 0
    assert bo.peer.publishers_offered() == {moderator.me}


async def test_opening_the_workshops_switches_what_arrives_on_the_same_socket(
    served: Served,
) -> None:
    moderator = await served.join("Anna Nowak", moderator=True)
    ada = await served.join("Ada")
    bo = await served.join("Bo")
    moderator.peer.publish(MODERATOR_CAMERA)
    await moderator.peer.connect()
    ada.peer.publish(ADA_CAMERA)
    first = await ada.peer.connect()
    assert [r.code for r in first.refused] == [MediaErrorCode.NOT_ALLOWED]
    await bo.peer.connect()
    await bo.peer.wait_until(lambda: bo.peer.video_from(MODERATOR_CAMERA) >= 5)

    await moderator.socket.command("create_rooms", names=["Zieleń"])
    await moderator.socket.command("assign_random")
    await moderator.socket.command("open_rooms", duration_s=600)

    # In the workshop Ada may publish; Bo gets her, and no longer the plenary, within 2 s.
    await bo.peer.wait_until(lambda: bo.peer.video_from(ADA_CAMERA) >= 5, timeout=3)
    assert bo.peer.publishers_offered() == {ada.me}
    moved_at = bo.peer.received[-1].at
    await bo.peer.wait_until(lambda: bo.peer.video_from(ADA_CAMERA, since=moved_at) >= 10)
    assert bo.peer.video_from(MODERATOR_CAMERA, since=moved_at) == 0
    assert moderator.peer.video_from(ADA_CAMERA) == 0
    assert [len(m.socket.welcomes) for m in (ada, bo)] == [1, 1]

    # Recalled to the plenary, Ada is a listener again: her camera is refused once more.
    await moderator.socket.command("close_rooms")
    await ada.peer.wait_until(lambda: len(ada.peer.refused) == 1, timeout=3)
    assert ada.peer.refused[0].code is MediaErrorCode.NOT_ALLOWED
    await bo.peer.wait_until(lambda: bo.peer.publishers_offered() == {moderator.me}, timeout=3)


async def test_the_floor_holder_publishes_until_the_floor_is_taken_back(served: Served) -> None:
    moderator = await served.join("Anna Nowak", moderator=True)
    ada = await served.join("Ada")
    bo = await served.join("Bo")
    ada.peer.publish(ADA_CAMERA, microphone=True)
    first = await ada.peer.connect()
    assert len(first.refused) == 2
    await bo.peer.connect()

    await ada.socket.command("raise_hand")
    await moderator.socket.command("give_floor", participant=ada.me)
    await bo.peer.wait_until(partial(_got_video_and_audio, bo.peer, ADA_CAMERA), timeout=3)
    assert bo.peer.publishers_offered() == {ada.me}

    await moderator.socket.command("take_floor")
    await ada.peer.wait_until(lambda: len(ada.peer.refused) == 2, timeout=3)
    assert {(r.source, r.code) for r in ada.peer.refused} == {
        (Source.CAMERA, MediaErrorCode.NOT_ALLOWED),
        (Source.MICROPHONE, MediaErrorCode.NOT_ALLOWED),
    }
    await bo.peer.wait_until(lambda: bo.peer.publishers_offered() == set(), timeout=3)
