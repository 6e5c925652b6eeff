"""Benchmark: validating a report file (Report.from_json + rules.check) and rendering its .docx.

    python bench/render.py [--runs N]

Prints the median of many runs of each step against its target, and the .docx size.
"""

from __future__ import annotations

import argparse

from benchkit import median_ms  # bench/ is on the path: scripts run as python bench/<name>.py

TARGETS_MS = {"validate": 1.0, "render": 150.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="render runs (validate runs 10× as many)")
    args = parser.parse_args()

    # Imported here so the benchmark names what it measures in one place.
    from nianbao.report.docx_render import render_docx
    from nianbao.report.model import Report
    from nianbao.report.rules import check
    from nianbao.report.synth import consistent_report

    report = consistent_report(scale=1000)  # a city's thousands of applications, full narratives
    text = report.to_json()
    validate = median_ms(lambda: check(Report.from_json(text)), args.runs * 10)
    render = median_ms(lambda: render_docx(report), args.runs)
    size_kb = len(render_docx(report)) / 1024

    print(f"{'step':<36}{'median':>12}{'target':>12}")
    print(f"{'validate (from_json + rules.check)':<36}{validate:>9.3f} ms{'< 1 ms':>12}")
    print(f"{'render .docx (render_docx)':<36}{render:>9.1f} ms{'< 150 ms':>12}")
    print(f"{'.docx size':<36}{size_kb:>9.1f} KB")
    failed = [name for name, value in (("validate", validate), ("render", render)) if value >= TARGETS_MS[name]]
    if failed:
        raise SystemExit("over target: " + ", ".join(failed))


if __name__ == "__main__":
    main()
