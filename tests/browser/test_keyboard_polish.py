"""The Polish interface, and a moderator who splits the meeting with the keyboard alone."""

from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import Person, create_meeting

POLISH = "pl-PL"


def test_a_polish_moderator_splits_by_keyboard_alone(serve: Serve, browser: Browser) -> None:
    server = serve(PLENUM_MEDIA="off")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"], POLISH)
    expect(moderator.page.locator("#join-heading")).to_have_text("Dołącz do spotkania")
    expect(moderator.page.locator("#join-role")).to_have_text(
        "Twoja rola na tym spotkaniu: moderator."
    )
    expect(moderator.page.locator("#join-submit")).to_have_text("Dołącz")
    moderator.join("Anna Nowak", camera=False)
    ewa = Person.open(browser, created["invite_link"], POLISH).join("Ewa", "Sośnica", camera=False)
    jan = Person.open(browser, created["invite_link"], POLISH).join("Jan", "Łabędy", camera=False)
    expect(ewa.page.locator("#where")).to_have_text("Sesja plenarna")
    jan.page.get_by_role("button", name="Podnieś rękę").click()
    expect(moderator.page.locator("#hand-queue li .name")).to_have_text(["Jan"])
    expect(moderator.page.locator("#announce")).to_have_text("Rękę podnosi: Jan.")
    # The side panel's tabs by keyboard: only the chosen tab is in the Tab order, the arrows
    # move along them and show each.
    page, keyboard = moderator.page, moderator.page.keyboard
    moderator.tab_to(page.locator("#tab-chat"))
    for shown in ("people", "hands"):
        keyboard.press("ArrowRight")
        expect(page.locator(f"#tab-{shown}")).to_be_focused()
        expect(page.locator(f"#tab-{shown}")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#hands")).to_be_visible()
    expect(page.locator("#chat")).to_be_hidden()
    keyboard.press("Tab")  # out of the tabs, not on to the next one
    expect(page.locator("#side-tabs [role=tab]:focus")).to_have_count(0)
    moderator.page.get_by_role("button", name="Udziel głosu: Jan").click()
    expect(jan.page.locator("#floor-banner")).to_have_text(
        "Masz głos: wszyscy Cię widzą. Włącz mikrofon, aby mówić."
    )
    expect(ewa.page.locator("#floor-holder")).to_have_text("Głos ma: Jan.")
    moderator.page.get_by_role("button", name="Odbierz głos").click()
    expect(jan.page.locator("#floor-banner")).to_be_hidden()

    # The console, from the toolbar, in place of the stage.
    moderator.tab_to(page.locator("#console-toggle"))
    keyboard.press("Enter")
    expect(page.locator("#console")).to_be_visible()
    for room in ("Zieleń", "Transport"):
        moderator.tab_to(page.locator("#room-name"))
        keyboard.type(room)
        keyboard.press("Enter")
        expect(page.locator("#room-list .room-name").last).to_have_value(room)
    for person, room in ((ewa, "Zieleń"), (jan, "Transport")):
        row = page.locator("#roster tr", has_text=person.name)
        moderator.tab_to(row.get_by_role("combobox", name=f"Pokój dla: {person.name}"))
        keyboard.type(room[:3])  # a closed select jumps to the option typed
        keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Przenieś")
        keyboard.press("Enter")
        expect(row.locator(".planned")).to_have_text(room)
    moderator.tab_to(page.locator("#open-minutes"))
    keyboard.press("Control+A")
    keyboard.type("1")
    keyboard.press("Enter")

    for person, room in ((ewa, "Zieleń"), (jan, "Transport")):
        expect(person.page.locator("#where")).to_have_text(f"Warsztat: {room}")
        expect(person.page.locator("#timer")).to_contain_text("Pozostały czas: 0:5")
        expect(person.page.get_by_role("button", name="Poproś o pomoc")).to_be_visible()
        expect(person.page.locator("#alert")).to_have_text(f"Jesteś teraz w pokoju {room}.")

    moderator.tab_to(page.locator("#broadcast-input"))
    keyboard.type("Zostało 5 minut.")
    keyboard.press("Tab")
    keyboard.press("Enter")
    for person in (ewa, jan):
        expect(person.page.locator("#broadcast-heading")).to_have_text("Komunikat moderatorów")
        expect(person.page.locator("#broadcast-text")).to_have_text("Zostało 5 minut.")

    moderator.tab_to(page.get_by_role("button", name="Przywołaj wszystkich na sesję plenarną"))
    keyboard.press("Enter")
    for person in (moderator, ewa, jan):
        expect(person.page.locator("#where")).to_have_text("Sesja plenarna")
    expect(ewa.page.locator("#alert")).to_have_text("Jesteś z powrotem na sesji plenarnej.")

    # The language switch wins over the browser's language, and is remembered.
    ewa.page.locator("#language").select_option("en")
    expect(ewa.page.locator("#where")).to_have_text("Plenary")
    ewa.page.reload()
    expect(ewa.page.locator("#join-heading")).to_have_text("Join the meeting")
    assert moderator.errors == ewa.errors == jan.errors == []
