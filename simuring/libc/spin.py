"""A word in shared memory that user-space tasks poll: :class:`SpinWord`.

The user-space half of a spin-then-block wait (the adaptive spinning of
glibc's mutexes, or of low-latency shared-memory channels before they sleep
on a futex or an eventfd): a task polls a word until it changes or a time
budget runs out, keeping its CPU busy all the while.  It stays
TASK_RUNNING, so nobody has to wake it: a store is seen by the polling task
``mem.cacheline_transfer_ns`` after the storing task's position (the line
moves to the poller's CPU, :func:`simuring.host.task.kick_spinner`), and a
poller that waits for its CPU gives it up at its slice's end like any
polling loop (:meth:`simuring.host.task.Task.spin`).

Loads and stores are plain calls (no kernel entry).  The word's cache line
goes where it is used (:class:`~simuring.host.memory.ObjectLines`): a load or
a store on a CPU other than the one that used the line last pays
``mem.cacheline_transfer_ns`` (a read of another core's store, or the
read-for-ownership before a store); a poller that sees a store already paid
for the line in its wait.  ``spin_while`` is a generator because simulated
time passes::

    bell = SpinWord(0)
    bell.store(1)                                   # in the writer
    changed = yield from bell.spin_while(0, 10_000)  # in the reader: True, or False after 10 us
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.host.current import current_task
from simuring.host.events import trigger_at
from simuring.host.memory import ObjectLines
from simuring.host.task import Task, kick_spinner


class SpinWord:
    """One word of shared memory, and the tasks polling it."""

    __slots__ = ("value", "_pollers", "line")

    def __init__(self, value: int = 0) -> None:
        self.value = value
        self._pollers: list[Task] = []
        self.line = ObjectLines(1)  # where the word's cache line is

    def __repr__(self) -> str:
        return f"<SpinWord {self.value} pollers={len(self._pollers)}>"

    def load(self) -> int:
        """The word, as the calling task reads it (its line comes to the task's CPU)."""
        self.line.touch(current_task())
        return self.value

    def store(self, value: int) -> None:
        """Store ``value``; every task polling the word sees it once the line reaches it."""
        task = current_task()
        self.line.touch(task)
        self.value = value
        for poller in list(self._pollers):
            kick_spinner(task, poller, True)

    def spin_while(self, value: int, budget_ns: int) -> Generator[Any, Any, bool]:
        """Poll while the word holds ``value``, for at most ``budget_ns``.

        Returns True once it holds something else, False when the budget ran
        out first (the caller then blocks, e.g. in ``eventfd_read``).
        """
        if not isinstance(budget_ns, int) or isinstance(budget_ns, bool) or budget_ns < 0:
            raise ValueError(f"spin_while() takes a budget in whole nanoseconds >= 0, got {budget_ns!r}")
        task = current_task()
        self.line.touch(task)  # the first look
        deadline = task.now() + budget_ns
        while self.value == value:
            if task.now() >= deadline:
                return False
            yield from task.flush()  # the timer below is set from the clock
            if self.value != value:  # stored while the burst elapsed (nobody was polling yet)
                break
            expiry = task.env.event()
            trigger_at(task.env, expiry, max(deadline, int(task.env.now)), False)
            self._pollers.append(task)
            try:
                yield from task.spin(expiry)
            finally:
                self._pollers.remove(task)
        if task.cpu is not None:
            self.line.owner_cpu = task.cpu.index  # the store that ended the poll brought the line
        return True
