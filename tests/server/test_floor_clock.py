"""The floor's countdown over the wire, on the server's real clock: the speaker is warned, the
floor ends by itself at its limit, and everyone is told."""

from typing import Any

from rooms import MeetingConfig
from rooms.publishing import NOTHING, publish_rights

from .conftest import Serve

LIMIT_S = 1
# Everyone hears of the end within this, however loaded the machine.
TIMEOUT_S = LIMIT_S + 10


def of_type(received: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [m for m in received if m["type"] == kind]
    assert len(found) == 1, (kind, [m["type"] for m in received])
    return found[0]


async def test_the_floor_ends_by_itself_at_its_limit_and_everyone_is_told(serve: Serve) -> None:
    served = await serve(meeting=MeetingConfig(floor_warning_s=0.4))
    moderator, _ = await served.join("Mo", moderator=True)
    ala, ala_welcome = await served.join("Ala")
    bo, _ = await served.join("Bo")
    speaker = ala_welcome["you"]
    await ala.ask({"type": "raise_hand"})

    replies = await moderator.ask({"type": "give_floor", "limit_s": LIMIT_S})

    assert replies[-1]["type"] == "ok"
    for client, before in ((moderator, replies[:-1]), (ala, []), (bo, [])):
        received = before + await client.until("floor_expired", timeout=TIMEOUT_S)
        given = of_type(received, "floor_given")
        assert given["participant"] == speaker
        assert given["deadline"] == given["at"] + LIMIT_S
        # A one-second turn is warned in its last quarter, not 0.4 s before its end.
        assert given["warning_at"] == given["deadline"] - 0.25
        warning = of_type(received, "floor_warning")
        assert (warning["participant"], warning["deadline"]) == (speaker, given["deadline"])
        assert warning["at"] >= given["warning_at"]
        expired = of_type(received, "floor_expired")
        assert expired["participant"] == speaker
        assert expired["at"] >= given["deadline"]
        order = [m["type"] for m in received if m["type"].startswith("floor_")]
        assert order == ["floor_given", "floor_warning", "floor_expired"]

    state = served.live.meeting.state
    assert state.floor is None
    assert publish_rights(state, speaker) == NOTHING
    # Nothing more is due: the deadlines sleep until someone is given the floor again.
    assert served.live.deadlines.next_wakeup() is None


async def test_more_time_moves_the_end_of_the_floor(serve: Serve) -> None:
    served = await serve(meeting=MeetingConfig(floor_warning_s=0))
    moderator, _ = await served.join("Mo", moderator=True)
    ala, ala_welcome = await served.join("Ala")
    replies = await moderator.ask({"type": "give_floor", "participant": ala_welcome["you"]})
    given = of_type(replies, "floor_given")
    assert given["deadline"] == given["at"] + 180  # the meeting's default

    replies = await moderator.ask({"type": "extend_floor", "seconds": 60})
    extended = of_type(replies, "floor_extended")
    assert extended["deadline"] == given["deadline"] + 60
    assert extended["warning_at"] is None
    assert (await ala.until("floor_extended"))[-1] == extended
    assert served.live.meeting.state.floor_clock.deadline == given["deadline"] + 60


async def test_a_bad_time_limit_is_refused_naming_the_field(serve: Serve) -> None:
    served = await serve(meeting=MeetingConfig(max_floor_limit_s=600))
    moderator, _ = await served.join("Mo", moderator=True)
    _, ala_welcome = await served.join("Ala")
    ala = ala_welcome["you"]
    refusals: list[tuple[object, str]] = [
        (0, "limit_s must be positive"),
        (1.5, "limit_s: expected an integer"),
        (601, "limit_s: at most 600 seconds"),
    ]
    for limit_s, message in refusals:
        command = {"type": "give_floor", "participant": ala, "limit_s": limit_s}
        error = (await moderator.ask(command))[-1]
        assert (error["type"], error["code"]) == ("error", "invalid")
        assert message in error["message"]
    assert served.live.meeting.state.floor is None
