"""The meeting on one screen (issue 15), at a laptop's 1280x720, a large screen's 1920x1080
and a phone's 390x844, in Polish and English: the toolbar, the stage (or the console) and the
open side panel inside the window with nothing to scroll, in the plenary and in a workshop; a
call for help on top of the moderator's screen, in the stage and in the console, and announced;
no serious axe violation anywhere; a long unbroken name or organisation never widening the page;
and a people list of 120 that shows a page of rows and finds the others by search. Each view's
screenshot is kept in test-artifacts/screenshots/layout-<view>-<w>x<h>-<lang>.png."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.wsclient import Client
from tests.harness.processes import ServerProcess

from .person import MEDIA_TIMEOUT_MS, SCREENSHOTS, Person, create_meeting

SIZES = [(1280, 720), (1920, 1080), (390, 844)]
LANGUAGES = {"pl-PL": "pl", "en-GB": "en"}
PHONE_WIDTH = 500
SETTLE_MS = 3_000

# Within the server's limits (64 characters a name, 80 an organisation), with no space to break at.
LONG_NAME = ("Szczebrzeszyńska" * 4)[:60]
LONG_ORGANISATION = ("Stowarzyszenie" * 6)[:78]
LONG_WORD = "https://example.org/" + "sprawozdanie-z-konsultacji" * 4

# What is outside the window among the elements with these ids (hidden counts as outside) or
# wider than itself (scrolls sideways), and whether the page scrolls either way: [] if it fits.
OUTSIDE = """
(ids) => {
  const w = window.innerWidth, h = window.innerHeight, out = [];
  for (const id of ids) {
    const box = document.getElementById(id).getBoundingClientRect();
    if (box.width === 0 || box.height === 0) out.push(`#${id} not shown`);
    else if (box.left < 0 || box.top < 0 || box.right > w + 0.5 || box.bottom > h + 0.5)
      out.push(`#${id} at ${box.left},${box.top} to ${box.right},${box.bottom} in ${w}x${h}`);
    const element = document.getElementById(id);
    if (element.scrollWidth > element.clientWidth + 1)
      out.push(`#${id} scrolls sideways: ${element.scrollWidth} > ${element.clientWidth}`);
  }
  const page = document.scrollingElement;
  if (page.scrollHeight > h) out.push(`the page scrolls down: ${page.scrollHeight} > ${h}`);
  if (page.scrollWidth > w) out.push(`the page scrolls sideways: ${page.scrollWidth} > ${w}`);
  return out;
}
"""
# The meeting's parts, top to bottom, for a message that says where the space went.
BOXES = """
() => ["alerts", "notices", "meeting-main", "stage", "console", "side", "toolbar"].map((id) => {
  const element = document.getElementById(id), box = element.getBoundingClientRect();
  return `#${id} ${box.top}-${box.bottom} (scrolls ${element.scrollHeight})`;
})
"""


def open_at(browser: Browser, link: str, locale: str, size: tuple[int, int]) -> Person:
    """Person.open, in a window of `size` (a phone's: a touch screen)."""
    width, height = size
    phone = width < PHONE_WIDTH
    context = browser.new_context(
        locale=locale,
        viewport={"width": width, "height": height},
        is_mobile=phone,
        has_touch=phone,
    )
    return Person._at(context.new_page(), link, "")


def assert_fits(person: Person, *ids: str) -> None:
    """The elements `ids` are inside the window and the page does not scroll."""
    page = person.page
    # A layout settles after a render or two; if it does not, the assertion says what is out.
    with suppress(PlaywrightTimeout):
        page.wait_for_function(
            f"(ids) => ({OUTSIDE})(ids).length === 0", arg=list(ids), timeout=SETTLE_MS
        )
    outside = page.evaluate(OUTSIDE, list(ids))
    assert outside == [], f"{person.name}: {outside}; {page.evaluate(BOXES)}"


def side_open(page: Page) -> bool:
    return page.locator("#side").is_visible()


def shot(person: Person, view: str, size: tuple[int, int], locale: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = f"layout-{view}-{size[0]}x{size[1]}-{LANGUAGES[locale]}.png"
    person.page.screenshot(path=SCREENSHOTS / name)


def check_axe(person: Person, view: str, size: tuple[int, int], locale: str) -> None:
    found = person.axe(f"layout-{view}-{size[0]}x{size[1]}-{LANGUAGES[locale]}")
    assert found == [], f"{view}: {found}"


@pytest.mark.parametrize("locale", list(LANGUAGES))
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_meeting_fits_one_screen(
    module_server: ServerProcess, browser: Browser, size: tuple[int, int], locale: str
) -> None:
    phone = size[0] < PHONE_WIDTH
    created = create_meeting(module_server, "Forum Dzielnicy Sośnica")
    moderator = open_at(browser, created["moderator_link"], locale, size).join("Anna Nowak")
    long = open_at(browser, created["invite_link"], locale, size).join(
        LONG_NAME, "Sośnica", organisation=LONG_ORGANISATION, camera=True
    )
    ewa = open_at(browser, created["invite_link"], locale, size).join("Ewa Zięba", "Wola")
    say = moderator.say

    # The plenary: the stage and the toolbar; on a phone the panel opens from the toolbar.
    expect(ewa.page.locator("#videos figure", has_text="Anna Nowak")).to_be_visible()
    assert side_open(ewa.page) != phone
    assert_fits(ewa, "toolbar", "stage", *(["side"] if not phone else []))
    shot(ewa, "plenary", size, locale)
    if phone:
        ewa.page.locator("#panel-toggle").click()
        expect(ewa.page.locator("#side")).to_be_visible()
        assert_fits(ewa, "toolbar", "stage", "side")
    check_axe(ewa, "plenary", size, locale)

    # A long unbroken name and organisation: in the people tab, and as a chat message's sender
    # (with a long unbroken word in it).
    for person in (moderator, long):
        person.panel("people")
        expect(person.page.locator("#people-rooms li", has_text=LONG_NAME)).to_contain_text(
            LONG_ORGANISATION
        )
        assert_fits(person, "toolbar", "stage", "side")
    chat = long.panel("chat")
    chat.locator("#chat-text").fill(f"Dzień dobry, {LONG_WORD}")
    chat.locator("#chat-form button[type=submit]").click()
    for person in (moderator, long, ewa):
        person.panel("chat")
        expect(person.page.locator("#chat-log")).to_contain_text(LONG_WORD)
        assert_fits(person, "toolbar", "stage", "side")
        if phone:  # back to the stage, as a phone's user would after reading
            person.page.locator("#side-close").click()

    # A workshop: one room, both participants moved to it, opened from the console.
    console = moderator.console()
    room = "Zieleń"
    console.get_by_label(say("console.room_name"), exact=True).first.fill(room)
    console.get_by_role("button", name=say("console.add_room")).click()
    expect(console.locator("#room-list > li")).to_have_count(1)
    for person in (long, ewa):
        console.get_by_label(say("console.move_to", name=person.name)).select_option(label=room)
        console.get_by_role(
            "button", name=say("console.move_named", name=person.name), exact=True
        ).click()
        row = console.locator("#roster tr", has_text=person.name)
        expect(row.locator(".planned")).to_have_text(room)
    console.get_by_label(say("console.minutes"), exact=True).fill("30")
    console.get_by_role("button", name=say("console.open")).click()
    for person in (long, ewa):
        expect(person.page.locator("#where")).to_have_text(say("workshop.where", room=room))
    assert_fits(moderator, "toolbar", "console", *(["side"] if side_open(moderator.page) else []))
    console.evaluate("(console) => console.scrollTo(0, 0)")  # the screenshot from its top
    shot(moderator, "console", size, locale)
    check_axe(moderator, "console", size, locale)

    # The participants' view: a gallery, the other's tile captioned with their name.
    expect(ewa.page.locator("#videos figure", has_text=LONG_NAME)).to_be_visible(
        timeout=MEDIA_TIMEOUT_MS
    )
    for person in (long, ewa):
        expect(person.page.locator("#videos")).to_have_attribute("data-layout", "gallery")
        expect(person.page.locator("#help")).to_be_visible()
        assert_fits(person, "toolbar", "stage", *(["side"] if side_open(person.page) else []))
    shot(ewa, "workshop", size, locale)
    check_axe(ewa, "workshop", size, locale)

    # A call for help: on top of the moderator's console, then of the stage; and announced.
    long.page.locator("#help").click()
    alerts = moderator.page.locator("#alerts")
    expect(alerts).to_be_visible()
    expect(alerts).to_contain_text(LONG_NAME)
    expect(alerts).to_contain_text(room)
    expect(moderator.page.locator("#alert")).to_have_text(
        say("announce.help", name=LONG_NAME, room=room)
    )
    for view in ("console", "stage"):
        moderator.console(view == "console")
        on_top(moderator, view)
        shot(moderator, f"alert-{view}", size, locale)
    check_axe(moderator, "alert", size, locale)
    assert moderator.errors == long.errors == ewa.errors == []


def on_top(moderator: Person, view: str) -> None:
    """#alerts is inside the window, near its top, above `view` (the stage or the console)."""
    page = moderator.page
    assert_fits(moderator, "alerts", "toolbar", view)
    alerts = page.locator("#alerts").bounding_box()
    below = page.locator(f"#{view}").bounding_box()
    height = page.viewport_size["height"] if page.viewport_size else 0
    assert alerts is not None and below is not None
    assert alerts["y"] + alerts["height"] <= below["y"] + 0.5, (alerts, below)
    assert alerts["y"] < height / 4, (alerts, height)


@contextmanager
def crowd(server: ServerProcess, token: str, count: int) -> Iterator[None]:
    """`count` people in the meeting over the WebSocket protocol, there until the block ends."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def join_all() -> list[Client]:
        clients: list[Client] = []
        for first in range(0, count, 20):
            clients += await asyncio.gather(
                *(
                    Client.join(server.ws_url, token, f"Uczestnik {n:03}", district="Wola")
                    for n in range(first, min(count, first + 20))
                )
            )
        return clients

    async def close_all(clients: list[Client]) -> None:
        await asyncio.gather(*(client.close() for client in clients))

    try:
        clients = asyncio.run_coroutine_threadsafe(join_all(), loop).result(60)
        try:
            yield
        finally:
            asyncio.run_coroutine_threadsafe(close_all(clients), loop).result(30)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_a_large_plenary_lists_a_page_of_people_and_finds_the_rest(
    module_server: ServerProcess, browser: Browser
) -> None:
    created = create_meeting(module_server, "Forum Miasta")
    with crowd(module_server, created["invite_token"], 120):
        ewa = open_at(browser, created["invite_link"], "pl-PL", (1280, 720))
        ewa.join("Ewa Zięba", "Wola", camera=False)
        people = ewa.panel("people")
        rows = people.locator("#people-rooms li")
        expect(rows).to_have_count(50)
        expect(people.locator("#people-more")).to_be_visible()
        far = rows.filter(has_text="Uczestnik 119")
        expect(far).to_have_count(0)
        people.locator("#people-more").click()
        expect(rows).to_have_count(100)
        people.locator("#people-search").fill("Uczestnik 119")
        expect(rows).to_have_count(1)
        expect(far).to_be_visible()
        expect(people.locator("#people-shown")).to_contain_text("121")
        assert_fits(ewa, "toolbar", "stage", "side")
        assert ewa.errors == []
