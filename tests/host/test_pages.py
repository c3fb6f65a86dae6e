"""The CPUs' page lists (:mod:`simuring.host.pages`, mm/page_alloc.c's per-CPU pages):
refills and drains in batches, as the kernel sizes them, and what they cost."""

from __future__ import annotations

import attrs
import simpy

from simuring.cost import load_profile
from simuring.engine.plugins import cost_sections
from simuring.host.cpu import Scheduler
from simuring.host.pages import PCP_BATCH_SCALE_MAX, PageAllocator, PerCpuPages
from simuring.host.task import Process, Task

MEM = load_profile("rfc-vm-32vcpu", cost_sections()).with_overrides(
    ["mem.pcp_refill_page_ns=100", "mem.pcp_drain_page_ns=50", "mem.pcp_batch=63", "mem.pcp_high_min=7116", "mem.pcp_high_max=100352"]
).mem


ENV = simpy.Environment()
SCHED = Scheduler(ENV, load_profile("rfc-vm-32vcpu", cost_sections()).with_overrides(["host.cpus=2"]))


class CpuTask:
    """A task on CPU ``cpu`` (a real one: the compiled allocator takes no stand-in),
    and the charges each allocation or free made."""

    def __init__(self, cpu: int) -> None:
        self.task = Task(ENV, SCHED, 1, "t", Process(1, "t", 0, 0, None))
        self.task.cpu = SCHED.cpus[cpu]
        self.charged: list[int] = []

    def alloc(self, pages: PageAllocator) -> None:
        self._charge(pages.alloc)

    def free(self, pages: PageAllocator) -> None:
        self._charge(pages.free)

    def _charge(self, op) -> None:  # type: ignore[no-untyped-def]
        before = self.task.cpu_time()
        op(self.task)
        if self.task.cpu_time() > before:
            self.charged.append(self.task.cpu_time() - before)


def allocator(counts: dict[int, int], mem=MEM) -> PageAllocator:  # type: ignore[no-untyped-def]
    """An allocator whose CPUs' lists start with ``counts`` pages (and no history)."""
    pages = PageAllocator(mem, seed=0)
    for cpu, count in counts.items():
        pages._lists[cpu] = PerCpuPages(count, mem.pcp_high_min)
    return pages


def test_a_cpu_that_only_allocates_refills_in_doubling_batches() -> None:
    """nr_pcp_alloc: 63 pages, then twice as many at each refill with no free between,
    up to 63 << 5 = 2,016; each page refilled costs pcp_refill_page_ns."""
    pages, task = allocator({0: 0}), CpuTask(0)
    for _ in range(10_000):
        task.alloc(pages)
    assert task.charged[:7] == [100 * n for n in (63, 126, 252, 504, 1008, 2016, 2016)]
    assert all(c == 100 * (63 << PCP_BATCH_SCALE_MAX) for c in task.charged[5:])
    # every page allocated came out of a refill, and what is left is still on the list
    assert sum(task.charged) // 100 - 10_000 == pages._lists[0].count


def test_a_free_halves_the_next_refill() -> None:
    pages, task = allocator({0: 0}), CpuTask(0)
    for _ in range(63 + 126 + 252):
        task.alloc(pages)
    assert pages._lists[0].alloc_factor == 3
    task.free(pages)  # alloc_factor >>= 1
    while pages._lists[0].count:
        task.alloc(pages)
    task.charged.clear()
    task.alloc(pages)
    assert task.charged == [100 * (63 << 1)]


def test_a_cpu_that_frees_drains_its_list_past_its_bound() -> None:
    """free_frozen_page_commit: at pcp->high pages the list drains the pages freed since
    the last allocation (pcp->free_count, at least a batch, at most 2,016), each at
    pcp_drain_page_ns; an allocation halves free_count."""
    high = MEM.pcp_high_min
    pages, task = allocator({1: high - 100}), CpuTask(1)
    for _ in range(99):
        task.free(pages)
    assert task.charged == []
    task.free(pages)  # the list reaches high: 100 pages freed since, above a batch
    assert task.charged == [50 * 100]
    assert pages._lists[1].count == high - 100
    task.charged.clear()
    for _ in range(5_000):
        task.free(pages)
    # from then on the frees since the last allocation pile up, to 2,016 a drain at most
    assert max(task.charged) == 50 * (63 << PCP_BATCH_SCALE_MAX)
    assert pages._lists[1].count < pages._lists[1].high


def test_a_task_that_allocates_and_frees_on_one_cpu_stays_within_its_list() -> None:
    """The same-CPU case (a pipe's two ends on one CPU): the list neither runs dry nor fills."""
    pages, task = allocator({0: 3_000}), CpuTask(0)
    for _ in range(20_000):
        for _ in range(14):
            task.alloc(pages)
        for _ in range(14):
            task.free(pages)
    assert task.charged == []


def test_two_cpus_passing_pages_pay_for_every_page_twice_on_average() -> None:
    """One CPU allocates what the other frees: in the long run each page is refilled
    once on the first and drained once on the second."""
    pages, writer, reader = allocator({0: 0, 1: 0}), CpuTask(0), CpuTask(1)
    n = 200_000
    for _ in range(n // 14):
        for _ in range(14):
            writer.alloc(pages)
        for _ in range(14):
            reader.free(pages)
    assert abs(sum(writer.charged) / 100 - n) <= 2016
    assert abs(sum(reader.charged) / 50 - (n - MEM.pcp_high_min)) <= 2016


def test_without_page_costs_the_lists_are_not_modelled() -> None:
    mem = attrs.evolve(MEM, pcp_refill_page_ns=0, pcp_drain_page_ns=0)
    pages, task = PageAllocator(mem, seed=0), CpuTask(0)
    for _ in range(10_000):
        task.alloc(pages)
        task.free(pages)
    assert task.charged == [] and pages._lists == {}


def test_the_lists_start_where_the_seed_says() -> None:
    """A list's count at the start is drawn below high_min, per CPU and seed, from the
    allocator's own stream (not the scheduler's noise), the same whatever PYTHONHASHSEED."""

    def start(seed: int, cpu: int) -> int:
        return PageAllocator(MEM, seed)._list(CpuTask(cpu).task).count

    draws = {start(seed, cpu) for seed in range(5) for cpu in range(2)}
    assert len(draws) == 10 and all(0 <= d < MEM.pcp_high_min for d in draws)
    assert start(3, 1) == start(3, 1)
