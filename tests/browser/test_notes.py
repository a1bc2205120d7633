"""Workshop notes as a room writes them: Ewa volunteers as rapporteur (by keyboard), the moderator
lets every member write, Ewa writes and Jan, in the same room, sees it live; Maria, in another
room, is sent none of it. Jan's edit is held up on the network while Ewa saves hers: his is
refused as stale, both texts stay on his page, and he merges them by hand. After the rooms close,
Maria reads the notes in the plenary. axe-core checks each view."""

import re
from typing import Any

import msgpack
from playwright.sync_api import Browser, WebSocketRoute, expect

from .conftest import Serve
from .person import CATALOGUES, Person, create_meeting
from .test_rooms_chat_and_clock import open_rooms

EWA = "# Zieleń\n- więcej drzew przy szkole\n- ławki w parku"
EWA_MORE = EWA + "\n- ścieżka rowerowa"
JAN = "Dodać: oświetlenie alejek"
MERGED = EWA_MORE + "\n- oświetlenie alejek"


class HeldEdits:
    """Jan's socket through a proxy that holds his `edit_notes` until released: a slow network,
    so that Ewa's edit lands first."""

    def __init__(self) -> None:
        self.holding = True
        self.held: list[bytes | str] = []
        self.server: WebSocketRoute | None = None

    def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        self.server = server

        def from_page(message: bytes | str) -> None:
            if self.holding and _type(message) == "edit_notes":
                self.held.append(message)
            else:
                server.send(message)

        ws.on_message(from_page)

    def hold(self) -> None:
        self.holding = True

    def release(self) -> None:
        assert self.server is not None and self.held, "nothing was held"
        self.holding = False
        for message in self.held:
            self.server.send(message)
        self.held.clear()


def _type(message: bytes | str) -> Any:
    return msgpack.unpackb(message).get("type") if isinstance(message, bytes) else None


def test_a_room_writes_its_notes_and_the_plenary_reads_them(serve: Serve, browser: Browser) -> None:
    server = serve(PLENUM_MEDIA="off")
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa")
    network = HeldEdits()
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route_web_socket(re.compile(r"/ws$"), network.route)
    jan = Person._at(page, created["invite_link"], "").join("Jan")
    maria = Person.open(browser, created["invite_link"]).join("Maria")
    say = moderator.say
    moderator.console()
    open_rooms(moderator, {"Ewa": "Zieleń", "Jan": "Zieleń", "Maria": "Szkoły"}, 30)

    # Ewa volunteers, by keyboard; the room and the console show her as rapporteur.
    volunteer = ewa.panel("notes").get_by_role("button", name=say("notes.volunteer"))
    ewa.tab_to(volunteer)
    ewa.page.keyboard.press("Enter")
    for person in (ewa, jan):
        expect(person.page.locator("#room-notes-rapporteur")).to_have_text(
            f"{say('notes.rapporteur')} Ewa"
        )
    expect(jan.page.locator("#announce")).to_have_text(say("announce.rapporteur", name="Ewa"))
    console = moderator.page.locator("#notes-console li", has_text="Zieleń")
    expect(console.locator(".notes-rapporteur")).to_have_text(f"{say('notes.rapporteur')} Ewa")
    jan.panel("notes")
    expect(jan.page.get_by_label(say("notes.edit"))).to_be_hidden()  # the rapporteur's, so far
    console.get_by_label(say("notes.members_edit", room="Zieleń")).check()
    expect(jan.page.get_by_label(say("notes.edit"))).to_be_visible()

    # Ewa writes; saved after a pause, and Jan sees it live, as headings and a list.
    ewa.page.get_by_label(say("notes.edit")).fill(EWA)
    expect(ewa.page.locator("#notes-status")).to_have_text(say("notes.saved"))
    shown = jan.page.locator("#room-notes-text")
    expect(shown.get_by_role("heading", name="Zieleń")).to_be_visible()
    items = ["więcej drzew przy szkole", "ławki w parku"]
    expect(shown.get_by_role("listitem")).to_have_text(items)
    expect(jan.page.get_by_label(say("notes.edit"))).to_have_value(EWA)
    # Maria, in another room, has her own room's notes and nothing of Zieleń's.
    expect(maria.page.locator("#room-notes-heading")).to_have_text(
        say("notes.heading_room", room="Szkoły")
    )
    expect(maria.page.get_by_text("więcej drzew przy szkole")).to_have_count(0)

    # Jan writes on the version he has, but his edit is slow to leave; Ewa's lands first.
    jan_editor = jan.page.get_by_label(say("notes.edit"))
    jan_editor.fill(JAN)
    expect(jan.page.locator("#notes-status")).to_have_text(say("notes.saving"))
    ewa.page.get_by_label(say("notes.edit")).fill(EWA_MORE)
    expect(shown.get_by_role("listitem").last).to_have_text("ścieżka rowerowa")
    expect(jan_editor).to_have_value(JAN)
    network.release()
    # Refused as stale: his text stays where it was, hers beside it.
    conflict = jan.page.locator("#notes-conflict")
    expect(conflict).to_be_visible()
    expect(jan.page.locator("#notes-status")).to_have_text(say("notes.conflict_status"))
    expect(jan_editor).to_have_value(JAN)
    expect(conflict.get_by_label(say("notes.theirs"))).to_have_value(EWA_MORE)
    jan.screenshot("notes-conflict")
    assert jan.axe("notes-conflict") == []

    # He merges by hand and keeps his text: everyone in the room has the merge.
    jan_editor.fill(MERGED)
    conflict.get_by_role("button", name=say("notes.use_mine")).click()
    expect(conflict).to_be_hidden()
    expect(jan.page.locator("#notes-status")).to_have_text(say("notes.saved"))
    expect(ewa.page.get_by_label(say("notes.edit"))).to_have_value(MERGED)
    expect(ewa.page.locator("#room-notes-text li").last).to_have_text("oświetlenie alejek")
    assert moderator.axe("notes-console") == []

    # Jan types more, slow to leave again, and the rooms close before it is saved: a member
    # no longer edits from the plenary, and his text stays in view to copy.
    network.hold()
    jan_editor.fill(MERGED + "\n- kosze na śmieci")
    expect(jan.page.locator("#notes-status")).to_have_text(say("notes.saving"))
    # The rooms close: Maria, who was in another room, reads Zieleń's notes in the plenary.
    moderator.page.get_by_role("button", name="Recall everyone to the plenary").click()
    expect(jan.page.locator("#where")).to_have_text(say("rooms.plenary"))
    network.release()
    leftover = jan.page.locator("#notes-leftover")
    expect(leftover.get_by_role("status")).to_have_text(
        say("notes.not_saved", why=say("error.not_allowed"))
    )
    expect(leftover.get_by_label(say("notes.leftover_text"))).to_have_value(
        MERGED + "\n- kosze na śmieci"
    )
    assert jan.axe("notes-leftover") == []
    panel = maria.panel("notes").locator("#workshop-notes")
    expect(panel).to_be_visible()
    zielen = panel.locator("li.notes-room", has_text="Zieleń")
    expect(zielen.get_by_role("heading", name="Zieleń").first).to_be_visible()
    expect(zielen.locator(".notes-text li")).to_have_text(
        ["więcej drzew przy szkole", "ławki w parku", "ścieżka rowerowa", "oświetlenie alejek"]
    )
    expect(zielen.locator(".notes-rapporteur")).to_have_text(f"{say('notes.rapporteur')} Ewa")
    maria.screenshot("notes-plenary")
    assert maria.axe("notes-plenary") == []
    # In Polish: the same panel in Maria's words.
    maria.page.get_by_label("Language").select_option("pl")
    polish = CATALOGUES["pl"]
    expect(panel.get_by_role("heading", level=2)).to_have_text(polish["notes.heading_all"])
    expect(zielen.locator(".notes-rapporteur")).to_have_text(f"{polish['notes.rapporteur']} Ewa")
    maria.screenshot("notes-plenary-pl")
    assert maria.axe("notes-plenary-pl") == []
    for person in (moderator, ewa, jan, maria):
        assert person.errors == [], person.name
