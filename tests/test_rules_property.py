"""Property: reports built to satisfy the rules pass, and any single changed cell is caught by its rule."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.report import labels
from nianbao.report.model import Appeals
from nianbao.report.rules import BALANCE_PATHS, ROW_LABELS, PrintedTotals, check, check_printed
from nianbao.report.synth import balanced_applications, consistent_report, fill_narratives

SIX = len(labels.APPLICANT_COLUMNS)
counts = st.integers(min_value=0, max_value=5000)
row4 = st.lists(st.integers(min_value=0, max_value=50), min_size=4, max_size=4)
deltas = st.integers(min_value=-200, max_value=200).filter(bool)


@st.composite
def balanced_reports(draw):
    """A complete report whose table 三 obeys 一 + 二 = （七）总计 + 四 in every column."""
    n_rows = len(labels.OUTCOME_ROWS) + 2
    cells = draw(st.lists(counts, min_size=n_rows * SIX, max_size=n_rows * SIX))  # one flat draw: faster
    *outcomes, over, forward = (cells[i:i + SIX] for i in range(0, len(cells), SIX))
    report = consistent_report(seed=draw(st.integers(0, 50)))
    report.applications = balanced_applications(outcomes, over, forward)
    report.appeals = Appeals(review=draw(row4), litigation_direct=draw(row4), litigation_after_review=draw(row4))
    return fill_narratives(report)  # so that 一 agrees with the drawn tables


@settings(max_examples=100, deadline=None)
@given(balanced_reports())
def test_reports_built_to_satisfy_the_rules_pass(report):
    assert check(report) == []
    assert check_printed(report, PrintedTotals.of(report)) == []


@settings(max_examples=200, deadline=None)
@given(balanced_reports(), st.sampled_from(BALANCE_PATHS), st.integers(0, SIX - 1), deltas)
def test_any_changed_table_three_input_breaks_rule_a_in_its_column(report, path, column, delta):
    row = list(report.get(path))
    delta = max(delta, -row[column]) or 1  # counts stay non-negative; never a zero change
    row[column] += delta
    report.set(path, row)
    errors = [f for f in check(report) if f.is_error]
    # one column off: its line only (a 总计 line would repeat it)
    assert [(f.rule, f.column) for f in errors] == [("A", labels.APPLICANT_COLUMNS[column])]
    adds_to_left = path in BALANCE_PATHS[:2]  # 一 and 二 sit on the left of the balance
    assert all(f.numbers["difference"] == (delta if adds_to_left else -delta) for f in errors)
    assert all(path in f.paths for f in errors)
    assert f"相差 {abs(delta)} 件" in errors[0].message


@settings(max_examples=120, deadline=None)
@given(balanced_reports(), st.sampled_from(sorted(ROW_LABELS)), deltas)
def test_a_changed_printed_row_total_breaks_rule_c(report, key, delta):
    printed = PrintedTotals.of(report)
    printed.row_totals[key] += delta
    (finding,) = check_printed(report, printed)
    assert (finding.rule, finding.row, finding.numbers["difference"]) == ("C", ROW_LABELS[key], delta)


@settings(max_examples=60, deadline=None)
@given(balanced_reports(), st.integers(0, SIX - 1), deltas)
def test_a_changed_printed_outcomes_total_breaks_rule_b(report, column, delta):
    printed = PrintedTotals.of(report)
    printed.outcomes_total[column] += delta
    (finding,) = check_printed(report, printed)
    assert (finding.rule, finding.column, finding.numbers["difference"]) == (
        "B", labels.APPLICANT_COLUMNS[column], delta)


@settings(max_examples=60, deadline=None)
@given(balanced_reports(), st.sampled_from([key for key, _ in labels.APPEAL_GROUPS]), deltas)
def test_a_changed_printed_appeal_total_breaks_rule_d(report, key, delta):
    printed = PrintedTotals.of(report)
    printed.appeal_totals[key] += delta
    (finding,) = check_printed(report, printed)
    assert (finding.rule, finding.paths, finding.numbers["difference"]) == ("D", (f"appeals.{key}",), delta)
