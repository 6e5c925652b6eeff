"""The bot's configuration: one TOML file validated with pydantic, secrets also from the environment.

``load_config()`` either returns a complete, checked ``Config`` or raises ``ConfigError`` with one
line that names the file and the key, says what was expected with an example, and never shows a
secret. Secrets are ``SecretStr`` (masked in repr and str); read them with ``.get_secret_value()``.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from jinja2 import TemplateSyntaxError
from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..dialogs.template_check import TemplateRejected, preview_all
from ..dialogs.template_vars import editable_keys, key_for, preview_variable_sets
from ..text import make_environment, say
from .config_sections import (HttpUrl, ReminderSettings, RenderingSettings, TelegramId, Template, WebSettings,
                              _Section)

ENV_CONFIG = "NIANBAO_CONFIG"
ENV_TOKEN = "NIANBAO_TELEGRAM_TOKEN"
ENV_WEBHOOK_SECRET = "NIANBAO_WEBHOOK_SECRET"
ENV_WEB_SECRET = "NIANBAO_WEB_SECRET"
DEFAULT_PATH = Path("config.toml")

_TEMPLATE_ENV = make_environment()  # only to check template syntax at start-up


class ConfigError(Exception):
    """A bad or missing setting; ``str(error)`` is the one line to show, secrets never included."""


class TelegramSettings(_Section):
    token: SecretStr
    base_url: HttpUrl = "https://api.telegram.org/bot"
    base_file_url: HttpUrl = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: HttpUrl | None = None
    webhook_listen: str = Field("127.0.0.1", pattern=r"^\S+$")
    webhook_port: int = Field(8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    # Telegram lets a bot send about 30 messages/s overall; PTB's AIORateLimiter keeps under it.
    # 0 switches the limiter off (benchmarks against the fake server).
    max_messages_per_second: float = Field(30, ge=0, le=1000)
    max_retries: int = Field(5, ge=0, le=20)  # resend after a 429 this many times (waiting retry_after)
    # At start, how long to keep asking the Bot API who the bot is while it cannot be reached.
    startup_wait_s: float = Field(60, ge=0, le=3600)

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        # BotFather's tokens are "<bot id>:<key>"; the message must not echo the value.
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", value.get_secret_value()):
            raise ValueError("must look like <bot id>:<key> as BotFather gives it")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # What Telegram accepts in X-Telegram-Bot-Api-Secret-Token.
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> TelegramSettings:
        if self.mode == "webhook":
            for key in ("webhook_url", "webhook_secret"):
                if getattr(self, key) is None:
                    raise PydanticCustomError("webhook_needs", "required when mode = \"webhook\"",
                                              {"key": key})
        return self


class DatabaseSettings(_Section):
    url: str = "sqlite:///nianbao.sqlite"

    @field_validator("url")
    @classmethod
    def _sqlalchemy_url(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError:
            raise ValueError("not an SQLAlchemy database URL") from None
        return value


class AdminSettings(_Section):
    super_admins: list[TelegramId] = []


class InviteSettings(_Section):
    ttl_hours: int = Field(72, gt=0, le=24 * 366)

    @property
    def ttl(self) -> timedelta:
        return timedelta(hours=self.ttl_hours)


class ReviewSettings(_Section):
    deadline_month_day: str = "01-31"

    @field_validator("deadline_month_day")
    @classmethod
    def _month_day(cls, value: str) -> str:
        match = re.fullmatch(r"(\d\d)-(\d\d)", value)
        try:
            date(2001, int(match[1]), int(match[2]))  # a common year: 02-29 would vanish in three of four
        except (TypeError, ValueError):
            raise ValueError("must be a day of the year as MM-DD") from None
        return value

    def deadline(self, report_year: int) -> date:
        """The day the report on ``report_year`` is due (in the following year, e.g. 2025-01-31)."""
        month, day = map(int, self.deadline_month_day.split("-"))
        return date(report_year + 1, month, day)


class LoggingSettings(_Section):
    level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
        BeforeValidator(lambda v: v.upper() if isinstance(v, str) else v),
    ] = "INFO"


def _check_templates(templates: dict[str, str]) -> dict[str, str]:
    for key, source in templates.items():
        if not key.strip():
            raise PydanticCustomError("empty_key", "template name must not be empty")
        try:
            _TEMPLATE_ENV.parse(source)
        except TemplateSyntaxError as error:
            raise PydanticCustomError("template_syntax", "jinja2 syntax error at line {line}: {reason}",
                                      {"key": key, "line": error.lineno, "reason": error.message}) from None
    return templates


class CountySettings(_Section):
    """Per-county defaults shipped by a province; what admins change in chat (database) wins."""

    admins: list[TelegramId] = []
    review_group: TelegramId | None = Field(None, lt=0)  # group and supergroup ids are negative
    # Where the county publishes its organs' reports, named in each report's opening and printed for
    # 「政府门户网站」 among the channels (「托里县人民政府门户网站」, a web address may follow in （）).
    portal: str | None = Field(None, min_length=2, max_length=200)
    prompts: dict[str, Template] = {}  # interview step id -> jinja2 source
    narratives: dict[str, Template] = {}  # narrative name -> jinja2 source

    @field_validator("prompts", "narratives")
    @classmethod
    def _parse_templates(cls, templates: dict[str, str]) -> dict[str, str]:
        return _check_templates(templates)


class Config(_Section):
    telegram: TelegramSettings | None = None   # required unless only the web front end runs (load_config)
    database: DatabaseSettings = DatabaseSettings()
    admins: AdminSettings = AdminSettings()
    invites: InviteSettings = InviteSettings()
    review: ReviewSettings = ReviewSettings()
    reminders: ReminderSettings = ReminderSettings()
    logging: LoggingSettings = LoggingSettings()
    rendering: RenderingSettings = RenderingSettings()
    web: WebSettings = WebSettings()
    counties: dict[str, CountySettings] = {}

    @field_validator("counties")
    @classmethod
    def _named_counties(cls, counties: dict[str, CountySettings]) -> dict[str, CountySettings]:
        if any(not name.strip() for name in counties):
            raise PydanticCustomError("empty_key", "county name must not be empty")
        return counties

    def is_super_admin(self, person_id: int) -> bool:
        return person_id in self.admins.super_admins

    def county(self, name: str | None) -> CountySettings | None:
        return None if name is None else self.counties.get(name)

    def portal(self, county: str | None) -> str | None:
        """The county's portal (its config ``portal``), None when not configured."""
        settings = self.county(county)
        return settings.portal if settings else None

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels a message to a person may take here: Telegram when it is configured, the web
        page when the web front end is (what is said to a page waits in the database for it)."""
        web = self.web.public_url is not None or self.web.secret is not None
        return (*(("telegram",) if self.telegram is not None else ()), *(("web",) if web else ()))

    def county_template(self, county: str | None, key: str) -> str | None:
        """The county's configured source for ``key`` = "prompts.<step id>" or "narratives.<name>"."""
        settings = self.county(county)
        kind, _, name = key.partition(".")
        if settings is None or kind not in ("prompts", "narratives"):
            return None
        return getattr(settings, kind).get(name)


# ---- loading ---------------------------------------------------------------------------------


def config_path(path: Path | None = None, env: Mapping[str, str] = os.environ) -> Path | None:
    """Which file to read: ``path``, else $NIANBAO_CONFIG, else ./config.toml if present, else none."""
    if path is not None:
        return Path(path)
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG])
    return DEFAULT_PATH if DEFAULT_PATH.is_file() else None


def load_config(path: Path | None = None, env: Mapping[str, str] = os.environ, *,
                webhook_url: str | None = None, telegram: bool = True, web: bool = False) -> Config:
    """Read, merge the environment's secrets into, and validate the configuration.

    Without any file the configuration comes from defaults and the environment alone (then
    $NIANBAO_TELEGRAM_TOKEN is enough to run in polling mode). ``webhook_url`` (``nianbao run
    --webhook URL``) switches to webhook mode before validation, so a missing secret is reported
    the same way. ``telegram``: the Telegram settings are needed (else only when given); ``web``: the
    web front end runs, so its secret ($NIANBAO_WEB_SECRET or web.secret) is needed.
    """
    path = config_path(path, env)
    source = str(path) if path is not None else say("config.no_file")
    data = _read_toml(path, source) if path is not None else {}
    _set_telegram(data, "token", env.get(ENV_TOKEN))
    _set_telegram(data, "webhook_secret", env.get(ENV_WEBHOOK_SECRET))
    if webhook_url:
        _set_telegram(data, "mode", "webhook")
        _set_telegram(data, "webhook_url", webhook_url)
    if telegram and "telegram" not in data:
        data["telegram"] = {}  # validation names what is missing: telegram.token
    if env.get(ENV_WEB_SECRET) and isinstance(data.setdefault("web", {}), dict):
        data["web"]["secret"] = env[ENV_WEB_SECRET]
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_one_line(source, error)) from None
    if web and config.web.secret is None:
        raise ConfigError(say("config.line", source=source, key="web.secret", problem=say("config.missing"),
                              hint=say("config.hint.web.secret"), reason="", more=0))
    placeholder = _placeholder_in(config, web)
    if placeholder is not None:
        raise ConfigError(say("config.placeholder", source=source, key=placeholder))
    refused = _refused_template(config, source)
    if refused is not None:
        raise ConfigError(refused)
    return config


# ---- the counties' texts: the same check as an admin's edit in chat --------------------------


def _refused_template(config: Config, source: str) -> str | None:
    """The line for the first county text that names no step or paragraph, or that the template checker
    refuses (check_template, then rendered against every preview report), or None when all pass."""
    for county, settings in config.counties.items():
        for kind in ("prompts", "narratives"):
            for name, text in getattr(settings, kind).items():
                problem = _template_problem(kind, name, text)
                if problem is None:
                    continue
                key = _dotted(["counties", county, kind, name])
                if problem[0] == "unknown":
                    return say(f"config.unknown_{kind}", source=source, key=key, names=problem[1])
                return say("config.template_refused", source=source, key=key, problem=problem[1])
    return None


@lru_cache(maxsize=4096)
def _template_problem(kind: str, name: str, text: str) -> tuple[str, object] | None:
    """("unknown", a few valid names) | ("refused", the first problem) | None. Cached: a province's
    config repeats the same texts across its counties, and each is checked once per process."""
    key = key_for(kind, name)
    if key is None:
        names = [k.partition(".")[2] for k in editable_keys() if k.startswith(kind + ".")]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        return "unknown", close + [n for n in names if n not in close][: 5 - len(close)]
    try:
        preview_all(text, preview_variable_sets(key))
    except TemplateRejected as rejected:
        return "refused", " ".join(rejected.problems[0].message.split())
    return None


# The values config.example.toml ships with: a copy left unchanged must not start.
PLACEHOLDER_WORD = "replace-with"
PLACEHOLDER_IDS = frozenset({111111111, 222222222})


def _placeholder_in(config: Config, web: bool = False) -> str | None:
    """The first key still holding the example's placeholder, or None."""
    tg = config.telegram
    if tg is not None and PLACEHOLDER_WORD in tg.token.get_secret_value():
        return "telegram.token"
    if tg is not None and tg.mode == "webhook" and tg.webhook_secret \
            and PLACEHOLDER_WORD in tg.webhook_secret.get_secret_value():
        return "telegram.webhook_secret"
    if web and config.web.secret is not None and PLACEHOLDER_WORD in config.web.secret.get_secret_value():
        return "web.secret"
    if PLACEHOLDER_IDS & set(config.admins.super_admins):
        return "admins.super_admins"
    for name, county in config.counties.items():
        if PLACEHOLDER_IDS & set(county.admins):
            return f"counties.{name}.admins"
    return None


def _read_toml(path: Path, source: str) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(say("config.not_found", source=source)) from None
    except OSError as error:
        raise ConfigError(say("config.unreadable", source=source, reason=error.strerror or error)) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(say("config.not_utf8", source=source)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(say("config.bad_toml", source=source, reason=error)) from None


def _set_telegram(data: dict[str, Any], key: str, value: str | None) -> None:
    """The environment and the command line win over the file (secrets can stay out of it)."""
    if not value:
        return
    telegram = data.setdefault("telegram", {})
    if isinstance(telegram, dict):  # else validation reports the malformed [telegram] itself
        telegram[key] = value


def _one_line(source: str, error: ValidationError) -> str:
    problems = error.errors(include_input=False, include_url=False)
    first = problems[0]
    loc = list(first["loc"])
    if loc == ["telegram"] and first["type"] == "missing":
        loc = ["telegram", "token"]  # no [telegram] at all: the token is what is really missing
    if "key" in first.get("ctx", {}):
        loc.append(first["ctx"]["key"])
    key = _dotted(loc)
    kind = first["type"]
    if kind == "extra_forbidden":
        problem, hint, reason = say("config.unknown_key"), say("config.unknown_key_hint"), ""
    else:
        missing = kind in ("missing", "webhook_needs")
        problem = say("config.missing" if missing else "config.invalid")
        hint = _hint(loc)
        reason = "" if kind == "missing" else first["msg"].removeprefix("Value error, ")
    return say("config.line", source=source, key=key, problem=problem, hint=hint, reason=reason,
               more=len(problems) - 1)


def _dotted(loc: list[str | int]) -> str:
    text = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            text += f"[{part}]"
        elif i == 1 and loc[0] == "counties":
            text += f'."{part}"'
        else:
            text += f".{part}" if text else part
    return text


def _hint(loc: list[str | int]) -> str:
    """Expected value and an example for the key, from templates/text/config.toml ("" if none)."""
    names = [p for i, p in enumerate(loc)
             if isinstance(p, str) and not (i == 1 and loc[0] == "counties")
             and not (i == 3 and loc[0] == "counties")]  # county name and template name vary
    try:
        return say("config.hint." + ".".join(names))
    except KeyError:
        return ""
