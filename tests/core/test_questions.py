"""Questions to the panel: asked, upvoted, marked by the moderators, withdrawn by their author.

Every refusal compares the whole state before and after (`refused`), as in `test_commands`. An
anonymous question's author reaches only the moderators and the author, by event and snapshot.
"""

import pytest

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason
from rooms.ids import PLENARY, ParticipantId, QuestionId
from rooms.meeting import Meeting
from rooms.model import QuestionStatus, Role
from rooms.plain import RecordError, from_plain, to_plain
from rooms.questions import ranked
from rooms.view import sees, view_for

from .builders import MODERATOR, T0, meeting_with, person, room
from .test_commands import events_of, refused

LIMITS = MeetingConfig(max_question_chars=20, max_open_questions=2, max_questions=4)


def question(i: int) -> QuestionId:
    return QuestionId(f"question-{i}")


def asked(*anonymous: bool, config: MeetingConfig = LIMITS) -> Meeting:
    """`person(i)` asked question i + 1, anonymous as given."""
    meeting = meeting_with(("North", "South", "East", "West"), rooms=1, config=config)
    for i, hidden in enumerate(anonymous):
        meeting.handle(person(i), cmd.AskQuestion(f"Question {i}?", hidden), T0 + i)
    return meeting


# Asking ---------------------------------------------------------------------------------------


def test_a_question_is_asked_to_everyone_with_its_author_and_room() -> None:
    meeting = asked()
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(1), room(1)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(None), T0)
    stamped = meeting.handle(person(1), cmd.AskQuestion("  Who pays?  "), T0 + 5)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.QuestionAsked(question(1), "Who pays?", room(1), False, person(1)), None)
    ]
    [q] = meeting.state.questions.asked
    assert (q.room, q.at, q.author, q.status) == (room(1), T0 + 5, person(1), QuestionStatus.OPEN)


def test_an_anonymous_questions_author_reaches_only_the_moderators_and_the_author() -> None:
    meeting = asked()
    stamped = meeting.handle(person(2), cmd.AskQuestion("Who pays?", anonymous=True), T0)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.QuestionAsked(question(1), "Who pays?", PLENARY, True, None), None),
        (ev.QuestionAuthor(question(1), person(2)), frozenset({MODERATOR, person(2)})),
    ]
    assert meeting.state.questions.asked[0].author == person(2)
    # What each one is sent: the others never the author, in an event or in their snapshot.
    for viewer in meeting.state.participants:
        received = [to_plain(s.event) for s in stamped if sees(s, viewer)]
        shown = view_for(meeting.state, viewer).questions.asked[0].author
        if viewer in (MODERATOR, person(2)):
            assert shown == person(2)
        else:
            assert person(2) not in str(received)
            assert shown is None


def test_a_participant_made_moderator_sees_the_author_in_their_next_snapshot() -> None:
    meeting = asked(True)
    assert view_for(meeting.state, person(1)).questions.asked[0].author is None
    meeting.handle(MODERATOR, cmd.SetRole(person(1), Role.MODERATOR), T0)
    assert view_for(meeting.state, person(1)).questions.asked[0].author == person(0)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("", "text: must not be empty"),
        ("x" * 21, "text: longer than 20 characters"),
    ],
)
def test_a_question_empty_or_too_long_is_refused_naming_the_field(text: str, detail: str) -> None:
    meeting = asked()
    rejected = refused(meeting, person(0), cmd.AskQuestion(text))
    assert (rejected.reason, rejected.detail) == (Reason.INVALID, detail)


def test_open_questions_per_person_and_in_the_meeting_are_limited() -> None:
    meeting = asked(False, False)
    meeting.handle(person(0), cmd.AskQuestion("More?"), T0)
    too_many = refused(meeting, person(0), cmd.AskQuestion("Again?"))
    assert too_many.reason is Reason.TOO_MANY_QUESTIONS
    assert "at most 2 open questions each" in too_many.detail
    # Answered, it no longer counts against its author.
    meeting.handle(MODERATOR, cmd.MarkQuestion(question(1), QuestionStatus.ANSWERED), T0)
    meeting.handle(person(0), cmd.AskQuestion("Again?"), T0)
    full = refused(meeting, person(2), cmd.AskQuestion("Mine?"))
    assert full.reason is Reason.TOO_MANY_QUESTIONS
    assert full.detail == "the meeting has 4 questions, the most it keeps"


# Votes ------------------------------------------------------------------------------------------


def test_everyone_upvotes_once_takes_the_vote_back_and_the_list_follows_the_votes() -> None:
    meeting = asked(False, False, True)
    upvoted = meeting.handle(person(0), cmd.UpvoteQuestion(question(3)), T0)
    assert events_of(upvoted) == [ev.QuestionUpvoted(question(3), person(0))]
    meeting.handle(MODERATOR, cmd.UpvoteQuestion(question(2)), T0)
    meeting.handle(person(1), cmd.UpvoteQuestion(question(3)), T0)
    order = [q.id for q in ranked(meeting.state.questions.asked)]
    assert order == [question(3), question(2), question(1)]
    again = refused(meeting, person(0), cmd.UpvoteQuestion(question(3)))
    assert (again.reason, again.detail) == (Reason.CONFLICT, "you already upvoted that question")
    retracted = meeting.handle(person(0), cmd.RetractUpvote(question(3)), T0)
    assert events_of(retracted) == [ev.QuestionUpvoteRetracted(question(3), person(0))]
    meeting.handle(person(1), cmd.RetractUpvote(question(3)), T0)
    # A tie keeps the order asked.
    meeting.handle(person(1), cmd.UpvoteQuestion(question(1)), T0)
    order = [q.id for q in ranked(meeting.state.questions.asked)]
    assert order == [question(1), question(2), question(3)]


def test_votes_refused_change_nothing() -> None:
    meeting = asked(True)
    own = refused(meeting, person(0), cmd.UpvoteQuestion(question(1)))
    assert (own.reason, own.detail) == (Reason.CONFLICT, "you cannot upvote your own question")
    not_voted = refused(meeting, person(1), cmd.RetractUpvote(question(1)))
    assert not_voted.reason is Reason.CONFLICT
    unknown = refused(meeting, person(1), cmd.UpvoteQuestion(question(9)))
    assert (unknown.reason, unknown.detail) == (Reason.UNKNOWN_QUESTION, "no question 'question-9'")
    meeting.handle(MODERATOR, cmd.MarkQuestion(question(1), QuestionStatus.DISMISSED), T0)
    closed = refused(meeting, person(1), cmd.UpvoteQuestion(question(1)))
    assert closed.reason is Reason.CONFLICT and "dismissed" in closed.detail


# Moderators mark, authors withdraw ------------------------------------------------------------


def test_one_question_is_answered_at_a_time() -> None:
    meeting = asked(False, True)
    meeting.handle(MODERATOR, cmd.MarkQuestion(question(1), QuestionStatus.ANSWERING), T0)
    next_one = cmd.MarkQuestion(question(2), QuestionStatus.ANSWERING)
    moved_on = meeting.handle(MODERATOR, next_one, T0)
    assert events_of(moved_on) == [
        ev.QuestionMarked(question(1), QuestionStatus.ANSWERED, by=MODERATOR),
        ev.QuestionMarked(question(2), QuestionStatus.ANSWERING, by=MODERATOR),
    ]
    statuses = [q.status for q in meeting.state.questions.asked]
    assert statuses == [QuestionStatus.ANSWERED, QuestionStatus.ANSWERING]


def test_an_owed_answer_is_answered_later_and_a_dismissed_question_stays_dismissed() -> None:
    meeting = asked(False, True)
    meeting.handle(MODERATOR, cmd.MarkQuestion(question(1), QuestionStatus.OWED), T0)
    meeting.handle(MODERATOR, cmd.MarkQuestion(question(1), QuestionStatus.ANSWERED), T0)
    dismiss = cmd.MarkQuestion(question(2), QuestionStatus.DISMISSED)
    dismissed = meeting.handle(MODERATOR, dismiss, T0)
    # Everyone is told, its author too; nothing in it names the anonymous author.
    assert [(s.event, s.audience) for s in dismissed] == [
        (ev.QuestionMarked(question(2), QuestionStatus.DISMISSED, by=MODERATOR), None)
    ]
    for status in (QuestionStatus.ANSWERING, QuestionStatus.OWED):
        rejected = refused(meeting, MODERATOR, cmd.MarkQuestion(question(2), status))
        assert rejected.reason is Reason.CONFLICT
        assert rejected.detail == f"a question dismissed cannot be marked {status}"
    rejected = refused(meeting, MODERATOR, cmd.MarkQuestion(question(1), QuestionStatus.OWED))
    assert rejected.reason is Reason.CONFLICT


def test_only_moderators_mark_questions() -> None:
    meeting = asked(False)
    mark = cmd.MarkQuestion(question(1), QuestionStatus.ANSWERED)
    assert refused(meeting, person(0), mark).reason is Reason.NOT_ALLOWED


def test_a_question_is_not_marked_open_by_its_shape() -> None:
    with pytest.raises(RecordError, match="a question is not marked open"):
        from_plain(cmd.MarkQuestion, {"question": "question-1", "status": "open"})


def test_its_author_withdraws_a_question_without_being_named() -> None:
    meeting = asked(True, False)
    meeting.handle(person(1), cmd.UpvoteQuestion(question(1)), T0)
    others = refused(meeting, person(1), cmd.WithdrawQuestion(question(1)))
    assert (others.reason, others.detail) == (
        Reason.NOT_ALLOWED,
        "only its author withdraws a question",
    )
    assert refused(meeting, MODERATOR, cmd.WithdrawQuestion(question(1))).reason is (
        Reason.NOT_ALLOWED
    )
    withdrawn = meeting.handle(person(0), cmd.WithdrawQuestion(question(1)), T0)
    assert [(s.event, s.audience) for s in withdrawn] == [
        (ev.QuestionWithdrawn(question(1)), None)
    ]
    assert [q.id for q in meeting.state.questions.asked] == [question(2)]
    # A new question takes a new number.
    meeting.handle(person(0), cmd.AskQuestion("Again?"), T0)
    assert meeting.state.questions.asked[-1].id == question(3)


def test_an_answered_question_can_no_longer_be_withdrawn() -> None:
    meeting = asked(False)
    meeting.handle(MODERATOR, cmd.MarkQuestion(question(1), QuestionStatus.ANSWERING), T0)
    meeting.handle(person(0), cmd.WithdrawQuestion(question(1)), T0)
    meeting.handle(person(0), cmd.AskQuestion("Again?"), T0)
    meeting.handle(MODERATOR, cmd.MarkQuestion(question(2), QuestionStatus.ANSWERED), T0)
    rejected = refused(meeting, person(0), cmd.WithdrawQuestion(question(2)))
    assert (rejected.reason, rejected.detail) == (
        Reason.CONFLICT,
        "that question is answered and can no longer be withdrawn",
    )


def test_the_author_of_a_question_who_leaves_stays_known_to_the_moderators() -> None:
    meeting = asked(True)
    meeting.handle(MODERATOR, cmd.RemoveParticipant(person(0)), T0)
    assert view_for(meeting.state, MODERATOR).questions.asked[0].author == person(0)
    assert view_for(meeting.state, person(1)).questions.asked[0].author is None
    assert ParticipantId("p0") not in meeting.state.participants
