"""``simuring step SCRIPT.py``: step through a workload's ring and task state.

In a terminal, a textual app (the ``ui`` extra: ``pip install 'simuring[ui]'``)
shows the rings, the tasks and the last kernel event, and moves on one event
(``s`` or space), to the next CQE (``c``), to the next wake-up (``w``) or to
a simulated time (``t``).  ``--no-ui`` makes the moves given with ``--moves``
and prints the state after each as text, with no terminal needed.  The script
is loaded and its parameters checked as by ``simuring run``, with the same
errors (one line, exit 2)."""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from simuring.cli.errors import UserError
from simuring.cli.options import positive_int
from simuring.cli.run import add_workload_arguments, build_simulation, crash_message
from simuring.cli.script import load_script
from simuring.engine.errors import param_error_in
from simuring.engine.sim import SimulationStalled
from simuring.step.driver import LIMIT, Move, Stepper, parse_time
from simuring.step.render import as_text
from simuring.step.state import snapshot

EPILOG = """\
keys (in the terminal):
  s, space   one event
  c          on to the next CQE
  w          on to the next wake-up
  t          on to a simulated time (250000, 10us, 2ms; +1ms from now)
  q          quit

examples:
  simuring step examples/delivery_modes.py    (DEFER_TASKRUN: deferred work, one wake-up)
  simuring step examples/delivery_modes.py -p flags=0
  simuring step workloads/nop_loop.py -p ops=3 --no-ui --moves "4c"

--moves (with --no-ui): moves separated by spaces or commas, each s, c or w
with an optional count (3c: the third CQE from here), or t=TIME.
"""

_MOVE = re.compile(r"^(\d*)([scw])$")


def parse_moves(text: str) -> list[tuple[str, str]]:
    """``"3c w t=10us"`` -> [("c", ""), ("c", ""), ("c", ""), ("w", ""), ("t", "10us")]."""
    moves: list[tuple[str, str]] = []
    for token in re.split(r"[\s,]+", text.strip()):
        if not token:
            continue
        if token.startswith("t="):
            moves.append(("t", token[2:]))
            continue
        m = _MOVE.match(token)
        if m is None:
            raise UserError(f"--moves {text!r}: {token!r} is not a move (s, c, w with an optional count, or t=TIME)")
        moves += [(m.group(2), "")] * int(m.group(1) or 1)
    if not moves:
        raise UserError("--moves: no move given")
    for kind, value in moves:
        if kind == "t":
            try:
                parse_time(value)
            except ValueError as exc:
                raise UserError(f"--moves: {exc}") from None
    return moves


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "step",
        help="step through a workload: rings, tasks and kernel events, one event at a time",
        description=(
            "Step through SCRIPT.py's workload: every ring's SQ and CQ (head, tail, mask and\n"
            "the entries between), overflow list and deferred work, every task's state and\n"
            "pending task work, and the last kernel events in words (docs/step.md)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_workload_arguments(p)
    p.add_argument("--no-ui", action="store_true", help="make the --moves and print the state after each as text (no terminal needed)")
    p.add_argument("--moves", default="c", metavar="MOVES", help='with --no-ui: the moves, e.g. "s 3c w t=2ms" (default: %(default)s)')
    p.add_argument("--limit", type=positive_int, default=LIMIT, metavar="EVENTS", help="events one move processes at most before it stops (default: %(default)s)")
    p.set_defaults(func=step)


def step(args: argparse.Namespace) -> int:
    moves = parse_moves(args.moves) if args.no_ui else []
    if not args.no_ui:
        if importlib.util.find_spec("textual") is None:
            raise UserError("simuring step needs textual for its terminal view: pip install 'simuring[ui]' (or use --no-ui)")
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UserError("simuring step needs a terminal: use --no-ui to print the state as text")
    _module, workload = load_script(args.script)
    sim = build_simulation(args, workload, trace=True)  # the kernel events, in words
    stepper = Stepper(sim, limit=args.limit)
    name = Path(args.script).name
    if args.no_ui:
        print_moves(stepper, moves, name, Console(highlight=False, soft_wrap=True))
    else:
        from simuring.step.app import StepApp

        StepApp(stepper, name).run()
    return finish(stepper, args.script)


def move(stepper: Stepper, kind: str, value: str = "") -> Move:
    """Make one move: ``s``, ``c``, ``w``, or ``t`` to the time ``value``."""
    if kind == "s":
        return stepper.step()
    if kind == "c":
        return stepper.next_cqe()
    if kind == "w":
        return stepper.next_wakeup()
    return stepper.until(parse_time(value, stepper.sim.now))


def print_moves(stepper: Stepper, moves: list[tuple[str, str]], script: str, console: Console) -> None:
    """Make ``moves`` in turn and print the state after each (stop once the run is over)."""
    width = min(console.width, 120)
    for i, (kind, value) in enumerate(moves):
        label = f"t={value}" if kind == "t" else kind
        move(stepper, kind, value)
        snap = snapshot(stepper.sim, since=stepper.since, steps=stepper.steps, note=stepper.note)
        if i:
            console.print()
        console.print(f"move {i + 1}: {label}", style="bold", markup=False)
        console.print(as_text(snap, script, width), markup=False)
        if stepper.over:
            break


def finish(stepper: Stepper, script: str) -> int:
    """The exit status: 0, or as ``simuring run`` would end on the stepper's error."""
    exc = stepper.error
    if exc is None:
        return 0
    if param_error_in(exc) is not None or isinstance(exc, SimulationStalled):
        raise UserError(f"{script}: {stepper.error_message()}")
    print(f"simuring: error: {crash_message(script, exc)}", file=sys.stderr)
    return 1
