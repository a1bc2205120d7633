"""Simulcast (PLENUM_MEDIA_SIMULCAST=on): a browser sends its camera in several sizes, and each
viewer is sent the size its tile needs: the featured tile the largest, a tile in the strip under
it a smaller one; a tile that grows gets a larger picture, and the picture never stops on the
way.

What is asserted is what the browsers tell in their statistics (getStats): the publisher sends
each layer (`outbound-rtp` by `rid`, with its frame height), and the viewer decodes the picture of
the layer its tile calls for (`inbound-rtp`'s frame height), frames arriving all along."""

from typing import Any

from playwright.sync_api import Browser, ViewportSize, expect

from .conftest import Serve
from .person import MEDIA_TIMEOUT_MS, Person, create_meeting

# Each layer the page's camera sends: its rid, its frame height and the frames it sent.
SENT_LAYERS = """
async () => {
  const layers = {};
  for (const pc of window.peers) {
    if (pc.connectionState !== "connected") continue;
    for (const report of (await pc.getStats()).values()) {
      if (report.type === "outbound-rtp" && report.kind === "video" && report.rid)
        layers[report.rid] = { height: report.frameHeight ?? 0, frames: report.framesSent ?? 0 };
    }
  }
  return layers;
}
"""
BOTH_SENT = (
    "async () => Object.values(await ("
    + SENT_LAYERS
    + ")()).filter((x) => x.frames > 0).length >= 2"
)
# True once the page's camera has sent more frames of its layer `height` pixels tall than at the
# first look.
LARGER_SENT = (
    "async (height) => { const layer = Object.values(await (" + SENT_LAYERS + ")())"
    ".find((x) => x.height === height); if (!layer) return false;"
    " window.sentBefore ??= layer.frames; return layer.frames > window.sentBefore + 10; }"
)
# The height in device pixels the viewer's tile of `name` says it needs (tiles.js heightStep).
TILE_HEIGHT = """
(name) => {
  const figure = [...document.querySelectorAll("#videos figure")]
    .find((f) => f.querySelector("figcaption").textContent === name);
  return figure.querySelector("video").clientHeight * devicePixelRatio;
}
"""
# True once `name`'s picture arrives `height` pixels tall and has decoded `more` frames since.
RECEIVED_AT = """
async ([name, height, more]) => {
  const now = await window.receivedOf(name, "video", "frameHeight");
  const decoded = await window.receivedOf(name, "video", "framesDecoded");
  if (now !== height) { window.sizedFrom = null; return false; }
  window.sizedFrom ??= decoded;
  return decoded >= window.sizedFrom + more;
}
"""
PUBLISHERS = ("Anna Nowak", "Jan Lis")
DESKTOP = ViewportSize(width=1280, height=800)
STEPS = (90, 180, 360, 720, 1080)
FRAMES = 10


def step(pixels: float) -> int:
    return next((s for s in STEPS if s >= pixels), STEPS[-1])


def layer_for(heights: list[int], tile: float) -> int:
    """The smallest layer as tall as the tile's step, or the largest."""
    return next((h for h in heights if h >= step(tile)), heights[-1])


def test_a_viewer_gets_the_layer_each_tile_needs_and_a_larger_one_when_it_grows(
    serve: Serve, browser: Browser
) -> None:
    server = serve(PLENUM_MEDIA_SIMULCAST="on")
    created = create_meeting(server, "Forum Dzielnicy Krzyki")
    # Two moderators with cameras: one featured large, the other in the strip under it.
    publishers = [Person.open(browser, created["moderator_link"]).join(name) for name in PUBLISHERS]
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    viewer = Person._at(context.new_page(), created["invite_link"], "")
    viewer.join("Marek", camera=False)
    for publisher in publishers:
        viewer.sees_video_of(publisher.name)
        # Chrome starts the larger layer once its estimate of the uplink has grown (5 to 10 s).
        publisher.until(BOTH_SENT, None, MEDIA_TIMEOUT_MS)
    sent: dict[str, Any] = publishers[0].page.evaluate(SENT_LAYERS)
    heights = sorted({layer["height"] for layer in sent.values() if layer["height"]})
    assert len(heights) == 2, sent

    def receives_what_the_tile_needs(publisher: Person) -> int:
        tile = viewer.page.evaluate(TILE_HEIGHT, publisher.name)
        wanted = layer_for(heights, tile)
        viewer.until(RECEIVED_AT, [publisher.name, wanted, FRAMES], MEDIA_TIMEOUT_MS)
        return wanted

    featured_name = viewer.page.locator("#featured figcaption").inner_text()
    featured, small = sorted(publishers, key=lambda p: p.name != featured_name)
    assert receives_what_the_tile_needs(featured) == heights[-1]
    assert receives_what_the_tile_needs(small) == heights[0]
    # The smaller picture is the viewer's choice, not what its publisher can send.
    small.until(LARGER_SENT, heights[-1], MEDIA_TIMEOUT_MS)

    # The featured one leaves: the other is featured, and sharpens without a stop.
    assert featured.errors == []
    featured.page.close()
    expect(viewer.page.locator("#featured figcaption")).to_have_text(small.name)
    assert receives_what_the_tile_needs(small) == heights[-1]
    assert viewer.errors == [] and small.errors == []
