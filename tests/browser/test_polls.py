"""Polls in the browser: a moderator creates and opens a poll, people vote and change their vote,
everyone follows the tally, and the result with its quorum reaches everyone; a refusal shows the
server's reason in the form. A secret poll: test_polls_secret.py."""

import re

from playwright.sync_api import Browser, Locator, expect

from tests.harness.processes import ServerProcess

from .person import Person, create_meeting
from .test_rooms_chat_and_clock import open_rooms


def poll_of(person: Person, question: str) -> Locator:
    """The poll asked `question`, as `person` sees it in the side panel's polls tab."""
    polls = person.panel("polls")
    heading = person.page.get_by_role("heading", name=question)
    return polls.locator("#poll-list > li", has=heading)


def create_poll(
    moderator: Person,
    question: str,
    options: list[str] | None = None,
    *,
    kind: str = "One option",
    secret: bool = False,
    quorum_share: int | None = None,
    quorum_count: int | None = None,
) -> None:
    form = moderator.panel("polls").locator("#poll-form")
    form.get_by_label("Question", exact=True).fill(question)
    form.get_by_label(kind, exact=True).check()
    if options is not None:
        form.get_by_label("Options, one a line").fill("\n".join(options))
    if secret:
        form.get_by_label("Secret: nobody sees who chose what").check()
    if quorum_share is not None:
        form.get_by_label("Quorum", exact=True).select_option("share")
        form.get_by_label("Quorum: % or number").fill(str(quorum_share))
    if quorum_count is not None:
        form.get_by_label("Quorum", exact=True).select_option("count")
        form.get_by_label("Quorum: % or number").fill(str(quorum_count))
    form.get_by_role("button", name="Create the poll").click()


def test_a_named_live_poll_from_creation_to_result(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", camera=False)
    jan = Person.open(browser, created["invite_link"]).join("Jan", camera=False)
    question = "Which square gets the new trees?"

    create_poll(moderator, question, ["Rynek", "Plac Wolności", "Skwer"], quorum_share=60)
    poll = poll_of(moderator, question)
    expect(poll.locator(".poll-meta")).to_contain_text("Draft")
    expect(poll.locator(".poll-meta")).to_contain_text("quorum 60 % of the eligible")
    # A draft is the moderators' alone.
    expect(ewa.panel("polls").locator("#polls-empty")).to_be_visible()
    poll.get_by_role("button", name=f"Open the poll: {question}").click()

    for person in (ewa, jan):
        theirs = poll_of(person, question)
        expect(theirs.locator(".poll-status")).to_have_text("0 of 2 voted")
        expect(person.page.locator("#announce")).to_have_text(
            f"Poll opened, you may vote: {question}"
        )
    # The moderator does not vote in this poll (voters: participants only) and is told so by
    # having no ballot.
    expect(poll.locator(".ballot")).to_be_hidden()

    ewa_poll = poll_of(ewa, question)
    ewa_poll.get_by_label("Rynek").check()
    ewa_poll.get_by_role("button", name=f"Vote: {question}").click()
    expect(ewa_poll.locator(".own")).to_have_text("Your ballot: Rynek")
    jan_poll = poll_of(jan, question)
    jan_poll.get_by_label("Skwer").check()
    jan_poll.get_by_role("button", name=f"Vote: {question}").click()
    expect(jan_poll.locator(".own")).to_have_text("Your ballot: Skwer")
    # Jan changes his mind: the same ballot, changed.
    jan_poll.get_by_label("Rynek").check()
    jan_poll.get_by_role("button", name=f"Change my vote: {question}").click()
    expect(jan_poll.locator(".own")).to_have_text("Your ballot: Rynek")
    # A reload comes back with the ballot and the tally as they are (the welcome's snapshot).
    jan.page.reload()
    expect(jan.page.locator("#meeting-view")).to_be_visible()
    jan_poll = poll_of(jan, question)
    expect(jan_poll.locator(".own")).to_have_text("Your ballot: Rynek")
    expect(jan_poll.get_by_label("Rynek")).to_be_checked()

    for person in (moderator, ewa, jan):
        theirs = poll_of(person, question)
        expect(theirs.locator(".poll-status")).to_have_text("2 of 2 voted")
        expect(theirs.locator(".counts")).to_have_text(
            re.compile(r"Rynek: 2 \(100 %\)\s*Plac Wolności: 0 \(0 %\)\s*Skwer: 0 \(0 %\)")
        )
    # Who chose what reaches the moderators, not the others.
    poll.locator(".who summary").click()
    expect(poll.locator(".who-list")).to_have_text(
        re.compile(r"Ewa: Rynek\s*Jan: Rynek|Jan: Rynek\s*Ewa: Rynek")
    )
    expect(ewa_poll.locator(".who")).to_be_hidden()
    assert moderator.axe("poll-open") == []

    poll.get_by_role("button", name=f"Close the poll: {question}").click()
    for person in (moderator, ewa, jan):
        theirs = poll_of(person, question)
        expect(theirs.locator(".poll-result")).to_have_text(
            "Result: 2 eligible, 2 voted; quorum met (quorum 60 % of the eligible)."
        )
        expect(theirs.locator(".counts")).to_contain_text("Rynek: 2 (100 %)")
        expect(person.page.locator("#announce")).to_contain_text(
            f"Poll result: {question}. 2 of 2 voted"
        )
    expect(ewa_poll.locator(".ballot input").first).to_be_disabled()
    assert ewa.axe("poll-result") == []
    ewa.screenshot("poll-result")
    assert moderator.errors == ewa.errors == jan.errors == []


def test_a_refused_poll_says_why_in_the_form_and_keeps_what_was_typed(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    too_long = "Czy " + "bardzo " * 50 + "długie pytanie?"
    create_poll(moderator, too_long, ["Tak", "Nie"])
    error = moderator.page.locator("#poll-error")
    expect(error).to_have_text("Not accepted: question: longer than 300 characters")
    expect(error).to_have_attribute("role", "alert")
    expect(moderator.page.get_by_label("Question", exact=True)).to_have_value(too_long)
    expect(moderator.page.locator("#polls-empty")).to_be_visible()
    assert moderator.axe("poll-refused") == []
    assert moderator.errors == []


def test_a_poll_in_polish_by_keyboard_in_high_contrast_at_200_percent(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"], "pl-PL").join(
        "Anna Nowak", camera=False
    )
    ewa = Person.open(browser, created["invite_link"], "pl-PL").join("Ewa", camera=False)
    question = "Czy zamykamy ulicę Zwycięstwa dla samochodów w niedziele?"
    form = moderator.panel("polls").locator("#poll-form")
    form.get_by_label("Pytanie", exact=True).fill(question)
    form.get_by_label("Za / przeciw / wstrzymuję się").check()
    form.get_by_role("button", name="Utwórz głosowanie").click()
    moderator.tab_to(moderator.page.get_by_role("button", name=f"Otwórz głosowanie: {question}"))
    moderator.page.keyboard.press("Enter")

    expect(ewa.page.locator("#announce")).to_have_text(
        f"Otwarto głosowanie, możesz głosować: {question}"
    )
    ewa_poll = poll_of(ewa, question)
    ewa.tab_to(ewa_poll.get_by_label("Za", exact=True))
    ewa.page.keyboard.press("Space")
    ewa.tab_to(ewa_poll.get_by_role("button", name=f"Głosuj: {question}"))
    ewa.page.keyboard.press("Enter")
    expect(ewa_poll.locator(".own")).to_have_text("Twój głos: Za")
    expect(poll_of(moderator, question).locator(".counts")).to_contain_text("Za: 1 (100 %)")

    moderator.tab_to(moderator.page.get_by_role("button", name=f"Zamknij głosowanie: {question}"))
    moderator.page.keyboard.press("Enter")
    expect(ewa_poll.locator(".poll-result")).to_have_text(
        "Wynik: uprawnione osoby 1, oddane głosy 1; bez kworum."
    )
    expect(ewa.page.locator("#announce")).to_have_text(
        f"Wynik głosowania: {question}. Oddane głosy: 1 z 1. Za 1, Przeciw 0, Wstrzymuję się 0."
    )
    page = ewa.page
    page.get_by_role("button", name="Wysoki kontrast").click()
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert ewa.axe("poll result, pl, 200 %, high contrast") == []
    ewa.screenshot("poll-result-pl-200-percent-high-contrast")
    assert moderator.errors == ewa.errors == []


def test_a_room_runs_its_own_poll_for_its_members(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", camera=False)
    jan = Person.open(browser, created["invite_link"]).join("Jan", camera=False)
    moderator.console()
    open_rooms(moderator, {"Ewa": "Zieleń", "Jan": "Transport"}, minutes=10)
    expect(ewa.page.locator("#where")).to_have_text("Workshop: Zieleń")
    moderator.page.get_by_role("button", name="Visit Zieleń").click()
    expect(moderator.page.locator("#where")).to_have_text("Workshop: Zieleń")

    question = "Which park first?"
    moderator.panel("polls").get_by_label("For", exact=True).select_option(label="room Zieleń")
    create_poll(moderator, question, ["Park Chrobrego", "Park Miejski"])
    poll = poll_of(moderator, question)
    expect(poll.locator(".poll-meta")).to_contain_text("room Zieleń")
    poll.get_by_role("button", name=f"Open the poll: {question}").click()

    ewa_poll = poll_of(ewa, question)
    expect(ewa_poll.locator(".poll-status")).to_have_text("0 of 1 voted")
    ewa_poll.get_by_label("Park Miejski").check()
    ewa_poll.get_by_role("button", name=f"Vote: {question}").click()
    expect(poll.locator(".poll-status")).to_have_text("1 of 1 voted")
    # Jan, in another room, neither votes in it nor sees it.
    expect(jan.panel("polls").locator("#polls-empty")).to_be_visible()
    expect(jan.page.locator("#poll-list > li")).to_have_count(0)
    poll.get_by_role("button", name=f"Close the poll: {question}").click()
    expect(ewa_poll.locator(".poll-result")).to_have_text(
        "Result: 1 eligible, 1 voted; no quorum set."
    )
    assert moderator.errors == ewa.errors == jan.errors == []
