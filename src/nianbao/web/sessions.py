"""Sessions: signed cookies, kept in the database so that logging out ends them.

Two cookies, each value signed with HMAC-SHA256 under the configured secret (a forged or altered one
is refused before the database is asked) and carrying its expiry:

- ``nb_session`` — a signed-in browser: a random session id; the ``web_sessions`` row (keyed by the
  id's SHA-256) holds the web identity and the session's CSRF token, and says whether it was ended.
  Made only after an invite code or a login link was accepted: there is no other way in.
- ``nb_login`` — a browser on the login page: the web identity its codes are sent from (so the
  lockout after wrong codes counts for this browser as for a Telegram account) and the CSRF token of
  the login form (double submit: the form's copy must equal the signed cookie's). No database row.

Both are HttpOnly, SameSite=Strict, Secure when the public address is https, Path = the site's prefix.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from ..workflow.config_sections import WebSettings
from ..workflow.storage import Store
from .channel import new_identity

SESSION_COOKIE, LOGIN_COOKIE = "nb_session", "nb_login"
LOGIN_TTL = timedelta(hours=1)

SESSION_KEPT_S, SESSIONS_KEPT = 2.0, 10_000


def _mac(secret: bytes, *parts: str) -> str:
    digest = hmac.new(secret, "|".join(parts).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    id_hash: str
    identity: str
    csrf: str


@dataclass(frozen=True)
class LoginState:
    identity: str
    csrf: str


class Sessions:
    def __init__(self, settings: WebSettings, store: Store) -> None:
        assert settings.secret is not None, "load_config(web=True) requires web.secret"
        self._secret = settings.secret.get_secret_value().encode()
        self.settings, self.store = settings, store
        self.ttl = timedelta(hours=settings.session_hours)
        # A session read from the database is kept a moment (every request asks: the page's polls
        # too); ending one here forgets it at once, in another process within SESSION_KEPT_S.
        self._kept: dict[str, tuple[Session, float]] = {}

    # ---- signing ------------------------------------------------------------------------------

    def _sign(self, kind: str, *fields: str) -> str:
        return ".".join([*fields, _mac(self._secret, kind, *fields)])

    def _verify(self, kind: str, value: str | None, count: int, now: datetime) -> list[str] | None:
        """The fields of a cookie made by ``_sign`` (the last field its expiry), or None: forged,
        altered, malformed or expired."""
        if not value:
            return None
        *fields, mac = value.split(".")
        if len(fields) != count or not hmac.compare_digest(mac, _mac(self._secret, kind, *fields)):
            return None
        try:
            expires = int(fields[-1])
        except ValueError:
            return None
        return fields if expires > now.timestamp() else None

    # ---- signed-in sessions -------------------------------------------------------------------

    def current(self, request: web.Request, now: datetime) -> Session | None:
        fields = self._verify("s", request.cookies.get(SESSION_COOKIE), 2, now)
        if fields is None:
            return None
        id_hash = _hash(fields[0])
        kept = self._kept.get(id_hash)
        if kept is not None and kept[1] > time.monotonic():
            return kept[0]
        row = self.store.web_session(id_hash, now)
        session = None if row is None else Session(id_hash, row.identity, row.csrf)
        if session is not None:
            if len(self._kept) > SESSIONS_KEPT:
                self._kept.clear()
            self._kept[id_hash] = (session, time.monotonic() + SESSION_KEPT_S)
        return session

    def open(self, response: web.StreamResponse, identity: str, now: datetime) -> None:
        """A new session for ``identity`` (a new id each time: nothing from before the login counts)."""
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        self.store.open_session(_hash(session_id), identity, csrf, now, self.ttl)
        expires = str(int((now + self.ttl).timestamp()))
        self._set(response, SESSION_COOKIE, self._sign("s", session_id, expires), self.ttl)
        response.del_cookie(LOGIN_COOKIE, path=self._path)

    def end(self, response: web.StreamResponse, session: Session | None, now: datetime) -> None:
        if session is not None:
            self._kept.pop(session.id_hash, None)
            self.store.end_session(session.id_hash, now)
        response.del_cookie(SESSION_COOKIE, path=self._path)

    # ---- the login page's state ---------------------------------------------------------------

    def login_state(self, request: web.Request, now: datetime) -> LoginState | None:
        fields = self._verify("p", request.cookies.get(LOGIN_COOKIE), 3, now)
        return None if fields is None else LoginState(fields[0], fields[1])

    def begin_login(self, known: LoginState | None) -> LoginState:
        """The login page's state: kept (its identity goes on counting wrong codes) or made."""
        return known or LoginState(new_identity(), secrets.token_urlsafe(24))

    def keep_login(self, response: web.StreamResponse, state: LoginState, now: datetime) -> None:
        expires = str(int((now + LOGIN_TTL).timestamp()))
        self._set(response, LOGIN_COOKIE, self._sign("p", state.identity, state.csrf, expires), LOGIN_TTL)

    # ---- cookies ------------------------------------------------------------------------------

    @property
    def _path(self) -> str:
        return self.settings.prefix or "/"

    def _set(self, response: web.StreamResponse, name: str, value: str, ttl: timedelta) -> None:
        response.set_cookie(name, value, max_age=int(ttl.total_seconds()), path=self._path, httponly=True,
                            samesite="Strict", secure=self.settings.secure)


def same(given: str | None, expected: str) -> bool:
    """A CSRF token compared in constant time."""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())
