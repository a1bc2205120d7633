"""What the engine refuses, and the codes it refuses with."""

import re
from dataclasses import replace
from pathlib import Path

import pytest

from rooms.ids import ParticipantId
from server.sfu import MediaAnswer, MediaError, MediaErrorCode, MediaOffer, Source
from tests.e2e.wsclient import ServerError

from .clients import SETTINGS, Client, EngineSignal, Forum
from .conftest import Served
from .over_socket import SocketSignal
from .sources import Camera

CAMERA = (Source.CAMERA,)
# A real offer from Chromium, microphone and camera, BUNDLEd: the base of the spoiled ones below.
BROWSER_OFFER = (Path(__file__).parent / "chromium-156-offer.sdp").read_text()
FINGERPRINT = re.compile(r"a=fingerprint:\S+ \S+")


def _spoiled(pattern: str, replacement: str) -> str:
    spoiled, count = re.subn(pattern, replacement, BROWSER_OFFER)
    assert count > 0, pattern
    return spoiled


NONSENSE_OFFERS = [
    pytest.param("hello world", "v=0", id="hello world"),
    pytest.param("v=0\r\n", "o=", id="only a version line"),
    pytest.param(BROWSER_OFFER.replace("v=0", "v=1", 1), "v=0", id="version 1"),
    pytest.param(
        _spoiled(FINGERPRINT.pattern, "a=fingerprint:sha-256 00:11"),
        "fingerprint",
        id="fingerprint too short",
    ),
    pytest.param(
        _spoiled(FINGERPRINT.pattern, "a=fingerprint:sha-256 " + ":".join(["ZZ"] * 32)),
        "fingerprint",
        id="fingerprint not hex",
    ),
    pytest.param(
        _spoiled(FINGERPRINT.pattern, "a=fingerprint:md17 " + ":".join(["AB"] * 32)),
        "md17",
        id="fingerprint of no known hash",
    ),
    pytest.param(_spoiled(FINGERPRINT.pattern + r"\r?\n", ""), "fingerprint", id="no fingerprint"),
    pytest.param(_spoiled(r"a=ice-pwd:\S+\r?\n", ""), "ice-pwd", id="no ICE password"),
    pytest.param(_spoiled(r"a=mid:\S+\r?\n", ""), "mid", id="no mid"),
]


@pytest.mark.parametrize(("sdp", "mentions"), NONSENSE_OFFERS)
async def test_a_nonsense_offer_is_refused_before_a_session_is_made(
    sdp: str, mentions: str
) -> None:
    # A worker with room for one session: a refused offer must not be holding it.
    forum = Forum(replace(SETTINGS, max_peers_per_worker=1))
    try:
        with pytest.raises(MediaError) as caught:
            await forum.engine.connect(ParticipantId("p"), MediaOffer(sdp))
        assert caught.value.code is MediaErrorCode.BAD_SDP
        assert mentions in caught.value.detail
        listener = await forum.join("listener")
        assert listener.answer is not None
    finally:
        await forum.aclose()


async def test_a_nonsense_offer_over_the_socket_gets_media_bad_sdp(served: Served) -> None:
    member = await served.join("Eve")
    with pytest.raises(ServerError) as caught:
        await SocketSignal(member.socket).offer(MediaOffer("hello world"))
    assert caught.value.code == "media_bad_sdp"

    answer = await member.peer.connect()
    assert answer.refused == ()


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
