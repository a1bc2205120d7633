"""Questions to the panel: asked by anyone in the meeting, upvoted, and taken by the moderators.

A question goes to the plenary's panel from wherever its author is (a workshop room's question is
tagged with the room). It may be anonymous to the others: moderators still see who asked. The
meeting's state always keeps the author; what others get never names them:

- `QuestionAsked` goes to everyone, with `author` None when anonymous, and `QuestionAuthor` then
  names the author to the moderators of that moment and the author alone (its audience). Two
  events rather than one shaped per viewer: the edge sends each event as it is to those in its
  audience (as it does a private chat), and every worker's replica applies both, so its state has
  the author for the moderators who join later.
- `rooms.view.view_for` blanks the author of an anonymous question in the snapshot of anyone who
  is neither a moderator nor the author.
- No later event about a question names its author: a withdrawal carries no `by`, a dismissal
  none of the author (the author's client knows its own question from `question_author`), and an
  author may not upvote their own question (the vote would name them).

Everyone upvotes a question once and may take the vote back, while it is open or being answered.
The state keeps the questions in the order asked and their voters; `ranked` orders them by votes,
then by time (the client orders them the same way). Moderators mark a question being answered
(at most one at a time: the one answered before is answered), answered, owed (to be answered in
writing later) or dismissed (`MARKS` is the table); an author withdraws their own question while
it is open or being answered.
"""

from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason, quoted, require
from rooms.ids import ParticipantId, QuestionId, RoomId
from rooms.model import MeetingState, Question, QuestionStatus
from rooms.texts import free_text

# Still before the panel: counted against `max_open_questions`, upvoted and withdrawn.
OPEN = frozenset({QuestionStatus.OPEN, QuestionStatus.ANSWERING})

# What a moderator may mark a question, from each status. An owed answer, once given in writing,
# is answered; answered and dismissed questions stay as they are, in the meeting's record.
MARKS: dict[QuestionStatus, frozenset[QuestionStatus]] = {
    QuestionStatus.OPEN: frozenset(
        {
            QuestionStatus.ANSWERING,
            QuestionStatus.ANSWERED,
            QuestionStatus.OWED,
            QuestionStatus.DISMISSED,
        }
    ),
    QuestionStatus.ANSWERING: frozenset(
        {QuestionStatus.ANSWERED, QuestionStatus.OWED, QuestionStatus.DISMISSED}
    ),
    QuestionStatus.OWED: frozenset({QuestionStatus.ANSWERED}),
    QuestionStatus.ANSWERED: frozenset(),
    QuestionStatus.DISMISSED: frozenset(),
}


def ask(
    state: MeetingState,
    config: MeetingConfig,
    author: ParticipantId,
    room: RoomId,
    text: str,
    anonymous: bool,
) -> list[tuple[ev.Event, frozenset[ParticipantId] | None]]:
    """The question asked to everyone, and, when anonymous, its author to moderators and author."""
    text = free_text(text, "text", config.max_question_chars)
    questions = state.questions
    require(
        len(questions.asked) < config.max_questions,
        Reason.TOO_MANY_QUESTIONS,
        f"the meeting has {config.max_questions} questions, the most it keeps",
    )
    open_ones = sum(1 for q in questions.asked if q.author == author and q.status in OPEN)
    require(
        open_ones < config.max_open_questions,
        Reason.TOO_MANY_QUESTIONS,
        f"at most {config.max_open_questions} open questions each:"
        " ask again when one of yours is answered or withdrawn",
    )
    question = QuestionId(f"question-{questions.created + 1}")
    if not anonymous:
        return [(ev.QuestionAsked(question, text, room, False, author), None)]
    told = frozenset([author, *state.moderators()])
    return [
        (ev.QuestionAsked(question, text, room, True, None), None),
        (ev.QuestionAuthor(question, author), told),
    ]


def upvote(state: MeetingState, voter: ParticipantId, question_id: QuestionId) -> list[ev.Event]:
    question = _open_question(state, question_id)
    require(question.author != voter, Reason.CONFLICT, "you cannot upvote your own question")
    require(voter not in question.voters, Reason.CONFLICT, "you already upvoted that question")
    return [ev.QuestionUpvoted(question.id, voter)]


def retract_upvote(
    state: MeetingState, voter: ParticipantId, question_id: QuestionId
) -> list[ev.Event]:
    question = _open_question(state, question_id)
    require(voter in question.voters, Reason.CONFLICT, "you have not upvoted that question")
    return [ev.QuestionUpvoteRetracted(question.id, voter)]


def withdraw(state: MeetingState, author: ParticipantId, question_id: QuestionId) -> list[ev.Event]:
    question = _question(state, question_id)
    require(question.author == author, Reason.NOT_ALLOWED, "only its author withdraws a question")
    require(
        question.status in OPEN,
        Reason.CONFLICT,
        f"that question is {question.status} and can no longer be withdrawn",
    )
    return [ev.QuestionWithdrawn(question.id)]


def mark(
    state: MeetingState, actor: ParticipantId, question_id: QuestionId, status: QuestionStatus
) -> list[ev.Event]:
    question = _question(state, question_id)
    require(
        status in MARKS[question.status],
        Reason.CONFLICT,
        f"a question {question.status} cannot be marked {status}",
    )
    events: list[ev.Event] = []
    if status is QuestionStatus.ANSWERING:
        events += [
            ev.QuestionMarked(q.id, QuestionStatus.ANSWERED, by=actor)
            for q in state.questions.asked
            if q.status is QuestionStatus.ANSWERING
        ]
    events.append(ev.QuestionMarked(question.id, status, by=actor))
    return events


def ranked(questions: list[Question]) -> list[Question]:
    """Most votes first; on a tie, the one asked first (the list is in the order asked)."""
    return sorted(questions, key=lambda q: -len(q.voters))


def _question(state: MeetingState, question_id: QuestionId) -> Question:
    question = state.questions.question(question_id)
    require(question is not None, Reason.UNKNOWN_QUESTION, f"no question {quoted(question_id)}")
    assert question is not None
    return question


def _open_question(state: MeetingState, question_id: QuestionId) -> Question:
    question = _question(state, question_id)
    require(
        question.status in OPEN,
        Reason.CONFLICT,
        f"that question is {question.status}; votes are for open questions",
    )
    return question
