"""The active speaker rule, window by window, without any peer: levels in, changes out."""

from collections.abc import Mapping

from rooms.ids import ParticipantId, RoomId
from server.sfu.speakers import HOLD_WINDOWS, SWITCH_WINDOWS, SpeakerDetector

ADA, BO, CY = ParticipantId("ada"), ParticipantId("bo"), ParticipantId("cy")
HALL, NOOK = RoomId("m/plenary"), RoomId("m/room-1")
EVERYONE_IN_HALL = {ADA: HALL, BO: HALL, CY: HALL}

LOUD, MEDIUM, WHISPER, SILENCE = 10, 30, 70, 127  # -dBov, as the header extension carries it


def window(
    detector: SpeakerDetector,
    levels: Mapping[ParticipantId, int],
    rooms: Mapping[ParticipantId, RoomId] = EVERYONE_IN_HALL,
) -> dict[RoomId, ParticipantId | None]:
    """One window of 15 packets (20 ms each) from each publisher at the given level."""
    for publisher, level in levels.items():
        for _ in range(15):
            detector.hear(publisher, level)
    return detector.decide(rooms)


def test_the_loudest_above_the_threshold_speaks_at_once_and_is_told_once() -> None:
    detector = SpeakerDetector()
    assert window(detector, {ADA: SILENCE, BO: WHISPER}) == {}
    assert window(detector, {ADA: MEDIUM, BO: LOUD, CY: SILENCE}) == {HALL: BO}
    assert detector.speaker(HALL) == BO
    assert window(detector, {ADA: MEDIUM, BO: LOUD}) == {}


def test_a_window_is_the_mean_of_its_packets() -> None:
    detector = SpeakerDetector()
    for level in (LOUD, SILENCE, SILENCE, SILENCE):  # one loud packet in a silent window
        detector.hear(ADA, level)
    assert detector.decide(EVERYONE_IN_HALL) == {}


def test_a_louder_voice_takes_over_only_when_it_stays_louder() -> None:
    detector = SpeakerDetector()
    window(detector, {ADA: LOUD, BO: SILENCE})
    # A single loud window from Bo (a cough) does not switch.
    assert window(detector, {ADA: MEDIUM, BO: LOUD}) == {}
    assert window(detector, {ADA: LOUD, BO: SILENCE}) == {}
    for _ in range(SWITCH_WINDOWS - 1):
        assert window(detector, {ADA: MEDIUM, BO: LOUD}) == {}
    assert window(detector, {ADA: MEDIUM, BO: LOUD}) == {HALL: BO}


def test_a_voice_about_as_loud_does_not_take_over() -> None:
    detector = SpeakerDetector()
    window(detector, {ADA: MEDIUM, BO: SILENCE})
    for _ in range(10):
        assert window(detector, {ADA: MEDIUM, BO: MEDIUM - 3}) == {}
    assert detector.speaker(HALL) == ADA


def test_the_speaker_stays_through_a_pause_and_goes_after_a_silence() -> None:
    detector = SpeakerDetector()
    window(detector, {ADA: LOUD})
    for _ in range(HOLD_WINDOWS - 1):
        assert window(detector, {ADA: SILENCE}) == {}
    assert window(detector, {ADA: LOUD}) == {}
    for _ in range(HOLD_WINDOWS - 1):
        assert window(detector, {}) == {}  # no packets at all counts as silence
    assert window(detector, {}) == {HALL: None}
    assert detector.speaker(HALL) is None


def test_when_the_speaker_falls_silent_the_next_voice_takes_over() -> None:
    detector = SpeakerDetector()
    window(detector, {ADA: LOUD, BO: SILENCE})
    for _ in range(SWITCH_WINDOWS - 1):
        assert window(detector, {ADA: SILENCE, BO: WHISPER - 25}) == {}
    assert window(detector, {ADA: SILENCE, BO: WHISPER - 25}) == {HALL: BO}


def test_each_room_has_its_own_speaker_and_publishers_count_where_they_are() -> None:
    detector = SpeakerDetector()
    rooms = {ADA: HALL, BO: NOOK}
    assert window(detector, {ADA: MEDIUM, BO: LOUD}, rooms) == {HALL: ADA, NOOK: BO}
    # Someone the engine no longer places (gone) is not heard anywhere.
    assert window(detector, {ADA: MEDIUM, BO: LOUD, CY: LOUD}, rooms) == {}
    # Bo moves into the hall: silent in the nook, and a challenger in the hall.
    moved = {ADA: HALL, BO: HALL}
    changes: dict[RoomId, ParticipantId | None] = {}
    for _ in range(max(SWITCH_WINDOWS, HOLD_WINDOWS)):
        changes.update(window(detector, {ADA: MEDIUM, BO: LOUD}, moved))
    assert changes == {HALL: BO, NOOK: None}
