"""The speakers' list and the floor's countdown as the forum sees them: each waiting speaker's
place, a moderator's reorder, the floor given to the next one in one action for a short time; the
speaker sees the countdown, hears the warning, and the floor ends by the server's clock with no
one acting; a moderator adds time. One participant reads it all in Polish."""

import re
import time

from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import Person, create_meeting

NO_MEDIA = {"PLENUM_MEDIA": "off"}
# The moderator gives a quarter of a minute, the least the form takes: the warning comes with a
# quarter of it left.
LIMIT_S = 15


def test_places_a_reorder_and_a_countdown_that_ends_the_floor(
    serve: Serve, browser: Browser
) -> None:
    server = serve(**NO_MEDIA)
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", "Sośnica")
    jan = Person.open(browser, created["invite_link"]).join("Jan", "Łabędy")
    maria = Person.open(browser, created["invite_link"], "pl-PL").join("Maria", "Łabędy")
    for person in (ewa, jan, maria):
        person.page.get_by_role("button", name=person.say("hands.raise")).click()
        expect(person.panel("hands").locator("#hand-place")).to_be_visible()

    # Each waiting speaker sees their place; Maria in Polish.
    expect(ewa.page.locator("#hand-place")).to_have_text("You are next on the speakers' list.")
    expect(jan.page.locator("#hand-place")).to_have_text("You are 2nd on the speakers' list.")
    expect(maria.page.locator("#hand-place")).to_have_text("Twoje miejsce na liście mówców: 3.")
    # Nobody but a moderator reorders it.
    expect(ewa.page.locator("#hand-queue").get_by_role("button")).to_have_count(0)

    # The moderator moves Maria to the top and Ewa down: everyone sees the new order.
    hands = moderator.panel("hands")
    hands.get_by_role("button", name="Move Maria to the top of the list").click()
    expect(maria.page.locator("#hand-place")).to_have_text(
        "Jesteś następną osobą na liście mówców."
    )
    expect(maria.page.locator("#announce")).to_have_text(
        "Twoje miejsce na liście mówców się zmieniło, teraz: 1."
    )
    hands.get_by_role("button", name="Move Ewa down the list").click()
    for person in (moderator, ewa, jan, maria):
        expect(person.page.locator("#hand-queue .name")).to_have_text(["Maria", "Jan", "Ewa"])
    expect(ewa.page.locator("#hand-place")).to_have_text("You are 3rd on the speakers' list.")

    # A quarter of a minute for the next one, in one action: Maria, at the top.
    hands.get_by_label("Speaking time in minutes, for the floor given next").fill("0.25")
    hands.get_by_role("button", name="Give the floor to the next hand").click()
    given = time.monotonic()
    expect(maria.page.locator("#floor-countdown")).to_contain_text(
        re.compile(r"Pozostały Ci czas wypowiedzi: 0:[0-3]\d")
    )
    expect(jan.page.locator("#floor-clock")).to_contain_text(
        re.compile(r"Time left for Maria: 0:[0-3]\d")
    )
    expect(jan.page.locator("#hand-place")).to_have_text("You are next on the speakers' list.")
    jan.screenshot("speakers")
    for person in (moderator, jan, maria):
        assert person.axe("speakers") == [], person.name

    # The warning is said to the speaker (and shown), then the floor ends by itself.
    expect(maria.page.locator("#alert")).to_contain_text(
        "Twój czas wypowiedzi kończy się za 0:0", timeout=LIMIT_S * 1000
    )
    expect(maria.page.locator("#floor-countdown")).to_have_class(re.compile(r"\bwarning\b"))
    expect(maria.page.locator("#floor-countdown")).to_contain_text("Prosimy kończyć!")
    expect(moderator.page.locator("#announce")).to_contain_text(
        "The speaking time of Maria ends in 0:0"
    )
    expect(maria.page.locator("#alert")).to_have_text(
        "Twój czas wypowiedzi minął: głos został zakończony.", timeout=LIMIT_S * 1000
    )
    ended = time.monotonic() - given
    assert ended >= LIMIT_S - 1, f"the floor ended {ended:.1f} s after it was given"
    expect(maria.page.locator("#floor-countdown")).to_be_hidden()
    expect(maria.page.locator("#floor-banner")).to_be_hidden()
    expect(jan.page.locator("#floor-holder")).to_have_text("Nobody has the floor.")
    expect(jan.page.locator("#floor-clock")).to_be_hidden()
    expect(jan.page.locator("#announce")).to_have_text("The speaking time of Maria is up.")

    # The next one, Jan; the moderator adds a minute, then takes the floor back.
    hands.get_by_role("button", name="Give the floor to the next hand").click()
    expect(jan.page.locator("#floor-countdown")).to_contain_text(
        re.compile(r"Your speaking time left: 0:[0-3]\d")
    )
    hands.get_by_role("button", name="Add a minute").click()
    expect(jan.page.locator("#announce")).to_contain_text("You have more time: 1:")
    expect(jan.page.locator("#floor-countdown")).to_contain_text(
        re.compile(r"Your speaking time left: 1:[0-3]\d")
    )
    hands.get_by_role("button", name="Take the floor back").click()
    expect(jan.page.locator("#floor-countdown")).to_be_hidden()
    expect(ewa.page.locator("#hand-place")).to_have_text("You are next on the speakers' list.")
    for person in (moderator, ewa, jan, maria):
        assert person.errors == [], person.name
