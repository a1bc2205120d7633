"""The minimal page in a real Chromium against a real server: join, chat, hands, split, recall."""

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .process import ADMIN_TOKEN, ServerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def join(browser: Browser, link: str, name: str, district: str = "") -> Page:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(link)
    page.get_by_label("Display name", exact=True).fill(name)
    page.get_by_label("District", exact=True).fill(district)
    page.locator("#join").get_by_role("button", name="Join").click()
    expect(page.locator("#me")).to_contain_text(f"You are {name}")
    assert not errors, errors
    return page


def test_the_minimal_page_runs_a_workshop_round(server: ServerProcess, browser: Browser) -> None:
    created = httpx.post(
        f"{server.base_url}/api/meetings",
        json={"title": "Forum Lokalnych Liderów Społecznych"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ).json()
    moderator = join(browser, created["moderator_link"], "Adam Neumann")
    ewa = join(browser, created["invite_link"], "Ewa", "Sośnica")
    jan = join(browser, created["invite_link"], "Jan", "Łabędy")
    expect(moderator.locator("#title")).to_have_text("Forum Lokalnych Liderów Społecznych")
    expect(moderator.locator("#console")).to_be_visible()
    expect(ewa.locator("#console")).to_be_hidden()

    # Chat from another person is text on every screen, never markup.
    ewa.get_by_label("Message").fill("<b>Dzień dobry</b>")
    ewa.get_by_role("button", name="Send", exact=True).click()
    expect(jan.locator("#chat li")).to_have_text(["Ewa: <b>Dzień dobry</b>"])
    assert jan.locator("#chat b").count() == 0

    jan.get_by_role("button", name="Raise hand").click()
    expect(moderator.locator("#queue li")).to_have_text(["Jan"])
    expect(jan.get_by_role("button", name="Lower hand")).to_be_visible()

    moderator.get_by_label("Rooms").fill("2")
    moderator.get_by_role("button", name="Split into rooms").click()
    for page in (moderator, ewa, jan):
        expect(page.locator("#clock")).to_contain_text("left")
    rooms = moderator.locator("#rooms > div")
    expect(rooms).to_have_count(3)
    # Mixed by district: the two districts land in different rooms, one person each.
    expect(rooms.nth(1).locator("li")).to_have_count(1)
    expect(rooms.nth(2).locator("li")).to_have_count(1)

    moderator.get_by_label("Broadcast").fill("Pięć minut do końca")
    moderator.get_by_role("button", name="Send to all rooms").click()
    announced = "📢 Adam Neumann: Pięć minut do końca"
    for page in (ewa, jan):
        expect(page.locator("#chat .broadcast")).to_have_text([announced])

    moderator.get_by_role("button", name="Recall everyone").click()
    for page in (moderator, ewa, jan):
        expect(page.locator("#rooms > div").first.locator("li")).to_have_count(3)
        expect(page.locator("#clock")).to_have_text("")
