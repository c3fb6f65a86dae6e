"""TIMEOUT, TIMEOUT_REMOVE and LINK_TIMEOUT (opcodes/timeout.py) on the simulated kernel."""

from __future__ import annotations

from simuring.abi.errno import EALREADY, ECANCELED, EFAULT, EINVAL, ENOENT, ETIME
from simuring.host.current import current_sim
from simuring.host.events import call_at
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_link_timeout,
    io_uring_prep_nop,
    io_uring_prep_timeout,
    io_uring_prep_timeout_remove,
    io_uring_prep_timeout_update,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.uapi import IORING_TIMEOUT_ABS, IORING_TIMEOUT_MULTISHOT, IOSQE_IO_LINK, Timespec

MS = 1_000_000


def reap(ring, n):
    """Wait for ``n`` completions; returns [(user_data, res)] in CQ order."""
    out = []
    cqe = Cqe()
    for _ in range(n):
        ret = yield from io_uring_wait_cqe(ring, cqe)
        assert ret == 0
        out.append((cqe[0].user_data, cqe[0].res))
        io_uring_cqe_seen(ring, cqe[0])
    return out


def nop(ring, ud, flags=0):
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_nop(sqe)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, flags)
    return sqe


def timeout(ring, ud, ns, count=0, flags=0, sqe_flags=0):
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_timeout(sqe, Timespec(ns // 1_000_000_000, ns % 1_000_000_000), count, flags)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def link_timeout(ring, ud, ns, sqe_flags=0):
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_link_timeout(sqe, Timespec(0, ns), 0)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def run(runner, body):
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(16, ring, 0)) == 0
        sim = current_sim()
        out["t0"] = sim.now
        out["cqes"] = yield from body(ring)
        out["t1"] = sim.now

    runner.spawn(task)
    runner.run()
    return out


def test_timeout_count_completes_after_three_other_completions(runner):
    def body(ring):
        timeout(ring, 1, 1000 * MS, count=3)
        for ud in (2, 3, 4):
            nop(ring, ud)
        assert (yield from io_uring_submit(ring)) == 4
        return (yield from reap(ring, 4))

    out = run(runner, body)
    assert out["cqes"] == [(2, 0), (3, 0), (4, 0), (1, 0)]
    assert out["t1"] - out["t0"] < 1 * MS  # well before the 1 s timer


def test_timeout_count_not_reached_gives_etime_after_the_time(runner):
    def body(ring):
        timeout(ring, 1, 10 * MS, count=3)
        nop(ring, 2)
        assert (yield from io_uring_submit(ring)) == 2
        return (yield from reap(ring, 2))

    out = run(runner, body)
    assert out["cqes"] == [(2, 0), (1, -ETIME)]
    elapsed = out["t1"] - out["t0"]
    assert 10 * MS <= elapsed < 10 * MS + 200_000


def test_timeout_counts_only_completions_after_it_was_armed(runner):
    def body(ring):
        nop(ring, 1)
        nop(ring, 2)
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 2)
        timeout(ring, 3, 10 * MS, count=1)
        yield from io_uring_submit(ring)
        nop(ring, 4)
        yield from io_uring_submit(ring)
        return first + (yield from reap(ring, 2))

    out = run(runner, body)
    assert out["cqes"] == [(1, 0), (2, 0), (4, 0), (3, 0)]


def test_absolute_timeout_fires_at_the_instant(runner):
    def body(ring):
        at = current_sim().now + 3 * MS
        timeout(ring, 1, at, flags=IORING_TIMEOUT_ABS)
        yield from io_uring_submit(ring)
        cqes = yield from reap(ring, 1)
        assert at <= current_sim().now < at + 200_000
        return cqes

    assert run(runner, body)["cqes"] == [(1, -ETIME)]


def test_timeout_prep_errors(runner):
    def body(ring):
        sqe = timeout(ring, 1, MS)
        sqe.len = 2  # must be 1
        timeout(ring, 2, MS, flags=1 << 20)  # unknown flag
        timeout(ring, 3, MS, flags=IORING_TIMEOUT_MULTISHOT)  # not modelled
        sqe = timeout(ring, 4, MS)
        sqe.addr = 0  # no timespec
        sqe = timeout(ring, 5, MS)
        sqe.addr = Timespec(-1, 0)
        res = []
        for _ in range(5):
            yield from io_uring_submit(ring)  # each failure stops the batch
            res += yield from reap(ring, 1)
        return res

    assert run(runner, body)["cqes"] == [(1, -EINVAL), (2, -EINVAL), (3, -EINVAL), (4, -EFAULT), (5, -EINVAL)]


def test_timeout_remove(runner):
    def body(ring):
        timeout(ring, 1, 1000 * MS)
        yield from io_uring_submit(ring)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout_remove(sqe, 1, 0)
        io_uring_sqe_set_data64(sqe, 2)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout_remove(sqe, 77, 0)
        io_uring_sqe_set_data64(sqe, 3)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 3))

    out = run(runner, body)
    assert sorted(out["cqes"]) == [(1, -ECANCELED), (2, 0), (3, -ENOENT)]
    assert out["t1"] - out["t0"] < 1 * MS


def test_timeout_update_rearms_the_timer(runner):
    def body(ring):
        timeout(ring, 1, 1000 * MS)
        yield from io_uring_submit(ring)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout_update(sqe, Timespec(0, 5 * MS), 1, 0)
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    out = run(runner, body)
    assert out["cqes"] == [(2, 0), (1, -ETIME)]
    assert 5 * MS <= out["t1"] - out["t0"] < 6 * MS


def test_timeout_remove_in_the_firing_instant_is_ealready(runner):
    """White-box: a lookup at the very instant the timer fired finds it expiring."""
    from simuring.opcodes.timeout import ring_timeouts

    seen = {}

    def body(ring):
        sim = current_sim()
        at = sim.now + 2 * MS
        timeout(ring, 1, at, flags=IORING_TIMEOUT_ABS)
        yield from io_uring_submit(ring)
        st = ring_timeouts(ring._ctx)
        call_at(sim.env, at, lambda: seen.setdefault("at_fire", st.find(1, False)))
        cqes = yield from reap(ring, 1)
        seen["later"] = st.find(1, False)
        return cqes

    assert run(runner, body)["cqes"] == [(1, -ETIME)]
    assert seen == {"at_fire": -EALREADY, "later": -ENOENT}


# -- LINK_TIMEOUT -----------------------------------------------------------------


def test_link_timeout_fires_first_cancels_the_request(runner):
    def body(ring):
        timeout(ring, 1, 1000 * MS, sqe_flags=IOSQE_IO_LINK)
        link_timeout(ring, 2, 10 * MS)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    out = run(runner, body)
    assert sorted(out["cqes"]) == [(1, -ECANCELED), (2, -ETIME)]
    assert 10 * MS <= out["t1"] - out["t0"] < 11 * MS


def test_link_timeout_fired_cancels_the_rest_of_the_chain(runner):
    def body(ring):
        timeout(ring, 1, 1000 * MS, sqe_flags=IOSQE_IO_LINK)
        link_timeout(ring, 2, 10 * MS, sqe_flags=IOSQE_IO_LINK)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 3))

    assert sorted(run(runner, body)["cqes"]) == [(1, -ECANCELED), (2, -ETIME), (3, -ECANCELED)]


def test_request_completing_first_cancels_the_link_timeout(runner):
    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        link_timeout(ring, 2, 10 * MS, sqe_flags=IOSQE_IO_LINK)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 3))

    out = run(runner, body)
    assert out["cqes"] == [(1, 0), (2, -ECANCELED), (3, 0)]
    assert out["t1"] - out["t0"] < 1 * MS


def test_armed_link_timeout_is_cancelled_when_the_request_finishes_first(runner):
    def body(ring):
        timeout(ring, 1, 5 * MS, sqe_flags=IOSQE_IO_LINK)
        link_timeout(ring, 2, 1000 * MS)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    out = run(runner, body)
    assert out["cqes"] == [(1, -ETIME), (2, -ECANCELED)]
    assert 5 * MS <= out["t1"] - out["t0"] < 6 * MS


def test_link_timeout_without_a_linked_request_is_einval(runner):
    def body(ring):
        link_timeout(ring, 1, MS)  # first in the batch
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 1)
        nop(ring, 2)  # not linked
        link_timeout(ring, 3, MS)
        yield from io_uring_submit(ring)
        return first + (yield from reap(ring, 2))

    assert run(runner, body)["cqes"] == [(1, -EINVAL), (2, 0), (3, -EINVAL)]
