"""The default paragraphs' figures, and how a narrative answer becomes the text in the report file.

A narrative answer is kept as a choice, not as text: ``{}`` (the default paragraph), ``{"replace": t}``
or ``{"extend": t}`` (default + t). The report's text is recomposed from it after every answer, so a
default paragraph always quotes the tables as they are now (「全年共收到政府信息公开申请3件…」 agrees
with table 三 by construction, even after an edit).
"""

from __future__ import annotations

from typing import Any

from ..report import labels
from ..report.model import Report, format_amount
from ..text import say


def organ_kind(organ: str | None, kinds: dict[str, tuple[str, ...]]) -> str:
    """town / township / street / organ, by the end of the organ's name."""
    name = organ or ""
    return next((kind for kind, endings in kinds.items() if name.endswith(endings)), "organ")


def _total(row: list[int] | None) -> int:
    return sum(row) if row else 0


def figures(report: Report, kinds: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """Everything a default paragraph may quote; unanswered figures count as 0."""
    apps = report.applications
    proactive = report.proactive
    appeals = report.appeals
    fee = report.processing_fee
    outcome = {key: 0 for key in ("granted", "partial", "withheld", "unable", "not_processed", "other")}
    if apps is not None:
        for row, cells in apps.outcomes():
            outcome[row.group.key] += _total(cells)

    def docs(key: str) -> dict[str, int]:
        counts = getattr(proactive, key, None) if proactive else None
        return {k: (getattr(counts, k, None) or 0) for k in labels.DOCS_KEYS}

    def appeal(key: str) -> int:
        return _total(getattr(appeals, key, None)) if appeals else 0

    year = report.year
    return {
        "organ": report.organ or "",
        "county": report.county or "",
        "year": year,
        "next_year": year + 1 if year else None,
        "we": say(f"interview.we_{organ_kind(report.organ, kinds)}"),
        "regulations": docs("regulations"),
        "normative_documents": docs("normative_documents"),
        "licensing": (proactive.licensing if proactive else None) or 0,
        "penalties": (proactive.penalties if proactive else None) or 0,
        "enforcement": (proactive.enforcement if proactive else None) or 0,
        "fees": format_amount(proactive.fees) if proactive and proactive.fees is not None else "0",
        "new": _total(apps.new) if apps else 0,
        "carried_over": _total(apps.carried_over) if apps else 0,
        "concluded": sum(outcome.values()),
        **outcome,
        "carried_forward": _total(apps.carried_forward) if apps else 0,
        "review": appeal("review"),
        "litigation": appeal("litigation_direct") + appeal("litigation_after_review"),
        "fee_cases": fee.cases if fee else None,
        "fee_amount": format_amount(fee.amount_yuan) if fee and fee.amount_yuan is not None else "0",
    }


def compose(lead: str | None, default: str, choice: dict[str, str]) -> str:
    """The printed text: the lead paragraph (if any), then the default or the official's own words."""
    if "replace" in choice:
        body = choice["replace"]
    else:
        body = default + choice.get("extend", "")
    return "\n".join(part for part in (lead, body) if part)
