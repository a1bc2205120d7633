"""The OpenAPI 3.1 document of Plenum's HTTP API, served at `GET /openapi.json`.

Built here as data, route by route, next to nothing else: `tests/server/test_openapi.py` checks
it against the app's routes both ways (every route and method documented, every documented one
a route), so it cannot drift from them unnoticed. The words of each route are docs/protocol.md's
"HTTP API" section, shortened; the WebSocket protocol (`/ws`) is that document's, not OpenAPI's.
"""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

OPENAPI_VERSION = "3.1.0"

Schema = dict[str, Any]
Operation = dict[str, Any]


def routes() -> list[Route]:
    document = build()

    async def serve_document(request: Request) -> Response:
        return JSONResponse(document)

    return [Route("/openapi.json", serve_document, methods=["GET"])]


def build() -> dict[str, Any]:
    """The whole document."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Plenum HTTP API",
            "version": "1",
            "summary": "Meetings, their links, invitees and records, for organisers.",
            "description": (
                "The organiser's side of Plenum, and what the join page reads. The meeting "
                "itself runs over the WebSocket at `/ws` (msgpack frames), described in "
                "Plenum's docs/protocol.md, as is every route here, at length. Times are Unix "
                "seconds in answers and "
                "ISO 8601 with a UTC offset in requests. Every error is "
                '`{"error": code, "message": text}`.'
            ),
        },
        "paths": _paths(),
        "components": {"schemas": SCHEMAS, "securitySchemes": SECURITY_SCHEMES},
    }


# Who may call: the admin token, or the organiser's sign-in cookie (with X-CSRF-Token on every
# method but GET and HEAD); a link's token (the join page); a moderator's token (the record); a
# person's contacts token.
SECURITY_SCHEMES: dict[str, Schema] = {
    "adminToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The admin token (`PLENUM_ADMIN_TOKEN`).",
    },
    "organiserSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "plenum_organiser",
        "description": (
            "The organiser's sign-in (`POST /api/organiser/session`). Every method but GET "
            "and HEAD also needs the header `X-CSRF-Token` with the session's `csrf`."
        ),
    },
    "linkToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A meeting link's token: moderator, presenter, invite or personal.",
    },
    "moderatorToken": {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "The meeting's moderator token, or the resume token of someone who is (or last "
            "was) a moderator in it."
        ),
    },
    "contactsToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The token of a person's `contacts_link`.",
    },
}
ORGANISER: list[dict[str, list[str]]] = [{"adminToken": []}, {"organiserSession": []}]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _time(what: str, *, nullable: bool = False) -> Schema:
    kind: Any = ["number", "null"] if nullable else "number"
    return {"type": kind, "description": f"{what} (Unix seconds)."}


def _text(what: str) -> Schema:
    return {"type": "string", "description": what}


SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": _text("A code a program can act on (docs/protocol.md, Error codes)."),
            "message": _text("What was wrong, naming the field."),
        },
    },
    "Language": {"type": "string", "enum": ["pl", "en"], "default": "pl"},
    "Role": {"type": "string", "enum": ["moderator", "presenter", "participant"]},
    "Agenda": {
        "type": "object",
        "description": "The meeting's agenda as in the snapshot: `{items, current, ...}`.",
    },
    "AgendaItem": {
        "type": "object",
        "required": ["title", "minutes"],
        "properties": {
            "title": {"type": "string"},
            "minutes": {"type": "integer", "minimum": 1},
            "id": _text("An item in the agenda already, to keep its status and time used."),
            "presenters": {
                "type": "array",
                "items": {
                    "oneOf": [
                        _text("The name of someone not yet joined."),
                        {
                            "type": "object",
                            "required": ["participant"],
                            "properties": {"participant": {"type": "string"}},
                        },
                    ]
                },
            },
        },
    },
    "Schedule": {
        "type": "object",
        "properties": {
            "title": _text("One line, at most 200 characters."),
            "starts_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "ISO 8601 with a UTC offset; null: no start.",
            },
            "ends_at": {
                "type": "string",
                "format": "date-time",
                "description": "ISO 8601 with a UTC offset, after `starts_at`.",
            },
            "description": _text(
                "What the meeting is for; at most `PLENUM_MAX_DESCRIPTION_CHARS` characters."
            ),
            "language": _ref("Language"),
        },
    },
    "MeetingSummary": {
        "type": "object",
        "required": [
            "id",
            "title",
            "description",
            "language",
            "starts_at",
            "ends_at",
            "ended_at",
            "present",
        ],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "language": _ref("Language"),
            "starts_at": _time("When it starts", nullable=True),
            "ends_at": _time("When it is planned to end", nullable=True),
            "ended_at": _time("When a moderator ended it", nullable=True),
            "present": {"type": "integer", "description": "How many are connected now."},
        },
    },
    "Meeting": {
        "allOf": [
            _ref("MeetingSummary"),
            {
                "type": "object",
                "required": ["agenda", "locked"],
                "properties": {
                    "agenda": _ref("Agenda"),
                    "locked": {"type": "boolean", "description": "Nobody new gets in."},
                },
            },
        ]
    },
    "Described": {
        "type": "object",
        "required": ["id", "title", "description", "language", "starts_at", "ends_at"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "language": _ref("Language"),
            "starts_at": _time("When it starts", nullable=True),
            "ends_at": _time("When it is planned to end"),
        },
    },
    "Created": {
        "allOf": [
            _ref("Described"),
            {
                "type": "object",
                "properties": {
                    **{
                        f"{role}_{kind}": {"type": "string"}
                        for role in ("moderator", "presenter", "invite")
                        for kind in ("link", "token")
                    },
                    "agenda": _ref("Agenda"),
                },
            },
        ]
    },
    "Link": {
        "type": "object",
        "required": ["role", "link", "token", "generation"],
        "properties": {
            "role": _ref("Role"),
            "link": _text("The public URL with the token after `#`."),
            "token": {"type": "string"},
            "generation": {"type": "integer"},
            "valid_until": _time("Until when the link works (after a reissue)"),
        },
    },
    "Person": {
        "type": "object",
        "required": [
            "id",
            "name",
            "role",
            "organisation",
            "district",
            "room",
            "room_name",
            "connected",
            "joined_at",
        ],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "role": _ref("Role"),
            "organisation": {"type": "string"},
            "district": {"type": "string"},
            "room": _text("`plenary` or a workshop room's id."),
            "room_name": {
                "type": ["string", "null"],
                "description": "The workshop room's name; null in the plenary.",
            },
            "connected": {
                "type": "boolean",
                "description": "False within the grace period to come back.",
            },
            "joined_at": _time("When they first joined", nullable=True),
        },
    },
    "Invitee": {
        "type": "object",
        "properties": {
            **{
                name: {"type": "string"}
                for name in ("id", "name", "organisation", "district", "group", "email", "link")
            },
            "role": _ref("Role"),
            "room": {"type": ["string", "null"]},
            "room_name": {"type": "string"},
            "joined": {"type": "boolean"},
        },
    },
    "Invitation": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "starts_at": _time("When it starts", nullable=True),
            "ends_at": _time("When it is planned to end", nullable=True),
            "ended_at": _time("When a moderator ended it", nullable=True),
            "role": _ref("Role"),
            "media": {"type": "boolean"},
            "limits": {"type": "object"},
            "invitee": {"type": "object", "description": "For a personal link: who it joins as."},
        },
    },
    "Session": {
        "type": "object",
        "required": ["csrf", "expires_at"],
        "properties": {
            "csrf": _text("The value for the `X-CSRF-Token` header."),
            "expires_at": _time("When the sign-in ends"),
        },
    },
}


def _json(schema: Schema, description: str = "OK") -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Schema]:
    meaning = {
        400: "Bad input: the message names the field; nothing changed.",
        401: "No or wrong token.",
        403: "Not allowed (or a missing X-CSRF-Token with the sign-in cookie).",
        404: "No such meeting here (`no_meeting`), or no such part of it.",
        410: "The link was revoked or has expired.",
        413: "The body is over its limit.",
        429: "Too many attempts; see Retry-After.",
        503: "The meeting's writer did not answer in time; the request may be sent again.",
    }
    return {str(status): _json(_ref("Error"), meaning[status]) for status in statuses}


MEETING = {"name": "meeting", "in": "path", "required": True, "schema": {"type": "string"}}
INVITEE = {"name": "invitee", "in": "path", "required": True, "schema": {"type": "string"}}
ROLE = {"name": "role", "in": "path", "required": True, "schema": _ref("Role")}


def _op(
    summary: str,
    responses: dict[str, Schema],
    *,
    security: list[dict[str, list[str]]] | None = None,
    parameters: list[Schema] | None = None,
    body: Schema | None = None,
    tag: str = "meetings",
) -> Operation:
    if security is None:
        # The organiser's: with the sign-in cookie, a change without its CSRF token, or from a
        # page of another site, is refused.
        security = ORGANISER
        responses = {**responses, **_errors(403)}
    operation: Operation = {"summary": summary, "tags": [tag], "responses": responses}
    operation["security"] = security
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


def _json_body(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


def _paths() -> dict[str, dict[str, Operation]]:
    created_body = {
        "allOf": [
            _ref("Schedule"),
            {
                "type": "object",
                "required": ["title"],
                "properties": {"agenda": {"type": "array", "items": _ref("AgendaItem")}},
            },
        ]
    }
    one = [MEETING]
    paths: dict[str, dict[str, Operation]] = {
        "/api/meetings": {
            "get": _op(
                "Every meeting kept, the latest start first (no start last).",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "meetings": {"type": "array", "items": _ref("MeetingSummary")}
                            },
                        }
                    ),
                    **_errors(401),
                },
            ),
            "post": _op(
                "Create a meeting, with its agenda; its links per role.",
                {"201": _json(_ref("Created"), "Created"), **_errors(400, 401, 503)},
                body=_json_body(created_body),
            ),
        },
        "/api/meetings/{meeting}": {
            "get": _op(
                "One meeting, with its agenda and whether it is locked.",
                {"200": _json(_ref("Meeting")), **_errors(401, 404)},
                parameters=one,
            ),
            "patch": _op(
                "Change its title, start, end, description or language; everyone is told.",
                {"200": _json(_ref("Described")), **_errors(400, 401, 404, 503)},
                parameters=one,
                body=_json_body(_ref("Schedule")),
            ),
            "delete": _op(
                "Delete the meeting and all its data from every store; its sockets close with "
                "4013 on every worker, its links then get 404 `no_meeting`.",
                {"204": {"description": "Deleted."}, **_errors(401, 404, 503)},
                parameters=one,
            ),
        },
        "/api/meetings/{meeting}/people": {
            "get": _op(
                "Who is in the meeting now (connected, or within the grace period).",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"people": {"type": "array", "items": _ref("Person")}},
                        }
                    ),
                    **_errors(401, 404),
                },
                parameters=one,
            )
        },
        "/api/meetings/{meeting}/agenda": {
            "put": _op(
                "Replace the agenda (items with an `id` keep their status and time used).",
                {"200": _json({"type": "object", "properties": {"agenda": _ref("Agenda")}})}
                | _errors(400, 401, 404, 503),
                parameters=one,
                body=_json_body(
                    {
                        "type": "object",
                        "required": ["agenda"],
                        "properties": {"agenda": {"type": "array", "items": _ref("AgendaItem")}},
                    }
                ),
            )
        },
        "/api/meetings/{meeting}/links": {
            "get": _op(
                "The current link of each role, and until when they work.",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string"},
                                "valid_until": _time("Until when the links work"),
                                "links": {"type": "array", "items": _ref("Link")},
                            },
                        }
                    ),
                    **_errors(401, 404),
                },
                parameters=one,
                tag="links",
            )
        },
        "/api/meetings/{meeting}/links/{role}/reissue": {
            "post": _op(
                "Revoke a role's link and make a new one.",
                {"200": _json(_ref("Link")), **_errors(401, 404, 503)},
                parameters=[MEETING, ROLE],
                tag="links",
            )
        },
        **_invitee_paths(),
        "/api/invitation": {
            "get": _op(
                "What the join page shows before joining: the meeting and the link's role.",
                {"200": _json(_ref("Invitation")), **_errors(401, 404, 410)},
                security=[{"linkToken": []}],
                tag="joining",
            )
        },
        **_record_paths(),
        "/api/meetings/{meeting}/contacts": {
            "get": _op(
                "The contacts directory of someone who opted in.",
                {"200": _json({"type": "object"}), **_errors(401, 403, 404)},
                security=[{"contactsToken": []}],
                parameters=one,
                tag="contacts",
            ),
            "delete": _op(
                "Withdraw one's own card from the directory.",
                {"204": {"description": "Withdrawn."}, **_errors(401, 403, 404, 503)},
                security=[{"contactsToken": []}],
                parameters=one,
                tag="contacts",
            ),
        },
        "/api/organiser/session": _session_path(),
        "/healthz": {
            "get": _op(
                "Liveness, and how many meetings this process runs.",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "status": {"const": "ok"},
                                "meetings": {"type": "integer"},
                            },
                        }
                    )
                },
                security=[],
                tag="server",
            )
        },
        "/openapi.json": {
            "get": _op(
                "This document.",
                {"200": _json({"type": "object"})},
                security=[],
                tag="server",
            )
        },
    }
    return paths


def _invitee_paths() -> dict[str, dict[str, Operation]]:
    listed = {
        "type": "object",
        "properties": {"invitees": {"type": "array", "items": _ref("Invitee")}},
    }
    return {
        "/api/meetings/{meeting}/invitees": {
            "post": _op(
                "Import invitees from a CSV (UTF-8 or Windows-1250); errors by line.",
                {
                    "201": _json(
                        {
                            "type": "object",
                            "properties": {
                                "imported": {"type": "integer"},
                                "invitees": {"type": "array", "items": _ref("Invitee")},
                            },
                        },
                        "Imported",
                    ),
                    **_errors(400, 401, 404, 413, 503),
                },
                parameters=[MEETING],
                body={"text/csv": {"schema": {"type": "string"}}},
                tag="invitees",
            ),
            "get": _op(
                "The invitees, in the order imported, with their personal links.",
                {"200": _json(listed), **_errors(401, 404)},
                parameters=[MEETING],
                tag="invitees",
            ),
        },
        "/api/meetings/{meeting}/invitees.csv": {
            "get": _op(
                "The invitees with their links, for a mail merge.",
                {
                    "200": {
                        "description": "OK",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **_errors(401, 404),
                },
                parameters=[MEETING],
                tag="invitees",
            )
        },
        "/api/meetings/{meeting}/invitees/{invitee}": {
            "patch": _op(
                "Plan an invitee into a workshop room (`room`: id or name, or null).",
                {"200": _json(_ref("Invitee")), **_errors(400, 401, 404, 503)},
                parameters=[MEETING, INVITEE],
                body=_json_body(
                    {
                        "type": "object",
                        "required": ["room"],
                        "properties": {"room": {"type": ["string", "null"]}},
                    }
                ),
                tag="invitees",
            ),
            "delete": _op(
                "Remove an invitee: their personal link is then refused.",
                {"204": {"description": "Removed."}, **_errors(401, 404, 503)},
                parameters=[MEETING, INVITEE],
                tag="invitees",
            ),
        },
    }


def _record_paths() -> dict[str, dict[str, Operation]]:
    query = [
        MEETING,
        {
            "name": "lang",
            "in": "query",
            "required": False,
            "schema": _ref("Language"),
            "description": "The language of the CSV and the minutes; the meeting's by default.",
        },
        {
            "name": "chat",
            "in": "query",
            "required": False,
            "schema": {"const": "public"},
            "description": "Include the public chat (private messages never).",
        },
    ]
    formats = {
        "record.json": ("The whole record.", "application/json"),
        "attendance.csv": ("The attendance, one row per person.", "text/csv"),
        "minutes.html": ("Printable minutes.", "text/html"),
    }
    return {
        f"/api/meetings/{{meeting}}/{suffix}": {
            "get": _op(
                summary,
                {
                    "200": {"description": "OK", "content": {media: {"schema": {}}}},
                    **_errors(400, 401, 403, 404, 410),
                },
                security=[{"moderatorToken": []}],
                parameters=query,
                tag="record",
            )
        }
        for suffix, (summary, media) in formats.items()
    }


def _session_path() -> dict[str, Operation]:
    """The organiser's sign-in (`server.web.organiser_session`)."""
    signed_in = _json(_ref("Session"), "Signed in; the cookie `plenum_organiser` is set.")
    return {
        "get": _op(
            "Whether this browser is signed in, and its CSRF token.",
            {"200": _json(_ref("Session")), **_errors(401)},
            security=[{"organiserSession": []}],
            tag="sign-in",
        ),
        "post": _op(
            "Sign in with the admin token or the organiser password "
            "(`PLENUM_SIGN_IN_ATTEMPTS` per `PLENUM_SIGN_IN_WINDOW_S` from one address).",
            {"200": signed_in, **_errors(400, 401, 403, 429)},
            security=[],
            body=_json_body(
                {
                    "type": "object",
                    "required": ["password"],
                    "properties": {"password": {"type": "string"}},
                }
            ),
            tag="sign-in",
        ),
        "delete": _op(
            "Sign out: the browser forgets the cookie.",
            {"204": {"description": "Signed out."}},
            security=[],
            tag="sign-in",
        ),
    }
