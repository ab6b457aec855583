"""The README's first screen holds the two set-up commands, and CI runs its test command."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _code_lines(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
            continue
        if inside and line.strip() and not line.lstrip().startswith("#"):
            lines.append(line.strip())
    return lines


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_screen = readme.splitlines()[:40]
    commands = _code_lines("\n".join(first_screen))
    install, tests = commands[0], commands[1]
    assert "pip install" in install and "crime-outcomes" in install
    assert "pytest" in tests
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-1].strip() == tests


def test_readme_states_every_story_definition():
    from crime_outcomes.analysis.model import DEFINITIONS

    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    for key, text in DEFINITIONS.items():
        assert " ".join(text.split()) in readme, f"README lacks the definition of {key!r}"
