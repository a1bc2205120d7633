"""Questions to the panel as the forum sees them: one asked anonymously and one openly, upvoted
by others and listed by votes, marked being answered (highlighted for all), answered and owed,
one dismissed (its author is told), one withdrawn; and a question over the meeting's limit of
open questions refused with the reason, its text kept. In English and in Polish, with axe-core
and a screenshot."""

import re

import pytest
from playwright.sync_api import Browser, Locator, expect

from .conftest import Serve
from .person import Person, create_meeting
from .test_rooms_chat_and_clock import open_rooms

LOCALES = {"en-GB": "", "pl-PL": "-pl"}
PARK = "Kto zapłaci za nowy park?"
STOP = "Kiedy będzie przystanek przy szkole?"
BENCHES = "Czy będą ławki przy rondzie?"


def ask(person: Person, text: str, anonymous: bool = False) -> None:
    page = person.panel("questions")
    page.get_by_label(person.say("questions.text")).fill(text)
    page.get_by_label(person.say("questions.ask_anonymously")).set_checked(anonymous)
    page.get_by_role("button", name=person.say("questions.ask")).click()


def question(person: Person, text: str) -> Locator:
    return person.page.locator("#questions li", has=person.page.locator(".q-text", has_text=text))


@pytest.mark.parametrize("locale", LOCALES, ids=["english", "polish"])
def test_questions_asked_upvoted_and_answered(serve: Serve, browser: Browser, locale: str) -> None:
    server = serve(PLENUM_MEDIA="off", PLENUM_MAX_OPEN_QUESTIONS="1")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"], locale).join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"], locale).join("Ewa", "Sośnica")
    jan = Person.open(browser, created["invite_link"], locale).join("Jan", "Łabędy")
    say = moderator.say
    open_list = {p.name: p.page.locator("#question-list .q-text") for p in (moderator, ewa, jan)}

    # Ewa asks anonymously: the others see no name, the moderators see hers.
    ask(ewa, PARK, anonymous=True)
    expect(ewa.page.locator("#question-text")).to_have_value("")
    expect(moderator.page.locator("#announce")).to_have_text(
        say("announce.question_asked", text=PARK)
    )
    expect(question(jan, PARK).locator(".q-who")).to_have_text(say("questions.anonymous"))
    expect(question(moderator, PARK).locator(".q-who")).to_have_text(
        say("questions.anonymous_by", name="Ewa")
    )
    expect(question(ewa, PARK).locator(".q-who")).to_have_text(say("questions.by_you_anonymous"))
    ask(jan, STOP)
    expect(question(ewa, STOP).locator(".q-who .name")).to_have_text("Jan")
    for listed in open_list.values():
        expect(listed).to_have_text([PARK, STOP])  # no votes yet: in the order asked

    # Upvotes order the list; an author cannot upvote their own question; a vote is taken back.
    expect(question(ewa, PARK).get_by_role("button")).to_have_text([say("questions.withdraw")])
    ewa.panel("questions").get_by_role("button", name=say("questions.upvote_named", n="2")).click()
    for listed in open_list.values():
        expect(listed).to_have_text([STOP, PARK])
    expect(question(jan, STOP).locator(".q-votes")).to_have_text(say("questions.votes_one", n="1"))
    jan.panel("questions").get_by_role("button", name=say("questions.upvote_named", n="1")).click()
    moderator.panel("questions").get_by_role(
        "button", name=say("questions.upvote_named", n="1")
    ).click()
    for listed in open_list.values():
        expect(listed).to_have_text([PARK, STOP])
    votes = question(jan, PARK).locator(".q-votes")
    expect(votes).to_have_text(re.compile(r"^2 "))
    jan.panel("questions").get_by_role("button", name=say("questions.unvote_named", n="1")).click()
    expect(votes).to_have_text(say("questions.votes_one", n="1"))
    for listed in open_list.values():
        expect(listed).to_have_text([PARK, STOP])  # a tie: the one asked first

    # Being answered: highlighted for everyone, and said.
    moderator.panel("questions").get_by_role(
        "button", name=say("questions.mark_answering_named", n="1")
    ).click()
    for person in (moderator, ewa, jan):
        expect(question(person, PARK)).to_have_class(re.compile(r"\banswering\b"))
        expect(question(person, PARK).locator(".q-status")).to_contain_text(
            say("questions.status_answering")
        )
        expect(person.page.locator("#announce")).to_have_text(
            say("announce.question_answering", text=PARK)
        )
    jan.screenshot(f"questions{LOCALES[locale]}")
    for person in (moderator, ewa, jan):
        assert person.axe(f"questions{LOCALES[locale]}") == [], person.name

    # Over the limit of one open question each: refused, with the reason, the text kept.
    ask(jan, BENCHES)
    expect(jan.page.locator("#question-error")).to_have_text(say("questions.refused_yours", n="1"))
    expect(jan.page.locator("#question-text")).to_have_value(BENCHES)

    # Answered, and owed in writing: both leave the open list; their authors are told.
    moderator.panel("questions").get_by_role(
        "button", name=say("questions.mark_answered_named", n="1")
    ).click()
    expect(ewa.page.locator("#announce")).to_have_text(
        say("announce.question_answered_yours", text=PARK)
    )
    moderator.panel("questions").get_by_role(
        "button", name=say("questions.mark_owed_named", n="2")
    ).click()
    expect(jan.page.locator("#announce")).to_have_text(
        say("announce.question_owed_yours", text=STOP)
    )
    closed = ewa.page.locator("#question-closed-list li")
    expect(closed.locator(".q-status")).to_have_text(
        [" · " + say("questions.status_answered"), " · " + say("questions.status_owed")]
    )
    expect(ewa.page.locator("#questions-empty")).to_be_visible()

    # Jan asks again, now that his question is closed; it is dismissed, and he alone is told.
    jan.panel("questions").get_by_role("button", name=say("questions.ask")).click()
    expect(question(moderator, BENCHES)).to_be_visible()
    expect(jan.page.locator("#question-error")).to_be_hidden()
    moderator.panel("questions").get_by_role(
        "button", name=say("questions.mark_dismissed_named", n="3")
    ).click()
    expect(jan.page.locator("#announce")).to_have_text(
        say("announce.question_dismissed_yours", text=BENCHES)
    )
    expect(question(jan, BENCHES).locator(".q-status")).to_contain_text(
        say("questions.status_dismissed")
    )
    expect(closed).to_have_count(2)  # Ewa is not shown someone else's dismissed question

    # Ewa withdraws a question of hers: gone for everyone.
    ask(ewa, "Czy park będzie oświetlony?")
    expect(question(jan, "Czy park będzie oświetlony?")).to_be_visible()
    ewa.panel("questions").get_by_role(
        "button", name=say("questions.withdraw_named", n="4")
    ).click()
    expect(question(jan, "Czy park będzie oświetlony?")).to_have_count(0)
    expect(question(moderator, "Czy park będzie oświetlony?")).to_have_count(0)
    for person in (moderator, ewa, jan):
        assert person.errors == [], person.name


def test_a_question_from_a_workshop_room_says_which_room(serve: Serve, browser: Browser) -> None:
    server = serve(PLENUM_MEDIA="off")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", "Sośnica")
    jan = Person.open(browser, created["invite_link"]).join("Jan", "Łabędy")
    moderator.console()
    open_rooms(moderator, {"Ewa": "Zieleń"}, minutes=5)
    expect(ewa.page.locator("#where")).to_have_text("Workshop: Zieleń")
    expect(ewa.page.locator("#question-hint")).to_contain_text(
        ewa.say("questions.from_room_hint", room="Zieleń")
    )
    ask(ewa, PARK)
    for person in (moderator, ewa, jan):
        expect(question(person, PARK).locator(".q-where")).to_have_text(" · from Zieleń")
    expect(question(jan, PARK).locator(".q-who .name")).to_have_text("Ewa")
    for person in (moderator, ewa, jan):
        assert person.errors == [], person.name
