"""io-wq punts (simuring/kernel/iowq.py) as seen from workloads, and its growth while workers block.

A worker blocked inside an item (here: a regular-file read waiting for the
device) stops counting as running; if work is queued, the io-wq's owner
creates another worker, up to the account's cap (``io_wq_worker_sleeping`` ->
``io_wq_dec_running`` -> ``create_worker_cb``).  The bounded cap is
``min(SQ entries, 4 x CPUs)``.

The growth tests mostly use a disk-like device (1 ms per read) so that the device time
dominates the creation of a worker (``iowq.worker_create_ns``): the
assertions then read as "N device latencies".
"""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.engine.sim import current_simulation as current_sim
from simuring.host.current import current_task
from simuring.kernel.objects.regfile import create_file
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_read,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.syscalls import nanosleep, open
from simuring.uapi import IOSQE_ASYNC
from tests.helpers.ring import nop, reap, ring_ctx


def test_iosqe_async_nop_goes_through_iowq_and_costs_more(runner):
    out = {}

    def task():
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        sim = current_sim()
        t0 = sim.now
        nop(ring, 1)
        yield from io_uring_submit(ring)
        out["inline"] = yield from reap(ring, 1)
        t1 = sim.now
        nop(ring, 2, IOSQE_ASYNC)
        yield from io_uring_submit(ring)
        out["async"] = yield from reap(ring, 1)
        t2 = sim.now
        out["inline_ns"] = t1 - t0
        out["async_ns"] = t2 - t1
        out["tid"] = current_task().tid

    runner.spawn(task)
    runner.run()
    sim = runner.sim
    assert out["inline"] == [(1, 0)] and out["async"] == [(2, 0)]
    wq = sim.kernel.iowqs[out["tid"]]
    assert wq.punts == 1 and wq.created == 1
    workers = [t for t in sim.tasks if t.name == f"iou-wrk-{out['tid']}"]
    assert len(workers) == 1 and workers[0].kthread
    # queueing, creating/waking a worker, a context switch and the task-work
    # return cost far more than issuing inline
    assert out["async_ns"] > out["inline_ns"] + sim.costs.sched.wakeup_latency_ns


def test_second_punt_reuses_the_idle_worker(runner):
    out = {}

    def task():
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        for ud in (1, 2):
            nop(ring, ud, IOSQE_ASYNC)
            yield from io_uring_submit(ring)
            out[ud] = yield from reap(ring, 1)
        out["tid"] = current_task().tid

    runner.spawn(task)
    runner.run()
    wq = runner.sim.kernel.iowqs[out["tid"]]
    assert out[1] == [(1, 0)] and out[2] == [(2, 0)]
    assert wq.punts == 2 and wq.created == 1


def test_bounded_worker_cap_is_min_of_sq_entries_and_four_per_cpu(runner):
    caps = {}

    def task(entries):
        ring = Ring()
        assert (yield from io_uring_queue_init(entries, ring, 0)) == 0
        wq = current_sim().kernel.iowq_for(current_task(), ring_ctx(ring))
        caps[entries] = (wq.accounts[True].max_workers, wq.accounts[False].max_workers)

    runner.spawn(task, 8)
    runner.spawn(task, 4096)
    runner.run()
    cpus = runner.sim.costs.host.cpus
    assert caps[8][0] == min(8, 4 * cpus) == 8
    assert caps[4096][0] == min(4096, 4 * cpus) == 4 * cpus
    assert caps[8][1] > 4 * cpus  # unbounded account: not capped by the ring size


# -- growth while workers block --------------------------------------------------------------
DEVICE_NS = 1_000_000  # a disk-like read latency
SLOW_DEVICE = [f"file.device_read_ns={DEVICE_NS}"]
SIZE = 4096  # one page: one device read of device_read_ns + device_page_ns


def run_batches(
    sq_entries: int, batches: list[int], overrides: list[str] | None = None, gap_ns: int = 0
) -> dict[str, Any]:
    """On a ring with ``sq_entries``, submit ``batches[i]`` uncached one-page reads
    of distinct files at once (in SQ-sized submits back to back if the SQ is
    smaller) and wait for all of them, batch after batch.

    Each batch is a list of submissions; with ``gap_ns`` the reads of a batch
    are submitted one at a time, ``gap_ns`` apart, instead of together.
    Returns the elapsed simulated time of each batch, the CQEs, the io-wq
    and the bounded worker count seen after each batch.
    """
    sim = Simulation(seed=1, overrides=overrides or [])
    total = sum(batches)
    for i in range(total):
        create_file(sim.kernel, f"/f{i}", bytes([i]) * SIZE)  # on disk, not cached
    out: dict[str, Any] = {"sim": sim, "elapsed": [], "cqes": [], "workers": [], "data": []}

    def main() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(sq_entries, ring, 0)) == 0
        fds = []
        for i in range(total):
            fds.append((yield from open(f"/f{i}", 0)))
        bufs = [bytearray(SIZE) for _ in range(total)]
        nxt = 0
        cqe = Cqe()
        for n in batches:
            t0 = sim.now
            for k in range(n):
                sqe = io_uring_get_sqe(ring)
                if sqe is None:  # SQ full (fewer entries than the batch): submit what is there
                    yield from io_uring_submit(ring)
                    sqe = io_uring_get_sqe(ring)
                    assert sqe is not None
                io_uring_prep_read(sqe, fds[nxt], bufs[nxt], SIZE, 0)
                io_uring_sqe_set_data64(sqe, nxt)
                nxt += 1
                if gap_ns:
                    yield from io_uring_submit(ring)
                    if k < n - 1:
                        yield from nanosleep(gap_ns)
            if not gap_ns:
                yield from io_uring_submit(ring)
            got = []
            for _ in range(n):
                assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
                got.append((cqe[0].user_data, cqe[0].res))
                io_uring_cqe_seen(ring, cqe[0])
            out["elapsed"].append(sim.now - t0)
            out["cqes"].append(sorted(got))
            out["workers"].append(len(sim.kernel.iowqs[task.tid].accounts[True].workers))
        out["data"] = [bytes(b[:1]) for b in bufs]

    task = sim.spawn(main)
    sim.run()
    out["wq"] = sim.kernel.iowqs[task.tid]
    return out


def single_read_ns(overrides: list[str] | None = None) -> int:
    """Simulated latency of one uncached read on a fresh ring (worker creation included)."""
    elapsed: int = run_batches(4, [1], overrides)["elapsed"][0]
    return elapsed


# -- (a) the bounded account grows while its workers block ---------------------------------
def test_four_blocking_reads_on_sq4_use_four_bounded_workers_in_parallel() -> None:
    one = single_read_ns(SLOW_DEVICE)
    assert one > DEVICE_NS  # one device read, plus creating a worker and the completion path
    out = run_batches(4, [4], SLOW_DEVICE)
    assert out["cqes"] == [[(i, SIZE) for i in range(4)]]
    assert out["data"] == [bytes([i]) for i in range(4)]
    wq = out["wq"]
    bounded, unbounded = wq.accounts[True], wq.accounts[False]
    assert bounded.max_workers == 4
    assert len(bounded.workers) == 4 and wq.created == 4 and not unbounded.workers
    assert wq.punts == 4
    # the four device reads overlap: about one read's time, not four
    assert out["elapsed"][0] < 1.5 * one
    # every file was read from the device exactly once
    assert [ino.device_reads for ino in out["sim"].kernel.fs.inodes.values()] == [1] * 4
    # all workers went back to sleep on the work list, none counted as blocked
    assert sorted(t.tid for t in bounded.idle) == sorted(t.tid for t in bounded.workers)
    assert (
        bounded.blocked == 0 and bounded.starting == 0 and not bounded.running and not bounded.queue
    )


def test_growth_with_the_default_device_beats_one_worker() -> None:
    """With the default (fast) device a worker's creation takes about half a
    device read, so a worker freed by its first read may take the last item
    before a fourth one is created; still several workers share the work."""
    one = single_read_ns()
    out = run_batches(4, [4])
    assert out["cqes"] == [[(i, SIZE) for i in range(4)]]
    assert 1 < len(out["wq"].accounts[True].workers) <= 4
    assert out["elapsed"][0] < 2 * one  # one worker alone took about 3x


# -- (b) ... up to min(SQ entries, 4 x CPUs) ------------------------------------------------
def test_bounded_growth_stops_at_sq_entries() -> None:
    one = single_read_ns(SLOW_DEVICE)
    out = run_batches(2, [4], SLOW_DEVICE)
    assert out["cqes"] == [[(i, SIZE) for i in range(4)]]
    wq = out["wq"]
    bounded = wq.accounts[True]
    assert bounded.max_workers == 2
    assert len(bounded.workers) == 2 and wq.created == 2
    # two workers, four reads: two device latencies back to back
    assert 2 * DEVICE_NS < out["elapsed"][0] < 2.5 * one
    assert bounded.starting == 0 and bounded.blocked == 0  # a refused creation was un-counted


def test_a_read_submitted_while_the_only_worker_is_blocked_gets_a_new_worker() -> None:
    """``io_wq_enqueue``: a blocked worker does not count as running, so the
    punt creates a worker at once instead of queueing behind the blocked one."""
    one = single_read_ns(SLOW_DEVICE)
    gap = 100_000  # the first worker is blocked on the device by then
    out = run_batches(4, [2], SLOW_DEVICE, gap_ns=gap)
    assert out["cqes"] == [[(0, SIZE), (1, SIZE)]]
    assert len(out["wq"].accounts[True].workers) == 2
    assert out["elapsed"][0] < one + gap + 0.5 * DEVICE_NS  # not two device reads in a row


# -- (c) idle workers are reused; nothing grows when nothing waits ----------------------------
def test_one_read_at_a_time_reuses_the_same_worker() -> None:
    """The worker blocks on every read, but nothing is queued meanwhile: no
    new worker is asked for, and the idle one takes each next read."""
    out = run_batches(4, [1, 1, 1], SLOW_DEVICE)
    assert out["cqes"] == [[(0, SIZE)], [(1, SIZE)], [(2, SIZE)]]
    assert out["workers"] == [1, 1, 1]
    wq = out["wq"]
    assert wq.created == 1 and wq.punts == 3
    # the later reads skip the worker creation
    assert out["elapsed"][1] < out["elapsed"][0] and out["elapsed"][2] < out["elapsed"][0]


def test_idle_workers_are_woken_before_any_is_created() -> None:
    out = run_batches(4, [4, 4], SLOW_DEVICE)
    assert out["cqes"] == [[(i, SIZE) for i in range(4)], [(i, SIZE) for i in range(4, 8)]]
    assert out["workers"] == [4, 4]
    wq = out["wq"]
    assert wq.created == 4 and wq.punts == 8
    # the second batch wakes the four idle workers at once: no creation chain
    first, second = out["elapsed"]
    costs = out["sim"].costs
    assert second < first
    assert second < DEVICE_NS + costs.iowq.worker_create_ns


def test_cancelling_a_blocked_running_item_interrupts_its_worker() -> None:
    """io_wq_worker_cancel signals the worker: a WRITE sleeping in a worker (a blocking eventfd whose
    counter has no room, after its fast polls ran out) completes with -EINTR, and the cancel answers
    -EALREADY (it was running), as on Linux (scenario eventfd-blocked-write-cancelled).  The worker
    then serves the next item normally."""
    from simuring.abi.errno import EALREADY, EINTR
    from simuring.liburing import io_uring_prep_cancel64, io_uring_prep_write
    from simuring.syscalls import eventfd, eventfd_read
    from tests.helpers.ring import prep, reap_flags

    sim = Simulation(seed=1)
    out: dict[str, Any] = {}

    def main() -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        efd = yield from eventfd(10, 0)
        prep(ring, io_uring_prep_write, efd, ((1 << 64) - 5).to_bytes(8, "little"), 8, 0, user_data=1)
        yield from io_uring_submit(ring)
        yield from nanosleep(1_000_000)
        prep(ring, io_uring_prep_cancel64, 1, 0, user_data=2)
        yield from io_uring_submit(ring)
        out["cancel"] = sorted((yield from reap_flags(ring, 2)))
        # the worker's next blocking item is not interrupted: it completes once a read makes room
        prep(ring, io_uring_prep_write, efd, ((1 << 64) - 5).to_bytes(8, "little"), 8, 0, user_data=3)
        yield from io_uring_submit(ring)
        yield from nanosleep(1_000_000)
        value = [0]
        yield from eventfd_read(efd, value)
        out["next"] = yield from reap_flags(ring, 1)

    task = sim.spawn(main)
    sim.run()
    assert out["cancel"] == [(1, -EINTR, 0), (2, -EALREADY, 0)]
    assert out["next"] == [(3, 8, 0)]
    assert len(sim.kernel.iowqs[task.tid].accounts[False].workers) == 1
