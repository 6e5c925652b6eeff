"""Repeated text: each narrative against the organ's previous-year report and against its default paragraph.

An assessment rule in use deducts points when a report repeats last year's text by more than 50 %; the
shipped default paragraphs are the same for every organ, so a text mostly made of one is boilerplate.

The measure is *coverage by shared character n-grams*: the share of this year's characters that lie in
some run of ``NGRAM`` consecutive characters also found in the reference. Why this one:

* Chinese has no spaces, so a word measure needs a segmenter (not a dependency here); character n-grams
  are the usual unit for Chinese near-duplicate detection and need none.
* It answers the assessor's question — how much of *this year's* text was already there — and is not
  diluted by a long reference (last year's whole report) nor by a few sentences added to a copy, as a
  symmetric ratio (difflib ``ratio``, Jaccard) is.
* 8 characters is longer than the stock terms every report shares (政府信息公开 is 6), so two texts written
  independently share little, while a copy with a few changed words stays covered around the changes.
  Digits are folded to one symbol first (a copy with this year's figures is still a copy), and blanks
  and punctuation are dropped.
* Cost is linear: one set of n-gram hashes per reference, one pass over the text — O(len(text) +
  len(reference)), bounded by the model's 20,000-character limit per text (``MAX_CHARS`` caps it again
  for any caller). ``difflib.SequenceMatcher`` is quadratic in the worst case and its junk heuristic
  changes the result above 200 characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from .findings import Finding
from .model import Report
from .rulebase import NARRATIVES, finding

NGRAM = 8
THRESHOLD_PERCENT = 50   # more than this warns
MIN_CHARS = 20           # shorter texts (「无。」, one formula sentence) are not compared
MAX_CHARS = 20_000       # the model's Text limit; a longer text is compared on its first MAX_CHARS


def normalize(text: str) -> str:
    """Letters and characters only, digits folded to 0: what a copy keeps when it is touched up."""
    out = []
    for ch in text[:MAX_CHARS]:
        category = unicodedata.category(ch)
        if category == "Nd":
            out.append("0")
        elif category[0] in "LN":  # letters (汉字 are Lo) and other numerals
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=16)
def _grams(text: str) -> frozenset[int]:
    plain = normalize(text)
    return frozenset(hash(plain[i:i + NGRAM]) for i in range(len(plain) - NGRAM + 1))


def coverage(text: str, *references: str) -> float:
    """Share (0…1) of ``text``'s characters inside an ``NGRAM``-run that also occurs in a reference."""
    plain = normalize(text)
    if len(plain) < NGRAM:
        return 0.0
    known: frozenset[int] = frozenset().union(*(_grams(r) for r in references if r))
    if not known:
        return 0.0
    covered = reach = 0  # characters covered so far; the end of the last shared run
    for i in range(len(plain) - NGRAM + 1):
        if hash(plain[i:i + NGRAM]) in known:
            covered += i + NGRAM - max(i, reach)
            reach = i + NGRAM
    return covered / len(plain)


def percent(text: str, *references: str) -> int:
    return round(coverage(text, *references) * 100)


def repetition_findings(report: Report, previous: Report | None,
                        defaults: Mapping[str, str] | None) -> list[Finding]:
    """A warning per narrative that repeats ``previous`` (the organ's report for an earlier year: all of
    its narratives, so text moved between sections counts too) or its own default paragraph
    (``defaults``: report path → text, e.g. {"problems": "一是…"}) by more than THRESHOLD_PERCENT.

    One warning per narrative; last year's report is named first when both apply.
    """
    last_texts = [t for item in NARRATIVES if previous is not None and (t := previous.get(item.path))]
    findings = []
    for item in NARRATIVES:
        text: str | None = report.get(item.path)
        if not text or len(normalize(text)) < MIN_CHARS:
            continue
        candidates = [("last_year", percent(text, *last_texts) if last_texts else 0)]
        default = (defaults or {}).get(item.path)
        if default:
            candidates.append(("default", percent(text, default)))
        source, share = next(((s, p) for s, p in candidates if p > THRESHOLD_PERCENT), (None, 0))
        if source is None:
            continue
        findings.append(finding(
            "narrative_repeated", item.section, severity="warning", label=item.label,
            paths=(item.path,), numbers={"percent": share}, source=source,
            last_year=previous.year if previous is not None else None, threshold=THRESHOLD_PERCENT))
    return findings
