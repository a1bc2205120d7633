"""The agenda as the forum sees it: a moderator sets it in the console and moves through it (the
next item in one action, a skip, a reopen) while a participant sees the current item and its time
used against the plan tick on; in English and in Polish, with axe-core and a screenshot."""

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.harness.processes import ServerProcess

from .person import Person, create_meeting

LOCALES = {"en-GB": "", "pl-PL": "-pl"}
ITEMS = (
    ("Powitanie", "5", ""),
    ("Inicjatywy mieszkańców", "40", "Ewa, Jan Lis"),
    ("Pytania do panelu", "15", ""),
)


@pytest.mark.parametrize("locale", LOCALES, ids=["english", "polish"])
def test_a_moderator_runs_the_agenda_while_a_participant_follows(
    module_server_no_media: ServerProcess, browser: Browser, locale: str
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"], locale).join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"], locale).join("Ewa", "Sośnica")
    say = moderator.say
    expect(ewa.panel("agenda").locator("#agenda-empty")).to_have_text(say("agenda.empty"))

    # The moderator writes the agenda in the console, one item at a time.
    console = moderator.console()
    for made, (title, minutes, presenters) in enumerate(ITEMS, start=1):
        console.get_by_label(say("agenda.new_title")).fill(title)
        console.get_by_label(say("agenda.new_minutes")).fill(minutes)
        console.get_by_label(say("agenda.new_presenters")).fill(presenters)
        console.get_by_role("button", name=say("agenda.add")).click()
        expect(console.locator("#agenda-edit > li")).to_have_count(made)
    items = ewa.page.locator("#agenda-items > li")
    expect(items.locator(".item-title")).to_have_text([title for title, _, _ in ITEMS])
    expect(items.nth(1).locator(".item-presenters")).to_have_text(
        say("agenda.presenters_shown") + "Ewa, Jan Lis"
    )
    expect(ewa.page.locator("#agenda-now")).to_have_text(say("agenda.none_current"))
    # Nobody but a moderator runs it.
    expect(ewa.page.locator("#agenda-controls")).to_be_hidden()
    expect(items.first.get_by_role("button")).to_have_count(0)

    # Edited: the questions come before the initiatives, which get 30 minutes.
    console.get_by_label(say("agenda.minutes_of", n="2")).fill("30")
    console.get_by_role("button", name=say("agenda.save_named", n="2", title=ITEMS[1][0])).click()
    console.get_by_role("button", name=say("agenda.up_named", n="3", title=ITEMS[2][0])).click()
    order = ["Powitanie", "Pytania do panelu", "Inicjatywy mieszkańców"]
    expect(items.locator(".item-title")).to_have_text(order)
    expect(items.nth(2).locator(".item-meta")).to_contain_text(say("agenda.planned", minutes="30"))
    # An item added, then removed.
    console.get_by_label(say("agenda.new_title")).fill("Przerwa")
    console.get_by_role("button", name=say("agenda.add")).click()
    expect(items).to_have_count(4)
    console.get_by_role("button", name=say("agenda.remove_named", n="4", title="Przerwa")).click()
    expect(items.locator(".item-title")).to_have_text(order)

    # One action starts the agenda; the participant sees the item, hears it, sees time go by.
    next_item = moderator.panel("agenda").locator("#agenda-next")
    expect(next_item).to_have_text(say("agenda.begin", title="Powitanie"))
    next_item.click()
    expect(ewa.page.locator("#agenda-now")).to_have_text(say("agenda.now", title="Powitanie"))
    expect(ewa.page.locator("#announce")).to_have_text(
        say("announce.agenda_started", title="Powitanie")
    )
    expect(items.first).to_have_attribute("aria-current", "step")
    clock = ewa.page.locator("#agenda-clock")
    expect(clock).to_contain_text(say("agenda.used", used="0:0", planned="5:00").split("0:0")[0])
    expect(clock).to_contain_text("5:00")
    # It ticks on the page without a word from the server: 0:00 becomes 0:02 and more.
    expect(clock).to_contain_text(re.compile(r"0:0[2-9]"), timeout=15_000)

    # The next item, in one action; then the initiatives skipped, the last one ended.
    expect(next_item).to_have_text(say("agenda.next", title="Pytania do panelu"))
    next_item.click()
    expect(ewa.page.locator("#agenda-now")).to_have_text(
        say("agenda.now", title="Pytania do panelu")
    )
    expect(items.first.locator(".item-meta")).to_contain_text(say("agenda.status_done"))
    expect(items.first.locator(".item-meta")).to_contain_text(say("agenda.took", used="0:0"))
    moderator.page.get_by_role(
        "button", name=say("agenda.skip_named", n="3", title="Inicjatywy mieszkańców")
    ).click()
    expect(items.nth(2).locator(".item-meta")).to_contain_text(say("agenda.status_skipped"))
    expect(next_item).to_have_text(say("agenda.finish", title="Pytania do panelu"))
    ewa.screenshot(f"agenda{LOCALES[locale]}")
    assert ewa.axe(f"agenda{LOCALES[locale]}") == []
    assert moderator.axe(f"agenda, moderator{LOCALES[locale]}") == []

    # Reopened, the skipped item is the next one again.
    moderator.page.get_by_role(
        "button", name=say("agenda.reopen_named", n="3", title="Inicjatywy mieszkańców")
    ).click()
    expect(next_item).to_have_text(say("agenda.next", title="Inicjatywy mieszkańców"))
    next_item.click()
    expect(ewa.page.locator("#agenda-now")).to_have_text(
        say("agenda.now", title="Inicjatywy mieszkańców")
    )
    next_item.click()
    expect(ewa.page.locator("#agenda-now")).to_have_text(say("agenda.none_current"))
    expect(ewa.page.locator("#announce")).to_have_text(
        say("announce.agenda_ended", title="Inicjatywy mieszkańców")
    )
    expect(next_item).to_be_disabled()
    assert moderator.errors == ewa.errors == []


def test_the_programme_by_keyboard_with_text_at_200_percent_in_high_contrast(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa Wiśniewska-Kowalczyk", "Łabędy")

    # The moderator writes an item and starts it, by keyboard alone.
    page, keyboard = moderator.page, moderator.page.keyboard
    moderator.console()
    moderator.tab_to(page.locator("#agenda-title"))
    keyboard.type("Inicjatywy mieszkańców i ich potrzeby")
    keyboard.press("Tab")
    keyboard.press("Control+A")
    keyboard.type("40")
    keyboard.press("Tab")
    keyboard.type("Ewa Wiśniewska-Kowalczyk, Jan Lis")
    keyboard.press("Enter")
    expect(ewa.page.locator("#agenda-items .item-presenters")).to_contain_text(
        "Ewa Wiśniewska-Kowalczyk, Jan Lis"
    )
    # Added (the form clears on the server's answer), the next item goes on the agenda as it is.
    expect(page.locator("#agenda-title")).to_have_value("")
    page.locator("#agenda-title").fill("Powitanie")
    page.locator("#agenda-presenters").fill("")
    page.locator("#agenda-title").press("Enter")
    # Moved up by keyboard, the item keeps the focus where it went, for the next press.
    titles = ewa.page.locator("#agenda-items .item-title")
    expect(titles).to_have_text(["Inicjatywy mieszkańców i ich potrzeby", "Powitanie"])
    moderator.tab_to(page.get_by_role("button", name="Move up item 2: Powitanie"))
    keyboard.press("Enter")
    expect(titles).to_have_text(["Powitanie", "Inicjatywy mieszkańców i ich potrzeby"])
    moved = page.locator("#agenda-edit > li", has=page.locator("h4", has_text="Powitanie"))
    expect(moved.locator(":focus")).to_have_count(1)
    moderator.panel("agenda")
    moderator.tab_to(page.locator("#agenda-next"))
    keyboard.press("Enter")
    expect(ewa.page.locator("#agenda-now")).to_have_text("Now: Powitanie")

    # Ewa asks a question and raises her hand, by keyboard alone; the moderator moves it up.
    ewa.panel("questions")
    ewa.tab_to(ewa.page.locator("#question-text"))
    ewa.page.keyboard.type("Czy miasto dofinansuje nasze inicjatywy?")
    ewa.page.keyboard.press("Enter")
    expect(page.locator("#question-list .q-text")).to_have_text(
        ["Czy miasto dofinansuje nasze inicjatywy?"]
    )
    ewa.tab_to(ewa.page.get_by_role("button", name="Raise hand"))
    ewa.page.keyboard.press("Enter")
    expect(ewa.page.locator("#hand-place")).to_have_text("You are next on the speakers' list.")
    moderator.panel("hands")
    moderator.tab_to(page.get_by_role("button", name="Give the floor to the next hand"))
    keyboard.press("Enter")
    expect(ewa.page.locator("#floor-countdown")).to_contain_text("Your speaking time left: ")

    # In high contrast, with text at 200 %: nothing is cut or pushed sideways, axe is content.
    for person in (moderator, ewa):
        person.page.get_by_role("button", name="High contrast").click()
        person.page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
        overflow = person.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, person.name
        assert person.axe(f"programme, 200 %, high contrast, {person.name}") == []
    ewa.screenshot("programme-200-percent-high-contrast")
    assert moderator.errors == ewa.errors == []
