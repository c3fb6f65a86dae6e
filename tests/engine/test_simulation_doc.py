"""Every ```python block of docs/simulation.md runs as it is, each on its own, and
prints what its comments say (``print(x)  # shown``; ``...`` stands for anything)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulation.md"


def python_blocks() -> list[tuple[int, str]]:
    """(first line, source) of each fenced ```python block."""
    text = DOC.read_text(encoding="utf-8")
    blocks = []
    for match in re.finditer(r"^```python\n(.*?)^```$", text, re.S | re.M):
        blocks.append((text.count("\n", 0, match.start()) + 2, match.group(1)))
    return blocks


def promised_lines(source: str) -> list[str]:
    """The comment of each ``print(...)  # comment`` line, in order."""
    return [line.split("  # ", 1)[1] for line in source.splitlines() if line.lstrip().startswith("print(") and "  # " in line]


def matches(promise: str, shown: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in promise.split("..."))
    return re.fullmatch(pattern, shown) is not None


def test_the_page_has_examples():
    assert len(python_blocks()) >= 6


def test_a_promise_may_elide_with_dots():
    assert matches("{...} -EINVAL", "{'a': 1} -EINVAL") and not matches("{...} -EINVAL", "{'a': 1} -EPERM")


@pytest.mark.parametrize(("line", "source"), python_blocks(), ids=[f"line{line}" for line, _ in python_blocks()])
def test_example_runs_and_prints_what_it_says(line, source, capsys):
    exec(compile(source, f"{DOC}:{line}", "exec"), {"__name__": "simulation_doc_example"})
    shown = capsys.readouterr().out.splitlines()
    promised = promised_lines(source)
    assert promised and len(shown) == len(promised), shown
    for promise, out in zip(promised, shown, strict=True):
        assert matches(promise, out), f"{DOC.name}:{line}: promised {promise!r}, printed {out!r}"
