"""A subscriber's link: the estimate from its feedback and the videos that fit, without peers."""

import pytest

from server.sfu.bandwidth import (
    CALM_S,
    CONGESTED_STEPS,
    DECREASE_HOLD_S,
    HEADROOM,
    LOSS_BACKOFF,
    LOSS_RECOVERY,
    MAX_CALM_S,
    MIN_EXPECTED,
    MIN_VIDEO_BPS,
    RECENT_S,
    REPORTS_LAG_STEPS,
    LinkEstimate,
    allocate,
    allocate_layers,
)

K = 1000


class Reports:
    """A receiver's reports on two streams, a step's worth at a time."""

    def __init__(self, estimate: LinkEstimate) -> None:
        self.estimate = estimate
        self.highest = {"audio": 1000, "video": 5000}
        for stream, highest in self.highest.items():
            estimate.reported(stream, 0.0, highest)

    def step(self, loss: float, packets: int = 100) -> None:
        for stream in self.highest:
            self.highest[stream] += packets
            self.estimate.reported(stream, loss, self.highest[stream])


def test_no_feedback_and_no_loss_limit_nothing() -> None:
    estimate = LinkEstimate()
    Reports(estimate).step(0.03)  # a weak radio's random loss is not congestion
    assert estimate.budget(2000 * K, now=1.0) is None
    videos = [("a", 900 * K), ("b", 900 * K)]
    assert allocate(None, 120 * K, videos, set()) == {"a", "b"}


def lossy(estimate: LinkEstimate, loss: float = 0.3) -> Reports:
    """Reports of heavy loss for a step, budgeted: not yet congestion."""
    reports = Reports(estimate)
    reports.step(loss)
    assert estimate.budget(2000 * K, now=0.0) is None
    reports.step(loss)
    return reports


def test_lossy_steps_apart_cap_nothing() -> None:
    estimate = LinkEstimate()
    reports = Reports(estimate)
    for now, loss in enumerate((0.3, 0.0, 0.3, 0.0, 0.3)):  # the client's own stalls, now and then
        reports.step(loss)
        assert estimate.budget(2000 * K, now=float(now)) is None


def test_heavy_loss_caps_below_what_was_sent_once_per_hold() -> None:
    estimate = LinkEstimate()
    reports = lossy(estimate)
    # Below what got through of what was sent: 70 % of it.
    through = 2000 * K * 0.7
    assert estimate.budget(2000 * K, now=1.0) == pytest.approx(LOSS_BACKOFF * through)
    # The next reports still tell of the time before the cap: they do not lower it again.
    reports.step(0.3)
    assert estimate.budget(1500 * K, now=2.0) == pytest.approx(LOSS_BACKOFF * through)
    # Nor below what got through of what was sent over the steps they may tell of (videos
    # paused for the loss already send less now): from the most of the last REPORTS_LAG_STEPS.
    reports.step(0.3)
    again = estimate.budget(1000 * K, now=1.0 + DECREASE_HOLD_S)
    assert again == pytest.approx(LOSS_BACKOFF * through)
    for step in range(1, REPORTS_LAG_STEPS):
        reports.step(0.3)
        estimate.budget(1000 * K, now=1.0 + DECREASE_HOLD_S + step)
    reports.step(0.3)
    later = 1.0 + 2 * DECREASE_HOLD_S + REPORTS_LAG_STEPS
    assert estimate.budget(1000 * K, now=later) == pytest.approx(LOSS_BACKOFF * 1000 * K * 0.7)


def test_loss_is_weighed_by_packets_not_by_reports() -> None:
    estimate = LinkEstimate()
    estimate.reported("audio", 0.0, 100)
    estimate.reported("video", 0.0, 100)
    estimate.reported("audio", 0.5, 104)  # half of 4 audio packets
    estimate.reported("video", 0.0, 300)  # none of 200 video packets
    assert estimate.budget(2000 * K, now=1.0) is None
    assert estimate.loss == 2 / 204


def test_too_few_packets_tell_nothing() -> None:
    estimate = LinkEstimate()
    reports = Reports(estimate)
    reports.step(1.0, packets=MIN_EXPECTED // 2 - 1)
    assert estimate.budget(2000 * K, now=1.0) is None


def test_only_a_whole_transports_remb_sizes_the_cap_and_only_a_plausible_one() -> None:
    per_stream = LinkEstimate()
    lossy(per_stream)
    per_stream.estimated(300 * K, [7], now=1.0)  # aiortc's, one stream's
    assert per_stream.budget(2000 * K, now=1.0) == pytest.approx(LOSS_BACKOFF * 2000 * K * 0.7)

    browser = LinkEstimate()
    lossy(browser)
    browser.estimated(1100 * K, [1, 2, 3], now=1.0)  # below what got through (1190 kbit/s)
    assert browser.budget(2000 * K, now=1.0) == 1100 * K

    far_below = LinkEstimate()
    lossy(far_below)
    far_below.estimated(200 * K, [1, 2], now=1.0)
    assert far_below.budget(2000 * K, now=1.0) == 1000 * K  # half of what was sent, no less


def test_a_remb_alone_caps_nothing() -> None:
    estimate = LinkEstimate()
    Reports(estimate).step(0.0)
    estimate.estimated(100 * K, [1, 2], now=1.0)
    assert estimate.budget(2000 * K, now=1.0) is None


def test_the_cap_grows_back_only_after_a_calm() -> None:
    estimate = LinkEstimate()
    reports = lossy(estimate)
    cap = estimate.budget(1000 * K, now=10.0)
    assert cap is not None
    reports.step(0.0)
    assert estimate.budget(500 * K, now=10.0 + CALM_S / 2) == cap
    reports.step(0.0)
    assert estimate.budget(500 * K, now=10.0 + CALM_S) == cap * LOSS_RECOVERY


def test_a_link_congested_again_soon_waits_longer_each_time_before_it_grows() -> None:
    """A larger layer the link cannot carry: each try to grow back into it ends in loss, and
    each next try waits twice as long, until a quiet while (`RECENT_S`) starts afresh."""
    estimate = LinkEstimate()
    reports = Reports(estimate)
    now = 0.0
    waits = []
    for _ in range(6):
        for _ in range(CONGESTED_STEPS):  # the link overflows: congestion
            reports.step(0.3)
            now += 1.0
            estimate.budget(1000 * K, now=now)
        congested_at = now
        cap = estimate.budget(1000 * K, now=now)
        while estimate.budget(700 * K, now=now) == cap:  # calm until the cap grows back
            reports.step(0.0)
            now += 1.0
        waits.append(now - congested_at)
    assert waits[0] == CALM_S
    assert waits[1:] == [min(CALM_S * 2**n, MAX_CALM_S) for n in range(1, 6)]
    # A congestion long after the cap last grew back is a new story: the short calm again.
    now += RECENT_S
    for _ in range(CONGESTED_STEPS):
        reports.step(0.3)
        now += 1.0
        estimate.budget(1000 * K, now=now)
    assert estimate.calm_s == CALM_S


def test_videos_fit_in_order_after_every_voice() -> None:
    videos = [("speaker", 500 * K), ("big", 900 * K), ("small", 200 * K)]
    budget = 120 * K + 800 * K
    # The second does not fit, the third still does.
    assert allocate(budget, 120 * K, videos, {"speaker", "big", "small"}) == {"speaker", "small"}


def test_a_paused_video_needs_headroom_to_come_back() -> None:
    videos = [("a", 500 * K), ("b", 300 * K)]
    just = 500 * K + 300 * K
    assert allocate(just, 0, videos, {"a", "b"}) == {"a", "b"}
    assert allocate(just, 0, videos, {"a"}) == {"a"}
    assert allocate(500 * K + HEADROOM * 300 * K, 0, videos, {"a"}) == {"a", "b"}


def test_the_first_video_stays_while_the_floor_is_left_for_it() -> None:
    voice = 40 * K
    videos = [("speaker", 900 * K), ("other", 100 * K)]
    assert allocate(voice + MIN_VIDEO_BPS, voice, videos, set()) == {"speaker"}
    assert allocate(voice + MIN_VIDEO_BPS - 1, voice, videos, set()) == {"other"}
    assert allocate(voice, voice, videos, set()) == set()
    # A first video smaller than the floor needs only its own bitrate.
    assert allocate(voice + 90 * K, voice, [("small", 90 * K)], set()) == {"small"}


def test_a_video_in_layers_gets_the_one_its_tile_needs_or_the_largest_that_fits() -> None:
    layers = (150 * K, 1200 * K)
    # No limit known: each gets the layer its tile needs.
    assert allocate_layers(None, 0, [("big", layers, 1), ("small", layers, 0)], {}) == {
        "big": 1,
        "small": 0,
    }
    # Room for the large one and the other's small one.
    both = allocate_layers(1500 * K, 64 * K, [("big", layers, 1), ("small", layers, 1)], {})
    assert both == {"big": 1, "small": 0}
    # A weak link: the smaller layer rather than a paused video.
    assert allocate_layers(500 * K, 64 * K, [("big", layers, 1)], {"big": 1}) == {"big": 0}


def test_going_up_a_layer_needs_headroom_staying_does_not() -> None:
    layers = (150 * K, 1000 * K)
    just = 64 * K + 1000 * K + 150 * K
    assert allocate_layers(just, 64 * K, [("v", layers, 1)], {"v": 1}) == {"v": 1}
    assert allocate_layers(just - 150 * K, 64 * K, [("v", layers, 1)], {"v": 0}) == {"v": 0}
    roomy = 64 * K + 1000 * K * HEADROOM
    assert allocate_layers(roomy, 64 * K, [("v", layers, 1)], {"v": 0}) == {"v": 1}


def test_the_first_video_keeps_its_smallest_layer_on_the_floor() -> None:
    layers = (200 * K, 1000 * K)
    chosen = allocate_layers(
        64 * K + MIN_VIDEO_BPS, 64 * K, [("first", layers, 1), ("second", layers, 1)], {}
    )
    assert chosen == {"first": 0}
