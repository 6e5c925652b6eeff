"""Named conditions a catalogue step's `when` may use besides gate ids (gates: answered 是).

Each is tri-state: True / False once decided, None while the answers it depends on are missing, so a
group is zero-filled only when its condition is decided false, never before.
"""

from __future__ import annotations

from typing import Callable

from ..report.model import Report


def fee_charged(report: Report) -> bool | None:
    """六: a 信息处理费 was charged in at least one case, so its amount is asked."""
    cases = report.get("processing_fee.cases")
    return None if cases is None else cases > 0


CONDITIONS: dict[str, Callable[[Report], bool | None]] = {
    "fee_charged": fee_charged,
}
