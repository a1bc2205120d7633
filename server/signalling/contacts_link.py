"""The personal link to the contacts directory, given to someone who opted in.

The directory is theirs "afterwards, from their own link": the server signs a `contacts` token
naming the meeting and the person (`server.tokens`), good for `retention_s`, as long as the
meeting's data is kept after its last event, and sends it as `contacts_link` when they share
(or change) their details, and again when they resume. The token opens the directory over HTTP
(`GET /api/meetings/{id}/contacts`, `server.web.contacts`) only while they still opt in.
"""

from dataclasses import dataclass

from rooms import MeetingState, ParticipantId
from server.protocol.wire import encode_message
from server.services import Services
from server.tokens import Grant, Kind

PAGE = "/contacts.html"


@dataclass(frozen=True)
class ContactsLink:
    """`link` is the page that shows the directory, the token after its `#` (never sent to a
    server or its logs); `token` is the same token, for `Authorization: Bearer` on the API."""

    token: str
    link: str
    expires_at: float


def issue(services: Services, meeting: MeetingState, participant: ParticipantId) -> ContactsLink:
    expires_at = services.clock() + services.settings.retention_s
    token = services.signer.issue(Grant(Kind.CONTACTS, meeting.id, expires_at, participant))
    base = services.settings.public_url.rstrip("/")
    return ContactsLink(token, f"{base}{PAGE}#{token}", expires_at)


def link_for(services: Services, meeting: MeetingState, participant: ParticipantId) -> bytes | None:
    """The `contacts_link` message for `participant`, or None if they do not opt in."""
    if participant not in meeting.contacts:
        return None
    return encode_message(issue(services, meeting, participant))
