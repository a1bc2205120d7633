"""The HTTP API for the organiser's invitees (`rooms.invitees`): import them from a CSV, list
them with their personal links, export the list for a mail merge, remove one, plan one into a
workshop room. Each route takes the admin token, as the other organiser routes
(`server.web.api`); what changes goes into the meeting as the core's organiser commands, on its
one log.
"""

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rooms import MeetingState, ParticipantId, Reason
from rooms.commands import ImportInvitees, PreassignInvitee, RemoveInvitee
from rooms.model import Invitee
from server import links
from server.meetings.hub import MeetingHandle
from server.protocol.error_codes import ErrorCode
from server.services import Services
from server.web import invitees_csv, organiser_session
from server.web.api import _admin_body, _is_unicode, _open, _submit
from server.web.refusals import refusal


def routes(services: Services) -> list[Route]:
    async def import_invitees(request: Request) -> Response:
        live = await _meeting(request, services)
        if isinstance(live, Response):
            return live
        limit = services.settings.max_invitees_csv_bytes
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > limit:
                return refusal(413, ErrorCode.INVALID, f"the CSV is over {limit} bytes")
        limits = (len(live.meeting.state.invitees), services.settings.max_invitees)
        try:
            found = invitees_csv.parse(raw, live.meeting.config, limits, _new_id)
        except invitees_csv.BadCsv as bad:
            # Every line at fault, so the organiser fixes the file once.
            problems = bad.problems
            body = {"error": ErrorCode.INVALID, "message": problems[0], "problems": problems}
            return JSONResponse(body, status_code=400)
        problem = await _submit(live, ImportInvitees(found))
        if problem is not None:
            return problem
        state = live.meeting.state
        return JSONResponse(
            {"imported": len(found), "invitees": [_listed(services, state, i) for i in found]},
            status_code=201,
        )

    async def list_invitees(request: Request) -> Response:
        live = await _meeting(request, services)
        if isinstance(live, Response):
            return live
        state = live.meeting.state
        return JSONResponse(
            {"invitees": [_listed(services, state, i) for i in state.invitees.values()]}
        )

    async def export_invitees(request: Request) -> Response:
        live = await _meeting(request, services)
        if isinstance(live, Response):
            return live
        state = live.meeting.state
        rows = [
            (invitee, _room_name(state, invitee), _link(services, state, invitee))
            for invitee in state.invitees.values()
        ]
        return Response(
            invitees_csv.export(rows),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="invitees-{state.id}.csv"'},
        )

    async def remove_invitee(request: Request) -> Response:
        live = await _meeting(request, services)
        if isinstance(live, Response):
            return live
        invitee = ParticipantId(request.path_params["invitee"])
        if invitee not in live.meeting.state.invitees:
            return refusal(404, Reason.UNKNOWN_PARTICIPANT, "no such invitee in this meeting")
        problem = await _submit(live, RemoveInvitee(invitee))
        if problem is not None:
            return problem
        return Response(status_code=204)

    async def edit_invitee(request: Request) -> Response:
        body = await _admin_body(request, services)
        if isinstance(body, Response):
            return body
        live = await _meeting(request, services)
        if isinstance(live, Response):
            return live
        unknown = sorted(set(body) - {"room"})
        if unknown or not body:
            return refusal(400, ErrorCode.INVALID, "room: a workshop room's id or name, or null")
        room = body["room"]
        if room is not None and not isinstance(room, str):
            return refusal(400, ErrorCode.INVALID, "room: a workshop room's id or name, or null")
        if room is not None and not _is_unicode(room):
            # JSON's `\ud800` decodes to text no store or socket can encode: refused here.
            return refusal(
                400, ErrorCode.INVALID, "room: has a lone surrogate, which is not Unicode"
            )
        invitee = ParticipantId(request.path_params["invitee"])
        if invitee not in live.meeting.state.invitees:
            return refusal(404, Reason.UNKNOWN_PARTICIPANT, "no such invitee in this meeting")
        problem = await _submit(live, PreassignInvitee(invitee, room))
        if problem is not None:
            return problem
        state = live.meeting.state
        return JSONResponse(_listed(services, state, state.invitees[invitee]))

    return [
        Route("/api/meetings/{meeting}/invitees", import_invitees, methods=["POST"]),
        Route("/api/meetings/{meeting}/invitees", list_invitees, methods=["GET"]),
        Route("/api/meetings/{meeting}/invitees.csv", export_invitees, methods=["GET"]),
        Route("/api/meetings/{meeting}/invitees/{invitee}", remove_invitee, methods=["DELETE"]),
        Route("/api/meetings/{meeting}/invitees/{invitee}", edit_invitee, methods=["PATCH"]),
    ]


async def _meeting(request: Request, services: Services) -> MeetingHandle | Response:
    """The meeting the path names, if the request is the organiser's."""
    refused = organiser_session.authorized(request, services)
    if refused is not None:
        return refused
    return await _open(request, services)


def _new_id() -> ParticipantId:
    return ParticipantId(secrets.token_urlsafe(9))


def _link(services: Services, state: MeetingState, invitee: Invitee) -> str:
    return links.personal(services.signer, services.settings, state, invitee.id, services.clock())


def _room_name(state: MeetingState, invitee: Invitee) -> str:
    workshop = None if invitee.room is None else state.workshops.get(invitee.room)
    return "" if workshop is None else workshop.name


def _listed(services: Services, state: MeetingState, invitee: Invitee) -> dict[str, Any]:
    return {
        "id": invitee.id,
        "name": invitee.name,
        "organisation": invitee.organisation,
        "district": invitee.district,
        "group": invitee.group,
        "email": invitee.email,
        "role": invitee.role,
        "room": invitee.room,
        "room_name": _room_name(state, invitee),
        "link": _link(services, state, invitee),
        "joined": invitee.id in state.participants,
    }
