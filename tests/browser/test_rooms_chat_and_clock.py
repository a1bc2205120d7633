"""Moving into a workshop room and its clock, as the people in it see them: the chat's "To" follows
the person into their room, and a short round warns near its end, not from its start."""

import re

from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import Person, create_meeting

NO_MEDIA = {"PLENUM_MEDIA": "off"}


def open_rooms(moderator: Person, plan: dict[str, str], minutes: int) -> None:
    """The moderator makes one room per name in `plan`'s values, moves people there, opens them."""
    console = moderator.console()
    for made, room in enumerate(dict.fromkeys(plan.values()), start=1):
        console.get_by_label("Room name", exact=True).first.fill(room)
        console.get_by_role("button", name="Add room").click()
        expect(console.locator("#room-list > li")).to_have_count(made)
    for name, room in plan.items():
        row = console.locator("#roster tr", has_text=name)
        row.get_by_label(f"Room for {name}").select_option(label=room)
        row.get_by_role("button", name=f"Move {name}", exact=True).click()
        expect(row.locator(".planned")).to_have_text(room)
    console.get_by_label("Minutes", exact=True).fill(str(minutes))
    console.get_by_role("button", name="Open the rooms").click()


def test_a_move_into_a_room_addresses_the_chat_to_that_room(
    serve: Serve, browser: Browser
) -> None:
    server = serve(**NO_MEDIA)
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    ewa, jan, maria = (
        Person.open(browser, created["invite_link"]).join(name) for name in ("Ewa", "Jan", "Maria")
    )

    # In the plenary Ewa writes privately to Jan.
    to = ewa.page.get_by_label("To", exact=True)
    to.select_option(label="Only Jan (private)")
    ewa.page.locator("#chat-text").fill("Do zobaczenia po warsztatach.")
    ewa.page.locator("#chat-text").press("Enter")
    expect(jan.page.locator("#chat-log li.private .text")).to_have_text(
        "Do zobaczenia po warsztatach."
    )

    # Jan looks at the speakers' list, which is the plenary's.
    jan.panel("hands")

    # Ewa and Maria go to Zieleń, Jan to Transport: what Ewa types there goes to her room.
    open_rooms(moderator, {"Ewa": "Zieleń", "Maria": "Zieleń", "Jan": "Transport"}, minutes=5)
    expect(ewa.page.locator("#where")).to_have_text("Workshop: Zieleń")
    # In his room the speakers' tab is gone and his panel is back on the chat; a moderator,
    # who runs the list from anywhere, keeps it.
    expect(jan.page.locator("#tab-hands")).to_be_hidden()
    expect(jan.page.locator("#tab-chat")).to_have_attribute("aria-selected", "true")
    expect(jan.page.locator("#hands")).to_be_hidden()
    expect(moderator.page.locator("#tab-hands")).to_be_visible()
    expect(to.locator("option:checked")).to_have_text("Everyone in Zieleń")
    ewa.page.locator("#chat-text").fill("Proponuję więcej ławek w parku.")
    ewa.page.locator("#chat-text").press("Enter")
    said = maria.page.locator("#chat-log li", has_text="Proponuję więcej ławek w parku.")
    expect(said).to_have_count(1)
    expect(said).not_to_have_class(re.compile("private"))
    # Jan's page has the message after Ewa's own page does, if ever: wait for hers first.
    expect(ewa.page.locator("#chat-log li", has_text="Proponuję więcej")).to_have_count(1)
    expect(jan.page.locator("#chat-log li", has_text="Proponuję więcej")).to_have_count(0)

    # A recipient chosen in the room stays chosen while she is there.
    to.select_option(label="Only Maria (private)")
    moderator.page.locator("#console").get_by_role("button", name="Extend", exact=True).click()
    expect(ewa.page.locator("#extended")).to_be_visible()
    expect(to.locator("option:checked")).to_have_text("Only Maria (private)")
    for person in (moderator, ewa, jan, maria):
        assert person.errors == [], person.name


def test_a_one_minute_round_warns_in_its_last_quarter(serve: Serve, browser: Browser) -> None:
    server = serve(PLENUM_WARNING_S="60", **NO_MEDIA)
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa")
    open_rooms(moderator, {"Ewa": "Zieleń"}, minutes=1)

    timer = ewa.page.locator("#timer")
    expect(ewa.page.locator("#where")).to_have_text("Workshop: Zieleń")
    expect(timer).to_contain_text("Time left: 0:5")
    expect(timer).not_to_contain_text("Ending soon")
    # The warning comes (said aloud too) with at most a quarter of the minute left.
    expect(ewa.page.locator("#alert")).to_contain_text("The workshops end soon", timeout=70_000)
    left = re.search(r"(\d+):(\d\d) left", ewa.page.locator("#alert").inner_text())
    assert left is not None
    assert int(left[1]) * 60 + int(left[2]) <= 15
    expect(timer).to_contain_text("Ending soon")
    expect(timer).to_have_class(re.compile("warning"))
    assert moderator.errors == ewa.errors == []
