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
