"""`nianbao admin weblink --county X (--admin | --reviewer | --person ID) [--name 姓名]`: a one-time web
login link made on the server — how a county with no Telegram at all gets its first admin and its
reviewers. --admin / --reviewer make a new person with that role in the county; --person ID a link
for someone who has a role already (a clerk who lost their page). The link is valid 24 hours, once;
each is in the county's audit trail (actor CLI_ACTOR, never the link).
"""

from __future__ import annotations

import argparse

from ..cli import EXIT_BAD_INPUT, EXIT_OK, CliFailure
from ..text import say


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--county", required=True, help=say("people.arg_county"))
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--admin", action="store_true", help=say("web.arg_admin"))
    who.add_argument("--reviewer", action="store_true", help=say("web.arg_reviewer"))
    who.add_argument("--person", type=int, metavar="ID", help=say("web.arg_person"))
    parser.add_argument("--name", default="", help=say("web.arg_name"))


def run(args: argparse.Namespace) -> int:
    import secrets

    from ..workflow.drafting import utc_now
    from ..workflow.roster_admin import CLI_ACTOR
    from ..workflow.storage import AdminAction, Role
    from ..workflow.web_login import FORWARDED_TTL, TOKEN_BYTES, token_hash
    from . import open_configured

    county = args.county.strip()
    config, store = open_configured(args)
    try:
        if config.web.public_url is None:
            raise CliFailure([say("web.link_unavailable")], EXIT_BAD_INPUT)
        now = utc_now()
        if args.person is not None:
            person = args.person
            if county not in {c for c, _ in store.roles_of(person)}:
                raise CliFailure([say("web.link_for_not_yours", id=person)], EXIT_BAD_INPUT)
        else:
            person = store.create_person(args.name, now)
            store.grant(person, county, Role.ADMIN if args.admin else Role.REVIEWER, by=CLI_ACTOR, now=now)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        store.add_login_link(token_hash(token), person, now, FORWARDED_TTL)
        store.audit(county, CLI_ACTOR, AdminAction.WEB_LINK, str(person), now=now)
        print(say("web.link_for", id=person, url=f"{config.web.public_url}/login/{token}",
                  hours=int(FORWARDED_TTL.total_seconds() // 3600)))
        return EXIT_OK
    finally:
        store.close()
