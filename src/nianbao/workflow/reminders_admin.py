"""/reminders: a county admin sees and changes the county's automatic reminders (workflow/reminders.py).

    /reminders            the schedule: on or off, the days, the next reminder's date and time
    /reminders 10 5 2     remind 10, 5 and 2 days before the deadline
    /reminders 关 | 开     turn them off | on

An ``Admin`` command (router.py's ``_WORDS``), acting on the admin's own county (a super admin's on the
one named last, as the other admin commands). The county's choice is stored (county_reminders) and
wins over the config's [reminders]; every change is in the audit trail (admin_events), in the
update's own transaction.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from ..text import say
from .access import Identity
from .admin import Admin
from .config_sections import REMINDER_MAX_COUNT, REMINDER_MAX_DAYS, reminder_days_problem
from .drafting import Out
from .reminders import LOCAL, plan_for, report_year, upcoming
from .storage import AdminAction

OFF_WORDS = frozenset({"关", "关闭", "停", "停止", "off"})
ON_WORDS = frozenset({"开", "开启", "打开", "on"})
_SEPARATORS = re.compile(r"[,，、;；]+")


def reminders(admin: Admin, who: Identity, words: list[str]) -> list[Out]:
    county, rest, refused = admin._county(who, words, say("reminders.example"))
    if refused:
        return refused
    if not rest:
        return [schedule_out(admin, county)]
    typed = [w for word in rest for w in _SEPARATORS.split(word) if w]
    now = admin.clock()
    if len(typed) == 1 and typed[0].lower() in OFF_WORDS | ON_WORDS:
        enabled = typed[0].lower() in ON_WORDS
        admin.store.set_reminder_settings(county, by=who.person_id, enabled=enabled, now=now)
        admin.store.audit(county, who.person_id, AdminAction.REMINDERS, county, json.dumps({"enabled": enabled}), now=now)
        return [Out(say("reminders.turned", county=county, enabled=enabled)), schedule_out(admin, county)]
    days = [int(w) for w in typed if w.isascii() and w.isdigit()]
    if len(days) != len(typed) or reminder_days_problem(days) is not None:
        return [Out(say("reminders.usage", max_days=REMINDER_MAX_DAYS, max_count=REMINDER_MAX_COUNT))]
    days = sorted(days, reverse=True)
    admin.store.set_reminder_settings(county, by=who.person_id, days=days, now=now)
    admin.store.audit(county, who.person_id, AdminAction.REMINDERS, county, json.dumps({"days": days}), now=now)
    return [Out(say("reminders.saved", county=county, days=days)), schedule_out(admin, county)]


def schedule_out(admin: Admin, county: str) -> Out:
    """The county's schedule as it stands, with the next reminder of the nearest deadline."""
    store, config, now = admin.store, admin.config, admin.clock()
    plan = plan_for(config, store.reminder_settings(county).get(county))
    year = report_year(now, config)
    deadline = config.review.deadline(year)
    sent = {r.days_before: r.due_at for r in store.reminder_records([year], county)}
    following = upcoming(now, deadline, plan.days, plan.hour, sent) if plan.enabled else None
    return Out(say("reminders.schedule", county=county, enabled=plan.enabled, own=plan.own, days=list(plan.days),
                   hour=f"{plan.hour:02d}:00", year=year, deadline=deadline,
                   next=_local(following.due_at) if following else None,
                   next_days=following.days_before if following else None,
                   now_due=following is not None and following.due_at <= now))


def _local(moment: datetime) -> str:
    at = moment.astimezone(LOCAL)
    return f"{at.year}年{at.month}月{at.day}日 {at.hour:02d}:{at.minute:02d}"
