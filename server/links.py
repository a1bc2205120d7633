"""The meeting's links, one per role: moderator, presenter, participant (the invite link).

A link is a signed token naming its meeting, its role and its role's generation, with no time of
its own: it works until the meeting's end plus the data's retention (`retention_s`), as the
meeting's state says now, so the organiser moving the end moves it. Reissuing a role's link
(`rooms.organiser`) makes the older ones of that role void. Both are read from the meeting's
state when a link is used, so every worker, and a restart, agree.

An invitee's personal link (`personal`) names the participant they join as; it follows the
meeting's end as the others do, and stops working when the organiser removes the invitee.

A meeting stored before meetings had an end has none: its links carry their own expiry, as all
links did then (`token_ttl_s` from when they were issued).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from rooms import MeetingState, ParticipantId, Role
from rooms.model import Invitee
from rooms.organiser import generation
from server.settings import Settings
from server.tokens import Grant, Kind, Signer, TokenError

KIND_OF_ROLE = {
    Role.MODERATOR: Kind.MODERATOR,
    Role.PRESENTER: Kind.PRESENTER,
    Role.PARTICIPANT: Kind.INVITE,
}
ROLE_OF_KIND = {kind: role for role, kind in KIND_OF_ROLE.items()}
# The role links, and the invitees' personal links (`rooms.invitees`).
LINK_KINDS = (*ROLE_OF_KIND, Kind.PERSONAL)


class LinkRevoked(TokenError):
    """A link of its role older than the one the organiser reissued."""


class LinkExpired(TokenError):
    """A link past its meeting's end plus the data's retention."""


@dataclass(frozen=True)
class Link:
    role: Role
    token: str
    # The public URL with the token in its fragment, which browsers never send to a server.
    link: str
    generation: int


def default_end(settings: Settings, starts_at: float | None, now: float) -> float:
    """When a meeting created without an end ends: its start plus `meeting_length_s`, or without
    a start, `token_ttl_s` after its creation (the links' lifetime before meetings had an end)."""
    if starts_at is not None:
        return starts_at + settings.meeting_length_s
    return now + settings.token_ttl_s


def valid_until(state: MeetingState, settings: Settings) -> float | None:
    """Until when the meeting's links work; None: each link says (a meeting with no end)."""
    return None if state.ends_at is None else state.ends_at + settings.retention_s


def kept_for_ms(settings: Settings, ends_at: float | None, now: float) -> int:
    """How long, from `now`, a store keeps a meeting's data after writing it: `retention_s`, and
    at least as long as its links work, so that a forum ten weeks away keeps its links."""
    kept = float(settings.retention_s)
    if ends_at is not None:
        kept = max(kept, ends_at + settings.retention_s - now)
    return int(kept * 1000)


def issue(signer: Signer, settings: Settings, state: MeetingState, role: Role, now: float) -> Link:
    expires_at = now + settings.token_ttl_s if state.ends_at is None else None
    grant = Grant(KIND_OF_ROLE[role], state.id, expires_at, generation=generation(state, role))
    token = signer.issue(grant)
    return Link(role, token, f"{settings.public_url.rstrip('/')}/#{token}", grant.generation)


def personal(
    signer: Signer, settings: Settings, state: MeetingState, invitee: ParticipantId, now: float
) -> str:
    """An invitee's personal link: it works as long as the meeting's other links, and until the
    organiser removes the invitee."""
    expires_at = now + settings.token_ttl_s if state.ends_at is None else None
    token = signer.issue(Grant(Kind.PERSONAL, state.id, expires_at, participant=invitee))
    return f"{settings.public_url.rstrip('/')}/#{token}"


def invitee_of(grant: Grant, state: MeetingState) -> Invitee:
    """The invitee a personal link joins as, or `LinkRevoked` once the organiser removed them."""
    invitee = None if grant.participant is None else state.invitees.get(grant.participant)
    if invitee is None:
        raise LinkRevoked(
            "this personal link was withdrawn by the organiser: ask them for an invitation"
        )
    return invitee


def every_link(
    signer: Signer, settings: Settings, state: MeetingState, now: float
) -> dict[Role, Link]:
    return {role: issue(signer, settings, state, role, now) for role in KIND_OF_ROLE}


def role_of(grant: Grant, state: MeetingState, settings: Settings, now: float) -> Role:
    """The role a link joins its meeting with, if it still opens it; else `LinkRevoked` or
    `LinkExpired`, each with a message for the person holding the link."""
    if grant.kind is Kind.PERSONAL:
        role = invitee_of(grant, state).role
    else:
        role = ROLE_OF_KIND[grant.kind]
    if grant.kind is not Kind.PERSONAL and grant.generation != generation(state, role):
        raise LinkRevoked(
            f"this {role} link was replaced by a new one: ask the organiser for the current link"
        )
    until = valid_until(state, settings)
    if until is not None and now > until:
        when = datetime.fromtimestamp(until, UTC).strftime("%Y-%m-%d %H:%M UTC")
        raise LinkExpired(
            f"this meeting's links expired at {when} (its end plus the data's retention)"
        )
    return role
