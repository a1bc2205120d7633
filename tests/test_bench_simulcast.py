"""What `python -m bench simulcast` reads from a viewer's samples: rates, freezes, heights."""

from typing import Any

import pytest

from bench.simulcast.benchmark import summarise


def samples(frames_each_step: list[int], heights: list[int]) -> list[dict[str, Any]]:
    """A sample every 250 ms, the frames decoded growing by `frames_each_step`."""
    taken = [{"at": 0.0, "frames": 0, "height": heights[0]}]
    for i, (more, height) in enumerate(zip(frames_each_step, heights, strict=True), start=1):
        taken.append({"at": i * 250.0, "frames": taken[-1]["frames"] + more, "height": height})
    return taken


def test_a_steady_picture_then_a_freeze_and_a_smaller_one() -> None:
    # Two seconds at 480 (5 frames a step: 20 fps), a second frozen, two seconds at 240.
    steps = [5] * 8 + [0] * 4 + [5] * 8
    heights = [480] * 12 + [240] * 8
    watched = summarise(samples(steps, heights))
    assert watched.fps == pytest.approx(80 / 5)
    assert watched.longest_freeze_ms == 1000
    assert watched.worst_second_fps == 0.0
    assert watched.heights == {240: 40, 480: 60}


def test_too_few_samples_say_so() -> None:
    with pytest.raises(ValueError, match="fewer than two"):
        summarise([{"at": 0.0, "frames": 0, "height": None}])
