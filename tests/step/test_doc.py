"""docs/step.md: its Python example runs and prints what its comments say, and
its command lines are accepted."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from simuring.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "step.md"
ROOT = DOC.parents[1]


def test_the_python_example_prints_what_it_says(capsys, monkeypatch):
    text = DOC.read_text(encoding="utf-8")
    (block,) = re.findall(r"^```python\n(.*?)^```$", text, re.S | re.M)
    exec(compile(block, str(DOC), "exec"), {"__name__": "step_doc"})
    shown = capsys.readouterr().out.splitlines()
    promised = [line.split("  # ", 1)[1] for line in block.splitlines() if line.startswith("print(")]
    assert shown == promised


def no_ui_commands() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return [line for line in re.findall(r"^simuring step .*$", text, re.M) if "--no-ui" in line]


@pytest.mark.parametrize("line", no_ui_commands())
def test_the_no_ui_command_lines_run(line, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(shlex.split(line)[1:]) == 0
    assert "» " in capsys.readouterr().out
