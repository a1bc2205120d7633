"""The HTTP API for organisers and the join page: create a meeting, read an invitation, health."""

import hmac
import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rooms import Rejected, Role
from rooms.texts import one_line
from server.protocol.error_codes import ErrorCode
from server.services import Services
from server.tokens import Kind, TokenError

MAX_TITLE_CHARS = 200


def routes(services: Services) -> list[Route]:
    async def create_meeting(request: Request) -> Response:
        if not hmac.compare_digest(
            _bearer(request).encode(), services.settings.admin_token.encode()
        ):
            return _error(
                401, ErrorCode.UNAUTHORIZED, "an admin token is needed: Authorization: Bearer …"
            )
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(400, ErrorCode.INVALID, "the body must be JSON")
        except RecursionError:
            return _error(400, ErrorCode.INVALID, "the body is nested too deeply")
        if not isinstance(body, dict):
            return _error(400, ErrorCode.INVALID, "the body must be a JSON object")
        title = body.get("title")
        if not isinstance(title, str):
            return _error(400, ErrorCode.INVALID, "title: a non-empty string is needed")
        if not _is_unicode(title):
            # JSON's `\ud800` escapes decode to text no response (or log, or store) can encode.
            return _error(
                400, ErrorCode.INVALID, "title: has a lone surrogate, which is not Unicode text"
            )
        try:
            title = one_line(title, "title", MAX_TITLE_CHARS)
        except Rejected as rejected:
            return _error(400, ErrorCode.INVALID, rejected.detail)
        starts_at = body.get("starts_at")
        if starts_at is not None:
            starts = _moment(starts_at)
            if starts is None:
                return _error(
                    400,
                    ErrorCode.INVALID,
                    "starts_at: an ISO 8601 date and time with an offset is needed",
                )
            starts_at = starts.timestamp()
        live = await services.hub.create(title, starts_at)
        links = services.links(live)
        state = live.meeting.state
        return JSONResponse(
            {
                "id": state.id,
                "title": state.title,
                "starts_at": state.starts_at,
                "moderator_link": links.moderator_link,
                "invite_link": links.invite_link,
                "moderator_token": links.moderator_token,
                "invite_token": links.invite_token,
            },
            status_code=201,
        )

    async def read_invitation(request: Request) -> Response:
        """What the join page shows before joining: the meeting's title and the link's role."""
        try:
            grant = services.signer.verify(
                _bearer(request), services.clock(), Kind.MODERATOR, Kind.INVITE
            )
        except TokenError as error:
            return _error(401, ErrorCode.BAD_TOKEN, str(error))
        live = await services.hub.open(grant.meeting)
        if live is None:
            return _error(404, ErrorCode.NO_MEETING, "this meeting does not exist here")
        state = live.meeting.state
        role = Role.MODERATOR if grant.kind is Kind.MODERATOR else Role.PARTICIPANT
        return JSONResponse(
            {
                "id": state.id,
                "title": state.title,
                "starts_at": state.starts_at,
                "role": role,
                "media": services.media is not None,
                # The join page says the limits of names and details before they bite.
                "limits": asdict(live.meeting.config),
            }
        )

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "meetings": len(services.hub)})

    return [
        Route("/api/meetings", create_meeting, methods=["POST"]),
        Route("/api/invitation", read_invitation, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
    ]


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Without an offset the time would be read in the server's zone, not the organiser's.
    return moment if moment.tzinfo is not None else None


def _is_unicode(text: str) -> bool:
    return not any("\ud800" <= c <= "\udfff" for c in text)


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _error(status: int, code: ErrorCode, message: str) -> Response:
    body: dict[str, Any] = {"error": code, "message": message}
    return JSONResponse(body, status_code=status)
