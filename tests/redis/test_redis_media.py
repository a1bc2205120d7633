"""Media across workers: each room's media is served by one worker, whichever worker a client's
WebSocket is on; a room is placed on the worker with the fewest media sessions, people who move
into a room served elsewhere start their media again there, and when a worker dies its clients
start again on a live one. A room past its share of one worker spreads over several, each fed the
room's feeds through the media pipe, and keeps playing when one of its spread dies.

Real workers with media on, a real Redis, and aiortc clients in this process signalling over the
workers' WebSockets (`tests.media.over_socket`); the media goes over loopback straight to the
worker that serves it.
"""

import itertools
import time
from collections.abc import Iterator

import pytest

from server.sfu import MediaErrorCode, aiortc_private
from tests.harness.waiting import eventually
from tests.media.clients import Client
from tests.media.over_socket import Member, SocketSignal
from tests.redis.test_redis_junk import IGNORED, JUNK
from tests.redis.workers import Workers

MEDIA_ENV = {"PLENUM_MEDIA": "on", "PLENUM_ICE_HOST_ADDRESSES": "127.0.0.1"}
PRESENTER_CAMERA = (320, 240)
ADA_CAMERA = (160, 120)
FRAMES_WITHIN_S = 15.0
# The dead worker's heartbeat runs out (PLENUM_WORKER_TTL_S), is missed for as long again, and
# the next check notices it; with slack for a loaded machine.
RESTART_WITHIN_S = 10.0
POLL_S = 0.05
JUNK_ROUNDS = 5


@pytest.fixture(autouse=True)
def loopback_candidates() -> Iterator[None]:
    """The clients in this process offer 127.0.0.1, as the workers do."""
    aiortc_private.offer_host_addresses(["127.0.0.1"])
    yield
    aiortc_private.offer_host_addresses([])


def placement(meeting: dict[str, str], room: str = "plenary") -> str:
    return f"plenum:m:{meeting['id']}:media:{room}"


def placed_on(workers: Workers, meeting: dict[str, str], room: str = "plenary") -> str:
    assert workers.redis is not None
    return workers.redis.cli("GET", placement(meeting, room))


async def loads_become(workers: Workers, expected: dict[str, str], timeout: float = 5.0) -> None:
    """Each worker's published count of media sessions reaches what is expected."""
    redis = workers.redis
    assert redis is not None
    loads: dict[str, str] = {}

    def reached() -> bool:
        loads.update({w: redis.cli("GET", f"plenum:w:{w}:media_load") for w in expected})
        return loads == expected

    await eventually(
        reached, timeout, every=POLL_S, failure=lambda: f"media loads {loads}, expected {expected}"
    )


def hears(member: Member, since: float = 0.0) -> bool:
    peer = member.peer
    return peer.video_from(PRESENTER_CAMERA, since) >= 10 and peer.audio(since) >= 10


async def presenter_heard_by(presenter: Member, listener: Member) -> None:
    """The presenter publishes her camera and microphone first; then the listener hears her."""
    presenter.peer.publish(PRESENTER_CAMERA, microphone=True)
    assert (await presenter.peer.connect()).refused == ()
    await listener.peer.connect()
    await listener.peer.wait_until(lambda: hears(listener), FRAMES_WITHIN_S)


async def restart(
    member: Member, publish: bool = False, camera: tuple[int, int] = PRESENTER_CAMERA
) -> None:
    """What a browser does on `media_restart`: a new peer connection and a fresh offer."""
    old = member.peer
    member.peer = Client(SocketSignal(member.socket), member.me)
    await old.close()
    if publish:
        member.peer.publish(camera, microphone=True)
    await member.peer.connect()


async def told_to_restart(member: Member, reason: str) -> None:
    restarted = await member.socket.wait_for(
        lambda m: m["type"] == "media_restart", RESTART_WITHIN_S
    )
    assert restarted["reason"] == reason


async def both_start_again(presenter: Member, listener: Member, reason: str) -> None:
    """Both are told to start their media again, do, and the listener hears the presenter."""
    for member in (presenter, listener):
        await told_to_restart(member, reason)
    await restart(presenter, publish=True)
    await restart(listener)
    await listener.peer.wait_until(lambda: hears(listener), FRAMES_WITHIN_S)


async def test_a_listener_on_one_worker_gets_media_from_the_other(workers: Workers) -> None:
    a, b = workers.start(**MEDIA_ENV), workers.start(**MEDIA_ENV)
    meeting = await a.server.create_meeting("Forum Dzielnicy Sośnica")
    presenter = await Member.join(a.ws_url, meeting["moderator_token"], "Anna Nowak")
    listener = await Member.join(b.ws_url, meeting["invite_token"], "Bo")
    try:
        # The listener's socket is on the other worker; his peer connection is served by A's,
        # where the presenter's first offer placed the plenary.
        await presenter_heard_by(presenter, listener)
        assert placed_on(workers, meeting) == a.id
        assert listener.peer.publishers_offered() == {presenter.me}
        await loads_become(workers, {a.id: "2", b.id: "0"})

        # What he shows goes to A through B: with no video shown, only her voice comes.
        await listener.socket.command("media_view", shown=[])
        peer = listener.peer
        settled = peer.audio() + 25  # what was on its way when the view changed
        await peer.wait_until(lambda: peer.audio() >= settled, FRAMES_WITHIN_S)
        quiet_from = time.monotonic()
        await peer.wait_until(lambda: peer.audio(quiet_from) >= 25, FRAMES_WITHIN_S)
        assert peer.video_from(PRESENTER_CAMERA, quiet_from) == 0
        shown = [{"publisher": presenter.me, "source": "camera", "height": 360}]
        shown_at = time.monotonic()
        await listener.socket.command("media_view", shown=shown)
        await peer.wait_until(lambda: hears(listener, shown_at), FRAMES_WITHIN_S)
    finally:
        for member in (presenter, listener):
            await member.leave()


async def test_junk_on_the_media_channels_costs_nothing_but_itself(workers: Workers) -> None:
    """Each worker reads its media channel through its one reader of every channel: a message it
    cannot read is dropped, said once, and the media signalling after it goes through."""
    a, b = workers.start(**MEDIA_ENV), workers.start(**MEDIA_ENV)
    assert workers.redis is not None
    for _ in range(JUNK_ROUNDS):
        for worker in (a, b):
            for junk in JUNK:
                workers.redis.cli("PUBLISH", f"plenum:w:{worker.id}:media", junk.decode("latin-1"))
    meeting = await a.server.create_meeting("Forum Dzielnicy Sośnica")
    presenter = await Member.join(a.ws_url, meeting["moderator_token"], "Anna Nowak")
    listener = await Member.join(b.ws_url, meeting["invite_token"], "Bo")
    try:
        await presenter_heard_by(presenter, listener)
        assert placed_on(workers, meeting) == a.id
    finally:
        for member in (presenter, listener):
            await member.leave()
    assert [w.printed().count(IGNORED) for w in (a, b)] == [1, 1]


async def test_the_media_worker_killed_clients_start_again_on_a_live_one(
    workers: Workers,
) -> None:
    a, b, doomed = (workers.start(**MEDIA_ENV) for _ in range(3))
    meeting = await a.server.create_meeting("Forum Dzielnicy Sośnica")
    assert workers.redis is not None
    # Forced: neither client's worker serves the plenary's media.
    workers.redis.cli("SET", placement(meeting), doomed.id)
    presenter = await Member.join(a.ws_url, meeting["moderator_token"], "Anna Nowak")
    listener = await Member.join(b.ws_url, meeting["invite_token"], "Bo")
    try:
        await presenter_heard_by(presenter, listener)
        await loads_become(workers, {doomed.id: "2", a.id: "0", b.id: "0"})

        workers.kill(doomed)

        await both_start_again(presenter, listener, "media_worker_lost")
        assert placed_on(workers, meeting) in (a.id, b.id)
        assert [len(m.socket.welcomes) for m in (presenter, listener)] == [1, 1]
    finally:
        for member in (presenter, listener):
            await member.leave()


async def test_sessions_of_a_room_placed_elsewhere_since_start_again_there(
    workers: Workers,
) -> None:
    a, b = workers.start(**MEDIA_ENV), workers.start(**MEDIA_ENV)
    meeting = await a.server.create_meeting("Forum Dzielnicy Sośnica")
    presenter = await Member.join(a.ws_url, meeting["moderator_token"], "Anna Nowak")
    listener = await Member.join(b.ws_url, meeting["invite_token"], "Bo")
    try:
        await presenter_heard_by(presenter, listener)
        assert placed_on(workers, meeting) == a.id

        # As when A was taken for dead during a Redis outage and B placed the plenary again.
        assert workers.redis is not None
        workers.redis.cli("SET", placement(meeting), b.id)

        await both_start_again(presenter, listener, "media_moved")
        await loads_become(workers, {a.id: "0", b.id: "2"})
    finally:
        for member in (presenter, listener):
            await member.leave()


async def test_a_workshop_goes_to_the_least_loaded_worker_and_its_people_follow(
    workers: Workers,
) -> None:
    # Everyone's socket is on the meeting's writer; the plenary's media is on the other worker.
    writer, media = workers.start(**MEDIA_ENV), workers.start(**MEDIA_ENV)
    meeting = await writer.server.create_meeting("Forum Dzielnicy Sośnica")
    assert workers.redis is not None
    workers.redis.cli("SET", placement(meeting), media.id)
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
        room = (await moderator.socket.wait_for_event("room_created"))["room"]
        await moderator.socket.command("assign_random")
        await moderator.socket.command("open_rooms", duration_s=600)

        # The workshop goes to the worker with no media sessions; Ada and Bo start again there,
        # where Ada may publish: Bo gets her and no longer the plenary.
        for member in (ada, bo):
            await told_to_restart(member, "media_moved")
        assert placed_on(workers, meeting, room) == writer.id
        await restart(ada, publish=True, camera=ADA_CAMERA)
        await restart(bo)
        await bo.peer.wait_until(lambda: bo.peer.video_from(ADA_CAMERA) >= 5, FRAMES_WITHIN_S)
        assert bo.peer.publishers_offered() == {ada.me}
        assert bo.peer.video_from(PRESENTER_CAMERA) == 0
        # The moderator stays in the plenary, on its worker.
        assert placed_on(workers, meeting) == media.id
        await loads_become(workers, {writer.id: "2", media.id: "1"})
    finally:
        for member in (moderator, ada, bo):
            await member.leave()


async def test_the_workshops_of_a_round_spread_over_the_workers(workers: Workers) -> None:
    a, b = workers.start(**MEDIA_ENV), workers.start(**MEDIA_ENV)
    meeting = await a.server.create_meeting("Forum Dzielnicy Sośnica")
    moderator = await Member.join(a.ws_url, meeting["moderator_token"], "Anna Nowak")
    names = ["Ada", "Bo", "Cyryl", "Dorota"]
    people = [await Member.join(a.ws_url, meeting["invite_token"], n) for n in names]
    try:
        moderator.peer.publish(PRESENTER_CAMERA)
        await moderator.peer.connect()
        for person in people:
            await person.peer.connect()
        assert placed_on(workers, meeting) == a.id
        await loads_become(workers, {a.id: "5", b.id: "0"})

        await moderator.socket.command("create_rooms", names=["Zieleń", "Sport"])
        rooms = [(await moderator.socket.wait_for_event("room_created", name=n))["room"]
                 for n in ("Zieleń", "Sport")]  # fmt: skip
        for person, room in zip(people, [*rooms, *rooms], strict=True):
            await moderator.socket.command("move_participant", participant=person.me, room=room)
        await moderator.socket.command("open_rooms", duration_s=600)

        # Placed a moment apart, each seeing where the last one's people went: one workshop
        # leaves the worker that holds everyone, the other stays.
        for person, room in zip(people, [*rooms, *rooms], strict=True):
            await person.socket.wait_for_event(
                "participant_moved", participant=person.me, room=room
            )
        placed = {await wait_placed(workers, meeting, room) for room in rooms}
        assert placed == {a.id, b.id}
        moved = [p for p, room in zip(people, [*rooms, *rooms], strict=True)
                 if placed_on(workers, meeting, room) == b.id]  # fmt: skip
        for person in moved:
            await told_to_restart(person, "media_moved")
            await restart(person)
        await loads_become(workers, {a.id: "3", b.id: "2"})
    finally:
        for member in (moderator, *people):
            await member.leave()


async def wait_placed(
    workers: Workers, meeting: dict[str, str], room: str, timeout: float = 5.0
) -> str:
    return await eventually(
        lambda: placed_on(workers, meeting, room),
        timeout,
        every=POLL_S,
        failure=f"{room} was never placed",
    )


# A room spreads past two sessions a worker: the home takes the presenter and one listener.
SPREAD_ENV = {**MEDIA_ENV, "PLENUM_MEDIA_ROOM_SHARE": "2"}
# What a listener on a worker that stays up may miss while another worker of the room dies.
MAX_GAP_S = 1.0


def spread_of(workers: Workers, meeting: dict[str, str], room: str = "plenary") -> dict[str, int]:
    """The room's sessions per worker, as placement counts them (the home's under `@home`)."""
    assert workers.redis is not None
    flat = workers.redis.cli("HGETALL", f"{placement(meeting, room)}:spread").split()
    return {flat[i]: int(flat[i + 1]) for i in range(0, len(flat), 2)}


def longest_gap(member: Member, since: float, until: float) -> float:
    """The longest stretch from `since` to `until` in which the member got no frame of the
    presenter's voice, or none of her camera."""
    gaps = []
    for kind, size in (("audio", None), ("video", PRESENTER_CAMERA)):
        times = [since]
        times += [r.at for r in member.peer.received
                  if r.kind == kind and r.size == size and since <= r.at <= until]  # fmt: skip
        times.append(until)
        gaps.append(max(b - a for a, b in itertools.pairwise(times)))
    return max(gaps)


@pytest.mark.parametrize("doomed_index", [0, 1], ids=["first-spread", "second-spread"])
async def test_a_plenary_spread_over_three_workers_keeps_playing_when_one_of_its_spread_dies(
    workers: Workers, doomed_index: int
) -> None:
    home, *_ = started = [workers.start(**SPREAD_ENV) for _ in range(3)]
    meeting = await home.server.create_meeting("Forum Dzielnicy Sośnica")
    # Every socket is on the home, which is never killed: a listener whose media worker dies
    # is told so there.
    presenter = await Member.join(home.ws_url, meeting["moderator_token"], "Anna Nowak")
    names = ["Ada", "Bo", "Cyryl", "Dorota"]
    listeners = [await Member.join(home.ws_url, meeting["invite_token"], n) for n in names]
    served_by: dict[str, list[Member]] = {}
    try:
        await presenter_heard_by(presenter, listeners[0])
        assert placed_on(workers, meeting) == home.id
        assert spread_of(workers, meeting) == {"@home": 2}
        for listener in listeners[1:]:
            before = spread_of(workers, meeting)
            await listener.peer.connect()
            after = spread_of(workers, meeting)
            (worker,) = [w for w in after if after[w] != before.get(w, 0)]
            served_by.setdefault(worker, []).append(listener)
            await listener.peer.wait_until(lambda: hears(listener), FRAMES_WITHIN_S)  # noqa: B023
        # Two listeners on the first worker the room spread to, one on the second.
        spread = [w for w in served_by if w != "@home"]
        assert [len(served_by[w]) for w in spread] == [2, 1]
        assert set(spread) == {w.id for w in started} - {home.id}
        await loads_become(workers, {home.id: "2", spread[0]: "2", spread[1]: "1"})
        for listener in listeners:
            assert listener.peer.publishers_offered() == {presenter.me}

        # A remote listener's keyframe request crosses the pipe and reaches the presenter's
        # camera: her sender is told to make its next frame a keyframe.
        (camera,) = [s for s in presenter.peer.pc.getSenders()
                     if s.track is not None and s.track.kind == "video"]  # fmt: skip
        asked: list[float] = []
        plain_send_keyframe = camera._send_keyframe

        def counted() -> None:
            asked.append(time.monotonic())
            plain_send_keyframe()

        camera._send_keyframe = counted  # type: ignore[method-assign]
        remote = served_by[spread[1]][0]
        (receiving,) = [t for t in remote.peer.pc.getTransceivers() if t.kind == "video"]
        requested = len(asked)
        assert aiortc_private.request_keyframe(receiving.receiver) is not None
        await eventually(lambda: len(asked) > requested, 5, every=POLL_S)

        doomed = next(w for w in started if w.id == spread[doomed_index])
        lost = served_by[doomed.id]
        kept = [m for m in listeners if m not in lost]
        killed_at = time.monotonic()
        workers.kill(doomed)

        for member in lost:
            await told_to_restart(member, "media_worker_lost")
        for member in lost:
            await restart(member)
        for member in lost:
            await member.peer.wait_until(lambda: hears(member, killed_at), FRAMES_WITHIN_S)  # noqa: B023
        heard_again = time.monotonic()
        assert doomed.id not in spread_of(workers, meeting)
        for member in kept:
            assert not [m for m in member.socket.messages if m["type"] == "media_restart"]
            gap = longest_gap(member, killed_at, heard_again)
            assert gap <= MAX_GAP_S, f"{member.me} heard nothing for {gap:.2f} s"
        assert [len(m.socket.welcomes) for m in (presenter, *listeners)] == [1] * 5

        # Her media ends with her connection: no worker of the room sends her any more.
        await presenter.socket.close()
        for member in listeners:
            await eventually(
                lambda: member.peer.publishers_offered() == set(),  # noqa: B023
                RESTART_WITHIN_S,
                every=POLL_S,
                failure=f"{member.me} is still offered the presenter",
            )
    finally:
        for member in (presenter, *listeners):
            await member.leave()


async def test_a_spread_plenary_whose_home_dies_plays_again_from_a_new_home(
    workers: Workers,
) -> None:
    doomed_home, *others = [workers.start(**SPREAD_ENV) for _ in range(3)]
    meeting = await others[0].server.create_meeting("Forum Dzielnicy Sośnica")
    assert workers.redis is not None
    # Forced: the plenary's home is a worker no client's socket is on.
    workers.redis.cli("SET", placement(meeting), doomed_home.id)
    presenter = await Member.join(others[0].ws_url, meeting["moderator_token"], "Anna Nowak")
    names = ["Ada", "Bo", "Cyryl"]
    listeners = [await Member.join(others[0].ws_url, meeting["invite_token"], n) for n in names]
    try:
        await presenter_heard_by(presenter, listeners[0])
        for listener in listeners[1:]:
            await listener.peer.connect()
            await listener.peer.wait_until(lambda: hears(listener), FRAMES_WITHIN_S)  # noqa: B023
        counts = spread_of(workers, meeting)
        # The home's share is two: both later listeners went to the one worker it spread to.
        (spread_worker,) = set(counts) - {"@home"}
        assert counts == {"@home": 2, spread_worker: 2}
        assert spread_worker in {w.id for w in others}

        workers.kill(doomed_home)

        # The presenter and the listener the home served start again on the new home, the
        # worker of the spread; its listeners keep their sessions and hear her again from there.
        for member in (presenter, listeners[0]):
            await told_to_restart(member, "media_worker_lost")
        silent_at = time.monotonic()  # nothing of hers is on its way from the dead home by now
        await restart(presenter, publish=True)
        await restart(listeners[0])
        for listener in listeners:
            await listener.peer.wait_until(
                lambda: hears(listener, silent_at),  # noqa: B023
                FRAMES_WITHIN_S,
            )
        # The new home is the worker of the spread, which keeps its sessions of the room.
        assert placed_on(workers, meeting) == spread_worker
        for listener in listeners[1:]:
            assert not [m for m in listener.socket.messages if m["type"] == "media_restart"]
        assert [len(m.socket.welcomes) for m in (presenter, *listeners)] == [1] * 4
    finally:
        for member in (presenter, *listeners):
            await member.leave()
