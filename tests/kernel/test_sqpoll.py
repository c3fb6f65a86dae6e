"""SQPOLL: the polling thread submits, idles into NEED_WAKEUP, resumes on SQ_WAKEUP."""

from __future__ import annotations

from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_enter,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_exit,
    io_uring_queue_init_params,
    io_uring_sq_space_left,
    io_uring_sqe_set_data64,
    io_uring_sqring_wait,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.syscalls import nanosleep
from simuring.uapi import (
    IORING_ENTER_SQ_WAIT,
    IORING_SETUP_ATTACH_WQ,
    IORING_SETUP_SQ_AFF,
    IORING_SETUP_SQPOLL,
    IORING_SQ_NEED_WAKEUP,
    Params,
)
from tests.helpers.ring import ring_ctx


def test_sqpoll_idles_into_need_wakeup_and_resumes_on_sq_wakeup(runner):
    out = {}

    def task():
        ring = Ring()
        p = Params(flags=IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, sq_thread_idle=1, sq_thread_cpu=5)
        assert (yield from io_uring_queue_init_params(8, ring, p)) == 0
        cqe = Cqe()
        sqpoll = ring_ctx(ring).sqpoll

        io_uring_prep_nop(io_uring_get_sqe(ring))
        # the new thread found nothing on its first pass and went to sleep at once (io_sq_thread's
        # idle deadline starts long past): this submit sees NEED_WAKEUP and wakes it
        out["submit1"] = yield from io_uring_submit(ring)
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
        io_uring_cqe_seen(ring, cqe[0])
        out["flag_while_busy"] = ring.rings.sq_flags & IORING_SQ_NEED_WAKEUP

        yield from nanosleep(3_000_000)  # > sq_thread_idle (1 ms)
        out["flag_after_idle"] = ring.rings.sq_flags & IORING_SQ_NEED_WAKEUP
        out["sleeps"] = sqpoll.sleeps

        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 42)
        out["submit2"] = yield from io_uring_submit(ring)  # sees NEED_WAKEUP: enters with SQ_WAKEUP
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
        out["cqe2"] = cqe[0].user_data
        out["wakeups"] = sqpoll.wakeups
        out["flag_after_wakeup"] = ring.rings.sq_flags & IORING_SQ_NEED_WAKEUP

    t = runner.spawn(task, cpu=0)
    result = runner.run()
    assert out["submit1"] == 1 and out["submit2"] == 1
    assert out["flag_while_busy"] == 0
    assert out["flag_after_idle"] == IORING_SQ_NEED_WAKEUP and out["sleeps"] == 2  # at start, after idling
    assert out["cqe2"] == 42 and out["wakeups"] == 2
    assert out["flag_after_wakeup"] == 0
    # both submits entered the kernel, to wake the sleeping thread
    assert t.stats.syscalls["io_uring_enter"] >= 2
    sqp = [x for x in result.tasks if x.name.startswith("iou-sqp")]
    assert len(sqp) == 1 and sqp[0].stats["sqes"] == {"NOP": 2}
    # the thread occupied its pinned CPU while polling: about the 1 ms idle period at least
    busy = {c["cpu"]: c["busy_ns"] for c in result.cpus}
    assert busy[5] >= 1_000_000


def test_sqpoll_submit_does_not_enter_while_thread_is_awake(runner):
    counts = {}

    def task():
        ring = Ring()
        p = Params(flags=IORING_SETUP_SQPOLL, sq_thread_idle=10)
        assert (yield from io_uring_queue_init_params(8, ring, p)) == 0
        cqe = Cqe()
        for i in range(5):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            io_uring_sqe_set_data64(sqe, i)
            yield from io_uring_submit(ring)
            assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
            assert cqe[0].user_data == i
            io_uring_cqe_seen(ring, cqe[0])

    t = runner.spawn(task)
    runner.run()
    counts.update(t.stats.syscalls)
    # the waits entered the kernel (the CQE was not there yet), and the first submission, to wake
    # the thread that went to sleep on its first pass; no later submission enters
    assert counts["io_uring_enter"] <= 6
    assert sum(t.stats.ops.values()) == 0  # the application's task submitted nothing itself


def test_sqpoll_thread_runs_task_work_while_it_polls(runner):
    """A READ submitted by the SQ thread parks on an empty pipe; the write
    completes it through task work queued on the SQ thread, which runs it on
    its next pass (io_sq_tw): the CQE comes microseconds after the write,
    not when the idle period (1 s here) runs out."""
    from simuring.liburing import io_uring_prep_read
    from simuring.syscalls import pipe, write

    out = {}
    fds = []

    def reader():
        assert (yield from pipe(fds)) == 0
        ring = Ring()
        p = Params(flags=IORING_SETUP_SQPOLL, sq_thread_idle=1000)
        assert (yield from io_uring_queue_init_params(8, ring, p)) == 0
        io_uring_prep_read(io_uring_get_sqe(ring), fds[0], bytearray(8), 8, 0)
        yield from io_uring_submit(ring)
        cqe = Cqe()
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
        out["res"] = cqe[0].res
        out["seen_at"] = runner.sim.env.now

    def writer():
        yield from nanosleep(50_000)
        out["wrote_at"] = runner.sim.env.now
        assert (yield from write(fds[1], b"8 bytes!", 8)) == 8

    t = runner.spawn(reader, cpu=0)
    runner.spawn(writer, process=t.process, cpu=5)  # not where the SQ thread polls
    runner.run()
    assert out["res"] == 8
    assert 0 < out["seen_at"] - out["wrote_at"] < 20_000


def test_sq_thread_on_the_submitters_cpu_gives_it_up_at_its_slice_end(runner):
    """SQ_AFF pins the SQ thread to the submitter's CPU (fuzzer seed 149): the
    thread busy-polls there, and the application, woken by its CQE, waits for
    the thread's time slice to end (the first tick after 3 ms), not for the
    whole idle period (1 s)."""
    out = {}

    def task():
        ring = Ring()
        p = Params(flags=IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, sq_thread_cpu=0, sq_thread_idle=1000)
        assert (yield from io_uring_queue_init_params(8, ring, p)) == 0
        io_uring_prep_nop(io_uring_get_sqe(ring))
        yield from io_uring_submit(ring)
        cqe = Cqe()
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
        out["cqe_seen_at"] = runner.sim.env.now

    runner.spawn(task, cpu=0)
    runner.run()
    assert 3_000_000 <= out["cqe_seen_at"] <= 8_000_000


def test_new_sq_thread_sleeps_at_once_without_work(runner):
    """io_sq_thread's idle deadline starts at 0: with nothing to submit on its first pass it sets
    IORING_SQ_NEED_WAKEUP at once, whatever sq_thread_idle is (here the default second)."""
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init_params(8, ring, Params(flags=IORING_SETUP_SQPOLL))) == 0
        yield from nanosleep(10_000_000)  # far below the second of idle time
        out["flag"] = ring.rings.sq_flags & IORING_SQ_NEED_WAKEUP
        out["sleeps"] = ring_ctx(ring).sqpoll.sleeps

    runner.spawn(task, cpu=0)
    runner.run()
    assert out == {"flag": IORING_SQ_NEED_WAKEUP, "sleeps": 1}


def test_sq_wait_sleeps_until_the_thread_makes_room(runner):
    """IORING_ENTER_SQ_WAIT (io_sqpoll_wait_sq): with the SQ full the enter returns only once the
    SQ thread has consumed SQEs; io_uring_sqring_wait uses it and the SQ has room afterwards."""
    out = {}

    def task():
        ring = Ring()
        p = Params(flags=IORING_SETUP_SQPOLL, sq_thread_idle=1)
        assert (yield from io_uring_queue_init_params(4, ring, p)) == 0
        yield from nanosleep(5_000_000)  # the thread sleeps
        for i in range(4):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            io_uring_sqe_set_data64(sqe, i)
        out["full"] = io_uring_sq_space_left(ring)
        out["submit"] = yield from io_uring_submit(ring)  # wakes it
        out["wait"] = yield from io_uring_sqring_wait(ring)
        out["room"] = io_uring_sq_space_left(ring)
        cqe = Cqe()
        for _ in range(4):
            assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
            io_uring_cqe_seen(ring, cqe[0])
        # not full: SQ_WAIT returns at once
        out["not full"] = yield from io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAIT, None)

    runner.spawn(task, cpu=0)
    runner.run()
    assert out["full"] == 0 and out["submit"] == 4 and out["wait"] == 0 and out["not full"] == 0
    assert out["room"] > 0


def test_attached_sqpoll_ring_shares_the_thread(runner):
    """IORING_SETUP_SQPOLL|ATTACH_WQ (io_attach_sq_data): one thread serves both rings, idles for
    the longer sq_thread_idle, flags both rings when it sleeps, and serves the first ring on after
    the second is gone."""
    out = {}

    def submit_nop(ring, ud):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, ud)
        yield from io_uring_submit(ring)
        cqe = Cqe()
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
        assert cqe[0].user_data == ud
        io_uring_cqe_seen(ring, cqe[0])

    def task():
        a, b = Ring(), Ring()
        assert (yield from io_uring_queue_init_params(4, a, Params(flags=IORING_SETUP_SQPOLL, sq_thread_idle=1))) == 0
        pb = Params(flags=IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ, sq_thread_idle=50, wq_fd=a.ring_fd)
        assert (yield from io_uring_queue_init_params(4, b, pb)) == 0
        out["same thread"] = ring_ctx(a).sqpoll is ring_ctx(b).sqpoll
        yield from submit_nop(a, 1)
        yield from submit_nop(b, 2)
        yield from nanosleep(20_000_000)  # past a's idle time, not the thread's (b's 50 ms)
        out["a flag while polling"] = a.rings.sq_flags & IORING_SQ_NEED_WAKEUP
        yield from nanosleep(100_000_000)
        out["flags asleep"] = (a.rings.sq_flags & IORING_SQ_NEED_WAKEUP, b.rings.sq_flags & IORING_SQ_NEED_WAKEUP)
        yield from io_uring_queue_exit(b)
        yield from submit_nop(a, 3)
        yield from io_uring_queue_exit(a)

    runner.spawn(task, cpu=0)
    result = runner.run()
    assert out["same thread"] and out["a flag while polling"] == 0
    assert out["flags asleep"] == (IORING_SQ_NEED_WAKEUP, IORING_SQ_NEED_WAKEUP)
    sqp = [x for x in result.tasks if x.name.startswith("iou-sqp")]
    assert len(sqp) == 1 and sqp[0].stats["sqes"] == {"NOP": 3}
