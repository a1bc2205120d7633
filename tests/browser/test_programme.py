"""A programme run through the browser across two workers sharing a real Redis: an agenda of three
items moved through, two speakers timed out by the server's clock, questions upvoted and
answered, and a secret yes / no / abstain poll with a quorum during which a worker is killed.
Each browser reaches the workers through a balancer's front that prefers one worker: the
moderator and Ewa are on the meeting's writer, Jan and Maria (in Polish) on the other, which is
killed with SIGKILL while the poll is open, after Ewa's and Jan's ballots were acknowledged; Jan
and Maria come back through the writer by themselves, the others vote, and the result counts
every acknowledged ballot."""

import re
import time

from playwright.sync_api import Browser, expect

from tests.harness.balancer import Front, fronts
from tests.harness.redis_server import RedisServer
from tests.redis.conftest import redis_server, workers  # noqa: F401  (real Redis and workers)
from tests.redis.workers import Worker, Workers

from .person import Person, create_meeting
from .test_polls import create_poll, poll_of
from .test_questions import ask, question

# Short floors, so that two speakers run out of time within the test: the server's clock ends
# each floor, nobody acts.
FLOOR_LIMIT_S = 8
FLOOR_WARNING_S = 2
# How long a page may take to show what the server's clock did, on a loaded machine.
CLOCK_TIMEOUT_MS = (FLOOR_LIMIT_S + 20) * 1000
AGENDA = (("Powitanie", "5"), ("Głos mieszkańców", "20"), ("Pytania i głosowanie", "15"))
PARK = "Kto zapłaci za nowy park?"
STOP = "Kiedy będzie przystanek przy szkole?"
NIGHT = "Czy park ma być oświetlony nocą?"
QUORUM_SHARE = 75  # % of the four eligible: three ballots meet it
# How long a page may take to find the live worker after its own was killed: the client's first
# retry comes after about a second, then two, four...
RECONNECT_TIMEOUT_MS = 30_000


def test_a_programme_across_two_workers(
    redis_server: RedisServer,  # noqa: F811
    workers: Workers,  # noqa: F811
    browser: Browser,
) -> None:
    with fronts(2) as (front_a, front_b):
        env = {
            "PLENUM_PUBLIC_URL": front_a.url,
            "PLENUM_ALLOWED_ORIGINS": front_b.url,
            "PLENUM_FLOOR_LIMIT_S": str(FLOOR_LIMIT_S),
            "PLENUM_FLOOR_WARNING_S": str(FLOOR_WARNING_S),
        }
        a, b = workers.start(**env), workers.start(**env)
        front_a.backends = (a.server.port, b.server.port)
        front_b.backends = (b.server.port, a.server.port)
        created = create_meeting(a.server, "Forum Dzielnicy Sośnica")
        assert workers.writer_of(created["id"]) is a
        link = created["invite_link"]
        assert link.startswith(front_a.url)
        link_b = link.replace(front_a.url, front_b.url)

        moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
        ewa = Person.open(browser, link).join("Ewa", "Sośnica")
        jan = Person.open(browser, link_b).join("Jan", "Łabędy")
        maria = Person.open(browser, link_b, "pl-PL").join("Maria", "Łabędy")
        everyone = (moderator, ewa, jan, maria)
        # Each front pipes its people to its own worker.
        assert set(front_a.open_to()) == {a.server.port}
        assert set(front_b.open_to()) == {b.server.port}

        run_the_agenda_with_two_timed_speakers(moderator, ewa, jan, maria)
        questions_upvoted_and_answered(moderator, ewa, jan, maria)
        a_secret_poll_loses_no_ballot_to_a_killed_worker(
            workers, b, front_b, moderator, ewa, jan, maria
        )
        assert set(front_b.open_to()) == {a.server.port}

        # The last item ends: the agenda is through.
        moderator.panel("agenda").locator("#agenda-next").click()
        for person in everyone:
            expect(person.page.locator("#agenda-now")).to_have_text(
                person.say("agenda.none_current")
            )
        expect(moderator.page.locator("#agenda-next")).to_be_disabled()
        items = maria.page.locator("#agenda-items > li .item-meta")
        expect(items).to_have_count(3)
        for n in range(3):
            expect(items.nth(n)).to_contain_text(maria.say("agenda.status_done"))
        for person in everyone:
            assert person.errors == [], person.name


def run_the_agenda_with_two_timed_speakers(
    moderator: Person, ewa: Person, jan: Person, maria: Person
) -> None:
    everyone = (moderator, ewa, jan, maria)
    say = moderator.say
    console = moderator.console()
    for made, (title, minutes) in enumerate(AGENDA, start=1):
        console.get_by_label(say("agenda.new_title")).fill(title)
        console.get_by_label(say("agenda.new_minutes")).fill(minutes)
        console.get_by_role("button", name=say("agenda.add")).click()
        expect(console.locator("#agenda-edit > li")).to_have_count(made)
    for person in everyone:
        expect(person.page.locator("#agenda-items .item-title")).to_have_text(
            [title for title, _ in AGENDA]
        )

    next_item = moderator.panel("agenda").locator("#agenda-next")
    for title, _ in AGENDA[:2]:
        next_item.click()
        for person in everyone:
            expect(person.page.locator("#agenda-now")).to_have_text(
                person.say("agenda.now", title=title)
            )

    # Two speakers, one on each worker, each given the meeting's short floor by the moderator
    # and ended by the server's clock.
    for speaker in (ewa, jan):
        speaker.page.get_by_role("button", name=speaker.say("hands.raise")).click()
        expect(moderator.page.locator("#hand-queue .name").last).to_have_text(speaker.name)
    for person in everyone:
        expect(person.page.locator("#hand-queue .name")).to_have_text(["Ewa", "Jan"])
    expect(jan.page.locator("#hand-place")).to_have_text(jan.say("speakers.your_place", nth="2nd"))
    for speaker, listener in ((ewa, maria), (jan, ewa)):
        others = [p for p in everyone if p is not speaker]
        moderator.panel("hands").get_by_role("button", name=say("hands.give_next")).click()
        given = time.monotonic()
        expect(speaker.page.locator("#floor-countdown")).to_contain_text(
            speaker.say("speakers.your_left", left="0:0")
        )
        # The countdown is on the server's deadline, on either worker.
        expect(listener.page.locator("#floor-clock")).to_contain_text(
            listener.say("speakers.left", name=speaker.name, left="0:0")
        )
        expect(speaker.page.locator("#alert")).to_have_text(
            speaker.say("announce.floor_expired_yours"), timeout=CLOCK_TIMEOUT_MS
        )
        ended = time.monotonic() - given
        assert ended >= FLOOR_LIMIT_S - 0.5, f"{speaker.name}'s floor ended after {ended:.1f} s"
        for person in others:
            expect(person.page.locator("#floor-holder")).to_have_text(
                person.say("hands.no_floor"), timeout=CLOCK_TIMEOUT_MS
            )
            expect(person.page.locator("#floor-clock")).to_be_hidden()
        expect(speaker.page.locator("#floor-countdown")).to_be_hidden()
    for person in everyone:
        expect(person.page.locator("#hand-queue .name")).to_have_count(0)


def questions_upvoted_and_answered(
    moderator: Person, ewa: Person, jan: Person, maria: Person
) -> None:
    everyone = (moderator, ewa, jan, maria)
    say = moderator.say
    moderator.panel("agenda").locator("#agenda-next").click()
    for person in everyone:
        expect(person.page.locator("#agenda-now")).to_have_text(
            person.say("agenda.now", title=AGENDA[2][0])
        )

    # Maria (on the other worker) asks first, Ewa second; the others' votes put Ewa's first.
    for person in everyone:
        person.panel("questions")
    ask(maria, PARK)
    expect(question(moderator, PARK)).to_be_visible()
    ask(ewa, STOP)
    for person in everyone:
        expect(person.page.locator("#question-list .q-text")).to_have_text([PARK, STOP])
    ewa.page.get_by_role("button", name=ewa.say("questions.upvote_named", n="1")).click()
    for voter in (jan, maria, moderator):
        voter.page.get_by_role("button", name=voter.say("questions.upvote_named", n="2")).click()
        expect(
            question(voter, STOP).get_by_role(
                "button", name=voter.say("questions.unvote_named", n="2")
            )
        ).to_be_visible()
    for person in everyone:
        expect(person.page.locator("#question-list .q-text")).to_have_text([STOP, PARK])
        expect(question(person, STOP).locator(".q-votes")).to_have_text(re.compile(r"^3\b"))
        expect(question(person, PARK).locator(".q-votes")).to_have_text(
            person.say("questions.votes_one", n="1")
        )

    # Ewa's question is answered now (highlighted for all), then answered; then Maria's.
    moderator.page.get_by_role("button", name=say("questions.mark_answering_named", n="2")).click()
    for person in everyone:
        expect(question(person, STOP)).to_have_class(re.compile(r"\banswering\b"))
    moderator.page.get_by_role("button", name=say("questions.mark_answered_named", n="2")).click()
    expect(ewa.page.locator("#announce")).to_have_text(
        ewa.say("announce.question_answered_yours", text=STOP)
    )
    moderator.page.get_by_role("button", name=say("questions.mark_answered_named", n="1")).click()
    expect(maria.page.locator("#announce")).to_have_text(
        maria.say("announce.question_answered_yours", text=PARK)
    )
    for person in everyone:
        closed = person.page.locator("#question-closed-list li")
        expect(closed.locator(".q-text")).to_have_text([PARK, STOP])  # in the order asked
        expect(closed.locator(".q-status")).to_have_text(
            [" · " + person.say("questions.status_answered")] * 2
        )
        expect(person.page.locator("#questions-empty")).to_be_visible()


def a_secret_poll_loses_no_ballot_to_a_killed_worker(
    rig: Workers,
    b: Worker,
    front_b: Front,
    moderator: Person,
    ewa: Person,
    jan: Person,
    maria: Person,
) -> None:
    everyone = (moderator, ewa, jan, maria)
    say = moderator.say
    # The moderators vote too: four eligible.
    moderator.panel("polls").locator("#poll-moderators").check()
    create_poll(
        moderator,
        NIGHT,
        kind=say("polls.kind_yes_no_abstain"),
        secret=True,
        quorum_share=QUORUM_SHARE,
    )
    poll_of(moderator, NIGHT).get_by_role(
        "button", name=say("polls.open_named", question=NIGHT)
    ).click()
    for person in everyone:
        person.panel("polls")
        expect(poll_of(person, NIGHT).locator(".poll-status")).to_have_text(
            person.say("polls.voted_of", voted="0", eligible="4")
        )

    # Ewa on the writer, Jan on the other worker; both acknowledged, and counted for all to see.
    vote(ewa, "yes")
    vote(jan, "yes")
    for person in everyone:
        expect(poll_of(person, NIGHT).locator(".poll-status")).to_have_text(
            person.say("polls.voted_of", voted="2", eligible="4")
        )

    rig.kill(b)
    for person in (jan, maria):
        # The page dials again by itself; the balancer's front finds the worker alive.
        person.page.wait_for_function(
            "() => window.sockets.length >= 2"
            " && window.sockets.at(-1).readyState === WebSocket.OPEN",
            timeout=RECONNECT_TIMEOUT_MS,
        )
        expect(person.page.locator("#connection")).to_be_hidden(timeout=RECONNECT_TIMEOUT_MS)
    # Jan's ballot is still his: the meeting knows he voted (the box has what he chose).
    expect(poll_of(jan, NIGHT).locator(".own")).to_have_text(jan.say("polls.voted_secret"))

    vote(maria, "no")
    vote(moderator, "abstain")
    for person in everyone:
        expect(poll_of(person, NIGHT).locator(".poll-status")).to_have_text(
            person.say("polls.voted_of", voted="4", eligible="4")
        )
    poll_of(moderator, NIGHT).get_by_role(
        "button", name=say("polls.close_named", question=NIGHT)
    ).click()
    for person in everyone:
        theirs = poll_of(person, NIGHT)
        quorum = person.say("polls.quorum_is_share", share=str(QUORUM_SHARE))
        expect(theirs.locator(".poll-result")).to_have_text(
            person.say(
                "polls.result",
                eligible="4",
                voted="4",
                quorum=person.say("polls.quorum_met", quorum=quorum),
            ),
            timeout=RECONNECT_TIMEOUT_MS,
        )
        counted = (("yes", "2", "50"), ("no", "1", "25"), ("abstain", "1", "25"))
        expect(theirs.locator(".counts li")).to_have_text(
            [
                person.say("polls.count", option=person.say(f"polls.option_{o}"), count=n, share=p)
                for o, n, p in counted
            ]
        )


def vote(person: Person, option: str) -> None:
    theirs = poll_of(person, NIGHT)
    theirs.get_by_label(person.say(f"polls.option_{option}"), exact=True).check()
    theirs.get_by_role("button", name=person.say("polls.vote_named", question=NIGHT)).click()
    # Acknowledged: the ballot is in the box and the meeting marks this person as having voted.
    expect(theirs.locator(".own")).to_have_text(person.say("polls.voted_secret"))
