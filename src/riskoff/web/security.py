"""Security headers on every response (a plain ASGI middleware: no per-request overhead
beyond adding headers).

The pages load scripts only from this server (``/static/plotly.min.js``,
``/static/riskoff.js``); chart data travels in ``<script type="application/json">`` blocks,
which are data, not code, so ``script-src 'self'`` needs no ``'unsafe-inline'``. Styles
allow ``'unsafe-inline'`` because plotly.js sets inline styles on the elements it draws.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "LOCAL_HOSTS",
    "SECURITY_HEADERS",
    "HostCheck",
    "SecurityHeaders",
    "host_name",
]

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
"""The names the dashboard always answers to (plus the ``--host`` it binds to)."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SecurityHeaders:
    """Add :data:`SECURITY_HEADERS` to every HTTP response that does not set them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def host_name(header: str) -> str | None:
    """The host name of a ``Host`` header (no port, IPv6 brackets removed, lower case);
    ``None`` when it is not a valid host."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit("//" + header)
        if parts.port is None and header.rstrip("]").endswith(":"):
            return None
    except ValueError:  # a malformed port or bracket
        return None
    return parts.hostname


class HostCheck:
    """Answer 400 to any request whose ``Host`` header is not one of the names this
    server serves: a page on another site that rebinds its DNS name to 127.0.0.1 sends
    its own name, so it cannot read the dashboard or the API (DNS rebinding)."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = frozenset(h.strip("[]").lower() for h in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = ""
        for key, value in scope.get("headers", []):
            if key == b"host":
                header = value.decode("latin-1")
                break
        if host_name(header) not in self.hosts:
            from starlette.responses import JSONResponse

            response = JSONResponse({"error": "unknown Host header"}, status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
