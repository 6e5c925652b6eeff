"""Server-side commands of county admins: `nianbao admin roster|people|export …` (and `nianbao import
--county`). Each makes the same workflow calls as the chat command of that name and prints what the
chat would say; one module per subcommand, imported only when used.
"""

from __future__ import annotations

import argparse
import pkgutil
from importlib import import_module
from pathlib import Path

from ..cli import EXIT_BAD_INPUT, CliFailure
from ..text import say

NOT_SUBCOMMANDS = {"county_import"}  # `nianbao import --county`, reached from `nianbao import`


def subcommands() -> list[str]:
    """One module per subcommand: its name is the subcommand's (roster.py → `nianbao admin roster`)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in NOT_SUBCOMMANDS)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="admin_command", metavar="SUBCOMMAND", required=True)
    for name in subcommands():
        p = sub.add_parser(name, help=say(f"cli.help_admin_{name}"), description=say(f"cli.help_admin_{name}"))
        p.add_argument("--config", metavar="config.toml", help=say("importing.arg_config"))
        import_module(f"{__name__}.{name}").add_arguments(p)


def run(args: argparse.Namespace) -> int:
    return import_module(f"{__name__}.{args.admin_command}").run(args)


def open_configured(args: argparse.Namespace):
    """(config, store) from ``--config`` (else $NIANBAO_CONFIG or ./config.toml); one line on failure."""
    from ..workflow.config import ConfigError, load_config
    from ..workflow.opening import StartupError, open_store

    try:
        config = load_config(Path(args.config) if args.config else None, telegram=False)  # a web-only county too
        return config, open_store(config.database.url)
    except (ConfigError, StartupError) as failure:
        raise CliFailure([str(failure)], EXIT_BAD_INPUT) from None
