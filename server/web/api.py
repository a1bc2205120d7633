"""The HTTP API for organisers and the join page: create a meeting (with its agenda), edit its
title, start and end, set the agenda later, list and reissue its links, read an invitation, health.

What the organiser changes goes into the meeting as the core's commands of the server's own (the
admin token was checked here): the agenda as `SetAgendaAsOrganiser`, the same rules and events as
a moderator's `set_agenda`; the schedule and the links as `rooms.organiser`'s. So they are on the
meeting's one log, with both hubs, and every worker checks links alike (`server.links`).
"""

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rooms import Language, Meeting, MeetingId, MeetingState, Rejected, Role, opening, organiser
from rooms.commands import (
    AgendaEntry,
    Command,
    ReissueLink,
    ScheduleAsOrganiser,
    SetAgendaAsOrganiser,
)
from rooms.plain import RecordError, from_plain, to_plain
from server import links
from server.links import LinkExpired, LinkRevoked
from server.meetings.hub import Deleted, MeetingHandle, Unavailable
from server.protocol.error_codes import ErrorCode
from server.services import Services
from server.tokens import Grant, Kind, TokenError
from server.web import organiser_session
from server.web.refusals import refusal

# What `PATCH /api/meetings/{id}` may change (and `POST /api/meetings` set, with an agenda).
SCHEDULE_FIELDS = ("title", "starts_at", "ends_at", "description", "language")
# The years a start or an end may be in: well inside the years 1 to 9999 a date can hold, so the
# opening before a start, and the links' retention after an end, are dates too.
YEARS = (2000, 9000)


def routes(services: Services) -> list[Route]:
    async def create_meeting(request: Request) -> Response:
        body = await _admin_body(request, services)
        if isinstance(body, Response):
            return body
        title = body.get("title")
        if not isinstance(title, str):
            return refusal(400, ErrorCode.INVALID, "title: a non-empty string is needed")
        starts_at = _moment_field(body, "starts_at")
        if isinstance(starts_at, Response):
            return starts_at
        ends_at = _moment_field(body, "ends_at")
        if isinstance(ends_at, Response):
            return ends_at
        if ends_at is None:
            ends_at = links.default_end(services.settings, starts_at, services.clock())
        description = body.get("description", "")
        language = body.get("language", Language.PL)
        schedule = _schedule(title, starts_at, ends_at, description, language, services)
        if isinstance(schedule, Response):
            return schedule
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
        live = await services.hub.create(schedule.title, schedule.starts_at, schedule.ends_at)
        if (schedule.description, schedule.language) != ("", Language.PL):
            # A new meeting has neither: the organiser's are its first event.
            problem = await _submit(live, schedule)
            if problem is not None:
                return problem
        if agenda is not None:
            problem = await _submit(live, agenda)
            if problem is not None:
                return problem
        made = services.links(live)
        state = live.meeting.state
        return JSONResponse(
            {
                **_described(state),
                "moderator_link": made.moderator_link,
                "presenter_link": made.presenter_link,
                "invite_link": made.invite_link,
                "moderator_token": made.moderator_token,
                "presenter_token": made.presenter_token,
                "invite_token": made.invite_token,
                "agenda": to_plain(state.agenda),
            },
            status_code=201,
        )

    async def edit_meeting(request: Request) -> Response:
        """The organiser's title, start, end, description and language: a start moved alone
        takes the end with it."""
        body = await _admin_body(request, services)
        if isinstance(body, Response):
            return body
        unknown = sorted(set(body) - set(SCHEDULE_FIELDS))
        if unknown:
            fields = ", ".join(SCHEDULE_FIELDS)
            return refusal(400, ErrorCode.INVALID, f"{unknown[0]}: not a field; {fields}")
        if not body:
            needed = ", ".join(SCHEDULE_FIELDS[:-1]) + " or " + SCHEDULE_FIELDS[-1]
            return refusal(400, ErrorCode.INVALID, f"{needed} is needed")
        live = await _open(request, services)
        if isinstance(live, Response):
            return live
        state = live.meeting.state
        title = body.get("title", state.title)
        if not isinstance(title, str):
            return refusal(400, ErrorCode.INVALID, "title: a non-empty string is needed")
        starts_at = _moment_field(body, "starts_at") if "starts_at" in body else state.starts_at
        if isinstance(starts_at, Response):
            return starts_at
        ends_at = _moment_field(body, "ends_at")
        if isinstance(ends_at, Response):
            return ends_at
        if "ends_at" in body and ends_at is None:
            return refusal(400, ErrorCode.INVALID, "ends_at: a meeting keeps an end")
        if ends_at is None:
            ends_at = _end_after_moving(state, starts_at, services)
        description = body.get("description", state.description)
        language = body.get("language", state.language)
        schedule = _schedule(title, starts_at, ends_at, description, language, services)
        if isinstance(schedule, Response):
            return schedule
        problem = await _submit(live, schedule)
        if problem is not None:
            return problem
        return JSONResponse(_described(live.meeting.state))

    async def list_links(request: Request) -> Response:
        body = await _admin_body(request, services)
        if isinstance(body, Response):
            return body
        live = await _open(request, services)
        if isinstance(live, Response):
            return live
        state = live.meeting.state
        found = links.every_link(services.signer, services.settings, state, services.clock())
        return JSONResponse(
            {
                "id": state.id,
                "valid_until": links.valid_until(state, services.settings),
                "links": [_link(link) for link in found.values()],
            }
        )

    async def reissue_link(request: Request) -> Response:
        body = await _admin_body(request, services)
        if isinstance(body, Response):
            return body
        try:
            role = Role(request.path_params["role"])
        except ValueError:
            return refusal(404, ErrorCode.INVALID, "role: moderator, presenter or participant")
        live = await _open(request, services)
        if isinstance(live, Response):
            return live
        problem = await _submit(live, ReissueLink(role))
        if problem is not None:
            return problem
        state = live.meeting.state
        link = links.issue(services.signer, services.settings, state, role, services.clock())
        return JSONResponse(
            {**_link(link), "valid_until": links.valid_until(state, services.settings)}
        )

    async def set_agenda(request: Request) -> Response:
        body = await _admin_body(request, services)
        if isinstance(body, Response):
            return body
        live = await _open(request, services)
        if isinstance(live, Response):
            return live
        if "agenda" not in body:
            return refusal(400, ErrorCode.INVALID, "agenda: a list of items is needed")
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
            grant = services.signer.verify(_bearer(request), services.clock(), *links.LINK_KINDS)
        except TokenError as error:
            return refusal(401, ErrorCode.BAD_TOKEN, str(error))
        live = await services.hub.open(grant.meeting)
        if live is None:
            return refusal(404, ErrorCode.NO_MEETING, "this meeting does not exist here")
        state = live.meeting.state
        try:
            role = links.role_of(grant, state, services.settings, services.clock())
        except LinkRevoked as error:
            return refusal(410, ErrorCode.LINK_REVOKED, str(error))
        except LinkExpired as error:
            return refusal(410, ErrorCode.LINK_EXPIRED, str(error))
        return JSONResponse(
            {
                **_schedule_of(state),
                # Ending the meeting: the join page says it ended instead of offering to join.
                "ended_at": state.ended_at,
                # The opening: a participant's link lets its holder in from then on, and the
                # join page counts down to it by the server's clock, not the device's.
                "opens_at": opening.opens_at(state, live.meeting.config),
                "now": services.clock(),
                "role": role,
                # A personal link: who it joins as, which the join page shows instead of asking.
                **_invitee(grant, state),
                "media": services.media is not None,
                # The join page says the limits of names and details before they bite.
                "limits": asdict(live.meeting.config),
            }
        )

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "meetings": len(services.hub)})

    return [
        Route("/api/meetings", create_meeting, methods=["POST"]),
        Route("/api/meetings/{meeting}", edit_meeting, methods=["PATCH"]),
        Route("/api/meetings/{meeting}/agenda", set_agenda, methods=["PUT"]),
        Route("/api/meetings/{meeting}/links", list_links, methods=["GET"]),
        Route("/api/meetings/{meeting}/links/{role}/reissue", reissue_link, methods=["POST"]),
        Route("/api/invitation", read_invitation, methods=["GET"]),
        Route("/healthz", health, methods=["GET"]),
    ]


async def _admin_body(request: Request, services: Services) -> dict[str, Any] | Response:
    """The request's JSON object, if it is the organiser's (`organiser_session.authorized`);
    else the error response."""
    refused = organiser_session.authorized(request, services)
    if refused is not None:
        return refused
    raw = await request.body()
    if not raw.strip():
        return {}  # a GET, or a POST that needs no more than its address
    try:
        body = json.loads(raw)
    except ValueError:
        return refusal(400, ErrorCode.INVALID, "the body must be JSON")
    except RecursionError:
        return refusal(400, ErrorCode.INVALID, "the body is nested too deeply")
    if not isinstance(body, dict):
        return refusal(400, ErrorCode.INVALID, "the body must be a JSON object")
    return body


def _agenda(value: object) -> SetAgendaAsOrganiser | Response:
    """The organiser's `agenda`: a list of `{"title", "minutes", "presenters"?, "id"?}`, where a
    presenter is a name, or `{"participant": id}` for someone in the meeting."""
    if not isinstance(value, list):
        return refusal(400, ErrorCode.INVALID, "agenda: a list of items is needed")
    entries = []
    for i, item in enumerate(value):
        if isinstance(item, dict) and isinstance(item.get("presenters"), list):
            named = [{"name": p} if isinstance(p, str) else p for p in item["presenters"]]
            item = {**item, "presenters": named}
        try:
            entries.append(from_plain(AgendaEntry, item, f"agenda[{i}]"))
        except RecordError as error:
            return refusal(400, ErrorCode.INVALID, str(error))
    if any(not _is_unicode(text) for text in _texts(entries)):
        return refusal(400, ErrorCode.INVALID, "agenda: has a lone surrogate, which is not Unicode")
    return SetAgendaAsOrganiser(tuple(entries))


def _texts(entries: list[AgendaEntry]) -> list[str]:
    return [
        text
        for entry in entries
        for text in (entry.title, entry.id or "", *(p.name for p in entry.presenters))
    ]


async def _submit(live: MeetingHandle, command: Command) -> Response | None:
    try:
        await live.submit(None, command)
    except Rejected as rejected:
        return _refused(rejected)
    except Deleted as error:
        # Deleted while the request was on its way: gone for good, not worth sending again.
        return refusal(404, ErrorCode.NO_MEETING, str(error))
    except Unavailable as error:
        return refusal(503, ErrorCode.UNAVAILABLE, str(error))
    return None


def _refused(rejected: Rejected) -> Response:
    # The core names the command's field, `items`; the organiser sent it as `agenda`.
    detail = rejected.detail
    if detail.startswith("items"):
        detail = "agenda" + detail.removeprefix("items")
    return refusal(400, rejected.reason, detail)


def _moment_field(body: dict[str, Any], name: str) -> float | Response | None:
    """`body[name]` as a time, None when absent or null, or the error naming it."""
    value = body.get(name)
    if value is None:
        return None
    moment = _moment(value)
    if moment is None:
        return refusal(
            400, ErrorCode.INVALID, f"{name}: an ISO 8601 date and time with an offset is needed"
        )
    return moment.timestamp()


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Without an offset the time would be read in the server's zone, not the organiser's.
    return moment if moment.tzinfo is not None else None


def _schedule(
    title: str,
    starts_at: float | None,
    ends_at: float,
    description: object,
    language: object,
    services: Services,
) -> ScheduleAsOrganiser | Response:
    """The organiser's schedule, as the core would take it, or the error naming what is wrong."""
    if not isinstance(description, str):
        return refusal(400, ErrorCode.INVALID, "description: a string is needed")
    if not isinstance(language, str) or language not in {one.value for one in Language}:
        return refusal(400, ErrorCode.INVALID, "language: pl or en")
    for name, text in (("title", title), ("description", description)):
        if not _is_unicode(text):
            # JSON's `\ud800` escapes decode to text no response (or log, or store) can encode.
            return refusal(
                400, ErrorCode.INVALID, f"{name}: has a lone surrogate, which is not Unicode text"
            )
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment is not None and not _in_years(moment):
            # The end too: moved with the start, it may leave them.
            return refusal(
                400, ErrorCode.INVALID, f"{name}: between the years {YEARS[0]} and {YEARS[1]}"
            )
    asked = ScheduleAsOrganiser(title, starts_at, ends_at, description, Language(language))
    try:
        checked = organiser.schedule(asked, services.settings.meeting)
    except Rejected as rejected:
        return refusal(400, rejected.reason, rejected.detail)
    return ScheduleAsOrganiser(
        checked.title, checked.starts_at, checked.ends_at, checked.description, checked.language
    )


def _in_years(moment: float) -> bool:
    first, last = (datetime(year, 1, 1, tzinfo=UTC).timestamp() for year in YEARS)
    return first <= moment < last


def _end_after_moving(state: MeetingState, starts_at: float | None, services: Services) -> float:
    """The end when only the start changes: as long after it as before, or as it was."""
    if state.ends_at is None:
        return links.default_end(services.settings, starts_at, services.clock())
    if state.starts_at is None or starts_at is None:
        return state.ends_at
    return state.ends_at + (starts_at - state.starts_at)


def _schedule_of(state: MeetingState) -> dict[str, Any]:
    return {
        "id": state.id,
        "title": state.title,
        "starts_at": state.starts_at,
        "ends_at": state.ends_at,
    }


def _described(state: MeetingState) -> dict[str, Any]:
    """The schedule, and what the organiser says of the meeting: as created, edited or listed."""
    return {
        **_schedule_of(state),
        "description": state.description,
        "language": state.language,
    }


def _link(link: links.Link) -> dict[str, Any]:
    return {
        "role": link.role,
        "link": link.link,
        "token": link.token,
        "generation": link.generation,
    }


def _invitee(grant: Grant, state: MeetingState) -> dict[str, dict[str, str]]:
    """`{"invitee": {...}}` for a personal link, else nothing."""
    if grant.kind is not Kind.PERSONAL:
        return {}
    invitee = links.invitee_of(grant, state)
    details = {
        "name": invitee.name,
        "organisation": invitee.organisation,
        "district": invitee.district,
        "group": invitee.group,
    }
    return {"invitee": details}


def _is_unicode(text: str) -> bool:
    return not any("\ud800" <= c <= "\udfff" for c in text)


async def _open(request: Request, services: Services) -> MeetingHandle | Response:
    """The meeting the path names, or the 404 that says it is not here."""
    live = await services.hub.open(MeetingId(request.path_params["meeting"]))
    if live is None:
        return refusal(404, ErrorCode.NO_MEETING, "this meeting does not exist here")
    return live


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
