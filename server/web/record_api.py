"""The meeting's record over HTTP, for moderators: JSON, the attendance CSV, the minutes.

Who may download it: the organiser (`server.web.organiser_session`), the holder of the meeting's
moderator link, or a participant whose resume token (or personal link) names someone who is a
moderator in the meeting (or was the last time they were in it, so after they left or the meeting
ended too, until the meeting's data expires; an invitee who has not joined, as the organiser
invited them). The record is
built from the meeting's state on this worker, which every worker holds alike (`rooms.record`).
"""

from collections.abc import Callable
from datetime import tzinfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rooms import MeetingId, MeetingState, Reason, Role
from rooms.record import MeetingRecord, meeting_record
from server import links
from server.protocol.error_codes import ErrorCode
from server.record.attendance_csv import attendance_csv
from server.record.minutes import MINUTES_CSP, minutes_html
from server.record.record_json import record_json
from server.record.wording import LANGUAGES, Language
from server.services import Services
from server.tokens import Grant, Kind, TokenError
from server.web import organiser_session
from server.web.refusals import refusal

Export = Callable[[MeetingRecord, Language, tzinfo], bytes]


def routes(services: Services) -> list[Route]:
    zone = services.settings.record_zone()

    def whole(record: MeetingRecord, _language: Language, _zone: tzinfo) -> bytes:
        return record_json(record, services.settings.record_time_zone)

    def exporting(suffix: str, media_type: str, export: Export) -> Route:
        async def download(request: Request) -> Response:
            meeting = MeetingId(request.path_params["meeting"])
            query = request.query_params
            asked = query.get("lang")
            if asked is not None and asked not in LANGUAGES:
                return refusal(400, ErrorCode.INVALID, "lang: pl or en")
            chat = query.get("chat")
            if chat not in (None, "public"):
                return refusal(400, ErrorCode.INVALID, "chat: only public (private chat never)")
            # The organiser (the admin token, or the organiser's page signed in), or a moderator.
            organiser = organiser_session.authorized(request, services) is None
            grant = None
            if not organiser:
                try:
                    grant = services.signer.verify(_bearer(request), services.clock())
                except TokenError as error:
                    return refusal(401, ErrorCode.BAD_TOKEN, str(error))
                if grant.meeting != meeting:
                    return refusal(401, ErrorCode.BAD_TOKEN, "this token is for another meeting")
            live = await services.hub.open(meeting)
            if live is None:
                return refusal(404, ErrorCode.NO_MEETING, "this meeting does not exist here")
            state = live.meeting.state
            if grant is not None and grant.kind in links.LINK_KINDS:
                try:
                    links.role_of(grant, state, services.settings, services.clock())
                except links.LinkRevoked as error:
                    return refusal(410, ErrorCode.LINK_REVOKED, str(error))
                except links.LinkExpired as error:
                    return refusal(410, ErrorCode.LINK_EXPIRED, str(error))
            if grant is not None and not _is_moderator(state, grant):
                return refusal(403, Reason.NOT_ALLOWED, "only a moderator may download the record")
            # Unless asked for another, in the language the meeting was held in.
            language: Language = "en" if (asked or state.language) == "en" else "pl"
            # The record is read from the state here, on the loop, where nothing changes it
            # meanwhile; it is frozen, so writing it out (a quarter second for a large meeting's
            # JSON) runs in a thread, and the loop goes on sending to everyone else.
            record = meeting_record(state, services.clock(), include_chat=chat == "public")
            body = await run_in_threadpool(export, record, language, zone)
            headers = {
                "Content-Disposition": f'attachment; filename="{meeting}-{suffix}"',
                "Cache-Control": "no-store",
            }
            if suffix.endswith(".html"):
                headers["Content-Security-Policy"] = MINUTES_CSP
            return Response(body, media_type=media_type, headers=headers)

        return Route(f"/api/meetings/{{meeting}}/{suffix}", download, methods=["GET"])

    return [
        exporting("record.json", "application/json", whole),
        exporting("attendance.csv", "text/csv; charset=utf-8", attendance_csv),
        exporting("minutes.html", "text/html; charset=utf-8", minutes_html),
    ]


def _is_moderator(state: MeetingState, grant: Grant) -> bool:
    if grant.kind is Kind.MODERATOR:
        return True
    # An invitee's personal link is the invitee's, as their resume token is.
    if grant.kind not in (Kind.RESUME, Kind.PERSONAL) or grant.participant is None:
        return False
    here = state.participants.get(grant.participant)
    if here is not None:
        return here.role is Role.MODERATOR
    # Gone (left, or the meeting ended): their last role, unless they were removed.
    was = state.history.people.get(grant.participant)
    if was is not None or grant.kind is Kind.RESUME:
        return was is not None and not was.removed and was.roles[-1].role is Role.MODERATOR
    # An invitee who has not joined: the role the organiser gave them.
    invitee = state.invitees.get(grant.participant)
    return invitee is not None and invitee.role is Role.MODERATOR


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
