"""The initiative showcase as the forum sees it: an agenda item with three presenters, one of whom
never joins. The first presents (her page says it is her turn and offers her screen), the
moderator moves on by keyboard, the one not here is shown absent and skipped, the next one's turn
ends by the server's clock; the moderator names someone for the absent turn and calls a done one
again. Everyone sees whose turn it is; one presenter reads it all in Polish."""

import re
import time

from playwright.sync_api import Browser, expect

from tests.harness import api
from tests.harness.processes import ADMIN_TOKEN

from .conftest import Serve
from .person import MEDIA_TIMEOUT_MS, Person, create_meeting

TITLE = "Inicjatywy mieszkańców"
# The shortest item an agenda takes (whole minutes): Maria's turn, which the test waits out,
# is then as short as an honest share of the item makes it.
MINUTES = 1
PRESENTERS = ["Ewa", "Jan Lis", "Maria"]  # Jan Lis never joins
SLOT_S = MINUTES * 60 // len(PRESENTERS)  # rooms.showcase.slot_s: 20 s each


def test_presenters_take_turns_one_absent_one_timed_out(serve: Serve, browser: Browser) -> None:
    server = serve()  # with media: a presenter's screen button comes with her turn
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    agenda = [{"title": TITLE, "minutes": MINUTES, "presenters": PRESENTERS}]
    api.set_agenda(server.base_url, created["id"], agenda, ADMIN_TOKEN)
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", "Sośnica", camera=False)
    maria = Person.open(browser, created["invite_link"], "pl-PL").join("Maria", camera=False)
    karol = Person.open(browser, created["invite_link"]).join("Karol", "Łabędy", camera=False)
    everyone = (moderator, ewa, maria, karol)
    for person in everyone:
        expect(person.panel("agenda").locator("#showcase")).to_be_hidden()
    expect(karol.page.locator("#screen")).to_be_hidden()

    # The item starts: Ewa, the first one here, presents; her page says so and offers her screen.
    page, keyboard = moderator.page, moderator.page.keyboard
    moderator.tab_to(page.locator("#agenda-next"))
    keyboard.press("Enter")
    expect(ewa.page.locator("#your-turn")).to_have_text(
        "It is your turn to present. You may share your screen now."
    )
    expect(ewa.page.locator("#alert")).to_have_text("Your turn to present: you have the floor.")
    expect(ewa.page.get_by_role("button", name="Share your screen")).to_be_visible(
        timeout=MEDIA_TIMEOUT_MS
    )
    expect(karol.page.locator("#screen")).to_be_hidden()
    expect(karol.page.locator("#your-turn")).to_be_hidden()
    expect(karol.page.locator("#announce")).to_have_text("Ewa presents now.")
    expect(karol.page.locator("#showcase-now")).to_have_text("Presenting now: Ewa")
    expect(karol.page.locator("#showcase-clock")).to_contain_text(
        re.compile(r"Time left for Ewa: 0:[0-4]\d")
    )
    expect(karol.page.locator("#showcase-next")).to_have_text("Next: Jan Lis")
    turns = karol.page.locator("#showcase-turns > li")
    expect(turns).to_have_text(
        [
            "Ewa · presenting now",
            "Jan Lis · next, nobody of this name has joined",
            "Maria · waiting",
        ]
    )
    expect(turns.first).to_have_attribute("aria-current", "true")
    expect(maria.page.locator("#showcase-heading")).to_have_text("Kolejność prezentacji (3)")
    expect(maria.page.locator("#showcase-now")).to_have_text("Teraz prezentuje: Ewa")
    # Only a moderator moves the showcase on.
    expect(karol.page.locator("#showcase").get_by_role("button")).to_have_count(0)

    # The moderator moves on in one action, by keyboard: Jan Lis is not here, so he is skipped
    # and shown absent, and Maria presents, in Polish.
    next_presenter = page.get_by_role("button", name="Next presenter: Jan Lis")
    moderator.tab_to(next_presenter)
    keyboard.press("Enter")
    called = time.monotonic()
    expect(maria.page.locator("#your-turn")).to_have_text(
        "Twoja kolej na prezentację. Możesz teraz udostępnić swój ekran."
    )
    expect(maria.page.locator("#alert")).to_have_text("Twoja kolej na prezentację: masz głos.")
    expect(ewa.page.locator("#your-turn")).to_be_hidden()
    expect(ewa.page.locator("#screen")).to_be_hidden()
    expect(turns).to_have_text(
        ["Ewa · done", "Jan Lis · absent, skipped", "Maria · presenting now"]
    )
    expect(karol.page.locator("#announce")).to_have_text("Maria presents now.")
    expect(karol.page.locator("#showcase-next")).to_have_text("Nobody else is waiting for a turn.")
    expect(maria.page.locator("#showcase-turns > li")).to_have_text(
        ["Ewa · po prezentacji", "Jan Lis · nieobecność, pominięto", "Maria · prezentuje teraz, Ty"]
    )
    expect(page.locator("#showcase-next-presenter")).to_have_text("End the turn of Maria")
    karol.screenshot("showcase")
    maria.screenshot("showcase-pl")
    moderator.screenshot("showcase-moderator")
    for person in everyone:
        assert person.axe(f"showcase, {person.name}") == [], person.name

    # Maria's turn ends by the server's clock, nobody acting.
    expect(maria.page.locator("#alert")).to_have_text(
        "Twój czas wypowiedzi minął: głos został zakończony.", timeout=(SLOT_S + 20) * 1000
    )
    ended = time.monotonic() - called
    assert ended >= SLOT_S - 1, f"Maria's turn ended {ended:.1f} s after it began"
    expect(turns).to_have_text(["Ewa · done", "Jan Lis · absent, skipped", "Maria · done"])
    expect(karol.page.locator("#showcase-now")).to_have_text("Nobody is presenting now.")
    expect(karol.page.locator("#showcase-clock")).to_be_hidden()
    expect(maria.page.locator("#your-turn")).to_be_hidden()
    expect(page.locator("#showcase-next-presenter")).to_be_disabled()
    expect(page.locator("#showcase-next-presenter")).to_have_text(
        "Every presenter has had their turn"
    )

    # Jan Lis never came: the moderator names Karol for his turn, by keyboard.
    moderator.tab_to(page.get_by_label("Who presents turn 2 (Jan Lis)"))
    keyboard.type("Kar")  # a closed select jumps to the option typed
    call = page.get_by_role("button", name="Call turn 2 (Jan Lis) with the person chosen")
    moderator.tab_to(call)
    keyboard.press("Enter")
    expect(karol.page.locator("#alert")).to_have_text("Your turn to present: you have the floor.")
    expect(karol.page.locator("#your-turn")).to_contain_text("It is your turn to present.")
    expect(ewa.page.locator("#showcase-now")).to_have_text("Presenting now: Karol")
    expect(ewa.page.locator("#showcase-turns > li").nth(1)).to_have_text("Karol · presenting now")
    page.get_by_role("button", name="End the turn of Karol").click()
    expect(karol.page.locator("#your-turn")).to_be_hidden()

    # A done turn is called again.
    page.get_by_role("button", name="Call turn 1 again: Ewa").click()
    expect(karol.page.locator("#showcase-now")).to_have_text("Presenting now: Ewa")
    expect(ewa.page.locator("#your-turn")).to_be_visible()
    for person in everyone:
        assert person.errors == [], person.name
