"""Progress of a long ``simuring run`` on stderr: simulated time, events, wall time.

Shown when stderr is a terminal (or with ``--progress``), and only once the
run has lasted :data:`DELAY_S` seconds of wall time, so short runs print
nothing.  It is driven by :meth:`Simulation.run`'s ``progress`` callback,
which observes between two events: the simulated result is the same with or
without it.  When it is off, the run gets no callback at all and runs at full
speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn

from simuring.cli.summary import fmt_ns

DELAY_S = 3.0
"""Wall seconds a run lasts before its progress is shown."""

REFRESH_S = 0.1
"""Wall seconds between two redraws."""

EVERY = 2_000
"""Simulated events between two calls (a few ms of wall time: a cheap check of the clock)."""


def progress_wanted(choice: bool | None, quiet: bool, stream: TextIO) -> bool:
    """``--progress`` (True) or ``--no-progress`` (False) decide; by default
    (None) progress is shown when ``stream`` is a terminal and not ``--quiet``."""
    if choice is not None:
        return choice
    return not quiet and stream.isatty()


class RunProgress:
    """The progress callback of one run: a one-line rich display on ``console``.

    Call it with the number of events processed so far, every ``every``
    events (as :meth:`Simulation.run` does); ``now`` gives the simulated time
    then, ``warning`` a short text to show beside it (the oversubscription,
    as soon as it happens, not only in the note after the run).  Nothing is drawn before ``delay_s`` wall seconds, then at most
    every ``refresh_s``; ``close`` leaves the last line on screen."""

    def __init__(
        self,
        label: str,
        now: Callable[[], int],
        console: Console,
        *,
        delay_s: float = DELAY_S,
        refresh_s: float = REFRESH_S,
        every: int = EVERY,
        clock: Callable[[], float] = time.monotonic,
        warning: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.label = label
        self.warning = warning
        self.now = now
        self.console = console
        self.delay_s = delay_s
        self.refresh_s = refresh_s
        self.every = every
        self.clock = clock
        self.started = clock()
        self.events = 0
        self._next_draw = self.started + delay_s
        self._display: Progress | None = None
        self._line = TaskID(0)  # the display's line (a rich task)

    def __call__(self, events: int) -> None:
        self.events = events
        at = self.clock()
        if at < self._next_draw:
            return
        self._next_draw = at + self.refresh_s
        self._draw(at)

    def close(self) -> None:
        """Draw the final figures and stop the display (if it was shown)."""
        if self._display is None:
            return
        self._draw(self.clock())
        self._display.stop()
        self._display = None

    def text(self, at: float) -> str:
        """The progress line at wall instant ``at``."""
        line = f"{self.label}: simulated {fmt_ns(self.now())}, {self.events:,} events, {at - self.started:.1f} s wall"
        warning = self.warning()
        return line if warning is None else f"{line} ({warning})"

    def _draw(self, at: float) -> None:
        text = self.text(at)
        if self._display is None:
            self._display = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), console=self.console, auto_refresh=False
            )
            self._line = self._display.add_task(text, total=None)
            self._display.start()
        self._display.update(self._line, description=text)
        self._display.refresh()
