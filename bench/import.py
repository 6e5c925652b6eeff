"""Benchmark: importing a published report, per form (docx / html / pdf / text).

    python bench/import.py [--runs N]

The report is synth.distinct_report() rendered by nianbao (.docx), converted by LibreOffice (PDF, HTML;
those rows are skipped when soffice is missing), and flattened to text in two ways: pipes (tests/importkit)
the real township report tests/data/hatu-2024-report.txt, and the real web pages in tests/data/real/. Each row is the
median of N runs (default 30, at least 20) of import_bytes on the file's bytes, parsing included; every
run must read the report complete. Target: < 300 ms per report.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 300.0


def median_ms(data: bytes, name: str, runs: int) -> float:
    from nianbao.importing import import_bytes

    result = import_bytes(data, name)  # warm up: imports, caches
    if result.cells_read < 20:  # (a real report may leave a printed blank unread: a gap, not a failure)
        raise SystemExit(f"{name}: import read {result.cells_read} cells: {result.gaps[:3]}")
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        import_bytes(data, name)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def inputs(folder: Path) -> list[tuple[str, str, bytes]]:
    from nianbao.report.docx_render import render_docx
    from nianbao.report.synth import distinct_report

    sys.path.insert(0, str(ROOT / "tests"))
    from importkit import Style, to_text

    report = distinct_report()
    docx = render_docx(report)
    (folder / "report.docx").write_bytes(docx)
    out = [("docx", "report.docx", docx)]
    soffice = shutil.which("soffice")
    for form in ("html", "pdf"):
        if soffice is None:
            print(f"{form}: skipped (soffice not installed)")
            continue
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to", form,
                        "--outdir", str(folder), str(folder / "report.docx")], check=True, capture_output=True)
        out.append((form, f"report.{form}", (folder / f"report.{form}").read_bytes()))
    out.append(("text (pipes)", "report.txt", to_text(report, Style(), pipes=True)))
    hatu = ROOT / "tests" / "data" / "hatu-2024-report.txt"
    out.append(("text (hatu-2024)", hatu.name, hatu.read_bytes()))
    for path in sorted((ROOT / "tests" / "data" / "real").glob("*.htm*")):  # real published web pages
        out.append((f"html ({path.stem})", path.name, path.read_bytes()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    runs = max(args.runs, 20)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [(form, len(data), median_ms(data, name, runs)) for form, name, data in inputs(Path(tmp))]
    print(f"{'form':<20}{'size':>10}{'median':>12}{'target':>12}   ({runs} runs each)")
    for form, size, ms in rows:
        print(f"{form:<20}{size / 1024:>7.1f} KB{ms:>9.1f} ms{'< 300 ms':>12}")
    slow = [form for form, _, ms in rows if ms >= TARGET_MS]
    if slow:
        raise SystemExit("over target: " + ", ".join(slow))


if __name__ == "__main__":
    main()
