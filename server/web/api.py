"""The HTTP API for organisers and the join page: create a meeting (with its agenda), set the
agenda later, read an invitation, health.

The organiser's agenda goes into the meeting as the core's `SetAgendaAsOrganiser`, a command of
the server's own (the admin token was checked here), so it is the same rules and events as a
moderator's `set_agenda`, with both hubs.
"""

import hmac
import json
from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rooms import Meeting, MeetingId, Rejected, Role
from rooms.commands import AgendaEntry, SetAgendaAsOrganiser
from rooms.plain import RecordError, from_plain, to_plain
from rooms.texts import one_line
from server.meetings.hub import MeetingHandle, Unavailable
from server.protocol.error_codes import ErrorCode
from server.services import Services
from server.tokens import Kind, TokenError

MAX_TITLE_CHARS = 200


def routes(services: Services) -> list[Route]:
    async def create_meeting(request: Request) -> Response:
        body = await _admin_body(request, services)
        if isinstance(body, Response):
            return body
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
        agenda: SetAgendaAsOrganiser | None = None
        if body.get("agenda") is not None:
            parsed = _agenda(body["agenda"])
            if isinstance(parsed, Response):
                return parsed
            agenda = parsed
            # Checked on a meeting like the new one before it exists: a refused agenda must not
            # leave a meeting behind that nobody has the links of.
            trial = Meeting.create(MeetingId("trial"), title, services.settings.meeting)
            try:
                trial.decide(None, agenda, services.clock())
            except Rejected as rejected:
                return _refused(rejected)
        live = await services.hub.create(title, starts_at)
        if agenda is not None:
            problem = await _submit(live, agenda)
            if problem is not None:
                return problem
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
                "agenda": to_plain(state.agenda),
            },
            status_code=201,
        )

    async def set_agenda(request: Request) -> Response:
        body = await _admin_body(request, services)
        if isinstance(body, Response):
            return body
        live = await services.hub.open(MeetingId(request.path_params["meeting"]))
        if live is None:
            return _error(404, ErrorCode.NO_MEETING, "this meeting does not exist here")
        if "agenda" not in body:
            return _error(400, ErrorCode.INVALID, "agenda: a list of items is needed")
        agenda = _agenda(body["agenda"])
        if isinstance(agenda, Response):
            return agenda
        problem = await _submit(live, agenda)
        if problem is not None:
            return problem
        return JSONResponse({"agenda": to_plain(live.meeting.state.agenda)})

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
                # Ending the meeting: the join page says it ended instead of offering to join.
                "ended_at": state.ended_at,
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
        Route("/api/meetings/{meeting}/agenda", set_agenda, methods=["PUT"]),
        Route("/api/invitation", read_invitation, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
    ]


async def _admin_body(request: Request, services: Services) -> dict[str, Any] | Response:
    """The request's JSON object, if it carries the admin token; else the error response."""
    if not hmac.compare_digest(_bearer(request).encode(), services.settings.admin_token.encode()):
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
    return body


def _agenda(value: object) -> SetAgendaAsOrganiser | Response:
    """The organiser's `agenda`: a list of `{"title", "minutes", "presenters"?, "id"?}`, where a
    presenter is a name, or `{"participant": id}` for someone in the meeting."""
    if not isinstance(value, list):
        return _error(400, ErrorCode.INVALID, "agenda: a list of items is needed")
    entries = []
    for i, item in enumerate(value):
        if isinstance(item, dict) and isinstance(item.get("presenters"), list):
            named = [{"name": p} if isinstance(p, str) else p for p in item["presenters"]]
            item = {**item, "presenters": named}
        try:
            entries.append(from_plain(AgendaEntry, item, f"agenda[{i}]"))
        except RecordError as error:
            return _error(400, ErrorCode.INVALID, str(error))
    if any(not _is_unicode(text) for text in _texts(entries)):
        return _error(400, ErrorCode.INVALID, "agenda: has a lone surrogate, which is not Unicode")
    return SetAgendaAsOrganiser(tuple(entries))


def _texts(entries: list[AgendaEntry]) -> list[str]:
    return [
        text
        for entry in entries
        for text in (entry.title, entry.id or "", *(p.name for p in entry.presenters))
    ]


async def _submit(live: MeetingHandle, agenda: SetAgendaAsOrganiser) -> Response | None:
    try:
        await live.submit(None, agenda)
    except Rejected as rejected:
        return _refused(rejected)
    except Unavailable as error:
        return _error(503, ErrorCode.UNAVAILABLE, str(error))
    return None


def _refused(rejected: Rejected) -> Response:
    # The core names the command's field, `items`; the organiser sent it as `agenda`.
    detail = rejected.detail
    if detail.startswith("items"):
        detail = "agenda" + detail.removeprefix("items")
    return _error(400, rejected.reason, detail)


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


def _error(status: int, code: StrEnum, message: str) -> Response:
    body: dict[str, Any] = {"error": code, "message": message}
    return JSONResponse(body, status_code=status)
