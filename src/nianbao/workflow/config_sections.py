"""Sections of the configuration that stand on their own: reminders, rendering, the web front end —
and what every section shares (the base class and its field types). config.py assembles them."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, field_validator


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value


HttpUrl = Annotated[str, BeforeValidator(lambda v: _http_url(v) if isinstance(v, str) else v)]
TelegramId = Annotated[int, Field(strict=True)]  # a quoted "123" is a mistake worth reporting
Template = Annotated[str, Field(min_length=1, max_length=20_000)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


REMINDER_MAX_DAYS = 60   # the earliest reminder: this many days before the deadline
REMINDER_MAX_COUNT = 10  # reminders per county and year


def reminder_days_problem(days: list[int]) -> str | None:
    """Why these reminder days (days before the deadline) cannot be used, or None."""
    if not 1 <= len(days) <= REMINDER_MAX_COUNT:
        return f"must list 1-{REMINDER_MAX_COUNT} days"
    if any(isinstance(d, bool) or not 1 <= d <= REMINDER_MAX_DAYS for d in days):
        return f"each must be 1-{REMINDER_MAX_DAYS} days before the deadline"
    if len(set(days)) != len(days):
        return "each day only once"
    return None


class ReminderSettings(_Section):
    """Automatic reminders to the officials whose report is not submitted (workflow/reminders.py):
    this many days before the deadline, at this hour (Asia/Shanghai). A county's admins may change
    the days or turn them off in chat (/reminders): theirs win."""

    enabled: bool = True
    days: list[Annotated[int, Field(strict=True)]] = [15, 7, 3, 1]
    hour: int = Field(10, ge=0, le=23)

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        problem = reminder_days_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return sorted(value, reverse=True)


class RenderingSettings(_Section):
    # Processes that render .docx files (tens of ms of CPU each) beside the bot; 0 = in the bot itself.
    workers: int = Field(1, ge=0, le=16)


WEB_SECRET_MIN = 32
# A source of CSP's frame-ancestors: a scheme and host (a * for one label allowed), e.g. https://*.example.cn
_FRAME_SOURCE = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?|'self'")


class WebSettings(_Section):
    """The browser front end (nianbao web, nianbao run --web): where it listens, the address people
    open, the key its session cookies are signed with, and which pages may frame it."""

    host: str = Field("127.0.0.1", pattern=r"^\S+$")
    port: int = Field(8080, ge=1, le=65535)
    # The address people open (behind the reverse proxy): used in /web login links, and https:// makes
    # the cookies Secure. A path (https://host/nianbao) is the prefix of every page.
    public_url: HttpUrl | None = None
    secret: SecretStr | None = None
    session_hours: int = Field(72, gt=0, le=24 * 31)
    # Pages allowed to show ours in a frame (the chat apps' webviews); empty: none (X-Frame-Options DENY).
    frame_ancestors: list[str] = []

    @field_validator("public_url")
    @classmethod
    def _no_query(cls, value: str | None) -> str | None:
        if value is not None and (urlsplit(value).query or urlsplit(value).fragment):
            raise ValueError("must be a plain address, without ? or #")
        return value.rstrip("/") if value is not None else None

    @field_validator("secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < WEB_SECRET_MIN:
            raise ValueError(f"must be at least {WEB_SECRET_MIN} characters")
        return value

    @field_validator("frame_ancestors")
    @classmethod
    def _frame_sources(cls, value: list[str]) -> list[str]:
        for source in value:
            if not _FRAME_SOURCE.fullmatch(source):
                raise ValueError(f"{source[:60]!r} is not a scheme://host source or 'self'")
        return value

    @property
    def prefix(self) -> str:
        """The path every page is under ("" at the site's root)."""
        return urlsplit(self.public_url).path.rstrip("/") if self.public_url else ""

    @property
    def secure(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))
