"""The report file model: strictness, exact decimals, unanswered ≠ 0, derived totals."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from nianbao.report import labels
from nianbao.report.model import Applications, Appeals, Report, all_leaf_paths, format_amount


def test_unknown_key_is_an_error():
    with pytest.raises(ValidationError) as err:
        Report.from_json('{"format": "gov-info-annual-report/2021", "yaer": 2024}')
    assert "yaer" in str(err.value)


@pytest.mark.parametrize("bad", ['"3"', "3.0", "true", "-1"])
def test_counts_are_non_negative_integers(bad):
    with pytest.raises(ValidationError):
        Report.from_json('{"proactive": {"licensing": %s}}' % bad)


@pytest.mark.parametrize("row,ok", [([0] * 6, True), ([0] * 5, False), ([0] * 7, False)])
def test_table_three_rows_have_six_counts(row, ok):
    data = {"applications": {"new": row}}
    if ok:
        assert Report.from_data(data).applications.new == row
    else:
        with pytest.raises(ValidationError):
            Report.from_data(data)


def test_table_four_rows_have_four_counts():
    with pytest.raises(ValidationError):
        Report.from_data({"appeals": {"review": [0, 0, 0, 0, 0]}})


@pytest.mark.parametrize("text,printed", [("00", "0"), ("0", "0"), ("9.63211", "9.63211"), ("1.50", "1.50")])
def test_amounts_are_exact_decimals(text, printed):
    report = Report.from_data({"proactive": {"fees": text}, "processing_fee": {"amount_yuan": text}})
    assert isinstance(report.proactive.fees, Decimal)
    assert format_amount(report.proactive.fees) == printed
    assert report.to_data()["proactive"]["fees"] == printed


@pytest.mark.parametrize("bad", ["1.5", "-1", '"abc"', '"1e3"', '"-2"'])
def test_amount_rejects_floats_and_garbage(bad):
    with pytest.raises(ValidationError):
        Report.from_json('{"proactive": {"fees": %s}}' % bad)


def test_unanswered_is_not_zero_and_is_not_written():
    report = Report(organ="托里县哈图镇人民政府", year=2024)
    report.set("applications.new", [1, 0, 0, 0, 0, 0])
    assert report.get("applications.carried_over") is None
    assert report.applications.outcomes_total is None
    assert "carried_over" not in report.to_data()["applications"]
    assert Report.from_json(report.to_json()) == report


def test_derived_totals_are_computed_not_stored():
    apps = Applications.zeros()
    apps.granted = [1, 2, 0, 0, 0, 0]
    apps.withheld.third_party = [0, 0, 3, 0, 0, 4]
    assert apps.outcomes_total == [1, 2, 3, 0, 0, 4]
    appeals = Appeals.zeros()
    appeals.review = [1, 2, 3, 4]
    assert appeals.total("review") == 10
    report = Report(applications=apps, appeals=appeals)
    dumped = report.to_json()
    assert "total" not in dumped and "总计" not in dumped


def test_every_outcome_row_is_reachable_by_path():
    report = Report(applications=Applications.zeros())
    for i, row in enumerate(labels.OUTCOME_ROWS):
        report.set("applications." + ".".join(row.path), [i] * 6)
    assert [report.applications.outcome(r)[0] for r in labels.OUTCOME_ROWS] == list(range(21))
    assert report.applications.outcomes_total == [sum(range(21))] * 6


def test_leaf_paths_cover_the_file_in_printed_order():
    paths = all_leaf_paths()
    assert paths.index("applications.new") < paths.index("applications.withheld.state_secret") < paths.index(
        "applications.carried_forward") < paths.index("appeals.review")
    assert len([p for p in paths if p.startswith("applications.")]) == 25 - 1  # （七）总计 is derived


def test_township_detection():
    assert Report(organ="托里县哈图镇人民政府").is_township
    assert Report(organ="某区某某街道办事处").is_township
    assert not Report(organ="托里县人民政府办公室").is_township


# ---- control characters (issue 10) --------------------------------------------------------------

CONTROLS = "".join(map(chr, range(0x20))) + "\x7f"
_STRIPPED = set(map(chr, range(0x20))) | {"\x7f"}
# What a paragraph keeps of CONTROLS: the tab, and a line break for each of \n \x0b \x0c \r \x1c \x1d \x1e
# (what str.splitlines() breaks on: a line or page break pasted from Word stays a break).
KEPT = "\t" + "\n" * 7


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_a_report_file_keeps_no_control_characters(tmp_path):
    """Every string of a report file comes out clean: paragraphs keep their line breaks and tabs,
    one-line values (organ, county, contact, channels) keep none."""
    import json

    from nianbao.cli import main

    dirty = {"organ": f"托里县{CONTROLS}哈图镇人民政府", "county": f"托里{CONTROLS}县",
             "contact": {"portal": f"门户{CONTROLS}网站", "address": "院内\r\n1号", "phone": f"0901{CONTROLS}"},
             "facts": {"channels": [f"政务{CONTROLS}公开栏"], "innovation": f"创新{CONTROLS}做法"},
             "overview": {"proactive": f"第一段\r\n第二段\r第三段{CONTROLS}完"},
             "problems": f"一是{CONTROLS}问题", "improvements": "\x00\x1b", "other_matters": "无\x7f"}
    report = Report.from_json(json.dumps(dirty))
    assert report.organ == "托里县哈图镇人民政府" and report.county == "托里县"
    assert report.contact.address == "院内1号" and report.contact.phone == "0901"
    assert report.facts.channels == ["政务公开栏"] and report.facts.innovation == f"创新{KEPT}做法"
    assert report.overview.proactive == f"第一段\n第二段\n第三段{KEPT}完"
    assert (report.problems, report.improvements, report.other_matters) == (f"一是{KEPT}问题", "", "无")
    for text in _strings(json.loads(report.to_json())):
        assert not (set(text) & _STRIPPED - {"\n", "\t"}), repr(text)
    # set by path (the interview) and on assignment: the same
    report.set("overview.management", "台账\x00\x08建立")
    report.organ = "某某镇\x1b人民政府"
    assert (report.overview.management, report.organ) == ("台账建立", "某某镇人民政府")
    # the command line reads the same file cleanly
    path = tmp_path / "dirty.json"
    path.write_text(json.dumps(dirty), encoding="utf-8")
    assert main(["render", str(path), "-o", str(tmp_path / "out.docx"), "--force"]) == 0
    with pytest.raises(ValidationError):
        Report.from_json(json.dumps({"organ": "\x00\x01"}))  # nothing left: too short, as if empty


def test_an_interview_keeps_no_control_characters_typed_or_stored():
    """A typed answer with control characters is refused (the reader says why); an interview stored
    with them (before this check, or edited by hand) comes back clean."""
    import json
    from datetime import date

    from nianbao.dialogs.interview import Interview

    interview = Interview.new(today=date(2025, 1, 10), organ="托里县哈图镇人民政府", county="托里县")
    interview.start()
    asked = interview.step_id
    replies = interview.answer("托里县\x00哈图镇\x1b人民政府")
    assert "控制字符" in replies[0].text and interview.step_id == asked
    data = json.loads(interview.to_json())
    data["report"]["problems"] = f"一是{CONTROLS}问题"
    data["report"]["organ"] = "托里县\x7f哈图镇人民政府"
    restored = Interview.from_data(data)
    assert restored.report.problems == f"一是{KEPT}问题" and restored.report.organ == "托里县哈图镇人民政府"
    assert not (set(restored.to_json()) & {chr(c) for c in range(0x20) if chr(c) not in "\n"} - {"\t"})
