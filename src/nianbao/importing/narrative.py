"""The words of a ``Source``: title (organ, year), opening (contact), and the narratives of 一、五、六.

Sections are found by their headings (vocabulary.section_of, drift tolerated), each taken once and in
order; 一's five topics by their sub-headings （一）…（五）, named by key words (主动公开, 依申请, 信息管理,
平台, 监督), whether the heading stands alone or starts the paragraph (「（一）主动公开情况。2023年…」); 五's
two parts by 「存在的主要问题」/「存在问题：」 and 「改进情况」/「改进措施」; 六 is its whole text, without the
落款 (organ and date) and anything of the site after it. The 信息处理费 of 六 is read from its text only
when it says it in so many words (「没有产生信息处理费」, 「收取信息处理费2件，共200元」).
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..report import labels
from ..report.model import Contact, Overview, ProcessingFee, Report
from ..text import say
from . import vocabulary as v
from .document import Source

_TITLE = re.compile(r"^(?P<organ>.{2,60}?)(?:关于)?(?P<year>\d{4}|[一二][〇零○一二三四五六七八九]{3})年度?(?:的)?"
                    r"政府信息公开(?:工作)?(?:年度)?报告(?:\((?:草稿|征求意见稿)\))?$")
_CN_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")
_TOPICS = (("proactive", ("主动公开",)), ("on_request", ("依申请",)), ("management", ("信息管理",)),
           ("platforms", ("平台",)), ("oversight", ("监督",)))
_SUB = re.compile(r"^\((?:一|二|三|四|五|六|1|2|3|4|5)\)")
_HEAD_END = re.compile(r"[。:：]")
_ENUM = r"^(?:\(?(?:一|二|三|1|2|3)\)?[、.]?)?"
_PROBLEMS = re.compile(_ENUM + r"(?:存在的主要问题|主要问题|存在问题|存在的问题|存在的不足)(?:及原因)?(?:[:。]|$)")
_IMPROVE = re.compile(_ENUM + r"(?:改进情况|改进措施|整改措施|改进方向|下一步工作(?:计划|打算|安排)?|下一步打算|工作打算)"
                      r"(?:[:。]|$)")
_DATE = re.compile(r"^(?:\d{4}|[一二][〇零○一二三四五六七八九]{3})年[\d一二三四五六七八九十]{1,3}月[\d一二三四五六七八九十]{1,3}日$")
_ORGAN_END = re.compile(r"(?:政府|办事处|局|委员会|委|办公室|中心|院|厅|部|署|处|所|站|队|办)$")
_CHROME = re.compile(r"^[【\[]?(?:打印|关闭|上一篇|下一篇|分享到|扫一扫|网站标识码|主办单位|承办单位|版权所有|"
                     r"联系我们|返回顶部|相关链接|附件下载)")
_FEE_NONE = re.compile(r"(?:没有|未|无|不)(?:产生|收取|发生|收)[^。；;]{0,12}?处理费|处理费[^。；;]{0,6}?(?:为0|为零|0元)")
_FEE_SOME = re.compile(r"收取[^。；;]{0,12}?处理费[^。；;\d]{0,6}?(\d+)件[^。；;\d]{0,8}?(\d+(?:\.\d+)?)(万)?元")
_PORTAL = re.compile(r"(?:电子版)?可(?:在|以从|从|通过|登录)(.{2,80}?)(?:查阅或下载|查阅、下载|查阅和下载|下载|查阅)")
_ADDRESS = re.compile(r"地址[:：]\s*([^，,；;）)]{2,100})")
_PHONE = re.compile(r"电话[:：]?\s*([0-9０-９][0-9０-９\-—－ ]{5,20}[0-9０-９])")


class NarrativeReader:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.problems: dict[str, list[str]] = {}
        self.notes: list[str] = []
        self.year: int | None = None

    def read(self, source: Source) -> None:
        paragraphs = [p for p in (_clean(b) for b in source.blocks if isinstance(b, str)) if p]
        starts = _sections(paragraphs)
        first = min(starts.values(), default=len(paragraphs))
        title_end = self._title(paragraphs[:first])
        self._contact(paragraphs[title_end:first])
        bounds = sorted(starts.items(), key=lambda kv: kv[1])
        body = {k: paragraphs[i + 1:(bounds[n + 1][1] if n + 1 < len(bounds) else len(paragraphs))]
                for n, (k, i) in enumerate(bounds)}
        self._overview(body.get(0))
        self._section5(body.get(4))
        self._section6(body.get(5))

    def _problem(self, path: str, key: str, **values: object) -> None:
        self.problems.setdefault(path, []).append(say(key, **values))

    # -- title and opening ----------------------------------------------------------------------------
    def _title(self, before: list[str]) -> int:
        """Reads organ and year from the title; returns the index after it (0 when none found)."""
        best = None
        for i in range(len(before)):
            for j in range(i + 1, min(i + 4, len(before)) + 1):
                m = _TITLE.match(v.canon("".join(before[i:j])).replace("(草稿)", ""))
                if m:
                    best = (m, j)
        if best is None:
            self._problem("organ", "importing.gap_title")
            return 0
        m, end = best
        self.report.organ = m.group("organ")
        self.year = int(m.group("year").translate(_CN_DIGITS))
        return end

    def _contact(self, opening: list[str]) -> None:
        text = "".join(opening)
        found = {}
        for key, pattern, limit in (("portal", _PORTAL, 200), ("address", _ADDRESS, 200), ("phone", _PHONE, 50)):
            m = pattern.search(text)
            if m and len(m.group(1).strip()) <= limit:
                found[key] = m.group(1).strip()
        if found:
            self.report.contact = Contact(**found)

    # -- 一 -------------------------------------------------------------------------------------------
    def _overview(self, body: list[str] | None) -> None:
        if body is None:
            for key, _ in _TOPICS:
                self._problem(f"overview.{key}", "importing.gap_section", section=labels.SECTION_HEADINGS[0])
            return
        texts: dict[str, list[str]] = {}
        current: list[str] | None = None
        intro: list[str] = []
        for paragraph in body:
            topic, rest = _sub_heading(paragraph)
            if topic is not None and topic not in texts:
                current = texts[topic] = [rest] if rest else []
            elif current is not None:
                current.append(paragraph)
            else:
                intro.append(paragraph)
        values = {}
        for (key, _), (_, label) in zip(_TOPICS, labels.OVERVIEW_TOPICS):
            if texts.get(key):
                values[key] = "\n".join(texts[key])
            else:
                self._problem(f"overview.{key}", "importing.gap_topic", topic=label)
        self.report.overview = Overview(**values)
        if intro:
            self.notes.append(say("importing.note_intro", chars=sum(map(len, intro))))

    # -- 五 -------------------------------------------------------------------------------------------
    def _section5(self, body: list[str] | None) -> None:
        if body is None:
            for path in ("problems", "improvements"):
                self._problem(path, "importing.gap_section", section=labels.SECTION_HEADINGS[4])
            return
        parts: dict[str, list[str]] = {}
        current: list[str] | None = None
        for paragraph in body:
            text = v.canon(paragraph)
            key = ("problems" if _PROBLEMS.match(text) else "improvements" if _IMPROVE.match(text) else None)
            if key is not None and key not in parts:
                rest = _after_head(paragraph)
                current = parts[key] = [rest] if rest else []
            elif current is not None:
                current.append(paragraph)
        for key, label in (("problems", labels.PROBLEMS_LABEL), ("improvements", labels.IMPROVEMENTS_LABEL)):
            if parts.get(key):
                setattr(self.report, key, "\n".join(parts[key]))
            else:
                self._problem(key, "importing.gap_part", part=label)

    # -- 六 -------------------------------------------------------------------------------------------
    def _section6(self, body: list[str] | None) -> None:
        if body is None:
            self._problem("other_matters", "importing.gap_section", section=labels.SECTION_HEADINGS[5])
            self._problem("processing_fee", "importing.gap_section", section=labels.SECTION_HEADINGS[5])
            return
        kept: list[str] = []
        for paragraph in body:
            if _CHROME.match(v.canon(paragraph)):
                break
            kept.append(paragraph)
        for at in range(len(kept) - 1, -1, -1):  # the 落款: a date, the organ above it
            if _DATE.match(v.canon(kept[at])):
                above = kept[at - 1] if at else ""
                signed = above and (above == self.report.organ or
                                    (len(above) <= 40 and "。" not in above and _ORGAN_END.search(above)))
                kept = kept[:at - 1] if signed else kept[:at]
                break
        if not kept:
            self._problem("other_matters", "importing.gap_part", part=labels.SECTION_HEADINGS[5])
        else:
            self.report.other_matters = "\n".join(kept)
        self._fee("\n".join(kept))

    def _fee(self, text: str) -> None:
        plain = v.canon(text)
        some = _FEE_SOME.search(plain)
        if some:
            amount = Decimal(some.group(2)) * (10_000 if some.group(3) else 1)
            self.report.processing_fee = ProcessingFee(cases=int(some.group(1)), amount_yuan=amount)
        elif _FEE_NONE.search(plain):
            self.report.processing_fee = ProcessingFee(cases=0, amount_yuan=Decimal(0))
        else:
            self._problem("processing_fee", "importing.gap_fee")


def _clean(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip()).strip()


def _sections(paragraphs: list[str]) -> dict[int, int]:
    """Section number (0…5) → index of its heading; each taken once, in increasing order."""
    starts: dict[int, int] = {}
    for i, paragraph in enumerate(paragraphs):
        k = v.section_of(paragraph)
        if k is not None and k not in starts and all(k > other for other in starts):
            starts[k] = i
    return starts


def _sub_heading(paragraph: str) -> tuple[str | None, str]:
    """(topic key, the text after the heading) for a sub-heading of 一, else (None, "")."""
    text = v.canon(paragraph)
    if not _SUB.match(text):
        return None, ""
    head = text if len(text) <= 30 else None
    rest = ""
    if head is None:
        m = _HEAD_END.search(paragraph)
        if not m or m.start() > 30:
            return None, ""
        head, rest = v.canon(paragraph[:m.start()]), paragraph[m.end():].strip()
    for key, words in _TOPICS:
        if any(word in head for word in words):
            return key, rest
    return None, ""


def _after_head(paragraph: str) -> str:
    """The text after 「存在问题：」 in the same paragraph ("" when the paragraph is the heading alone)."""
    if len(v.canon(paragraph)) <= 20 and not re.search(r"[:：]\S", paragraph):
        return ""
    m = re.search(r"[:：。]", paragraph)
    return paragraph[m.end():].strip() if m and m.start() <= 20 else paragraph
