"""Memory-system model: copy costs by size, and cache lines shared between CPUs.

``memcpy_ns`` charges a copy by the smallest cache tier its size fits in
(the data was just written by the peer, so a large message streams from
further away).  :class:`CacheLine` models one 64-byte line that several CPUs
read and update with atomics, the building block of lock-free rings:

* a CPU touching a line last written by another CPU pays
  ``mem.cacheline_transfer_ns`` (the line moves between cores);
* stores and CAS are applied when the code runs (the start of the task's
  burst in the DES), but *visible to others* only from their logical time
  ``now + burst offset`` of the writer.  A reader whose own logical time is
  earlier still sees the previous value.  So two tasks whose read-then-CAS
  windows overlap in simulated time really race: the one whose CAS comes
  second finds the value changed and fails, and must retry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simuring.cost import CostModel
    from simuring.host.task import Task


def memcpy_ns(costs: CostModel, nbytes: int) -> int:
    """CPU time of copying ``nbytes`` (0 bytes still costs the call)."""
    mem = costs.mem
    if nbytes <= 0:
        return mem.memcpy_base_ns
    if nbytes <= mem.l1_bytes:
        bw = mem.l1_bytes_per_ns
    elif nbytes <= mem.l2_bytes:
        bw = mem.l2_bytes_per_ns
    elif nbytes <= mem.llc_bytes:
        bw = mem.llc_bytes_per_ns
    else:
        bw = mem.dram_bytes_per_ns
    return mem.memcpy_base_ns + int(nbytes / bw)


class CacheLine:
    """A shared word on its own cache line, with one level of visibility history.

    ``value``/``owner_cpu`` are the latest store and the CPU that made it,
    visible to others from logical time ``visible_at``; ``prev``/``prev_owner``
    are what a reader whose logical time is earlier still sees, and where the
    line then was.  A reader pays a cache-line transfer only for the version it
    reads: it does not pay for a store that is still in its logical future.
    """

    __slots__ = ("name", "value", "prev", "visible_at", "owner_cpu", "prev_owner", "transfers", "cas_failures")

    def __init__(self, name: str, value: int = 0) -> None:
        self.name = name
        self.value = value
        self.prev = value
        self.visible_at = 0  # logical time from which ``value`` is seen by others
        self.owner_cpu = -1  # CPU that last wrote the line
        self.prev_owner = -1  # CPU that wrote ``prev``
        self.transfers = 0
        self.cas_failures = 0

    def _acquire(self, task: Task) -> int:
        """Take the line for writing: pay the transfer if another CPU wrote it last.

        Returns the writing CPU's index.  (A write needs the latest version, so
        the latest owner is what counts.)
        """
        cpu = task.cpu.index if task.cpu is not None else -1
        owner = self.owner_cpu
        if owner != -1 and owner != cpu:
            task.charge(task.sched.costs.mem.cacheline_transfer_ns)
            self.transfers += 1
        return cpu

    def _publish(self, task: Task, cpu: int, value: int) -> None:
        """Make ``value`` the latest version, visible from the writer's logical time."""
        now = task.now()
        if now >= self.visible_at:  # the old latest version becomes the visible-before one
            self.prev = self.value
            self.prev_owner = self.owner_cpu
        self.owner_cpu = cpu
        self.value = value
        self.visible_at = now

    def load(self, task: Task) -> int:
        """Read the line as ``task`` sees it at its logical time (the hottest call of the IPC ring)."""
        cpu = task.cpu.index if task.cpu is not None else -1
        if task.now() < self.visible_at:
            owner = self.prev_owner
            value = self.prev
        else:
            owner = self.owner_cpu
            value = self.value
        if owner != -1 and owner != cpu:
            task.charge(task.sched.costs.mem.cacheline_transfer_ns)
            self.transfers += 1
        return value

    def peek(self) -> int:
        """The latest value, without cost (for assertions and reports)."""
        return self.value

    def store(self, task: Task, value: int) -> None:
        self._publish(task, self._acquire(task), value)

    def cas(self, task: Task, expected: int, new: int) -> bool:
        """Compare-and-swap: succeeds only if the latest value is ``expected``."""
        cpu = self._acquire(task)
        task.charge(task.sched.costs.mem.atomic_ns)
        if self.value != expected:
            self.cas_failures += 1
            self.owner_cpu = cpu  # a failed locked cmpxchg still took the line exclusively
            return False
        self._publish(task, cpu, new)
        return True

    def fetch_add(self, task: Task, delta: int, mask: int = 0xFFFF_FFFF_FFFF_FFFF) -> int:
        """Atomic add; returns the old value (always succeeds, like ``lock xadd``).

        The stored value wraps at the word's width: ``mask`` is 2**bits - 1
        (a 64-bit word unless told; 0xFFFFFFFF for an ``atomic_t`` used as u32).
        """
        cpu = self._acquire(task)
        task.charge(task.sched.costs.mem.atomic_ns)
        old = self.value
        self._publish(task, cpu, (old + delta) & mask)
        return int(old)
