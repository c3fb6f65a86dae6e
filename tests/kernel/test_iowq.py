"""io-wq punts (simuring/kernel/iowq.py) as seen from workloads."""

from __future__ import annotations

from simuring.host.current import current_sim, current_task
from simuring.liburing import Ring, io_uring_queue_init, io_uring_submit
from simuring.uapi import IOSQE_ASYNC
from tests.conftest import ring_ctx
from tests.opcodes.test_timeout import nop, reap


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
