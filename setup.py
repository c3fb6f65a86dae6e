"""setuptools' entry point: the pure package, or its hot modules compiled with mypyc.

Everything else is in pyproject.toml; what is compiled, and when, is in
build_backend/simuring_build.py (docs/speed.md, "The compiled build").
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "build_backend"))

from simuring_build import main_setup  # noqa: E402

main_setup()
