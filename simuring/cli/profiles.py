"""The ``simuring profiles`` sub-command: list the built-in host profiles, show one.

``simuring profiles`` (or ``profiles list``) lists the built-in profiles;
``simuring profiles show NAME|PATH [--set SECTION.KEY=VALUE ...] [--json]``
prints every parameter with its unit, meaning and source. ProfileError is left
to the main CLI, which reports it and exits 2.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from simuring.cost import CostSection, list_profiles, load_profile
from simuring.engine.plugins import cost_sections


def profile_sections() -> Sequence[type[CostSection]]:
    """The sections a profile gives besides the core ones: the kernel's and the installed plug-ins'."""
    return cost_sections()


def _format_value(value: int | float) -> str:
    return f"{value:_}" if isinstance(value, int) else repr(value)


def _list(_args: argparse.Namespace) -> int:
    table = Table(title="Built-in host profiles", title_justify="left")
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("description")
    for name, description in list_profiles():
        table.add_row(Text(name), Text(description))
    Console().print(table)
    return 0


def _show(args: argparse.Namespace) -> int:
    model = load_profile(args.profile, profile_sections())
    if args.set:
        model = model.with_overrides(args.set)
    params = model.describe()
    if args.json:
        doc: dict[str, Any] = {
            "name": model.name,
            "description": model.description,
            "origin": model.origin,
            "parameters": [{"name": p.dotted, **p.to_dict()} for p in params],
        }
        print(json.dumps(doc, indent=2))
        return 0
    console = Console()
    console.print(Text.assemble(("profile ", "bold"), model.name, f"  ({model.origin})"))
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
    return 0


def _handler(args: argparse.Namespace) -> int:
    if getattr(args, "profiles_command", None) == "show":
        return _show(args)
    return _list(args)


def add_parser(subparsers: Any) -> None:
    """Add the ``profiles`` sub-command to an argparse ``add_subparsers()`` object."""
    parser = subparsers.add_parser(
        "profiles",
        help="list the built-in host profiles or show one",
        description="List the built-in host cost profiles, or show every parameter of one.",
    )
    parser.set_defaults(func=_handler, profiles_command="list")
    commands = parser.add_subparsers(dest="profiles_command", metavar="{list,show}")
    commands.add_parser("list", help="list the built-in profiles (the default)")
    show = commands.add_parser(
        "show",
        help="print every parameter of a profile: value, unit, meaning, source",
        description="Print every parameter of a profile with its value, unit, meaning and source.",
    )
    show.add_argument("profile", metavar="NAME|PATH", help="built-in profile name or .toml path")
    show.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one parameter (repeatable), e.g. --set sched.wakeup_ns=500",
    )
    show.add_argument("--json", action="store_true", help="print JSON instead of a table")
