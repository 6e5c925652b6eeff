"""The default paragraph each narrative would get for a report's figures, as the interview renders it.

For the repetition check (report/repetition.py): a text mostly made of the default is boilerplate. The
lead paragraphs (六's fee statement) are left out: composed from the answers, meant to read the same
every year.
"""

from __future__ import annotations

from datetime import date

from ..report.model import Report
from . import quick
from .interview import Interview
from .prompts import Prompts


def default_texts(report: Report, prompts: Prompts | None = None) -> dict[str, str]:
    """Report path → the default paragraph (the shipped one, or a county's through ``prompts``)."""
    interview = Interview(today=date.today(), prompts=prompts)
    interview.report = report  # what the paragraphs quote is the interview's business: ask it
    figures = quick.figures(interview)
    return {step.path: interview.prompts.narrative(step.narrative, report.county, **figures)
            for step in interview.catalogue.steps if step.kind == "narrative" and step.path and step.narrative}
