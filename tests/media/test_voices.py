"""The loudest voices: the rule alone, then a room of real aiortc peers where most are silent."""

import time

from rooms.ids import RoomId
from server.sfu import MediaSettings, Source
from server.sfu.voices import HOLD_S, Voice, audible

from .clients import SETTINGS, Client, Forum, heard_from

NOW = 100.0


def spoke(ago: float | None, loudness: float = 100.0) -> Voice:
    return Voice(None if ago is None else NOW - ago, loudness)


def test_a_room_of_at_most_the_limit_forwards_every_voice_even_silent_ones() -> None:
    voices = {"ada": spoke(None), "bo": spoke(None, 0.0), "cy": spoke(60.0)}
    assert audible(voices, 3, NOW) == {"ada", "bo", "cy"}


def test_a_larger_room_forwards_those_speaking_within_the_hold_loudest_first() -> None:
    voices = {
        "ada": spoke(0.1, 90.0),
        "bo": spoke(HOLD_S - 0.1, 50.0),  # between two sentences: still open
        "cy": spoke(HOLD_S + 0.1, 120.0),  # finished: closed, however loud she was
        "dan": spoke(None),
        "eva": spoke(0.0, 70.0),
    }
    assert audible(voices, 4, NOW) == {"ada", "bo", "eva"}
    assert audible(voices, 2, NOW) == {"ada", "eva"}


def test_ties_are_decided_alike_on_every_worker() -> None:
    voices = {name: spoke(0.0, 80.0) for name in ("ewa", "ada", "cy", "bo", "dan")}
    assert audible(voices, 2, NOW) == {"ada", "bo"}
    assert audible(dict(reversed(voices.items())), 2, NOW) == {"ada", "bo"}


ROOM = RoomId("workshop-1")
MAY = (Source.MICROPHONE,)


def audio_from(client: Client, publisher: str, since: float = 0.0) -> int:
    return len(heard_from(client, publisher, since))


async def test_a_large_room_forwards_the_one_speaking_and_opens_a_voice_as_it_speaks() -> None:
    forum = Forum(MediaSettings(**{**SETTINGS.__dict__, "loudest_voices": 2}))
    try:
        ada = await forum.join("ada", ROOM, MAY, microphone=True)
        assert ada.microphone is not None
        quiet = [await forum.join(name, ROOM, MAY, microphone=True) for name in ("bo", "cy")]
        for member in quiet:
            assert member.microphone is not None
            member.microphone.loud = False
        listener = await forum.join("listener", ROOM)
        await listener.wait_until(lambda: len(listener.publishers_offered()) == 3, timeout=10)
        await listener.wait_until(lambda: audio_from(listener, "ada") >= 25, timeout=10)

        # Three voices, two open at most: Ada speaks; the silent two stop once their hold is up.
        closed_at = time.monotonic() + HOLD_S + 0.5
        await listener.wait_until(lambda: audio_from(listener, "ada", closed_at) >= 50, timeout=10)
        assert audio_from(listener, "bo", closed_at) == 0
        assert audio_from(listener, "cy", closed_at) == 0

        # Bo starts speaking: his voice opens at his first loud packet, not a window later.
        bo = quiet[0]
        assert bo.microphone is not None
        bo.microphone.loud = True
        started = time.monotonic()
        await listener.wait_until(lambda: audio_from(listener, "bo", started) >= 10, timeout=5)
        first = min(heard_from(listener, "bo", started))
        print(f"\nBo heard {1000 * (first - started):.0f} ms after he started")
        assert audio_from(listener, "ada", started) > 0
        assert audio_from(listener, "cy", started) == 0
    finally:
        await forum.aclose()
