"""The draft's caption warns when a narrative repeats the organ's report of the year before."""

from __future__ import annotations

from datetime import date

from nianbao.workflow.drafting import findings_caption
from nianbao.workflow.storage import Status, Store
from nianbao.dialogs.defaults import default_texts
from nianbao.dialogs.interview import Interview
from nianbao.report.synth import consistent_report

ORGAN, COUNTY = "托里县哈图镇人民政府", "托里县"
LAST_YEARS = ("我镇坚持以公开为常态、不公开为例外，围绕乡村振兴、惠民补贴发放、项目建设等群众关注的重点领域，"
              "通过政务公开栏和微信公众号及时发布信息，做到应公开尽公开。")


def this_year(proactive: str):
    """A 2025 report whose every other narrative is new (so only 一（一） may repeat last year's)."""
    report = consistent_report(year=2025, organ=ORGAN)
    for i, path in enumerate(("overview.on_request", "overview.management", "overview.platforms",
                              "overview.oversight", "problems", "improvements", "other_matters")):
        report.set(path, f"第{i}项：本年度新写的内容，与往年不同，说明了第{i}个方面的具体做法和变化。")
    report.overview.proactive = proactive
    return report


def interview_json(year: int, proactive: str) -> str:
    interview = Interview.new(today=date(year + 1, 1, 10), organ=ORGAN, county=COUNTY)
    report = consistent_report(year=year, organ=ORGAN)
    report.county = COUNTY
    report.overview.proactive = proactive
    interview.report = report
    return interview.to_json()


def test_previous_year_prefers_the_approved_report_and_the_caption_names_the_repeated_section(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    old = store.create_report(1, ORGAN, COUNTY, 2024, interview_json(2024, LAST_YEARS))
    store.set_status(old.id, Status.SUBMITTED, old.version, actor=1)
    store.set_status(old.id, Status.APPROVED, old.version + 1, actor=2)
    assert store.previous_year(COUNTY, ORGAN, 2025).id == old.id
    assert store.previous_year(COUNTY, ORGAN, 2024) is None

    previous = Interview.from_json(store.previous_year(COUNTY, ORGAN, 2025).interview_json).report
    copied = this_year(LAST_YEARS.replace("微信公众号", "政府网站"))
    caption = findings_caption(copied, previous, default_texts(copied))
    assert "重复" in caption and "（一）主动公开" in caption and "2024" in caption

    rewritten = this_year("今年我镇新设了便民服务窗口的公开目录，群众可在窗口查阅补贴名单和项目进展，全年更新目录四次。")
    assert "重复" not in findings_caption(rewritten, previous, default_texts(rewritten))
    store.close()
