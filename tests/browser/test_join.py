"""The join page and the plenary's chat, without media: clear words for links that cannot work
and for a full meeting, and other people's text shown as text."""

from playwright.sync_api import Browser, expect

from tests.harness import api
from tests.harness.processes import ADMIN_TOKEN, ServerProcess

from .conftest import CHROMIUM, CHROMIUM_ARGS, Serve
from .person import Person, create_meeting

NO_MEDIA = {"PLENUM_MEDIA": "off"}


def test_a_bad_link_and_a_full_meeting_are_said_clearly(serve: Serve, browser: Browser) -> None:
    server = serve(PLENUM_MAX_PARTICIPANTS="1", **NO_MEDIA)
    created = create_meeting(server, "Forum Dzielnicy Sośnica")

    forged = Person.open(browser, f"{server.base_url}/#not-a-real-token")
    expect(forged.page.locator("#notice-title")).to_have_text("This link does not work")
    expect(forged.page.locator("#join-view")).to_be_hidden()

    Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    late = Person.open(browser, created["invite_link"])
    expect(late.page.locator("#title")).to_have_text("Forum Dzielnicy Sośnica")
    late.page.locator("#join-name").fill("Jan Kowalski")
    late.page.locator("#join-submit").click()
    expect(late.page.locator("#join-error")).to_have_text(
        "The meeting is full. Please contact the organisers."
    )
    assert forged.errors == late.errors == []


def test_a_presenter_link_says_its_role_and_a_replaced_link_says_so(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    mayor = Person.open(browser, created["presenter_link"])
    expect(mayor.page.locator("#join-role")).to_have_text("You are joining as a presenter.")
    mayor.join("Prezydent Miasta", camera=False)

    api.reissue_link(server.base_url, created["id"], "participant", ADMIN_TOKEN)
    late = Person.open(browser, created["invite_link"])
    expect(late.page.locator("#notice-title")).to_have_text("This link has been replaced")
    expect(late.page.locator("#notice-text")).to_contain_text("Ask them for the current link")
    expect(late.page.locator("#join-view")).to_be_hidden()
    assert mayor.errors == late.errors == []


def test_chat_with_markup_is_shown_as_text(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa <i>Nowak</i>", camera=False)
    jan = Person.open(browser, created["invite_link"]).join("Jan", camera=False)
    markup = '<img src=x onerror="document.title=1"><b>Dzień dobry</b>'
    ewa.page.locator("#chat-text").fill(markup)
    ewa.page.locator("#chat-text").press("Enter")
    message = jan.page.locator("#chat-log li").last
    expect(message.locator(".text")).to_have_text(markup)
    expect(message.locator(".sender")).to_have_text("Ewa <i>Nowak</i>")
    assert jan.page.locator("#chat-log img, #chat-log b, #chat-log i").count() == 0
    expect(jan.page.locator("#announce")).to_have_text(f"Ewa <i>Nowak</i> says: {markup}")

    # A private message: only its addressee sees it, marked as private on both sides.
    maria = Person.open(browser, created["invite_link"]).join("Maria", camera=False)
    ewa.page.get_by_label("To", exact=True).select_option(label="Only Jan (private)")
    ewa.page.locator("#chat-text").fill("Tylko do Ciebie.")
    ewa.page.locator("#chat-text").press("Enter")
    private = jan.page.locator("#chat-log li.private")
    expect(private.locator(".text")).to_have_text("Tylko do Ciebie.")
    expect(private.locator(".meta")).to_contain_text("private, to you")
    expect(jan.page.locator("#announce")).to_have_text(
        "Private message from Ewa <i>Nowak</i>: Tylko do Ciebie."
    )
    expect(ewa.page.locator("#chat-log li.private .meta")).to_contain_text("private, to Jan")
    expect(maria.page.locator("#chat-log .text")).to_have_text([markup])

    # A reaction, from the toolbar's menu: everyone sees who reacted, in words.
    jan.page.get_by_role("button", name="Reactions").click()
    jan.page.get_by_role("button", name="Applause").click()
    for person in (ewa, maria):
        expect(person.page.locator("#reaction-feed")).to_contain_text("Jan: Applause")
    assert ewa.errors == jan.errors == maria.errors == []


def test_text_at_200_percent_and_high_contrast(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    Person.open(browser, created["invite_link"]).join("Maria Wiśniewska", "Łabędy", camera=False)
    console = moderator.console()
    console.get_by_label("Room name", exact=True).first.fill("Seniorzy w dzielnicy")
    console.get_by_role("button", name="Add room").click()
    expect(console.locator("#room-list > li")).to_have_count(1)

    page = moderator.page
    page.get_by_role("button", name="High contrast").click()
    expect(page.get_by_role("button", name="High contrast")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert moderator.axe("console, high contrast") == []
    # Text zoom (not page zoom): the layout must wrap, not scroll sideways or clip.
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    moderator.screenshot("console-200-percent-high-contrast")
    assert overflow <= 0
    page.reload()
    expect(page.locator("html")).to_have_class("contrast")
    assert moderator.errors == []


def test_a_blocked_camera_and_an_unreachable_server_are_said_clearly(
    serve: Serve, browser: Browser
) -> None:
    server = serve()
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    # A browser that asks before it gives a camera: headless, nobody answers, so it is refused,
    # as when a person clicks "Block".
    asking = [arg for arg in CHROMIUM_ARGS if arg != "--use-fake-ui-for-media-stream"]
    refusing = browser.browser_type.launch(executable_path=CHROMIUM, args=asking)
    try:
        ewa = Person.open(refusing, created["invite_link"])
        ewa.page.get_by_role("button", name="Check camera and microphone").click()
        expect(ewa.page.locator("#join-device-error")).to_have_text(
            "The browser blocked the camera and microphone. You can still join, see and hear "
            "others; allow them in the browser's site settings to be seen and heard."
        )
        ewa.join("Ewa")  # joining still works, without being seen or heard
        # Turning the camera on asks the browser again, and its refusal is said in words.
        ewa.page.get_by_role("button", name="Turn camera on").click()
        expect(ewa.page.locator("#problem")).to_have_text(
            "The browser blocked the camera or microphone. Allow it in the browser's site "
            "settings, then try again."
        )

        jan = Person.open(browser, created["invite_link"])
        expect(jan.page.locator("#join-name")).to_be_visible()
        server.stop()
        expect(ewa.page.locator("#connection")).to_have_text("Connection lost. Reconnecting…")
        jan.page.locator("#join-name").fill("Jan")
        jan.page.locator("#join-submit").click()
        expect(jan.page.locator("#join-error")).to_have_text(
            "The server cannot be reached. Check your connection and try again."
        )
        # After a few failed attempts (about 1 + 2 + 4 s), the words change.
        expect(ewa.page.locator("#connection")).to_have_text(
            "The server cannot be reached. Still trying to reconnect…", timeout=20_000
        )
        assert ewa.errors == jan.errors == []
    finally:
        refusing.close()


def test_an_error_page_instead_of_the_invitation_is_said_clearly(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    context = browser.new_context(locale="en-GB")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        # What a proxy in front of a server that is down answers: an HTML page, not JSON.
        page.route(
            "**/api/invitation",
            lambda route: route.fulfill(
                status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>"
            ),
        )
        page.goto(created["invite_link"])
        expect(page.locator("#notice-title")).to_have_text("The server cannot be reached")
        expect(page.locator("#join-view")).to_be_hidden()
        assert errors == []
    finally:
        context.close()


def test_a_newcomer_sees_the_latest_chat_and_pages_back_on_request(
    serve: Serve, browser: Browser
) -> None:
    server = serve(PLENUM_CHAT_PAGE="2", **NO_MEDIA)
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", camera=False)
    said = [f"Punkt {i}." for i in range(1, 6)]
    for text in said:
        ewa.page.locator("#chat-text").fill(text)
        ewa.page.locator("#chat-text").press("Enter")
        expect(ewa.page.locator("#chat-log .text").last).to_have_text(text)

    maria = Person.open(browser, created["invite_link"]).join("Maria", camera=False)
    log = maria.page.locator("#chat-log .text")
    expect(log).to_have_text(said[-2:])
    earlier = maria.page.get_by_role("button", name="Show earlier messages")
    earlier.click()
    expect(log).to_have_text(said[-4:])
    earlier.click()
    expect(log).to_have_text(said)
    expect(earlier).to_be_hidden()
    assert ewa.errors == maria.errors == []


def test_a_network_over_its_connections_is_told_so(serve: Serve, browser: Browser) -> None:
    # Everyone here comes from 127.0.0.1: one socket for the whole "network".
    server = serve(PLENUM_MAX_SOCKETS_PER_ADDRESS="1", **NO_MEDIA)
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)

    neighbour = Person.open(browser, created["invite_link"])
    neighbour.page.locator("#join-name").fill("Jan Kowalski")
    neighbour.page.locator("#join-submit").click()

    expect(neighbour.page.locator("#join-error")).to_have_text(
        neighbour.say("join.too_many_sockets")
    )
    assert neighbour.errors == []
