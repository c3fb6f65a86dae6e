"""``simuring conform``: run the conformance scenarios on the real kernel and in the simulator.

Prints one row per scenario (same / differs / known / sim-only / error) with,
for a difference, the first differing observation, then a summary line.
Exit status: 0 when nothing unexplained differs (also when io_uring is not
available here: nothing is compared), 1 when something does, 2 for a -k
pattern that selects no scenario or a bad known-differences file.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from simuring.cli.jsonout import write_json

EPILOG = """\
examples:
  simuring conform                      compare every scenario
  simuring conform -k timeouts          scenarios tagged 'timeouts' or named '*timeouts*'
  simuring conform -k 'link-timeout-*'  a glob over scenario names
  simuring conform --sim-only           the simulated side alone (no kernel needed)
  simuring conform --list               list the scenarios and what each checks
"""

STYLES = {"same": "green", "sim-only": "green", "known": "yellow", "differs": "bold red", "error": "bold magenta"}


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "conform",
        help="compare the simulator with the real kernel on a library of scenarios",
        description=(
            "Run each conformance scenario on this machine's io_uring (through ctypes) and in the "
            "simulator, and show where they differ (CQE user_data/res/flags and order, syscall results)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-k", dest="pattern", metavar="PATTERN", help="only scenarios whose name contains PATTERN (or matches it as a glob), or with that tag")
    p.add_argument("--json", metavar="FILE", help="also write the full report, with both observation lists, as JSON ('-' for stdout)")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.add_argument("--sim-only", action="store_true", help="run the simulated side alone and check the scenarios' expected observations")
    p.add_argument("--known", metavar="FILE", help="a known-differences file to use instead of the built-in one")
    p.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="wall-clock limit for each side of a scenario (default: %(default)s)")
    p.set_defaults(func=run)


def _error(message: str) -> int:
    print(f"simuring: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from simuring.conform import NoScenarioMatches, select
    from simuring.conform import run as run_conformance
    from simuring.conform.known import KnownDifferencesError

    console = Console()
    if args.list:
        scenarios = select(args.pattern)
        if not scenarios:
            return _error(f"-k {args.pattern}: no scenario matches")
        _print_list(console, scenarios)
        return 0
    try:
        report = run_conformance(args.pattern, sim_only=args.sim_only, known=args.known, timeout_s=args.timeout)
    except NoScenarioMatches:
        return _error(f"-k {args.pattern}: no scenario matches")
    except KnownDifferencesError as exc:
        return _error(f"--known: {exc}")
    if args.json:
        write_json(args.json, report.to_json())
    if args.json != "-":
        _print_report(console, report)
    return 1 if report.failed else 0


def _print_list(console: Console, scenarios: list[Any]) -> None:
    table = Table(title=f"{len(scenarios)} conformance scenarios", title_justify="left")
    table.add_column("scenario", no_wrap=True)
    table.add_column("tags")
    table.add_column("checks")
    for sc in scenarios:
        table.add_row(sc.name, ", ".join(sc.tags), escape(sc.doc))
    console.print(table)


def _print_report(console: Console, report: Any) -> None:
    if report.mode == "unavailable":
        console.print(report.summary(), soft_wrap=True)
        return
    table = Table(title=report.summary(), title_justify="left")
    table.add_column("scenario", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("first difference" if report.mode == "compare" else "problem")
    for r in report.results:
        detail = r.difference.describe() if r.difference else ""
        if r.reason:
            detail = f"{detail} [known: {r.reason}]"
        style = STYLES.get(r.status, "")
        table.add_row(r.name, f"[{style}]{r.status}[/{style}]" if style else r.status, escape(detail))
    console.print(table)
    console.print(report.summary(), soft_wrap=True)
