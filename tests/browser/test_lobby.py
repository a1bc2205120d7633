"""The lobby in the browser: a moderator turns it on from the console by keyboard, a newcomer
waits on a waiting screen that says so to screen readers, is let in, and a second one is turned
away with a clear notice; both views pass axe."""

import json
import urllib.request
from typing import Any

from playwright.sync_api import Browser, expect

from tests.harness import api
from tests.harness.processes import ADMIN_TOKEN, ServerProcess

from .person import Person, create_meeting


def imported(server: ServerProcess, meeting: str, csv: str) -> list[dict[str, Any]]:
    """The invitees of `csv`, imported as the organiser does (POST …/invitees)."""
    request = urllib.request.Request(
        f"{server.base_url}/api/meetings/{meeting}/invitees",
        data=csv.encode(),
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "text/csv"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        invitees: list[dict[str, Any]] = json.load(response)["invitees"]
    return invitees


def knock(browser: Browser, link: str, name: str, locale: str) -> Person:
    person = Person.open(browser, link, locale)
    person.name = name
    page = person.page
    expect(page.locator("#join-view")).to_be_visible()
    if page.locator("#join-name").is_editable():  # not a personal link's, which has the name
        page.locator("#join-name").fill(name)
    page.locator("#join-submit").click()
    expect(page.locator("#lobby-view")).to_be_visible()
    return person


def test_a_newcomer_waits_is_let_in_and_another_is_turned_away(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Łabędy")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    page = moderator.page
    # The console, shown from the toolbar by keyboard, has the lobby's settings.
    moderator.tab_to(page.locator("#console-toggle"))
    page.keyboard.press("Enter")
    expect(page.locator("#console")).to_be_visible()

    everyone = page.get_by_role("radio", name=moderator.say("lobby.mode_everyone"))
    off = page.get_by_role("radio", name=moderator.say("lobby.mode_off"))
    expect(off).to_be_checked()
    moderator.tab_to(off)
    # Arrows move along the radio group, as for any; each choice is sent.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(everyone).to_be_checked()
    expect(page.locator("#lobby-count")).to_have_text(moderator.say("lobby.nobody"))

    ewa = knock(browser, created["invite_link"], "Ewa Zięba", "pl-PL")
    waiting = ewa.page.locator("#lobby-view")
    expect(waiting.get_by_role("heading")).to_have_text("Czekasz na wpuszczenie przez moderatora")
    expect(ewa.page.locator("#lobby-position")).to_have_text(ewa.say("lobby.position", n="1"))
    expect(ewa.page.locator("#lobby-position")).to_have_attribute("aria-live", "polite")
    expect(ewa.page.locator("#meeting-view")).to_be_hidden()
    assert ewa.axe("lobby-waiting") == []

    expect(page.locator("#announce")).to_have_text(
        moderator.say("announce.knocked", name="Ewa Zięba")
    )
    admit = page.get_by_role("button", name=moderator.say("lobby.admit_named", name="Ewa Zięba"))
    moderator.tab_to(admit)
    assert moderator.axe("lobby-console") == []
    page.keyboard.press("Enter")
    expect(ewa.page.locator("#meeting-view")).to_be_visible()
    expect(ewa.page.locator("#lobby-view")).to_be_hidden()
    expect(ewa.page.locator("#people-rooms")).to_contain_text("Ewa Zięba")
    expect(page.locator("#people-rooms")).to_contain_text("Ewa Zięba")
    expect(page.locator("#lobby-count")).to_have_text(moderator.say("lobby.nobody"))

    # Someone waiting is on top of every view of the moderators', with the way to the lobby:
    # here from the stage.
    moderator.console(False)
    expect(page.locator("#alerts")).to_be_hidden()
    jan = knock(browser, created["invite_link"], "Jan Kowalski", "en-GB")
    alert = page.locator("#alerts")
    expect(alert.locator("li")).to_have_text(
        moderator.say("alerts.lobby_one", name="Jan Kowalski")
        + moderator.say("lobby.admit")
        + moderator.say("alerts.lobby_open")
    )
    alert.get_by_role("button", name=moderator.say("alerts.lobby_open")).click()
    expect(page.locator("#console")).to_be_visible()
    refused = moderator.say("lobby.refuse_named", name="Jan Kowalski")
    expect(page.locator("#lobby-list button").first).to_be_focused()
    page.get_by_role("button", name=refused).click()
    expect(alert).to_be_hidden()
    expect(jan.page.locator("#notice-title")).to_have_text(jan.say("lobby.turned_away_title"))
    expect(jan.page.locator("#notice-text")).to_have_text(jan.say("lobby.turned_away"))
    expect(jan.page.locator("#lobby-view")).to_be_hidden()
    expect(jan.page.locator("#meeting-view")).to_be_hidden()
    expect(page.locator("#lobby-list")).to_be_empty()
    expect(page.locator("#people-rooms")).not_to_contain_text("Jan Kowalski")
    assert moderator.errors == ewa.errors == jan.errors == []


def test_an_invitee_whose_link_is_withdrawn_while_waiting_is_told_so(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Łabędy")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    moderator.console()
    moderator.page.get_by_role("radio", name=moderator.say("lobby.mode_everyone")).click()
    expect(moderator.page.locator("#lobby-count")).to_have_text(moderator.say("lobby.nobody"))
    [iga] = imported(server, created["id"], "name,district\r\nIga Lis,Łabędy\r\n")

    guest = knock(browser, iga["link"], "Iga Lis", "pl-PL")
    expect(moderator.page.locator("#lobby-list")).to_contain_text("Iga Lis")
    path = f"/api/meetings/{created['id']}/invitees/{iga['id']}"
    status, _ = api.as_organiser("DELETE", server.base_url, path, ADMIN_TOKEN)
    assert status == 204

    page = guest.page
    expect(page.locator("#notice-title")).to_have_text(guest.say("join.revoked_link_title"))
    expect(page.locator("#lobby-view")).to_be_hidden()
    expect(page.locator("#join-view")).to_be_hidden()
    expect(moderator.page.locator("#lobby-list")).to_be_empty()
    assert moderator.errors == guest.errors == []


def test_a_personal_link_opens_the_join_form_with_the_invitees_details_set(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Łabędy")
    [iga] = imported(server, created["id"], "name,organisation,district\r\nIga Lis,Rada,Łabędy\r\n")

    guest = Person.open(browser, iga["link"], "pl-PL")
    page = guest.page
    expect(page.locator("#join-view")).to_be_visible()
    # What the organiser imported, which the server joins with whatever is typed: not to retype.
    for field, value in (("name", "Iga Lis"), ("organisation", "Rada"), ("district", "Łabędy")):
        expect(page.locator(f"#join-{field}")).to_have_value(value)
        expect(page.locator(f"#join-{field}")).not_to_be_editable()
    guest.join("Iga Lis")
    assert guest.errors == []
