"""The ``simuring profiles`` sub-command: list the built-in host profiles, show one, start one.

``simuring profiles`` (or ``profiles list``) lists the built-in profiles;
``simuring profiles show NAME|PATH [--diff] [--long|--json] [--set SECTION.KEY=VALUE ...]``
prints a profile's parameters: by default one line each (``key = value unit``,
grouped by section, marked when the file sets them over its base or ``--set``
does, with their range when they have one), ``--long`` a table with every
parameter's unit, meaning and source, ``--json`` all of it as JSON;
``--diff`` keeps only the parameters that are not inherited from the base.
``simuring profiles new NAME --base BASE [--out FILE] [--force]`` writes a
commented starting file that inherits everything from BASE. ProfileError and
UserError are left to the main CLI, which reports them and exits 2.
"""

from __future__ import annotations

import argparse
import json
import re
import textwrap
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table
from rich.text import Text

from simuring.cli.errors import UserError
from simuring.cost import CostModel, CostSection, ParamInfo, list_profiles, load_profile
from simuring.cost.model import SET_SOURCE
from simuring.cost.starter import base_reference, starting_profile
from simuring.engine.plugins import cost_sections

WIDTH: Final = 80
"""The compact view fits a terminal this wide."""
SET_IN_FILE: Final = "*"
SET_ON_COMMAND_LINE: Final = "+"
_NEW_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def profile_sections() -> Sequence[type[CostSection]]:
    """The sections a profile gives besides the core ones: the kernel's and the installed plug-ins'."""
    return cost_sections()


def _format_value(value: int | float) -> str:
    return f"{value:_}" if isinstance(value, int) else repr(value)


def _format_range(bounds: tuple[float, float]) -> str:
    """``[LOW, HIGH]``, integral bounds written as integers."""
    low, high = (_format_value(int(b)) if float(b).is_integer() else repr(b) for b in bounds)
    return f"[{low}, {high}]"


def _list(_args: argparse.Namespace) -> int:
    table = Table(title="Built-in host profiles", title_justify="left")
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("description")
    for name, description in list_profiles():
        table.add_row(Text(name), Text(description))
    Console().print(table)
    return 0


# --------------------------------------------------------------------------- show


def _title(model: CostModel) -> str:
    """``profile NAME (where it is)``, and its base if it has one."""
    where = "built-in" if model.origin == model.name else model.origin
    base = f", base {model.base}" if model.base is not None else ""
    return f"profile {model.name} ({where}){base}"


def _mark(model: CostModel, param: ParamInfo) -> str:
    """The compact view's mark of a parameter: set by --set, set by the file over
    its base, or nothing (inherited, or a profile without a base)."""
    if param.source.startswith(SET_SOURCE):
        return SET_ON_COMMAND_LINE
    if model.base is not None and not param.inherited:
        return SET_IN_FILE
    return " "


def _shown(model: CostModel, diff: bool) -> list[ParamInfo]:
    """The parameters to show: all, or with ``diff`` those not inherited from the base."""
    return [p for p in model.describe() if not (diff and p.inherited)]


def _legend(model: CostModel, params: Sequence[ParamInfo]) -> list[str]:
    """One line per mark that the shown parameters use."""
    marks = {_mark(model, p) for p in params}
    lines = []
    if SET_IN_FILE in marks:
        lines.append(f"{SET_IN_FILE} set in {model.origin} (the others are inherited from {model.base})")
    if SET_ON_COMMAND_LINE in marks:
        lines.append(f"{SET_ON_COMMAND_LINE} set by --set")
    if any(p.range is not None for p in params):
        lines.append("range [LOW, HIGH]: a fit may move the value within it")
    return lines


def _section_lines(model: CostModel, section: str, params: Sequence[ParamInfo]) -> list[str]:
    """``[section]``, then ``MARK key = value unit  range [LOW, HIGH]`` aligned within it."""
    key_width = max(len(p.key) for p in params)
    values = [f"{_format_value(p.value)} {p.unit}" for p in params]
    value_width = max(len(v) for v in values)
    lines = [f"[{section}]"]
    for param, value in zip(params, values, strict=True):
        line = f"{_mark(model, param)} {param.key:<{key_width}} = {value:<{value_width}}"
        if param.range is not None:
            line += f"  range {_format_range(param.range)}"
        lines.append(line.rstrip())
    return lines


def compact_view(model: CostModel, diff: bool = False) -> str:
    """The default ``profiles show`` view: one line per parameter, grouped by section."""
    params = _shown(model, diff)
    lines = [_title(model)]
    lines += textwrap.wrap(model.description, WIDTH, initial_indent="  ", subsequent_indent="  ")
    lines.append(f"  content hash {model.content_hash()}")
    lines += [f"  {line}" for line in _legend(model, params)]
    if not params:
        lines += ["", f"no parameter is set here: every one is inherited from {model.base}"]
    for section, in_section in groupby(params, key=lambda p: p.section):
        lines += ["", *_section_lines(model, section, list(in_section))]
    return "\n".join(lines) + "\n"


def _long_view(model: CostModel, params: Sequence[ParamInfo]) -> None:
    """``profiles show --long``: a table with every parameter's unit, meaning and source."""
    console = Console()
    console.print(Text(_title(model), style="bold"))
    console.print(Text(model.description))
    table = Table(show_lines=False)
    table.add_column("parameter", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("range (fitted)", justify="right", no_wrap=True)
    table.add_column("unit", no_wrap=True)
    table.add_column("meaning")
    table.add_column("source")
    for p in params:
        table.add_row(
            Text(p.dotted),
            Text(_format_value(p.value)),
            Text("" if p.range is None else f"{p.range[0]:g} – {p.range[1]:g}"),
            Text(p.unit),
            Text(p.meaning),
            Text(p.source),
        )
    console.print(table)


def _json_view(model: CostModel, params: Sequence[ParamInfo]) -> str:
    doc: dict[str, Any] = {
        "name": model.name,
        "description": model.description,
        "origin": model.origin,
        "base": model.base,
        "content_hash": model.content_hash(),
        "parameters": [{"name": p.dotted, **p.to_dict()} for p in params],
    }
    return json.dumps(doc, indent=2)


def _show(args: argparse.Namespace) -> int:
    model = load_profile(args.profile, profile_sections())
    if args.set:
        model = model.with_overrides(args.set)
    if args.json:
        print(_json_view(model, _shown(model, args.diff)))
    elif args.long:
        _long_view(model, _shown(model, args.diff))
    else:
        print(compact_view(model, args.diff), end="")
    return 0


# --------------------------------------------------------------------------- new


def _new_name(text: str) -> str:
    """The profile name of ``profiles new NAME`` (a trailing ".toml" dropped)."""
    name = text.removesuffix(".toml")
    if not _NEW_NAME.fullmatch(name):
        raise UserError(
            f"profiles new: {text!r}: a profile name is letters, digits, '.', '_' and '-' "
            "(it names the file NAME.toml)"
        )
    return name


def _out_path(args: argparse.Namespace, name: str) -> Path:
    """Where ``profiles new`` writes: --out, or NAME.toml here; never over a file without --force."""
    out = Path(args.out) if args.out else Path(f"{name}.toml")
    if out.is_dir():
        raise UserError(f"profiles new: {out}: is a directory (give --out FILE)")
    if not out.parent.is_dir():
        raise UserError(f"profiles new: {out}: no such directory {str(out.parent)!r}")
    if out.exists() and not args.force:
        raise UserError(f"profiles new: {out} exists (give --force to overwrite it)")
    return out


def _new(args: argparse.Namespace) -> int:
    name = _new_name(args.name)
    out = _out_path(args, name)
    base = load_profile(args.base, profile_sections())
    out.write_text(starting_profile(name, base_reference(args.base, out), base, str(out)))
    print(f"wrote {out}: profile {name}, every parameter inherited from {base.name}")
    print(f"uncomment and edit what differs, then: simuring run SCRIPT --host {out}")
    return 0


# --------------------------------------------------------------------------- the parser


def _handler(args: argparse.Namespace) -> int:
    command = getattr(args, "profiles_command", None)
    if command == "show":
        return _show(args)
    if command == "new":
        return _new(args)
    return _list(args)


def _add_show(commands: Any) -> None:
    show = commands.add_parser(
        "show",
        help="print a profile's parameters (one line each; --long: unit, meaning, source)",
        description=(
            "Print a profile's parameters. By default one line each, 'key = value unit', "
            "grouped by section: '*' marks a parameter the file sets over its base (the "
            "others are inherited), '+' one --set changes, and a parameter a fit may move "
            "shows its range. --long prints a table with every parameter's unit, meaning "
            "and source; --json prints JSON."
        ),
    )
    show.add_argument("profile", metavar="NAME|PATH", help="built-in profile name or .toml path")
    show.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one parameter (repeatable), e.g. --set sched.wakeup_ns=500",
    )
    show.add_argument(
        "--diff",
        action="store_true",
        help="only the parameters not inherited from the base: those the file sets, "
        "and --set's (a profile without a base sets every one)",
    )
    view = show.add_mutually_exclusive_group()
    view.add_argument(
        "--long", action="store_true", help="a table with every parameter's unit, meaning and source"
    )
    view.add_argument("--json", action="store_true", help="print JSON (with --diff: only those parameters)")


def _add_new(commands: Any) -> None:
    new = commands.add_parser(
        "new",
        help="write a commented starting profile that inherits from a base",
        description=(
            "Write NAME.toml (or --out FILE): a host profile whose [profile] names BASE as "
            "its base, with every parameter of BASE as a commented-out line showing its "
            "value, unit, meaning and range. As written it loads to BASE's values; "
            "uncomment and edit what differs, then: simuring run SCRIPT --host FILE."
        ),
    )
    new.add_argument("name", metavar="NAME", help="the new profile's name (and file name)")
    new.add_argument(
        "--base",
        required=True,
        metavar="NAME|PATH",
        help="the profile to inherit from: a built-in name or a .toml path",
    )
    new.add_argument("--out", metavar="FILE", help="where to write (default: NAME.toml here)")
    new.add_argument("--force", action="store_true", help="overwrite FILE if it exists")


def add_parser(subparsers: Any) -> None:
    """Add the ``profiles`` sub-command to an argparse ``add_subparsers()`` object."""
    parser = subparsers.add_parser(
        "profiles",
        help="list the built-in host profiles, show one, or start a new one",
        description=(
            "List the built-in host cost profiles, show the parameters of one, "
            "or write a starting profile that inherits from one."
        ),
    )
    parser.set_defaults(func=_handler, profiles_command="list")
    commands = parser.add_subparsers(dest="profiles_command", metavar="{list,show,new}")
    commands.add_parser("list", help="list the built-in profiles (the default)")
    _add_show(commands)
    _add_new(commands)
