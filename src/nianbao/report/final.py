"""What keeps a report from being printed as final: unanswered items, and texts that are empty or still
say 「待填写」 (the draft prints 「（待填写）」 for them, which a final report must never show)."""

from __future__ import annotations

from ..text import say
from .model import Report
from .rulebase import IDENTITY_SECTION, NARRATIVES, PLACEHOLDER, is_blank, where
from .rules import missing_findings


def final_gaps(report: Report) -> list[str]:
    """Short place names, in printed order of kind: 「一、总体情况」, 「三、「（六）其他处理」第2项」,
    「一、「（三）政府信息管理」（含「待填写」）」. Empty when the report may be printed as final."""
    gaps = [f.message for f in missing_findings(report, template="gap")]
    for path, name in (("organ", "name_organ"), ("county", "name_county")):
        value = report.get(path)
        if value is not None and PLACEHOLDER in value:
            gaps.append(say("rules.gap_placeholder", where=where(IDENTITY_SECTION, say(f"rules.{name}"))))
    for item in NARRATIVES:
        text: str | None = report.get(item.path)
        if text is None:
            continue  # unanswered: already a gap above
        if PLACEHOLDER in text:
            gaps.append(say("rules.gap_placeholder", where=where(item.section, item.label)))
        elif is_blank(text):
            gaps.append(say("rules.gap_blank", where=where(item.section, item.label)))
    return gaps
