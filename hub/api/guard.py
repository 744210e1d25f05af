"""What every request passes before the routers see it, and what every response carries.

One pure ASGI middleware (no ``BaseHTTPMiddleware``: it must not buffer streamed
downloads nor add a task per request), because a public hub is hit by crawlers,
scripts and hostile input long before a router could object:

* **Size limits.** A URL (path + query string) over ``max_url_bytes`` is refused
  with 414, more than ``max_headers`` header lines with 431, a ``Host`` that is not a
  host name with 400, a decoded path holding control characters (``%00``) with 400,
  and a body over ``max_body_bytes`` with 413 — at once when ``Content-Length``
  says so, else as soon as the streamed body passes it (never buffered whole);
  more than ``max_header_bytes`` of headers also get 431 (uvicorn's own 16 KiB cap
  only applies to a head that arrives in pieces).
* **Rate limit.** ``/sparql`` and ``/api/search`` cost CPU (a query worker, an
  embedding), so each client (the peer address, which uvicorn takes from
  ``X-Forwarded-For`` when a proxy on the same host sends it) has a token bucket per
  route: ``rate_burst`` requests at once, refilled at ``rate_per_minute``; an empty
  bucket answers 429 with ``Retry-After``. Buckets live in one process: with N
  server workers a client may get up to N times the rate, so the production stack
  (``scripts/stack.sh``, :mod:`hub.deploy`) has nginx enforce the same limit once for
  all workers, and this one stays as the second line when the hub is reached directly.
* **Security headers** on every response: a Content-Security-Policy that allows
  only the hub's own scripts (no ``'unsafe-inline'``, no ``eval``, no WebAssembly)
  and only its own styles, plus the hashes of the
  ``<style>`` blocks of the API's own HTML templates; ``nosniff``, no framing, a
  strict referrer policy. One policy for every response, the API documentation at
  ``/docs`` included (it is served from this server with no inline code: :mod:`hub.api.docs`).

Every refusal is the API's JSON error shape (``{error, detail}``).

Below the HTTP layer, :class:`NoDelayH11` (the protocol `hub serve` gives uvicorn) turns
off Nagle's algorithm on each connection. asyncio means to, but skips sockets whose
``proto`` reads 0 — uvicorn's do — and uvicorn writes a response head and body
separately, so a client sending its next request on a kept-alive connection waited for
its own delayed ACK: ~40 ms added to every back-to-back request (bench/load.py).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import socket
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from hub.api.contract import error
from hub.config import Settings

RATE_LIMITED = {"/sparql": "sparql", "/api/search": "search"}  # path -> bucket name
MAX_CLIENTS = (
    10_000  # buckets kept; the least recently seen client is forgotten first (its bucket was refilling anyway)
)
TEMPLATES = Path(__file__).parent / "templates"

_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252}))(?::\d{1,5})?$")
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
_INLINE = re.compile(rb"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.S | re.I)

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",  # no inline script, no eval, no WebAssembly (the offline search is plain JavaScript)
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def _hash(text: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text).digest()).decode()}'"


def _policy(extra: dict[str, str] | None = None) -> str:
    parts = {**POLICY}
    for directive, sources in (extra or {}).items():
        parts[directive] = f"{parts.get(directive, '')} {sources}".strip()
    return "; ".join(f"{k} {v}" for k, v in parts.items())


def template_style_hashes(folder: Path = TEMPLATES) -> list[str]:
    """CSP hashes of the ``<style>`` blocks of the API's templates (static text, rendered verbatim)."""
    found = []
    for file in sorted(folder.glob("*.html")):
        for tag, _attrs, text in _INLINE.findall(file.read_bytes()):
            if tag.lower() == b"style":
                found.append(_hash(text))
    return found


def content_security_policy() -> str:
    """The one policy of every response: the hub's own, and nginx's for the files it serves itself (hub.deploy)."""
    hashes = " ".join(template_style_hashes())
    return _policy({"style-src": hashes} if hashes else None)


class TokenBuckets:
    """Per-client token buckets: ``burst`` requests at once, one more every ``60 / per_minute`` seconds."""

    def __init__(self, per_minute: float, burst: int, max_clients: int = MAX_CLIENTS):
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def take(self, key: tuple[str, str], now: float | None = None) -> float:
        """Spend one token: 0 when allowed, else the seconds until the next token."""
        now = time.monotonic() if now is None else now
        tokens, at = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes the limit; the app's handler answers 413."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body passes {limit} bytes, the most this server accepts")


class Guard:
    """The middleware; added by :func:`hub.api.app.create_app` with the app's settings."""

    def __init__(self, app: ASGIApp, cfg: Settings):
        self.app = app
        self.cfg = cfg
        self.buckets = TokenBuckets(cfg.rate_per_minute, cfg.rate_burst) if cfg.rate_per_minute > 0 else None
        self.policy = content_security_policy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, self._secured(scope, send))
            return
        limit = self.cfg.max_body_bytes
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        secured = self._secured(scope, send)

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await secured(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge as exc:  # reached here only when no handler answered it
            if started:
                raise
            await error(413, "too_large", exc.detail)(scope, receive, secured)

    # ------------------------------------------------------------ refusals before the app runs

    def _refusal(self, scope: Scope) -> Any:
        cfg = self.cfg
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        url_bytes = len(raw_path) + (len(query) + 1 if query else 0)
        if url_bytes > cfg.max_url_bytes:
            return error(
                414,
                "uri_too_long",
                f"the URL has {url_bytes} bytes; at most {cfg.max_url_bytes} are accepted "
                "(send long SPARQL queries by POST)",
            )
        headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
        if len(headers) > cfg.max_headers:
            return error(
                431,
                "too_many_headers",
                f"the request has {len(headers)} header lines; at most {cfg.max_headers} are accepted",
            )
        header_bytes = sum(len(k) + len(v) + 4 for k, v in headers)
        if header_bytes > cfg.max_header_bytes:
            return error(
                431,
                "headers_too_large",
                f"the request headers have {header_bytes} bytes; at most {cfg.max_header_bytes} are accepted",
            )
        if _CONTROL.search(unquote_to_bytes(raw_path.split(b"?", 1)[0])):
            return error(400, "bad_path", "the path holds control characters")
        hosts = [v for k, v in headers if k == b"host"]
        if len(hosts) > 1 or (hosts and not _HOST.match(hosts[0].decode("latin-1"))):
            return error(400, "bad_host", "the Host header must be one host name or address, with an optional port")
        length = [v for k, v in headers if k == b"content-length"]
        if length and (not length[0].isdigit() or int(length[0]) > cfg.max_body_bytes):
            size = length[0].decode("latin-1")[:40]
            if not length[0].isdigit():
                return error(400, "bad_content_length", f"Content-Length must be a number of bytes, not {size!r}")
            return error(
                413, "too_large", f"the request body has {size} bytes; at most {cfg.max_body_bytes} are accepted"
            )
        bucket = RATE_LIMITED.get(scope["path"].rstrip("/") or "/")
        if bucket and self.buckets is not None and scope["method"] != "OPTIONS":
            client = (scope.get("client") or ("unknown", 0))[0]
            wait = self.buckets.take((client, bucket))
            if wait > 0:
                retry = max(1, math.ceil(wait))
                resp = error(
                    429,
                    "too_many_requests",
                    f"more than {cfg.rate_burst} requests at once or {cfg.rate_per_minute:g} per "
                    f"minute to {scope['path']} from one client; retry after {retry} s",
                )
                resp.headers["Retry-After"] = str(retry)
                return resp
        return None

    # ------------------------------------------------------------ headers on the way out

    def _secured(self, scope: Scope, send: Send) -> Send:
        """``send`` with the security headers added to the response (those the route set itself are kept)."""
        https = scope.get("scheme") == "https"

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = self._with_headers(message, self.policy, https)
            await send(message)

        return secured

    @staticmethod
    def _with_headers(message: Message, policy: str, https: bool) -> Message:
        headers = list(message.get("headers", []))
        present = {k.lower() for k, _ in headers}
        extra = {**HEADERS, "content-security-policy": policy}
        if https:
            extra["strict-transport-security"] = "max-age=31536000"
        headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present]
        return {**message, "headers": headers}


class NoDelayH11(H11Protocol):
    """uvicorn's h11 protocol with TCP_NODELAY on every connection (``uvicorn.run(...,
    http="hub.api.guard:NoDelayH11")``)."""

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
