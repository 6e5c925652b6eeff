"""Imports flow one way: front ends → runtime → workflow → importing → dialogs → report (README, Layout).

Every import in every module is read — also those inside functions, which a lazy import hides from a
plain ``python -c "import …"`` — and a module may import only modules of its layer or below. Only the
Telegram front end imports Telegram.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nianbao

ROOT = Path(nianbao.__file__).parent
# Layer of each top-level part of the package (what a module may import: its layer and below). text.py
# renders every message and formats amounts as the report does: it sits with report/.
LAYERS = {"text": 1, "shorten": 1, "report": 1, "dialogs": 2, "importing": 3, "workflow": 4, "runtime": 5,
          "bot": 6, "console": 6, "cli": 6, "admin_cli": 6, "web": 6, "__main__": 6, "__init__": 0}
# Modules that are front ends although they live beside their layer's code: the commands' printing.
FRONT_ENDS = {"nianbao.importing.command", "nianbao.importing.diff_command"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    if module in FRONT_ENDS:
        return 6
    parts = module.split(".")
    return LAYERS[parts[1]] if len(parts) > 1 else 0


def imports(path: Path, name: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module) of every import of our own package and of telegram in ``path``."""
    name = name or module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
            found += [(node.lineno, n) for n in names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, n) for line, n in found if n.split(".")[0] in ("nianbao", "telegram")]


def test_every_import_goes_down_the_layers():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        module = module_name(path)
        for line, target in imports(path):
            if target.startswith("telegram"):
                if not module.startswith("nianbao.bot."):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target} (only bot/ speaks Telegram)")
                continue
            if target.split(".")[1:2] and target.split(".")[1] in LAYERS and layer(target) > layer(module):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def test_the_check_itself_sees_a_wrong_import(tmp_path):
    """The check finds an upward import inside a function (a lazy import), so it can fail."""
    assert layer("nianbao.workflow.admin") < layer("nianbao.bot.app")
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ..bot import app\n", encoding="utf-8")
    assert imports(probe, "nianbao.workflow.probe") == [(2, "nianbao.bot")]


def test_bot_holds_only_what_speaks_telegram():
    own = {p.stem for p in (ROOT / "bot").glob("*.py")} - {"__init__"}
    assert own == {"app", "http", "messages", "run", "startup", "telegram_channel"}, own
