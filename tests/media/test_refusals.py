"""What the engine refuses, and the codes it refuses with."""

from dataclasses import replace

import pytest

from rooms.ids import ParticipantId
from server.media import MediaAnswer, MediaError, MediaErrorCode, MediaOffer, Source

from .clients import SETTINGS, Client, EngineSignal, Forum
from .sources import Camera

CAMERA = (Source.CAMERA,)


async def test_an_offer_that_does_not_parse_is_the_clients_fault(forum: Forum) -> None:
    with pytest.raises(MediaError) as caught:
        await forum.engine.connect(ParticipantId("p"), MediaOffer("v=0\r\nm=nonsense\r\n"))
    assert caught.value.code is MediaErrorCode.BAD_SDP
    # The failed session holds no place against the worker's limit.
    with pytest.raises(MediaError) as caught:
        await forum.engine.answer(ParticipantId("p"), MediaAnswer("v=0"))
    assert caught.value.code is MediaErrorCode.NOT_CONNECTED


async def test_an_answer_needs_a_session_and_an_offer(forum: Forum) -> None:
    with pytest.raises(MediaError) as caught:
        await forum.engine.answer(ParticipantId("nobody"), MediaAnswer("v=0"))
    assert caught.value.code is MediaErrorCode.NOT_CONNECTED

    client = await forum.join("listener")
    with pytest.raises(MediaError) as caught:
        await forum.engine.answer(client.participant, MediaAnswer("v=0"))
    assert caught.value.code is MediaErrorCode.UNEXPECTED_ANSWER


async def test_a_track_labelled_with_the_wrong_source_is_refused(forum: Forum) -> None:
    participant = ParticipantId("confused")
    forum.engine.allow_publish(participant, (Source.MICROPHONE, Source.CAMERA))
    client = Client(EngineSignal(forum.engine, participant), participant)
    forum.clients[participant] = client
    camera = Camera(64, 48)
    client.pc.addTrack(camera)
    client.labels.append((camera, Source.MICROPHONE))

    answer = await client.connect()
    assert [(r.source, r.code) for r in answer.refused] == [
        (Source.MICROPHONE, MediaErrorCode.WRONG_KIND)
    ]


async def test_limits_refuse_the_one_past_them() -> None:
    forum = Forum(replace(SETTINGS, max_publishers_per_room=1, max_peers_per_worker=3))
    try:
        first = await forum.join("first", may=CAMERA, camera=(64, 48))
        second = await forum.join("second", may=CAMERA, camera=(80, 64))
        assert first.answer is not None and first.answer.refused == ()
        assert second.answer is not None
        assert [r.code for r in second.answer.refused] == [MediaErrorCode.TOO_MANY_PUBLISHERS]
        await forum.join("third")
        with pytest.raises(MediaError) as caught:
            await forum.join("fourth")
        assert caught.value.code is MediaErrorCode.WORKER_FULL
    finally:
        await forum.aclose()
