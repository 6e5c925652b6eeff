"""`nianbao chat`: the interview in a terminal — the same engine the Telegram bot drives.

Buttons are shown as numbered choices that cannot be taken for an answer: 「[#1] 采用  [#2] 补充」.
Typing ``#1`` (or ``[1]``, ``＃1``) presses the first one on every screen; ``#default`` presses a
button by its id. A bare 「1」 is an answer wherever the question takes a number (a count, a row, a new
answer while a warning waits, 修改 N in the review) and presses the button only where nothing typed
could be a number (yes/no, a paragraph, a name). Progress is saved
to a JSON state file after every line, so an interrupted chat resumes where it stopped. At 「生成」 the
report file (JSON) and the .docx draft are written to ``--out`` and the saved progress is removed.

``--script FILE`` feeds the answers one per line (echoed, for demos and tests); lines starting with
「# 」 are comments. ``--sample`` feeds the shipped 托里县哈图镇 2024 script. A scripted run always starts
from a blank interview.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator, TextIO

from .dialogs.interview import Interview
from .dialogs.scripted import feed, script_lines, shown_buttons
from .text import say

DEFAULT_STATE = Path(".nianbao") / "chat.json"
SAMPLE_SCRIPT = "hatu-2024.script"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--script", metavar="FILE", type=Path, help=say("interview.console_arg_script"))
    parser.add_argument("--state", metavar="PATH", type=Path, default=DEFAULT_STATE,
                        help=say("interview.console_arg_state"))
    parser.add_argument("--out", metavar="DIR", type=Path, default=Path("."), help=say("interview.console_arg_out"))
    parser.add_argument("--sample", action="store_true", help=say("interview.console_arg_sample"))
    parser.add_argument("--fresh", action="store_true", help=say("interview.console_arg_fresh"))


def run(args: argparse.Namespace) -> int:
    return run_chat(script=args.script, state=args.state, out=args.out, sample=args.sample, fresh=args.fresh)


def run_chat(*, script: Path | None = None, state: Path = DEFAULT_STATE, out: Path = Path("."),
             sample: bool = False, fresh: bool = False, today: date | None = None,
             read_line: Callable[[str], str] | None = None, output: TextIO | None = None) -> int:
    """The chat loop; returns the exit code (0: done or progress saved, 2: unreadable script)."""
    output = output or sys.stdout

    def show(text: str) -> None:
        print(text, file=output)

    try:
        lines = _script_lines(script, sample)
    except OSError:
        show(say("interview.console_no_script", path=script))
        return 2
    interview = _load(state, fresh or lines is not None, today or date.today(), show)
    read_line = read_line or (_interactive() if lines is None else None)
    replies = interview.start()
    while True:
        for reply in replies:
            show(reply.text)
            if reply.buttons:
                show(say("interview.console_choices", labels=[b.label for b in reply.buttons], prefix="#"))
        if any(r.render for r in replies):
            _write_outputs(interview, out, show)
            state.unlink(missing_ok=True)
            return 0
        try:
            line = next(lines) if lines is not None else read_line("> ")
        except (StopIteration, EOFError, KeyboardInterrupt):
            show(say("interview.console_script_done" if lines is not None else "interview.console_saved",
                     path=state))
            return 0
        if lines is not None:
            show(f"> {line}")
        replies = feed(interview, line, shown_buttons(replies))
        _save(interview, state)


def _script_lines(script: Path | None, sample: bool) -> Iterator[str] | None:
    """The scripted answers, or None for an interactive chat; OSError if the script cannot be read."""
    if script is None and not sample:
        return None
    source = script if script is not None else resources.files("nianbao") / "examples" / SAMPLE_SCRIPT
    return iter(script_lines(source.read_text(encoding="utf-8")))


def _load(state: Path, fresh: bool, today: date, show: Callable[[str], None]) -> Interview:
    if fresh or not state.exists():
        return Interview.new(today=today)
    try:
        interview = Interview.from_json(state.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        backup = state.with_name(state.name + ".bad")
        os.replace(state, backup)
        show(say("interview.console_bad_state", path=state, reason=type(exc).__name__, backup=backup))
        return Interview.new(today=today)
    show(say("interview.console_resumed", path=state))
    return interview


def _save(interview: Interview, state: Path) -> None:
    """Written to a temporary file first, so a crash never leaves half a state file."""
    state.parent.mkdir(parents=True, exist_ok=True)
    temporary = state.with_name(state.name + ".tmp")
    temporary.write_text(interview.to_json(), encoding="utf-8")
    os.replace(temporary, state)


def _write_outputs(interview: Interview, out: Path, show: Callable[[str], None]) -> None:
    from .cli import default_docx_path  # the CLI imports this module: import at use
    from .report.docx_render import write_docx

    out.mkdir(parents=True, exist_ok=True)
    docx = out / default_docx_path(interview.report, draft=True).name
    report = docx.with_suffix(".json")
    report.write_text(interview.report.to_json(), encoding="utf-8")
    write_docx(interview.report, docx, draft=True)
    show(say("interview.console_written", report=report, docx=docx))


def _interactive() -> Callable[[str], str]:
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:
        pass
    return input
