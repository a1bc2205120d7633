"""What `python -m bench weaklink` reads from the weak page's samples: gaps and frame rates."""

from typing import Any

import pytest

from bench.weaklink.weak import summarise

SPEAKER = "Osoba 01"
OTHER = "Osoba 02"


def sample(at_ms: float, received: int, concealed: int, frames: int) -> dict[str, Any]:
    return {
        "at": at_ms,
        "video": {SPEAKER: frames, OTHER: frames // 3},
        "audio": {f"Sound of {SPEAKER}": [received, concealed, 0], f"Sound of {OTHER}": [0, 0, 0]},
        "bytes": at_ms * 100,
        "lost": 0,
        "packets": at_ms,
    }


def test_the_longest_gap_is_the_longest_run_of_mostly_concealed_intervals() -> None:
    # 100 ms intervals of 4800 samples: two concealed, one heard, three concealed, one heard.
    concealed_runs = [1, 1, 0, 1, 1, 1, 0]
    samples = [sample(0, 0, 0, 0)]
    received = concealed = 0
    for i, hidden in enumerate(concealed_runs, start=1):
        received += 4800
        concealed += 4000 if hidden else 100
        samples.append(sample(i * 100, received, concealed, i * 3))

    view = summarise(samples, SPEAKER)

    assert view.longest_gap_ms == pytest.approx(300)
    assert view.speaker_fps == pytest.approx(30)
    assert view.others_fps == pytest.approx(10)
    assert view.inbound_kbit == pytest.approx(800)  # 100 bytes a millisecond
    assert view.concealed_percent == pytest.approx(100 * (5 * 4000 + 2 * 100) / (7 * 4800))


def test_a_speaker_never_received_is_a_gap_as_long_as_the_window() -> None:
    samples = [sample(0, 0, 0, 0), sample(1000, 0, 0, 0)]
    for taken in samples:
        del taken["audio"][f"Sound of {SPEAKER}"]
        del taken["video"][SPEAKER]

    view = summarise(samples, SPEAKER)

    assert view.longest_gap_ms == 1000
    assert view.speaker_fps == 0.0
    assert view.concealed_percent == 100.0


def test_fewer_than_two_samples_is_an_error() -> None:
    with pytest.raises(ValueError, match="fewer than two samples"):
        summarise([sample(0, 0, 0, 0)], SPEAKER)
