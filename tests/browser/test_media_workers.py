"""Browsers whose workshop is served by another worker than the plenary: two real Plenum workers
sharing a real Redis, and Chromium following its room's media there on `media_restart`."""

from playwright.sync_api import Browser, expect

from tests.harness.redis_server import RedisServer
from tests.redis.conftest import redis_server  # noqa: F401  (the real Redis fixture)

from .conftest import Serve
from .person import Person, create_meeting

TITLE = "Forum Lokalnych Liderów Społecznych"


def test_a_workshop_on_another_worker_gets_its_browsers_media(
    serve: Serve,
    browser: Browser,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    env = {
        "REDIS_URL": redis_server.url,
        "PLENUM_MEDIA": "on",
        "PLENUM_WORKER_TTL_S": "1.5",
        "PLENUM_LEASE_TTL_S": "1",
    }
    a, b = serve(**env), serve(**env)
    created = create_meeting(a, TITLE)
    moderator = Person.open(browser, created["moderator_link"]).join("Anna Nowak")
    ewa = Person.open(browser, created["invite_link"]).join("Ewa")
    # Jan's page and WebSocket are on the other worker.
    jan_link = created["invite_link"].replace(a.base_url, b.base_url)
    assert jan_link != created["invite_link"]
    jan = Person.open(browser, jan_link).join("Jan")
    for person in (ewa, jan):
        person.sees_video_of("Anna Nowak")

    say = moderator.say
    console = moderator.console()
    console.get_by_label(say("console.room_name"), exact=True).first.fill("Zieleń i parki")
    console.get_by_role("button", name=say("console.add_room")).click()
    console.get_by_role("button", name=say("console.assign_random")).click()
    expect(console.locator("#roster .planned", has_text="Zieleń i parki")).to_have_count(2)
    console.get_by_role("button", name=say("console.open")).click()

    # The plenary holds the moderator; the workshop's two went to the emptier worker, and each
    # browser started a new peer connection there, on the same WebSocket.
    for first, second in ((ewa, jan), (jan, ewa)):
        expect(first.page.locator("#where")).to_contain_text("Zieleń i parki")
        first.sees_video_of(second.name)
    # Each room's home (beside it, the hash of the workers a room is spread over).
    placements = {
        key: redis_server.cli("GET", key)
        for key in redis_server.cli("KEYS", f"plenum:m:{created['id']}:media:*").split()
        if not key.endswith(":spread")
    }
    assert len(placements) == 2 and len(set(placements.values())) == 2, placements
    for person in (ewa, jan):
        assert person.page.evaluate("() => window.peers.length") == 2
        assert person.page.evaluate("() => window.sockets.length") == 1
        assert person.errors == []
