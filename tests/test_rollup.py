"""The county roll-up: cell-by-cell sums, exact decimals, consistency kept, bad input refused."""

from decimal import Decimal

import pytest

from nianbao.report.model import Appeals, Applications, DocCounts, ProcessingFee, Proactive, Report, all_leaf_paths
from nianbao.report.rollup import RollupError, figure_paths, rollup, rollup_title
from nianbao.report.rules import check
from nianbao.report.synth import consistent_report

COUNTY, YEAR = "托里县", 2024
TOWNS = ("托里县哈图镇人民政府", "托里县庙尔沟镇人民政府", "托里县铁厂沟镇人民政府", "托里县多拉特乡人民政府")


def zero_report(organ: str, *, fees: str = "0", fee_yuan: str = "0") -> Report:
    """A complete report whose figures are all 0 (narratives left unset: the roll-up ignores them)."""
    return Report(
        organ=organ, county=COUNTY, year=YEAR,
        proactive=Proactive(regulations=DocCounts(issued=0, repealed=0, in_force=0),
                            normative_documents=DocCounts(issued=0, repealed=0, in_force=0),
                            licensing=0, penalties=0, enforcement=0, fees=fees),
        applications=Applications.zeros(), appeals=Appeals.zeros(),
        processing_fee=ProcessingFee(cases=0, amount_yuan=fee_yuan),
    )


def numbers(report: Report) -> list:
    """Every figure of a report, flattened in a fixed order: an oracle independent of the roll-up's code."""
    out: list = []

    def walk(value) -> None:
        if isinstance(value, dict):
            for key in sorted(value):
                walk(value[key])
        elif isinstance(value, list):
            out.extend(value)
        else:
            out.append(Decimal(value) if isinstance(value, str) else value)

    data = report.to_data()
    for section in ("proactive", "applications", "appeals", "processing_fee"):
        walk(data[section])
    return out


def test_hand_computed_sum():
    a, b = zero_report(TOWNS[0], fees="1.25"), zero_report(TOWNS[1], fees="9.63211")
    a.set("applications.new", [3, 1, 0, 0, 0, 2])
    b.set("applications.new", [4, 0, 0, 1, 0, 0])
    a.set("applications.withheld.third_party", [1, 0, 0, 0, 0, 0])
    b.set("applications.withheld.third_party", [2, 0, 5, 0, 0, 0])
    a.set("proactive.normative_documents", DocCounts(issued=2, repealed=1, in_force=7))
    b.set("proactive.normative_documents", DocCounts(issued=3, repealed=0, in_force=10))
    a.set("proactive.licensing", 12)
    b.set("proactive.licensing", 30)
    a.set("appeals.litigation_direct", [1, 0, 0, 1])
    b.set("appeals.litigation_direct", [0, 2, 0, 0])
    a.set("processing_fee.cases", 2)
    a.set("processing_fee.amount_yuan", "200")
    b.set("processing_fee.cases", 1)
    b.set("processing_fee.amount_yuan", "100.5")

    total = rollup([a, b], county=COUNTY, year=YEAR)

    assert total.applications.new == [7, 1, 0, 1, 0, 2]
    assert total.applications.withheld.third_party == [3, 0, 5, 0, 0, 0]
    assert total.applications.withheld.state_secret == [0] * 6
    assert total.proactive.normative_documents == DocCounts(issued=5, repealed=1, in_force=17)
    assert total.proactive.licensing == 42
    assert total.proactive.fees == Decimal("10.88211")
    assert total.appeals.litigation_direct == [1, 2, 0, 1]
    assert total.appeals.total("litigation_direct") == 4
    assert total.processing_fee.cases == 3
    assert total.processing_fee.amount_yuan == Decimal("300.5")


def test_decimal_amounts_are_summed_exactly():
    parts = [zero_report(TOWNS[0], fees="0.1", fee_yuan="0.1"), zero_report(TOWNS[1], fees="0.2", fee_yuan="0.2")]
    total = rollup(parts, county=COUNTY, year=YEAR)
    assert total.proactive.fees == Decimal("0.3")          # 0.1 + 0.2 == 0.30000000000000004 in binary floats
    assert total.processing_fee.amount_yuan == Decimal("0.3")
    assert total.to_data()["proactive"]["fees"] == "0.3"


def test_identity_title_and_no_narratives():
    total = rollup([consistent_report(seed=1, organ=TOWNS[0])], county=COUNTY, year=YEAR)
    assert (total.organ, total.county, total.year) == ("托里县乡镇（街道）", COUNTY, YEAR)
    assert rollup_title(COUNTY, YEAR) == "托里县乡镇（街道）2024年政府信息公开工作年度报告汇总"
    assert not total.is_township
    assert total.overview is None and total.problems is None
    assert total.improvements is None and total.other_matters is None
    assert rollup([zero_report(TOWNS[0])], county=COUNTY, year=YEAR, organ="托里县各乡镇").organ == "托里县各乡镇"


def test_sum_of_consistent_reports_is_the_cell_sum_and_passes_the_rules():
    reports = [consistent_report(seed=i, scale=40, organ=organ) for i, organ in enumerate(TOWNS)]
    total = rollup(reports, county=COUNTY, year=YEAR)
    expected = [sum(cells) for cells in zip(*(numbers(r) for r in reports), strict=True)]
    assert numbers(total) == expected
    assert sum(total.applications.new) > 0  # the synthetic reports are not all zero

    findings = check(total)
    assert [f for f in findings if f.is_error] == []
    # Only the narratives a roll-up leaves unset are reported, and no township-only warning.
    assert {f.rule for f in findings} <= {"missing"}
    missing_paths = {p for f in findings for p in f.paths}
    assert missing_paths.isdisjoint(figure_paths())
    assert Report.from_json(total.to_json()) == total


def test_township_warning_does_not_apply_to_the_roll_up():
    town = zero_report(TOWNS[0])
    office = zero_report("托里县人民政府办公室")
    office.set("proactive.regulations", DocCounts(issued=1, repealed=0, in_force=1))
    total = rollup([town, office], county=COUNTY, year=YEAR)
    assert total.proactive.regulations.issued == 1
    assert "regulations_township" not in {f.rule for f in check(total)}


def test_inputs_are_not_changed_and_not_shared():
    reports = [consistent_report(seed=i, organ=organ) for i, organ in enumerate(TOWNS[:2])]
    before = [r.model_copy(deep=True) for r in reports]
    total = rollup(reports, county=COUNTY, year=YEAR)
    total.applications.new[0] += 1000
    total.proactive.regulations.issued = 99
    assert reports == before


def test_figure_paths_cover_every_number_and_no_text():
    report = consistent_report(seed=3)
    paths = set(figure_paths())
    for path in all_leaf_paths():
        value = report.get(path)
        assert (path in paths) == (path not in ("organ", "county", "year") and not isinstance(value, str)), path


@pytest.mark.parametrize("county,year", [("和布克赛尔县", YEAR), (COUNTY, 2023)])
def test_other_county_or_year_is_refused(county, year):
    reports = [zero_report(TOWNS[0]), zero_report(TOWNS[1])]
    reports[1].county, reports[1].year = county, year
    with pytest.raises(ValueError) as err:
        rollup(reports, county=COUNTY, year=YEAR)
    assert TOWNS[1] in str(err.value) and str(year) in str(err.value) and county in str(err.value)


@pytest.mark.parametrize("path", [
    "applications.withheld.process_info",
    "proactive.regulations",          # a 规章 row with one blank count is unanswered
    "proactive.fees",
    "appeals.review",
    "processing_fee.amount_yuan",
])
def test_unanswered_figure_is_refused_naming_organ_and_path(path):
    incomplete = zero_report(TOWNS[1])
    if path == "proactive.regulations":
        incomplete.proactive.regulations.repealed = None
    else:
        incomplete.clear(path)
    with pytest.raises(RollupError) as err:
        rollup([zero_report(TOWNS[0]), incomplete], county=COUNTY, year=YEAR)
    assert TOWNS[1] in str(err.value) and path in str(err.value)
    assert (err.value.organ, err.value.path) == (TOWNS[1], path)


def test_first_missing_path_is_named():
    incomplete = zero_report(TOWNS[0])
    incomplete.clear("appeals.review")
    incomplete.clear("proactive.licensing")
    with pytest.raises(RollupError) as err:
        rollup([incomplete], county=COUNTY, year=YEAR)
    assert err.value.path == "proactive.licensing"  # printed order: 二 before 四
    assert "行政许可" in str(err.value)


def test_missing_organ_name_is_refused():
    anonymous = zero_report(TOWNS[0])
    anonymous.organ = None
    with pytest.raises(RollupError) as err:
        rollup([anonymous], county=COUNTY, year=YEAR)
    assert err.value.path == "organ"


def test_missing_narratives_do_not_block_a_roll_up():
    report = consistent_report(seed=2, organ=TOWNS[0])
    report.overview = None
    report.problems = None
    assert rollup([report], county=COUNTY, year=YEAR).applications.new == report.applications.new


def test_same_organ_twice_and_nothing_to_sum_are_refused():
    with pytest.raises(RollupError, match=TOWNS[0]):
        rollup([zero_report(TOWNS[0]), zero_report(TOWNS[0])], county=COUNTY, year=YEAR)
    with pytest.raises(RollupError, match=COUNTY):
        rollup([], county=COUNTY, year=YEAR)
