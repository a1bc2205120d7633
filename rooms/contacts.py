"""Contacts between leaders: opt-in only, seen only by those who opted in.

A person shares some of an e-mail address, a phone number, a website and a short note on their
initiative (`ShareContact`), changes them by sharing again, and withdraws them
(`WithdrawContact`, or `WithdrawContactByLink` from the directory's page, also after leaving).
The meeting keeps one card per person who opted in, with their name,
organisation and district as they were when they shared: the directory outlives their leaving.

Who gets what, by the events' audiences (the edge sends each event only to its audience):

- `ContactShared` goes to those who opted in, the sharer with them; nobody else.
- The first time someone opts in, `ContactDirectory` hands them, and them alone, the cards of
  the others. It is derived from the state (the evolve ignores it): one event to one person,
  rather than the directory in every snapshot or a card per event to each newcomer.
- `ContactWithdrawn` goes to those who had opted in (the one withdrawing too), and the card
  leaves the state: later snapshots, replays (`still_shown`) and the HTTP directory have none.
- `rooms.view.view_for` gives the directory only to a viewer who opted in.
- A moderator removing someone withdraws their card too (`removed`): a removed person neither
  shows in the directory nor reads it from their link any more.

Nothing about contacts goes into chat, the welcome of someone who did not opt in, or the
meeting's record.
"""

import re
from urllib.parse import urlsplit

from rooms import events as ev
from rooms.commands import ShareContact
from rooms.config import MeetingConfig
from rooms.errors import Reason, require
from rooms.ids import ParticipantId
from rooms.model import ContactCard, MeetingState
from rooms.texts import free_text, one_line

Outcome = list[tuple[ev.Event, frozenset[ParticipantId] | None]]

# An address with one @, something before it, and a domain with a dot after it: what a person
# mistypes is caught, and what a mail program would accept passes; but none of the characters
# that would make a `mailto:` link carry more than the address (`?subject=`, `&cc=`).
_EMAIL = re.compile(r"[^@\s?#&=]+@[^@\s.?#&=/\\:;,<>()\[\]\"']+(\.[^@\s.?#&=/\\:;,<>()\[\]\"']+)+")
# Digits with the usual separators and an international +, as people write their numbers.
_PHONE = re.compile(r"\+?[0-9 ()\-]+")
_PHONE_DIGITS = 5


def share(
    state: MeetingState, config: MeetingConfig, actor: ParticipantId, command: ShareContact
) -> Outcome:
    """The card to everyone who opted in and to the sharer; to a newcomer, the others' cards."""
    me = state.participants[actor]
    card = ContactCard(
        actor,
        me.name,
        me.organisation,
        me.district,
        email=_email(config, command.email),
        phone=_phone(config, command.phone),
        website=_website(config, command.website),
        note=_note(config, command.note),
    )
    require(
        any((card.email, card.phone, card.website, card.note)),
        Reason.INVALID,
        "email, phone, website, note: share at least one of them",
    )
    before = state.contacts.get(actor)
    require(before != card, Reason.CONFLICT, "you already share exactly these details")
    opted_in = frozenset([*state.contacts, actor])
    outcome: Outcome = [(ev.ContactShared(card), opted_in)]
    if before is None:
        others = tuple(state.contacts.values())
        outcome.append((ev.ContactDirectory(others), frozenset({actor})))
    return outcome


def withdraw(state: MeetingState, actor: ParticipantId) -> Outcome:
    require(actor in state.contacts, Reason.CONFLICT, "you share no contact details")
    return [(ev.ContactWithdrawn(actor), frozenset(state.contacts))]


def removed(state: MeetingState, person: ParticipantId) -> Outcome:
    """A moderator removes `person`: their card, if any, is withdrawn with them."""
    if person not in state.contacts:
        return []
    return [(ev.ContactWithdrawn(person), frozenset(state.contacts))]


def directory_for(state: MeetingState, viewer: ParticipantId) -> dict[ParticipantId, ContactCard]:
    """Every card, the viewer's own among them, for a viewer who opted in; nothing otherwise."""
    return dict(state.contacts) if viewer in state.contacts else {}


def still_shown(state: MeetingState, event: ev.Event, viewer: ParticipantId) -> ev.Event | None:
    """A past event as it may be replayed to `viewer` now: a card only as it still is in
    `state`, and only to a viewer who still opts in; None for a `ContactShared` left out.

    A client catching up after a withdrawal or a change must not receive the details as they
    were, nor one who withdrew since (by their link, say) the cards they were sent before.
    """
    match event:
        case ev.ContactShared():
            return event if viewer in state.contacts and _current(state, event.card) else None
        case ev.ContactDirectory():
            cards = [c for c in event.cards if viewer in state.contacts and _current(state, c)]
            return ev.ContactDirectory(tuple(cards))
    return event


def _current(state: MeetingState, card: ContactCard) -> bool:
    return state.contacts.get(card.participant) == card


def _email(config: MeetingConfig, value: str | None) -> str:
    text = _optional(value, "email", config.max_contact_email_chars)
    require(
        not text or _EMAIL.fullmatch(text) is not None,
        Reason.INVALID,
        "email: not an e-mail address (like name@example.org)",
    )
    return text


def _phone(config: MeetingConfig, value: str | None) -> str:
    text = _optional(value, "phone", config.max_contact_phone_chars)
    require(
        not text
        or (_PHONE.fullmatch(text) is not None and sum(c.isdigit() for c in text) >= _PHONE_DIGITS),
        Reason.INVALID,
        f"phone: digits (at least {_PHONE_DIGITS}) with spaces, +, ( ) or - only",
    )
    return text


def _website(config: MeetingConfig, value: str | None) -> str:
    text = _optional(value, "website", config.max_contact_website_chars)
    if not text:
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    require(
        parts is not None
        and parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(c.isspace() for c in text),
        Reason.INVALID,
        "website: an http:// or https:// address is needed (like https://example.org)",
    )
    return text


def _note(config: MeetingConfig, value: str | None) -> str:
    if value is None or not value.strip():
        return ""
    return free_text(value, "note", config.max_contact_note_chars)


def _optional(value: str | None, field: str, limit: int) -> str:
    """A one-line detail; empty (or left out) means not shared."""
    if value is None or not value.strip():
        return ""
    return one_line(value, field, limit)
