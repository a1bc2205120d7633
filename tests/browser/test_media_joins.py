"""Every way into the plenary's media: a participant joins with the camera and the microphone
ticked or not (or with no devices at all), sees and hears the moderator, gets the floor and is
seen and heard, turns on what was off, loses the floor, and never sees a browser's raw error.

One server, one browser and one meeting serve every case: each case is a new participant."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, expect

from tests.harness.processes import ServerProcess

from .person import MEDIA_TIMEOUT_MS, Person, create_meeting

# A machine without a camera or a microphone: the browser finds none.
NO_DEVICES = """
navigator.mediaDevices.getUserMedia = async () => {
  throw new DOMException("Requested device not found", "NotFoundError");
};
"""


@dataclass(frozen=True)
class Way:
    camera: bool
    microphone: bool
    devices: bool = True


WAYS = {
    "camera-and-microphone": Way(camera=True, microphone=True),
    "microphone-only": Way(camera=False, microphone=True),
    "camera-only": Way(camera=True, microphone=False),
    "neither": Way(camera=False, microphone=False),
    "no-devices": Way(camera=False, microphone=False, devices=False),
}


@dataclass
class Plenary:
    invite_link: str
    moderator: Person


@pytest.fixture(scope="module")
def plenary(module_server: ServerProcess, module_browser: Browser) -> Iterator[Plenary]:
    created = create_meeting(module_server, "Forum Osiedla Zakrzów")
    moderator = Person.open(module_browser, created["moderator_link"]).join(
        "Anna Nowak", camera=True, microphone=True
    )
    yield Plenary(created["invite_link"], moderator)
    assert moderator.errors == []


def no_problem_shown(person: Person) -> None:
    expect(person.page.locator("#problem")).to_have_text("")


@pytest.mark.parametrize("way", list(WAYS.values()), ids=list(WAYS))
def test_a_participant_sees_hears_and_speaks_however_they_join(
    module_browser: Browser, plenary: Plenary, way: Way
) -> None:
    moderator = plenary.moderator
    name = f"Ewa ({'camera' if way.camera else 'no camera'}, {'mic' if way.microphone else 'muted'}"
    name += ")" if way.devices else ", no devices)"
    ewa = Person.open(
        module_browser, plenary.invite_link, script="" if way.devices else NO_DEVICES
    ).join(name, camera=way.camera, microphone=way.microphone)
    try:
        ewa.sees_video_of(moderator.name)
        ewa.hears(moderator.name)
        no_problem_shown(ewa)

        # Given the floor, Ewa is seen (if her camera is on) and heard by the room.
        ewa.page.get_by_role("button", name=ewa.say("hands.raise")).click()
        moderator.panel("hands").get_by_role(
            "button", name=moderator.say("hands.give_next")
        ).click()
        expect(ewa.page.locator("#floor-banner")).to_be_visible()
        if way.devices:
            moderator.hears(name)
        if way.camera:
            moderator.sees_video_of(name)
        else:
            # A camera that was off at the join may come on while she has the floor.
            ewa.page.get_by_role("button", name=ewa.say("controls.camera_on")).click()
            if way.devices:
                moderator.sees_video_of(name)
            else:
                expect(ewa.page.locator("#problem")).to_have_text(ewa.say("media.device_missing"))
        if way.devices and not way.microphone:
            ewa.page.get_by_role("button", name=ewa.say("controls.unmute")).click()
            expect(ewa.page.locator("#floor-banner")).to_have_text(ewa.say("floor.yours"))
            moderator.hears(name)
        if way.devices:
            no_problem_shown(ewa)

        # The floor taken back: her tracks stop reaching the room, she still sees and hears it.
        moderator.panel("hands").get_by_role("button", name=moderator.say("hands.take")).click()
        expect(ewa.page.locator("#floor-banner")).to_be_hidden()
        expect(moderator.page.locator("#videos figure", has_text=name)).to_have_count(
            0, timeout=MEDIA_TIMEOUT_MS
        )
        ewa.sees_video_of(moderator.name)
        ewa.hears(moderator.name)
        if way.devices:
            no_problem_shown(ewa)
        no_problem_shown(moderator)
        assert ewa.errors == []
    finally:
        ewa.page.context.close()
