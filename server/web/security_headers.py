"""Headers every HTTP response carries: the Content-Security-Policy that forbids inline script."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.record.minutes import STYLE_SOURCE

# The client is plain ES modules and stylesheets from this origin: nothing inline, nothing from
# elsewhere. Video arrives over WebRTC (not subject to CSP); the socket is ws: or wss: here.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # The record's minutes, opened by the console from a blob URL, keep this page's policy:
        # their one inline stylesheet is allowed by its hash, and nothing else inline.
        f"style-src 'self' {STYLE_SOURCE}",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Links carry their token after `#`, which is never sent; this keeps even the path private.
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders:
    """ASGI middleware: adds `HEADERS` to every HTTP response (WebSockets pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
