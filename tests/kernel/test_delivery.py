"""Completion delivery modes: default (IPI), COOP_TASKRUN, TASKRUN_FLAG, DEFER_TASKRUN."""

from __future__ import annotations

from simuring.abi.errno import EEXIST, ETIME
from simuring.engine.sim import current_simulation as current_sim
from simuring.libc.compute import compute
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cq_ready,
    io_uring_cqe_seen,
    io_uring_get_events,
    io_uring_get_sqe,
    io_uring_peek_cqe,
    io_uring_prep_nop,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_wait_cqe,
    io_uring_wait_cqe_nr,
    io_uring_wait_cqe_timeout,
)
from simuring.syscalls import nanosleep
from simuring.uapi import (
    IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_SETUP_TASKRUN_FLAG,
    IORING_SQ_TASKRUN,
    IOSQE_ASYNC,
    Timespec,
)
from tests.helpers.delay_op import delay_registry, prep_delay
from tests.helpers.ring import ring_ctx
from tests.helpers.sim import Runner

DEFER = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN


def async_nops(ring, n, first=0):
    """Queue ``n`` IOSQE_ASYNC NOPs: io-wq workers complete them from another task."""
    for i in range(n):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_flags(sqe, IOSQE_ASYNC)
        io_uring_sqe_set_data64(sqe, first + i)


def test_defer_taskrun_completion_invisible_until_owner_waits(runner):
    out = {}
    shared = {}

    def owner():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, DEFER)) == 0
        shared["ring"] = ring
        async_nops(ring, 1)
        assert (yield from io_uring_submit(ring)) == 1
        yield from nanosleep(200_000)  # plenty for the io-wq worker to finish
        out["ready_before_wait"] = io_uring_cq_ready(ring)
        out["local_work_pending"] = len(ring_ctx(ring).local_work)
        cqe = Cqe()
        out["wait"] = yield from io_uring_wait_cqe(ring, cqe)
        out["cqe"] = (cqe[0].user_data, cqe[0].res)

    def other_waiter():
        yield from nanosleep(100_000)
        cqe = Cqe()
        out["other_wait"] = yield from io_uring_wait_cqe(shared["ring"], cqe)

    t = runner.spawn(owner)
    runner.spawn(other_waiter, process=t.process)
    runner.run()
    assert out["ready_before_wait"] == 0
    assert out["local_work_pending"] == 1
    assert out["other_wait"] == -EEXIST
    assert out["wait"] == 0 and out["cqe"] == (0, 0)


def test_defer_taskrun_wakes_waiter_once_for_a_batch():
    """8 completions spread over 80 us, waiting for 8: DEFER_TASKRUN sleeps once;
    the default mode is woken by task work for every completion."""
    runner = Runner(registry=delay_registry())
    results = {}

    def waiter(flags, key):
        ring = Ring()
        assert (yield from io_uring_queue_init(16, ring, flags)) == 0
        for i in range(8):
            prep_delay(io_uring_get_sqe(ring), (i + 1) * 10_000, i)
        assert (yield from io_uring_submit(ring)) == 8
        cqe = Cqe()
        assert (yield from io_uring_wait_cqe_nr(ring, cqe, 8)) == 0
        results[key] = io_uring_cq_ready(ring)

    t_defer = runner.spawn(waiter, DEFER, "defer", cpu=0)
    t_default = runner.spawn(waiter, 0, "default", cpu=1)
    runner.run()
    assert results == {"defer": 8, "default": 8}
    assert t_defer.stats.waits == 1 and t_defer.context_switches == 1
    assert t_default.stats.taskwork_wakeups == 8
    assert t_default.context_switches == 8


def test_default_mode_interrupts_a_computing_task_coop_does_not(runner):
    """A completion for a task busy in user space: IPI (default) vs no IPI (COOP_TASKRUN)."""
    out = {}

    def task(flags, key):
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, flags)) == 0
        async_nops(ring, 1)
        yield from io_uring_submit(ring)
        start = current_sim().env.now
        yield from compute(500_000)  # busy in user space while the worker completes the NOP
        out[key] = {
            "ready_after_compute": io_uring_cq_ready(ring),
            "compute_took": current_sim().env.now - start,
            "taskrun_flag": bool(ring.rings.sq_flags & IORING_SQ_TASKRUN),
        }
        cqe = Cqe()
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0

    t_default = runner.spawn(task, 0, "default", cpu=0)
    t_coop = runner.spawn(task, IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, "coop", cpu=1)
    runner.run()
    assert t_default.stats.ipis == 1 and t_coop.stats.ipis == 0
    # the IPI ran the task work: the CQE is there and the computation took longer
    assert out["default"]["ready_after_compute"] == 1
    assert out["default"]["compute_took"] > 500_000
    # COOP: nothing ran yet; TASKRUN_FLAG tells user space to enter the kernel
    assert out["coop"]["ready_after_compute"] == 0
    assert out["coop"]["compute_took"] == 500_000
    assert out["coop"]["taskrun_flag"] is True


def test_peek_flushes_pending_task_work_like_liburing(runner):
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG)) == 0
        async_nops(ring, 1)
        yield from io_uring_submit(ring)
        yield from compute(200_000)
        cqe = Cqe()
        out["peek"] = io_uring_peek_cqe(ring, cqe)  # sees IORING_SQ_TASKRUN, enters the kernel
        out["res"] = cqe[0].res if cqe[0] is not None else None
        out["flag_after"] = bool(ring.rings.sq_flags & IORING_SQ_TASKRUN)

    runner.spawn(task)
    runner.run()
    assert out == {"peek": 0, "res": 0, "flag_after": False}


def test_get_events_runs_deferred_work(runner):
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, DEFER)) == 0
        async_nops(ring, 2)
        yield from io_uring_submit(ring)
        yield from nanosleep(200_000)
        out["before"] = io_uring_cq_ready(ring)
        out["ret"] = yield from io_uring_get_events(ring)
        out["after"] = io_uring_cq_ready(ring)
        cqe = Cqe()
        for _ in range(2):
            yield from io_uring_wait_cqe(ring, cqe)
            io_uring_cqe_seen(ring, cqe[0])

    runner.spawn(task)
    runner.run()
    assert out == {"before": 0, "ret": 0, "after": 2}


def test_wait_with_ext_arg_timeout_gives_etime(runner):
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        env = current_sim().env
        start = env.now
        cqe = Cqe()
        out["ret"] = yield from io_uring_wait_cqe_timeout(ring, cqe, Timespec(0, 1_000_000))
        out["waited"] = env.now - start

    runner.spawn(task)
    runner.run()
    assert out["ret"] == -ETIME
    assert 1_000_000 <= out["waited"] < 1_100_000
