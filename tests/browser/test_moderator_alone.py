"""A moderator alone in a meeting: their own camera and microphone are theirs to control from the
first moment, not only once someone else joins."""

from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import Person, create_meeting


def test_a_moderator_alone_has_their_buttons_and_their_own_video(
    serve: Serve, browser: Browser
) -> None:
    server = serve()
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    page = moderator.page

    expect(page.locator("#videos figure.own video")).to_be_visible()
    expect(page.get_by_role("button", name=moderator.say("controls.unmute"))).to_be_visible()
    expect(page.get_by_role("button", name=moderator.say("controls.camera_off"))).to_be_visible()
    expect(page.locator("#stage-heading")).to_have_text(moderator.say("stage.heading"))

    # Their own controls work while alone: the camera goes off and on again.
    page.get_by_role("button", name=moderator.say("controls.camera_off")).click()
    page.get_by_role("button", name=moderator.say("controls.camera_on")).click()
    expect(page.get_by_role("button", name=moderator.say("controls.camera_off"))).to_be_visible()
    assert moderator.errors == []
