"""One person at one browser: opening a link, joining, and what the test reads from the page."""

import fcntl
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect

from server.app import STATIC
from tests.harness import api
from tests.harness.processes import ADMIN_TOKEN, ServerProcess
from tests.harness.tree import ROOT
from tests.harness.waiting import until

TIMEOUT_MS = 10_000
MEDIA_TIMEOUT_MS = 30_000
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_REPORT = ROOT / "test-artifacts" / "axe.json"
CATALOGUES: dict[str, dict[str, str]] = {
    path.stem: json.loads(path.read_text("utf-8")) for path in STATIC.glob("i18n/*.json")
}

# Keeps every peer connection and socket the page makes, so the test can read statistics and
# cut the network; the page itself has no test hooks.
RECORD = """
window.peers = [];
const NativePeer = window.RTCPeerConnection;
window.RTCPeerConnection = class extends NativePeer {
  constructor(...args) { super(...args); window.peers.push(this); }
};
window.mediaAsks = 0;
if (navigator.mediaDevices) {
  const ask = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (...args) => {
    window.mediaAsks += 1;
    return ask(...args);
  };
}
window.sockets = [];
const NativeSocket = window.WebSocket;
window.WebSocket = class extends NativeSocket {
  constructor(...args) { super(...args); window.sockets.push(this); }
};
"""
# True once the video captioned `name` (a person's name, or a screen's caption), or the sound
# labelled as theirs, has counted more than `more` of `counter` (frames decoded, packets) after
# the first look: of that person, since a receiver's counter keeps counting across the people it
# carried.
RECEIVING = """
async ([name, key, kind, counter, more]) => {
  const element = kind === "video"
    ? [...document.querySelectorAll("#videos figure")]
        .find((f) => f.querySelector("figcaption").textContent === name)?.querySelector("video")
    : [...document.querySelectorAll("#videos audio")]
        .find((a) => a.getAttribute("aria-label")?.includes(name));
  const track = element?.srcObject?.getTracks().find((t) => t.kind === kind);
  if (!track) return false;
  for (const pc of window.peers) {
    if (pc.connectionState === "closed") continue;
    const receiver = pc.getReceivers().find((r) => r.track === track);
    if (!receiver) continue;
    for (const report of (await receiver.getStats()).values()) {
      if (report.type !== "inbound-rtp" || !(report[counter] > 0)) continue;
      window.countedBefore ??= {};
      window.countedBefore[key] ??= report[counter];
      if (report[counter] > window.countedBefore[key] + more) return true;
    }
  }
  return false;
}
"""


def create_meeting(server: ServerProcess, title: str) -> dict[str, str]:
    return api.create_meeting(server.base_url, title, ADMIN_TOKEN)


@dataclass
class Person:
    page: Page
    name: str = ""
    errors: list[str] = field(default_factory=list)
    checks: int = 0

    @classmethod
    def open(
        cls, browser: Browser, link: str, locale: str = "en-GB", *, script: str = ""
    ) -> "Person":
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        return cls._at(context.new_page(), link, script)

    def new_tab(self, link: str) -> "Person":
        """The same browser, with what it stored, opening `link` again in another tab."""
        return self._at(self.page.context.new_page(), link, "")

    @classmethod
    def _at(cls, page: Page, link: str, script: str) -> "Person":
        page.set_default_timeout(TIMEOUT_MS)
        page.add_init_script(RECORD + script)
        person = cls(page)
        page.on("pageerror", lambda error: person.errors.append(str(error)))
        page.on("console", person.on_console)
        page.goto(link)
        return person

    def on_console(self, message: ConsoleMessage) -> None:
        # A CSP refusal would mean the page needs something the policy forbids.
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(message.text)

    def join(
        self,
        name: str,
        district: str = "",
        *,
        organisation: str = "",
        camera: bool = True,
        microphone: bool = False,
    ) -> "Person":
        self.name = name
        page = self.page
        expect(page.locator("#join-view")).to_be_visible()
        # A personal link's form has the organiser's details set, not to be typed over.
        if page.locator("#join-name").is_editable():
            page.locator("#join-name").fill(name)
            page.locator("#join-district").fill(district)
            page.locator("#join-organisation").fill(organisation)
        if page.locator("#join-devices").is_visible():  # hidden when the server carries no media
            page.locator("#join-camera").set_checked(camera)
            page.locator("#join-microphone").set_checked(microphone)
        page.locator("#join-submit").click()
        expect(page.locator("#meeting-view")).to_be_visible()
        expect(page.locator("#people-rooms")).to_contain_text(name)
        return self

    def panel(self, tab: str) -> Locator:
        """Show the side panel's tab `tab` (chat, people, hands, agenda, questions, polls, notes,
        contacts) as a person does: opening the panel from the toolbar if it is closed, then
        choosing the tab. The tab's panel is returned."""
        page = self.page
        # Not before the meeting shows (after a reload, say): a panel still hidden then may be
        # about to open, and the toggle would close it.
        expect(page.locator("#meeting-view")).to_be_visible()
        button = page.locator(f"#tab-{tab}")
        if not button.is_visible():
            page.locator("#panel-toggle").click()
        if button.get_attribute("aria-selected") != "true":
            button.click()
        expect(button).to_have_attribute("aria-selected", "true")
        shown = page.locator(f"#{button.get_attribute('aria-controls')}")
        expect(shown).to_be_visible()
        return shown

    def console(self, shown: bool = True) -> Locator:
        """Show the moderator's console in place of the stage (or, shown=False, the stage)."""
        toggle = self.page.locator("#console-toggle")
        if (toggle.get_attribute("aria-pressed") == "true") != shown:
            toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", str(shown).lower())
        return self.page.locator("#console" if shown else "#stage")

    @property
    def media_asks(self) -> int:
        """How many times the page asked the browser for a camera or microphone."""
        asks: int = self.page.evaluate("() => window.mediaAsks")
        return asks

    def sees_video_of(self, name: str) -> None:
        expect(self.page.locator("#videos figure", has_text=name).locator("video")).to_be_visible(
            timeout=MEDIA_TIMEOUT_MS
        )
        self._receives(name, "video", "framesDecoded", 3)

    def hears(self, name: str) -> None:
        """`name`'s sound arrives: its packets keep coming (a muted microphone sends silence)."""
        self._receives(name, "audio", "packetsReceived", 25)

    def _receives(self, name: str, kind: str, counter: str, more: int) -> None:
        self.checks += 1
        key = f"{kind}-{name}-{self.checks}"
        # Not wait_for_function: it takes the Promise an async predicate returns for a true
        # answer and returns at once, whatever the statistics say. Statistics send no event.
        until(
            lambda: self.page.evaluate(RECEIVING, [name, key, kind, counter, more]),
            MEDIA_TIMEOUT_MS / 1000,
            every=0.25,
            failure=f"{self.name}: {name}'s {kind} gained no more than {more} {counter}",
        )

    def tab_to(self, target: Locator, limit: int = 250) -> None:
        """Press Tab until `target` has the focus, as a keyboard user would, and check it shows."""
        for _ in range(limit):
            if target.evaluate("(node) => node === document.activeElement"):
                outline = target.evaluate("(node) => getComputedStyle(node).outlineStyle")
                assert outline != "none", "the focus must be visible"
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {target}")

    def say(self, key: str, **words: str) -> str:
        """A string of the catalogue of the page's language, as the page shows it."""
        language = self.page.evaluate("() => document.documentElement.lang")
        text = CATALOGUES[language][key]
        return re.sub(r"\{(\w+)\}", lambda match: words.get(match.group(1), ""), text)

    def screenshot(self, view: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{view}.png", full_page=True)

    def axe(self, view: str) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the page as it is now (all are saved)."""
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            # Evaluated, not added as a <script>: the page's CSP rightly refuses inline script.
            self.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
        result: dict[str, Any] = self.page.evaluate(
            "() => axe.run(document, { resultTypes: ['violations'] })"
        )
        found = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]],
            }
            for v in result["violations"]
        ]
        AXE_REPORT.parent.mkdir(parents=True, exist_ok=True)
        # Test files run in parallel processes: one adds its view to the report at a time.
        with AXE_REPORT.with_suffix(".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            report = json.loads(AXE_REPORT.read_text()) if AXE_REPORT.exists() else {}
            report[view] = found
            AXE_REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        return [v for v in found if v["impact"] in ("serious", "critical")]
