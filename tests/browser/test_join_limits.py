"""The join page's limits said before they bite, long unbroken words wrapped wherever names and
organisations are shown, and a page opened without a secure context told what to do."""

from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import Person, create_meeting

NO_MEDIA = {"PLENUM_MEDIA": "off"}


def sideways_overflow(person: Person) -> int:
    overflow: int = person.page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return overflow


def test_a_name_over_the_limit_is_said_not_cut(serve: Serve, browser: Browser) -> None:
    server = serve(PLENUM_MAX_NAME_CHARS="40", **NO_MEDIA)
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    for locale in ("en-GB", "pl-PL"):
        ewa = Person.open(browser, created["invite_link"], locale)
        expect(ewa.page.locator("#join-view")).to_be_visible()  # in the page's language
        hint = ewa.say("join.name_hint", max="40")
        expect(ewa.page.locator("#join-name-hint")).to_have_text(hint)
    page = ewa.page  # Polish
    name = page.locator("#join-name")
    pasted = "Ewa " + "Kowalska-Nowak " * 22 + "Anna"  # 338 characters, pasted at once
    assert len(pasted) == 338
    name.fill(pasted)
    expect(name).to_have_value(pasted)
    expect(page.locator("#join-name-count")).to_have_text(ewa.say("join.chars_over", n="298"))
    page.locator("#join-submit").click()
    expect(page.locator("#join-error")).to_have_text(
        ewa.say("join.too_long", field=ewa.say("join.name"), max="40")
    )
    expect(name).to_be_focused()
    expect(page.locator("#join-view")).to_be_visible()

    name.fill("Ewa Kowalska-Nowak")
    expect(page.locator("#join-name-count")).to_be_hidden()
    page.locator("#join-submit").click()
    expect(page.locator("#people-rooms")).to_contain_text("Ewa Kowalska-Nowak")
    assert ewa.errors == []


def test_a_long_unbroken_organisation_wraps_on_the_moderators_page(
    serve: Serve, browser: Browser
) -> None:
    server = serve(**NO_MEDIA)
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    organisation = "Stowarzyszenie" * 5 + "Mieszkańców"[:10]  # 80 characters, no space
    assert len(organisation) == 80
    jan = Person.open(browser, created["invite_link"])
    jan.page.locator("#join-organisation").fill(organisation)
    jan.join("Jan" * 21 + "J", "Sośnica" * 11)
    expect(moderator.page.locator("#roster")).to_contain_text(organisation)
    # A laptop's window, and a narrow one: the page wraps the words instead of scrolling sideways.
    for width in (1024, 640):
        for person in (moderator, jan):
            person.page.set_viewport_size({"width": width, "height": 900})
            expect(person.page.locator("#people-rooms")).to_contain_text(organisation)
            assert sideways_overflow(person) <= 0, f"{person.name} at {width} px"
    assert moderator.errors == jan.errors == []
