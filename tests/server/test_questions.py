"""Questions to the panel over the wire: an anonymous question's author reaches the moderators and
the author, never anyone else (event or snapshot); a refusal says why.

A client that must not get an event is checked with a barrier (`test_chat._barrier`): an event
everyone gets, sent after it. Each connection receives in order, so if the barrier comes next the
event never will.
"""

from rooms import MeetingConfig

from .conftest import Serve, ServedMeeting
from .test_chat import _barrier


def _authors(snapshot: dict[str, object]) -> list[object]:
    questions = snapshot["questions"]
    assert isinstance(questions, dict)
    return [q["author"] for q in questions["asked"]]


async def test_an_anonymous_authors_name_reaches_only_the_moderators_and_the_author(
    meeting: ServedMeeting,
) -> None:
    moderator, _ = await meeting.join("Mo", moderator=True)
    ala, from_ala = await meeting.join("Ala")
    bo, _ = await meeting.join("Bo")
    await moderator.until("participant_joined")
    await moderator.until("participant_joined")
    await ala.expect("participant_joined")

    replies = await ala.ask({"type": "ask_question", "text": "Who pays?", "anonymous": True})

    assert [m["type"] for m in replies] == ["question_asked", "question_author", "ok"]
    assert replies[0]["author"] is None and replies[1]["author"] == from_ala["you"]
    assert (await moderator.expect("question_asked"))["author"] is None
    assert (await moderator.expect("question_author"))["author"] == from_ala["you"]
    asked = await bo.expect("question_asked")
    assert (asked["text"], asked["anonymous"], asked["author"]) == ("Who pays?", True, None)
    await _barrier(moderator, ala, bo)

    _, participant = await meeting.join("Cy")
    assert _authors(participant["snapshot"]) == [None]
    _, second_moderator = await meeting.join("Max", moderator=True)
    assert _authors(second_moderator["snapshot"]) == [from_ala["you"]]


async def test_a_question_over_the_limit_is_refused_saying_why(serve: Serve) -> None:
    meeting = await serve(meeting=MeetingConfig(max_open_questions=1, max_question_chars=10))
    ala, _ = await meeting.join("Ala")
    too_long = await ala.ask({"type": "ask_question", "text": "x" * 11})
    assert (too_long[-1]["code"], too_long[-1]["message"]) == (
        "invalid",
        "text: longer than 10 characters",
    )
    assert [m["type"] for m in await ala.ask({"type": "ask_question", "text": "When?"})] == [
        "question_asked",
        "ok",
    ]
    refused = await ala.ask({"type": "ask_question", "text": "Where?"})
    assert [m["type"] for m in refused] == ["error"]
    assert refused[0]["code"] == "too_many_questions"
    assert "at most 1 open questions each" in refused[0]["message"]
