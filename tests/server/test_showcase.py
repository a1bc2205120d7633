"""The showcase over the wire, on the server's real clock: an agenda item's presenters take the
floor in turn, the next one called when a slot runs out, everyone told whose turn it is."""

from typing import Any

from rooms import MeetingConfig
from rooms.model import TurnStatus
from rooms.publishing import NOTHING, Source, publish_rights

from .conftest import Serve
from .test_floor_clock import of_type

# The item's minute shared out among three presenters.
SLOT_S = 20
# Cy's turn, given by a moderator for a second: the clock then calls the next.
SHORT_S = 1
TIMEOUT_S = SHORT_S + 15


def types(received: list[dict[str, Any]]) -> list[str]:
    return [m["type"] for m in received]


async def test_presenters_take_the_floor_in_turn_by_the_servers_clock(serve: Serve) -> None:
    served = await serve(meeting=MeetingConfig(floor_warning_s=0))
    moderator, _ = await served.join("Mo", moderator=True)
    ala, ala_welcome = await served.join("Ala")
    bo, bo_welcome = await served.join("Bo")
    ala_id, bo_id = ala_welcome["you"], bo_welcome["you"]
    presenters = [{"participant": ala_id}, {"name": "cy lis"}, {"name": "BO"}]
    agenda = [{"title": "Inicjatywy", "minutes": 1, "presenters": presenters}]
    assert (await moderator.ask({"type": "set_agenda", "items": agenda}))[-1]["type"] == "ok"

    replies = await moderator.ask({"type": "start_agenda_item"})
    assert types(replies) == [
        "agenda_item_started",
        "showcase_started",
        "presenter_called",
        "floor_given",
        "ok",
    ]
    started = replies[1]
    assert started["slot_s"] == SLOT_S
    # Bo is here under the name the agenda gave, in capitals: matched as the item starts.
    assert [p["participant"] for p in started["presenters"]] == [ala_id, None, bo_id]
    assert replies[2]["participant"] == ala_id
    assert replies[3]["deadline"] == replies[3]["at"] + SLOT_S
    # Ala's screen is hers while it is her turn.
    assert Source.SCREEN in publish_rights(served.live.meeting.state, ala_id)

    # Cy joins under the second presenter's name: matched, and the snapshot tells her so.
    cy, cy_welcome = await served.join("Cy Lis")
    cy_id = cy_welcome["you"]
    turns = cy_welcome["snapshot"]["showcase"]["turns"]
    assert [(t["participant"], t["status"]) for t in turns] == [
        (ala_id, "presenting"),
        (cy_id, "waiting"),
        (bo_id, "waiting"),
    ]
    for client in (moderator, bo):
        received = await client.until("presenter_matched")
        assert (received[-1]["turn"], received[-1]["participant"]) == (1, cy_id)

    # The next one, in one action: Cy, for a second.
    replies = await moderator.ask({"type": "give_floor", "limit_s": SHORT_S})
    assert types(replies) == ["floor_taken", "presenter_called", "floor_given", "ok"]
    assert replies[1]["participant"] == cy_id
    cy_deadline = replies[2]["deadline"]
    assert cy_deadline == replies[2]["at"] + SHORT_S

    for client in (moderator, ala, bo, cy):
        received = await client.until("presenter_called", timeout=TIMEOUT_S)
        while received[-1]["participant"] != bo_id:
            received += await client.until("presenter_called", timeout=TIMEOUT_S)
        received += await client.until("floor_given")
        expired = of_type(received, "floor_expired")
        assert expired["participant"] == cy_id
        assert expired["at"] >= cy_deadline
        # Bo was called by the clock as Cy's second ran out, for his own slot.
        call, given = received[-2:]
        assert (call["participant"], call["by"]) == (bo_id, None)
        assert (given["participant"], given["by"]) == (bo_id, None)
        assert given["deadline"] == given["at"] + SLOT_S

    state = served.live.meeting.state
    assert [t.status for t in state.showcase.turns] == [
        TurnStatus.DONE,
        TurnStatus.DONE,
        TurnStatus.PRESENTING,
    ]
    assert Source.SCREEN in publish_rights(state, bo_id)
    assert publish_rights(state, cy_id) == NOTHING

    # The agenda moves on: Bo's floor, and his screen, go with the item.
    replies = await moderator.ask({"type": "start_agenda_item"})
    assert types(replies) == ["agenda_item_ended", "floor_taken", "showcase_ended", "ok"]
    assert publish_rights(served.live.meeting.state, bo_id) == NOTHING
    assert served.live.deadlines.next_wakeup() is None


async def test_a_moderator_moves_on_and_refusals_name_what_was_wrong(serve: Serve) -> None:
    served = await serve(meeting=MeetingConfig(max_floor_limit_s=600))
    moderator, _ = await served.join("Mo", moderator=True)
    ala, ala_welcome = await served.join("Ala")
    _, bo_welcome = await served.join("Bo")
    ala_id, bo_id = ala_welcome["you"], bo_welcome["you"]
    presenters = [{"participant": ala_id}, {"participant": bo_id}]
    agenda = [{"title": "Inicjatywy", "minutes": 10, "presenters": presenters}]
    await moderator.ask({"type": "set_agenda", "items": agenda})
    await moderator.ask({"type": "start_agenda_item"})

    refused = await ala.ask({"type": "next_presenter"})
    assert (refused[-1]["type"], refused[-1]["code"]) == ("error", "not_allowed")
    refused = await moderator.ask({"type": "call_presenter", "turn": 2})
    assert types(refused) == ["error"]
    assert (refused[-1]["code"], refused[-1]["message"]) == (
        "invalid",
        "turn: at most 1, the last presenter's",
    )
    refused = await moderator.ask({"type": "call_presenter", "turn": -1})
    assert (refused[-1]["code"], refused[-1]["message"]) == (
        "invalid",
        "turn must be at least 0 (the first)",
    )

    replies = await moderator.ask({"type": "next_presenter"})
    assert types(replies) == ["floor_taken", "presenter_called", "floor_given", "ok"]
    assert replies[1]["participant"] == bo_id
    assert replies[2]["deadline"] == replies[2]["at"] + 300  # ten minutes for two
    received = await ala.until("floor_given")
    assert received[-1]["participant"] == bo_id
    assert Source.SCREEN not in publish_rights(served.live.meeting.state, ala_id)
