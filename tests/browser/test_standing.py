"""What keeps a participant from passing for a moderator, seen in the browser: a removal that
holds when the link is opened again, role badges, and names that cannot reorder the page."""

from playwright.sync_api import Browser, Locator, expect

from tests.harness.processes import ServerProcess

from .person import Person, create_meeting

HEBREW_NAME = "\u05d3\u05d5\u05d3"  # David, written right to left
# The left edge of each visible character of a node's text, in the order it was written.
LEFT_EDGES = """(node) => {
  const edges = [];
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    for (let i = 0; i < text.length; i++) {
      if (!text.data[i].trim()) continue;
      const range = document.createRange();
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      const box = range.getBoundingClientRect();
      if (box.width > 0) edges.push(box.left);
    }
  }
  return edges;
}"""


def left_edges(node: Locator) -> list[float]:
    edges: list[float] = node.evaluate(LEFT_EDGES)
    return edges


def test_a_removed_participant_opening_the_link_again_in_the_same_browser_is_refused(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    ewa = Person.open(browser, created["invite_link"]).join("Ewa", camera=False)

    moderator.page.once("dialog", lambda dialog: dialog.accept())
    moderator.console().get_by_role("button", name="Remove Ewa from the meeting").click()
    expect(ewa.page.locator("#connection")).to_have_text(ewa.say("connection.closed_4003"))
    expect(moderator.page.locator("#people-rooms")).not_to_contain_text("Ewa")

    again = ewa.new_tab(created["invite_link"])
    again.page.locator("#join-name").fill("Ewa Nowa")
    again.page.locator("#join-submit").click()
    expect(again.page.locator("#notice-title")).to_have_text(again.say("join.removed_title"))
    expect(again.page.locator("#notice-text")).to_have_text(again.say("join.removed"))
    expect(again.page.locator("#meeting-view")).to_be_hidden()
    # Refused by the meeting, not only by the page: nobody new appears to the others.
    moderator.page.get_by_role("button", name="Raise hand").click()
    expect(moderator.page.locator("#hand-queue li")).to_have_count(1)
    expect(moderator.page.locator("#people-rooms li")).to_have_count(1)
    assert moderator.errors == ewa.errors == again.errors == []


def test_a_demoted_moderator_opening_the_moderator_link_again_joins_as_a_participant(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    anna = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    zofia = Person.open(browser, created["moderator_link"]).join("Zofia", camera=False)
    expect(zofia.console()).to_be_visible()

    console = anna.console()
    console.get_by_label("Role of Zofia").select_option("participant")
    console.get_by_role("button", name="Set role: Zofia").click()
    expect(zofia.page.locator("#console")).to_be_hidden()
    expect(zofia.page.locator("#console-toggle")).to_be_hidden()
    zofia.page.close()

    again = zofia.new_tab(created["moderator_link"])
    expect(again.page.locator("#join-role")).to_have_text(again.say("join.as_participant"))
    again.join("Zofia K.", camera=False)
    expect(again.panel("people").locator("#people-rooms li", has_text="Zofia K.")).to_be_visible()
    expect(again.page.locator("#console")).to_be_hidden()
    expect(again.page.locator("#console-toggle")).to_be_hidden()
    row = anna.panel("people").locator("#people-rooms li", has_text="Zofia K.")
    expect(row.locator(".badge")).to_be_hidden()
    assert anna.errors == again.errors == []


def test_moderators_and_presenters_wear_a_badge_in_people_chat_and_hands(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak", camera=False)
    jan = Person.open(browser, created["invite_link"]).join("Jan", camera=False)
    ewa = Person.open(browser, created["invite_link"], "pl-PL").join("Ewa", camera=False)

    console = moderator.console()
    console.get_by_label("Role of Jan").select_option("presenter")
    console.get_by_role("button", name="Set role: Jan").click()
    for speaker in (moderator, jan, ewa):
        speaker.page.get_by_role("button", name=speaker.say("hands.raise")).click()
        speaker.page.locator("#chat-text").fill(f"Mówi {speaker.name}")
        speaker.page.locator("#chat-text").press("Enter")

    page = ewa.page  # in Polish: the badge is a word of the page's language
    expect(page.locator("#chat-log li")).to_have_count(3)
    expect(page.locator("#hand-queue li")).to_have_count(3)
    badges = {"Anna Nowak": "moderator", "Jan": "prelegent", "Ewa": ""}
    for place, tab in (
        ("#people-rooms li", "people"),
        ("#chat-log li", "chat"),
        ("#hand-queue li", "hands"),
    ):
        ewa.panel(tab)
        for name, badge in badges.items():
            shown = page.locator(place, has=page.locator(".name", has_text=name)).locator(".badge")
            if badge:
                expect(shown).to_be_visible()
                expect(shown).to_have_text(badge)
            else:
                expect(shown).to_be_hidden()
    # A participant cannot take the moderator's name, nor a look-alike of it.
    copy = Person.open(browser, created["invite_link"])
    copy.page.locator("#join-name").fill("Anna N\u043ewak")  # a Cyrillic o
    copy.page.locator("#join-submit").click()
    expect(copy.page.locator("#join-error")).to_have_text(copy.say("join.refused_name_taken"))
    assert moderator.errors == jan.errors == ewa.errors == copy.errors == []


def test_names_cannot_reorder_the_text_around_them(
    module_server_no_media: ServerProcess, browser: Browser
) -> None:
    server = module_server_no_media
    created = create_meeting(server, "Forum Dzielnicy Sośnica")
    override = Person.open(browser, created["invite_link"])
    override.page.locator("#join-name").fill("Ewa \u202erotaredom")  # reads "Ewa moderator"
    override.page.locator("#join-submit").click()
    expect(override.page.locator("#join-error")).to_have_text(override.say("join.refused_invalid"))

    david = Person.open(browser, created["invite_link"]).join(HEBREW_NAME, "12", camera=False)
    jan = Person.open(browser, created["invite_link"]).join("Jan", camera=False)
    david.page.locator("#chat-text").fill("shalom")
    david.page.locator("#chat-text").press("Enter")

    # In Jan's list, the district after the name reads "(12)" left to right, after the name.
    row = jan.panel("people").locator("#people-rooms li", has_text=HEBREW_NAME)
    name, details = left_edges(row.locator(".name")), left_edges(row.locator(".details"))
    assert len(details) == 4, details
    assert details == sorted(details), "the district was reordered by the name before it"
    assert min(details) > max(name)
    # In the chat, the time follows the sender's name instead of jumping before it.
    message = jan.panel("chat").locator("#chat-log li").last
    expect(message.locator(".text")).to_have_text("shalom")
    sender, time = left_edges(message.locator(".sender")), left_edges(message.locator("time"))
    assert min(time) > max(sender), "the time was pulled before the sender's name"
    assert override.errors == david.errors == jan.errors == []
