"""Moving a simulation forward the ways ``simuring step`` offers.

A :class:`Stepper` wraps :meth:`Simulation.step` (one SimPy event at a time)
with the moves of the step-through: one event, on to the next CQE, on to the
next wake-up, on to a simulated instant.  Each move stops at the end of the
run, at an error (a stalled simulation, a task's exception), or after
:attr:`Stepper.limit` events without reaching its goal, and says why in a
:class:`Move`.  It only calls ``Simulation.step``, so a run stepped to the end
is the run ``Simulation.run`` gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from simuring.engine.errors import param_error_in
from simuring.engine.sim import SimulationStalled
from simuring.host.task import TaskState

if TYPE_CHECKING:
    from simuring.engine.sim import Simulation
    from simuring.host.task import Task

LIMIT = 200_000
"""Events one move processes at most before it gives up (a second or two of wall time)."""

UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
_TIME = re.compile(r"^\s*(\+?)\s*(\d+(?:\.\d*)?|\.\d+)\s*(ns|us|µs|ms|s)?\s*$")


def parse_time(text: str, now: int = 0) -> int:
    """A simulated instant in ns: ``"250000"``, ``"10us"``, ``"2ms"``, ``"1.5s"``;
    a leading ``+`` counts from ``now`` (``"+10us"``).  ValueError when unreadable."""
    m = _TIME.match(text)
    if m is None:
        raise ValueError(f"not a time: {text!r} (e.g. 250000, 10us, 2ms, +1ms)")
    relative, number, unit = m.groups()
    ns = round(float(number) * UNITS[unit or "ns"])
    return now + ns if relative else ns


@attrs.frozen
class Move:
    """What one move did: the events it processed and why it stopped."""

    steps: int
    note: str


def _who(task: Task) -> str:
    return f"task '{task.name}' (tid {task.tid})"


class Stepper:
    """The step-through's moves over one simulation (built with ``trace=True`` to see its events)."""

    def __init__(self, sim: Simulation, limit: int = LIMIT) -> None:
        self.sim = sim
        self.limit = limit
        self.steps = 0
        """SimPy events processed so far."""
        self.since = len(sim.tracer.events)
        """The trace index at which the last move started (its events follow)."""
        self.error: BaseException | None = None
        """What ended the run early: SimulationStalled, or a task's exception."""
        self.note = "at the start: no event processed yet"
        """What the last move did, in words."""

    @property
    def over(self) -> bool:
        """No move can go further: the run ended, or failed."""
        return self.error is not None or self.sim.finished

    def error_message(self) -> str:
        """The error in one line (as ``simuring run`` says it), '' when there is none."""
        exc = self.error
        if exc is None:
            return ""
        param = param_error_in(exc)
        if param is not None:
            return str(param)
        if isinstance(exc, SimulationStalled):
            return str(exc)
        origin = exc.__cause__ or exc
        notes = " ".join(getattr(origin, "__notes__", []))
        return f"the workload failed: {type(exc).__name__}: {exc} {notes}".rstrip()

    def _end_note(self) -> str:
        if self.error is not None:
            return self.error_message()
        return "the run is over: every user task has ended"

    def _advance(
        self, goal: str, reached: Callable[[], str | None], arm: Callable[[], None] | None = None, missed: str = ""
    ) -> Move:
        """Step until ``reached()`` returns a note (checked after each event), the
        run ends, or :attr:`limit` events went by; ``arm()`` runs before each event.
        ``goal`` names what the move looks for ("a CQE"); ``missed``, when given,
        is said when the run ends without it ("CQE": "no CQE came")."""
        self.since = len(self.sim.tracer.events)
        done = 0
        note = ""
        while not note:
            if self.over:
                note = self._end_note()
                if done and self.error is None and missed:
                    note = f"{note}: no {missed} came"
                break
            if done >= self.limit:
                note = f"stopped after {self.limit} events without reaching {goal} (move again to go on)"
                break
            if arm is not None:
                arm()
            try:
                self.sim.step()
            except Exception as exc:  # a stall or a task's exception ends the run, as in run()
                self.error = exc
                note = self._end_note()
                break
            done += 1
            self.steps += 1
            note = reached() or ""
        self.note = note
        return Move(done, note)

    # -- the moves ---------------------------------------------------------
    def step(self) -> Move:
        """Process one event, and say which tasks it ran (whose state or CPU time changed)."""
        tasks = self.sim.tasks
        before: dict[int, tuple[TaskState, int]] = {}

        def arm() -> None:
            before.update((t.tid, (t.state, t.cpu_time())) for t in tasks)

        def reached() -> str:
            ran = [t for t in tasks if before.get(t.tid) != (t.state, t.cpu_time())]
            if not ran:
                return "one event processed: no task ran (a timer, or a wake-up still on its way)"
            names = ", ".join(f"'{t.name}'" for t in ran[:3]) + (f" and {len(ran) - 3} more" if len(ran) > 3 else "")
            return f"one event processed: {names} ran"

        return self._advance("an event", reached, arm)

    def next_cqe(self) -> Move:
        """Go on until an event posts CQEs to a CQ ring or queues them on an overflow list
        (one event may post several: a submission of NOPs completes them all inline)."""
        kernel = self.sim.kernel
        counts = {ctx.id: (ctx.posted, ctx.overflowed) for ctx in kernel.all_rings}

        def reached() -> str | None:
            for ctx in kernel.all_rings:
                posted, overflowed = counts.get(ctx.id, (0, 0))
                new, over = ctx.posted - posted, ctx.overflowed - overflowed
                if new or over:
                    what = [f"{new} CQE{'s' if new > 1 else ''} posted, CQ tail now {ctx.rings.cq_tail}"] if new else []
                    if over:
                        what.append(f"{over} to the overflow list (CQ full)")
                    return f"stopped at ring {ctx.id}: {', '.join(what)}"
            return None

        return self._advance("a CQE", reached, missed="CQE")

    def next_wakeup(self) -> Move:
        """Go on until a sleeping task wakes up (leaves its sleep, for a CPU or in a run queue)."""
        sleeping: list[Task] = []

        def arm() -> None:
            sleeping[:] = [t for t in self.sim.tasks if t.state is TaskState.SLEEPING]

        def reached() -> str | None:
            woken = [t for t in sleeping if t.state is not TaskState.SLEEPING]
            if not woken:
                return None
            task = woken[0]
            where = f"running on CPU {task.cpu.index}" if task.cpu is not None else "runnable, waiting for a CPU"
            others = f" (and {len(woken) - 1} more)" if len(woken) > 1 else ""
            return f"stopped at a wake-up: {_who(task)} woke up, {where}{others}"

        return self._advance("a wake-up", reached, arm, missed="wake-up")

    def until(self, at: int) -> Move:
        """Process every event up to simulated instant ``at`` (ns), none after it."""
        sim = self.sim
        if at <= sim.now:
            self.since = len(sim.tracer.events)
            self.note = f"t={at} ns is not after now (t={sim.now} ns): nothing to do"
            return Move(0, self.note)

        def reached() -> str | None:
            nxt = sim.next_event_at()
            if nxt is None or nxt > at:
                later = f"; the next event is at t={nxt} ns" if nxt is not None else ""
                return f"reached t={at} ns{later}"
            return None

        nxt = sim.next_event_at()
        if nxt is not None and nxt > at and not sim.finished:  # nothing to process before it
            self.since = len(sim.tracer.events)
            self.note = f"reached t={at} ns: no event until then; the next one is at t={nxt} ns"
            return Move(0, self.note)
        return self._advance(f"t={at} ns", reached)
