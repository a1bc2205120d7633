"""The opening in the browser: a participant's link opened before the meeting opens shows a
waiting page (the start on the 24-hour clock, a countdown, a camera and microphone test that
works with Chromium's fake devices), a presenter's link goes straight to the join form, and at
the opening the participant's page moves on to the join form by itself and joins.

The server opens the meeting `OPEN_BEFORE_S` before a start `START_IN_S` away, so the wait is
short but leaves the page time to load and test under load; every wait is for what the page
shows, none for a fixed time."""

import re
import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, expect

from tests.harness import api
from tests.harness.processes import ADMIN_TOKEN, ServerProcess

from .conftest import Serve
from .person import Person

OPEN_BEFORE_S = 15
# The meeting opens this long after it is made: the page loads, counts down, tests the camera and
# microphone, is checked by axe and a presenter joins in about 5 s here; four times that leaves
# room for a loaded machine.
START_IN_S = OPEN_BEFORE_S + 20
# A start moved later while the join form was open: the page has only to show the waiting page
# before the opening (well under a second here).
MOVED_START_IN_S = OPEN_BEFORE_S + 10
# A waiting page reads the invitation again every 20 s (static/views/waiting.js): a start the
# organiser moved is shown within that, with room for a loaded machine.
REREAD_TIMEOUT_MS = (20 + 30) * 1000


def opening_timeout_ms(start_in_s: int) -> int:
    """The opening of a start `start_in_s` away, and the page's move to the join form after it,
    with room for a loaded machine."""
    return (start_in_s - OPEN_BEFORE_S + 30) * 1000


# True once the microphone's meter has shown two levels apart: the sound moves it.
LEVEL_MOVES = """
() => {
  const value = document.getElementById("waiting-level").value;
  window.levelsSeen = [...(window.levelsSeen ?? []), value];
  return Math.max(...window.levelsSeen) - Math.min(...window.levelsSeen) > 0.05;
}
"""


def test_a_participant_waits_tests_devices_and_joins_at_the_opening(
    serve: Serve, browser: Browser
) -> None:
    server = serve(PLENUM_OPEN_BEFORE_S=str(OPEN_BEFORE_S))
    start = datetime.fromtimestamp(time.time() + START_IN_S, UTC)
    created = api.create_meeting(
        server.base_url, "Forum Dzielnicy Sośnica", ADMIN_TOKEN, starts_at=start.isoformat()
    )

    # American English would write "3:45 PM": the page writes the 24-hour clock whatever the
    # language.
    ewa = Person.open(browser, created["invite_link"], "en-US")
    page = ewa.page
    expect(page.locator("#waiting-view")).to_be_visible()
    expect(page.locator("#join-view")).to_be_hidden()
    expect(page.locator("#title")).to_have_text("Forum Dzielnicy Sośnica")
    starts = page.locator("#waiting-starts").inner_text()
    assert re.search(r"\b\d{2}:\d{2}\b", starts) and not re.search(r"AM|PM", starts), starts
    left = page.locator("#waiting-left")
    expect(left).to_have_text(re.compile(r"^\d+:\d\d$"))
    first = left.inner_text()
    expect(left).not_to_have_text(first)  # it counts down
    expect(page.locator("#announce")).to_have_text(
        re.compile(r"The meeting opens in (\d+ minutes?|less than a minute)\.")
    )

    page.get_by_role("button", name=ewa.say("waiting.test_start")).click()
    page.wait_for_function(
        "() => document.getElementById('waiting-video').videoWidth > 0", timeout=10_000
    )
    page.wait_for_function(LEVEL_MOVES, polling=100, timeout=10_000)
    expect(page.get_by_role("button", name=ewa.say("waiting.test_stop"))).to_be_focused()
    expect(page.locator("#waiting-device-error")).to_be_hidden()
    assert ewa.axe("waiting") == []
    ewa.screenshot("waiting")

    # The presenter's link does not wait.
    mayor = Person.open(browser, created["presenter_link"])
    expect(mayor.page.locator("#join-view")).to_be_visible()
    expect(mayor.page.locator("#waiting-view")).to_be_hidden()
    mayor.join("Prezydent Miasta")

    # At the opening the page moves on by itself: the test stops, the join form shows.
    expect(page.locator("#join-view")).to_be_visible(timeout=opening_timeout_ms(START_IN_S))
    expect(page.locator("#waiting-view")).to_be_hidden()
    expect(page.locator("#announce")).to_have_text(ewa.say("waiting.opened"))
    assert page.evaluate("() => document.getElementById('waiting-video').srcObject") is None
    ewa.join("Ewa Zięba", "Sośnica")
    expect(mayor.page.locator("#people-rooms")).to_contain_text("Ewa Zięba")
    assert ewa.errors == mayor.errors == []


def test_one_who_pressed_join_too_early_joins_at_the_opening(
    serve: Serve, browser: Browser
) -> None:
    server = serve(PLENUM_OPEN_BEFORE_S=str(OPEN_BEFORE_S))
    started = datetime.fromtimestamp(time.time() - 60, UTC)
    created = api.create_meeting(
        server.base_url, "Forum Liderów", ADMIN_TOKEN, starts_at=started.isoformat()
    )
    jan = Person.open(browser, created["invite_link"], "pl-PL")
    page = jan.page
    expect(page.locator("#join-view")).to_be_visible()
    page.locator("#join-name").fill("Jan Kowalski")
    # The organiser moves the start after the page asked: the page still offers to join.
    later = datetime.fromtimestamp(time.time() + MOVED_START_IN_S, UTC)
    api.edit_meeting(server.base_url, created["id"], ADMIN_TOKEN, starts_at=later.isoformat())
    page.locator("#join-submit").click()

    expect(page.locator("#waiting-view")).to_be_visible()
    expect(page.locator("#waiting-left")).to_have_text(re.compile(r"^\d+:\d\d$"))
    # At the opening it joins with the name typed, without another press.
    expect(page.locator("#meeting-view")).to_be_visible(
        timeout=opening_timeout_ms(MOVED_START_IN_S)
    )
    expect(page.locator("#people-rooms")).to_contain_text("Jan Kowalski")
    assert jan.errors == []


# The browser's answers to the page's asks, as a person's settings or machine would give them.
REFUSE_ALL = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
"""
NO_DEVICES = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Requested device not found", "NotFoundError"));
"""
NO_CAMERA = """
const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (wanted) => wanted.video
  ? Promise.reject(new DOMException("Requested device not found", "NotFoundError"))
  : real(wanted);
"""


@pytest.mark.parametrize(
    ("script", "said", "hears"),
    [
        (REFUSE_ALL, "waiting.blocked", False),
        (NO_DEVICES, "waiting.no_devices", False),
        (NO_CAMERA, "waiting.no_camera", True),
    ],
    ids=["refused", "no-devices", "no-camera"],
)
def test_the_device_test_says_what_it_could_not_use(
    module_server: ServerProcess, module_browser: Browser, script: str, said: str, hears: bool
) -> None:
    # The server's own opening (15 minutes) before a start an hour away: a long wait.
    start = datetime.fromtimestamp(time.time() + 3600, UTC)
    created = api.create_meeting(
        module_server.base_url, "Forum Liderów", ADMIN_TOKEN, starts_at=start.isoformat()
    )
    ola = Person.open(module_browser, created["invite_link"], "pl-PL", script=script)
    page = ola.page
    expect(page.locator("#waiting-left")).to_have_text(re.compile(r"^4\d:\d\d$"))
    page.get_by_role("button", name=ola.say("waiting.test_start")).click()
    expect(page.locator("#waiting-device-error")).to_have_text(ola.say(said))
    if hears:  # the microphone is tried without the camera
        expect(page.locator("#waiting-level")).to_be_visible()
        expect(page.locator("#waiting-video-box")).to_be_hidden()
        page.wait_for_function(LEVEL_MOVES, polling=100, timeout=10_000)
    else:
        expect(page.locator("#waiting-test-box")).to_be_hidden()
    assert ola.errors == []


def test_a_start_moved_earlier_opens_the_waiting_page_then(
    module_server: ServerProcess, module_browser: Browser
) -> None:
    # The server's own opening (15 minutes) before a start an hour away: a long wait.
    start = datetime.fromtimestamp(time.time() + 3600, UTC)
    created = api.create_meeting(
        module_server.base_url, "Forum Liderów", ADMIN_TOKEN, starts_at=start.isoformat()
    )
    ola = Person.open(module_browser, created["invite_link"], "pl-PL")
    page = ola.page
    expect(page.locator("#waiting-left")).to_have_text(re.compile(r"^4\d:\d\d$"))

    # The organiser moves the start to now: the page that waits learns of it, and opens.
    now = datetime.fromtimestamp(time.time(), UTC)
    api.edit_meeting(module_server.base_url, created["id"], ADMIN_TOKEN, starts_at=now.isoformat())
    expect(page.locator("#join-view")).to_be_visible(timeout=REREAD_TIMEOUT_MS)
    expect(page.locator("#waiting-view")).to_be_hidden()
    ola.join("Ola Nowak")
    assert ola.errors == []
