"""A participant's network drops in a workshop, or the page is reloaded: it resumes as the same
person, and nothing is lost."""

from playwright.sync_api import Browser, expect

from tests.harness.processes import ServerProcess

from .conftest import Serve
from .person import MEDIA_TIMEOUT_MS, Person, create_meeting


def test_a_dropped_participant_comes_back_to_its_room_with_its_chat(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", camera=False)
    jan = Person.open(browser, created["invite_link"]).join("Jan", camera=False)
    console = moderator.console()
    console.get_by_label("Room name", exact=True).first.fill("Zieleń")
    console.get_by_role("button", name="Add room").click()
    console.get_by_role("button", name="Assign at random").click()
    expect(console.locator("#roster .planned", has_text="Zieleń")).to_have_count(2)
    console.get_by_role("button", name="Open the rooms").click()
    for person in (ewa, jan):
        expect(person.page.locator("#where")).to_have_text("Workshop: Zieleń")

    ewa.page.locator("#chat-text").fill("Zacznijmy od parku.")
    ewa.page.get_by_role("button", name="Send", exact=True).click()
    expect(jan.page.locator("#chat-log .text")).to_have_text(["Zacznijmy od parku."])

    jan.page.evaluate("() => window.sockets.at(-1).close()")
    expect(jan.page.locator("#connection")).to_have_text("Connection lost. Reconnecting…")
    expect(moderator.page.locator("#roster tr", has_text="Jan")).to_contain_text("disconnected")
    ewa.page.locator("#chat-text").fill("Jan, jesteś?")
    ewa.page.get_by_role("button", name="Send", exact=True).click()

    expect(jan.page.locator("#connection")).to_be_hidden()
    expect(jan.page.locator("#where")).to_have_text("Workshop: Zieleń")
    expect(jan.page.locator("#chat-log .text")).to_have_text(
        ["Zacznijmy od parku.", "Jan, jesteś?"]
    )
    expect(moderator.page.locator("#roster tr", has_text="Jan")).not_to_contain_text("disconnected")
    jan.page.locator("#chat-text").fill("Jestem z powrotem.")
    jan.page.get_by_role("button", name="Send", exact=True).click()
    expect(ewa.page.locator("#chat-log .text").last).to_have_text("Jestem z powrotem.")
    assert jan.page.evaluate("() => window.sockets.length") == 2
    assert moderator.errors == ewa.errors == jan.errors == []


def test_a_reload_comes_back_as_the_same_person_in_the_same_place(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    jan = Person.open(browser, created["invite_link"]).join("Jan", camera=False)
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", camera=False)
    jan.page.get_by_role("button", name="Raise hand").click()
    expect(moderator.page.locator("#hand-queue .name")).to_have_text(["Jan"])
    ewa.page.get_by_role("button", name="Raise hand").click()
    hands = moderator.page.locator("#hand-queue .name")
    expect(hands).to_have_text(["Jan", "Ewa"])

    jan.page.reload()

    # Straight back into the meeting, no join form, as Jan, once, with his hand still first.
    expect(jan.page.locator("#meeting-view")).to_be_visible()
    expect(jan.page.locator("#join-view")).to_be_hidden()
    expect(jan.page.locator("#connection")).to_be_hidden()
    for page in (moderator.page, jan.page, ewa.page):
        expect(page.locator("#people-rooms .name")).to_have_text(["Anna Nowak", "Ewa", "Jan"])
        expect(page.locator("#people-rooms li", has_text="Jan")).not_to_contain_text(
            "disconnected"
        )
    expect(jan.page.locator("#people-rooms li", has_text="Jan")).to_contain_text("you")
    expect(jan.page.locator("#people-rooms li", has_text="Jan")).to_contain_text("hand raised")
    expect(hands).to_have_text(["Jan", "Ewa"])
    expect(moderator.page.locator("#roster tr", has_text="Jan")).to_have_count(1)

    # In a workshop, a reload lands back in the same room with its chat.
    console = moderator.console()
    console.get_by_label("Room name", exact=True).first.fill("Zieleń")
    console.get_by_role("button", name="Add room").click()
    console.get_by_role("button", name="Assign at random").click()
    expect(console.locator("#roster .planned", has_text="Zieleń")).to_have_count(2)
    console.get_by_role("button", name="Open the rooms").click()
    expect(jan.page.locator("#where")).to_have_text("Workshop: Zieleń")
    ewa.page.locator("#chat-text").fill("Zacznijmy od parku.")
    ewa.page.get_by_role("button", name="Send", exact=True).click()
    expect(jan.page.locator("#chat-log .text")).to_have_text(["Zacznijmy od parku."])

    jan.page.reload()

    expect(jan.page.locator("#where")).to_have_text("Workshop: Zieleń")
    expect(jan.page.locator("#chat-log .text")).to_have_text(["Zacznijmy od parku."])
    jan.page.locator("#chat-text").fill("Jestem z powrotem.")
    jan.page.get_by_role("button", name="Send", exact=True).click()
    expect(ewa.page.locator("#chat-log .text").last).to_have_text("Jestem z powrotem.")
    expect(moderator.page.locator("#roster tr", has_text="Jan")).to_have_count(1)
    expect(moderator.page.locator("#roster tr", has_text="Jan")).not_to_contain_text(
        "disconnected"
    )

    # Another tab with the same link is someone new: it asks for a name.
    other = Person.open(browser, created["invite_link"])
    second_tab = jan.page.context.new_page()
    second_tab.goto(created["invite_link"])
    expect(second_tab.locator("#join-view")).to_be_visible()
    expect(other.page.locator("#join-view")).to_be_visible()
    assert moderator.errors == ewa.errors == jan.errors == []


def test_a_tab_back_after_its_grace_period_joins_afresh(serve: Serve, browser: Browser) -> None:
    server = serve(PLENUM_MEDIA="off", PLENUM_GHOST_GRACE_S="1")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    jan = Person.open(browser, created["invite_link"]).join("Jan", camera=False)

    jan.page.goto("about:blank")
    expect(moderator.page.locator("#people-rooms .name")).to_have_text(["Anna Nowak"])
    jan.page.goto(created["invite_link"])

    # The token the tab kept names someone who has left: the form asks for a name again.
    expect(jan.page.locator("#join-view")).to_be_visible()
    expect(jan.page.locator("#join-error")).to_be_hidden()
    expect(jan.page.locator("#connection")).to_be_hidden()
    jan.join("Jan")
    expect(moderator.page.locator("#people-rooms .name")).to_have_text(["Anna Nowak", "Jan"])
    assert moderator.errors == jan.errors == []


def test_a_presenter_who_reloads_can_turn_the_camera_on_again(
    serve: Serve, browser: Browser
) -> None:
    server = serve()
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa")
    ewa.sees_video_of("Anna Nowak")

    moderator.page.reload()

    # Back with the camera and microphone the browser already allowed, both off until asked.
    camera = moderator.page.locator("#camera")
    expect(camera).to_have_text("Turn camera on", timeout=MEDIA_TIMEOUT_MS)
    expect(moderator.page.locator("#microphone")).to_have_text("Unmute microphone")
    camera.click()
    ewa.sees_video_of("Anna Nowak")
    assert moderator.media_asks == 1  # counted since the reload: taken again once
    assert moderator.errors == ewa.errors == []


def test_a_duplicated_tab_takes_the_meeting_over_and_the_first_tab_lets_it_go(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    jan = Person.open(browser, created["invite_link"]).join("Jan", camera=False)

    # A tab opened from Jan's (as "Duplicate tab" does) starts with a copy of its storage, and
    # so with its resume token: it comes back as Jan.
    with jan.page.context.expect_page() as opened:
        jan.page.evaluate("() => { window.open(location.href); }")
    copy = opened.value
    expect(copy.locator("#meeting-view")).to_be_visible()
    expect(copy.locator("#people-rooms li", has_text="Jan")).to_contain_text("you")

    # The first tab says where the meeting went instead of taking it back.
    expect(jan.page.locator("#connection")).to_have_text(
        jan.say("connection.closed_4009"), timeout=10_000
    )
    expect(copy.locator("#connection")).to_be_hidden()
    copy.locator("#chat-text").fill("Piszę z drugiej karty.")
    copy.get_by_role("button", name="Send", exact=True).click()
    expect(moderator.page.locator("#chat-log .text")).to_have_text(["Piszę z drugiej karty."])
    expect(copy.locator("#connection")).to_be_hidden()
    expect(moderator.page.locator("#roster tr", has_text="Jan")).to_have_count(1)
    assert moderator.errors == jan.errors == []
