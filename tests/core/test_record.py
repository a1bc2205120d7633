"""The meeting's record (`rooms.record`) on a whole recorded meeting (`whole_meeting`)."""

import json

import pytest

from rooms import commands as cmd
from rooms.events import Stamped
from rooms.evolve import apply
from rooms.ids import AgendaItemId, ParticipantId, RoomId
from rooms.model import Departure, ItemStatus, MeetingState, QuestionStatus, Role
from rooms.plain import from_plain, to_plain
from rooms.record import Attendance, MeetingRecord, meeting_record
from tests.client.sessions import Session, whole_meeting_session


@pytest.fixture(scope="module")
def session() -> Session:
    return whole_meeting_session()


def replayed(session: Session, events: list[Stamped], start: MeetingState) -> MeetingState:
    config = session.config
    for one in events:
        apply(start, one, config.chat_history, config.record_chat_lines)
    return start


def row(record: MeetingRecord, name: str) -> Attendance:
    return next(r for r in record.attendance if r.name == name)


def test_the_record_is_the_same_from_the_live_state_a_replay_and_any_snapshot(
    session: Session,
) -> None:
    assert session.start is not None and session.start["seq"] == 0, "recorded from the start"
    live = meeting_record(session.meeting.state, session.now, include_chat=True)
    events = session.recorded
    from_scratch = replayed(session, events, from_plain(MeetingState, session.start))
    assert meeting_record(from_scratch, session.now, include_chat=True) == live
    for cut in range(0, len(events), 7):
        midway = replayed(session, events[:cut], from_plain(MeetingState, session.start))
        snapshot = from_plain(MeetingState, json.loads(json.dumps(to_plain(midway))))
        rebuilt = replayed(session, events[cut:], snapshot)
        assert meeting_record(rebuilt, session.now, include_chat=True) == live, cut


def test_minutes_present_count_the_time_away_out(session: Session) -> None:
    record = meeting_record(session.meeting.state, session.now, include_chat=False)
    piotr = row(record, "Piotr Wójcik")
    assert (piotr.joins, piotr.leaves, piotr.returns) == (1, 1, 1)
    away = piotr.presence[1].since - piotr.presence[0].until
    assert away == 180.0
    expected = (record.end - piotr.first_arrival - away) / 60
    assert piotr.minutes_present == round(expected, 2)
    assert piotr.presence[0].departure is Departure.DISCONNECTED
    assert piotr.last_departure is None  # still here


def test_someone_who_joined_again_without_resuming_is_one_person(session: Session) -> None:
    record = meeting_record(session.meeting.state, session.now, include_chat=False)
    zofia = [r for r in record.attendance if r.name == "Zofia Król"]
    assert len(zofia) == 1
    assert zofia[0].participants == (ParticipantId("zofia"), ParticipantId("zofia-again"))
    assert zofia[0].joins == 2
    ochota = next(t for t in record.by_district if t.key == "Ochota")
    assert ochota.people == 1


def test_summaries_by_district_and_organisation(session: Session) -> None:
    record = meeting_record(session.meeting.state, session.now, include_chat=False)
    assert [(t.key, t.people) for t in record.by_district] == [
        ("Mokotów", 2),
        ("Wola", 2),
        ("Ochota", 1),
        ("Śródmieście", 1),
    ]
    first = record.by_organisation[0]
    assert (first.key, first.people) == ("Klub Sportowy", 2)
    assert record.by_organisation[-1].key == ""  # those who gave none come last


def test_workshops_list_everyone_who_was_in_them_after_the_room_is_gone(
    session: Session,
) -> None:
    record = meeting_record(session.meeting.state, session.now, include_chat=False)
    assert RoomId("room-2") not in session.meeting.state.workshops
    members = {w.name: set(w.members) for w in record.workshops}
    everyone = {r.name for r in record.attendance if r.name != "Maria Nowak"}
    assert set().union(*members.values()) == everyone
    assert "Transport" in members


def test_private_chat_never_goes_in_and_public_chat_only_when_asked(session: Session) -> None:
    state = session.meeting.state
    with_chat = json.dumps(to_plain(meeting_record(state, session.now, True)), ensure_ascii=False)
    assert "Dzień dobry wszystkim!" in with_chat
    assert "600 100 200" not in with_chat
    without = meeting_record(state, session.now, include_chat=False)
    assert without.chat is None
    assert "Dzień dobry wszystkim!" not in json.dumps(to_plain(without), ensure_ascii=False)


def test_questions_polls_and_broadcasts(session: Session) -> None:
    record = meeting_record(session.meeting.state, session.now, include_chat=False)
    statuses = {q.text: (q.status, q.author) for q in record.questions}
    assert statuses["Kiedy remont ulicy Długiej?"] == (QuestionStatus.ANSWERED, "Jan Kowalski")
    # Owed, and anonymous: the record does not name its author.
    assert statuses["Kto zapłaci za park?"] == (QuestionStatus.OWED, None)
    (poll,) = record.polls
    assert (poll.eligible, poll.voted, poll.quorum_met, poll.counts) == (4, 3, True, (2, 0, 1))
    assert [b.text for b in record.broadcasts] == ["Zostało 10 minut."]
    assert record.broadcasts[0].sender == "Maria Nowak"


def test_the_notes_and_rapporteur_of_each_workshop_even_once_deleted(session: Session) -> None:
    record = meeting_record(session.meeting.state, session.now, include_chat=False)
    notes = {w.name: (w.notes, w.rapporteur) for w in record.workshops}
    assert notes["Zieleń"] == ("# Zieleń\n- drzewa przy szkole\n- <b>ławki</b>", "Jan Kowalski")
    assert notes["Transport"] == ("Autobus 107 co 10 minut.", "Ala Zięba")


def test_the_end_of_the_meeting_ends_everyone_s_presence(session: Session) -> None:
    state = session.meeting.state
    assert state.ended_at is not None
    record = meeting_record(state, session.now + 3600, include_chat=False)
    assert record.end == state.ended_at and record.ended
    maria = row(record, "Maria Nowak")
    assert maria.presence[-1].until == state.ended_at
    assert maria.minutes_present == round((state.ended_at - maria.first_arrival) / 60, 2)


def test_an_agenda_item_that_ran_stays_in_the_record_when_dropped_from_the_agenda() -> None:
    s = Session("dropped_item", "an item run, then dropped from the agenda")
    s.join("maria", "Maria Nowak", Role.MODERATOR)
    s("maria", cmd.SetAgenda((cmd.AgendaEntry("Powitanie", 10), cmd.AgendaEntry("Warsztaty", 40))))
    s("maria", cmd.StartAgendaItem(AgendaItemId("item-1")))
    s("maria", cmd.StartAgendaItem(AgendaItemId("item-2")), after=600.0)
    s("maria", cmd.SetAgenda((cmd.AgendaEntry("Warsztaty", 40, id=AgendaItemId("item-2")),)))
    record = meeting_record(s.meeting.state, s.now, include_chat=False)
    by_title = {item.title: item for item in record.agenda}
    assert list(by_title) == ["Warsztaty", "Powitanie"]
    welcome = by_title["Powitanie"]
    assert (welcome.planned_minutes, welcome.status, welcome.used_minutes) == (
        10,
        ItemStatus.DONE,
        10.0,
    )
