"""Ending the meeting in the browser: a moderator ends it through the confirmation dialog, by
keyboard; everyone sees the ended screen instead of reconnecting; nobody joins after it; the
moderator keeps "Download the record"."""

import re

from playwright.sync_api import Browser, Page, expect

from .conftest import Serve
from .person import Person, create_meeting

# The client's first try to reconnect comes 0.8 to 1.2 s after a drop (static/connection.js):
# watching the page for longer than that shows there is none.
LONGER_THAN_A_RETRY_MS = 2_500
# The resume token the tab keeps for its link (static/connection.js).
KEPT_RESUME_TOKEN = """
() => sessionStorage.getItem(
  Object.keys(sessionStorage).find((key) => key.startsWith("plenum.resume."))
)
"""


def focused(page: Page) -> str:
    id_: str = page.evaluate("() => document.activeElement?.id ?? ''")
    return id_


def test_a_moderator_ends_the_meeting_for_everyone(serve: Serve, browser: Browser) -> None:
    server = serve(PLENUM_MEDIA="off")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa Zięba", "Wola")
    # Someone on the join page when the meeting ends, who says hello after it.
    late = Person.open(browser, created["invite_link"], "pl-PL")
    expect(late.page.locator("#join-view")).to_be_visible()
    page = moderator.page
    end = page.get_by_role("button", name=moderator.say("ending.end"))
    dialog = page.get_by_role("dialog", name=moderator.say("ending.confirm_title"))

    # By keyboard: the console is shown from the toolbar; the dialog opens on Cancel; Escape
    # cancels and gives the focus back.
    moderator.tab_to(page.locator("#console-toggle"))
    page.keyboard.press("Enter")
    expect(page.locator("#console")).to_be_visible()
    moderator.tab_to(end)
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    assert focused(page) == "end-cancel"
    assert moderator.axe("ending-dialog") == []
    moderator.screenshot("ending-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(page) == "end-meeting"
    expect(ewa.page.locator("#meeting-view")).to_be_visible()

    # Cancel, then Tab to the confirming button and Enter: the meeting ends.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Tab")
    assert focused(page) == "end-confirm"
    page.keyboard.press("Enter")

    for person in (ewa, moderator):
        ended = person.page.locator("#ended-view")
        expect(ended).to_be_visible()
        expect(ended.get_by_role("heading", level=2)).to_have_text(person.say("ending.ended_title"))
        expect(ended).to_contain_text(person.say("ending.ended_text"))
        expect(person.page.locator("#alert")).to_have_text(person.say("ending.ended_title"))
        expect(person.page.locator("#meeting-view")).to_be_hidden()
    # Ended, not reconnecting: the one socket closed with 4011 and no other was opened.
    ewa.page.wait_for_timeout(LONGER_THAN_A_RETRY_MS)
    sockets = ewa.page.evaluate("() => window.sockets.map((s) => s.readyState)")
    assert sockets == [3]
    expect(ewa.page.locator("#connection")).to_be_empty()
    expect(ewa.page.locator("#ended-view #record")).to_have_count(0)
    assert ewa.axe("ending-ended") == []

    # The moderator's ended screen offers the record.
    record = page.locator("#ended-view #record")
    expect(record.get_by_role("heading", name=moderator.say("record.heading"))).to_be_visible()
    assert moderator.axe("ending-ended-moderator") == []
    moderator.screenshot("ending-ended-moderator")
    download_the_attendance(moderator)
    # A reload cannot resume, and still shows the ended screen with the record.
    page.reload()
    expect(page.locator("#ended-view")).to_be_visible()
    expect(record.get_by_role("button", name=moderator.say("record.json"))).to_be_visible()
    expect(page.locator("#join-view")).to_be_hidden()

    # The late one's hello is refused, in Polish, and so is a link opened now.
    late.page.locator("#join-name").fill("Jan Kowalski")
    late.page.locator("#join-submit").click()
    expect(late.page.locator("#ended-view")).to_be_visible()
    expect(late.page.locator("#ended-view")).to_contain_text(late.say("ending.join_refused"))
    newcomer = Person.open(browser, created["invite_link"])
    expect(newcomer.page.locator("#ended-view")).to_contain_text(
        newcomer.say("ending.join_refused")
    )
    expect(newcomer.page.locator("#join-view")).to_be_hidden()
    assert [p.errors for p in (moderator, ewa, late, newcomer)] == [[], [], [], []]


def download_the_attendance(moderator: Person) -> None:
    """The CSV with the public chat, asked for with the moderator's resume token. Until the record
    routes are merged the server answers 404, and the page says so clearly."""
    page = moderator.page
    page.get_by_label(moderator.say("record.include_chat")).check()
    with page.expect_response(re.compile(r"/attendance\.csv")) as answered:
        page.get_by_role("button", name=moderator.say("record.csv")).click()
    response = answered.value
    token = page.evaluate(KEPT_RESUME_TOKEN)
    assert response.request.headers["authorization"] == f"Bearer {token}"
    assert response.url.endswith("attendance.csv?chat=public")
    status = page.locator("#record-status")
    if response.status == 200:
        expect(status).to_contain_text("attendance.csv")
    else:
        reason = moderator.say(f"record.failed_{response.status}")
        expect(status).to_have_text(moderator.say("record.failed", reason=reason))
