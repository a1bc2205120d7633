"""Polls over the wire: a named poll from creation to result, its ballots reaching only the voter
and the moderators, its tally coalesced on the server's clock; refusals say why; a secret ballot
is parsed for the ballot box and never handed to the core as a named one.

A client that must not get an event is checked with a barrier (`test_chat._barrier`), as in
`test_questions`.
"""

from typing import Any

import msgpack
import pytest

from rooms import MeetingConfig
from rooms import commands as cmd
from server.protocol import wire

from .client import Client
from .conftest import Serve, ServedMeeting
from .test_chat import _barrier

INTERVAL_MS = 1500
# Everyone hears of a tally within this after the interval, however loaded the machine.
TIMEOUT_S = INTERVAL_MS / 1000 + 10


async def _tally_of(client: Client, voted: int) -> list[dict[str, Any]]:
    """What `client` receives up to the tally that counts `voted` ballots."""
    received: list[dict[str, Any]] = []
    while not (received and received[-1]["type"] == "poll_tally"
               and received[-1]["voted"] == voted):  # fmt: skip
        received += await client.until("poll_tally", timeout=TIMEOUT_S)
    return received


async def test_a_named_poll_from_creation_to_result(serve: Serve) -> None:
    served = await serve(meeting=MeetingConfig(tally_interval_ms=INTERVAL_MS))
    moderator, _ = await served.join("Mo", moderator=True)
    ala, from_ala = await served.join("Ala")
    bo, from_bo = await served.join("Bo")
    await moderator.until("participant_joined")
    await moderator.until("participant_joined")
    await ala.expect("participant_joined")
    ala_id, bo_id = from_ala["you"], from_bo["you"]

    created = await moderator.ask(
        {"type": "create_poll", "question": "Which park?", "kind": "one", "options": ["N", "S"]}
    )
    assert [m["type"] for m in created] == ["poll_created", "ok"]
    assert (created[0]["poll"], created[0]["results"]) == ("poll-1", "live")
    opened = await moderator.ask({"type": "open_poll", "poll": "poll-1"})
    assert opened[0]["type"] == "poll_opened"
    assert opened[0]["eligible"] == [ala_id, bo_id]  # not the moderator: the poll did not say so
    for client in (ala, bo):
        assert [m["type"] for m in await client.until("poll_opened")] == [
            "poll_created",
            "poll_opened",
        ]

    mine = await ala.ask({"type": "cast_ballot", "poll": "poll-1", "choices": [1]})
    assert (mine[0]["type"], mine[0]["by"], mine[0]["choices"]) == ("ballot_cast", ala_id, [1])
    assert mine[-1]["type"] == "ok"
    theirs = await bo.ask({"type": "cast_ballot", "poll": "poll-1", "choices": [0]})
    assert theirs[0]["type"] == "ballot_cast" and theirs[-1]["type"] == "ok"

    # Two ballots within the interval after the opening: one tally of both, to everyone.
    for client, before in ((moderator, []), (ala, mine), (bo, theirs)):
        received = before + await _tally_of(client, 2)
        tallies = [m for m in received if m["type"] == "poll_tally"]
        assert len(tallies) <= 2
        assert tallies[-1]["counts"] == [1, 1]
        assert tallies[-1]["at"] >= opened[0]["at"] + INTERVAL_MS / 1000 or len(tallies) == 2
        ballots = [m["by"] for m in received if m["type"] == "ballot_cast"]
        expected = {moderator: [ala_id, bo_id], ala: [ala_id], bo: [bo_id]}[client]
        assert sorted(ballots) == sorted(expected)
    await _barrier(moderator, ala, bo)

    closed = await moderator.ask({"type": "close_poll", "poll": "poll-1"})
    assert [m["type"] for m in closed] == ["poll_closed", "poll_result", "ok"]
    result = closed[1]
    assert (result["eligible"], result["voted"], result["quorum_met"], result["counts"]) == (
        2,
        2,
        None,
        [1, 1],
    )
    assert (await bo.until("poll_result"))[-1] == result

    # Who chose what stays with the moderators, in a snapshot too.
    _, late = await served.join("Cy")
    [poll] = late["snapshot"]["polls"]["polls"]
    assert (poll["voted"], poll["ballots"], poll["result"]["counts"]) == ([], {}, [1, 1])
    _, second_moderator = await served.join("Max", moderator=True)
    [poll] = second_moderator["snapshot"]["polls"]["polls"]
    assert poll["ballots"] == {ala_id: [1], bo_id: [0]}


@pytest.mark.parametrize(
    ("message", "code", "text"),
    [
        (
            {"type": "create_poll", "question": "Q?", "kind": "ranked", "options": ["A", "B"]},
            "invalid",
            "kind: expected one of one, many, yes_no_abstain",
        ),
        (
            {"type": "create_poll", "question": "Q?", "kind": "yes_no_abstain", "secret": True,
             "results": "live"},
            "invalid",
            "results: a secret poll shows its results only after closing",
        ),
        (
            {"type": "create_poll", "question": "Q?", "kind": "yes_no_abstain",
             "quorum": {"share": 2}},
            "invalid",
            "quorum: share must be over 0 and at most 1",
        ),
        (
            {"type": "create_poll", "question": "Q?", "kind": "one", "options": ["A", "a"]},
            "invalid",
            "options[1]: the same as options[0]",
        ),
        ({"type": "open_poll", "poll": "poll-9"}, "unknown_poll", "no poll 'poll-9'"),
        (
            {"type": "cast_ballot", "poll": "poll-1", "choices": [0]},
            "not_allowed",
            "you may not vote in that poll: who may vote was fixed when it opened",
        ),
    ],
)  # fmt: skip
async def test_a_moderators_bad_poll_is_refused_saying_why(
    meeting: ServedMeeting, message: dict[str, Any], code: str, text: str
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    await meeting.join("Ala")
    await moderator.expect("participant_joined")
    await moderator.ask({"type": "create_poll", "question": "Q?", "kind": "yes_no_abstain"})
    await moderator.ask({"type": "open_poll", "poll": "poll-1"})
    seq = meeting.live.meeting.state.seq

    refused = await moderator.ask(message)

    assert [m["type"] for m in refused] == ["error"]
    assert refused[0]["code"] == code
    assert refused[0]["message"].startswith(text), refused[0]["message"]
    assert meeting.live.meeting.state.seq == seq


async def test_a_participants_bad_ballot_is_refused_saying_why(meeting: ServedMeeting) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    ala, _ = await meeting.join("Ala")
    await moderator.ask({"type": "create_poll", "question": "Q?", "kind": "yes_no_abstain"})
    await moderator.ask({"type": "open_poll", "poll": "poll-1"})
    seq = meeting.live.meeting.state.seq
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"type": "create_poll", "question": "Q?", "kind": "yes_no_abstain"}, "not_allowed",
         "only a moderator may do that"),
        ({"type": "cast_ballot", "poll": "poll-1", "choices": [3]}, "invalid",
         "choices[0]: no option 3; the options are 0 to 2"),
        ({"type": "cast_ballot", "poll": "poll-1", "choices": [0, 1]}, "invalid",
         "choices: choose one option"),
        ({"type": "cast_ballot", "poll": "poll-1", "choices": "yes"}, "invalid",
         "choices: expected a list, got a string"),
        ({"type": "cast_ballot", "poll": "poll-2", "choices": [0]}, "unknown_poll",
         "no poll 'poll-2'"),
    ]  # fmt: skip
    for message, code, text in cases:
        refused = await ala.ask(message)
        assert (refused[-1]["code"], refused[-1]["message"]) == (code, text)
    assert meeting.live.meeting.state.seq == seq


# The secret ballot on the wire ----------------------------------------------------------------

SECRET = "Wc3k9Qd0vT7mZ1xLr8bN2a"


def _inbound(**fields: object) -> wire.Inbound:
    return wire.decode(msgpack.packb({"v": 1, "type": "cast_ballot", **fields}))


def test_a_ballot_with_a_secret_is_for_the_ballot_box() -> None:
    inbound = _inbound(poll="poll-1", choices=[2, 0], secret=SECRET)
    assert wire.parse_secret_ballot(inbound) == wire.SecretBallot("poll-1", (2, 0), SECRET)  # type: ignore[arg-type]


def test_a_ballot_without_a_secret_is_a_named_command() -> None:
    for inbound in (_inbound(poll="poll-1", choices=[1]), _inbound(poll="poll-1", choices=[1],
                                                                   secret=None)):  # fmt: skip
        assert wire.parse_secret_ballot(inbound) is None
        assert wire.parse_command(inbound) == cmd.CastBallot("poll-1", (1,))  # type: ignore[arg-type]


@pytest.mark.parametrize("secret", ["x" * 15, "x" * 65, 12345])
def test_a_secret_of_the_wrong_shape_is_refused_naming_it(secret: object) -> None:
    with pytest.raises(wire.WireError) as caught:
        wire.parse_secret_ballot(_inbound(poll="poll-1", choices=[1], secret=secret))
    assert caught.value.code == "invalid"
    assert caught.value.message.startswith("secret: ")


def test_a_secret_is_never_dropped_to_make_a_named_ballot() -> None:
    with pytest.raises(wire.WireError) as caught:
        wire.parse_command(_inbound(poll="poll-1", choices=[1], secret=SECRET))
    assert caught.value.message.startswith("secret: ")
