"""`nianbao admin export --county X [--year Y] -o DIR`: the county's zip of /export_all, written on the server.

The same workflow call as the chat's /export_all (workflow/county_export.export_county): every organ's
latest .docx (drafts marked) and 进度.xlsx in 「<县><年>年年报.zip」 in DIR — never over an existing file,
and bounded by exports.MAX_ZIP_BYTES rather than the Bot API's 50 MB. Each run is in the county's audit
trail as the chat's export is (actor CLI_ACTOR).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..cli import EXIT_BAD_INPUT, EXIT_OK, CliFailure
from ..text import say


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--county", required=True, help=say("exports.arg_county"))
    parser.add_argument("--year", type=int, help=say("exports.arg_year"))
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help=say("exports.arg_output"))


def run(args: argparse.Namespace) -> int:
    from ..dialogs.proposals import proposed_year
    from ..report.docx_render import render_docx
    from ..workflow.county_export import ExportTooBig, export_county, export_filename
    from ..workflow.drafting import utc_now
    from ..workflow.exports import MAX_ZIP_BYTES
    from ..workflow.progress_admin import EXPORT_ACTION
    from ..workflow.roster_admin import CLI_ACTOR
    from . import open_configured

    county = args.county.strip()
    now = utc_now()
    year = args.year or proposed_year(now.date())
    path = Path(args.output) / export_filename(county, year)
    if path.exists():  # before any work; the write below refuses too (a file made meanwhile)
        raise CliFailure([say("exports.export_exists", path=path)], EXIT_BAD_INPUT)
    _, store = open_configured(args)
    try:
        if not store.organs_in_county(county):
            raise CliFailure([say("exports.export_no_organs", county=county)], EXIT_BAD_INPUT)
        try:
            made = export_county(store, county, year, render=render_docx, now=now, limit=MAX_ZIP_BYTES)
        except ExportTooBig as big:
            raise CliFailure([say("exports.export_too_big", county=county, year=year,
                                  limit_mb=big.limit // 1_000_000)], EXIT_BAD_INPUT) from None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as out:
                out.write(made.archive)
        except FileExistsError:
            raise CliFailure([say("exports.export_exists", path=path)], EXIT_BAD_INPUT) from None
        except OSError as exc:
            raise CliFailure([say("cli.write_failed", path=path, reason=exc.strerror or exc)], EXIT_BAD_INPUT) from None
        detail = json.dumps({"year": year, "documents": made.documents, "bytes": len(made.archive), "via": "cli"})
        store.audit(county, CLI_ACTOR, EXPORT_ACTION, county, detail, now=now)
        print(say("exports.export_written", path=path, organs=made.organs, documents=made.documents,
                  drafts=made.drafts))
        return EXIT_OK
    finally:
        store.close()
