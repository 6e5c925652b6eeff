"""/rollup chooses its organs — 乡镇（街道）, 县直部门 or 全部 — sums only those, says so in the title, and
states in the document that it is an internal summary."""

from __future__ import annotations

import io

import pytest
from docx import Document

from botkit import ask, texts
from countykit import ADMIN, OTHER_ADMIN, STRANGER, YUMIN, county_bot, APPROVED, COUNTY, DEPARTMENTS, LEVELS, STREETS, TOWNS, YEAR
from nianbao.report.model import Report
from nianbao.report.rollup import rollup, rollup_notice
from nianbao.text import say
from nianbao.workflow.access import identify

NOTICE = "内部汇总，仅供参考，不对外公开"


@pytest.fixture
async def bot(fake_tg, tmp_path):
    async with county_bot(fake_tg, tmp_path) as running:
        yield running


def paragraphs(docx_bytes: bytes) -> list[str]:
    return [p.text.replace("\n", "") for p in Document(io.BytesIO(docx_bytes)).paragraphs]


def expected(county, organs: list[str], organ_name: str) -> Report:
    """The roll-up of those organs' reports as built (an oracle: report.rollup's own tests check its sums)."""
    return rollup([county.reports[o] for o in organs], county=COUNTY, year=YEAR, organ=organ_name)


async def roll_up(admin, command: str) -> tuple[Report, list[str], str, str]:
    got = await ask(admin, command)
    [data, word] = [item for item in got if item.kind == "document"]
    assert word.filename == data.filename.removesuffix(".json") + ".docx"
    return Report.from_json(data.document), paragraphs(word.document), word.filename, got[-1].text


async def test_departments_only_summed_and_titled_so_with_the_internal_notice(bot, fake_tg):
    admin = fake_tg.user(ADMIN, "王管理")
    summed, lines, filename, waiting = await roll_up(admin, f"/rollup 县直部门 {YEAR}")
    departments = [o for o in APPROVED if LEVELS[o] == "county_department"]
    assert len(departments) == 3
    assert summed == expected(bot.county, departments, "托里县县直部门")
    title = f"托里县县直部门{YEAR}年政府信息公开工作年度报告汇总"
    assert filename == f"{title}.docx"
    assert lines[0] == title and lines[1] == NOTICE == rollup_notice()
    assert "草稿" not in "".join(lines)
    # what is missing names the departments not approved, and no township
    assert all(o in waiting for o in DEPARTMENTS if o not in APPROVED)
    assert not any(o in waiting for o in (*TOWNS, *STREETS))


async def test_without_a_choice_buttons_offer_each_with_its_count(bot, fake_tg):
    admin = fake_tg.user(ADMIN, "王管理")
    [choice] = await ask(admin, "/rollup")
    assert choice.text == say("admin.rollup_choose", county=COUNTY, year=YEAR)
    assert [label for row in choice.buttons for label, _ in row] == ["乡镇（街道）（4）", "县直部门（3）", "全部（8）"]

    got = await ask(admin, "#t")  # 乡镇（街道）: the townships and the street
    [data, word] = [item for item in got if item.kind == "document"]
    towns = [o for o in APPROVED if LEVELS[o] in ("town", "township", "street")]
    assert Report.from_json(data.document) == expected(bot.county, towns, "托里县乡镇（街道）")
    assert paragraphs(word.document)[:2] == [f"托里县乡镇（街道）{YEAR}年政府信息公开工作年度报告汇总", NOTICE]

    got = await ask(admin, "#a")  # 全部: the county government too
    [data, word] = [item for item in got if item.kind == "document"]
    assert Report.from_json(data.document) == expected(bot.county, APPROVED, "托里县各机关")
    assert paragraphs(word.document)[:2] == [f"托里县各机关{YEAR}年政府信息公开工作年度报告汇总", NOTICE]
    assert "全部机关都已通过" not in texts(got)


async def test_strangers_and_other_countys_admins_are_refused(bot, fake_tg):
    stranger = fake_tg.user(STRANGER, "路人")
    assert texts(await ask(stranger, "/rollup 县直部门")) == say("bot.stranger", id=STRANGER)
    other = fake_tg.user(OTHER_ADMIN, "裕民管理")
    assert texts(await ask(other, f"/rollup 县直部门 {COUNTY}")) == say("admin.not_your_county", county=COUNTY,
                                                                    counties=[YUMIN])
    # 托里县's choice buttons do nothing for them (as a stale button)
    services = bot.process.services
    for who in (identify(bot.store, bot.config, OTHER_ADMIN, "裕民管理"), identify(bot.store, bot.config, STRANGER, "")):
        assert services.route_button(who, f"U{YEAR}{COUNTY}", "d") is None
    assert services.route_button(identify(bot.store, bot.config, ADMIN, ""), f"U{YEAR}{COUNTY}", "x") is None
    assert "只选一种" in texts(await ask(fake_tg.user(ADMIN, "王管理"), "/rollup 县直部门 乡镇"))
