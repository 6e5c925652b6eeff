"""The default paragraphs' figures, and how a narrative answer becomes the text in the report file.

A narrative answer is kept as a choice, not as text: ``{}`` (the default paragraph), ``{"replace": t}``
or ``{"extend": t}`` (default + t). The report's text is recomposed from it after every answer, so a
default paragraph always quotes the tables as they are now (「全年新收政府信息公开申请3件…」 agrees
with table 三 by construction, even after an edit).

A default paragraph says only what the answers (the tables, ``report.facts``) or the county admin's
texts (catalogue ``county_texts``, passed in as ``texts``) say: nothing else is made up.
"""

from __future__ import annotations

import re
from typing import Any

from ..report import labels
from ..report.model import Report, format_amount
from ..text import say


def organ_kind(organ: str | None, kinds: dict[str, tuple[str, ...]]) -> str:
    """town / township / street / organ, by the end of the organ's name."""
    name = organ or ""
    return next((kind for kind, endings in kinds.items() if name.endswith(endings)), "organ")


def we(report: Report, kinds: dict[str, tuple[str, ...]]) -> str:
    """How the paragraphs name the organ: 我镇 / 我乡 / 我街道 by its level (else by its name), 我县 / 我区 …
    for a county-level government, 本机关 for any other."""
    level = report.organ_level
    if level in ("town", "township", "street"):
        return say(f"interview.we_{level}")
    name = report.organ or ""
    if level == "county" and name.endswith("人民政府") and len(name) > 4 and name[-5] in "县区市旗":
        return say("facts.we_county", unit=name[-5])
    if level is None:
        return say(f"interview.we_{organ_kind(name, kinds)}")
    return say("interview.we_organ")


def sentence(text: str | None) -> str:
    """An answer or a county text as a sentence of a paragraph: trimmed, closed with 。."""
    text = (text or "").strip()
    if text and text[-1] not in "。！？!?；;":
        text += "。"
    return text


def _total(row: list[int] | None) -> int:
    return sum(row) if row else 0


def figures(report: Report, kinds: dict[str, tuple[str, ...]], *, texts: dict[str, str] | None = None,
            new_media: tuple[str, ...] = ()) -> dict[str, Any]:
    """Everything a default paragraph may quote; unanswered figures count as 0, unanswered facts are
    None (a paragraph then leaves them out). ``texts``: the county admin's texts, by name."""
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
    facts = report.facts
    published = facts.published if facts else None
    portal = report.contact.portal if report.contact else None
    portal_name = re.sub(r"（[^）]*）|\([^)]*\)", "", portal or "").strip()
    channels = [portal_name if portal_name and name == PORTAL else name
                for name in (facts.channels or [])] if facts and facts.channels else []
    decisions = [{"label": label, "count": (getattr(proactive, key, None) if proactive else None) or 0}
                 for key, label in (("licensing", labels.PROACTIVE_LABELS["licensing"]),
                                    ("penalties", labels.PROACTIVE_LABELS["penalties"]),
                                    ("enforcement", labels.PROACTIVE_LABELS["enforcement"]))]
    outcome_labels = {group.key: group.label for group in labels.OUTCOME_GROUPS}
    return {
        "organ": report.organ or "",
        "county": report.county or "",
        "year": year,
        "next_year": year + 1 if year else None,
        "we": we(report, kinds),
        # the facts answered (report.facts)
        "channels": channels,
        "new_media": any(medium in name for name in channels for medium in new_media),
        "published": published.count if published else None,
        "published_approx": bool(published and published.approx),
        "accountability": facts.accountability if facts else None,
        "accountability_note": sentence(facts.accountability_note if facts else None),
        **{key: sentence(getattr(facts, key) if facts else None) for key in ("work_points", "proposals", "innovation")},
        # the county admin's texts
        **{name: sentence(text) for name, text in (texts or {}).items()},
        "decisions": decisions,
        "fees_charged": bool(proactive and proactive.fees),
        "outcomes": [{"label": _short_outcome(outcome_labels[key]), "count": count} for key, count in outcome.items()],
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


PORTAL = "政府门户网站"  # the channel printed as the county's portal (contact.portal) when it has one


def _short_outcome(label: str) -> str:
    """「（二）部分公开（区分处理的，只计这一情形，不计其他情形）」 → 「部分公开」."""
    return re.sub(r"（[^）]*）", "", label)


def compose(lead: str | None, default: str, choice: dict[str, str], *, lead_topic: str | None = None) -> str:
    """The printed text: the lead paragraph (if any), then the default or the official's own words.

    The lead is said once: left out when the official's own words already speak of ``lead_topic``
    (六: a 信息处理费 sentence of their own).
    """
    if "replace" in choice:
        body = choice["replace"]
    else:
        body = default + choice.get("extend", "")
    own = choice.get("replace", "") + choice.get("extend", "")
    if lead_topic and lead_topic in own:
        lead = None
    return "\n".join(part for part in (lead, body) if part)
