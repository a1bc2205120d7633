"""The doors in the browser: a moderator locks the meeting from the console, by keyboard, and a
newcomer is refused with a clear message; unlocked, they join; "Ask everyone in the plenary to
mute" reaches each participant as an announcement."""

from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import Person, create_meeting


def test_lock_refuses_a_newcomer_and_mute_everyone_asks_the_plenary(
    serve: Serve, browser: Browser
) -> None:
    server = serve(PLENUM_MEDIA="off")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa Zięba", "Wola")
    page = moderator.page

    # The console, shown from the toolbar by keyboard, has the doors.
    moderator.tab_to(page.locator("#console-toggle"))
    page.keyboard.press("Enter")
    expect(page.locator("#console")).to_be_visible()
    lock = page.get_by_role("button", name=moderator.say("doors.lock"))
    moderator.tab_to(lock)
    page.keyboard.press("Enter")
    unlock = page.get_by_role("button", name=moderator.say("doors.unlock"))
    expect(unlock).to_be_visible()
    expect(page.locator("#doors-state")).to_have_text(moderator.say("doors.locked"))
    expect(ewa.page.locator("#announce")).to_have_text(ewa.say("announce.meeting_locked"))
    assert moderator.axe("doors-locked") == []

    late = Person.open(browser, created["invite_link"], "pl-PL")
    late.page.locator("#join-name").fill("Jan Kowalski")
    late.page.locator("#join-submit").click()
    expect(late.page.locator("#join-error")).to_have_text(late.say("join.refused_meeting_locked"))
    expect(late.page.locator("#meeting-view")).to_be_hidden()

    unlock.click()
    expect(page.locator("#doors-state")).to_have_text(moderator.say("doors.open"))
    # The same page tries again, and is let in.
    late.page.locator("#join-submit").click()
    expect(late.page.locator("#meeting-view")).to_be_visible()

    page.get_by_role("button", name=moderator.say("doors.mute_everyone")).click()
    expect(ewa.page.locator("#alert")).to_have_text(ewa.say("announce.mute_requested"))
    assert moderator.errors == ewa.errors == late.errors == []
