"""One invite link opened on many sockets cannot take a worker's media from everyone else.

Each socket is a new participant, and each sends a `media_offer` whose ICE can never complete:
Chromium's own offer with its candidates left out (`a=ice-options:trickle` and no end of
candidates, so the server waits for more), or with one candidate that never answers. A client
address holds at most `max_peers_per_address` media sessions of a worker, and a session not
connected `ice_connect_timeout_s` after its offer ends with `media_restart`, so the worker's
places (`max_peers_per_worker`) come free for the people of every meeting. And a participant
has one media session: an offer from a new peer connection replaces the old one.
"""

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.settings import Settings
from server.sfu import MediaErrorCode
from tests.e2e.wsclient import Client as Socket
from tests.e2e.wsclient import Message
from tests.harness.waiting import eventually

from .clients import Client
from .conftest import Served, serving
from .over_socket import Member, SocketSignal

CHROMIUM_OFFER = (Path(__file__).parent / "chromium-156-offer.sdp").read_text()
# Another client address on loopback (Linux routes all of 127/8 to lo).
ELSEWHERE = "127.0.0.2"
CAMERA = (176, 144)
NEW_CAMERA = (160, 120)
# How late a deadline may fire on a shared test machine.
LATE_S = 10.0


def trickle_offer_without_candidates() -> str:
    """Chromium's offer as sent before its first candidate: ICE waits for candidates for ever."""
    lines = CHROMIUM_OFFER.splitlines()
    assert "a=ice-options:trickle" in lines
    return "\r\n".join(ln for ln in lines if not ln.startswith("a=candidate:")) + "\r\n"


def offer_with_a_dead_candidate(port: int) -> str:
    """Chromium's offer, gathered to the end, naming one candidate that never answers."""
    kept = []
    for line in CHROMIUM_OFFER.splitlines():
        if line.startswith("a=candidate:"):
            continue
        if line == "a=ice-options:trickle":
            kept.append(f"a=candidate:1 1 udp 2122194687 127.0.0.1 {port} typ host generation 0")
            kept.append("a=end-of-candidates")
            continue
        kept.append(line)
    return "\r\n".join(kept) + "\r\n"


@pytest.fixture
def silent_udp_port() -> Iterator[int]:
    """A UDP port on loopback that takes the server's ICE checks and answers none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))
        yield silent.getsockname()[1]


async def _offer(member: Socket, sdp: str) -> Message:
    """The server's reply to a raw `media_offer`: its `media_answer`, or an `error`."""
    ref = await member.send("media_offer", sdp=sdp)
    return await member.wait_for(
        lambda m: m.get("ref") == ref and m["type"] in ("media_answer", "error")
    )


async def _bots(served: Served, count: int) -> list[Socket]:
    """`count` sockets joined with the one invite link, from this machine's address."""
    return [await Socket.join(served.ws_url, served.invite_token, f"Bot {i}") for i in range(count)]


async def _another_meeting(served: Served) -> tuple[str, str]:
    """A second meeting of the same server: its moderator and invite tokens."""
    links = served.services.links(await served.services.hub.create("Forum Dzielnicy Łabędy", None))
    return links.moderator_token, links.invite_token


async def _from_elsewhere(served: Served, token: str, name: str) -> Member:
    member = await Member.join(served.ws_url, token, name, ELSEWHERE)
    served.members.append(member)
    return member


async def test_one_address_holds_only_its_share_of_the_workers_media() -> None:
    settings = Settings(
        ice_host_addresses="127.0.0.1",
        max_peers_per_worker=6,
        max_peers_per_address=3,
        ice_connect_timeout_s=600,  # only the address limit is at work here
    )
    async with serving(settings) as served:
        bots = await _bots(served, settings.max_peers_per_worker)
        try:
            replies = [await _offer(bot, trickle_offer_without_candidates()) for bot in bots]
            assert [r["type"] for r in replies[:3]] == ["media_answer"] * 3
            assert [r.get("code") for r in replies[3:]] == [MediaErrorCode.ADDRESS_FULL] * 3
            assert "3 media sessions from your address" in replies[3]["message"]

            # Someone else, in another meeting, still gets their media through this worker.
            moderator_token, _ = await _another_meeting(served)
            maria = await _from_elsewhere(served, moderator_token, "Maria Wiśniewska")
            maria.peer.publish(CAMERA, microphone=True)
            assert (await maria.peer.connect()).refused == ()
            await eventually(lambda: maria.peer.pc.connectionState == "connected", LATE_S)

            # A bot that closes its socket frees its place for another from its address.
            await bots[0].close()
            media = served.services.media
            assert media is not None
            await eventually(lambda: len(media) == 3, LATE_S)
            retry = await _offer(bots[3], trickle_offer_without_candidates())
            assert retry["type"] == "media_answer"
        finally:
            for bot in bots:
                await bot.close()


async def test_a_session_whose_ice_never_connects_ends_and_frees_its_place(
    silent_udp_port: int,
) -> None:
    # Long enough for an honest aiortc peer to connect on a loaded machine.
    timeout_s = 6.0
    settings = Settings(
        ice_host_addresses="127.0.0.1", max_peers_per_worker=2, ice_connect_timeout_s=timeout_s
    )
    async with serving(settings) as served:
        bots = await _bots(served, 2)
        try:
            offers = (
                trickle_offer_without_candidates(),
                offer_with_a_dead_candidate(silent_udp_port),
            )
            offered_at = time.monotonic()
            for bot, sdp in zip(bots, offers, strict=True):
                assert (await _offer(bot, sdp))["type"] == "media_answer"
            moderator_token, invite_token = await _another_meeting(served)
            maria = await _from_elsewhere(served, moderator_token, "Maria Wiśniewska")
            jan = await _from_elsewhere(served, invite_token, "Jan Kowalski")
            full = await _offer(maria.socket, trickle_offer_without_candidates())
            assert full.get("code") == MediaErrorCode.WORKER_FULL

            # Trickle or not, each bot's session ends at its deadline, and the bot is told.
            for bot in bots:
                restart = await bot.wait_for(
                    lambda m: m["type"] == "media_restart", timeout_s + LATE_S
                )
                assert restart["reason"] == "media_ice_timeout"
            assert time.monotonic() - offered_at >= timeout_s
        finally:
            for bot in bots:
                await bot.close()

        # The places are free again; Maria's and Jan's sessions connect and outlive their own
        # deadline: Jan still receives her camera after it passed.
        maria.peer.publish(CAMERA, microphone=True)
        assert (await maria.peer.connect()).refused == ()
        deadline = time.monotonic() + timeout_s
        await jan.peer.connect()
        await jan.peer.wait_until(
            lambda: jan.peer.video_from(CAMERA, since=deadline) >= 10, timeout_s + LATE_S
        )
        assert not maria.socket.of_type("media_restart")
        assert not jan.socket.of_type("media_restart")


async def test_an_offer_from_a_new_peer_connection_replaces_the_old_session(
    served: Served,
) -> None:
    maria = await served.join("Maria Wiśniewska", moderator=True)
    jan = await served.join("Jan Kowalski")
    maria.peer.publish(CAMERA)
    await maria.peer.connect()
    await jan.peer.connect()
    await jan.peer.wait_until(lambda: jan.peer.video_from(CAMERA) >= 10)

    # Her tab starts its media again on a new peer connection, the old one left as it is.
    old = maria.peer
    maria.peer = Client(SocketSignal(maria.socket), maria.me)
    try:
        maria.peer.publish(NEW_CAMERA)
        assert (await maria.peer.connect()).refused == ()
        await eventually(lambda: maria.peer.pc.connectionState == "connected", LATE_S)
        await jan.peer.wait_until(lambda: jan.peer.video_from(NEW_CAMERA) >= 10, LATE_S)
        media = served.services.media
        assert media is not None
        assert len(media) == 2 and len(media.engine.feeds(maria.me)) == 1
    finally:
        await old.close()
