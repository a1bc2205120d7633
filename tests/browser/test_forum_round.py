"""The forum as its people see it: a moderator and four participants in five real browsers with
fake cameras, a workshop round from the split to the recall, then a shared screen; once in
English and once in Polish, checking the strings on screen at each step, with screenshots and
axe-core."""

import pytest
from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import MEDIA_TIMEOUT_MS, TIMEOUT_MS, Person, create_meeting

TITLE = "Forum Lokalnych Liderów Społecznych"
# What a gallery's camera is asked for (docs/protocol.md, media_limits), here from two members.
GALLERY_CAMERA_BPS = 500_000
# Whether the page's camera sender now keeps under `bps` (its encoding's maxBitrate; null: none).
CAMERA_LIMIT = """(bps) => window.peers.some((pc) => pc.connectionState !== "closed"
  && pc.getSenders().some((s) => s.track?.kind === "video"
    && (s.getParameters().encodings?.at(-1)?.maxBitrate ?? null) === bps))"""
PEOPLE = (("Ewa", "Sośnica"), ("Jan", "Łabędy"), ("Maria", "Sośnica"), ("Piotr", "Łabędy"))
# A few strings written out, so that the catalogue the test reads is seen to be the right one.
LANGUAGES = {
    "en-GB": ("", "Join the meeting", "Plenary", "Open the rooms"),
    "pl-PL": ("-pl", "Dołącz do spotkania", "Sesja plenarna", "Otwórz pokoje"),
}


def assert_accessible(person: Person, view: str) -> None:
    person.screenshot(view)
    assert person.axe(view) == [], f"axe-core on the {view} view"


@pytest.mark.parametrize("locale", LANGUAGES, ids=["english", "polish"])
def test_a_workshop_round_with_five_browsers(serve: Serve, browser: Browser, locale: str) -> None:
    suffix, join_heading, plenary, open_rooms = LANGUAGES[locale]
    server = serve(PLENUM_GALLERY_FROM="2", PLENUM_GALLERY_CAMERA_BPS=str(GALLERY_CAMERA_BPS))
    created = create_meeting(server, TITLE)
    moderator = Person.open(browser, created["moderator_link"], locale)
    say = moderator.say
    expect(moderator.page.locator("#title")).to_have_text(TITLE)
    expect(moderator.page.locator("#join-heading")).to_have_text(join_heading)
    expect(moderator.page.locator("#join-role")).to_have_text(say("join.as_moderator"))
    assert_accessible(moderator, f"join{suffix}")
    moderator.join("Anna Nowak")
    people = [
        Person.open(browser, created["invite_link"], locale).join(name, district)
        for name, district in PEOPLE
    ]
    everyone = [moderator, *people]

    # The plenary: the moderator is on camera for everyone; the participants' cameras wait
    # for the floor or a workshop.
    for person in people:
        expect(person.page.locator("#where")).to_have_text(plenary)
        person.sees_video_of("Anna Nowak")
    expect(people[0].page.locator("#videos figure.featured figcaption")).to_have_text("Anna Nowak")
    assert_accessible(people[0], f"plenary{suffix}")

    # The split: two rooms, mixed by district, open for 60 s.
    console = moderator.console()
    expect(console.locator("#console-heading")).to_have_text(say("console.heading"))
    for room in ("Zieleń i parki", "Komunikacja"):
        console.get_by_label(say("console.room_name"), exact=True).first.fill(room)
        console.get_by_role("button", name=say("console.add_room")).click()
    expect(console.locator("#room-list > li")).to_have_count(2)
    console.get_by_label(say("console.mix_by")).select_option("district")
    console.get_by_role("button", name=say("console.assign_mixed")).click()
    expect(console.locator("#roster .planned", has_text="Zieleń i parki")).to_have_count(2)
    console.get_by_label(say("console.minutes"), exact=True).fill("1")
    console.get_by_role("button", name=open_rooms).click()

    rooms: dict[str, list[Person]] = {}
    for person in people:
        where = person.page.locator("#where")
        expect(where).to_contain_text(say("workshop.where", room=""))
        rooms.setdefault(where.inner_text(), []).append(person)
        expect(person.page.locator("#timer")).to_contain_text(say("workshop.time_left", left="0:"))
        expect(person.page.locator("#alert")).to_have_text(
            say("announce.you_moved", room=where.inner_text().split(": ", 1)[1])
        )
    assert sorted(len(members) for members in rooms.values()) == [2, 2]

    # One more minute: everyone sees the new end, and more than a minute left.
    console.get_by_label(say("console.extend_minutes"), exact=True).fill("1")
    console.get_by_role("button", name=say("console.extend"), exact=True).click()
    for person in people:
        expect(person.page.locator("#extended")).to_contain_text(
            say("workshop.extended", time="\0").split("\0")[0]
        )
        expect(person.page.locator("#timer")).to_contain_text(say("workshop.time_left", left="1:"))
    for first, second in rooms.values():
        first.sees_video_of(second.name)
        second.sees_video_of(first.name)
    # A room of two is a gallery here (PLENUM_GALLERY_FROM=2): each camera is asked for less.
    for person in people:
        person.page.wait_for_function(CAMERA_LIMIT, arg=GALLERY_CAMERA_BPS, timeout=TIMEOUT_MS)
    assert_accessible(people[0], f"workshop{suffix}")
    assert_accessible(moderator, f"console{suffix}")

    # A broadcast reaches every room, shown and announced.
    console.get_by_label(say("console.broadcast")).fill("Zostały 3 minuty: zbierzcie wnioski.")
    console.get_by_role("button", name=say("console.broadcast_send")).click()
    for person in people:
        expect(person.page.locator("#broadcast-heading")).to_have_text(say("broadcast.heading"))
        expect(person.page.locator("#broadcast-text")).to_have_text(
            "Zostały 3 minuty: zbierzcie wnioski."
        )
        expect(person.page.locator("#alert")).to_have_text(
            say(
                "announce.broadcast", name="Anna Nowak", text="Zostały 3 minuty: zbierzcie wnioski."
            )
        )

    # A call for help; the moderator joins that room and sees it.
    caller = next(iter(rooms.values()))[0]
    caller.page.get_by_role("button", name=say("help.ask")).click()
    expect(caller.page.get_by_role("button", name=say("help.cancel"))).to_be_visible()
    # On top of the moderator's console, as of every view.
    call = moderator.page.locator("#alerts li", has_text=caller.name)
    expect(call).to_be_visible()
    call.get_by_role("button", name=say("console.join_room")).click()
    expect(moderator.page.locator("#where")).to_have_text(
        caller.page.locator("#where").inner_text()
    )
    moderator.console(False)
    moderator.sees_video_of(caller.name)
    moderator.page.wait_for_function(CAMERA_LIMIT, arg=GALLERY_CAMERA_BPS, timeout=TIMEOUT_MS)
    expect(caller.page.get_by_role("button", name=say("help.ask"))).to_be_visible()

    # Recall: everyone is back in the plenary and sees the presenter.
    moderator.console().get_by_role("button", name=say("console.recall")).click()
    for person in everyone:
        expect(person.page.locator("#where")).to_have_text(plenary)
        expect(person.page.locator("#timer")).to_be_hidden()
    for person in people:
        expect(person.page.locator("#alert")).to_have_text(say("announce.you_back"))
        person.sees_video_of("Anna Nowak")
    # Her camera, asked for less while she visited a room, is free again in the plenary.
    moderator.page.wait_for_function(CAMERA_LIMIT, arg=None, timeout=TIMEOUT_MS)
    expect(people[0].page.locator("#videos figure.featured figcaption")).to_have_text(
        "Anna Nowak", timeout=MEDIA_TIMEOUT_MS
    )

    # The moderator shares a screen: everyone sees it large, named as a screen.
    assert people[0].page.get_by_role("button", name=say("controls.share_screen")).is_hidden()
    moderator.page.get_by_role("button", name=say("controls.share_screen")).click()
    expect(moderator.page.locator("#videos figure.own.screen figcaption")).to_have_text(
        say("media.own_screen")
    )
    screen = say("media.screen_of", name="Anna Nowak")
    for person in people:
        person.sees_video_of(screen)
        featured = person.page.locator("#videos figure.featured")
        expect(featured.locator("figcaption")).to_have_text(screen)
        expect(featured.locator("video")).to_have_attribute("aria-label", screen)
    assert_accessible(people[0], f"plenary-screen{suffix}")
    moderator.page.get_by_role("button", name=say("controls.stop_sharing")).click()
    for person in people:
        expect(person.page.locator("#videos figure.screen")).to_have_count(
            0, timeout=MEDIA_TIMEOUT_MS
        )
        expect(person.page.locator("#videos figure.featured figcaption")).to_have_text("Anna Nowak")
    for person in everyone:
        assert person.errors == [], person.name
