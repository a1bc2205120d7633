"""Workshop notes and their rapporteur: who writes, who reads, and that no accepted edit is lost.

Every refusal compares the whole state before and after (`refused`, from `test_commands`).
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason, Rejected
from rooms.ids import PLENARY, ParticipantId
from rooms.meeting import Meeting
from rooms.model import NotesEditing, Phase, Role, RoomNotes
from rooms.plain import from_plain, to_plain
from rooms.view import view_for

from .builders import MODERATOR, T0, meeting_with, person, room
from .test_commands import events_of, refused

LIMITS = MeetingConfig(max_notes_chars=40)


def in_workshops(config: MeetingConfig = LIMITS) -> Meeting:
    """Two rooms open: person 0 and 1 in room 1, person 2 in room 2, person 3 in the plenary."""
    meeting = meeting_with(("North", "South", "East", "West"), rooms=2, config=config)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(1), room(1)), T0)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(2), room(2)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(None), T0)
    return meeting


# A room's notes from its creation ------------------------------------------------------------


def test_a_room_has_notes_from_its_creation_which_keep_its_name_after_it_is_deleted() -> None:
    meeting = meeting_with(rooms=2)
    assert meeting.state.notes[room(1)] == RoomNotes(room(1), "Workshop 1")
    meeting.handle(MODERATOR, cmd.RenameRoom(room(1), "Parks"), T0)
    meeting.handle(MODERATOR, cmd.EditNotes(room(1), 0, "Benches"), T0)
    meeting.handle(MODERATOR, cmd.DeleteRoom(room(1)), T0)
    kept = meeting.state.notes[room(1)]
    assert (kept.room_name, kept.text, kept.version) == ("Parks", "Benches", 1)
    assert room(1) not in meeting.state.workshops


def test_notes_of_a_room_made_before_notes_existed_are_made_at_their_first_change() -> None:
    meeting = meeting_with(rooms=1)
    plain = to_plain(meeting.state)
    del plain["notes"]  # a snapshot stored by an older server
    meeting = Meeting(from_plain(type(meeting.state), plain), meeting.config)
    meeting.handle(MODERATOR, cmd.EditNotes(room(1), 0, "Trees"), T0)
    assert meeting.state.notes[room(1)].text == "Trees"


# The rapporteur ------------------------------------------------------------------------------


def test_a_member_volunteers_and_everyone_is_told() -> None:
    meeting = in_workshops()
    stamped = meeting.handle(person(1), cmd.VolunteerRapporteur(), T0)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.RapporteurChanged(room(1), person(1), by=person(1)), None)
    ]
    assert meeting.state.notes[room(1)].rapporteur == person(1)


@pytest.mark.parametrize(
    ("who", "detail"),
    [
        (person(3), "volunteer from a workshop room you are in"),
        (person(1), "you are already this room's rapporteur"),
        (person(0), "this room already has a rapporteur; a moderator may appoint another"),
    ],
)
def test_volunteering_is_refused_outside_a_room_or_when_it_has_a_rapporteur(
    who: ParticipantId, detail: str
) -> None:
    meeting = in_workshops()
    meeting.handle(person(1), cmd.VolunteerRapporteur(), T0)
    rejected = refused(meeting, who, cmd.VolunteerRapporteur())
    assert (rejected.reason, rejected.detail) == (Reason.CONFLICT, detail)


def test_a_member_volunteers_in_place_of_a_rapporteur_who_left_the_meeting() -> None:
    meeting = in_workshops()
    meeting.handle(person(1), cmd.VolunteerRapporteur(), T0)
    meeting.handle(MODERATOR, cmd.RemoveParticipant(person(1)), T0)
    meeting.handle(person(0), cmd.VolunteerRapporteur(), T0)
    assert meeting.state.notes[room(1)].rapporteur == person(0)


def test_a_moderator_appoints_anyone_replaces_and_clears_and_the_rapporteur_steps_down() -> None:
    meeting = in_workshops()
    appointed = meeting.handle(MODERATOR, cmd.AppointRapporteur(room(1), person(3)), T0)
    assert events_of(appointed) == [ev.RapporteurChanged(room(1), person(3), by=MODERATOR)]
    meeting.handle(MODERATOR, cmd.AppointRapporteur(room(1), person(0)), T0)
    assert meeting.state.notes[room(1)].rapporteur == person(0)
    assert refused(meeting, person(1), cmd.StepDownAsRapporteur(room(1))).detail == (
        "you are not this room's rapporteur"
    )
    stepped = meeting.handle(person(0), cmd.StepDownAsRapporteur(room(1)), T0)
    assert events_of(stepped) == [ev.RapporteurChanged(room(1), None, by=person(0))]
    meeting.handle(MODERATOR, cmd.AppointRapporteur(room(1), person(1)), T0)
    meeting.handle(MODERATOR, cmd.AppointRapporteur(room(1), None), T0)
    assert meeting.state.notes[room(1)].rapporteur is None


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (cmd.AppointRapporteur(room(9), person(0)), Reason.UNKNOWN_ROOM),
        (cmd.AppointRapporteur(PLENARY, person(0)), Reason.UNKNOWN_ROOM),
        (cmd.AppointRapporteur(room(1), ParticipantId("nobody")), Reason.UNKNOWN_PARTICIPANT),
        (cmd.AppointRapporteur(room(1), None), Reason.CONFLICT),
        (cmd.SetNotesEditing(room(1), NotesEditing.RAPPORTEUR), Reason.CONFLICT),
        (cmd.SetNotesEditing(room(9), NotesEditing.MEMBERS), Reason.UNKNOWN_ROOM),
        (cmd.EditNotes(room(9), 0, "x"), Reason.UNKNOWN_ROOM),
    ],
)
def test_a_moderators_notes_command_that_does_not_fit_is_refused(
    command: cmd.Command, reason: Reason
) -> None:
    assert refused(in_workshops(), MODERATOR, command).reason is reason


def test_only_moderators_appoint_and_choose_who_edits() -> None:
    meeting = in_workshops()
    for command in (
        cmd.AppointRapporteur(room(1), person(0)),
        cmd.SetNotesEditing(room(1), NotesEditing.MEMBERS),
    ):
        assert refused(meeting, person(0), command).reason is Reason.NOT_ALLOWED


# Who edits -----------------------------------------------------------------------------------


def test_the_rapporteur_edits_and_the_room_and_the_moderators_are_sent_the_text() -> None:
    meeting = in_workshops()
    meeting.handle(person(0), cmd.VolunteerRapporteur(), T0)
    stamped = meeting.handle(person(0), cmd.EditNotes(room(1), 0, "# Parks\r\n- benches\n"), T0 + 3)
    assert [(s.event, s.audience) for s in stamped] == [
        (
            ev.NotesEdited(room(1), 1, "# Parks\n- benches\n", by=person(0)),
            frozenset({MODERATOR, person(0), person(1)}),
        )
    ]
    notes = meeting.state.notes[room(1)]
    assert (notes.text, notes.version, notes.updated_at, notes.updated_by) == (
        "# Parks\n- benches\n",
        1,
        T0 + 3,
        person(0),
    )


def test_members_edit_only_when_the_moderators_let_them_and_moderators_always_do() -> None:
    meeting = in_workshops()
    meeting.handle(person(0), cmd.VolunteerRapporteur(), T0)
    rejected = refused(meeting, person(1), cmd.EditNotes(room(1), 0, "Mine"))
    assert rejected.reason is Reason.NOT_ALLOWED
    meeting.handle(MODERATOR, cmd.EditNotes(room(1), 0, "The moderator's"), T0)
    changed = meeting.handle(MODERATOR, cmd.SetNotesEditing(room(1), NotesEditing.MEMBERS), T0)
    assert [(s.event, s.audience) for s in changed] == [
        (ev.NotesEditingChanged(room(1), NotesEditing.MEMBERS, by=MODERATOR), None)
    ]
    meeting.handle(person(1), cmd.EditNotes(room(1), 1, "Mine"), T0)
    # A member of another room does not edit this one's.
    assert refused(meeting, person(2), cmd.EditNotes(room(1), 2, "x")).reason is Reason.NOT_ALLOWED
    assert meeting.state.notes[room(1)].text == "Mine"


def test_the_rapporteur_edits_after_the_rooms_close_and_everyone_is_sent_it() -> None:
    meeting = in_workshops()
    meeting.handle(person(0), cmd.VolunteerRapporteur(), T0)
    meeting.handle(MODERATOR, cmd.CloseRooms(), T0)
    stamped = meeting.handle(person(0), cmd.EditNotes(room(1), 0, "Final"), T0)
    assert [s.audience for s in stamped] == [None]


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("x" * 41, "text: longer than 40 characters"),
        ("bell\x07", "text: contains control characters"),
        (
            "\u200b\u200b",
            "text: has nothing visible, only spaces, invisible or combining characters",
        ),
    ],
)
def test_notes_are_checked_like_any_text_and_a_bad_one_changes_nothing(
    text: str, detail: str
) -> None:
    meeting = in_workshops()
    rejected = refused(meeting, MODERATOR, cmd.EditNotes(room(1), 0, text))
    assert (rejected.reason, rejected.detail) == (Reason.INVALID, detail)


def test_notes_keep_their_line_breaks_and_tabs_and_may_be_cleared() -> None:
    meeting = in_workshops()
    meeting.handle(MODERATOR, cmd.EditNotes(room(1), 0, "\n# A\n\t- b\n\n"), T0)
    assert meeting.state.notes[room(1)].text == "\n# A\n\t- b\n\n"
    meeting.handle(MODERATOR, cmd.EditNotes(room(1), 1, ""), T0)
    assert (meeting.state.notes[room(1)].text, meeting.state.notes[room(1)].version) == ("", 2)


# Concurrent edits ----------------------------------------------------------------------------


def test_of_two_editors_racing_on_one_version_the_second_is_refused_stale() -> None:
    meeting = in_workshops()
    meeting.handle(MODERATOR, cmd.SetNotesEditing(room(1), NotesEditing.MEMBERS), T0)
    meeting.handle(person(0), cmd.EditNotes(room(1), 0, "Ola's text"), T0)
    rejected = refused(meeting, person(1), cmd.EditNotes(room(1), 0, "Jan's text"))
    assert rejected.reason is Reason.STALE_NOTES
    assert "the notes are at version 1" in rejected.detail
    assert meeting.state.notes[room(1)].text == "Ola's text"
    # Jan merges on the current version: accepted.
    meeting.handle(person(1), cmd.EditNotes(room(1), 1, "Ola's text\nJan's text"), T0)
    assert meeting.state.notes[room(1)].version == 2


def test_an_edit_of_the_text_already_there_is_accepted_with_no_event() -> None:
    """A retry whose first try was applied but whose reply was lost."""
    meeting = in_workshops()
    meeting.handle(MODERATOR, cmd.EditNotes(room(1), 0, "Same"), T0)
    assert meeting.handle(MODERATOR, cmd.EditNotes(room(1), 0, "Same"), T0) == []


EDITORS = [MODERATOR, person(0), person(1)]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(EDITORS),
            st.sampled_from(["look", "edit", "edit", "edit"]),
            st.sampled_from(["a", "b", "a\nb", "# c", ""]),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_no_accepted_edit_is_lost(steps: list[tuple[ParticipantId, str, str]]) -> None:
    """Editors each write on the version they last saw, and look at the notes now and then.
    Every accepted edit replaced the very text its editor saw; a refused one changed nothing;
    the versions count the accepted edits, and the notes are the last accepted text."""
    meeting = in_workshops(MeetingConfig())
    meeting.handle(MODERATOR, cmd.SetNotesEditing(room(1), NotesEditing.MEMBERS), T0)
    seen = {who: (0, "") for who in EDITORS}
    accepted: list[str] = []
    for who, action, text in steps:
        notes = meeting.state.notes[room(1)]
        current = (notes.version, notes.text)
        if action == "look":
            seen[who] = current
            continue
        version, saw = seen[who]
        before = to_plain(meeting.state)
        try:
            stamped = meeting.handle(who, cmd.EditNotes(room(1), version, text), T0)
        except Rejected as refusal:
            assert refusal.reason is Reason.STALE_NOTES
            assert version != current[0]
            assert to_plain(meeting.state) == before
            continue
        if stamped:
            assert (version, saw) == current, "an edit replaced a text its editor had not seen"
            accepted.append(text)
        else:
            assert text == current[1]
        seen[who] = (meeting.state.notes[room(1)].version, text)
    notes = meeting.state.notes[room(1)]
    assert notes.version == len(accepted)
    assert notes.text == (accepted[-1] if accepted else "")


# Who reads -----------------------------------------------------------------------------------


def test_while_the_workshops_run_a_room_s_notes_are_shown_only_to_those_who_may_read_them() -> None:
    meeting = in_workshops()
    meeting.handle(MODERATOR, cmd.AppointRapporteur(room(1), person(3)), T0)
    meeting.handle(MODERATOR, cmd.EditNotes(room(1), 0, "Parks"), T0)
    shown = {p: view_for(meeting.state, p).notes[room(1)] for p in meeting.state.participants}
    readers = {p for p, notes in shown.items() if notes.text == "Parks"}
    # The rapporteur reads wherever they are; person 2 is in another room.
    assert readers == {MODERATOR, person(0), person(1), person(3)}
    assert (shown[person(2)].version, shown[person(2)].rapporteur) == (1, person(3))
    meeting.handle(MODERATOR, cmd.CloseRooms(), T0)
    assert meeting.state.phase is Phase.PLENARY
    assert view_for(meeting.state, person(2)).notes[room(1)].text == "Parks"


def test_a_participant_made_moderator_reads_every_room_s_notes() -> None:
    meeting = in_workshops()
    meeting.handle(MODERATOR, cmd.EditNotes(room(1), 0, "Parks"), T0)
    assert view_for(meeting.state, person(2)).notes[room(1)].text == ""
    meeting.handle(MODERATOR, cmd.SetRole(person(2), Role.MODERATOR), T0)
    assert view_for(meeting.state, person(2)).notes[room(1)].text == "Parks"
