"""The question catalogue is data: checked on load, its order and conditions drive the machine; the
prompts are templates fetched through one county-aware function."""

from __future__ import annotations

from datetime import date
from importlib import resources

import pytest
import yaml
from pydantic import ValidationError

from nianbao.dialogs.catalogue import Catalogue, load_catalogue
from nianbao.dialogs.interview import Interview
from nianbao.dialogs.prompts import Prompts, has_default
from nianbao.dialogs.scripted import play
from nianbao.report.model import all_leaf_paths, input_paths

TODAY = date(2025, 1, 20)
# organ and county proposed (hints), level proposed from the name, year proposed, no contact
IDENTITY = ["#default", "#default", "#default", "#default", "跳过"]


def raw_catalogue() -> dict:
    text = (resources.files("nianbao") / "dialogs" / "catalogue.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def test_every_report_value_is_asked_once_and_every_template_exists():
    cat = load_catalogue()
    assert sorted(s.path for s in cat.steps if s.path) == sorted(all_leaf_paths() + input_paths())
    for step in cat.steps:
        assert has_default(step.prompt_key), step.id
        assert has_default(step.help_key), step.id
        assert step.label or has_default(f"titles.{step.id}"), step.id
        for name in filter(None, (step.narrative, step.lead)):
            assert has_default(f"narratives.{name}"), name
    assert all(len(f"edit:{s.id}".encode()) <= 64 for s in cat.steps)  # Telegram callback_data


@pytest.mark.parametrize("change, message", [
    (lambda d: d["steps"].append(dict(d["steps"][3])), "unique"),
    (lambda d: d["steps"].pop(5), "exactly once"),
    (lambda d: d["steps"][11].update(when=["no_such_gate"]), "unknown condition"),
    (lambda d: d["steps"][4].update(default="guess"), "unknown proposal"),
    (lambda d: d["steps"][0].update(path=None), "needs path"),
    (lambda d: d["steps"].append({"id": "x", "kind": "count", "section": "other", "oops": 1}), "extra"),
])
def test_a_broken_catalogue_is_refused(change, message):
    data = raw_catalogue()
    change(data)
    with pytest.raises(ValidationError, match=message):
        Catalogue.model_validate(data)


def test_reordering_is_an_edit_of_the_data():
    data = raw_catalogue()
    steps = data["steps"]
    appeals = [s for s in steps if s["section"] == "appeals"]
    rest = [s for s in steps if s["section"] != "appeals"]
    at = next(i for i, s in enumerate(rest) if s["id"] == "applications")
    data["steps"] = rest[:at] + appeals + rest[at:]  # table 四 asked before table 三
    interview = Interview(today=TODAY, organ_hint="托里县哈图镇人民政府", catalogue=Catalogue.model_validate(data))
    play(interview, IDENTITY + ["#default"] + ["0"] * 5)
    assert interview.step_id == "appeals"
    interview.answer("是")
    assert interview.step_id == "appeals_review"


def test_machine_tables_skip_closed_groups_in_both_directions():
    table = load_catalogue().transitions_table
    moves = {(t["trigger"], t["source"], t["dest"]) for t in table}
    assert ("advance", "applications", "new") in moves and ("advance", "applications", "appeals") in moves
    assert ("retreat", "appeals", "carried_forward") in moves and ("retreat", "appeals", "applications") in moves
    assert ("advance", "partial", "withheld") in moves
    # the rows of a pick gate are asked one by one: each is a candidate
    assert {("advance", "withheld", f"withheld_{key}") for key in ("state_secret", "third_party", "query_matters")} <= moves
    assert all(t["conditions"] == "dest_is_asked" for t in table)


def test_per_county_overrides_replace_prompts_and_paragraphs():
    def overrides(county, key):
        if county != "托里县":
            return None
        return {"prompts.new": "【托里县】{{ label }}：{{ columns|join('/') }}",
                "narratives.management": "{{ we }}按托里县要求落实信息管理制度。"}.get(key)

    interview = Interview.new(today=TODAY, organ="托里县哈图镇人民政府", prompts=Prompts(overrides))
    play(interview, IDENTITY + ["#default"] + ["0"] * 5)
    replies = interview.answer("是")
    assert replies[-1].text.endswith("【托里县】一、本年新收政府信息公开申请数量：自然人/商业企业/科研机构/社会公益组织/法律服务机构/其他")
    assert "【托里县】" not in interview.answer("1 0 0 0 0 0")[-1].text  # 二 shares ask.row6, not the override
    play(interview, ["修改 12", "否", "否", "门户网站", "4", "否", "#default", "#default", "#default"])  # no applications after all
    assert interview.report.overview.management == "我镇按托里县要求落实信息管理制度。"
    other = Interview.new(today=TODAY, organ="某县某镇人民政府", county="某县", prompts=Prompts(overrides))
    play(other, IDENTITY + ["#default"] + ["0"] * 5)
    assert "【托里县】" not in other.answer("是")[-1].text


def test_flow_rules_are_the_national_rules_without_missing():
    """validation.rule_findings calls the rule families directly; it must stay rules.check minus missing."""
    from nianbao.dialogs.validation import rule_findings
    from nianbao.report.rules import check
    from nianbao.report.synth import consistent_report, distinct_report

    broken = consistent_report(seed=3)
    broken.applications.carried_forward = [9, 9, 9, 9, 9, 9]
    broken.proactive.regulations.issued = 4
    broken.problems = "无"
    broken.improvements = "2019年工作"
    broken.processing_fee.cases = 0
    broken.processing_fee.amount_yuan = "5"
    broken.overview.on_request = "本年度未收到政府信息公开申请。"
    partial = consistent_report(seed=1)
    partial.applications = None
    for report in (consistent_report(), distinct_report(), broken, partial):
        expected = [f for f in check(report) if f.rule != "missing"]
        assert sorted(map(repr, rule_findings(report))) == sorted(map(repr, expected))
    assert {f.rule for f in rule_findings(broken)} >= {"A", "regulations_township", "section5_short",
                                                      "narrative_year", "processing_fee_mismatch",
                                                      "narrative_applications"}
