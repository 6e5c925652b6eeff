"""`nianbao admin roster FILE --county X [--bot NAME] [-o DIR]`: the chat's roster, on the server.

The same workflow calls as a roster sent in the chat (workflow/roster_admin.py): one invite per organ
the county does not know yet (recorded in the audit trail, actor CLI_ACTOR), the others left alone;
each organ printed with its code, and the printable sheet (.docx) and the table (.xlsx) written into
DIR — never over an existing file (then nothing is made at all). The bot's username, for the links
and QR codes, is --bot or what Telegram's getMe says for the configured token.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

from ..cli import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, CliFailure
from ..text import say

GET_ME_TIMEOUT_S = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help=say("roster.arg_file"))
    parser.add_argument("--county", required=True, help=say("roster.arg_county"))
    parser.add_argument("--bot", metavar="NAME", help=say("roster.arg_bot"))
    parser.add_argument("-o", "--output", metavar="DIR", default=".", help=say("roster.arg_output"))


def run(args: argparse.Namespace) -> int:
    from ..workflow.drafting import utc_now
    from ..workflow.roster import MAX_BYTES, parse_roster
    from ..workflow.roster_admin import CLI_ACTOR, apply_roster, problems_text, result_lines, sheet_files, summary
    from . import open_configured

    county = args.county.strip()
    data = _read(Path(args.file), MAX_BYTES)
    folder = Path(args.output)
    if not folder.is_dir():
        raise CliFailure([say("roster.cli_not_a_folder", path=folder)], EXIT_BAD_INPUT)
    stem = say("roster.sheet_filename", county=county)
    targets = [folder / f"{stem}{suffix}" for suffix in (".docx", ".xlsx")]
    for target in targets:  # checked before any invite is made
        if target.exists():
            raise CliFailure([say("roster.cli_exists", path=target)], EXIT_BAD_INPUT)
    config, store = open_configured(args)
    try:
        bot = (args.bot or "").strip().lstrip("@") or _bot_username(config)
        if not bot:
            raise CliFailure([say("roster.cli_no_bot")], EXIT_BAD_INPUT)
        roster = parse_roster(data, Path(args.file).name, county)
        if not roster.entries:
            raise CliFailure(roster.problems, EXIT_BAD_INPUT)
        store.refresh_caches()
        result = apply_roster(store, config, county, roster, CLI_ACTOR, utc_now())
        print(summary(result, config.invites.ttl_hours))
        for line in result_lines(result):
            print(line)
        if result.problems:
            print(problems_text(result.problems), file=sys.stderr)
        files = sheet_files(result, bot)
        for target, (_, content) in zip(targets, files):
            try:
                with target.open("xb") as out:  # exclusive: never over a file made meanwhile
                    out.write(content)
            except OSError as exc:
                raise CliFailure([say("cli.write_failed", path=target, reason=exc.strerror or exc)],
                                 EXIT_BAD_INPUT) from None
            print(say("roster.cli_written", path=target))
        if not files:
            print(say("roster.cli_no_sheet"))
        return EXIT_FINDINGS if result.problems else EXIT_OK
    finally:
        store.close()


def _read(path: Path, limit: int) -> bytes:
    try:
        if path.stat().st_size > limit:
            raise CliFailure([say("roster.too_big", limit=limit // 1_000_000)], EXIT_BAD_INPUT)
        return path.read_bytes()
    except OSError as exc:
        raise CliFailure([say("roster.cli_file_missing", path=path, reason=exc.strerror or exc)],
                         EXIT_BAD_INPUT) from None


def _bot_username(config) -> str | None:
    """The bot's username from Telegram's getMe for the configured token; None when that fails."""
    telegram = config.telegram
    url = f"{telegram.base_url}{telegram.token.get_secret_value()}/getMe"  # as python-telegram-bot joins them
    try:
        with urllib.request.urlopen(url, timeout=GET_ME_TIMEOUT_S) as answer:  # noqa: S310 (the configured API)
            me = json.loads(answer.read(100_000))
        username = me.get("result", {}).get("username") if me.get("ok") else None
        return username if isinstance(username, str) and username else None
    except (OSError, ValueError, AttributeError):
        return None
