"""Signed tokens: the links to a meeting, the participant's resume token, and the personal link
to the contacts directory of someone who opted in (`server.web.contacts`).

A token is `base64url(json payload) "." base64url(HMAC-SHA256 of it)`. The server alone holds
the key, so a token cannot be forged or changed (a participant link turned into a moderator's),
and it needs no lookup to check.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from enum import StrEnum

from rooms import MeetingId, ParticipantId


class Kind(StrEnum):
    # The meeting's links, one per role (`server.links`).
    MODERATOR = "moderator"
    PRESENTER = "presenter"
    INVITE = "invite"
    # One invitee's personal link (`server.links`): `participant` is who they join as.
    PERSONAL = "personal"
    RESUME = "resume"
    # Contacts between leaders: one person's directory, for as long as the meeting's data.
    CONTACTS = "contacts"


class TokenError(Exception):
    """A token that is malformed, forged, expired or of the wrong kind."""


@dataclass(frozen=True)
class Grant:
    kind: Kind
    meeting: MeetingId
    # None: a link, valid for as long as its meeting says (`server.links`), not a fixed time.
    expires_at: float | None
    participant: ParticipantId | None = None
    # A link's generation: the organiser's reissue of its role makes older ones void.
    generation: int = 0


class Signer:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"plenum-token:" + secret.encode()).digest()

    def issue(self, grant: Grant) -> str:
        payload: dict[str, str | float] = {"k": grant.kind.value, "m": grant.meeting}
        if grant.expires_at is not None:
            payload["e"] = grant.expires_at
        if grant.participant is not None:
            payload["p"] = grant.participant
        if grant.generation:
            payload["g"] = grant.generation
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{_b64(self._mac(body))}"

    def verify(self, token: str, now: float, *kinds: Kind) -> Grant:
        grant = self._read(token)
        if grant.expires_at is not None and grant.expires_at < now:
            raise TokenError("the token has expired")
        if kinds and grant.kind not in kinds:
            raise TokenError(f"this {grant.kind} token cannot be used here")
        return grant

    def former_self(self, token: str, meeting: MeetingId) -> ParticipantId | None:
        """Who a resume token of `meeting` names, expired or not; None if it proves nothing.

        For what a browser shows against itself (it was removed, or demoted): the token no longer
        opens anything, it only proves who the browser was, so its age does not matter.
        """
        try:
            grant = self._read(token)
        except TokenError:
            return None
        if grant.kind is not Kind.RESUME or grant.meeting != meeting:
            return None
        return grant.participant

    def _read(self, token: str) -> Grant:
        body, _, mac = token.partition(".")
        try:
            if not hmac.compare_digest(_unb64(mac), self._mac(body)):
                raise TokenError("the token's signature is wrong")
            payload = json.loads(_unb64(body))
            return Grant(
                kind=Kind(payload["k"]),
                meeting=MeetingId(str(payload["m"])),
                expires_at=float(payload["e"]) if "e" in payload else None,
                participant=ParticipantId(str(payload["p"])) if "p" in payload else None,
                generation=_generation(payload.get("g", 0)),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TokenError("the token is malformed") from exc

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._key, body.encode(), hashlib.sha256).digest()


def _generation(value: object) -> int:
    if type(value) is not int or value < 0:
        raise ValueError("a generation is a whole number")
    return value


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
