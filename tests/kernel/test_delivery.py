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
    io_uring_prep_read,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_wait_cqe,
    io_uring_wait_cqe_nr,
    io_uring_wait_cqe_timeout,
)
from simuring.syscalls import nanosleep, pipe, write
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


def park_read(ring, fds, buf):
    """A READ on an empty pipe: it parks through fast poll and completes, as
    task work, from the writer's wake-up (in every delivery mode)."""
    io_uring_prep_read(io_uring_get_sqe(ring), fds[0], buf, len(buf), 0)


def test_default_mode_interrupts_a_computing_task_coop_does_not(runner):
    """A completion for a task busy in user space: IPI (default) vs no IPI (COOP_TASKRUN)."""
    out = {}

    def task(flags, key, fds):
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, flags)) == 0
        assert (yield from pipe(fds)) == 0
        park_read(ring, fds, bytearray(8))
        yield from io_uring_submit(ring)
        start = current_sim().env.now
        yield from compute(500_000)  # busy in user space while the writer completes the READ
        out[key] = {
            "ready_after_compute": io_uring_cq_ready(ring),
            "compute_took": current_sim().env.now - start,
            "taskrun_flag": bool(ring.rings.sq_flags & IORING_SQ_TASKRUN),
        }
        cqe = Cqe()
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0

    def writer(fds):
        yield from nanosleep(100_000)
        assert (yield from write(fds[1], b"8 bytes!", 8)) == 8

    fds_default, fds_coop = [], []
    t_default = runner.spawn(task, 0, "default", fds_default, cpu=0)
    t_coop = runner.spawn(task, IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, "coop", fds_coop, cpu=1)
    runner.spawn(writer, fds_default, process=t_default.process, cpu=2)
    runner.spawn(writer, fds_coop, process=t_coop.process, cpu=3)
    runner.run()
    assert t_default.stats.ipis == 1 and t_coop.stats.ipis == 0
    # the IPI ran the task work: the CQE is there and the computation took longer
    assert out["default"]["ready_after_compute"] == 1
    assert out["default"]["compute_took"] > 500_000
    # COOP: nothing ran yet (no tick before 4 ms); TASKRUN_FLAG tells user space to enter the kernel
    assert out["coop"]["ready_after_compute"] == 0
    assert out["coop"]["compute_took"] == 500_000
    assert out["coop"]["taskrun_flag"] is True


def test_iowq_worker_posts_the_cqe_itself_unless_the_ring_defers_task_work(runner):
    """io_req_complete_post: on rings without DEFER_TASKRUN the io-wq worker
    posts the CQE (no task work, no IPI: a computing task sees it at once);
    on a DEFER_TASKRUN ring (lockless CQ) it goes to the owner as deferred
    work and shows only when the owner waits."""
    out = {}

    def task(flags, key):
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, flags)) == 0
        async_nops(ring, 1)
        yield from io_uring_submit(ring)
        yield from compute(500_000)
        out[key] = io_uring_cq_ready(ring)
        cqe = Cqe()
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0

    tasks = {
        key: runner.spawn(task, flags, key, cpu=i)
        for i, (key, flags) in enumerate(
            (("default", 0), ("coop", IORING_SETUP_COOP_TASKRUN), ("defer", DEFER))
        )
    }
    runner.run()
    assert out == {"default": 1, "coop": 1, "defer": 0}
    assert all(t.stats.ipis == 0 and t.stats.taskwork_wakeups == 0 for t in tasks.values())


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


def spin_until_cqe(ring, chunk_ns, limit_ns):
    """Compute in user space in ``chunk_ns`` slices until a CQE shows (or ``limit_ns`` passed);
    the instant it was first seen, None if never."""
    env = current_sim().env
    while env.now < limit_ns:
        yield from compute(chunk_ns)
        if io_uring_cq_ready(ring):
            return int(env.now)
    return None


def test_coop_taskrun_work_reaches_a_computing_task_at_the_next_tick(runner):
    """A READ parked on an empty pipe (fast poll) completes from the writer's
    wake-up as task work: on a COOP_TASKRUN ring (no IPI) it reaches a task
    computing in user space when it returns to user space through the next
    timer tick (HZ 250: every 4 ms), not at once and not never."""
    out = {}
    fds = []

    def reader():
        assert (yield from pipe(fds)) == 0
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, IORING_SETUP_COOP_TASKRUN)) == 0
        park_read(ring, fds, bytearray(8))
        yield from io_uring_submit(ring)
        out["seen"] = yield from spin_until_cqe(ring, 2_000, 20_000_000)

    def writer():
        yield from nanosleep(5_000_000)  # after the first tick
        out["wrote_at"] = current_sim().env.now
        assert (yield from write(fds[1], b"x" * 8, 8)) == 8

    t = runner.spawn(reader, cpu=0)
    runner.spawn(writer, process=t.process, cpu=1)
    runner.run()
    assert 1_000_000_000 // runner.sim.costs.sched.hz == 4_000_000
    assert t.stats.ipis == 0
    assert 5_000_000 < out["wrote_at"] < 8_000_000
    assert out["seen"] is not None and 8_000_000 < out["seen"] <= 8_000_000 + 3_000


def test_no_tick_with_hz_0_leaves_coop_work_to_the_next_kernel_entry():
    runner = Runner(overrides=["sched.hz=0"])
    out = {}
    fds = []

    def reader():
        assert (yield from pipe(fds)) == 0
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, IORING_SETUP_COOP_TASKRUN)) == 0
        park_read(ring, fds, bytearray(8))
        yield from io_uring_submit(ring)
        out["seen"] = yield from spin_until_cqe(ring, 50_000, 10_000_000)

    def writer():
        yield from nanosleep(100_000)
        assert (yield from write(fds[1], b"x" * 8, 8)) == 8

    t = runner.spawn(reader)
    runner.spawn(writer, process=t.process)
    runner.run()
    assert out["seen"] is None


def test_deferred_work_runs_in_passes_of_at_most_20(runner):
    """__io_run_local_work: a GETEVENTS with min_complete 0 runs IO_LOCAL_TW_DEFAULT_MAX items; the rest
    stays queued with IORING_SQ_TASKRUN set again (TASKRUN_FLAG); a wait for more than 20 runs as many."""
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(32, ring, DEFER | IORING_SETUP_TASKRUN_FLAG)) == 0
        async_nops(ring, 30)
        yield from io_uring_submit(ring)
        yield from nanosleep(2_000_000)
        yield from io_uring_get_events(ring)
        out["after get_events"] = io_uring_cq_ready(ring)
        out["flag left"] = bool(ring.rings.sq_flags & IORING_SQ_TASKRUN)
        cqe = Cqe()
        yield from io_uring_wait_cqe_nr(ring, cqe, 30)
        out["after wait"] = io_uring_cq_ready(ring)
        out["flag after"] = bool(ring.rings.sq_flags & IORING_SQ_TASKRUN)
        for _ in range(30):
            yield from io_uring_wait_cqe(ring, cqe)
            io_uring_cqe_seen(ring, cqe[0])
        async_nops(ring, 30, first=100)
        yield from io_uring_submit(ring)
        yield from nanosleep(2_000_000)
        yield from io_uring_wait_cqe_nr(ring, cqe, 25)
        out["after wait for 25"] = io_uring_cq_ready(ring)

    runner.spawn(task)
    runner.run()
    assert out == {"after get_events": 20, "flag left": True, "after wait": 30, "flag after": False, "after wait for 25": 25}
