"""The report-back as the plenary sees it, without notes written yet (the notes' own scenario
writes them): the moderator ticks three rooms in the console and starts it by keyboard, moves
a waiting room up, moves on and calls a room done again; everyone sees the room reporting now,
which rooms are done and which wait, in words, and hears each room's turn; only the moderator
has controls, each naming its room. One participant reads it in Polish."""

from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import Person, create_meeting

ROOMS = ["Zieleń", "Transport", "Budżet"]


def test_rooms_report_in_turn_reordered_and_called_again(serve: Serve, browser: Browser) -> None:
    server = serve(PLENUM_MEDIA="off")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    karol = Person.open(browser, created["invite_link"]).join("Karol", "Łabędy")
    maria = Person.open(browser, created["invite_link"], "pl-PL").join("Maria", "Sośnica")
    everyone = (moderator, karol, maria)
    page, keyboard = moderator.page, moderator.page.keyboard
    moderator.console()
    for room in ROOMS:
        page.locator("#room-name").fill(room)
        page.locator("#room-create").get_by_role("button").click()
    expect(page.locator("#report-candidates li")).to_have_count(3)
    for person in everyone:
        expect(person.page.locator("#report-back")).to_be_hidden()
    expect(karol.page.locator("#report-start")).to_be_hidden()

    # No room wrote notes: none is ticked, and the moderator ticks them, by keyboard.
    start = page.get_by_role("button", name="Start the report-back")
    expect(start).to_be_disabled()
    expect(page.locator("#report-candidates li")).to_have_text(
        [f"{room} (no notes)" for room in ROOMS]
    )
    for room in ROOMS:
        moderator.tab_to(page.get_by_label(f"{room} (no notes)"))
        keyboard.press("Space")
    moderator.tab_to(start)
    keyboard.press("Enter")

    # The first room reports: its notes (none yet) are shown to everyone, the floor stays free.
    expect(karol.page.locator("#announce")).to_have_text("Zieleń reports now.")
    expect(karol.page.locator("#report-now")).to_have_text("Reporting now: Zieleń")
    expect(karol.page.locator("#report-rapporteur")).to_have_text("This room has no rapporteur.")
    expect(karol.page.locator("#report-notes-heading")).to_have_text("Notes of Zieleń")
    expect(karol.page.locator("#report-notes-empty")).to_have_text("No notes were written.")
    expect(karol.page.locator("#report-clock")).to_be_hidden()
    rooms = karol.page.locator("#report-rooms > li")
    expect(rooms).to_have_text(
        ["Zieleń · reporting now", "Transport · next", "Budżet · waiting, 2nd"]
    )
    expect(rooms.first).to_have_attribute("aria-current", "true")
    expect(maria.page.locator("#report-now")).to_have_text("Teraz sprawozdanie: Zieleń")
    expect(maria.page.locator("#report-rooms > li")).to_have_text(
        ["Zieleń · teraz", "Transport · następny", "Budżet · czeka, 2. w kolejce"]
    )
    expect(karol.page.locator("#report-back").get_by_role("button")).to_have_count(0)
    expect(page.locator("#report-start")).to_be_hidden()

    # The moderator moves Budżet up, by keyboard, on the stage: it reports next.
    moderator.console(False)
    up = page.get_by_role("button", name="Move Budżet up")
    moderator.tab_to(up)
    keyboard.press("Enter")
    expect(rooms).to_have_text(
        ["Zieleń · reporting now", "Budżet · next", "Transport · waiting, 2nd"]
    )
    expect(page.get_by_role("button", name="Move Budżet up")).to_be_hidden()
    next_room = page.get_by_role("button", name="Next room: Budżet")
    moderator.tab_to(next_room)
    keyboard.press("Enter")
    expect(karol.page.locator("#announce")).to_have_text("Budżet reports now.")
    expect(rooms).to_have_text(["Zieleń · done", "Budżet · reporting now", "Transport · next"])
    karol.screenshot("report-back")
    maria.screenshot("report-back-pl")
    moderator.screenshot("report-back-moderator")
    for person in everyone:
        assert person.axe(f"report-back, {person.name}") == [], person.name

    # A room done is called again; then the report-back ends for everyone.
    page.get_by_role("button", name="Call again: Zieleń").click()
    expect(karol.page.locator("#report-now")).to_have_text("Reporting now: Zieleń")
    expect(rooms).to_have_text(["Budżet · done", "Zieleń · reporting now", "Transport · next"])
    page.get_by_role("button", name="End the report-back").click()
    expect(karol.page.locator("#announce")).to_have_text("The report-back is over.")
    for person in everyone:
        expect(person.page.locator("#report-back")).to_be_hidden()
        assert person.errors == [], person.name
    moderator.console()
    expect(page.locator("#report-start")).to_be_visible()
