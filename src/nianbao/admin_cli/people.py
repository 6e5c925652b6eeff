"""`nianbao admin people --county X`: the lines /people shows in the chat, every one (no pages).

The same workflow call as the chat command (workflow/people_admin.people_view); open invite codes are
printed, so each run is in the county's audit trail as /people is (actor CLI_ACTOR, never the codes).
"""

from __future__ import annotations

import argparse
import json

from ..cli import EXIT_OK
from ..text import say


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--county", required=True, help=say("people.arg_county"))


def run(args: argparse.Namespace) -> int:
    from ..workflow.drafting import utc_now
    from ..workflow.people_admin import people_view
    from ..workflow.roster_admin import CLI_ACTOR
    from ..workflow.storage import AdminAction
    from . import open_configured

    county = args.county.strip()
    config, store = open_configured(args)
    try:
        now = utc_now()
        view = people_view(store, config, county, now)
        store.audit(county, CLI_ACTOR, AdminAction.ROLES, county, json.dumps({"invites": view.invited, "via": "cli"}),
                    now=now)
        print(view.text())
        return EXIT_OK
    finally:
        store.close()
