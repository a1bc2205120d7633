"""The join page's limits said before they bite, long unbroken words wrapped wherever names and
organisations are shown, and a page opened without a secure context told what to do."""

from playwright.sync_api import Browser, expect

from tests.harness.ports import free_port

from .conftest import CHROMIUM, CHROMIUM_ARGS, Serve
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
    ewa.screenshot("join-too-long-pl")

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
    jan.join("Jan" * 21 + "J", "Sośnica" * 11, organisation=organisation)
    expect(moderator.page.locator("#roster")).to_contain_text(organisation)
    # A laptop's window, and a narrow one: the page wraps the words instead of scrolling sideways,
    # in the moderator's console and in the people's tab.
    moderator.console()
    for width in (1024, 640):
        for person in (moderator, jan):
            person.page.set_viewport_size({"width": width, "height": 900})
            person.panel("people")
            expect(person.page.locator("#people-rooms")).to_contain_text(organisation)
            assert sideways_overflow(person) <= 0, f"{person.name} at {width} px"
    assert moderator.errors == jan.errors == []


def test_a_page_without_a_secure_context_says_how_to_get_one(
    serve: Serve, browser: Browser
) -> None:
    port = free_port()
    # Pages of that name's origin may open the socket, as an operator would allow them.
    server = serve(port, PLENUM_ALLOWED_ORIGINS=f"http://plenum.test:{port}")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    # The same server reached by a name that is not loopback, over plain http: as a person on
    # another machine would reach a server without HTTPS, the browser gives no camera there.
    named = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP plenum.test 127.0.0.1"],
    )
    try:
        link = created["invite_link"].replace("127.0.0.1", "plenum.test")
        assert link.startswith("http://plenum.test:")
        ewa = Person.open(named, link)
        assert ewa.page.evaluate("() => window.isSecureContext") is False
        expect(ewa.page.locator("#join-insecure")).to_have_text(ewa.say("join.insecure"))
        expect(ewa.page.get_by_role("button", name=ewa.say("join.preview"))).to_be_hidden()
        expect(ewa.page.get_by_label(ewa.say("join.camera_on"))).to_be_hidden()
        ewa.screenshot("join-insecure")

        # Joining still works: she sees the moderator, without a camera of her own.
        moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
        ewa.join("Ewa")
        ewa.sees_video_of("Anna Nowak")
        expect(ewa.page.locator("#camera")).to_be_hidden()
        assert ewa.media_asks == 0
        assert ewa.errors == moderator.errors == []
    finally:
        named.close()
