"""README.md's two set-up commands stay true: CI runs exactly the documented test command."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fenced_commands(text: str) -> list[str]:
    blocks = text.split("```sh\n")[1:]
    return [block.split("```", 1)[0].strip() for block in blocks]


def test_ci_runs_the_readme_test_command():
    install_and_run, run_tests = fenced_commands((ROOT / "README.md").read_text(encoding="utf-8"))[:2]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == run_tests
    assert "pytest" in run_tests and "nianbao chat" in install_and_run


def test_main_command_uses_a_shipped_script():
    from importlib import resources

    assert (resources.files("nianbao") / "examples" / "hatu-2024.script").is_file()
