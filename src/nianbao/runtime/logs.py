"""Logging that leaks nothing: no token, no secret, no invite code, no word a user typed — at any level.

Our own log lines name chats by a hash and never quote texts. Libraries are another matter: at DEBUG
python-telegram-bot logs every Bot API call with its parameters and return value (the token is in
its URLs, users' messages in the updates), aiohttp logs URLs. So one filter on the root handler sees
every record, whoever logged it: it formats the record once, redacts, and passes on the plain result.

- known secrets (the bot token and its secret half, the webhook secret, the web secret, the database
  password) are
  replaced wherever they appear;
- anything shaped like an invite code is replaced;
- the payload of a library's Bot API call (PTB's 「with parameters `…`」「return value `…`」 parts) and
  any quoted text in a record from a library is replaced by its length: it may hold what users typed.

``transitions`` logs each state change at INFO (98 % of the lines under load): WARNING and above only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from ..workflow.storage.people import CODE_ALPHABET, CODE_LENGTH

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET = {"transitions": logging.WARNING, "httpx": logging.WARNING, "httpcore": logging.WARNING}
OURS = "nianbao"
_CODE = re.compile(rf"(?<![0-9A-Za-z])[{re.escape(CODE_ALPHABET)}]{{{CODE_LENGTH}}}(?![0-9A-Za-z])")
_PAYLOAD = re.compile(r"`[^`]*`", re.S)
_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""", re.S)


_NAME = re.compile(r"`[A-Za-z_]\w{0,40}`", re.A)   # `sendMessage`: an endpoint's name, no payload


def _hidden_payload(match: re.Match) -> str:
    quoted = match.group(0)
    return quoted if _NAME.fullmatch(quoted) else f"`<{len(quoted) - 2} chars>`"


class Redactor(logging.Filter):
    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        # Longest first, so a secret containing another is replaced whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str, *, foreign: bool) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<secret>")
        if foreign:
            text = _PAYLOAD.sub(_hidden_payload, text)
            text = _QUOTED.sub(lambda m: f"<{len(m.group(0)) - 2} chars>", text)
        return _CODE.sub("<code>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        foreign = not (record.name == OURS or record.name.startswith(OURS + "."))
        try:
            message = record.getMessage()
        except Exception:  # a library's bad format string: say so rather than lose the line
            message = "<unformattable log record>"
        record.msg, record.args = self.redact(message, foreign=foreign), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text, foreign=True)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info, foreign=True)
        return True


def secrets_of(config) -> list[str]:
    """Everything in the config that must never be logged."""
    found = []
    if config.telegram is not None:  # None: only the web front end runs
        token = config.telegram.token.get_secret_value()
        found += [token, token.partition(":")[2]]
        if config.telegram.webhook_secret is not None:
            found.append(config.telegram.webhook_secret.get_secret_value())
    if config.web.secret is not None:
        found.append(config.web.secret.get_secret_value())
    from sqlalchemy.engine import make_url  # only here: logging needs no database otherwise

    password = make_url(config.database.url).password
    if password:
        found.append(str(password))
    return found


def install(level: str | int, secrets: Iterable[str | None]) -> None:
    """Log to stderr through the redactor, libraries' chatter quietened."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(Redactor(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, root.level))
