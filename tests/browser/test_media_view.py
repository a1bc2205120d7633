"""A viewer receives only the videos it shows: in the plenary on a phone, the strip under the
featured tile scrolls sideways, and a tile scrolled out of it stops arriving (its decoder stops
counting frames) while the tiles in view play on; scrolled back, it plays again within moments.
The page says which videos it shows in `media_view` (docs/protocol.md)."""

import re
from typing import Any

import msgpack
from playwright.sync_api import Browser, Locator, ViewportSize, WebSocket, expect

from tests.harness.processes import ServerProcess

from .person import MEDIA_TIMEOUT_MS, Person, create_meeting

PUBLISHERS = ("Anna Nowak", "Zofia Wójcik", "Jan Lis", "Ewa Kowal", "Piotr Zieliński")
# A phone's width: the strip holds two tiles and a half, the others lie past its edge.
PHONE = ViewportSize(width=480, height=800)
# Five cameras and their decoders share the machine's two cores with the server: each publisher
# sends a small picture (what the viewer does with it does not depend on its size).
SMALL_CAMERA = """
const askCamera = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = (wanted) => askCamera(
  wanted?.video ? { ...wanted, video: { width: 160, height: 120, frameRate: 15 } } : wanted);
"""
# Frames are the decoder's count (person.py, receivedOf), which counts every frame that arrives:
# the video element's own count stops while it is scrolled away, whatever the server sends.
# True once the frame count of `name` has stood still for `still` ms while each of `playing` (the
# names of others) decoded more than `more` frames.
STALLED = """
async ([name, playing, still, more]) => {
  const now = performance.now();
  const counts = {};
  for (const each of [name, ...playing])
    counts[each] = await window.receivedOf(each, "video", "framesDecoded");
  const since = window.stillSince;
  if (since?.name !== name || since.counts[name] !== counts[name]) {
    window.stillSince = { name, counts, at: now };
    return false;
  }
  const played = playing.every((each) => counts[each] > since.counts[each] + more);
  return played && now - since.at >= still;
}
"""
STILL_MS = 2000  # a tile that stood still this long gets nothing (it plays at 15 frames/s)
PLAYED = 10  # frames the tiles in view decode meanwhile, at the least
STALL_TIMEOUT_MS = 15_000
RESUME_MS = 3000
# True once `name` has decoded more than `more` frames past `since`.
GROWS = """
async ([name, since, more]) =>
  (await window.receivedOf(name, "video", "framesDecoded")) > since + more
"""
# Headless Chromium never hides a page (another tab in front, a minimised window: still
# "visible"), so the test tells the page its tab is hidden, or shown again, as the browser would.
HIDE = """
(hidden) => {
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  document.dispatchEvent(new Event("visibilitychange"));
}
"""
STEPS = {90, 180, 360, 720, 1080}
PAUSED = re.compile(r"\bpaused\b")


def frames(viewer: Person, name: str) -> int:
    counted: int = viewer.page.evaluate(
        '(name) => window.receivedOf(name, "video", "framesDecoded")', name
    )
    return counted


def caption(figure: Locator) -> str:
    return figure.locator("figcaption").inner_text()


def test_a_tile_scrolled_out_of_view_stops_arriving_and_comes_back(
    module_server: ServerProcess, browser: Browser
) -> None:
    created = create_meeting(module_server, "Forum Dzielnicy Psie Pole")
    publishers = [
        Person.open(browser, created["moderator_link"], script=SMALL_CAMERA).join(name)
        for name in PUBLISHERS
    ]
    context = browser.new_context(locale="en-GB", viewport=PHONE)
    viewer = Person._at(context.new_page(), created["invite_link"], "")
    views: list[list[dict[str, Any]]] = []

    def on_socket(socket: WebSocket) -> None:
        def sent(payload: bytes | str) -> None:
            message = msgpack.unpackb(payload) if isinstance(payload, bytes) else {}
            if message.get("type") == "media_view":
                views.append(message["shown"])

        socket.on("framesent", sent)

    viewer.page.on("websocket", on_socket)
    viewer.join("Marek", camera=False)

    page = viewer.page
    figures = page.locator("#videos figure")
    expect(figures).to_have_count(len(PUBLISHERS), timeout=MEDIA_TIMEOUT_MS)
    expect(page.locator("#videos")).to_have_attribute("data-layout", "spotlight")
    strip = page.locator("#strip")
    assert strip.evaluate("(strip) => strip.scrollWidth > strip.clientWidth + 160")
    featured = page.locator("#featured figure")
    first, last = strip.locator("figure").first, strip.locator("figure").last
    names = {"featured": caption(featured), "first": caption(first), "last": caption(last)}

    # Scrolled to its end, the strip shows its last tile, which plays.
    def scroll(to: str) -> None:
        strip.evaluate(f"(strip) => strip.scrollTo({{ left: {to} }})")

    scroll("strip.scrollWidth")
    expect(last).not_to_have_class(PAUSED)
    viewer.sees_video_of(names["last"])

    # Back at its start, the last tile lies past the edge: paused and said so, and it stops
    # arriving while the tiles in view play on.
    scroll("0")
    expect(last).to_have_class(PAUSED)
    expect(last.locator(".paused-hint")).to_have_text(viewer.say("media.paused"))
    expect(first).not_to_have_class(PAUSED)
    expect(first.locator(".paused-hint")).to_be_hidden()
    playing = [names["featured"], names["first"]]
    stalled = [names["last"], playing, STILL_MS, PLAYED]
    viewer.until(STALLED, stalled, STALL_TIMEOUT_MS)

    # What the page said it shows: the featured tile first, then the strip's in view, in order.
    in_view = [
        figure.get_attribute("data-publisher")
        for figure in [featured, *strip.locator("figure:not(.paused)").all()]
    ]
    assert [shown["publisher"] for shown in views[-1]] == in_view
    assert {shown["source"] for shown in views[-1]} == {"camera"}
    assert all(shown["height"] in STEPS for shown in views[-1]), views[-1]

    # Scrolled to the end again, the last tile plays again within moments, and the first stops.
    before = frames(viewer, names["last"])
    started = page.evaluate("() => performance.now()")
    scroll("strip.scrollWidth")
    viewer.until(GROWS, [names["last"], before, 3], RESUME_MS, every_ms=50)
    resumed_ms = page.evaluate("(started) => performance.now() - started", started)
    print(f"the last tile played again {resumed_ms:.0f} ms after the scroll")
    expect(last).not_to_have_class(PAUSED)
    expect(first).to_have_class(PAUSED)
    playing = [names["featured"], names["last"]]
    stalled = [names["first"], playing, STILL_MS, PLAYED]
    viewer.until(STALLED, stalled, STALL_TIMEOUT_MS)

    # A hidden tab shows nothing: no video comes, until the tab shows again (the strip back at
    # its start).
    scroll("0")
    page.evaluate(HIDE, True)
    expect(figures.and_(page.locator(".paused"))).to_have_count(len(PUBLISHERS))
    viewer.until(STALLED, [names["featured"], [], STILL_MS, 0], STALL_TIMEOUT_MS)
    assert views[-1] == []
    before = frames(viewer, names["featured"])
    started = page.evaluate("() => performance.now()")
    page.evaluate(HIDE, False)
    viewer.until(GROWS, [names["featured"], before, 3], RESUME_MS, every_ms=50)
    resumed_ms = page.evaluate("(started) => performance.now() - started", started)
    print(f"the featured tile played again {resumed_ms:.0f} ms after the tab showed")
    expect(featured).not_to_have_class(PAUSED)

    expect(last).to_have_class(PAUSED)

    # A new connection (the socket cut, the meeting resumed) has a new media session, which
    # hears the same view again: the tile out of view stays paused there too.
    page.evaluate("() => window.sockets.at(-1).close()")
    expect(page.locator("#connection")).to_be_hidden()
    page.wait_for_function(
        "() => window.peers.length === 2 && window.peers[1].connectionState === 'connected'",
        timeout=MEDIA_TIMEOUT_MS,
    )
    expect(figures).to_have_count(len(PUBLISHERS), timeout=MEDIA_TIMEOUT_MS)
    expect(last).to_have_class(PAUSED)
    for figure in (featured, first):
        viewer.sees_video_of(caption(figure))
    playing = [caption(featured), caption(first)]
    viewer.until(STALLED, [caption(last), playing, STILL_MS, PLAYED], STALL_TIMEOUT_MS)

    expect(page.locator("#problem")).to_have_text("")
    for person in (viewer, *publishers):
        assert person.errors == []
