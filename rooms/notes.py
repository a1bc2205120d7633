"""Workshop notes and their rapporteur: what a workshop room leaves behind.

Every workshop room has notes from its creation (`RoomCreated` makes the entry) until the meeting's
data expires: deleting the room keeps them, with its name, for the report-back and the record.

- **The rapporteur** reports the room back. A member of the room volunteers while the room has
  none (or has one who left the meeting), a moderator appoints anyone in the meeting or clears it,
  and the rapporteur steps down. Who it is goes to everyone: the console and the plenary show it.
- **Who edits** is the moderators' choice per room (`NotesEditing`): the rapporteur only, or every
  member of the room. Moderators may always edit; the rapporteur may wherever they are.
- **Concurrent edits lose nothing**: an edit is the whole text, written on the version the editor
  last saw (`base_version`). An edit on any other version is refused (`stale_notes`, naming the
  current version) and changes nothing; the editor's client then shows the current text beside
  its own and the person merges. Every accepted edit was written on the text it replaces. An edit
  whose text is already the notes' is accepted with no event (a retry after a lost reply).
- **Who reads them**: while the workshops run, a room's notes are its members', its rapporteur's
  and the moderators' (their edits go to those only); in the plenary, everyone's. A client that
  becomes able to read notes it was not sent (the rooms closed, it moved into a room, it was made
  a moderator) asks for them with the `notes` request (`server.signalling.notes_request`).
"""

from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason, quoted, require
from rooms.ids import PLENARY, ParticipantId, RoomId
from rooms.model import MeetingState, NotesEditing, Phase, Role, RoomNotes
from rooms.texts import free_text

Audience = frozenset[ParticipantId] | None
Outcome = list[tuple[ev.Event, Audience]]


def notes_of(state: MeetingState, room: RoomId) -> RoomNotes:
    """The notes of a workshop room that exists or existed (they outlive it): its entry, or a
    blank one for a room made before notes existed (a meeting stored by an older server), which
    `rooms.evolve` stores at the notes' first change."""
    notes = state.notes.get(room)
    if notes is not None:
        return notes
    workshop = state.workshops.get(room)
    require(workshop is not None, Reason.UNKNOWN_ROOM, f"no workshop room {quoted(room)}")
    assert workshop is not None
    return RoomNotes(room, workshop.name)


def volunteer(state: MeetingState, actor: ParticipantId) -> Outcome:
    """`actor` becomes the rapporteur of the workshop room they are in."""
    room = state.participants[actor].room
    require(room != PLENARY, Reason.CONFLICT, "volunteer from a workshop room you are in")
    notes = notes_of(state, room)
    require(notes.rapporteur != actor, Reason.CONFLICT, "you are already this room's rapporteur")
    require(
        notes.rapporteur not in state.participants,
        Reason.CONFLICT,
        "this room already has a rapporteur; a moderator may appoint another",
    )
    return [(ev.RapporteurChanged(room, actor, by=actor), None)]


def appoint(
    state: MeetingState, actor: ParticipantId, room: RoomId, rapporteur: ParticipantId | None
) -> Outcome:
    """A moderator names the room's rapporteur (anyone in the meeting), or None to clear it."""
    notes = notes_of(state, room)
    if rapporteur is not None:
        require(
            rapporteur in state.participants,
            Reason.UNKNOWN_PARTICIPANT,
            f"no participant {quoted(rapporteur)}",
        )
    require(
        notes.rapporteur != rapporteur,
        Reason.CONFLICT,
        "that is already the room's rapporteur" if rapporteur else "the room has no rapporteur",
    )
    return [(ev.RapporteurChanged(room, rapporteur, by=actor), None)]


def step_down(state: MeetingState, actor: ParticipantId, room: RoomId) -> Outcome:
    notes = notes_of(state, room)
    require(notes.rapporteur == actor, Reason.CONFLICT, "you are not this room's rapporteur")
    return [(ev.RapporteurChanged(room, None, by=actor), None)]


def set_editing(
    state: MeetingState, actor: ParticipantId, room: RoomId, editing: NotesEditing
) -> Outcome:
    notes = notes_of(state, room)
    require(
        notes.editing is not editing, Reason.CONFLICT, f"the notes' editing is already {editing}"
    )
    return [(ev.NotesEditingChanged(room, editing, by=actor), None)]


def edit(
    state: MeetingState,
    config: MeetingConfig,
    actor: ParticipantId,
    room: RoomId,
    base_version: int,
    text: str,
) -> Outcome:
    """The notes replaced by `text`, written on version `base_version` (see the module's doc)."""
    notes = notes_of(state, room)
    require(
        may_edit(state, notes, actor),
        Reason.NOT_ALLOWED,
        "only the room's rapporteur (or its members, if the moderators allow it) edits its notes",
    )
    text = notes_text(text, config)
    if text == notes.text:
        return []
    require(
        base_version == notes.version,
        Reason.STALE_NOTES,
        f"the notes are at version {notes.version}, yours were written on version"
        f" {base_version}: merge your text with the current one and send it on"
        f" version {notes.version}",
    )
    edited = ev.NotesEdited(room, notes.version + 1, text, by=actor)
    return [(edited, readers(state, room, actor))]


def notes_text(value: str, config: MeetingConfig) -> str:
    """Checked as any free text is (`rooms.texts.free_text`: within the limit, no control
    characters but line breaks and tabs), but kept as typed, with its leading and trailing
    blank lines: the editor's text area holds exactly what was saved. Empty clears the notes."""
    text = value.replace("\r\n", "\n")
    limit = config.max_notes_chars
    require(len(text) <= limit, Reason.INVALID, f"text: longer than {limit} characters")
    free_text(text, "text", limit, allow_empty=True)
    return text


def may_edit(state: MeetingState, notes: RoomNotes, who: ParticipantId) -> bool:
    person = state.participants.get(who)
    if person is None:
        return False
    if person.role is Role.MODERATOR or notes.rapporteur == who:
        return True
    return notes.editing is NotesEditing.MEMBERS and person.room == notes.room


def may_read(state: MeetingState, notes: RoomNotes, viewer: ParticipantId) -> bool:
    """In the plenary, everyone; while the workshops run, the room's members, its rapporteur and
    the moderators."""
    if state.phase is Phase.PLENARY or notes.rapporteur == viewer:
        return True
    person = state.participants.get(viewer)
    return person is not None and (person.role is Role.MODERATOR or person.room == notes.room)


def readers(state: MeetingState, room: RoomId, editor: ParticipantId) -> Audience:
    """Who is sent an edit of `room`'s notes: everyone in the plenary (None), else those who may
    read them now, and the editor."""
    if state.phase is Phase.PLENARY:
        return None
    notes = notes_of(state, room)
    return frozenset(
        [editor, *(p for p in state.participants if may_read(state, notes, p))]
    )


def readable(state: MeetingState, viewer: ParticipantId) -> list[RoomNotes]:
    """The notes `viewer` may read, in the order the rooms were created."""
    return [n for n in state.notes.values() if may_read(state, n, viewer)]
