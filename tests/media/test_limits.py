"""Asking for less: a workshop shown as a gallery asks every camera to stay under a gallery
tile's rate; the rule alone, then told to real aiortc peers as rooms fill and empty."""

from functools import partial

from rooms.ids import PLENARY, RoomId
from server.sfu import MediaLimits, SendLimit, Source
from server.sfu.limits import limits_for

from .clients import SETTINGS, Client, Forum

GALLERY = (SendLimit(Source.CAMERA, SETTINGS.gallery_camera_bps),)


def test_a_workshop_of_six_asks_for_a_gallery_tiles_camera() -> None:
    workshop = RoomId("m1/room-1")
    assert limits_for(workshop, 5, 6, 600_000) == ()
    assert limits_for(workshop, 6, 6, 600_000) == (SendLimit(Source.CAMERA, 600_000),)
    assert limits_for(workshop, 40, 6, 0) == ()  # switched off


def test_the_plenary_asks_nothing_however_full() -> None:
    assert limits_for(RoomId(f"m1/{PLENARY}"), 300, 6, 600_000) == ()


def told(client: Client, limits: tuple[SendLimit, ...]) -> bool:
    return bool(client.limits) and client.limits[-1] == MediaLimits(limits)


async def test_the_sixth_member_brings_the_limit_and_a_leaver_lifts_it(forum: Forum) -> None:
    room = RoomId("m1/room-1")
    members = [await forum.join(f"member-{i}", room) for i in range(5)]
    hall = await forum.join("in-the-plenary", RoomId(f"m1/{PLENARY}"))
    assert all(m.limits == [] for m in members)

    members.append(await forum.join("member-5", room))
    for member in members:
        await member.wait_until(partial(told, member, GALLERY))

    await forum.engine.close(members[0].participant)
    for member in members[1:]:
        await member.wait_until(partial(told, member, ()))
    assert hall.limits == []
