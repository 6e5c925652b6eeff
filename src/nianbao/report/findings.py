"""What `check` says about a report: one Finding per broken rule, in words an official understands."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    rule: str                      # rule id: "A", "B", "C", "D", "missing", "regulations", …
    severity: Severity
    section: str                   # verbatim heading, e.g. "三、收到和处理政府信息公开申请情况"
    message: str                   # one Chinese sentence, e.g. 「三、「自然人」列：新收 + 上年结转 = 6，…」
    row: str | None = None         # verbatim row label, when the finding is about a row
    column: str | None = None      # verbatim column label, when it is about a column
    numbers: dict[str, int | str] = field(default_factory=dict)  # the figures involved
    paths: tuple[str, ...] = ()    # report-file paths of the answers involved (for re-asking)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_data(self) -> dict:
        data = asdict(self)
        data["paths"] = list(self.paths)
        return data
