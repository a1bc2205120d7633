"""The organiser's sign-in, and the one check every organiser route makes (`authorized`).

An organiser is whoever sends the admin token as `Authorization: Bearer` (scripts, `curl`), or
the session cookie the organiser's page got by signing in with the admin token or
`PLENUM_ORGANISER_PASSWORD`. The cookie is signed, not looked up, so it works on every worker and
needs no state: `<session id>.<expiry>.<HMAC>`, keyed by the secret, the admin token and the
password together, so changing either of the last two ends every session at once.

A browser sends the cookie with any request to the server, a form another site posts too
(SameSite=Strict stops that in today's browsers; this does not rely on it). So with the cookie,
a change (any method but GET and HEAD) also needs `X-CSRF-Token`, an HMAC of the session id that
only the organiser's page can read (from the sign-in's answer), and no page of another origin.
"""

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rooms.errors import quoted
from server.addresses import address_of
from server.protocol.error_codes import ErrorCode
from server.ratelimit import BucketPerKey
from server.services import Services
from server.settings import Settings
from server.web import origins
from server.web.refusals import refusal

COOKIE = "plenum_organiser"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD")
# A password in JSON is a few hundred bytes at most; nothing longer is read.
MAX_SIGN_IN_BYTES = 4096


@dataclass(frozen=True)
class Session:
    id: str
    expires_at: int


def routes(services: Services) -> list[Route]:
    attempts = BucketPerKey(services.settings.sign_in_attempts, services.settings.sign_in_window_s)

    async def sign_in(request: Request) -> Response:
        foreign = _foreign_origin(request, services.settings)
        if foreign is not None:
            return foreign
        address = address_of(request, services.trusted_proxies)
        # Counted before the password is even read: past the limit, the right one is refused too,
        # or guessing would go on, only told apart by the answer.
        wait_s = attempts.take(address, services.clock())
        if wait_s:
            settings = services.settings
            response = refusal(
                429,
                ErrorCode.RATE_LIMITED,
                f"too many sign-in attempts from {address}: {settings.sign_in_attempts} per"
                f" {settings.sign_in_window_s:g} s (PLENUM_SIGN_IN_ATTEMPTS,"
                f" PLENUM_SIGN_IN_WINDOW_S); try again in {_whole_seconds(wait_s)} s",
            )
            response.headers["Retry-After"] = str(_whole_seconds(wait_s))
            return response
        password = await _password(request)
        if isinstance(password, Response):
            return password
        if not _is_organisers(password, services.settings):
            return refusal(
                401, ErrorCode.UNAUTHORIZED, "password: not the admin token nor the organiser's"
            )
        now = services.clock()
        session = Session(
            secrets.token_urlsafe(18), int(now) + services.settings.organiser_session_s
        )
        response = _answer(session, services.settings)
        response.set_cookie(
            COOKIE,
            _cookie_value(session, services.settings),
            max_age=services.settings.organiser_session_s,
            path="/",
            secure=_is_https(services.settings),
            httponly=True,
            samesite="strict",
        )
        return response

    async def read_session(request: Request) -> Response:
        session = _session(request, services)
        if session is None:
            return refusal(401, ErrorCode.UNAUTHORIZED, "not signed in as the organiser")
        return _answer(session, services.settings)

    async def sign_out(request: Request) -> Response:
        # The browser forgets the cookie; a copy of it taken before still works until it
        # expires (nothing is kept to void it on every worker), as the README says.
        response = Response(status_code=204, headers={"Cache-Control": "no-store"})
        response.delete_cookie(
            COOKIE,
            path="/",
            secure=_is_https(services.settings),
            httponly=True,
            samesite="strict",
        )
        return response

    return [
        Route("/api/organiser/session", sign_in, methods=["POST"]),
        Route("/api/organiser/session", read_session, methods=["GET"]),
        Route("/api/organiser/session", sign_out, methods=["DELETE"]),
    ]


def authorized(request: Request, services: Services) -> Response | None:
    """None if the request is the organiser's, else the response that says why not: 401 without
    the admin token or a valid session cookie, 403 `csrf` for a change by the cookie without
    its `X-CSRF-Token` or from a page of another origin."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        # The admin token as ever; a wrong one is judged alone, whatever cookie comes with it.
        if _same(token.strip(), services.settings.admin_token):
            return None
        return refusal(401, ErrorCode.UNAUTHORIZED, "Authorization: not the admin token")
    if COOKIE not in request.cookies:
        return refusal(
            401,
            ErrorCode.UNAUTHORIZED,
            "sign in as the organiser (POST /api/organiser/session),"
            " or send Authorization: Bearer <admin token>",
        )
    session = _session(request, services)
    if session is None:
        return refusal(
            401, ErrorCode.UNAUTHORIZED, "the organiser's session is over or forged: sign in again"
        )
    if request.method in SAFE_METHODS:
        return None
    foreign = _foreign_origin(request, services.settings)
    if foreign is not None:
        return foreign
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        return refusal(
            403, ErrorCode.CSRF, f"{CSRF_HEADER}: needed with the organiser's session cookie"
        )
    if not _same(sent, csrf_token(session, services.settings)):
        return refusal(403, ErrorCode.CSRF, f"{CSRF_HEADER}: not this session's")
    return None


def csrf_token(session: Session, settings: Settings) -> str:
    return _b64(_mac(settings, f"csrf:{session.id}"))


def _session(request: Request, services: Services) -> Session | None:
    """The session the request's cookie proves, unexpired; None if none or forged."""
    session_id, _, rest = request.cookies.get(COOKIE, "").partition(".")
    expiry, _, mac = rest.partition(".")
    if not session_id or not (expiry.isascii() and expiry.isdigit() and len(expiry) <= 12):
        return None
    session = Session(session_id, int(expiry))
    if not _same(mac, _cookie_value(session, services.settings).rsplit(".", 1)[1]):
        return None
    if session.expires_at <= services.clock():
        return None
    return session


def _cookie_value(session: Session, settings: Settings) -> str:
    signed = f"{session.id}.{session.expires_at}"
    return f"{signed}.{_b64(_mac(settings, f'session:{signed}'))}"


def _mac(settings: Settings, text: str) -> bytes:
    # Keyed apart from the link tokens' (`server.tokens`): no link or cookie stands for the
    # other. The admin token and the password are in the key: changing one signs everyone out.
    key = hashlib.sha256(
        "\0".join(
            ("plenum-organiser", settings.secret, settings.admin_token, settings.organiser_password)
        ).encode()
    ).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _is_organisers(password: str, settings: Settings) -> bool:
    # Both compared every time, so the time taken tells nothing of which one came near.
    is_admin_token = _same(password, settings.admin_token)
    is_password = _same(password, settings.organiser_password)
    return is_admin_token or (is_password and bool(settings.organiser_password))


async def _password(request: Request) -> str | Response:
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_SIGN_IN_BYTES:
            return refusal(400, ErrorCode.INVALID, f"the body is over {MAX_SIGN_IN_BYTES} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        body = None  # RecursionError: `[[[[…` nested past what the parser follows
    if not isinstance(body, dict) or not isinstance(body.get("password"), str):
        return refusal(400, ErrorCode.INVALID, 'password: needed, as JSON {"password": "…"}')
    password: str = body["password"]
    return password


def _foreign_origin(request: Request, settings: Settings) -> Response | None:
    """403 `csrf` for a request a page of another origin sent; None for ours, or no browser's."""
    origin = request.headers.get("origin")
    if origins.allows(settings.origins(), origin):
        return None
    return refusal(
        403,
        ErrorCode.CSRF,
        f"origin {quoted(origin)}: a page of another site may not act as the organiser",
    )


def _answer(session: Session, settings: Settings) -> Response:
    return JSONResponse(
        {"csrf": csrf_token(session, settings), "expires_at": session.expires_at},
        headers={"Cache-Control": "no-store"},
    )


def _is_https(settings: Settings) -> bool:
    return urlsplit(settings.public_url).scheme == "https"


def _same(given: str, expected: str) -> bool:
    # `surrogatepass`: JSON may carry a lone surrogate (`\ud800`), which is no UTF-8.
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _whole_seconds(seconds: float) -> int:
    return max(1, int(-(-seconds // 1)))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
