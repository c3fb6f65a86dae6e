"""The page allocator's per-CPU lists (mm/page_alloc.c, ``struct per_cpu_pages``), as time.

Host state, as the scheduler's run queues are: one list per CPU
(:attr:`Scheduler.pages`); the kernel's objects allocate and free their
pages through it (a pipe's slots).

A page is allocated from, and freed to, the list of the CPU the task runs
on; only when that list runs dry (an allocation) or grows past its bound
(a free) does the CPU go to the zone's buddy allocator, under the zone
lock, for a whole batch of pages at once.  So where one CPU allocates the
pages another frees, as the two ends of a pipe on two CPUs do, every page
crosses the buddy allocator twice, in lumps: the allocating CPU refills its
list (``rmqueue_bulk``), 63 pages at first, twice as many at each refill
with no free in between, up to 2,016 (``nr_pcp_alloc``: ``pcp->alloc_factor``
up to CONFIG_PCP_BATCH_SCALE_MAX, 5); the freeing CPU drains its list
(``free_pcppages_bulk``) once it holds ``pcp->high`` pages, as many pages
as it freed since its last allocation, at least a batch, at most 2,016
(``nr_pcp_free``: ``pcp->free_count``).  Traced on a KVM guest (Linux
6.18.44, the ``kmem:mm_page_alloc_zone_locked`` and ``mm_page_pcpu_drain``
events of a 32 KB pipe stream): refills of 63, 126, 252, 504, 1,008, then
2,016 pages, and drains of a few hundred to 1,600; timed (a 64 KB pipe whose
ends take turns on the two vCPUs), a refill of 2,016 pages takes about 250 us
and a drain of as many 150-190 us, once every 144 writes.
A task that allocates and frees on one CPU stays within its list and
never pays them.

What is modelled: each CPU's ``count``, ``high``, ``alloc_factor`` and
``free_count`` with the kernel's rules for order-0 pages (the pipe's), and
``mem.pcp_refill_page_ns`` / ``mem.pcp_drain_page_ns`` for each page a
refill or a drain moves, charged to the task whose allocation or free
triggered it (measured by ``simuring calibrate``: a pipe's two ends taking
turns on two CPUs, what their calls' mean has above their median).  ``high`` tunes itself
between ``mem.pcp_high_min`` and ``mem.pcp_high_max`` as the kernel's does
on a refill and on a free past it (``nr_pcp_alloc``, ``nr_pcp_high``); its
decay once a second (``decay_pcp_high``) is not modelled (the streams
modelled last milliseconds).  A list's state when a simulation starts is
whatever ran before it on the machine: each CPU's ``count`` is drawn
uniformly below ``high_min`` (seeded, its own stream of numbers), its
factors at 0.  Both page costs 0 (the built-in profile) turn the lists
off: nothing is drawn or charged.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from simuring.cost.model import MemSection
    from simuring.host.task import Task

PCP_BATCH_SCALE_MAX: Final = 5
"""CONFIG_PCP_BATCH_SCALE_MAX's default: a refill or drain moves at most batch << 5 pages."""


class PerCpuPages:
    """``struct per_cpu_pages`` for order-0 pages: the list's length and its bounds' state."""

    __slots__ = ("count", "high", "alloc_factor", "free_count")

    def __init__(self, count: int, high: int) -> None:
        self.count = count
        self.high = high
        self.alloc_factor = 0  # refills in a row with no free between: each doubles the next
        self.free_count = 0  # pages freed since the last allocation (halved by each)


class PageAllocator:
    """Every CPU's page list, and what moving pages between them and the buddy allocator costs."""

    __slots__ = ("refill_ns", "drain_ns", "on", "batch", "high_min", "high_max", "seed", "_lists")

    def __init__(self, mem: MemSection, seed: int) -> None:
        self.seed = seed
        self.refill_ns = mem.pcp_refill_page_ns
        self.drain_ns = mem.pcp_drain_page_ns
        self.on = bool(self.refill_ns or self.drain_ns)
        self.batch = mem.pcp_batch
        self.high_min = mem.pcp_high_min
        self.high_max = mem.pcp_high_max
        self._lists: dict[int, PerCpuPages] = {}

    def _list(self, task: Task) -> PerCpuPages:
        """The list of the CPU ``task`` runs on, drawn on first use (seeded by the simulation's seed)."""
        cpu = task.cpu.index if task.cpu is not None else 0
        pcp = self._lists.get(cpu)
        if pcp is None:
            draw = random.Random(f"simuring-pcp:{self.seed}:{cpu}")
            pcp = self._lists[cpu] = PerCpuPages(draw.randrange(self.high_min), self.high_min)
        return pcp

    def alloc(self, task: Task) -> None:
        """One order-0 page for ``task`` (``rmqueue_pcplist``): from its CPU's list, refilled
        first from the buddy allocator when empty (``__rmqueue_pcplist``, ``rmqueue_bulk``)."""
        if not self.on:
            return
        pcp = self._list(task)
        pcp.free_count >>= 1
        if pcp.count == 0:
            moved = self.refill_size(pcp)
            task.charge(moved * self.refill_ns)
            pcp.count = moved
        pcp.count -= 1

    def free(self, task: Task) -> None:
        """One order-0 page freed by ``task`` to its CPU's list (``free_frozen_page_commit``),
        drained to the buddy allocator past the list's bound (``free_pcppages_bulk``)."""
        if not self.on:
            return
        pcp = self._list(task)
        pcp.alloc_factor >>= 1
        pcp.count += 1
        if pcp.free_count < self.batch << PCP_BATCH_SCALE_MAX:
            pcp.free_count += 1
        high = self.bound(pcp)
        if pcp.count >= high:
            moved = self.drain_size(pcp, high)
            task.charge(moved * self.drain_ns)
            pcp.count -= moved

    def refill_size(self, pcp: PerCpuPages) -> int:
        """``nr_pcp_alloc`` for order 0: the bound grows by a batch, and the refill doubles
        with each refill in a row (up to batch << 5), within the room the bound leaves."""
        batch = self.batch
        pcp.high = min(max(pcp.high, self.high_min) + batch, self.high_max)
        room = max(pcp.high - pcp.count - batch, batch)
        wanted = batch << pcp.alloc_factor
        if wanted <= room and pcp.alloc_factor < PCP_BATCH_SCALE_MAX:
            pcp.alloc_factor += 1
        return min(wanted, room)

    def bound(self, pcp: PerCpuPages) -> int:
        """``nr_pcp_high`` for an order-0 free: the list's bound, raised (within high_max)
        when it is reached, to hold the pages freed since the last allocation and a batch."""
        high = pcp.high = min(max(pcp.high, self.high_min), self.high_max)
        if self.high_min != self.high_max and pcp.count >= high:
            need = pcp.free_count + self.batch
            if pcp.high < need:
                pcp.high = min(max(need, self.high_min), self.high_max)
        return high

    def drain_size(self, pcp: PerCpuPages, high: int) -> int:
        """``nr_pcp_free``: the pages freed since the last allocation, at least a batch and
        leaving at least a batch below ``high``."""
        batch = self.batch
        if high < batch:
            return 1
        return min(max(pcp.free_count, batch), max(high - batch, batch))
