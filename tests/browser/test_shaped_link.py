"""A participant on a weak home link (1.5 Mbit/s down, 3 % of UDP lost) in a workshop of three
still sees and hears the others, while the link really holds her back and not them.

Ewa's Chromium runs in a network namespace (tests/harness/shaped.py) whose download is limited
with tbf and whose incoming UDP loses 3 % at random; Jan and Ola are on this machine's own network.
Plenum forwards everything it gets today (no adaptation). Two browser cameras, paced by the
bandwidth estimate the server sends them, send 250-450 kbit/s each in a test's first half minute:
their media alone does not fill her link, so the link's rate is shown with a download through it
first, and the loss by what her receivers count as lost."""

import time
from collections.abc import Sequence
from typing import Any

from playwright.sync_api import expect

from tests.harness.processes import servers, start_plenum
from tests.harness.shaped import Shape, shaped_link

from .conftest import browsers_beside
from .person import Person, create_meeting

DOWN_KBIT = 1500
WEAK = Shape(down_kbit=DOWN_KBIT, loss_percent=3)
# What a measure through the link may show: its rate, with room for tbf's burst.
CEILING_KBIT = DOWN_KBIT * 1.1
# A download through the page: how fast the link itself carries a file, in kbit/s.
DOWNLOAD = """
async ([url, times]) => {
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < times; i++) {
    const response = await fetch(url, { cache: "no-store" });
    bytes += (await response.arrayBuffer()).byteLength;
  }
  return (bytes * 8) / (performance.now() - started);
}
"""
# What arrived so far over every open peer connection: bytes with their RTP headers, packets
# lost (as the receiver counts them: never recovered), frames decoded; and when.
RECEIVED = """
async () => {
  const total = { at: performance.now(), bytes: 0, lost: 0, frames: 0 };
  for (const pc of window.peers) {
    if (pc.connectionState === "closed") continue;
    for (const r of (await pc.getStats()).values()) {
      if (r.type !== "inbound-rtp") continue;
      total.bytes += (r.bytesReceived ?? 0) + (r.headerBytesReceived ?? 0);
      total.lost += r.packetsLost ?? 0;
      total.frames += r.framesDecoded ?? 0;
    }
  }
  return total;
}
"""
# Long enough for a steady rate, short enough for the suite: the rate is bytes over a window.
WINDOW_S = 6.0


def test_a_participant_on_a_weak_link_still_sees_and_hears_her_workshop() -> None:
    with shaped_link(WEAK) as link, servers() as start:
        server = start_plenum(start, host=link.outside, **link.plenum_env())
        created = create_meeting(server, "Forum Osiedla Psie Pole")
        with browsers_beside(link, server) as (here, there):
            moderator = Person.open(here, created["moderator_link"]).join(
                "Anna Nowak", camera=False
            )
            jan, ola = (
                Person.open(here, created["invite_link"]).join(name, microphone=True)
                for name in ("Jan", "Ola")
            )
            ewa = Person.open(there, created["invite_link"])

            # Her link is as slow as shaped; Jan's, on this machine's network, is not. (Before
            # her media: a measure of the link alone.)
            page = f"{server.base_url}/index.html"
            download = {
                "Ewa": ewa.page.evaluate(DOWNLOAD, [page, 8]),
                "Jan": jan.page.evaluate(DOWNLOAD, [page, 8]),
            }
            assert download["Ewa"] < CEILING_KBIT < download["Jan"] / 3, download

            ewa.join("Ewa", microphone=True)
            open_workshop(moderator, "Zieleń i parki", [jan, ola, ewa])
            for other in (jan, ola):
                ewa.sees_video_of(other.name)
                ewa.hears(other.name)

            # What she and Jan receive over a window: the rate for the record, and her losses.
            before = {person.name: received(person) for person in (ewa, jan)}
            # A rate is bytes over time: this wait is the measure, not a stand-in for an event.
            time.sleep(WINDOW_S)
            after = {person.name: received(person) for person in (ewa, jan)}
            kbit = {name: round(rate_kbit(before[name], after[name])) for name in before}
            lost = {name: after[name]["lost"] for name in after}
            print(f"download kbit/s {download}; media kbit/s over {WINDOW_S} s {kbit}; lost {lost}")
            assert kbit["Ewa"] < CEILING_KBIT, kbit
            # The random loss was real, and it reached her receivers (what NACKs did not repair).
            assert link.dropped() > 0
            assert lost["Ewa"] > 0, lost

            # And still she sees and hears the others; they see her.
            for other in (jan, ola):
                ewa.sees_video_of(other.name)
                ewa.hears(other.name)
                other.sees_video_of(ewa.name)
            for person in (moderator, jan, ola, ewa):
                assert person.errors == []


def open_workshop(moderator: Person, name: str, people: Sequence[Person]) -> None:
    """The moderator's console: one workshop, everyone assigned to it, opened."""
    say = moderator.say
    console = moderator.console()
    console.get_by_label(say("console.room_name"), exact=True).first.fill(name)
    console.get_by_role("button", name=say("console.add_room")).click()
    console.get_by_role("button", name=say("console.assign_random")).click()
    expect(console.locator("#roster .planned", has_text=name)).to_have_count(len(people))
    console.get_by_role("button", name=say("console.open")).click()
    for person in people:
        expect(person.page.locator("#where")).to_contain_text(name)


def received(person: Person) -> dict[str, Any]:
    totals: dict[str, Any] = person.page.evaluate(RECEIVED)
    return totals


def rate_kbit(before: dict[str, Any], after: dict[str, Any]) -> float:
    seconds = (after["at"] - before["at"]) / 1000
    return float((after["bytes"] - before["bytes"]) * 8 / 1000 / seconds)
