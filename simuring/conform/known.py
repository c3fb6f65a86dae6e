"""The known-differences file: scenario name -> the documented reason it differs.

The file (``known_differences.toml``, package data) maps each listed
scenario to a one-line reason; a listed scenario that differs is reported
as "known" rather than "differs".
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path


class KnownDifferencesError(ValueError):
    """The known-differences file is not a table of scenario name = "reason"."""


def load_known(path: str | Path | None = None) -> dict[str, str]:
    """The known differences: the package's file, or ``path``."""
    if path is None:
        text = resources.files("simuring.conform").joinpath("known_differences.toml").read_text(encoding="utf-8")
        where = "known_differences.toml"
    else:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise KnownDifferencesError(f"{where}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KnownDifferencesError(f"{where}: {exc}") from None
    bad = [k for k, v in data.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        raise KnownDifferencesError(f"{where}: {bad[0]!r} must map to a non-empty reason string")
    return dict(data)
