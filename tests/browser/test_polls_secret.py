"""A secret poll in the browser: the form allows only results after closing, a ballot carries a
secret the tab keeps (the same after a reload, so a change replaces the ballot), and until the
result everyone sees only how many voted."""

import re

from playwright.sync_api import Browser, Locator, expect

from tests.harness.processes import ServerProcess

from .person import Person, create_meeting
from .test_polls import create_poll, poll_of

# The ballot's secret the page keeps for the tab: one per poll (docs/protocol.md, cast_ballot).
KEPT_SECRETS = """() => Object.keys(sessionStorage)
  .filter((key) => key.startsWith("plenum.ballot."))
  .map((key) => sessionStorage.getItem(key))"""


def secret_poll(moderator: Person, question: str) -> Locator:
    """A yes / no / abstain secret poll with a quorum of 2, created through the form, opened."""
    # The form says that a secret poll's results come only after closing, and allows no other.
    form = moderator.panel("polls").locator("#poll-form")
    form.get_by_label("Secret: nobody sees who chose what").check()
    expect(form.get_by_label("Shown live while voting")).to_be_disabled()
    expect(form.get_by_label("Shown after closing")).to_be_checked()
    expect(form.locator("#poll-results-hint")).to_have_text(
        "A secret poll shows its results only after closing."
    )
    create_poll(moderator, question, kind="Yes / no / abstain", secret=True, quorum_count=2)
    poll = poll_of(moderator, question)
    expect(poll.locator(".poll-meta")).to_have_text(
        "Draft · secret · Yes / no / abstain · results after closing · the whole meeting"
        " · quorum 2 voters"
    )
    poll.get_by_role("button", name=f"Open the poll: {question}").click()
    expect(poll.locator(".poll-status")).to_have_text("0 of 2 voted")
    return poll


def test_a_secret_poll_is_made_with_results_after_closing_only(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", camera=False)
    Person.open(browser, created["invite_link"]).join("Jan", camera=False)
    question = "Do we ask the city for a crossing on Zwycięstwa street?"
    secret_poll(moderator, question)
    ewa_poll = poll_of(ewa, question)
    expect(ewa_poll.locator(".poll-meta")).to_contain_text("Open · secret")
    expect(ewa_poll.get_by_label("Abstain")).to_be_enabled()
    expect(ewa_poll.locator(".counts")).to_be_hidden()
    assert ewa.axe("poll-secret-open") == []
    assert moderator.errors == ewa.errors == []


def test_a_secret_poll_shows_only_who_voted_until_its_result(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", camera=False)
    jan = Person.open(browser, created["invite_link"]).join("Jan", camera=False)
    question = "Do we ask the city for a crossing on Zwycięstwa street?"
    poll = secret_poll(moderator, question)

    ewa_poll = poll_of(ewa, question)
    ewa_poll.get_by_label("Yes").check()
    ewa_poll.get_by_role("button", name=f"Vote: {question}").click()
    expect(ewa_poll.locator(".own")).to_have_text(
        "You have voted. The ballot is secret: it is not shown, not even to you."
    )
    (secret,) = ewa.page.evaluate(KEPT_SECRETS)
    assert re.fullmatch(r"[0-9a-f]{32}", secret)
    for person in (moderator, ewa, jan):
        theirs = poll_of(person, question)
        expect(theirs.locator(".poll-status")).to_have_text("1 of 2 voted")
        expect(theirs.locator(".counts")).to_be_hidden()
    expect(poll.locator(".who")).to_be_hidden()  # not even the moderators see who chose what

    # After a reload Ewa changes her ballot with the same secret: replaced, not refused.
    ewa.page.reload()
    expect(ewa.page.locator("#meeting-view")).to_be_visible()
    ewa_poll = poll_of(ewa, question)
    expect(ewa_poll.locator(".own")).to_contain_text("You have voted.")
    ewa_poll.get_by_label("No", exact=True).check()
    ewa_poll.get_by_role("button", name=f"Change my vote: {question}").click()
    jan_poll = poll_of(jan, question)
    jan_poll.get_by_label("No", exact=True).check()
    jan_poll.get_by_role("button", name=f"Vote: {question}").click()
    expect(poll.locator(".poll-status")).to_have_text("2 of 2 voted")
    assert ewa.page.evaluate(KEPT_SECRETS) == [secret]
    expect(ewa_poll.locator(".ballot-error")).to_be_hidden()
    assert jan.axe("poll-secret-voted") == []

    poll.get_by_role("button", name=f"Close the poll: {question}").click()
    for person in (moderator, ewa, jan):
        theirs = poll_of(person, question)
        expect(theirs.locator(".poll-result")).to_have_text(
            "Result: 2 eligible, 2 voted; quorum met (quorum 2 voters)."
        )
        expect(theirs.locator(".counts")).to_have_text(
            re.compile(r"Yes: 0 \(0 %\)\s*No: 2 \(100 %\)\s*Abstain: 0 \(0 %\)")
        )
    assert moderator.errors == ewa.errors == jan.errors == []
