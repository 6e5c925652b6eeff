"""What every response carries, and how fast one session (or one address, on the login pages) may go.

Headers: a Content-Security-Policy that allows nothing but this site's own files (no inline script or
style), frame-ancestors as configured (else none, with X-Frame-Options DENY), nosniff, same-origin
referrers (a login link in the address bar is never sent elsewhere), and no caching of pages.

Rate limits: a token bucket per key — each request takes a token, tokens come back at ``rate`` per
second up to ``burst``. Over it: 429 with a Chinese message. Kept in memory, per process.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

from aiohttp import web

from ..workflow.config_sections import WebSettings

MAX_KEYS = 50_000   # buckets kept; the fullest (idle longest) are dropped first when there are more


def security_headers(settings: WebSettings) -> dict[str, str]:
    ancestors = " ".join(settings.frame_ancestors) or "'none'"
    headers = {
        "Content-Security-Policy": f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                   f"object-src 'none'; base-uri 'none'; form-action 'self'; "
                                   f"frame-ancestors {ancestors}",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if not settings.frame_ancestors:
        headers["X-Frame-Options"] = "DENY"
    if settings.secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


def add_headers(settings: WebSettings):
    """An ``on_response_prepare`` hook: every response, errors and static files included."""
    fixed = security_headers(settings)

    async def hook(request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(fixed)
        if not request.path.startswith(f"{settings.prefix}/static/"):
            response.headers.setdefault("Cache-Control", "no-store")

    return hook


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimit:
    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, key: str) -> bool:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._prune(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _prune(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst]
        for key in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[key]


def client_address(request: web.Request) -> str:
    """Who is asking, for the login pages' limit: the peer, or — when the peer is this machine (the
    reverse proxy) — the last address the proxy added to X-Forwarded-For (earlier ones the client
    may have written itself)."""
    peer = request.remote or ""
    try:
        local = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    forwarded = request.headers.get("X-Forwarded-For", "")
    if local and forwarded:
        return forwarded.split(",")[-1].strip()[:64]
    return peer
