"""The `nianbao` command line: render, check and sample a report file; import a published one, diff two years.

Each subcommand is one row of COMMANDS: a function that declares its arguments and one that runs
it and returns the exit code. Adding a subcommand (e.g. `chat`) is a row plus a `help_<name>` line
in templates/text/cli.toml.

Exit codes: 0 done (warnings allowed), 1 the report has errors or the command refused (existing
file, errors without --force), 2 the input could not be used (usage, unreadable file, invalid JSON,
invalid report file). Expected failures print Chinese messages, never a traceback.
"""

from __future__ import annotations

import argparse
from importlib import import_module
import json
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, TextIO

from pydantic import ValidationError

from .report.findings import Finding
from .report.model import Report
from .report.file_errors import MAX_NESTING, describe_validation_error, too_deep
from .text import say

SAMPLE_NAME = "hatu-2024.json"

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class CliFailure(Exception):
    """An expected failure: Chinese messages for stderr and the exit code to return."""

    def __init__(self, messages: list[str], code: int) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages
        self.code = code


class ReportFileError(CliFailure):
    """A report file that cannot be used: unreadable, not JSON, or not a valid report."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages, EXIT_BAD_INPUT)


# ---- reading a report file ----------------------------------------------------------------------


# A report file is a few kilobytes, nested four levels deep; far beyond either is no report file, and
# is refused before the JSON parser (whose recursion and big-integer limits raise, not report) sees it.
MAX_FILE_BYTES = 2_000_000


def load_report(path: str | Path) -> Report:
    """The report in ``path``, or ReportFileError with one message per problem."""
    shown = str(path)
    try:
        if Path(path).stat().st_size > MAX_FILE_BYTES:
            raise ReportFileError([say("cli.file_too_big", path=shown, limit=MAX_FILE_BYTES // 1000)])
        raw = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise ReportFileError([say("cli.file_missing", path=shown, reason=exc.strerror)]) from None
    except OSError as exc:
        raise ReportFileError([say("cli.file_unreadable", path=shown, reason=exc.strerror or exc)]) from None
    try:
        text = raw.decode("utf-8-sig")  # a BOM is what Windows Notepad writes: accept it
    except UnicodeDecodeError as exc:
        raise ReportFileError([say("cli.file_not_utf8", path=shown, reason=exc)]) from None
    if too_deep(text):
        raise ReportFileError([say("cli.json_too_deep", path=shown, limit=MAX_NESTING)])
    # json first: pydantic's JSON errors carry no line and column, and officials edit these by hand.
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportFileError([say("cli.json_invalid", path=shown, line=exc.lineno,
                                   column=exc.colno, reason=exc.msg)]) from None
    except (ValueError, RecursionError):  # an integer of thousands of digits
        raise ReportFileError([say("cli.json_number_too_long", path=shown)]) from None
    try:
        return Report.from_json(text)
    except ValidationError as exc:
        problems = describe_validation_error(exc)
        raise ReportFileError([say("cli.report_invalid", path=shown, count=len(problems)), *problems]) from None


# ---- printing findings -------------------------------------------------------------------------


def print_findings(findings: list[Finding], out: TextIO) -> None:
    for f in findings:
        tag = say("cli.tag_error") if f.is_error else say("cli.tag_warning")
        print(say("cli.finding", tag=tag, message=f.message), file=out)
    errors = sum(f.is_error for f in findings)
    if findings:
        print(say("cli.summary", errors=errors, warnings=len(findings) - errors), file=out)
    else:
        print(say("cli.no_findings"), file=out)


def _check(report: Report, last_year: Report | None = None) -> list[Finding]:
    from .report.rules import check  # imported when used: `sample` needs no rules

    return check(report, last_year=last_year)


def _with_repetition(report: Report, last_year: Report | None, findings: list[Finding]) -> list[Finding]:
    """``findings`` with the repeated-text warnings inserted before the "missing" ones."""
    from .dialogs.defaults import default_texts  # the report layer must not import dialogs; the CLI may
    from .report.repetition import repetition_findings

    repeated = repetition_findings(report, last_year, default_texts(report))
    cut = next((i for i, f in enumerate(findings) if f.rule == "missing"), len(findings))
    return findings[:cut] + repeated + findings[cut:]


MAX_GAPS_SHOWN = 8


# ---- subcommands -------------------------------------------------------------------------------


def _render_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("report", metavar="REPORT.json", help=say("cli.arg_report"))
    p.add_argument("-o", "--output", metavar="OUT.docx", help=say("cli.arg_output_docx"))
    p.add_argument("--final", action="store_true", help=say("cli.arg_final"))
    p.add_argument("--force", action="store_true", help=say("cli.arg_force_render"))


def run_render(args: argparse.Namespace) -> int:
    report = load_report(args.report)
    findings = _check(report)
    print_findings(findings, sys.stdout)
    errors = sum(f.is_error for f in findings)
    if errors and not args.force:
        raise CliFailure([say("cli.render_refused", errors=errors)], EXIT_FINDINGS)
    if args.final:  # a final report never prints 「待填写」: --force does not override this
        from .report.final import final_gaps

        gaps = final_gaps(report)
        if gaps:
            raise CliFailure([say("cli.final_refused", gaps=gaps[:MAX_GAPS_SHOWN], total=len(gaps),
                                  more=len(gaps) > MAX_GAPS_SHOWN)], EXIT_FINDINGS)
    from .report.docx_render import write_docx  # python-docx is only needed here

    draft = not args.final
    out = Path(args.output) if args.output else default_docx_path(report, draft=draft)
    try:
        write_docx(report, out, draft=draft)
    except OSError as exc:
        raise CliFailure([say("cli.write_failed", path=out, reason=exc.strerror or exc)], EXIT_BAD_INPUT) from None
    print(say("cli.render_done", path=out))
    return EXIT_OK


def default_docx_path(report: Report, *, draft: bool) -> Path:
    """「<title>（草稿）.docx」 in the current directory; characters no file system accepts become _."""
    name = say("cli.docx_name", title=report.title, draft=draft, marker=say("common.draft_marker"))
    return Path(re.sub(r'[\\/:*?"<>|]', "_", name))


def _check_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("report", metavar="REPORT.json", help=say("cli.arg_report"))
    p.add_argument("--last-year", metavar="LAST.json", help=say("cli.arg_last_year"))
    p.add_argument("--json", action="store_true", help=say("cli.arg_json"))


def run_check(args: argparse.Namespace) -> int:
    report = load_report(args.report)
    last_year = load_report(args.last_year) if args.last_year else None
    findings = _with_repetition(report, last_year, _check(report, last_year))
    findings = _printed_findings(args.report, report, findings, quiet=args.json)
    if args.json:
        print(json.dumps([f.to_data() for f in findings], ensure_ascii=False, indent=2))
    else:
        print_findings(findings, sys.stdout)
    return EXIT_FINDINGS if any(f.is_error for f in findings) else EXIT_OK


def _printed_findings(path: str, report: Report, findings: list[Finding], *, quiet: bool) -> list[Finding]:
    """``findings`` with rules B–D on the totals an import printed, when ``REPORT.printed.json`` is there
    (importing/printed.py); the errors go first, as in ``check``."""
    from .importing.printed import load_side

    side, loaded = load_side(path)
    if loaded is None:
        return findings
    if isinstance(loaded, str):
        print(say("importing.check_side_invalid", side=side, reason=loaded), file=sys.stderr)
        return findings
    from .importing.printed import check as check_printed

    if not quiet:
        print(say("importing.check_side", side=side))
        if loaded.complete is False:
            print(say("importing.check_side_incomplete", side=side, count=len(loaded.gaps)))
    printed = check_printed(report, loaded)
    return [f for f in printed if f.is_error] + findings + [f for f in printed if not f.is_error]


def _sample_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="PATH", default=SAMPLE_NAME, help=say("cli.arg_output_sample"))
    p.add_argument("--force", action="store_true", help=say("cli.arg_force_sample"))


def sample_text() -> str:
    """The sample report file shipped with the package (托里县哈图镇 2024)."""
    return (resources.files("nianbao") / "examples" / SAMPLE_NAME).read_text(encoding="utf-8")


def run_sample(args: argparse.Namespace) -> int:
    out = Path(args.output)
    try:
        # "x" refuses an existing file atomically; --force overwrites.
        with out.open("w" if args.force else "x", encoding="utf-8") as fh:
            fh.write(sample_text())
    except FileExistsError:
        raise CliFailure([say("cli.sample_exists", path=out)], EXIT_FINDINGS) from None
    except OSError as exc:
        raise CliFailure([say("cli.write_failed", path=out, reason=exc.strerror or exc)], EXIT_BAD_INPUT) from None
    print(say("cli.sample_done", path=out))
    return EXIT_OK


@dataclass(frozen=True)
class Command:
    name: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _lazy(name: str, module: str) -> Command:
    """A subcommand whose module (the console chat, the Telegram bot) is imported only when used."""

    def arguments(parser: argparse.ArgumentParser) -> None:
        import_module(module).add_arguments(parser)

    def run(args: argparse.Namespace) -> int:
        return import_module(module).run(args)

    return Command(name, arguments, run)


COMMANDS: tuple[Command, ...] = (
    Command("render", _render_arguments, run_render),
    Command("check", _check_arguments, run_check),
    Command("sample", _sample_arguments, run_sample),
    _lazy("import", "nianbao.importing.command"),
    _lazy("diff", "nianbao.importing.diff_command"),
    _lazy("chat", "nianbao.console"),
    _lazy("run", "nianbao.bot.run"),
    _lazy("web", "nianbao.web.run"),
    _lazy("admin", "nianbao.admin_cli"),
)


# ---- entry point -------------------------------------------------------------------------------


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() can answer in Chinese and return 2."""

    def error(self, message: str):  # type: ignore[override]
        raise _UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nianbao", description=say("cli.description"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=say(f"cli.help_{command.name}"),
                           description=say(f"cli.help_{command.name}"))
        command.arguments(p)
        p.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as exc:
        print(say("cli.usage_error", reason=exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except SystemExit as exc:  # --help / --version print and exit
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    try:
        return args.run(args)
    except CliFailure as failure:
        for message in failure.messages:
            print(message, file=sys.stderr)
        return failure.code

