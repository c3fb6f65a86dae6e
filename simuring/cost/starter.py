"""A commented starting file for a new host profile (``simuring profiles new``).

The file names a base profile and gives no parameter of its own: it loads
to the base's values (the same :meth:`CostModel.content_hash`).  Every
parameter of the base is listed under its section as a commented-out line
with the base's value (and range), after ``##`` lines with its unit and
meaning, so the user uncomments and edits only what differs.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Final

from .model import CostModel, ParamInfo
from .profiles import looks_like_path

__all__ = ["base_reference", "starting_profile"]

WIDTH: Final = 79
"""The width the ``##`` comment lines are wrapped to."""


def _string(text: str) -> str:
    """A TOML basic string."""
    return json.dumps(text, ensure_ascii=False)


def _number(value: int | float) -> str:
    """A value as a profile writes it: ints with ``_`` separators, floats as Python prints them."""
    return f"{value:_}" if isinstance(value, int) else repr(float(value))


def _bound(value: float) -> str:
    """A range bound: an integral float written as an integer."""
    return _number(int(value)) if float(value).is_integer() else repr(float(value))


def _range(bounds: tuple[float, float]) -> str:
    return f"[{_bound(bounds[0])}, {_bound(bounds[1])}]"


def base_reference(spec: str, new_file: Path) -> str:
    """What ``base = ...`` says in ``new_file`` for the base the user gave as ``spec``.

    A built-in name stays as it is; a path (relative to the current
    directory, as the user typed it) becomes relative to the folder of
    ``new_file``, since a base path is read relative to the file that names it.
    """
    if not looks_like_path(spec):
        return spec
    try:
        relative = os.path.relpath(os.path.abspath(spec), os.path.abspath(new_file.parent))
    except ValueError:  # another drive (Windows): only an absolute path reaches it
        return Path(spec).absolute().as_posix()
    reference = Path(relative).as_posix()
    return reference if looks_like_path(reference) else f"./{reference}"


def _header(name: str, base: CostModel, usage_file: str) -> list[str]:
    """The comment block at the top: what the file is and how to use it."""
    return [
        f'# Host profile "{name}": a starting file written by `simuring profiles new`.',
        f"# It inherits every parameter from its base profile, {base.name}, except",
        "# those it gives. Each parameter of the base is below, under its section, as",
        "# a commented-out line with the base's value: to change one, uncomment its",
        '# line (delete the leading "# ") and edit the value. Add a source to say',
        "# where the number comes from, e.g.",
        '#     entry_ns = { value = 120, source = "perf trace on my host, 2026-12" }',
        "# A parameter given here replaces the base's entry whole: keep its",
        "# `range = [LOW, HIGH]` if a fit may still move it (a plain number is fixed).",
        '# The "##" lines say what each parameter is: unit, meaning, range.',
        "#",
        f"# Use it:   simuring run SCRIPT --host {usage_file}",
        f"#           simuring profiles show {usage_file} --diff   (what it changes)",
    ]


def _profile_table(name: str, base: CostModel, reference: str) -> list[str]:
    return [
        "[profile]",
        f"name = {_string(name)}",
        f"description = {_string(f'{name}: {base.name} with the changes below (say here what host this is)')}",
        f"base = {_string(reference)}",
    ]


def _parameter(param: ParamInfo) -> list[str]:
    """The ``##`` lines that describe one parameter, then its commented-out line."""
    unit = param.unit if param.range is None else f"{param.unit}, range {_range(param.range)}"
    about = f"{param.key} ({unit}): {param.meaning}"
    described = textwrap.wrap(
        about, width=WIDTH, initial_indent="## ", subsequent_indent="##   ", break_on_hyphens=False
    )
    if param.range is None:
        line = f"# {param.key} = {_number(param.value)}"
    else:
        line = f"# {param.key} = {{ value = {_number(param.value)}, range = {_range(param.range)} }}"
    return [*described, line]


def starting_profile(name: str, reference: str, base: CostModel, usage_file: str) -> str:
    """The text of a new profile ``name`` whose ``base = reference`` is the profile ``base``.

    ``usage_file`` is how the header's example commands name the file.
    Every parameter is commented out, so the text loads to ``base``'s values.
    """
    lines = [*_header(name, base, usage_file), "", *_profile_table(name, base, reference)]
    section = None
    for param in base.describe():
        if param.section != section:
            section = param.section
            lines += ["", f"[{section}]"]
        lines += _parameter(param)
    return "\n".join(lines) + "\n"
