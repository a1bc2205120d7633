"""A participant's network drops in a workshop: it says so, resumes, and nothing is lost."""

from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import Person, create_meeting


def test_a_dropped_participant_comes_back_to_its_room_with_its_chat(
    serve: Serve, browser: Browser
) -> None:
    server = serve(PLENUM_MEDIA="off")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", camera=False)
    jan = Person.open(browser, created["invite_link"]).join("Jan", camera=False)
    console = moderator.page.locator("#console")
    console.get_by_label("Room name", exact=True).first.fill("Zieleń")
    console.get_by_role("button", name="Add room").click()
    console.get_by_role("button", name="Assign at random").click()
    expect(console.locator("#roster .planned", has_text="Zieleń")).to_have_count(2)
    console.get_by_role("button", name="Open the rooms").click()
    for person in (ewa, jan):
        expect(person.page.locator("#where")).to_have_text("Workshop: Zieleń")

    ewa.page.locator("#chat-text").fill("Zacznijmy od parku.")
    ewa.page.get_by_role("button", name="Send", exact=True).click()
    expect(jan.page.locator("#chat-log .text")).to_have_text(["Zacznijmy od parku."])

    jan.page.evaluate("() => window.sockets.at(-1).close()")
    expect(jan.page.locator("#connection")).to_have_text("Connection lost. Reconnecting…")
    expect(moderator.page.locator("#roster tr", has_text="Jan")).to_contain_text("disconnected")
    ewa.page.locator("#chat-text").fill("Jan, jesteś?")
    ewa.page.get_by_role("button", name="Send", exact=True).click()

    expect(jan.page.locator("#connection")).to_be_hidden()
    expect(jan.page.locator("#where")).to_have_text("Workshop: Zieleń")
    expect(jan.page.locator("#chat-log .text")).to_have_text(
        ["Zacznijmy od parku.", "Jan, jesteś?"]
    )
    expect(moderator.page.locator("#roster tr", has_text="Jan")).not_to_contain_text("disconnected")
    jan.page.locator("#chat-text").fill("Jestem z powrotem.")
    jan.page.get_by_role("button", name="Send", exact=True).click()
    expect(ewa.page.locator("#chat-log .text").last).to_have_text("Jestem z powrotem.")
    assert jan.page.evaluate("() => window.sockets.length") == 2
    assert moderator.errors == ewa.errors == jan.errors == []
