"""`nianbao import --county X DIR`: a county's last-year reports, one file each, into the bot's database.

Each file in DIR is imported (any form); its organ is matched to the county's organs by name (the
full name, else the one organ whose name contains the printed one or is contained in it). The
matches are listed for a confirmation (``--yes`` skips it); each confirmed one is stored as the
organ's report of its year — what the bot proposes 上年结转 from and checks this year's against. An
organ that has a report of that year already keeps it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, CliFailure
from ..text import say

def run_bulk(args: argparse.Namespace) -> int:
    from ..bot.config import ConfigError, load_config
    from ..bot.last_year import IMPORTED_BY, keep_report, match_organ
    from ..bot.startup import StartupError, open_store
    from .command import read_any

    folder, county = Path(args.file), args.county
    try:
        config = load_config(Path(args.config) if args.config else None)
        store = open_store(config.database.url)
    except (ConfigError, StartupError) as failure:
        raise CliFailure([str(failure)], EXIT_BAD_INPUT) from None
    try:
        organs = store.organs_in_county(county)
        planned, problems = [], 0
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            try:
                result = read_any(str(path), county=county, year=args.year)
            except CliFailure as failure:
                print(say("importing.bulk_unreadable", file=path.name, reason=failure.messages[0]))
                problems += 1
                continue
            organ, year = match_organ(result.report.organ, organs), result.report.year or args.year
            if organ is None or year is None:
                print(say("importing.bulk_unmatched", file=path.name, organ=result.report.organ or "？", county=county))
                problems += 1
                continue
            planned.append((path, organ, year, result))
            print(say("importing.bulk_match", file=path.name, organ=organ, year=year, gaps=len(result.gaps)))
        if not planned:
            print(say("importing.bulk_nothing"), file=sys.stderr)
            return EXIT_FINDINGS
        if not args.yes and input(say("importing.bulk_confirm", count=len(planned))).strip() not in ("是", "y", "yes"):
            print(say("importing.bulk_cancelled"))
            return EXIT_FINDINGS
        stored = 0
        for path, organ, year, result in planned:
            report = result.report
            report.organ, report.county, report.year = organ, county, year
            if keep_report(store, report, IMPORTED_BY):
                stored += 1
            else:
                print(say("importing.bulk_kept", organ=organ, year=year))
        print(say("importing.bulk_done", stored=stored, county=county))
        return EXIT_FINDINGS if problems else EXIT_OK
    finally:
        store.close()
