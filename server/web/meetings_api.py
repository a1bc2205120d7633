"""The organiser's meetings over HTTP: the list of them, one with its agenda, who is in it now,
and deleting one with all its data.

One meeting is read as this worker holds it (`server.meetings.hub`): with Redis, a meeting
this worker had no client of is opened here first, as for every organiser's route; the list
reads each meeting without hosting it (`Hub.read`). The hub knows which meetings it keeps
(`Hub.meeting_ids`), and deletes one from every store and on every worker (`Hub.delete`); the
admin token (or the organiser's sign-in) is checked here.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rooms import MeetingId, MeetingState
from rooms.model import Participant
from rooms.plain import to_plain
from server.meetings.hub import Unavailable
from server.protocol.error_codes import ErrorCode
from server.services import Services
from server.web.api import _admin_body, _described, _open
from server.web.refusals import refusal


def routes(services: Services) -> list[Route]:
    async def list_meetings(request: Request) -> Response:
        """Every meeting kept, the latest start first (those with no start last)."""
        allowed = await _admin_body(request, services)
        if isinstance(allowed, Response):
            return allowed
        try:
            kept = await services.hub.meeting_ids()
        except Unavailable as error:
            return refusal(503, ErrorCode.UNAVAILABLE, str(error))
        found = []
        for meeting_id in kept:
            try:
                state = await services.hub.read(meeting_id)
            except Unavailable as error:
                return refusal(503, ErrorCode.UNAVAILABLE, str(error))
            if state is not None:  # deleted, or expired, since it was listed
                found.append(_summary(state))
        found.sort(key=lambda one: (one["starts_at"] is not None, one["starts_at"] or 0.0))
        found.reverse()
        return JSONResponse({"meetings": found})

    async def read_meeting(request: Request) -> Response:
        allowed = await _admin_body(request, services)
        if isinstance(allowed, Response):
            return allowed
        live = await _open(request, services)
        if isinstance(live, Response):
            return live
        state = live.meeting.state
        return JSONResponse(
            {**_summary(state), "agenda": to_plain(state.agenda), "locked": state.locked}
        )

    async def list_people(request: Request) -> Response:
        """Who is in the meeting now, connected or within their grace period to come back."""
        allowed = await _admin_body(request, services)
        if isinstance(allowed, Response):
            return allowed
        live = await _open(request, services)
        if isinstance(live, Response):
            return live
        state = live.meeting.state
        people = [_person(state, p) for p in state.participants.values()]
        return JSONResponse({"people": people})

    async def delete_meeting(request: Request) -> Response:
        allowed = await _admin_body(request, services)
        if isinstance(allowed, Response):
            return allowed
        try:
            deleted = await services.hub.delete(MeetingId(request.path_params["meeting"]))
        except Unavailable as error:
            return refusal(503, ErrorCode.UNAVAILABLE, str(error))
        if not deleted:
            return refusal(404, ErrorCode.NO_MEETING, "this meeting does not exist here")
        return Response(status_code=204)

    return [
        Route("/api/meetings", list_meetings, methods=["GET"]),
        Route("/api/meetings/{meeting}", read_meeting, methods=["GET"]),
        Route("/api/meetings/{meeting}", delete_meeting, methods=["DELETE"]),
        Route("/api/meetings/{meeting}/people", list_people, methods=["GET"]),
    ]


def _summary(state: MeetingState) -> dict[str, Any]:
    present = sum(1 for person in state.participants.values() if person.connected)
    return {**_described(state), "ended_at": state.ended_at, "present": present}


def _person(state: MeetingState, person: Participant) -> dict[str, Any]:
    history = state.history.people.get(person.id)
    # Someone who joined before the record was kept has no history: when is not known.
    joined_at = history.sessions[0].since if history is not None and history.sessions else None
    return {
        "id": person.id,
        "name": person.name,
        "role": person.role,
        "organisation": person.organisation,
        "district": person.district,
        "room": person.room,
        # The organiser's page shows the room by its name, never by its id.
        "room_name": _room_name(state, person),
        "connected": person.connected,
        "joined_at": joined_at,
    }


def _room_name(state: MeetingState, person: Participant) -> str | None:
    """The workshop room's name, or None in the plenary."""
    workshop = state.workshops.get(person.room)
    return workshop.name if workshop is not None else None
