"""What a moderator's page shows and says, in Polish: every field of the console named apart
(three rooms' names and topics are not three "Nazwa pokoju"), no internal id of a room or a person
anywhere on the page, and their own room's star only a sight, never read out."""

import re

from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import Person, create_meeting

# A form field of an aria snapshot, "- textbox "Nazwa pokoju 1": Zieleń", named or not.
FIELD = re.compile(
    r'^\s*- (textbox|combobox|checkbox|spinbutton|radio|slider)(?: "([^"]*)")?', re.M
)
ROOM_ID = re.compile(r"\broom-\d+\b")


def test_console_fields_are_named_apart_and_no_id_is_shown(serve: Serve, browser: Browser) -> None:
    server = serve(PLENUM_MEDIA="off")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"], "pl-PL").join("Anna Nowak")
    Person.open(browser, created["invite_link"], "pl-PL").join("Ewa Zięba", "Wola")
    page, say = moderator.page, moderator.say
    console = moderator.console()
    for room in ("Zieleń", "Transport", "Budżet"):
        console.get_by_label(say("console.room_name"), exact=True).fill(room)
        console.get_by_role("button", name=say("console.add_room"), exact=True).click()
    expect(console.locator("#room-list > li")).to_have_count(3)
    expect(console.get_by_label(say("console.room_name_of", number="3"))).to_have_value("Budżet")

    fields = FIELD.findall(console.aria_snapshot())
    names = [name for _, name in fields]
    assert len(names) > 20
    assert "" not in names, fields
    assert sorted({name for name in names if names.count(name) > 1}) == []
    assert say("console.topic_of", number="2") in names

    # The people's ids are the values of the chat's recipients; rooms' are "room-<n>".
    ids = page.eval_on_selector_all("#chat-to option", "(os) => os.map((o) => o.value)")
    ids = [value for value in ids if value]
    assert len(ids) == 1
    # Anywhere: the console, the stage and every tab of the side panel, each as it is shown.
    body = page.locator("body")
    shown = body.inner_text() + body.aria_snapshot()
    moderator.console(False)
    for tab in ("chat", "people", "hands", "agenda", "questions", "polls", "notes", "contacts"):
        moderator.panel(tab)
        shown += body.inner_text() + body.aria_snapshot()
    assert ROOM_ID.findall(shown) == []
    assert [value for value in ids if value in shown] == []
    expect(console.locator("#room-list .room-status").first).to_have_text(
        say("console.room_status", number="1", room="Zieleń", n="0", planned="0")
    )

    # The star beside your own room is seen, not heard.
    moderator.panel("people")
    own = page.locator("#people-rooms h3", has_text="★")
    expect(own).to_have_count(1)
    expect(own).to_contain_text(say("rooms.plenary"))
    assert "★" not in page.locator("#people-rooms").aria_snapshot()
