"""Media across workers: a meeting's media is served by one worker, whichever worker a client's
WebSocket is on; when that worker dies, the clients start their media again on a live one.

Real workers with media on, a real Redis, and aiortc clients in this process signalling over the
workers' WebSockets (`tests.media.over_socket`); the media goes over loopback straight to the
worker that serves it.
"""

import asyncio
import time
from collections.abc import Iterator

import pytest

from server.media import MediaErrorCode, seams
from tests.media.clients import Client
from tests.media.over_socket import Member, SocketSignal
from tests.redis.workers import Workers

MEDIA_ENV = {"PLENUM_MEDIA": "on", "PLENUM_ICE_HOST_ADDRESSES": "127.0.0.1"}
PRESENTER_CAMERA = (320, 240)
ADA_CAMERA = (160, 120)
FRAMES_WITHIN_S = 15.0
# The dead worker's heartbeat runs out (PLENUM_WORKER_TTL_S), is missed for as long again, and
# the next check notices it; with slack for a loaded machine.
RESTART_WITHIN_S = 10.0
POLL_S = 0.05


@pytest.fixture(autouse=True)
def loopback_candidates() -> Iterator[None]:
    """The clients in this process offer 127.0.0.1, as the workers do."""
    seams.offer_host_addresses(["127.0.0.1"])
    yield
    seams.offer_host_addresses([])


def placed_on(workers: Workers, meeting: dict[str, str]) -> str:
    assert workers.redis is not None
    return workers.redis.cli("GET", f"plenum:m:{meeting['id']}:media")


async def loads_become(workers: Workers, expected: dict[str, str], timeout: float = 5.0) -> None:
    """Each worker's published count of media sessions reaches what is expected."""
    assert workers.redis is not None
    deadline = time.monotonic() + timeout
    while True:
        loads = {w: workers.redis.cli("GET", f"plenum:w:{w}:media_load") for w in expected}
        if loads == expected:
            return
        assert time.monotonic() < deadline, f"media loads {loads}, expected {expected}"
        await asyncio.sleep(POLL_S)


def hears(member: Member, since: float = 0.0) -> bool:
    peer = member.peer
    return peer.video_from(PRESENTER_CAMERA, since) >= 10 and peer.audio(since) >= 10


async def restart(member: Member, publish: bool = False) -> None:
    """What a browser does on `media_restart`: a new peer connection and a fresh offer."""
    old = member.peer
    member.peer = Client(SocketSignal(member.socket), member.me)
    await old.close()
    if publish:
        member.peer.publish(PRESENTER_CAMERA, microphone=True)
    await member.peer.connect()


async def both_start_again(presenter: Member, listener: Member, reason: str) -> None:
    """Both are told to start their media again, do, and the listener hears the presenter."""
    for member in (presenter, listener):
        restarted = await member.socket.wait_for(
            lambda m: m["type"] == "media_restart", RESTART_WITHIN_S
        )
        assert restarted["reason"] == reason
    await restart(presenter, publish=True)
    await restart(listener)
    await listener.peer.wait_until(lambda: hears(listener), FRAMES_WITHIN_S)


async def test_a_listener_on_one_worker_gets_media_from_the_other(workers: Workers) -> None:
    a, b = workers.start(**MEDIA_ENV), workers.start(**MEDIA_ENV)
    meeting = await a.server.create_meeting("Forum Dzielnicy Sośnica")
    presenter = await Member.join(a.ws_url, meeting["moderator_token"], "Anna Nowak")
    listener = await Member.join(b.ws_url, meeting["invite_token"], "Bo")
    try:
        # The presenter offers first, on her worker: the meeting's media is placed there.
        presenter.peer.publish(PRESENTER_CAMERA, microphone=True)
        assert (await presenter.peer.connect()).refused == ()
        assert placed_on(workers, meeting) == a.id

        # The listener's socket is on the other worker; his peer connection is served by A's.
        await listener.peer.connect()
        await listener.peer.wait_until(lambda: hears(listener), FRAMES_WITHIN_S)
        assert listener.peer.publishers_offered() == {presenter.me}
        await loads_become(workers, {a.id: "2", b.id: "0"})
    finally:
        for member in (presenter, listener):
            await member.leave()


async def test_the_media_worker_killed_clients_start_again_on_a_live_one(
    workers: Workers,
) -> None:
    a, b, doomed = (workers.start(**MEDIA_ENV) for _ in range(3))
    meeting = await a.server.create_meeting("Forum Dzielnicy Sośnica")
    assert workers.redis is not None
    # Forced: neither client's worker serves the meeting's media.
    workers.redis.cli("SET", f"plenum:m:{meeting['id']}:media", doomed.id)
    presenter = await Member.join(a.ws_url, meeting["moderator_token"], "Anna Nowak")
    listener = await Member.join(b.ws_url, meeting["invite_token"], "Bo")
    try:
        presenter.peer.publish(PRESENTER_CAMERA, microphone=True)
        await presenter.peer.connect()
        await listener.peer.connect()
        await listener.peer.wait_until(lambda: hears(listener), FRAMES_WITHIN_S)
        await loads_become(workers, {doomed.id: "2", a.id: "0", b.id: "0"})

        workers.kill(doomed)

        await both_start_again(presenter, listener, "media_worker_lost")
        assert placed_on(workers, meeting) in (a.id, b.id)
        assert [len(m.socket.welcomes) for m in (presenter, listener)] == [1, 1]
    finally:
        for member in (presenter, listener):
            await member.leave()


async def test_sessions_of_a_meeting_placed_elsewhere_since_start_again_there(
    workers: Workers,
) -> None:
    a, b = workers.start(**MEDIA_ENV), workers.start(**MEDIA_ENV)
    meeting = await a.server.create_meeting("Forum Dzielnicy Sośnica")
    presenter = await Member.join(a.ws_url, meeting["moderator_token"], "Anna Nowak")
    listener = await Member.join(b.ws_url, meeting["invite_token"], "Bo")
    try:
        presenter.peer.publish(PRESENTER_CAMERA, microphone=True)
        await presenter.peer.connect()
        await listener.peer.connect()
        await listener.peer.wait_until(lambda: hears(listener), FRAMES_WITHIN_S)
        assert placed_on(workers, meeting) == a.id

        # As when A was taken for dead during a Redis outage and B placed the meeting again.
        assert workers.redis is not None
        workers.redis.cli("SET", f"plenum:m:{meeting['id']}:media", b.id)

        await both_start_again(presenter, listener, "media_moved")
        await loads_become(workers, {a.id: "0", b.id: "2"})
    finally:
        for member in (presenter, listener):
            await member.leave()


async def test_a_workshop_switches_what_arrives_from_a_media_worker_without_clients(
    workers: Workers,
) -> None:
    # Everyone's socket is on the meeting's writer; the media worker only follows the meeting.
    writer, media = workers.start(**MEDIA_ENV), workers.start(**MEDIA_ENV)
    meeting = await writer.server.create_meeting("Forum Dzielnicy Sośnica")
    assert workers.redis is not None
    workers.redis.cli("SET", f"plenum:m:{meeting['id']}:media", media.id)
    moderator = await Member.join(writer.ws_url, meeting["moderator_token"], "Anna Nowak")
    ada = await Member.join(writer.ws_url, meeting["invite_token"], "Ada")
    bo = await Member.join(writer.ws_url, meeting["invite_token"], "Bo")
    try:
        moderator.peer.publish(PRESENTER_CAMERA)
        await moderator.peer.connect()
        ada.peer.publish(ADA_CAMERA)
        first = await ada.peer.connect()
        assert [r.code for r in first.refused] == [MediaErrorCode.NOT_ALLOWED]
        await bo.peer.connect()
        await bo.peer.wait_until(lambda: bo.peer.video_from(PRESENTER_CAMERA) >= 5, FRAMES_WITHIN_S)
        await loads_become(workers, {writer.id: "0", media.id: "3"})

        await moderator.socket.command("create_rooms", names=["Zieleń"])
        await moderator.socket.command("assign_random")
        await moderator.socket.command("open_rooms", duration_s=600)

        # In the workshop Ada may publish: Bo gets her and no longer the plenary.
        await bo.peer.wait_until(lambda: bo.peer.video_from(ADA_CAMERA) >= 5, timeout=5)
        assert bo.peer.publishers_offered() == {ada.me}
    finally:
        for member in (moderator, ada, bo):
            await member.leave()
