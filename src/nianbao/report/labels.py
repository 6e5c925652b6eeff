"""The 2021 national format's vocabulary as data: headings, row and column labels, keys.

One place maps every report-file key to the label the standard prints (verbatim, full-width
punctuation). The renderer, the rules, the interview catalogue and the review summary all read it.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT_ID = "gov-info-annual-report/2021"
TITLE_SUFFIX = "政府信息公开工作年度报告"

SECTION_HEADINGS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)

# 一、总体情况: the five sub-headings, keyed as in report-file.md.
OVERVIEW_TOPICS: tuple[tuple[str, str], ...] = (
    ("proactive", "（一）主动公开"),
    ("on_request", "（二）依申请公开"),
    ("management", "（三）政府信息管理"),
    ("platforms", "（四）政府信息公开平台建设"),
    ("oversight", "（五）监督保障"),
)

# ---- 二、主动公开政府信息情况 -------------------------------------------------------------
ITEM_COLUMN = "信息内容"
DOCS_COLUMNS = ("本年制发件数", "本年废止件数", "现行有效件数")
DOCS_KEYS = ("issued", "repealed", "in_force")
DECISIONS_COLUMN = "本年处理决定数量"
FEES_COLUMN = "本年收费金额（单位：万元）"

# Each block: (title row, value-column header(s), [(key, row label), ...]).
PROACTIVE_BLOCKS: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], ...] = (
    ("第二十条第（一）项", DOCS_COLUMNS,
     (("regulations", "规章"), ("normative_documents", "行政规范性文件"))),
    ("第二十条第（五）项", (DECISIONS_COLUMN,), (("licensing", "行政许可"),)),
    ("第二十条第（六）项", (DECISIONS_COLUMN,), (("penalties", "行政处罚"), ("enforcement", "行政强制"))),
    ("第二十条第（八）项", (FEES_COLUMN,), (("fees", "行政事业性收费"),)),
)
PROACTIVE_LABELS = {key: label for _, _, rows in PROACTIVE_BLOCKS for key, label in rows}

# ---- 三、收到和处理政府信息公开申请情况 ------------------------------------------------------
APPLICANT_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
LEGAL_PERSON_HEADER = "法人或其他组织"
APPLICANT_HEADER = "申请人情况"
TOTAL = "总计"
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

NEW_LABEL = "一、本年新收政府信息公开申请数量"
CARRIED_OVER_LABEL = "二、上年结转政府信息公开申请数量"
RESULTS_LABEL = "三、本年度办理结果"
OUTCOMES_TOTAL_LABEL = "（七）总计"
CARRIED_FORWARD_LABEL = "四、结转下年度继续办理"


@dataclass(frozen=True)
class OutcomeGroup:
    """One of （一）…（六）: a single row (（一）（二）) or a titled group of sub-rows."""

    key: str
    label: str
    rows: tuple[tuple[str, str], ...] = ()  # (key, label); empty for a single-row outcome

    @property
    def is_single(self) -> bool:
        return not self.rows


OUTCOME_GROUPS: tuple[OutcomeGroup, ...] = (
    OutcomeGroup("granted", "（一）予以公开"),
    OutcomeGroup("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    OutcomeGroup("withheld", "（三）不予公开", (
        ("state_secret", "1.属于国家秘密"),
        ("prohibited_by_law", "2.其他法律行政法规禁止公开"),
        ("security_stability", "3.危及“三安全一稳定”"),
        ("third_party", "4.保护第三方合法权益"),
        ("internal_affairs", "5.属于三类内部事务信息"),
        ("process_info", "6.属于四类过程性信息"),
        ("enforcement_files", "7.属于行政执法案卷"),
        ("query_matters", "8.属于行政查询事项"),
    )),
    OutcomeGroup("unable", "（四）无法提供", (
        ("not_held", "1.本机关不掌握相关政府信息"),
        ("needs_creation", "2.没有现成信息需要另行制作"),
        ("still_unclear", "3.补正后申请内容仍不明确"),
    )),
    OutcomeGroup("not_processed", "（五）不予处理", (
        ("petition", "1.信访举报投诉类申请"),
        ("repeated", "2.重复申请"),
        ("publications", "3.要求提供公开出版物"),
        ("excessive", "4.无正当理由大量反复申请"),
        ("reconfirm", "5.要求行政机关确认或重新出具已获取信息"),
    )),
    OutcomeGroup("other", "（六）其他处理", (
        ("no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        ("unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        ("other", "3.其他"),
    )),
)


@dataclass(frozen=True)
class OutcomeRow:
    """One of the 21 data rows under 三、本年度办理结果."""

    group: OutcomeGroup
    key: str | None  # None for （一）（二）, whose group is the row
    label: str

    @property
    def path(self) -> tuple[str, ...]:
        return (self.group.key,) if self.key is None else (self.group.key, self.key)

    @property
    def full_label(self) -> str:
        """The label an official reads in a message, e.g. 「（三）不予公开 1.属于国家秘密」."""
        return self.label if self.key is None else f"{self.group.label} {self.label}"


OUTCOME_ROWS: tuple[OutcomeRow, ...] = tuple(
    row
    for g in OUTCOME_GROUPS
    for row in ((OutcomeRow(g, None, g.label),) if g.is_single
                else tuple(OutcomeRow(g, k, lab) for k, lab in g.rows))
)

# ---- 四、政府信息公开行政复议、行政诉讼情况 ---------------------------------------------------
APPEAL_RESULT_COLUMNS = ("结果维持", "结果纠正", "其他结果", "尚未审结")
REVIEW_HEADER = "行政复议"
LITIGATION_HEADER = "行政诉讼"
APPEAL_GROUPS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"),
    ("litigation_direct", "未经复议直接起诉"),
    ("litigation_after_review", "复议后起诉"),
)
APPEAL_LABELS = dict(APPEAL_GROUPS)

# ---- 五、六 -------------------------------------------------------------------------------------
PROBLEMS_LABEL = "存在的主要问题"
IMPROVEMENTS_LABEL = "改进情况"
