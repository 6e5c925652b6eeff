"""`nianbao import FILE [-o REPORT.json] [--year Y] [--organ NAME] [--county X] [--force]`.

Writes the report file and, beside it, ``REPORT.printed.json`` (printed totals and the import's record,
see printed.py). Exit codes: 0 everything read; 1 written but incomplete (the gaps are listed) or the
output exists; 2 the file could not be imported at all — one line, nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, CliFailure
from ..text import say
from . import ImportRefused, ImportResult, import_bytes, side_path
from .guard import MAX_BYTES


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help=say("importing.arg_file"))
    p.add_argument("-o", "--output", metavar="REPORT.json", help=say("importing.arg_output"))
    p.add_argument("--year", type=int, help=say("importing.arg_year"))
    p.add_argument("--organ", help=say("importing.arg_organ"))
    p.add_argument("--county", help=say("importing.arg_county"))
    p.add_argument("--force", action="store_true", help=say("importing.arg_force"))
    p.add_argument("--config", metavar="config.toml", help=say("importing.arg_config"))
    p.add_argument("--yes", action="store_true", help=say("importing.arg_yes"))


def read_any(path: str, **identity) -> ImportResult:
    """Import ``path`` (any form), or CliFailure with the one line and exit code 2."""
    try:
        source = Path(path)
        if source.stat().st_size > MAX_BYTES:
            raise ImportRefused(say("importing.refused_big", limit=MAX_BYTES // 1_000_000))
        data = source.read_bytes()
    except FileNotFoundError as exc:
        raise CliFailure([say("cli.file_missing", path=path, reason=exc.strerror)], EXIT_BAD_INPUT) from None
    except ImportRefused as refused:
        raise CliFailure([say("importing.refused", path=path, message=refused.message)], EXIT_BAD_INPUT) from None
    except OSError as exc:
        raise CliFailure([say("cli.file_unreadable", path=path, reason=exc.strerror or exc)], EXIT_BAD_INPUT) from None
    try:
        return import_bytes(data, source.name, **identity)
    except ImportRefused as refused:
        raise CliFailure([say("importing.refused", path=path, message=refused.message)], EXIT_BAD_INPUT) from None


def run(args: argparse.Namespace) -> int:
    if Path(args.file).is_dir() or args.file.lower().endswith(".zip"):  # a county's files, into the bot's database
        if not args.county:
            raise CliFailure([say("importing.bulk_needs_county")], EXIT_BAD_INPUT)
        from ..admin_cli.county_import import run_bulk
        return run_bulk(args)
    result = read_any(args.file, year=args.year, organ=args.organ, county=args.county)
    out = Path(args.output) if args.output else Path(Path(args.file).stem + ".json")
    side = side_path(out)
    if not args.force and (out.exists() or side.exists()):
        raise CliFailure([say("importing.exists", path=out if out.exists() else side)], EXIT_FINDINGS)
    try:
        out.write_text(result.report.to_json(), encoding="utf-8")
        if result.form != "json":
            side.write_text(result.printed.to_json(), encoding="utf-8")
    except OSError as exc:
        raise CliFailure([say("cli.write_failed", path=out, reason=exc.strerror or exc)], EXIT_BAD_INPUT) from None
    print(say("importing.done", form=say(f"importing.form_{result.form}"), title=result.report.title,
              cells=result.cells_read, path=out, side=side if result.form != "json" else None))
    if result.notes:
        print(say("importing.note_header"))
        for line in result.notes:
            print(say("importing.gap_line", line=line))
    if result.gaps:
        print(say("importing.gap_header", count=len(result.gaps)))
        for line in result.gaps:
            print(say("importing.gap_line", line=line))
        print(say("importing.incomplete", count=len(result.gaps)), file=sys.stderr)
        return EXIT_FINDINGS
    print(say("importing.complete", path=out))
    return EXIT_OK
