"""The active speaker in a workshop: the highlight follows whoever unmutes.

Chromium's fake microphone beeps briefly now and then; the server's mean level over 0.3 s
windows (docs/protocol.md, active_speaker) rarely reaches -50 dBov from those beeps, so here
the microphone is a steady tone, as a person talking without a pause would be: only the
sound source is replaced, the page, the server and the forwarding are the real ones."""

import re

from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import MEDIA_TIMEOUT_MS, Person, create_meeting

TONE = """
const withCamera = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (wanted) => {
  const stream = wanted.video ? await withCamera({ video: wanted.video }) : new MediaStream();
  if (wanted.audio) {
    const context = new AudioContext();
    const tone = context.createOscillator();
    const out = context.createMediaStreamDestination();
    tone.connect(out);
    tone.start();
    stream.addTrack(out.stream.getAudioTracks()[0]);
  }
  return stream;
};
"""
# True while `name`'s tile is highlighted and the list of people says that they speak; polled
# often, since the beeps make the highlight come and go.
SPEAKING = """([name, speaking]) => {
  const tile = [...document.querySelectorAll("#videos figure.speaking")]
    .some((f) => f.querySelector("figcaption").textContent === name);
  const listed = [...document.querySelectorAll("#people-rooms li")]
    .some((li) => li.querySelector(".name").textContent === name
      && li.textContent.includes(speaking));
  return tile && listed;
}"""


def test_the_highlight_follows_whoever_unmutes(serve: Serve, browser: Browser) -> None:
    server = serve()
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    ewa = Person.open(browser, created["invite_link"], script=TONE).join("Ewa")
    jan = Person.open(browser, created["invite_link"], script=TONE).join("Jan")
    console = moderator.console()
    console.get_by_label("Room name", exact=True).first.fill("Zieleń")
    console.get_by_role("button", name="Add room").click()
    console.get_by_role("button", name="Assign at random").click()
    expect(console.locator("#roster .planned", has_text="Zieleń")).to_have_count(2)
    console.get_by_role("button", name="Open the rooms").click()
    ewa.sees_video_of("Jan")
    jan.sees_video_of("Ewa")

    for talker, listener in ((ewa, jan), (jan, ewa)):
        talker.page.get_by_role("button", name="Unmute microphone").click()
        listener.page.wait_for_function(
            SPEAKING, arg=[talker.name, "speaking"], polling=50, timeout=MEDIA_TIMEOUT_MS
        )
        talker.page.get_by_role("button", name="Mute microphone").click()
        tile = listener.page.locator("#videos figure", has_text=talker.name)
        expect(tile).not_to_have_class(re.compile(r"\bspeaking\b"), timeout=MEDIA_TIMEOUT_MS)
    assert moderator.errors == ewa.errors == jan.errors == []
