"""Forgiving answer parsing (dialogs/parsing.py, dialogs/numerals.py): issue 3, item 5."""

from __future__ import annotations

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from nianbao.dialogs import parsing
from nianbao.dialogs.numerals import CHINESE_NUMERAL_CHARS, chinese_to_int, read_number
from nianbao.dialogs.parsing import (
    DEFAULT_ALIASES, MAX_COUNT, AnswerError, check_input, normalize, parse_amount, parse_choice,
    parse_count, parse_counts, parse_text, parse_year, parse_yes_no,
)
from nianbao.report import labels
from nianbao.report.model import Report

APPLICANTS = labels.APPLICANT_COLUMNS
APPEALS = labels.APPEAL_RESULT_COLUMNS
DOCS = labels.DOCS_COLUMNS
ROWS = (APPLICANTS, APPEALS, DOCS)


def rejects(call, *args, kind: str | None = None, **kwargs) -> AnswerError:
    """The call raises AnswerError whose message says what was expected, with an example."""
    with pytest.raises(AnswerError) as info:
        call(*args, **kwargs)
    err = info.value
    assert str(err) == err.message
    assert "例如" in err.message, err.message
    assert len(err.message) <= 200 and err.message.count("\n") <= 3, err.message  # one phone screen
    if kind is not None:
        assert err.kind == kind, (err.kind, err.message)
    return err


# ---- numerals -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("〇", 0), ("零", 0), ("一", 1), ("两", 2), ("俩", 2), ("十", 10), ("十五", 15), ("二十", 20),
    ("一十", 10), ("一百零三", 103), ("一百一十", 110), ("两千", 2000), ("三万二千", 32000),
    ("一千零五", 1005), ("一千零五十", 1050), ("两百", 200), ("十万", 100000), ("二十万零三", 200003),
    ("一百万一千", 1001000), ("一亿零五", 100000005), ("一千亿零一", 10**11 + 1),
    ("壹佰零叁", 103), ("贰仟零贰拾肆", 2024), ("一百〇三", 103),
    # digit by digit
    ("二〇二四", 2024), ("二零二四", 2024), ("一二", 12), ("零五", 5),
    # spoken short forms
    ("一万五", 15000), ("三万二", 32000), ("两百五", 250), ("一千三", 1300), ("一百一", 110),
    ("一千二百五", 1250), ("一亿五", 150000000),
])
def test_chinese_numerals(text, value):
    assert chinese_to_int(text) == value


@pytest.mark.parametrize("text", [
    "", "万", "百", "十十", "三三千", "九百千四", "七四万五", "一千五十", "一千零五百", "一十零",
    "两两", "一千五万", "万万", "一万万", "百五", "一百十", "二十百", "千千〇", "一万零", "三a", "1",
])
def test_malformed_chinese_numerals_are_errors(text):
    with pytest.raises(ValueError):
        chinese_to_int(text)


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_every_canonical_numeral_reads_back(value):
    # cn2an's writer is an independent oracle for the canonical forms (its reader is too lenient).
    assert chinese_to_int(cn2an.an2cn(value)) == value


@pytest.mark.parametrize("text, value", [
    ("15000", "15000"), ("1.5万", "15000"), ("一万五", "15000"), ("一点五", "1.5"),
    ("一点五万", "15000"), ("零点零零零一", "0.0001"), ("2亿", "200000000"),
    ("1.25万", "12500"), ("9223372036854775807", "9223372036854775807"),
    # more digits than Decimal's default 28: never rounded
    ("1.00000000000000000000000000001", "1.00000000000000000000000000001"),
    ("1.000000000000000000000000000001万", "10000.000000000000000000000000010"),
])
def test_read_number_is_exact(text, value):
    assert read_number(text) == Decimal(value)


# ---- cleaning -----------------------------------------------------------------------------------

def test_normalize_folds_width_and_spaces():
    assert normalize("  ３，０\u3000０ \n\t１  ") == "3,0 0 1"
    assert normalize("自然人：３") == "自然人:3"
    assert normalize("−3") == "-3"
    assert normalize("a\u200bb") == "ab"


def test_check_input_cleans_and_keeps_newlines():
    assert check_input("  第一段\r\n第二段\u200b  ") == "第一段\n第二段"
    assert check_input("a\tb") == "a\tb"


@pytest.mark.parametrize("text, kind", [
    ("", "empty"), ("   \n ", "empty"), ("\u200b", "empty"),
    ("3\x00", "control"), ("\x1b[31m3", "control"), ("3\u202e1", "control"), ("3\x7f", "control"),
    ("3" * 2001, "too_long"),
])
def test_check_input_rejects_politely(text, kind):
    err = rejects(check_input, text, kind=kind, expected="请回一个数字，例如：3")
    assert err.message.endswith("请回一个数字，例如：3")


def test_check_input_default_expectation_and_limit():
    with pytest.raises(AnswerError) as info:
        check_input("x" * 11, max_chars=10)
    assert "11" in info.value.message and "10" in info.value.message


# ---- parse_count -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("3", 3), ("３", 3), ("三", 3), ("十二", 12), ("两百", 200), ("一千零五", 1005), ("1,200", 1200),
    ("１,２００", 1200), ("无", 0), ("没有", 0), ("零", 0), ("〇", 0), ("否", 0), ("0件", 0), ("0", 0),
    (" 3 ", 3), ("3件", 3), ("3 件", 3), ("三件", 3), ("共3件", 3), ("3。", 3), ("3.", 3), ("暂无", 0),
    ("10000000", 10_000_000), ("1,000,000", 1_000_000), ("1万", 10000), ("3.0", 3),
    # no cap below what a BIGINT holds: a city's 行政许可 is 11,398,889
    ("11,398,889", 11_398_889), ("11398889件", 11_398_889), ("一亿", 10**8), ("1139.8889万", 11_398_889),
    ("9223372036854775807", MAX_COUNT), ("9,223,372,036,854,775,807", MAX_COUNT),
    ("９２２３３７２０３６８５４７７５８０７", MAX_COUNT),
    # nothing happened
    ("无此类情况", 0), ("没有发生", 0), ("未发生", 0), ("本年度未收到此类申请", 0), ("无相关情况", 0),
    ("没有此类情形", 0), ("共计3件", 3), ("总计3件", 3),
])
def test_parse_count_accepts(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("text, kind", [
    ("abc", "unreadable"), ("-3", "negative"), ("负三", "negative"), ("－3", "negative"),
    ("1.5", "not_integer"), ("1.5件", "not_integer"), ("9223372036854775808", "too_big"),
    ("9,223,372,036,854,775,808件", "too_big"), ("1000000000000亿", "too_big"),
    ("1.00000000000000000000000000001", "not_integer"), ("未", "unreadable"), ("未来", "unreadable"),
    ("3 4", "not_one_number"), ("3，4", "not_one_number"), ("1,20", "not_one_number"),
    ("", "empty"), ("3" * 3000, "too_long"), ("3\x07", "control"), ("😀", "unreadable"),
    ("3😀", "unreadable"), ("三三千", "unreadable"), ("3e5", "unreadable"), ("٣", "unreadable"),
    ("。", "unreadable"),
])
def test_parse_count_rejects(text, kind):
    err = rejects(parse_count, text, kind=kind)
    assert "整数" in err.message


def test_too_big_says_the_limit():
    err = rejects(parse_count, "9223372036854775808", kind="too_big")
    assert "9223372036854775807" in err.message


def test_count_cap_is_a_bigint():
    assert MAX_COUNT == 2**63 - 1


def test_count_cap_is_the_report_models():
    report = Report()
    report.set("proactive.licensing", MAX_COUNT)
    with pytest.raises(ValidationError):
        report.set("proactive.licensing", MAX_COUNT + 1)


# ---- parse_counts --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, counts", [
    ("3 0 0 0 0 1", [3, 0, 0, 0, 0, 1]),
    ("3,0,0,0,0,1", [3, 0, 0, 0, 0, 1]),
    ("3，0，0，0，0，1", [3, 0, 0, 0, 0, 1]),
    ("3、0、0、0、0、1", [3, 0, 0, 0, 0, 1]),
    ("3;0;0;0;0;1", [3, 0, 0, 0, 0, 1]),
    ("3；0；0；0；0；1", [3, 0, 0, 0, 0, 1]),
    ("３　０　０　０　０　１", [3, 0, 0, 0, 0, 1]),
    ("3 ０，0、0;0 1", [3, 0, 0, 0, 0, 1]),
    ("3-0-0-0-0-1", [3, 0, 0, 0, 0, 1]),
    ("三 零 零 零 零 一", [3, 0, 0, 0, 0, 1]),
    ("十二、〇、两、零、一百零三、无", [12, 0, 2, 0, 103, 0]),
    ("3件 0件 0件 0件 0件 1件", [3, 0, 0, 0, 0, 1]),
    ("3 0 0 0 0 1。", [3, 0, 0, 0, 0, 1]),
    ("自然人3 其他1", [3, 0, 0, 0, 0, 1]),
    ("自然人：3，其他：1", [3, 0, 0, 0, 0, 1]),
    ("自然人:3,其他:1", [3, 0, 0, 0, 0, 1]),
    ("商业企业2件", [0, 2, 0, 0, 0, 0]),
    ("企业2件其他1", [0, 2, 0, 0, 0, 1]),
    ("其他1 自然人3", [3, 0, 0, 0, 0, 1]),
    ("个人3，公益组织1，律所2", [3, 0, 0, 1, 2, 0]),
    ("群众三件", [3, 0, 0, 0, 0, 0]),
    ("其中自然人有3件，法律服务机构为2件", [3, 0, 0, 0, 2, 0]),
    ("自然人3和其它1", [3, 0, 0, 0, 0, 1]),
    ("自然人无 其他1", [0, 0, 0, 0, 0, 1]),
    ("公益2", [0, 0, 0, 2, 0, 0]),          # a unique part of a name
    # the total after the six columns, checked against their sum, is left out
    ("3 0 0 0 0 1 4", [3, 0, 0, 0, 0, 1]),
    ("3，0，0，0，0，1，4", [3, 0, 0, 0, 0, 1]),
    ("0 0 0 0 0 0 0", [0] * 6),
    ("自然人3 其他1 总计4", [3, 0, 0, 0, 0, 1]),
    ("自然人3，合计：3", [3, 0, 0, 0, 0, 0]),
    ("0", [0] * 6), ("〇", [0] * 6), ("无", [0] * 6), ("没有", [0] * 6), ("零", [0] * 6),
    ("无此类情况", [0] * 6), ("没有发生", [0] * 6), ("未发生", [0] * 6), ("未收到此类申请", [0] * 6),
    ("全部为0", [0] * 6), ("都是0", [0] * 6), ("全为零", [0] * 6), ("都没有", [0] * 6),
    ("均为 0", [0] * 6), ("0件", [0] * 6), ("否", [0] * 6), ("暂无", [0] * 6), ("〇件", [0] * 6),
])
def test_parse_counts_applicants(text, counts):
    assert parse_counts(text, APPLICANTS) == counts


@pytest.mark.parametrize("text, columns, counts", [
    ("1 0 0 0", APPEALS, [1, 0, 0, 0]),
    ("1 0 0 2 3", APPEALS, [1, 0, 0, 2]),  # table 四's 总计 after the four results
    ("维持1 总计1", APPEALS, [1, 0, 0, 0]),
    ("无此类情况", APPEALS, [0] * 4),
    ("维持1 未审结2", APPEALS, [1, 0, 0, 2]),
    ("结果纠正1，其他结果1", APPEALS, [0, 1, 1, 0]),
    ("其他3", APPEALS, [0, 0, 3, 0]),
    ("全部为0", APPEALS, [0] * 4),
    ("2 0 5", DOCS, [2, 0, 5]),
    ("制发2 现行有效5", DOCS, [2, 0, 5]),
    ("废止1", DOCS, [0, 1, 0]),
    ("本年制发件数2，本年废止件数0，现行有效件数5", DOCS, [2, 0, 5]),
    ("有效5", DOCS, [0, 0, 5]),
    ("无", DOCS, [0, 0, 0]),
])
def test_parse_counts_other_rows(text, columns, counts):
    assert parse_counts(text, columns) == counts


def test_parse_counts_extra_aliases():
    assert parse_counts("法人2", APPLICANTS, aliases={"法人": "商业企业"}) == [0, 2, 0, 0, 0, 0]
    assert parse_counts("企业2", APPLICANTS, aliases={"法人": "商业企业"}) == [0, 2, 0, 0, 0, 0]
    with pytest.raises(ValueError):
        parse_counts("法人2", APPLICANTS, aliases={"法人": "法人或其他组织"})


@pytest.mark.parametrize("text, kind", [
    ("3 0 0 0 0", "wrong_count"),
    ("3 0 0 0 0 1 1", "wrong_total"),  # a total that is not the sum
    ("3 0 0 0 0 1 4 4", "wrong_count"),
    ("自然人3 总计4", "wrong_total"),
    ("3", "wrong_count"),
    ("1,200 0 0 0 0 0", "wrong_total"),  # commas separate a row's numbers: 7 numbers, a wrong total
    ("三零零零零一", "wrong_count"),        # Chinese numerals need separators
    ("abc", "unreadable"),
    ("3 a 0 0 0 0", "unknown_label"),
    ("法人3", "unknown_label"),
    ("机构3", "ambiguous_label"),
    ("自然人3 自然人1", "duplicate_label"),
    ("自然人3 个人1", "duplicate_label"),
    ("自然人3 其他", "missing_number"),
    ("自然人 企业3", "missing_number"),
    ("自然人3 0 0 0 0 1", "mixed_labels"),
    ("-1 0 0 0 0 0", "negative"),
    ("自然人-1", "negative"),
    ("1.5 0 0 0 0 0", "not_integer"),
    ("9223372036854775808 0 0 0 0 0", "too_big"),
    ("三三千 0 0 0 0 0", "unreadable"),
    ("3 😀 0 0 0 0", "unreadable"),
    ("😀", "unreadable"),
    ("", "empty"),
    ("3 " * 1500, "too_long"),
    ("3 0 0\x00 0 0 1", "control"),
])
def test_parse_counts_rejects(text, kind):
    err = rejects(parse_counts, text, APPLICANTS, kind=kind)
    assert "需要 6 个数字" in err.message
    assert "、".join(APPLICANTS) in err.message  # the column order
    assert "例如：3 0 0 0 0 1" in err.message


def test_wrong_count_names_how_many():
    err = rejects(parse_counts, "3 0 0", APPLICANTS, kind="wrong_count")
    assert "收到 3 个数字" in err.message
    err = rejects(parse_counts, "1 0", DOCS, kind="wrong_count")
    assert "需要 3 个数字" in err.message and "本年制发件数、本年废止件数、现行有效件数" in err.message
    assert "制发3 现行有效1" in err.message
    err = rejects(parse_counts, "1 0", APPEALS, kind="wrong_count")
    assert "需要 4 个数字" in err.message and "例如：3 0 0 1" in err.message


def test_wrong_total_says_what_it_should_be():
    err = rejects(parse_counts, "3 0 0 0 0 1 5", APPLICANTS, kind="wrong_total")
    assert "总计 5" in err.message and "之和 4" in err.message and "例如：3 0 0 0 0 1 4" in err.message
    err = rejects(parse_counts, "1 0 0 2 4", APPEALS, kind="wrong_total")
    assert "总计 4" in err.message and "之和 3" in err.message


def test_only_rows_with_a_total_take_one():
    err = rejects(parse_counts, "2 0 5 7", DOCS, kind="wrong_count")  # table 二 has no 总计
    assert "收到 4 个数字" in err.message and "总计" not in err.message.splitlines()[0]
    rejects(parse_counts, "制发2 总计2", DOCS, kind="unknown_label")
    err = rejects(parse_counts, "3 0", APPLICANTS, kind="wrong_count")
    assert "末尾加总计则 7 个" in err.message


def test_label_errors_name_the_labels():
    err = rejects(parse_counts, "机构3", APPLICANTS, kind="ambiguous_label")
    assert "科研机构" in err.message and "法律服务机构" in err.message
    err = rejects(parse_counts, "法人3", APPLICANTS, kind="unknown_label")
    assert "「法人」" in err.message and "、".join(APPLICANTS) in err.message
    err = rejects(parse_counts, "自然人3 自然人1", APPLICANTS, kind="duplicate_label")
    assert "「自然人」" in err.message


def test_labels_and_aliases_never_look_like_numbers_or_separators():
    names = [name for row in ROWS for col in row for name in (col, *DEFAULT_ALIASES[col])]
    reserved = set(CHINESE_NUMERAL_CHARS) | set("点无没否和及、,;:=/|") | {" "}
    assert all(not reserved & set(name) for name in names), names
    assert set(DEFAULT_ALIASES) == {col for row in ROWS for col in row}


# -- round trip: any counts, written any way, read back to themselves --

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SEPARATORS = [" ", ",", "，", "、", ";", "；", " , ", "、 ", "\u3000", "  "]


@st.composite
def written_count(draw, value: int) -> str:
    chinese = ["chinese", "liang", "ling"] if value < 10**12 else []  # Chinese numerals stop below 万亿
    style = draw(st.sampled_from(["ascii", "full", *chinese]))
    text = str(value)
    if style == "full":
        text = text.translate(FULL_WIDTH)
    elif style != "ascii":
        text = cn2an.an2cn(value)
        if style == "liang" and text[:1] == "二" and text[1:2] in ("千", "百", "万"):
            text = "两" + text[1:]
        if style == "ling":
            text = text.replace("零", "〇")
    return text + draw(st.sampled_from(["", "", "件"]))


@st.composite
def written_row(draw):
    columns = draw(st.sampled_from(ROWS))
    counts = draw(st.lists(st.integers(0, MAX_COUNT) | st.integers(0, 20), min_size=len(columns),
                           max_size=len(columns)))
    if draw(st.booleans()):  # positional
        sep = draw(st.sampled_from(SEPARATORS))
        text = sep.join(draw(written_count(v)) for v in counts)
        return text, columns, counts
    # labelled: some columns, any order, any accepted name; the rest are 0
    chosen = draw(st.lists(st.sampled_from(range(len(columns))), min_size=1, unique=True))
    parts = []
    for i in chosen:
        name = draw(st.sampled_from((columns[i], *DEFAULT_ALIASES[columns[i]])))
        joint = draw(st.sampled_from(["", ":", "：", "为", "有", " "]))
        parts.append(f"{name}{joint}{draw(written_count(counts[i]))}")
    expected = [counts[i] if i in chosen else 0 for i in range(len(columns))]
    return draw(st.sampled_from(SEPARATORS[:-1])).join(parts), columns, expected


@settings(max_examples=300)
@given(written_row())
def test_any_written_row_reads_back(case):
    text, columns, counts = case
    assert parse_counts(text, columns) == counts


@settings(max_examples=100)
@given(st.integers(0, MAX_COUNT).flatmap(lambda v: st.tuples(st.just(v), written_count(v))))
def test_any_written_count_reads_back(case):
    value, text = case
    assert parse_count(text) == value


# ---- parse_amount --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, unit, amount", [
    ("1.5", "wan", "1.5"), ("1.5万", "wan", "1.5"), ("1.5万元", "wan", "1.5"), ("15000元", "wan", "1.5"),
    ("15,000元", "wan", "1.5"), ("一万五", "wan", "1.5"), ("一万五千元", "wan", "1.5"), ("0", "wan", "0"),
    ("无", "wan", "0"), ("没有", "wan", "0"), ("0元", "wan", "0"), ("1 元", "wan", "0.0001"),
    ("0.01元", "wan", "0.000001"), ("9.63211", "wan", "9.63211"), ("0.00000001", "wan", "0.00000001"),
    ("1.5", "yuan", "1.5"), ("1.5万", "yuan", "15000"), ("1.5万元", "yuan", "15000"), ("200", "yuan", "200"),
    ("200元", "yuan", "200"), ("２００元", "yuan", "200"), ("15,000", "yuan", "15000"), ("200.50元", "yuan", "200.5"),
    ("一万五", "yuan", "15000"), ("两百元", "yuan", "200"), ("一点五万", "yuan", "15000"), ("¥200", "yuan", "200"),
    ("¥200", "wan", "0.02"), ("共200元", "yuan", "200"), ("200块", "yuan", "200"), ("0", "yuan", "0"),
    # 万 with the unit 元 is × 10000, exactly; words around the figure
    ("共计1.25万元", "yuan", "12500"), ("共计1.25万元", "wan", "1.25"), ("1.25万", "yuan", "12500"),
    ("1.25万", "wan", "1.25"), ("约1.25万元", "yuan", "12500"), ("约1.25万元", "wan", "1.25"),
    ("合计人民币200元", "yuan", "200"), ("共计约 1.25 万元", "yuan", "12500"), ("1.2345万", "yuan", "12345"),
    ("9.63211万元", "wan", "9.63211"), ("无此类情况", "yuan", "0"), ("未收取", "yuan", "0"),
    ("没有发生", "wan", "0"),
])
def test_parse_amount_accepts(text, unit, amount):
    value = parse_amount(text, unit=unit)
    assert isinstance(value, Decimal) and value == Decimal(amount)
    assert format(value, "f") == amount  # plain: no exponent, no trailing zeros


@pytest.mark.parametrize("text, unit, kind", [
    ("-1", "wan", "negative"), ("负200", "yuan", "negative"),
    ("0.123456789", "wan", "too_many_decimals"), ("0.001", "yuan", "too_many_decimals"),
    ("1.2345678万", "yuan", "too_many_decimals"), ("15000.123元", "wan", "too_many_decimals"),
    ("abc", "wan", "unreadable"), ("1e5", "yuan", "unreadable"), ("NaN", "wan", "unreadable"),
    ("万元", "wan", "unreadable"), ("1.5 2", "wan", "unreadable"), ("😀", "yuan", "unreadable"),
    ("1000000000000", "yuan", "too_big"), ("", "wan", "empty"), ("1" * 3000, "wan", "too_long"),
    ("1.000000000000000000000000000001万元", "yuan", "too_many_decimals"),  # not rounded away
    ("约", "yuan", "unreadable"),
    ("1\x00", "yuan", "control"),
])
def test_parse_amount_rejects(text, unit, kind):
    err = rejects(parse_amount, text, unit=unit, kind=kind)
    assert ("万元" if unit == "wan" else "单位元") in err.message


def test_amounts_fit_the_report_file():
    report = Report()
    report.set("proactive.fees", parse_amount("15000元", unit="wan"))
    report.set("processing_fee.amount_yuan", parse_amount("1.5万", unit="yuan"))
    assert report.to_data()["proactive"]["fees"] == "1.5"
    assert report.to_data()["processing_fee"]["amount_yuan"] == "15000"
    assert Report.from_json(report.to_json()) == report


@settings(max_examples=200)
@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_yuan_and_wan_agree(yuan):
    written = format(yuan, "f")
    assert parse_amount(written, unit="yuan") == yuan
    assert parse_amount(written + "元", unit="wan") == yuan.scaleb(-4)


# ---- yes/no, year, choice, text -------------------------------------------------------------------

@pytest.mark.parametrize("text", ["是", "是的", "有", "对", "好", "好的", "确认", "y", "Y", "yes", "YES", "1", "１", "是。", "ok"])
def test_yes(text):
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", ["否", "没有", "无", "不", "不是", "no", "No", "n", "0", "否！",
                                  "无此类情况", "没有发生", "未发生", "未发生此类情况", "本年度无此类情况"])
def test_no(text):
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text, kind", [
    ("也许", "unreadable"), ("是不是", "unreadable"), ("2", "unreadable"), ("", "empty"), ("未", "unreadable"),
    ("是" * 3000, "too_long"), ("是\x00", "control"), ("👍", "unreadable"),
])
def test_yes_no_rejects(text, kind):
    err = rejects(parse_yes_no, text, kind=kind)
    assert "是" in err.message and "否" in err.message


@pytest.mark.parametrize("text, year", [
    ("2024", 2024), ("2024年", 2024), ("２０２４", 2024), ("二〇二四", 2024), ("二零二四年", 2024),
    ("两千零二十四", 2024), ("24", 2024), ("2024年度", 2024), ("去年", 2024), ("今年", 2025),
    ("前年", 2023), ("2021", 2021),
])
def test_parse_year(text, year):
    assert parse_year(text, today_year=2025) == year


@pytest.mark.parametrize("text, kind", [
    ("2020", "out_of_range"), ("2026", "out_of_range"), ("1999", "out_of_range"), ("99", "out_of_range"),
    ("明年", "unreadable"), ("20244", "unreadable"), ("abc", "unreadable"), ("", "empty"),
    ("2024" * 1000, "too_long"), ("2024\x1b", "control"),
])
def test_parse_year_rejects(text, kind):
    err = rejects(parse_year, text, today_year=2025, kind=kind)
    assert "2021" in err.message and "2025" in err.message and "例如：2024" in err.message


ORGAN_KINDS = {"township": ["乡镇人民政府", "乡镇", "镇政府"], "street": ["街道办事处", "街道"], "other": []}


@pytest.mark.parametrize("text, key", [
    ("1", "township"), ("2", "street"), ("３", "other"), ("乡镇", "township"), ("街道办事处", "street"),
    ("Street", "street"), ("other", "other"), ("镇政府。", "township"),
])
def test_parse_choice(text, key):
    assert parse_choice(text, ORGAN_KINDS) == key


@pytest.mark.parametrize("text", ["4", "0", "县", "", "乡"])
def test_parse_choice_rejects(text):
    err = rejects(parse_choice, text, ORGAN_KINDS)
    assert "1 乡镇人民政府" in err.message and "2 街道办事处" in err.message and "3 other" in err.message


def test_parse_text_keeps_paragraphs_and_chinese_punctuation():
    raw = "\u3000\u3000本年度，我镇未收到申请。  \r\n\r\n\r\n\r\n  第二段（含括号）：完。\n"
    assert parse_text(raw) == "本年度，我镇未收到申请。\n\n第二段（含括号）：完。"
    assert parse_text("❶ 第一项") == "❶ 第一项"


@pytest.mark.parametrize("text, kwargs, kind", [
    ("", {}, "empty"), ("x" * 3000, {}, "too_long"), ("好😀", {}, "emoji"), ("☀", {}, "emoji"),
    ("正文\x00", {}, "control"), ("短", {"min_chars": 5}, "too_short"),
    ("很长的名称", {"max_chars": 4}, "too_long"),
])
def test_parse_text_rejects(text, kwargs, kind):
    rejects(parse_text, text, kind=kind, **kwargs)


def test_parse_text_takes_its_own_expectation():
    with pytest.raises(AnswerError) as info:
        parse_text("", expected="请输入机关全称，例如：哈图镇人民政府")
    assert info.value.message.endswith("请输入机关全称，例如：哈图镇人民政府")


def test_every_message_key_exists():
    # Each kind used in parsing.py has its message; a missing one would fail only on that bad input.
    import re
    import tomllib
    from importlib import resources

    source = resources.files("nianbao").joinpath("dialogs/parsing.py").read_text(encoding="utf-8")
    with resources.files("nianbao").joinpath("templates/text/parsing.toml").open("rb") as fh:
        table = tomllib.load(fh)
    used = set(re.findall(r'_fail\(\s*"(\w+)"', source)) | set(re.findall(r'"parsing\.(\w+)"', source))
    assert used and used <= set(table), used - set(table)
    assert parsing.SHORT_MAX_CHARS < 2000
