"""The meeting screen's own controls as a participant uses them: what is new in a tab not in
sight is counted beside its name (and in it, for a screen reader) until she looks; a closed panel
still says so on its button; the hands up are counted on the speakers' tab; the microphone's new
state is said aloud; the reactions' menu closes with Escape (giving the focus back) or a click
elsewhere; and leaving stops everything, says so, and "Join again" brings the same person back."""

from playwright.sync_api import Browser, expect

from tests.harness.processes import ServerProcess

from .person import Person, create_meeting


def send(person: Person, text: str) -> None:
    person.panel("chat")
    person.page.locator("#chat-text").fill(text)
    person.page.locator("#chat-text").press("Enter")
    expect(person.page.locator("#chat-log li", has_text=text)).to_have_count(1)


def test_counts_announcements_reactions_and_leaving(
    module_server: ServerProcess, browser: Browser
) -> None:
    created = create_meeting(module_server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    ewa = Person.open(browser, created["invite_link"]).join("Ewa Zięba", "Wola", camera=False)
    page = ewa.page

    # A wide window opens on the chat; Ewa looks at the people instead, and two messages come.
    expect(page.locator("#tab-chat")).to_have_attribute("aria-selected", "true")
    ewa.panel("people")
    send(moderator, "Witamy na forum.")
    send(moderator, "Zaczynamy o 10:00.")
    chat_tab = page.get_by_role("tab", name="Chat, 2 new")
    expect(chat_tab).to_be_visible()
    expect(chat_tab.locator(".unread")).to_have_text("2")
    # Her own message is never new to her, and looking at the chat clears the count.
    chat_tab.click()
    expect(page.locator("#tab-chat .unread")).to_be_hidden()
    expect(page.get_by_role("tab", name="Chat", exact=True)).to_have_attribute(
        "aria-selected", "true"
    )
    send(ewa, "Dzień dobry!")
    ewa.panel("people")
    expect(page.locator("#tab-chat .unread")).to_be_hidden()

    # The panel closed: its button counts what came meanwhile, and the focus is on that button.
    page.locator("#side-close").click()
    expect(page.locator("#side")).to_be_hidden()
    expect(page.locator("#panel-toggle")).to_be_focused()
    expect(page.locator("#panel-toggle")).to_have_attribute("aria-expanded", "false")
    send(moderator, "Proszę o ciszę.")
    expect(page.get_by_role("button", name="Panel, 1 new")).to_be_visible()
    page.locator("#panel-toggle").click()
    expect(page.locator("#side")).to_be_visible()
    expect(page.locator("#panel-toggle .unread")).to_be_hidden()

    # A hand up is counted on the moderator's speakers' tab.
    page.locator("#hand").click()
    expect(page.locator("#announce")).to_have_text(
        "Your hand is raised: you are on the speakers' list."
    )
    expect(page.locator("#hand")).to_have_text("Lower hand")
    expect(moderator.page.locator("#tab-hands .unread")).to_have_text("1")
    expect(moderator.page.get_by_role("tab", name="Speakers, 1 in the queue")).to_be_visible()
    page.locator("#hand").click()
    expect(moderator.page.locator("#tab-hands .unread")).to_be_hidden()

    # The microphone's new state is shown on its button and said aloud.
    page.locator("#microphone").click()
    expect(page.locator("#announce")).to_have_text("Your microphone is on.")
    expect(page.locator("#microphone")).to_have_text("Mute microphone")
    page.locator("#microphone").click()
    expect(page.locator("#announce")).to_have_text("Your microphone is off.")
    expect(page.locator("#microphone")).to_have_text("Unmute microphone")

    # The reactions' menu: opened from the toolbar, closed by Escape, the focus given back.
    toggle = page.locator("#reactions-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#reactions button").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#reactions")).to_be_hidden()
    expect(toggle).to_be_focused()
    toggle.click()
    expect(page.locator("#reactions")).to_be_visible()
    page.locator("#stage-heading").click()  # a click elsewhere closes it too
    expect(page.locator("#reactions")).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # Leaving: the page says so, the others see her disconnected; "Join again" is her again.
    page.locator("#leave").click()
    expect(page.locator("#notice-title")).to_have_text("You left the meeting")
    expect(page.locator("#meeting-view")).to_be_hidden()
    expect(page.locator("#connection")).to_be_empty()
    ewa_row = moderator.panel("people").locator("li", has_text="Ewa Zięba")
    expect(ewa_row).to_contain_text("disconnected")
    page.get_by_role("button", name="Join again").click()
    expect(page.locator("#meeting-view")).to_be_visible()
    expect(page.locator("#join-view")).to_be_hidden()
    expect(ewa_row).not_to_contain_text("disconnected")
    expect(moderator.page.locator("#people-rooms li", has_text="Ewa Zięba")).to_have_count(1)
    # Her chat came back with her.
    expect(ewa.panel("chat").locator("#chat-log li", has_text="Dzień dobry!")).to_have_count(1)
    for person in (moderator, ewa):
        assert person.errors == [], person.name
