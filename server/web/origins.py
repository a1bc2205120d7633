"""Which pages may open the signalling WebSocket, or act with the organiser's session cookie
(`server.web.organiser_session`): those of Plenum's own origin, and any listed.

Browsers send the page's `Origin` with every WebSocket handshake and, unlike for `fetch`, never
enforce anything themselves: without this check any site a participant visits could open a
socket with the participant's link and act as them. A handshake with no `Origin` comes from no
browser (a script, the tests, the benchmark) and holds a token of its own: it is let in.
"""

import logging

from starlette.responses import PlainTextResponse
from starlette.websockets import WebSocket

from rooms.errors import quoted
from server.settings import origin_of

log = logging.getLogger("plenum.signalling")

# Origins already logged as refused: one line each, not one per attempt.
_LOGGED_AT_MOST = 100
_logged: set[str] = set()


def allows(allowed: frozenset[str], origin: str | None) -> bool:
    if origin is None:
        return True
    try:
        return origin_of(origin.strip().lower()) in allowed
    except ValueError:
        return False  # "null" (a sandboxed page, a file), or no URL at all


async def refuse(websocket: WebSocket, origin: str, allowed: frozenset[str]) -> None:
    """Refuse the handshake with 403 and say why, to the client and once in the log."""
    why = (
        f"origin {quoted(origin)} may not open this WebSocket: only {', '.join(sorted(allowed))} "
        "(PLENUM_PUBLIC_URL, PLENUM_ALLOWED_ORIGINS)"
    )
    if origin not in _logged and len(_logged) < _LOGGED_AT_MOST:
        _logged.add(origin)
        log.warning("refused a WebSocket: %s", why)
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(PlainTextResponse(why, status_code=403))
    else:
        await websocket.close(1008, why)  # before accepting: uvicorn answers 403
