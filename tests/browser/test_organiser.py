"""The organiser's page in the browser, as an organiser uses it: signing in (a wrong password said
so, too many attempts refused with the wait), a meeting created with its agenda, thirty invitees
imported from a spreadsheet's CSV (a malformed one refused whole, each bad line named), a personal
link that joins with the invitee's name and district already set, the presenter link, a newcomer
let in from the lobby, the participant link revoked and reissued (the old one then refused), who
has joined, live; the server restarted in the middle with everything still there; and the
meeting deleted."""

import re
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, expect

from tests.harness.processes import ADMIN_TOKEN

from .conftest import Serve
from .person import CATALOGUES, Person

FIRST_NAMES = ("Łucja", "Żaneta", "Bożena", "Jędrzej", "Małgorzata", "Ślimak", "Zdzisław",
               "Agnieszka", "Grzegorz", "Jolanta")  # fmt: skip
SURNAMES = ("Żółkiewska", "Wójcik", "Kałużna")
DISTRICTS = ("Śródmieście", "Żoliborz", "Mokotów", "Praga-Północ", "Białołęka", "Wola")
LUCJA = "Łucja Żółkiewska"


def invitees_csv(rows: int) -> bytes:
    """As a Polish spreadsheet saves it: `;` between cells, Windows-1250."""
    lines = ["Name;Organisation;District;Group;E-mail;Role"]
    for n in range(rows):
        name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {SURNAMES[n // len(FIRST_NAMES)]}"
        district = DISTRICTS[n % len(DISTRICTS)]
        lines.append(f"{name};Rada Osiedla {district};{district};;osoba{n}@example.org;participant")
    return ("\r\n".join(lines) + "\r\n").encode("cp1250")


def sign_in(organiser: Person, password: str) -> None:
    page = organiser.page
    field = page.get_by_label(organiser.say("organiser.password"))
    organiser.tab_to(field)
    page.keyboard.type(password)
    page.keyboard.press("Enter")


def local_time(page: Page, minutes_from_now: int) -> str:
    """A `datetime-local` value in the browser's own zone."""
    value: str = page.evaluate(
        """(minutes) => {
          const at = new Date(Date.now() + minutes * 60000);
          return new Date(at - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
        }""",
        minutes_from_now,
    )
    return value


def counted(person: Person, key: str, n: int) -> str:
    """The catalogue's words for `n` of something, in the plural form of the page's language."""
    rule = person.page.evaluate(
        "(n) => new Intl.PluralRules(document.documentElement.lang).select(n)", n
    )
    form = f"{key}_{rule}"
    language = person.page.evaluate("() => document.documentElement.lang")
    return person.say(form if form in CATALOGUES[language] else f"{key}_other", n=str(n))


def import_file(organiser: Person, path: Path) -> None:
    page = organiser.page
    page.get_by_label(organiser.say("organiser.invitees_file")).set_input_files(path)
    page.get_by_role("button", name=organiser.say("organiser.invitees_import")).click()


def row_of(page: Page, name: str) -> Locator:
    return page.locator("#invitees-rows tr", has=page.locator("th", has_text=name))


def test_an_organiser_runs_a_meeting_from_the_page(
    serve: Serve, browser: Browser, tmp_path: Path
) -> None:
    data = str(tmp_path / "data")
    server = serve(PLENUM_MEDIA="off", PLENUM_DATA_DIR=data)
    organiser = Person.open(browser, f"{server.base_url}/organiser.html", "pl-PL")
    page, say = organiser.page, organiser.say
    expect(page.locator("#sign-in")).to_be_visible()
    assert organiser.axe("organiser-sign-in") == []

    sign_in(organiser, "nie-to-hasło")
    expect(page.locator("#sign-in-error")).to_have_text(say("organiser.wrong_password"))
    expect(page.locator("#meetings-view")).to_be_hidden()
    sign_in(organiser, ADMIN_TOKEN)
    expect(page.locator("#meetings-view")).to_be_visible()
    # The page keeps no password: the field is emptied, the session is an HttpOnly cookie.
    expect(page.locator("#sign-in-password")).to_have_value("")
    assert page.evaluate("() => document.cookie") == ""

    # A meeting that started a few minutes ago, with its agenda, reordered by keyboard.
    page.get_by_role("button", name=say("organiser.new_meeting")).click()
    expect(page.locator("#editor-heading")).to_be_focused()
    title = "Forum Dzielnicy Śródmieście"
    page.get_by_label(say("organiser.field_title"), exact=True).fill(title)
    page.get_by_label(say("organiser.field_start")).fill(local_time(page, -5))
    page.get_by_label(say("organiser.field_end")).fill(local_time(page, 120))
    page.get_by_label(say("organiser.field_description")).fill("Budżet obywatelski: <b>zieleń</b>")
    add = page.get_by_role("button", name=say("organiser.agenda_add"))
    add.click()
    expect(page.get_by_label(say("organiser.agenda_title", n="1"))).to_be_focused()
    page.keyboard.type("Dyskusja")
    add.click()
    page.keyboard.type("Powitanie")
    page.get_by_label(say("organiser.agenda_minutes", n="2")).fill("5")
    up = page.get_by_role("button", name=say("organiser.agenda_up_label", item="Powitanie"))
    up.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label(say("organiser.agenda_title", n="1"))).to_have_value("Powitanie")
    assert organiser.axe("organiser-editor") == []
    page.get_by_role("button", name=say("organiser.save")).click()

    expect(page.locator("#meeting-view")).to_be_visible()
    expect(page.locator("#meeting-heading")).to_have_text(title)
    expect(page.locator("#meeting-heading")).to_be_focused()
    # Someone else's words are text, never markup.
    expect(page.locator("#meeting-description")).to_have_text("Budżet obywatelski: <b>zieleń</b>")
    # Edited: the form holds the meeting as it is, the agenda in its order.
    page.get_by_role("button", name=say("organiser.edit")).click()
    expect(page.get_by_label(say("organiser.field_title"), exact=True)).to_have_value(title)
    expect(page.get_by_label(say("organiser.agenda_title", n="2"))).to_have_value("Dyskusja")
    page.get_by_label(say("organiser.field_description")).fill("Budżet obywatelski 2027")
    page.get_by_label(say("organiser.field_language")).select_option("en")
    page.get_by_role("button", name=say("organiser.save")).click()
    expect(page.locator("#meeting-description")).to_have_text("Budżet obywatelski 2027")
    expect(page.locator("#meeting-language")).to_have_text(say("organiser.language_en"))
    links = {
        role: page.locator(f"#link-{role}").input_value()
        for role in ("moderator", "presenter", "participant")
    }
    assert all(link.startswith(f"{server.base_url}/#") for link in links.values())
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name=say("organiser.copy_presenter")).click()
    what = say("organiser.link_presenter")
    expect(page.locator("#status")).to_have_text(say("organiser.copied", what=what))
    assert page.evaluate("() => navigator.clipboard.readText()") == links["presenter"]

    # A malformed CSV: every bad line named, and nothing imported.
    bad = tmp_path / "zle.csv"
    bad.write_bytes(
        "name;district;role\nAla Nowak;Wola;participant\nBo Lis;Wola;król\n;Bemowo;\n".encode()
    )
    import_file(organiser, bad)
    errors = page.locator("#invitees-errors")
    expect(errors).to_be_visible()
    expect(errors.locator("li")).to_have_count(2)
    expect(errors.locator("li").nth(0)).to_contain_text("line 3")
    expect(errors.locator("li").nth(1)).to_contain_text("line 4")
    expect(page.locator("#invitees-count")).to_have_text(
        counted(organiser, "organiser.invitees_count", 0)
    )
    expect(page.locator("#invitees-table")).to_be_hidden()

    good = tmp_path / "zaproszeni.csv"
    good.write_bytes(invitees_csv(30))
    import_file(organiser, good)
    expect(page.locator("#invitees-rows tr")).to_have_count(30)
    expect(errors).to_be_hidden()
    expect(page.locator("#invitees-count")).to_have_text(
        counted(organiser, "organiser.invitees_count", 30)
    )
    expect(row_of(page, LUCJA)).to_contain_text("Śródmieście")
    # Pre-assigned to a workshop room before the day.
    jedrzej = "Jędrzej Żółkiewska"
    page.get_by_label(say("organiser.room_of", name=jedrzej), exact=True).fill("Zieleń")
    page.get_by_role("button", name=say("organiser.plan_label", name=jedrzej)).click()
    expect(page.locator("#status")).to_have_text(
        say("organiser.planned", name=jedrzej, room="Zieleń")
    )
    assert organiser.axe("organiser-meeting") == []
    organiser.screenshot("organiser-meeting-pl")
    contrast = page.get_by_role("button", name=say("app.contrast"))
    contrast.click()
    assert organiser.axe("organiser-meeting-high-contrast") == []
    contrast.click()

    # The export for a mail merge, as the link downloads it with the session's cookie.
    export = page.get_by_role("link", name=say("organiser.invitees_export")).get_attribute("href")
    exported = page.evaluate("async (url) => (await fetch(url)).text()", export)
    personal = page.get_by_label(say("organiser.link_of", name=LUCJA), exact=True).input_value()
    assert LUCJA in exported and personal in exported

    # A moderator sets the lobby for those who come by the shared participant's link.
    moderator = Person.open(browser, links["moderator"], "pl-PL").join("Anna Nowak")
    unlisted = moderator.console().get_by_role("radio", name=moderator.say("lobby.mode_unlisted"))
    unlisted.check()
    expect(unlisted).to_be_checked()

    # Łucja's personal link joins her as the organiser wrote her, district and all, past the
    # lobby: the organiser invited her by name.
    lucja = Person.open(browser, personal, "pl-PL")
    expect(lucja.page.locator("#join-name")).to_have_value(LUCJA)
    expect(lucja.page.locator("#join-district")).to_have_value("Śródmieście")
    expect(lucja.page.locator("#join-invited")).to_be_visible()
    lucja.page.locator("#join-submit").click()
    expect(lucja.page.locator("#meeting-view")).to_be_visible()
    expect(lucja.page.locator("#people-rooms")).to_contain_text(LUCJA)

    # The presenter link joins as a presenter.
    presenter = Person.open(browser, links["presenter"], "pl-PL")
    expect(presenter.page.locator("#join-view")).to_be_visible()
    expect(presenter.page.locator("#join-role")).to_have_text(presenter.say("join.as_presenter"))
    presenter.join("Prezydent Miasta")

    # A newcomer by the participant's link waits until the moderator lets him in.
    jan = Person.open(browser, links["participant"], "pl-PL")
    expect(jan.page.locator("#join-view")).to_be_visible()
    jan.page.locator("#join-name").fill("Jan Kowalski")
    jan.page.locator("#join-submit").click()
    expect(jan.page.locator("#lobby-view")).to_be_visible()
    expect(jan.page.locator("#meeting-view")).to_be_hidden()
    admit = moderator.say("lobby.admit_named", name="Jan Kowalski")
    moderator.page.get_by_role("button", name=admit).click()
    expect(jan.page.locator("#meeting-view")).to_be_visible()

    # Who has joined, live, on the organiser's page.
    people = page.locator("#people-rows")
    expect(page.locator("#people-count")).to_have_text(
        counted(organiser, "organiser.people_count", 4)
    )
    expect(people.locator("tr", has_text="Jan Kowalski")).to_contain_text(
        say("organiser.role_participant")
    )
    expect(people.locator("tr", has_text=LUCJA)).to_contain_text("Śródmieście")
    expect(people.locator("tr", has_text="Prezydent Miasta")).to_contain_text(
        say("organiser.role_presenter")
    )

    # The participant link revoked and reissued, after a confirmation; the old one is refused.
    old_participant = links["participant"]
    # By keyboard: the dialog opens on "Cancel", the safe choice.
    organiser.tab_to(page.get_by_role("button", name=say("organiser.reissue_participant")))
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-cancel")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#confirm-yes")).to_have_text(say("organiser.reissue_confirm"))
    expect(page.locator("#confirm-yes")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#link-participant")).not_to_have_value(links["participant"])
    expect(page.locator("#link-participant")).to_be_focused()
    links["participant"] = page.locator("#link-participant").input_value()
    # In English, the page says the same, the new link included; then back to Polish.
    page.get_by_label(say("app.language"), exact=True).select_option("en")
    expect(page.locator("#links-heading")).to_have_text(CATALOGUES["en"]["organiser.links"])
    expect(page.locator("#link-participant")).to_have_value(links["participant"])
    page.get_by_label(CATALOGUES["en"]["app.language"], exact=True).select_option("pl")
    expect(page.locator("#links-heading")).to_have_text(CATALOGUES["pl"]["organiser.links"])
    refused = Person.open(browser, old_participant, "pl-PL")
    expect(refused.page.locator("#notice-view")).to_be_visible()
    expect(refused.page.locator("#notice-title")).to_have_text(
        refused.say("join.revoked_link_title")
    )

    # The server restarts (killed, as a crash would): everything is still there.
    server.stop()
    again = serve(port=server.port, PLENUM_MEDIA="off", PLENUM_DATA_DIR=data)
    page.goto(f"{again.base_url}/organiser.html")
    expect(page.locator("#meetings-view")).to_be_visible()  # the session outlives it too
    listed = page.locator("#upcoming li", has_text=title)
    expect(listed).to_have_count(1)
    organiser.screenshot("organiser-meetings-pl")
    listed.get_by_role("link", name=title).click()
    expect(page.locator("#meeting-heading")).to_have_text(title)
    for role, link in links.items():
        expect(page.locator(f"#link-{role}")).to_have_value(link)
    expect(page.locator("#invitees-rows tr")).to_have_count(30)
    expect(page.get_by_label(say("organiser.room_of", name=jedrzej), exact=True)).to_have_value(
        "Zieleń"
    )
    expect(page.get_by_label(say("organiser.link_of", name=LUCJA), exact=True)).to_have_value(
        personal
    )
    expect(row_of(page, LUCJA).locator("td").last).to_have_text(say("organiser.yes"))
    # Those who were in come back by themselves (their pages retry, backing off up to 15 s),
    # and the live list shows them.
    expect(people.locator("tr", has_text=LUCJA)).to_be_visible()
    expect(people.locator("tr", has_text="Prezydent Miasta")).to_be_visible()
    expect(page.locator("#people-count")).to_have_text(
        counted(organiser, "organiser.people_count", 4), timeout=45_000
    )
    expect(page.locator("#meeting-state")).to_have_text(
        counted(organiser, "organiser.state_open", 4)
    )
    organiser.screenshot("organiser-people-pl")

    # Deleted after a confirmation that names it: gone from the list, its links refused.
    page.get_by_role("button", name=say("organiser.delete")).click()
    expect(page.locator("#confirm-title")).to_have_text(say("organiser.delete_title", title=title))
    page.locator("#confirm-yes").click()
    expect(page.locator("#meetings-view")).to_be_visible()
    expect(page.locator("#meetings-heading")).to_be_focused()
    expect(page.locator("#upcoming li", has_text=title)).to_have_count(0)
    expect(page.locator("#status")).to_have_text(say("organiser.deleted", title=title))
    gone = Person.open(browser, personal, "pl-PL")
    expect(gone.page.locator("#notice-view")).to_be_visible()
    expect(gone.page.locator("#notice-title")).to_have_text(gone.say("join.no_meeting_title"))
    assert organiser.axe("organiser-list") == []
    assert organiser.errors == lucja.errors == presenter.errors == []
    assert moderator.errors == jan.errors == []


def test_too_many_sign_ins_are_refused_with_the_wait(serve: Serve, browser: Browser) -> None:
    server = serve(PLENUM_MEDIA="off", PLENUM_SIGN_IN_ATTEMPTS="2")
    organiser = Person.open(browser, f"{server.base_url}/organiser.html", "en-GB")
    page, say = organiser.page, organiser.say
    expect(page.locator("#sign-in")).to_be_visible()
    for _ in range(2):
        sign_in(organiser, "guess")
        expect(page.locator("#sign-in-error")).to_have_text(say("organiser.wrong_password"))
        expect(page.locator("#sign-in-password")).to_be_focused()
    # Past the limit even the right token is refused, and the page says how long to wait.
    sign_in(organiser, ADMIN_TOKEN)
    expect(page.locator("#sign-in-error")).to_have_text(
        re.compile(re.escape(say("organiser.too_many", seconds="§")).replace("§", r"\d+"))
    )
    expect(page.locator("#meetings-view")).to_be_hidden()
    assert organiser.axe("organiser-sign-in-refused") == []
    assert organiser.errors == []
