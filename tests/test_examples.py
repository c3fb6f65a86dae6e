"""The teaching examples run and show what they claim."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(name: str) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_quickstart():
    assert re.search(r"1000 NOP round trips took \d+ ns each", run("quickstart.py"))


def test_delivery_modes_show_defer_taskrun_batching():
    out = run("delivery_modes.py")
    switches = {m.group(1).strip(): int(m.group(2)) for m in re.finditer(r"(.+): (\d+) context switches", out)}
    assert switches == {"default": 8, "COOP_TASKRUN": 8, "SINGLE_ISSUER|DEFER_TASKRUN": 1}
