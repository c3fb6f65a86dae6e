"""The ``simuring`` command line.

``simuring run SCRIPT.py`` runs a workload; ``simuring step SCRIPT.py`` steps
through it in the terminal, ring by ring and event by event; ``simuring sweep SCRIPT.py`` runs it over a
grid of parameters into tidy rows, ``simuring plot`` draws them; ``simuring profiles`` lists and
shows host profiles and starts new ones; ``simuring conform`` compares the simulator with the
real kernel on a library of scenarios; ``simuring reproduce rfc`` simulates
the IPC proposal's published benchmarks and compares; ``simuring fit rfc``
fits a profile's ranged parameters to them; ``simuring calibrate`` measures
this machine and writes a host profile, ``simuring validate`` compares real
IPC benchmarks with the same workloads simulated; ``simuring --version``.  User errors (a missing or
broken script, an unknown profile, a bad ``--set``, a workload parameter the
simulated kernel refused, raised as ``simuring.ParamError``) print one line
``simuring: error: ...`` naming the file, key, line or parameter, and exit 2
without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from simuring import __build__, __version__
from simuring.cli import calibrate as calibrate_cmd
from simuring.cli import conform as conform_cmd
from simuring.cli import fit as fit_cmd
from simuring.cli import plot as plot_cmd
from simuring.cli import profiles as profiles_cmd
from simuring.cli import reproduce as reproduce_cmd
from simuring.cli import run as run_cmd
from simuring.cli import step as step_cmd
from simuring.cli import sweep as sweep_cmd
from simuring.cli import validate as validate_cmd
from simuring.cli.errors import UserError
from simuring.cost import ProfileError
from simuring.kernel.registry import PluginError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simuring",
        description="Simulate Linux io_uring (and the proposed IPC channels) on a modelled host.",
    )
    parser.add_argument("--version", action="version", version=f"simuring {__version__} ({__build__})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run_cmd.add_parser(sub)
    step_cmd.add_parser(sub)
    sweep_cmd.add_parser(sub)
    plot_cmd.add_parser(sub)
    profiles_cmd.add_parser(sub)
    conform_cmd.add_parser(sub)
    reproduce_cmd.add_parser(sub)
    fit_cmd.add_parser(sub)
    calibrate_cmd.add_parser(sub)
    validate_cmd.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except (UserError, ProfileError, PluginError) as exc:
        print(f"simuring: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("simuring: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
