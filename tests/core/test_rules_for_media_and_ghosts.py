"""The meeting's rules the server applies from outside the core: who may publish, when ghosts go."""

from rooms import commands as cmd
from rooms.ghosts import departures_due, next_departure
from rooms.ids import ParticipantId
from rooms.model import Role
from rooms.publishing import EVERYTHING, NOTHING, VOICE_AND_CAMERA, Source, publish_rights

from .builders import MODERATOR, T0, meeting_with, person, room

GRACE_S = 300.0


def test_in_the_plenary_moderators_and_presenters_publish_everything_and_others_nothing() -> None:
    meeting = meeting_with()
    meeting.handle(MODERATOR, cmd.SetRole(person(0), Role.PRESENTER), T0)
    state = meeting.state
    assert publish_rights(state, MODERATOR) == EVERYTHING
    assert publish_rights(state, person(0)) == EVERYTHING
    assert publish_rights(state, person(1)) == NOTHING


def test_the_floor_gives_voice_and_camera_but_no_screen() -> None:
    meeting = meeting_with()
    meeting.handle(MODERATOR, cmd.GiveFloor(person(1)), T0)
    assert publish_rights(meeting.state, person(1)) == VOICE_AND_CAMERA
    assert Source.SCREEN not in VOICE_AND_CAMERA


def test_in_a_workshop_everyone_publishes_everything() -> None:
    meeting = meeting_with(rooms=1)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(1), room(1)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(None), T0)
    meeting.handle(MODERATOR, cmd.Visit(room(1)), T0)
    assert publish_rights(meeting.state, person(1)) == EVERYTHING
    assert publish_rights(meeting.state, MODERATOR) == EVERYTHING


def test_a_hard_mute_takes_the_microphone_only_and_holds_in_a_workshop() -> None:
    meeting = meeting_with(rooms=1)
    meeting.handle(MODERATOR, cmd.HardMute(person(0)), T0)
    meeting.handle(MODERATOR, cmd.MoveParticipant(person(0), room(1)), T0)
    meeting.handle(MODERATOR, cmd.OpenRooms(None), T0)
    assert publish_rights(meeting.state, person(0)) == EVERYTHING - {Source.MICROPHONE}


def test_the_disconnected_and_strangers_publish_nothing() -> None:
    meeting = meeting_with()
    meeting.handle(None, cmd.Disconnect(MODERATOR), T0)
    assert publish_rights(meeting.state, MODERATOR) == NOTHING
    assert publish_rights(meeting.state, ParticipantId("stranger")) == NOTHING


def test_a_source_sends_the_kind_of_track_webrtc_expects() -> None:
    assert {s: s.kind for s in Source} == {
        Source.MICROPHONE: "audio",
        Source.CAMERA: "video",
        Source.SCREEN: "video",
    }


def test_a_ghost_is_let_go_once_the_grace_since_it_dropped_has_run_out() -> None:
    meeting = meeting_with()
    meeting.handle(None, cmd.Disconnect(person(1)), T0 + 10)
    meeting.handle(None, cmd.Disconnect(person(0)), T0 + 20)
    state = meeting.state
    assert next_departure(state, GRACE_S) == T0 + 10 + GRACE_S
    assert departures_due(state, GRACE_S, T0 + 10 + GRACE_S - 0.001) == []
    assert departures_due(state, GRACE_S, T0 + 10 + GRACE_S) == [person(1)]
    # In the order they joined, as `Depart`s are sent.
    assert departures_due(state, GRACE_S, T0 + 20 + GRACE_S) == [person(0), person(1)]


def test_a_ghost_that_came_back_is_not_let_go() -> None:
    meeting = meeting_with()
    meeting.handle(None, cmd.Disconnect(person(0)), T0)
    meeting.handle(None, cmd.Rejoin(person(0)), T0 + 1)
    assert next_departure(meeting.state, GRACE_S) is None
    assert departures_due(meeting.state, GRACE_S, T0 + 10 * GRACE_S) == []
