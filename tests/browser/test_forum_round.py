"""The forum as its people see it: a moderator and four participants in five real browsers with
fake cameras, a workshop round from the split to the recall, with screenshots and axe-core."""

from playwright.sync_api import Browser, expect

from .conftest import Serve
from .person import MEDIA_TIMEOUT_MS, Person, create_meeting

TITLE = "Forum Lokalnych Liderów Społecznych"
PEOPLE = (("Ewa", "Sośnica"), ("Jan", "Łabędy"), ("Maria", "Sośnica"), ("Piotr", "Łabędy"))


def assert_accessible(person: Person, view: str) -> None:
    person.screenshot(view)
    assert person.axe(view) == [], f"axe-core on the {view} view"


def test_a_workshop_round_with_five_browsers(serve: Serve, browser: Browser) -> None:
    server = serve()
    created = create_meeting(server, TITLE)
    moderator = Person.open(browser, created["moderator_link"])
    expect(moderator.page.locator("#title")).to_have_text(TITLE)
    expect(moderator.page.locator("#join-role")).to_have_text("You are joining as a moderator.")
    assert_accessible(moderator, "join")
    moderator.join("Anna Nowak")
    people = [
        Person.open(browser, created["invite_link"]).join(name, district)
        for name, district in PEOPLE
    ]
    everyone = [moderator, *people]

    # The plenary: the moderator is on camera for everyone; the participants' cameras wait
    # for the floor or a workshop.
    for person in people:
        person.sees_video_of("Anna Nowak")
    expect(people[0].page.locator("#videos figure.featured figcaption")).to_have_text("Anna Nowak")
    assert_accessible(people[0], "plenary")

    # The split: two rooms, mixed by district, open for 60 s.
    console = moderator.page.locator("#console")
    for room in ("Zieleń i parki", "Komunikacja"):
        console.get_by_label("Room name", exact=True).first.fill(room)
        console.get_by_role("button", name="Add room").click()
    expect(console.locator("#room-list > li")).to_have_count(2)
    console.get_by_label("Mix by").select_option("district")
    console.get_by_role("button", name="Assign mixed").click()
    expect(console.locator("#roster .planned", has_text="Zieleń i parki")).to_have_count(2)
    console.get_by_label("Minutes", exact=True).fill("1")
    console.get_by_role("button", name="Open the rooms").click()

    rooms: dict[str, list[Person]] = {}
    for person in people:
        where = person.page.locator("#where")
        expect(where).to_contain_text("Workshop: ")
        rooms.setdefault(where.inner_text(), []).append(person)
        expect(person.page.locator("#timer")).to_contain_text("Time left: ")
    assert sorted(len(members) for members in rooms.values()) == [2, 2]
    for first, second in rooms.values():
        first.sees_video_of(second.name)
        second.sees_video_of(first.name)
    assert_accessible(people[0], "workshop")
    assert_accessible(moderator, "console")

    # A broadcast reaches every room, shown and announced.
    console.get_by_label("Announcement to every room").fill("Zostały 3 minuty: zbierzcie wnioski.")
    console.get_by_role("button", name="Send to all rooms").click()
    for person in people:
        expect(person.page.locator("#broadcast-text")).to_have_text(
            "Zostały 3 minuty: zbierzcie wnioski."
        )
        expect(person.page.locator("#alert")).to_contain_text("Announcement from Anna Nowak")

    # A call for help; the moderator joins that room and sees it.
    caller = next(iter(rooms.values()))[0]
    caller.page.get_by_role("button", name="Ask for help").click()
    call = console.locator("#help-queue li", has_text=caller.name)
    expect(call).to_be_visible()
    call.get_by_role("button", name="Join this room").click()
    expect(moderator.page.locator("#where")).to_have_text(
        caller.page.locator("#where").inner_text()
    )
    moderator.sees_video_of(caller.name)
    expect(caller.page.get_by_role("button", name="Ask for help")).to_be_visible()

    # Recall: everyone is back in the plenary and sees the presenter.
    console.get_by_role("button", name="Recall everyone to the plenary").click()
    for person in everyone:
        expect(person.page.locator("#where")).to_have_text("Plenary")
        expect(person.page.locator("#timer")).to_be_hidden()
    for person in people:
        expect(person.page.locator("#announce, #alert")).not_to_have_count(0)
        person.sees_video_of("Anna Nowak")
    expect(people[0].page.locator("#videos figure.featured figcaption")).to_have_text(
        "Anna Nowak", timeout=MEDIA_TIMEOUT_MS
    )
    for person in everyone:
        assert person.errors == [], person.name
