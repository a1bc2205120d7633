"""Two Chromium browsers with fake cameras in one workshop, each decoding the other's video."""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .process import ADMIN_TOKEN, ServerProcess

CHROMIUM = "/usr/bin/chromium"
# docs: ../shared/WEBRTC-NOTES.md. Loopback candidates need the first flag; the fake devices
# need no camera, and no permission prompt.
CHROMIUM_ARGS = [
    "--allow-loopback-in-peer-connection",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
MEDIA_TIMEOUT_MS = 20_000
# Keeps every peer connection the page makes, so the test can read its statistics.
RECORD_PEERS = """
window.peers = [];
const Native = window.RTCPeerConnection;
window.RTCPeerConnection = class extends Native {
  constructor(...args) { super(...args); window.peers.push(this); }
};
"""
VIDEO_DECODED = """
async () => {
  for (const pc of window.peers) {
    const stats = await pc.getStats();
    for (const report of stats.values()) {
      if (report.type === "inbound-rtp" && report.kind === "video" && report.framesDecoded > 0) {
        return true;
      }
    }
  }
  return false;
}
"""


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def join(browser: Browser, link: str, name: str) -> Page:
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.add_init_script(RECORD_PEERS)
    page.goto(link)
    page.get_by_label("Display name", exact=True).fill(name)
    page.locator("#join").get_by_role("button", name="Join").click()
    expect(page.locator("#me")).to_contain_text(f"You are {name}")
    return page


@pytest.mark.browser
def test_two_browsers_in_a_workshop_decode_each_other(
    server: ServerProcess, browser: Browser
) -> None:
    created = httpx.post(
        f"{server.base_url}/api/meetings",
        json={"title": "Forum Lokalnych Liderów Społecznych"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ).json()
    moderator = join(browser, created["moderator_link"], "Adam Neumann")
    ewa = join(browser, created["invite_link"], "Ewa")
    jan = join(browser, created["invite_link"], "Jan")
    errors: list[str] = []
    for page in (ewa, jan):
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.get_by_role("button", name="Start camera and microphone").click()
    # In the plenary a participant's camera is refused: the server says so.
    for page in (ewa, jan):
        expect(page.locator("#status")).to_contain_text("media_not_allowed")

    moderator.get_by_label("Rooms").fill("1")
    moderator.get_by_label("Assign").select_option("assign_random")
    moderator.get_by_role("button", name="Split into rooms").click()

    for page, other in ((ewa, "Jan"), (jan, "Ewa")):
        video = page.get_by_role("figure").filter(has_text=other).locator("video")
        expect(video).to_have_attribute("aria-label", other, timeout=MEDIA_TIMEOUT_MS)
        page.wait_for_function(VIDEO_DECODED, polling=200, timeout=MEDIA_TIMEOUT_MS)
    assert errors == []
