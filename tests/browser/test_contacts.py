"""Contacts between leaders as people see them: Ala shares hers on the join form, Bo his later in
the Contacts panel (by keyboard); each sees the other's card, the moderator who shared nothing
sees nobody's. Bo opens the directory from his own link. Ala withdraws (after a confirmation)
and her card vanishes from Bo's screen and from his link's page; then Bo withdraws from that
page. A note with HTML in it stays text. axe-core on the join form, the panel and the link's
page, and screenshots."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import Serve
from .person import Person, create_meeting

ALA_MAIL = "ala.zieba@example.org"
ALA_NOTE = "Ogród społeczny <b>Łabędy</b>"
BO_PHONE = "+48 600 100 200"
BO_SITE = "https://rada-sosnica.example.pl"


def cards(page: Page) -> list[str]:
    texts: list[str] = page.locator("#contact-list > li").all_inner_texts()
    return texts


@pytest.mark.parametrize("locale", ["en-GB", "pl-PL"], ids=["english", "polish"])
def test_two_opt_in_and_see_each_other_a_third_sees_nothing_and_a_withdrawal_vanishes(
    serve: Serve, browser: Browser, locale: str
) -> None:
    server = serve(PLENUM_MEDIA="off")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"], locale).join("Anna Nowak")

    # Ala ticks "share my contacts" on the join form, and sees what she consents to.
    ala = Person.open(browser, created["invite_link"], locale)
    page = ala.page
    expect(page.locator("#join-view")).to_be_visible()  # in the page's language by then
    say = ala.say
    expect(page.locator("#join-contacts-consent")).to_have_text(say("contacts.consent"))
    page.get_by_label(say("contacts.join_share")).check()
    page.locator("#join-contact-email").fill(ALA_MAIL)
    page.locator("#join-contact-note").fill(ALA_NOTE)
    assert ala.axe(f"contacts-join-{locale}") == []
    ala.join("Ala Zięba", "Łabędy", organisation="Ogrody Łabędy")
    expect(page.locator("#contacts-status")).to_have_text(say("contacts.shared"))
    expect(page.locator("#contacts-empty")).to_have_text(say("contacts.empty"))

    # Bo shares his later, in the Contacts panel, by keyboard.
    bo = Person.open(browser, created["invite_link"], locale).join("Bo Lis", "Sośnica")
    expect(bo.page.locator("#contacts-empty")).to_have_text(say("contacts.outside"))
    assert cards(bo.page) == []
    bo.panel("contacts")
    bo.tab_to(bo.page.locator("#contact-phone"))
    bo.page.keyboard.type(BO_PHONE)
    bo.page.keyboard.press("Tab")
    bo.page.keyboard.type(BO_SITE)
    bo.tab_to(bo.page.locator("#contact-share"))
    bo.page.keyboard.press("Enter")
    expect(bo.page.locator("#contacts-status")).to_have_text(say("contacts.shared"))

    # Each sees the other's card; the note's HTML is text.
    ala_card = bo.page.locator("#contact-list > li", has_text="Ala Zięba")
    expect(ala_card).to_contain_text("Ogrody Łabędy · Łabędy")
    expect(ala_card.get_by_role("link", name=ALA_MAIL)).to_have_attribute(
        "href", f"mailto:{ALA_MAIL}"
    )
    expect(ala_card.locator(".c-note")).to_have_text(ALA_NOTE)
    assert ala_card.locator("b").count() == 0
    bo_card = ala.panel("contacts").locator("#contact-list > li", has_text="Bo Lis")
    expect(bo_card.get_by_role("link", name=BO_SITE)).to_have_attribute("href", BO_SITE)
    expect(bo_card.get_by_role("link", name=BO_PHONE)).to_have_attribute("href", "tel:+48600100200")

    # The moderator, who shared nothing, sees no one's details.
    expect(moderator.page.locator("#contacts-empty")).to_have_text(say("contacts.outside"))
    assert cards(moderator.page) == []
    expect(moderator.page.locator("body")).not_to_contain_text(ALA_MAIL)
    expect(moderator.page.locator("body")).not_to_contain_text(BO_PHONE)

    assert bo.axe(f"contacts-panel-{locale}") == []
    bo.page.locator("#contacts").scroll_into_view_if_needed()
    bo.screenshot(f"contacts-{locale}")

    # Bo's own link opens the directory on a page of its own.
    own_link = bo.page.locator("#contacts-link")
    expect(own_link).to_have_attribute("href", re.compile(r"/contacts\.html#."))
    directory = Person.open(browser, own_link.get_attribute("href") or "", locale)
    expect(directory.page.locator("#contact-list > li")).to_have_count(1)
    expect(directory.page.locator("#contact-list")).to_contain_text(ALA_MAIL)
    assert directory.axe(f"contacts-page-{locale}") == []

    # Ala withdraws, confirming first; her card vanishes from Bo's screen and his link's page.
    page.get_by_role("button", name=say("contacts.withdraw")).click()
    expect(page.locator("#contact-confirm")).to_be_visible()
    expect(page.locator("#contact-confirm-no")).to_be_focused()
    page.get_by_role("button", name=say("contacts.withdraw_yes")).click()
    expect(page.locator("#contacts-status")).to_have_text(say("contacts.withdrawn"))
    expect(bo.page.locator("#contact-list > li")).to_have_count(0)
    expect(bo.page.locator("body")).not_to_contain_text(ALA_MAIL)
    expect(page.locator("#contact-list > li")).to_have_count(0)
    directory.page.reload()
    expect(directory.page.locator("#contacts-page-status")).to_have_text(say("contacts.empty"))
    expect(directory.page.locator("body")).not_to_contain_text(ALA_MAIL)

    # Bo withdraws from his link's page, confirming first: his panel says he shares nothing.
    directory.page.get_by_role("button", name=say("contacts.withdraw")).click()
    expect(directory.page.locator("#contact-confirm-no")).to_be_focused()
    directory.page.get_by_role("button", name=say("contacts.withdraw_yes")).click()
    expect(directory.page.locator("#contacts-page-status")).to_have_text(say("contacts.withdrawn"))
    expect(bo.page.locator("#contacts-empty")).to_have_text(say("contacts.outside"))
    expect(bo.page.locator("#contact-withdraw")).to_be_hidden()
    directory.page.reload()
    expect(directory.page.locator("#contacts-page-status")).to_have_text(
        say("contacts.page_not_opted_in")
    )

    for person in (moderator, ala, bo, directory):
        assert person.errors == []
