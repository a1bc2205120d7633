"""The moderator's console beyond the split: moving people by dragging, letting them choose their
room, and asking to mute or muting, as the person concerned sees it. On a server without media,
whose join page never asks for a camera or microphone."""

from playwright.sync_api import Browser, Locator, expect

from tests.harness.processes import ServerProcess

from .person import Person, create_meeting


def test_dragging_choosing_and_muting(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"])
    expect(moderator.page.locator("#join-name")).to_be_visible()
    expect(moderator.page.locator("#join-devices")).to_be_hidden()
    moderator.join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa")
    jan = Person.open(browser, created["invite_link"]).join("Jan")
    everyone = (moderator, ewa, jan)
    assert [person.media_asks for person in everyone] == [0, 0, 0]

    page = moderator.page
    console = moderator.console()
    for room in ("Zieleń", "Transport"):
        console.get_by_label("Room name", exact=True).first.fill(room)
        console.get_by_role("button", name="Add room").click()
    expect(console.locator("#board .drop")).to_have_count(3)

    def zone(room: str) -> Locator:
        return console.locator("#board .drop", has=page.locator("h4", has_text=f"{room} ("))

    def chip(name: str) -> Locator:
        return console.locator("#board .chip", has_text=name)

    # Dragged by mouse before the rooms open: a plan, as the select and Move would make it.
    chip("Ewa").drag_to(zone("Zieleń"))
    expect(console.locator("#roster tr", has_text="Ewa").locator(".planned")).to_have_text("Zieleń")
    expect(zone("Zieleń").locator(".chip")).to_have_text(["Ewa"])

    # Letting people choose: Jan picks his room himself.
    console.get_by_label("Let people choose their room").check()
    jan.page.get_by_label("Choose your room").select_option(label="Transport")
    jan.page.get_by_role("button", name="Go to this room").click()
    expect(console.locator("#roster tr", has_text="Jan").locator(".planned")).to_have_text(
        "Transport"
    )
    expect(zone("Transport").locator(".chip")).to_have_text(["Jan"])
    expect(ewa.page.get_by_label("Choose your room")).to_be_visible()

    console.get_by_label("Minutes", exact=True).fill("1")
    console.get_by_role("button", name="Open the rooms").click()
    expect(ewa.page.locator("#where")).to_have_text("Workshop: Zieleń")
    expect(jan.page.locator("#where")).to_have_text("Workshop: Transport")

    # Asking to mute, then muting: said on the page of the person concerned.
    row = console.locator("#roster tr", has_text="Ewa")
    row.get_by_role("button", name="Ask to mute: Ewa").click()
    expect(ewa.page.locator("#mute-notice")).to_have_text(
        "A moderator asks you to mute your microphone."
    )
    expect(ewa.page.locator("#alert")).to_have_text("A moderator asks you to mute your microphone.")
    row.get_by_role("button", name="Mute the microphone of Ewa").click()
    expect(ewa.page.locator("#mute-notice")).to_have_text(
        "A moderator muted your microphone: others cannot hear you until it is lifted."
    )
    expect(ewa.page.locator("#alert")).to_have_text("A moderator muted your microphone.")
    expect(row.locator(".role")).to_contain_text("muted by a moderator")
    row.get_by_role("button", name="Unmute Ewa").click()
    expect(ewa.page.locator("#announce")).to_have_text(
        "A moderator lets your microphone be heard again."
    )
    expect(ewa.page.locator("#mute-notice")).to_be_hidden()

    # Dragged while the rooms are open: a move at once.
    chip("Jan").drag_to(zone("Plenary"))
    expect(jan.page.locator("#where")).to_have_text("Plenary")
    expect(jan.page.locator("#alert")).to_have_text("You are back in the plenary.")
    moderator.screenshot("console-board")
    for person in everyone:
        assert person.errors == [], person.name


def test_mixing_by_district_and_organisation_leaves_the_mayor_and_the_absent_in_the_plenary(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"], "pl-PL").join("Anna Nowak")
    say = moderator.say
    mayor = Person.open(browser, created["invite_link"], "pl-PL")
    mayor.join("Burmistrz", "Centrum", organisation="Urząd Miasta")
    residents = {
        "Ewa": ("Łabędy", "Rada Seniorów"),
        "Jan": ("Łabędy", "Szkoła nr 3"),
        "Ola": ("Sośnica", "Rada Seniorów"),
        "Piotr": ("Sośnica", "Szkoła nr 3"),
    }
    people = [
        Person.open(browser, created["invite_link"], "pl-PL").join(
            name, district, organisation=organisation
        )
        for name, (district, organisation) in residents.items()
    ]
    away = Person.open(browser, created["invite_link"], "pl-PL")
    away.join("Marek", "Łabędy", organisation="Rada Seniorów")
    away.page.close()

    console = moderator.console()
    expect(console.locator("#roster tr", has_text="Marek")).to_contain_text(say("people.offline"))
    mayor_row = console.locator("#roster tr", has_text="Burmistrz")
    mayor_row.locator(".role-to").select_option("presenter")
    mayor_row.get_by_role("button", name=say("console.set_role_named", name="Burmistrz")).click()
    expect(mayor_row.locator(".role")).to_contain_text(say("role.presenter"))
    for room in ("Zieleń", "Transport"):
        console.get_by_label(say("console.room_name"), exact=True).first.fill(room)
        console.get_by_role("button", name=say("console.add_room")).click()
    expect(console.locator("#room-list > li")).to_have_count(2)

    def plan() -> dict[str, str]:
        rows = console.locator("#roster tr").all()
        return {r.locator(".name").inner_text(): r.locator(".planned").inner_text() for r in rows}

    def planned(room: str, count: int) -> None:
        expect(console.locator("#roster .planned", has_text=room)).to_have_count(count)

    console.get_by_label(say("console.mix_by")).select_option("district")
    console.get_by_label(say("console.then_by")).select_option("organisation")
    console.get_by_role("button", name=say("console.assign_mixed")).click()
    planned("Zieleń", 2)
    planned("Transport", 2)
    where = plan()
    plenary = say("rooms.plenary")
    assert (where["Burmistrz"], where["Marek"], where["Anna Nowak"]) == (plenary,) * 3
    for room in ("Zieleń", "Transport"):
        members = [name for name in residents if where[name] == room]
        assert len(members) == 2, where
        # One of each district, and one of each organisation.
        assert {residents[name][0] for name in members} == {"Łabędy", "Sośnica"}, where
        assert {residents[name][1] for name in members} == {"Rada Seniorów", "Szkoła nr 3"}, where

    assert moderator.axe("console-assignment-pl") == []

    # Ticked, the presenter and the disconnected are dealt too.
    console.get_by_label(say("console.include_presenters")).check()
    console.get_by_label(say("console.include_absent")).check()
    console.get_by_role("button", name=say("console.assign_random")).click()
    planned("Zieleń", 3)
    planned("Transport", 3)
    assert plan()["Anna Nowak"] == plenary
    console.get_by_label(say("console.include_presenters")).uncheck()
    console.get_by_label(say("console.include_absent")).uncheck()

    console.get_by_role("button", name=say("console.assign_mixed")).click()
    planned("Zieleń", 2)
    console.get_by_label(say("console.minutes"), exact=True).fill("5")
    console.get_by_role("button", name=say("console.open")).click()
    for person in people:
        expect(person.page.locator("#where")).to_have_text(
            say("workshop.where", room=plan()[person.name])
        )
    expect(mayor.page.locator("#where")).to_have_text(plenary)
    for person in (moderator, mayor, *people):
        assert person.errors == []
