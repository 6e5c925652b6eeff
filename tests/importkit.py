"""Hand-made published reports for the import tests: a report's three tables and its words laid out as
real reports lay them out (merged cells, an 8-column table 三, subtotal rows, drifted labels, blanks),
written as .docx (python-docx merges), HTML (rowspan/colspan, site chrome, layout tables), pipe text or
flat text. Independent of nianbao's renderer, so a reading that only works on nianbao's own files fails.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field

import docx

from nianbao.report import labels
from nianbao.report.model import Report, format_amount


@dataclass
class C:
    text: str = ""
    span: int = 1
    merge: str | None = None  # "restart" / "continue" (vertical)


@dataclass
class Style:
    eight: bool = False                 # 三 with a 法人或其他组织小计 column after 其他
    subtotals: bool = False             # a 小计 row after each of （三）…（六）
    drop_three: bool = False            # 「不予公开」 printed without 「（三）」
    normative: str = "行政规范性文件"    # or 「规范性文件」
    fullwidth: bool = False             # digits as ０１２…
    stray_rows: bool = False            # empty rows inside the tables
    blanks: dict[tuple[str, int], str] = field(default_factory=dict)  # (row path, column) → printed text
    totals: dict[str, int] = field(default_factory=dict)              # row path → wrong printed 总计


def _num(value, style: Style) -> str:
    text = format_amount(value) if not isinstance(value, int) else str(value)
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９")) if style.fullwidth else text


def tables(report: Report, style: Style) -> list[list[list[C]]]:
    return [_proactive(report, style), _applications(report, style), _appeals(report, style)]


def _proactive(report: Report, style: Style) -> list[list[C]]:
    p = report.proactive
    rows = []
    for title, columns, items in labels.PROACTIVE_BLOCKS:
        rows.append([C(title, 4)])
        rows.append([C("信息内容"), *(C(c) for c in columns)] if len(columns) == 3 else [C("信息内容"), C(columns[0], 3)])
        for key, label in items:
            label = style.normative if key == "normative_documents" else label
            value = getattr(p, key)
            if len(columns) == 3:
                rows.append([C(label), *(C(_num(x, style)) for x in value.values())])
            else:
                rows.append([C(label), C(_num(value, style), 3)])
        if style.stray_rows:
            rows.append([C(), C(), C(), C()])
    return rows


def _applications(report: Report, style: Style) -> list[list[C]]:
    a = report.applications
    legal = list(labels.APPLICANT_COLUMNS[1:]) + (["小计"] if style.eight else [])
    width = 1 + len(legal) + 1
    rows = [[C(labels.BALANCE_NOTE, 3, "restart"), C("申请人情况", width)],
            [C("", 3, "continue"), C("自然人", 1, "restart"), C("法人或其他组织", len(legal)), C("总计", 1, "restart")],
            [C("", 3, "continue"), C("", 1, "continue"), *(C(x) for x in legal), C("", 1, "continue")]]

    def values(path: str, cells: list[int]) -> list[C]:
        shown = [*cells[:6]]
        if style.eight:
            shown.append(sum(cells[1:6]))
        shown.append(style.totals.get(path, sum(cells)))
        out = [C(_num(x, style)) for x in shown]
        for (p, column), text in style.blanks.items():
            if p == path:
                out[column] = C(text)
        return out

    rows.append([C(labels.NEW_LABEL, 3), *values("applications.new", a.new)])
    rows.append([C(labels.CARRIED_OVER_LABEL, 3), *values("applications.carried_over", a.carried_over)])
    if style.stray_rows:
        rows.append([C("", 3), *(C() for _ in range(width))])
    first = True
    for group in labels.OUTCOME_GROUPS:
        head = lambda: C(labels.RESULTS_LABEL, 1, "restart") if first else C("", 1, "continue")
        if group.is_single:
            rows.append([head(), C(group.label, 2), *values(f"applications.{group.key}", getattr(a, group.key))])
            first = False
            continue
        glabel = group.label[3:] if style.drop_three and group.key == "withheld" else group.label
        sub = getattr(a, group.key)
        for i, (key, label) in enumerate(group.rows):
            rows.append([head(), C(glabel, 1, "restart" if i == 0 else "continue"), C(label),
                         *values(f"applications.{group.key}.{key}", getattr(sub, key))])
            first = False
        if style.subtotals:
            cells = [sum(col) for col in zip(*(getattr(sub, k) for k, _ in group.rows))]
            rows.append([head(), C(group.label + "小计", 2), *values("", cells)])
    rows.append([C("", 1, "continue"), C(labels.OUTCOMES_TOTAL_LABEL, 2),
                 *values("outcomes_total", a.outcomes_total)])
    rows.append([C(labels.CARRIED_FORWARD_LABEL, 3), *values("applications.carried_forward", a.carried_forward)])
    return rows


def _appeals(report: Report, style: Style) -> list[list[C]]:
    leaves = [*labels.APPEAL_RESULT_COLUMNS, "总计"]
    rows = [[C("行政复议", 5), C("行政诉讼", 10)],
            [*(C(x, 1, "restart") for x in leaves), C("未经复议直接起诉", 5), C("复议后起诉", 5)],
            [*(C("", 1, "continue") for _ in leaves), *(C(x) for _ in range(2) for x in leaves)]]
    cells = []
    for key, _ in labels.APPEAL_GROUPS:
        four = report.get(f"appeals.{key}")
        cells += [C(_num(x, style)) for x in four] + [C(_num(style.totals.get(f"appeals.{key}", sum(four)), style))]
    rows.append(cells)
    return rows


def paragraphs(report: Report) -> list[str | int]:
    """The words in order; an int n stands for table n (0, 1, 2)."""
    out: list[str | int] = [report.organ, f"{report.year}年政府信息公开工作年度报告",
                            f"本报告由{report.organ}编制，统计期限为{report.year}年1月1日至12月31日。",
                            labels.SECTION_HEADINGS[0]]
    for key, label in labels.OVERVIEW_TOPICS:
        out += [label, *getattr(report.overview, key).splitlines()]
    out += [labels.SECTION_HEADINGS[1], 0, labels.SECTION_HEADINGS[2], 1, labels.SECTION_HEADINGS[3], 2,
            labels.SECTION_HEADINGS[4], "（一）存在的主要问题", *report.problems.splitlines(),
            "（二）改进情况", *report.improvements.splitlines(),
            labels.SECTION_HEADINGS[5], *report.other_matters.splitlines(), report.organ, "2025年1月20日"]
    return out


# ---- writers ---------------------------------------------------------------------------------------


def to_docx(report: Report, style: Style) -> bytes:
    document = docx.Document()
    grids = tables(report, style)
    for item in paragraphs(report):
        if isinstance(item, int):
            _docx_table(document, grids[item])
        else:
            document.add_paragraph(item)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _docx_table(document, rows: list[list[C]]) -> None:
    width = sum(c.span for c in rows[0])
    table = document.add_table(rows=len(rows), cols=width)
    starts: dict[int, int] = {}
    for r, row in enumerate(rows):
        col = 0
        for cell in row:
            target = table.cell(r, col)
            if cell.merge != "continue":
                target.text = cell.text
            if cell.span > 1:
                target = target.merge(table.cell(r, col + cell.span - 1))
            if cell.merge == "restart":
                starts[col] = r
            elif cell.merge == "continue":
                table.cell(starts[col], col).merge(table.cell(r, col + cell.span - 1))
            col += cell.span


def to_html(report: Report, style: Style, *, chrome: bool = True) -> bytes:
    grids = tables(report, style)
    body = []
    for item in paragraphs(report):
        body.append(_html_table(grids[item]) if isinstance(item, int) else f"<p>{html.escape(item)}</p>")
    article = "\n".join(body)
    if not chrome:
        return f"<html><body>{article}</body></html>".encode()
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{report.title}</title>
<script>var menu = "一、总体情况";</script><style>p {{ color: red }}</style></head><body>
<div class="nav"><a href="/">首页</a> &gt; <a>政务公开</a> &gt; <a>政府信息公开年报</a></div>
<table class="layout" width="100%"><tr><td class="side"><ul><li>机构概况</li><li>政策文件</li></ul></td>
<td class="main"><h1>{html.escape(report.title)}</h1><div class="meta">发布时间：2025-01-20　来源：本站</div>
<div class="article">{article}</div>
<div class="tools">【打印本页】【关闭窗口】</div></td></tr></table>
<div class="footer">主办单位：某县人民政府办公室　网站标识码：6500000001</div></body></html>"""
    return page.encode("utf-8")


def _html_table(rows: list[list[C]]) -> str:
    spans: dict[tuple[int, int], int] = {}
    for r, row in enumerate(rows):
        col = 0
        for cell in row:
            if cell.merge == "restart":
                n = 1
                while r + n < len(rows) and _at(rows[r + n], col) is not None and _at(rows[r + n], col).merge == "continue":
                    n += 1
                spans[(r, col)] = n
            col += cell.span
    out = ["<table border=1>"]
    for r, row in enumerate(rows):
        out.append("<tr>")
        col = 0
        for cell in row:
            if cell.merge != "continue":
                attrs = (f' colspan="{cell.span}"' if cell.span > 1 else "") + (
                    f' rowspan="{spans[(r, col)]}"' if (r, col) in spans else "")
                out.append(f"<td{attrs}>{html.escape(cell.text)}</td>")
            col += cell.span
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def _at(row: list[C], column: int) -> C | None:
    col = 0
    for cell in row:
        if col == column:
            return cell
        col += cell.span
    return None


def to_text(report: Report, style: Style, *, pipes: bool, cells: bool = False) -> bytes:
    """Pipes (「规章 | 0 | 0 | 0 |」), flat (a PDF copied: label and numbers on a line), or ``cells``: each
    cell on its own line followed by a lone 「|」 (how some portals' pages come out as text)."""
    grids = tables(report, style)
    lines = []
    for item in paragraphs(report):
        if not isinstance(item, int):
            lines.append(item)
            continue
        for row in grids[item]:
            texts = [c.text for c in row if c.merge != "continue"]
            if cells:
                lines.extend(x for t in texts if t for x in (t, "|"))
            elif pipes:
                lines.append("| " + " | ".join(texts) + " |")
            else:  # a PDF copied as text: labels, then the numbers separated by blanks; header cells one a line
                words = [t for t in texts if t]
                if any(any(ch.isdigit() for ch in t) and len(t) < 12 for t in words[-3:]):
                    lines.append(" ".join(words))
                else:
                    lines.extend(words)
    return "\n".join(lines).encode("utf-8")
