"""A county of 30 organs in the store, as after a roster and some weeks of drafting and review.

Townships, streets, departments, the county government and one other organ; some approved, some
submitted, returned, drafting, most not started. Reports are made with store methods (as
test_last_year_in_bot.approve_last_year does), not typed, so a test starts in milliseconds.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from nianbao.dialogs.interview import Interview
from nianbao.report.model import Report
from nianbao.report.synth import consistent_report
from nianbao.workflow.storage import Status, Store

COUNTY, YEAR = "托里县", 2024
YUMIN = "裕民县"                              # the other county: its admin is refused 托里县's
ADMIN, OTHER_ADMIN, STRANGER = 10, 20, 99
REVIEWER, REVIEWER_NAME = 77, "李审核"
TOWNS = [f"托里县{name}人民政府" for name in ("哈图镇", "庙尔沟镇", "铁厂沟镇", "多拉特乡", "乌雪特乡", "阿克别里斗乡",
                                            "库普乡", "加依勒玛乡", "托里镇", "额敏河乡", "红山乡", "白杨乡")]
STREETS = ["托里县城东街道办事处", "托里县城西街道办事处", "托里县新区街道办事处"]
DEPARTMENTS = [f"托里县{name}" for name in ("自然资源局", "教育局", "财政局", "民政局", "卫生健康委员会", "交通运输局",
                                          "农业农村局", "水利局", "住房和城乡建设局", "市场监督管理局", "应急管理局",
                                          "文化体育广播电视和旅游局", "人力资源和社会保障局")]
OTHERS = {"托里县人民政府": "county", "托里县供销合作社联合社": "other"}
LEVELS = {**{o: ("town" if "镇" in o else "township") for o in TOWNS}, **dict.fromkeys(STREETS, "street"),
          **dict.fromkeys(DEPARTMENTS, "county_department"), **OTHERS}
assert len(LEVELS) == 30

APPROVED = [TOWNS[0], TOWNS[1], TOWNS[3], STREETS[0], DEPARTMENTS[0], DEPARTMENTS[1], DEPARTMENTS[2], "托里县人民政府"]
SUBMITTED = [TOWNS[2], TOWNS[4], DEPARTMENTS[3], DEPARTMENTS[4]]
RETURNED = [STREETS[1], DEPARTMENTS[5]]
DRAFTING = [TOWNS[5], DEPARTMENTS[6], STREETS[2]]   # the last: opened, nothing answered yet
WARNED = DEPARTMENTS[6]                              # its draft has a warning (现行有效 below 本年新制发)


@dataclass
class County:
    store: Store
    reports: dict[str, Report] = field(default_factory=dict)   # organ → its report as stored

    def state(self, organ: str) -> str:
        for names, state in ((APPROVED, "已通过"), (SUBMITTED, "待审核"), (RETURNED, "已退回"), (DRAFTING, "填写中")):
            if organ in names:
                return state
        return "未开始"


def build_county(store: Store, now, *, county: str = COUNTY) -> County:
    """The 30 organs invited (with their levels) and their reports of YEAR in their states."""
    made = County(store)
    store.upsert_user(REVIEWER, REVIEWER_NAME, now)
    for organ, level in LEVELS.items():
        store.create_invite(county, organ, by=1, ttl=timedelta(hours=72), now=now, level=level)
    owner = 1000
    for organ in (*APPROVED, *SUBMITTED, *RETURNED, *DRAFTING):
        owner += 1
        store.upsert_user(owner, f"填报人{owner}", now)
        interview = Interview.new(today=date(YEAR + 1, 1, 10), organ=organ, county=county)
        if organ != DRAFTING[-1]:
            report = consistent_report(seed=owner, year=YEAR, organ=organ, scale=3)
            report.county, report.organ_level = county, LEVELS[organ]
            if organ == WARNED:
                report.proactive.normative_documents.in_force = 0
                report.proactive.normative_documents.issued = 2
            interview.report = report
            made.reports[organ] = report
        row = store.create_report(owner, organ, county, YEAR, interview.to_json(), now, activate=False)
        if organ in DRAFTING:
            if organ != DRAFTING[-1]:
                store.save_answer(row.id, row.version, interview.to_json(), [], owner, now, progress=(12, 80))
            continue
        row = store.set_status(row.id, Status.SUBMITTED, row.version, actor=owner, now=now).report
        if organ in APPROVED:
            store.set_status(row.id, Status.APPROVED, row.version, actor=REVIEWER, now=now + timedelta(hours=2))
        elif organ in RETURNED:
            store.set_status(row.id, Status.RETURNED, row.version, actor=REVIEWER, comment="请补充",
                             now=now + timedelta(hours=1))
    return made


@asynccontextmanager
async def county_bot(fake_tg, tmp_path):
    """A bot whose 托里县 is build_county's 30 organs (``.county``), with an admin in each county."""
    from botkit import TODAY, running_bot

    counties = {COUNTY: {"admins": [ADMIN]}, YUMIN: {"admins": [OTHER_ADMIN]}}
    async with running_bot(fake_tg, tmp_path, counties=counties) as running:
        running.county = build_county(running.store, TODAY)
        yield running
