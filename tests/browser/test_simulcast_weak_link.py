"""Simulcast on a weak link: a viewer whose link cannot carry the camera's larger layer is sent
the smaller one and goes on seeing the picture, while a viewer on a good link keeps the larger.
(Apart from tests/browser/test_simulcast.py: a shaped link needs browsers of its own.)"""

from typing import Any

from playwright.sync_api import expect

from tests.harness.processes import servers, start_plenum
from tests.harness.shaped import Shape, shaped_link

from .conftest import browsers_beside
from .person import MEDIA_TIMEOUT_MS, Person, create_meeting
from .test_simulcast import BOTH_SENT, FRAMES, RECEIVED_AT, SENT_LAYERS, TILE_HEIGHT, layer_for

# Less than the larger layer, more than the smaller one (what Chrome sends of its fake camera's
# 640x480 and 320x240 here: about 500 and 220 kbit/s).
WEAK_KBIT = 400
# The page itself (about 450 kB of scripts, styles and texts) takes seconds on such a link.
SLOW_PAGE_MS = 30_000
# The larger layer starts, overflows the link for a few seconds, and is taken away.
WEAK_TIMEOUT_MS = 45_000


def test_a_viewer_on_a_weak_link_gets_the_smaller_layer_and_the_others_the_larger() -> None:
    """Ewa's Chromium sits behind a link of 400 kbit/s down (tests/harness/shaped.py): less than
    the camera's larger layer. Once her link has shown it cannot carry that, she is sent the
    smaller one, and her picture goes on; Jan, on this machine's own network, keeps the larger."""
    with shaped_link(Shape(down_kbit=WEAK_KBIT)) as link, servers() as start:
        server = start_plenum(
            start, host=link.outside, PLENUM_MEDIA_SIMULCAST="on", **link.plenum_env()
        )
        created = create_meeting(server, "Forum Osiedla Maślice")
        with browsers_beside(link, server) as (here, there):
            anna = Person.open(here, created["moderator_link"]).join("Anna Nowak")
            jan = Person.open(here, created["invite_link"]).join("Jan", camera=False)
            ewa = Person.open(there, created["invite_link"])
            expect(ewa.page.locator("#join-view")).to_be_visible(timeout=SLOW_PAGE_MS)
            ewa.join("Ewa", camera=False)
            anna.until(BOTH_SENT, None, MEDIA_TIMEOUT_MS)
            sent: dict[str, Any] = anna.page.evaluate(SENT_LAYERS)
            heights = sorted({layer["height"] for layer in sent.values() if layer["height"]})
            assert len(heights) == 2, sent

            # Her tile is as large as his (the featured one), but her link is not.
            ewa.until(RECEIVED_AT, [anna.name, heights[0], FRAMES], WEAK_TIMEOUT_MS)
            jan.until(RECEIVED_AT, [anna.name, heights[-1], FRAMES], MEDIA_TIMEOUT_MS)
            assert layer_for(heights, ewa.page.evaluate(TILE_HEIGHT, anna.name)) == heights[-1]
            # What her link could not take was real: the link dropped what overflowed it.
            assert link.rate_dropped() > 0
            for person in (anna, jan, ewa):
                assert person.errors == []
