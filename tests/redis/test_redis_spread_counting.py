"""A room spread over workers is counted as one room: its publisher cap counts the publishers
every worker of the room receives, and a spread workshop asks its members for a gallery's camera
by its whole size; a publisher's session goes to the room's home past its share.

Real workers with media on, a real Redis, and aiortc clients in this process signalling over the
workers' WebSockets, as in `test_redis_media`.
"""

from typing import Any

from server.sfu import MediaErrorCode
from tests.harness.waiting import eventually
from tests.media.over_socket import Member
from tests.redis.test_redis_media import (
    FRAMES_WITHIN_S,
    MEDIA_ENV,
    POLL_S,
    RESTART_WITHIN_S,
    loopback_candidates,
    placed_on,
    spread_of,
)
from tests.redis.workers import Workers

__all__ = ["loopback_candidates"]  # the autouse fixture, for this module's tests too

MODERATOR_CAMERA = (320, 240)
PRESENTER_CAMERA = (160, 120)
LATE_CAMERA = (240, 180)


async def spread_becomes(
    workers: Workers, meeting: dict[str, str], expected: dict[str, int], room: str = "plenary"
) -> None:
    """The room's sessions per worker reach what is expected (each worker also sets its count
    again at every check, from the sessions it serves)."""
    seen: dict[str, int] = {}

    def reached() -> bool:
        seen.clear()
        seen.update(spread_of(workers, meeting, room))
        return seen == expected

    await eventually(
        reached, 5.0, every=POLL_S, failure=lambda: f"spread {seen}, expected {expected}"
    )


async def promoted(moderator: Member, member: Member) -> None:
    await moderator.socket.command("set_role", participant=member.me, role="presenter")
    await member.socket.wait_for_event("role_changed", participant=member.me, role="presenter")


async def test_the_publisher_cap_counts_the_publishers_of_every_worker_of_the_room(
    workers: Workers,
) -> None:
    env = {**MEDIA_ENV, "PLENUM_MEDIA_ROOM_SHARE": "2", "PLENUM_MAX_PUBLISHERS_PER_ROOM": "2"}
    a, b = workers.start(**env), workers.start(**env)
    meeting = await a.server.create_meeting("Forum Dzielnicy Sośnica")
    moderator = await Member.join(a.ws_url, meeting["moderator_token"], "Anna Nowak")
    names = ["Ada", "Bo", "Cyryl"]
    listener, presenter, late = [
        await Member.join(a.ws_url, meeting["invite_token"], n) for n in names
    ]
    try:
        # The moderator publishes at the home; a listener fills the home's share.
        moderator.peer.publish(MODERATOR_CAMERA)
        assert (await moderator.peer.connect()).refused == ()
        await listener.peer.connect()
        assert placed_on(workers, meeting) == a.id
        await spread_becomes(workers, meeting, {"@home": 2})

        # Bo offers his camera before he may publish it: a listener's session, on the spread.
        # Made a presenter there, he publishes from B, and the listener at the home gets him.
        presenter.peer.publish(PRESENTER_CAMERA)
        first = await presenter.peer.connect()
        assert [r.code for r in first.refused] == [MediaErrorCode.NOT_ALLOWED]
        await spread_becomes(workers, meeting, {"@home": 2, b.id: 1})
        await promoted(moderator, presenter)
        await listener.peer.wait_until(
            lambda: listener.peer.video_from(PRESENTER_CAMERA) >= 5, FRAMES_WITHIN_S
        )

        # Cyryl, a presenter before he offers, goes to the home past its share; the home
        # publishes one and receives the other from B: the room has all its publishers.
        await promoted(moderator, late)
        late.peer.publish(LATE_CAMERA)
        answer = await late.peer.connect()
        await spread_becomes(workers, meeting, {"@home": 3, b.id: 1})
        assert [r.code for r in answer.refused] == [MediaErrorCode.TOO_MANY_PUBLISHERS]

    finally:
        for member in (moderator, listener, presenter, late):
            await member.leave()


def limits_told(member: Member) -> list[Any]:
    """The limits of each `media_limits` the member was told, in order."""
    return [m["limits"] for m in member.socket.messages if m["type"] == "media_limits"]


async def all_told(members: list[Member], limits: list[Any]) -> None:
    """Every one of `members` was told `limits` last."""
    await eventually(
        lambda: all(limits_told(m)[-1:] == [limits] for m in members),
        RESTART_WITHIN_S,
        every=POLL_S,
        failure=lambda: f"told {[limits_told(m) for m in members]}",
    )


GALLERY = [{"source": "camera", "max_bitrate": 600_000}]


async def test_a_workshop_spread_over_two_workers_asks_for_a_gallery_by_its_whole_size(
    workers: Workers,
) -> None:
    # Four sessions a worker: a workshop of eight is 4 + 4, each part below the gallery's 6.
    env = {**MEDIA_ENV, "PLENUM_MEDIA_ROOM_SHARE": "4", "PLENUM_GALLERY_FROM": "6"}
    a, b = workers.start(**env), workers.start(**env)
    meeting = await a.server.create_meeting("Forum Dzielnicy Sośnica")
    moderator = await Member.join(a.ws_url, meeting["moderator_token"], "Anna Nowak")
    names = ["Ada", "Bo", "Cyryl", "Dorota", "Emil", "Fela", "Gustaw", "Hanna"]
    people = [await Member.join(a.ws_url, meeting["invite_token"], n) for n in names]
    try:
        await moderator.socket.command("create_rooms", names=["Zieleń"])
        room = (await moderator.socket.wait_for_event("room_created"))["room"]
        for person in people:
            await moderator.socket.command("move_participant", participant=person.me, room=room)
        await moderator.socket.command("open_rooms", duration_s=600)
        for person in people:
            await person.socket.wait_for_event(
                "participant_moved", participant=person.me, room=room
            )

        for person in people:
            await person.peer.connect()
        home = placed_on(workers, meeting, room)
        (other,) = {a.id, b.id} - {home}
        await spread_becomes(workers, meeting, {"@home": 4, other: 4}, room)

        await all_told(people, GALLERY)

        # Three of the spread's four leave: five are left, fewer than a gallery.
        spread_part = people[4:]
        gone = spread_part[:3]
        for person in gone:
            await person.leave()
        left = [p for p in people if p not in gone]
        await all_told(left, [])
    finally:
        for member in (moderator, *people):
            if member.pump is not None and not member.pump.done():
                await member.leave()
