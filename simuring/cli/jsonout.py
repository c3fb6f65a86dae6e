"""``--json FILE``: write a command's JSON report to a file, or to stdout with ``-``."""

from __future__ import annotations

from pathlib import Path

from simuring.cli.errors import UserError


def write_json(dest: str, text: str) -> None:
    """Write ``text`` (one JSON document) to ``dest``; ``-`` is stdout.

    A file that cannot be written is a :class:`UserError` naming it.
    """
    if dest == "-":
        print(text)
        return
    try:
        Path(dest).write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"--json {dest}: cannot write: {exc}") from None
