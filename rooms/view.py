"""What each participant may see of a meeting: events and chat history by their audience, who
asked an anonymous question (moderators and its author only, `rooms.questions`), who voted
what in a poll (moderators, and each voter their own, `rooms.polls`), a workshop room's notes
while the workshops run (its members, its rapporteur and the moderators, `rooms.notes`), and the
contacts directory (those who opted in only, `rooms.contacts`)."""

import copy
import dataclasses

from rooms import contacts, notes
from rooms.events import Stamped
from rooms.ids import ParticipantId
from rooms.model import (
    ChatMessage,
    History,
    MeetingState,
    Poll,
    Polls,
    Question,
    Questions,
    Role,
)


def sees(stamped: Stamped, viewer: ParticipantId) -> bool:
    return stamped.audience is None or viewer in stamped.audience


def may_read(message: ChatMessage, viewer: ParticipantId) -> bool:
    """Private messages went to their two people; a workshop's chat to the room's members and the
    moderators of that moment. Who received a message when it was posted may read it later."""
    return message.audience is None or viewer in message.audience


def view_for(
    state: MeetingState, viewer: ParticipantId, recent_chat: int | None = None
) -> MeetingState:
    """A copy of the state with only the chat `viewer` received when it was posted, and of that
    only the `recent_chat` latest messages when given (the rest is paged with `chat_before`).

    The author of an anonymous question is blanked unless `viewer` is a moderator or the author.
    A poll's ballots and who has voted are blanked but the viewer's own unless they are a
    moderator: the others see the tally the room was sent, as `ballot_cast` and `poll_voted` go
    to the voter and the moderators only.
    A workshop room's notes the viewer may not read now (`rooms.notes.may_read`) have their text
    blanked; who reports them, who edits them and their version stay.
    The meeting's history is nobody's: it is the record's (moderators download it over HTTP).
    The contacts directory is there only for a viewer who opted in.
    The links' generations and the invitees are the server's alone (rooms.organiser,
    rooms.invitees).
    Who waits in the lobby is the moderators' (rooms.lobby); whether there is one, everyone's.
    The rest of the meeting (who is where, hands, rooms, clock) is everyone's.
    """
    visible = copy.copy(state)
    visible.history = History()
    visible.link_generations = {}
    visible.invitees = {}
    if recent_chat is None:
        visible.chat = [m for m in state.chat if may_read(m, viewer)]
    else:
        visible.chat, _ = chat_before(state, viewer, None, recent_chat)
    visible.questions = Questions(
        [_question_for(state, q, viewer) for q in state.questions.asked],
        state.questions.created,
    )
    # Polls
    me = state.participants.get(viewer)
    if me is None or me.role is not Role.MODERATOR:
        visible.lobby = {}
        visible.polls = Polls(
            [_poll_for(p, viewer) for p in state.polls.polls], state.polls.created
        )
    # Workshop notes
    visible.notes = {
        room: entry if notes.may_read(state, entry, viewer) else dataclasses.replace(entry, text="")
        for room, entry in state.notes.items()
    }
    # Contacts between leaders
    visible.contacts = contacts.directory_for(state, viewer)
    return visible


def replay_for(state: MeetingState, stamped: Stamped, viewer: ParticipantId) -> Stamped | None:
    """A past event as a client catching up on `state` may receive it, or None: only what its
    audience held, and contact details only as they still are, to those who still opt in
    (`rooms.contacts.still_shown`)."""
    if not sees(stamped, viewer):
        return None
    # Contacts between leaders
    event = contacts.still_shown(state, stamped.event, viewer)
    if event is None:
        return None
    return stamped if event is stamped.event else dataclasses.replace(stamped, event=event)


def _poll_for(poll: Poll, viewer: ParticipantId) -> Poll:
    ballots = {v: c for v, c in poll.ballots.items() if v == viewer}
    voted = [v for v in poll.voted if v == viewer]
    return dataclasses.replace(poll, ballots=ballots, voted=voted)


def _question_for(state: MeetingState, question: Question, viewer: ParticipantId) -> Question:
    me = state.participants.get(viewer)
    if not question.anonymous or question.author == viewer:
        return question
    if me is not None and me.role is Role.MODERATOR:
        return question
    return dataclasses.replace(question, author=None)


def chat_before(
    state: MeetingState, viewer: ParticipantId, before: int | None, limit: int
) -> tuple[list[ChatMessage], bool]:
    """The `limit` latest messages `viewer` may read that were posted before sequence number
    `before` (None: the latest of all), oldest first, and whether older ones remain."""
    older = [
        m for m in state.chat if may_read(m, viewer) and (before is None or m.seq < before)
    ]
    page = older[max(0, len(older) - limit) :]
    return page, len(older) > len(page)
