"""Contacts between leaders: opt-in cards, seen only by those who opted in, withdrawn for good.

Every refusal compares the whole state before and after (`refused`), as in `test_commands`.
"""

import pytest

from rooms import commands as cmd
from rooms import events as ev
from rooms.config import MeetingConfig
from rooms.errors import Reason
from rooms.meeting import Meeting
from rooms.model import ContactCard
from rooms.view import replay_for, view_for

from .builders import MODERATOR, T0, meeting_with, person
from .test_commands import refused

ADA = cmd.ShareContact(email="ada@example.org", note="Community garden in Łabędy")


def card_of(meeting: Meeting, index: int, **details: str) -> ContactCard:
    p = meeting.state.participants[person(index)]
    return ContactCard(p.id, p.name, p.organisation, p.district, **details)


def shared(*people: int) -> Meeting:
    """`person(i)` shared an e-mail address, in the order given."""
    meeting = meeting_with(("North", "South", "East", "West"))
    for i in people:
        meeting.handle(person(i), cmd.ShareContact(email=f"p{i}@example.org"), T0 + i)
    return meeting


# Sharing ---------------------------------------------------------------------------------------


def test_the_first_to_share_gets_their_card_and_an_empty_directory_alone() -> None:
    meeting = shared()
    stamped = meeting.handle(person(0), ADA, T0)
    card = card_of(meeting, 0, email="ada@example.org", note="Community garden in Łabędy")
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.ContactShared(card), frozenset({person(0)})),
        (ev.ContactDirectory(()), frozenset({person(0)})),
    ]
    assert meeting.state.contacts == {person(0): card}


def test_a_newcomer_is_sent_to_those_who_opted_in_and_gets_their_cards_alone() -> None:
    meeting = shared(0, 1)
    stamped = meeting.handle(person(2), cmd.ShareContact(phone=" +48 (32) 600-100 "), T0)
    mine = card_of(meeting, 2, phone="+48 (32) 600-100")
    others = tuple(card_of(meeting, i, email=f"p{i}@example.org") for i in (0, 1))
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.ContactShared(mine), frozenset({person(0), person(1), person(2)})),
        (ev.ContactDirectory(others), frozenset({person(2)})),
    ]
    # Nobody who did not opt in is in any audience: the moderator, person 3.
    assert all(MODERATOR not in (s.audience or {MODERATOR}) for s in stamped)


def test_sharing_again_changes_the_details_and_sends_no_directory() -> None:
    meeting = shared(0, 1)
    stamped = meeting.handle(person(1), cmd.ShareContact(website="https://ogrody.example.pl"), T0)
    card = card_of(meeting, 1, website="https://ogrody.example.pl")
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.ContactShared(card), frozenset({person(0), person(1)}))
    ]
    assert meeting.state.contacts[person(1)] == card


def test_the_same_details_again_are_refused() -> None:
    meeting = shared(0)
    rejected = refused(meeting, person(0), cmd.ShareContact(email=" p0@example.org "))
    assert rejected.reason is Reason.CONFLICT


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (cmd.ShareContact(), "email, phone, website, note"),
        (cmd.ShareContact(email="  ", note=""), "email, phone, website, note"),
        (cmd.ShareContact(email="ada.example.org"), "email"),
        (cmd.ShareContact(email="ada@example"), "email"),
        (cmd.ShareContact(email="a b@example.org"), "email"),
        (cmd.ShareContact(email="a@example.org?cc=all@example.org"), "email"),
        (cmd.ShareContact(email="a@example.org?subject=hi"), "email"),
        (cmd.ShareContact(email="a?cc=b@example.org"), "email"),
        (cmd.ShareContact(email="a@" + "x" * 250 + ".org"), "email"),
        (cmd.ShareContact(phone="call me"), "phone"),
        (cmd.ShareContact(phone="=1+2"), "phone"),
        (cmd.ShareContact(phone="12"), "phone"),
        (cmd.ShareContact(phone="1" * 33), "phone"),
        (cmd.ShareContact(website="javascript:alert(1)"), "website"),
        (cmd.ShareContact(website="example.org"), "website"),
        (cmd.ShareContact(website="https://"), "website"),
        (cmd.ShareContact(website="https://example.org/" + "x" * 300), "website"),
        (cmd.ShareContact(note="x" * 301), "note"),
        (cmd.ShareContact(note="bell\x07"), "note"),
        (cmd.ShareContact(email="ada@example.org\u202e"), "email"),
    ],
    ids=repr,
)
def test_bad_details_are_refused_naming_the_field(command: cmd.ShareContact, field: str) -> None:
    meeting = shared(0)
    rejected = refused(meeting, person(1), command)
    assert rejected.reason is Reason.INVALID
    assert rejected.detail.startswith(f"{field}:"), rejected.detail


def test_the_limits_are_the_meetings_settings() -> None:
    config = MeetingConfig(max_contact_note_chars=5, max_contact_email_chars=10)
    meeting = meeting_with(config=config)
    assert refused(meeting, person(0), cmd.ShareContact(note="Parks!")).detail == (
        "note: longer than 5 characters"
    )
    assert refused(meeting, person(0), cmd.ShareContact(email="ab@cd.org.pl")).detail == (
        "email: longer than 10 characters"
    )
    meeting.handle(person(0), cmd.ShareContact(note="Parks"), T0)


def test_a_formula_is_kept_as_the_text_it_is() -> None:
    # Contacts never go to a spreadsheet, but a note starting with = is only text.
    meeting = shared()
    meeting.handle(person(0), cmd.ShareContact(note="=cmd|' /C calc'!A0"), T0)
    assert meeting.state.contacts[person(0)].note == "=cmd|' /C calc'!A0"


# Withdrawing and leaving ----------------------------------------------------------------------


def test_a_withdrawal_goes_to_those_who_had_opted_in_and_removes_the_card() -> None:
    meeting = shared(0, 1, 2)
    stamped = meeting.handle(person(1), cmd.WithdrawContact(), T0)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.ContactWithdrawn(person(1)), frozenset({person(0), person(1), person(2)}))
    ]
    assert set(meeting.state.contacts) == {person(0), person(2)}
    assert "p1@example.org" not in repr(meeting.state)


def test_one_removed_by_a_moderator_is_withdrawn_from_the_directory() -> None:
    meeting = shared(0, 1, 2)
    stamped = meeting.handle(MODERATOR, cmd.RemoveParticipant(person(1)), T0)
    assert [(s.event, s.audience) for s in stamped][1:] == [
        (ev.ContactWithdrawn(person(1)), frozenset({person(0), person(1), person(2)}))
    ]
    assert set(meeting.state.contacts) == {person(0), person(2)}
    assert "p1@example.org" not in repr(meeting.state)


def test_one_removed_who_never_shared_withdraws_nothing() -> None:
    meeting = shared(0)
    stamped = meeting.handle(MODERATOR, cmd.RemoveParticipant(person(1)), T0)
    assert [type(s.event) for s in stamped] == [ev.ParticipantRemoved]


def test_withdrawing_without_having_shared_is_refused() -> None:
    meeting = shared(0)
    assert refused(meeting, person(1), cmd.WithdrawContact()).reason is Reason.CONFLICT


def test_a_card_outlives_its_owner_leaving_with_who_they_were() -> None:
    meeting = shared(0, 1)
    meeting.handle(None, cmd.Disconnect(person(1)), T0)
    meeting.handle(None, cmd.Depart(person(1)), T0 + 400)
    assert person(1) not in meeting.state.participants
    assert meeting.state.contacts[person(1)] == ContactCard(
        person(1), "Person 1", "Org 1", "South", email="p1@example.org"
    )
    stamped = meeting.handle(person(2), cmd.ShareContact(email="p2@example.org"), T0 + 500)
    directory = stamped[1].event
    assert isinstance(directory, ev.ContactDirectory)
    assert [c.participant for c in directory.cards] == [person(0), person(1)]


def test_one_who_left_withdraws_by_their_link() -> None:
    meeting = shared(0, 1)
    meeting.handle(None, cmd.Disconnect(person(1)), T0)
    meeting.handle(None, cmd.Depart(person(1)), T0 + 400)
    stamped = meeting.handle(None, cmd.WithdrawContactByLink(person(1)), T0 + 500)
    assert [(s.event, s.audience) for s in stamped] == [
        (ev.ContactWithdrawn(person(1)), frozenset({person(0), person(1)}))
    ]
    assert set(meeting.state.contacts) == {person(0)}
    again = refused(meeting, None, cmd.WithdrawContactByLink(person(1)), T0 + 501)
    assert again.reason is Reason.CONFLICT


# What each one sees ---------------------------------------------------------------------------


def test_the_snapshot_has_the_directory_only_for_those_who_opted_in() -> None:
    meeting = shared(0, 1)
    directory = meeting.state.contacts
    assert view_for(meeting.state, person(0)).contacts == directory
    assert view_for(meeting.state, person(1)).contacts == directory
    assert view_for(meeting.state, person(2)).contacts == {}
    assert view_for(meeting.state, MODERATOR).contacts == {}


def test_a_replay_carries_cards_only_as_they_still_are() -> None:
    meeting = shared(0)
    shared_1 = meeting.handle(person(1), cmd.ShareContact(email="p1@example.org"), T0)
    shared_2 = meeting.handle(person(2), cmd.ShareContact(email="p2@example.org"), T0)
    # Person 0 catching up on these after person 1 withdrew and person 2 changed theirs.
    meeting.handle(person(1), cmd.WithdrawContact(), T0)
    changed = meeting.handle(person(2), cmd.ShareContact(email="new@example.org"), T0)
    replayed = [replay_for(meeting.state, s, person(0)) for s in [*shared_1, *shared_2, *changed]]
    events = [r.event for r in replayed if r is not None]
    assert events == [ev.ContactShared(card_of(meeting, 2, email="new@example.org"))]
    # Person 2's own directory, replayed: person 1's card is gone from it.
    directory = replay_for(meeting.state, shared_2[1], person(2))
    assert directory is not None
    assert directory.event == ev.ContactDirectory((card_of(meeting, 0, email="p0@example.org"),))
    assert (directory.seq, directory.at, directory.audience) == (
        shared_2[1].seq,
        shared_2[1].at,
        shared_2[1].audience,
    )
    # And nobody outside an event's audience gets it replayed.
    assert replay_for(meeting.state, changed[0], person(3)) is None


def test_one_who_withdrew_since_is_replayed_no_card() -> None:
    meeting = shared(0)
    mine = meeting.handle(person(1), cmd.ShareContact(email="p1@example.org"), T0)
    # Their connection dropped before these arrived, and they withdrew by their link.
    withdrawn = meeting.handle(None, cmd.WithdrawContactByLink(person(1)), T0 + 1)
    replayed = [replay_for(meeting.state, s, person(1)) for s in [*mine, *withdrawn]]
    assert [r.event for r in replayed if r is not None] == [
        ev.ContactDirectory(()),
        ev.ContactWithdrawn(person(1)),
    ]
