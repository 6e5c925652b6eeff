"""`nianbao import --county X DIR|FILE.zip`: a county's last-year reports, one file each, into the bot's database.

Each file in DIR (or in the .zip, or in a .zip in DIR) is imported (any form); its organ is matched to
the county's organs by name (the full name, else the one organ whose name contains the printed one or
is contained in it). The
matches are listed for a confirmation (``--yes`` skips it); each confirmed one is stored as the
organ's report of its year — what the bot proposes 上年结转 from and checks this year's against. An
organ that has a report of that year already keeps it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli import EXIT_FINDINGS, EXIT_OK
from ..text import say
from ..importing.document import ImportRefused
from ..importing.guard import MAX_BYTES

MAX_ARCHIVE_BYTES = 200_000_000  # a .zip of a county's reports (each one's bounds: archive.py)

def run_bulk(args: argparse.Namespace) -> int:
    from ..workflow.last_year import IMPORTED_BY, keep_report, match_county_files
    from . import open_configured

    county = args.county
    files, problems = _files(Path(args.file))
    _, store = open_configured(args)
    try:
        matches = match_county_files(files, store.organs_in_county(county), county, args.year)
        for match in matches:
            print(match.line)
        planned = [m.report for m in matches if m.report is not None]
        problems += len(matches) - len(planned)
        if not planned:
            print(say("importing.bulk_nothing"), file=sys.stderr)
            return EXIT_FINDINGS
        if not args.yes and input(say("importing.bulk_confirm", count=len(planned))).strip() not in ("是", "y", "yes"):
            print(say("importing.bulk_cancelled"))
            return EXIT_FINDINGS
        stored = 0
        for report in planned:
            if keep_report(store, report, IMPORTED_BY):
                stored += 1
            else:
                print(say("importing.bulk_kept", organ=report.organ, year=report.year))
        print(say("importing.bulk_done", stored=stored, county=county))
        return EXIT_FINDINGS if problems else EXIT_OK
    finally:
        store.close()


def _files(source: Path) -> tuple[list[tuple[str, bytes]], int]:
    """The (name, bytes) of a folder's files, or of one .zip; unreadable and oversized ones named."""
    paths = [source] if not source.is_dir() else sorted(p for p in source.iterdir() if p.is_file())
    files, problems = [], 0
    for path in paths:
        limit = MAX_ARCHIVE_BYTES if path.suffix.lower() == ".zip" else MAX_BYTES
        try:
            if path.stat().st_size > limit:
                raise ImportRefused(say("importing.refused_big", limit=limit // 1_000_000))
            files.append((path.name, path.read_bytes()))
        except ImportRefused as refused:
            print(say("importing.bulk_unreadable", file=path.name, reason=refused.message))
            problems += 1
        except OSError as exc:
            print(say("importing.bulk_unreadable", file=path.name, reason=exc.strerror or exc))
            problems += 1
    return files, problems
