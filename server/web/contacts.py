"""The contacts directory over HTTP: for someone who opted in, from their own link, during the
meeting and afterwards, until the meeting's data expires.

`GET /api/meetings/{meeting}/contacts` with `Authorization: Bearer <contacts token>` (the token
of the `contacts_link` the server sent them, `server.signalling.contacts_link`): the cards of
everyone who opts in now, theirs too. `DELETE` on it withdraws one's own card, as
`withdraw_contact` does (the core's `WithdrawContactByLink`), also after leaving the meeting. A
token that is missing, forged, expired, of another kind or of another meeting gets 401; a good
one of someone who withdrew gets 403, as does one of someone who never opted in (no such token
is given, but the rule is the directory's, not the token's). Nothing is cached on the way
(`Cache-Control: no-store`).
"""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rooms import MeetingId, ParticipantId, Reason, Rejected
from rooms.commands import WithdrawContactByLink
from rooms.plain import to_plain
from server.meetings.hub import MeetingHandle, Unavailable
from server.protocol.error_codes import ErrorCode
from server.services import Services
from server.tokens import Kind, TokenError
from server.web.api import _bearer as bearer
from server.web.refusals import refusal as error

# The API's reading of the bearer token and its error bodies (imported above) are shared, not
# written twice.
NO_STORE = {"Cache-Control": "no-store"}


def routes(services: Services) -> list[Route]:
    async def opened(request: Request) -> tuple[MeetingHandle, ParticipantId] | Response:
        """The meeting and the person the request's contacts token opens, or the error."""
        meeting = MeetingId(request.path_params["meeting"])
        try:
            grant = services.signer.verify(bearer(request), services.clock(), Kind.CONTACTS)
        except TokenError as problem:
            return error(401, ErrorCode.BAD_TOKEN, str(problem))
        if grant.meeting != meeting or grant.participant is None:
            return error(401, ErrorCode.BAD_TOKEN, "this token is not for this meeting")
        live = await services.hub.open(meeting)
        if live is None:
            return error(404, ErrorCode.NO_MEETING, "this meeting does not exist here")
        if grant.participant not in live.meeting.state.contacts:
            return error(
                403,
                ErrorCode.NOT_OPTED_IN,
                "you do not share your contacts in this meeting: only those who do see them",
            )
        return live, grant.participant

    async def read_contacts(request: Request) -> Response:
        found = await opened(request)
        if isinstance(found, Response):
            return found
        live, you = found
        state = live.meeting.state
        cards = [to_plain(card) for card in state.contacts.values()]
        body = {"meeting": state.id, "title": state.title, "you": you}
        return JSONResponse({**body, "contacts": cards}, headers=NO_STORE)

    async def withdraw(request: Request) -> Response:
        found = await opened(request)
        if isinstance(found, Response):
            return found
        live, you = found
        try:
            await live.submit(None, WithdrawContactByLink(you))
        except Rejected as rejected:
            if rejected.reason is Reason.CONFLICT:  # withdrawn meanwhile, from another tab
                return error(403, ErrorCode.NOT_OPTED_IN, rejected.detail)
            return error(409, rejected.reason, rejected.detail)
        except Unavailable as problem:
            return error(503, ErrorCode.UNAVAILABLE, str(problem))
        return Response(status_code=204, headers=NO_STORE)

    return [
        Route("/api/meetings/{meeting}/contacts", read_contacts, methods=["GET"]),
        Route("/api/meetings/{meeting}/contacts", withdraw, methods=["DELETE"]),
    ]
