"""TIMEOUT, TIMEOUT_REMOVE and LINK_TIMEOUT (opcodes/timeout.py) on the simulated kernel."""

from __future__ import annotations

from typing import Any

from simuring.abi.errno import EALREADY, ECANCELED, EFAULT, EINVAL, ENOENT, ETIME
from simuring.engine.sim import current_simulation as current_sim
from simuring.host.events import call_at
from simuring.kernel.clock import REALTIME_START_NS, monotonic_ns
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_cancel64,
    io_uring_prep_link_timeout,
    io_uring_prep_timeout_remove,
    io_uring_prep_timeout_update,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
)
from simuring.syscalls import nanosleep
from simuring.uapi import (
    IORING_ASYNC_CANCEL_ANY,
    IORING_CQE_F_MORE,
    IORING_TIMEOUT_ABS,
    IORING_TIMEOUT_ETIME_SUCCESS,
    IORING_TIMEOUT_MULTISHOT,
    IORING_TIMEOUT_REALTIME,
    IOSQE_ASYNC,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_IO_LINK,
    Timespec,
)
from tests.helpers.ring import MS, drain, nop, reap, reap_flags, run, timeout
from tests.helpers.sim import Runner

US = 1_000


def link_timeout(ring, ud, ns, sqe_flags=0):
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_link_timeout(sqe, Timespec(0, ns), 0)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


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


def test_timeout_counts_completions_earlier_in_its_own_submission(runner):
    """io_timeout takes its target from ctx->cached_cq_tail, which does not yet count the CQEs of
    the batch being submitted (filled in at its flush): two NOPs before a count-2 TIMEOUT in the
    same submit complete it at once (Linux 6.18), with 0 after them."""

    def body(ring):
        nop(ring, 1)
        nop(ring, 2)
        timeout(ring, 3, 1000 * MS, count=2)
        assert (yield from io_uring_submit(ring)) == 3
        return (yield from reap(ring, 3))

    out = run(runner, body)
    assert out["cqes"] == [(1, 0), (2, 0), (3, 0)]
    assert out["t1"] - out["t0"] < 1 * MS  # well before the 1 s timer


def test_absolute_timeout_fires_at_the_instant(runner):
    """IORING_TIMEOUT_ABS: an instant of CLOCK_MONOTONIC, which reads an hour at the
    simulation's start (a machine in use): 3 ms from now fires then; 1 ms after
    boot is long past and fires at once, as on the real kernel."""

    def body(ring):
        at = monotonic_ns(current_sim().now) + 3 * MS
        timeout(ring, 1, at, flags=IORING_TIMEOUT_ABS)
        yield from io_uring_submit(ring)
        cqes = yield from reap(ring, 1)
        assert at <= monotonic_ns(current_sim().now) < at + 200_000
        before = current_sim().now
        timeout(ring, 2, 1 * MS, flags=IORING_TIMEOUT_ABS)
        yield from io_uring_submit(ring)
        cqes += yield from reap(ring, 1)
        assert current_sim().now - before < 100_000
        return cqes

    assert run(runner, body)["cqes"] == [(1, -ETIME), (2, -ETIME)]


def test_absolute_realtime_timeout_counts_from_the_epoch(runner):
    """IORING_TIMEOUT_REALTIME|ABS: CLOCK_REALTIME reads REALTIME_START_NS at
    the simulation's start, so an instant in 2001 is past (fires at once) and
    one 3 ms after the start fires then."""

    def body(ring):
        timeout(ring, 1, 1_000_000_000 * 10**9, flags=IORING_TIMEOUT_ABS | IORING_TIMEOUT_REALTIME)
        yield from io_uring_submit(ring)
        cqes = yield from reap(ring, 1)
        assert current_sim().now < 1 * MS
        at = REALTIME_START_NS + current_sim().now + 3 * MS
        timeout(ring, 2, at, flags=IORING_TIMEOUT_ABS | IORING_TIMEOUT_REALTIME)
        yield from io_uring_submit(ring)
        cqes += yield from reap(ring, 1)
        assert at - REALTIME_START_NS <= current_sim().now < at - REALTIME_START_NS + 200_000
        return cqes

    assert run(runner, body)["cqes"] == [(1, -ETIME), (2, -ETIME)]


def test_timeout_prep_errors(runner):
    def body(ring):
        sqe = timeout(ring, 1, MS)
        sqe.len = 2  # must be 1
        timeout(ring, 2, MS, flags=1 << 20)  # unknown flag
        timeout(ring, 3, MS, flags=IORING_TIMEOUT_MULTISHOT | IORING_TIMEOUT_ABS)  # relative only
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


def test_timer_already_expired_at_arming_fires_before_the_submitter_goes_on(runner):
    """A timer started with an expiry already reached (here an update to 0 ns)
    fires at once, as the kernel's hrtimer interrupt does as soon as
    ``timeout_lock`` is dropped: its -ETIME task work is queued before the
    update completes and queues its linked NOP (Linux 6.18: update, TIMEOUT,
    NOP; conform scenario lt-timeout-update-linked)."""

    def body(ring):
        timeout(ring, 1, 1000 * MS)
        yield from io_uring_submit(ring)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout_update(sqe, Timespec(0, 0), 1, 0)
        io_uring_sqe_set_data64(sqe, 2)
        io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 3))

    out = run(runner, body)
    assert out["cqes"] == [(2, 0), (1, -ETIME), (3, 0)]
    assert out["t1"] - out["t0"] < 1 * MS


def test_timeout_remove_in_the_firing_instant_is_ealready(runner):
    """White-box: a lookup at the very instant the timer fired finds it expiring."""
    from simuring.opcodes.timeout import ring_timeouts
    from tests.helpers.ring import ring_ctx

    seen = {}

    def body(ring):
        sim = current_sim()
        at = sim.now + 2 * MS
        timeout(ring, 1, monotonic_ns(at), flags=IORING_TIMEOUT_ABS)
        yield from io_uring_submit(ring)
        st = ring_timeouts(ring_ctx(ring))
        call_at(sim.env, at, lambda: seen.setdefault("at_fire", st.find(1, False)))
        cqes = yield from reap(ring, 1)
        seen["later"] = st.find(1, False)
        return cqes

    assert run(runner, body)["cqes"] == [(1, -ETIME)]
    assert seen == {"at_fire": -EALREADY, "later": -ENOENT}


def test_timeout_update_turns_a_counted_timeout_into_a_pure_timer(runner: Runner) -> None:
    """io_timeout_update sets the timeout's count to 0: after the update only the
    new timer completes it (-ETIME); later CQEs (the update's own, a NOP) do not."""

    def body(ring: Ring) -> Any:
        timeout(ring, 1, 100_000 * MS, count=1)
        yield from io_uring_submit(ring)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout_update(sqe, Timespec(0, 500 * US), 1, 0)
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 3))

    out = run(runner, body)
    assert out["cqes"] == [(2, 0), (3, 0), (1, -ETIME)]
    assert 500 * US <= out["t1"] - out["t0"] < 1 * MS


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


def test_expired_link_timeout_behind_an_inline_completion_finds_it_done(runner):
    """Linux 6.15+ (__io_issue_sqe) starts the link timer once the NOP's issue returns, before its
    completion is flushed: a 0 ns timer fires first, unlinks itself and its cancel is -ENOENT (the
    chain goes on to the NOP after it)."""

    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        link_timeout(ring, 2, 0, sqe_flags=IOSQE_IO_LINK)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 3))

    assert run(runner, body)["cqes"] == [(1, 0), (2, -ENOENT), (3, 0)]


def test_expired_link_timeout_behind_an_async_nop_is_armed_after_the_workers_issue(runner):
    """IOSQE_ASYNC: the io-wq worker arms the timer after its issue returns, not at the punt, so the
    NOP completes (0) and the link timeout's cancel finds it done (-ENOENT)."""

    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK | IOSQE_ASYNC)
        link_timeout(ring, 2, 0)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    assert sorted(run(runner, body)["cqes"]) == [(1, 0), (2, -ENOENT)]


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


def test_skip_success_link_timeout_posts_nothing_when_disarmed(runner):
    """io_disarm_next completes it with -ECANCELED without req_set_fail: CQE_SKIP_SUCCESS hides it."""

    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        link_timeout(ring, 2, 10 * MS, sqe_flags=IOSQE_CQE_SKIP_SUCCESS)
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 1)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        return first + (yield from reap(ring, 1)) + drain(ring)

    assert run(runner, body)["cqes"] == [(1, 0), (3, 0)]


def test_skip_success_link_timeout_posts_nothing_when_it_fires(runner):
    """io_req_task_link_timeout sets -ETIME without req_set_fail: only the cancelled request posts."""

    def body(ring):
        timeout(ring, 1, 1000 * MS, sqe_flags=IOSQE_IO_LINK)
        link_timeout(ring, 2, 10 * MS, sqe_flags=IOSQE_CQE_SKIP_SUCCESS)
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 1)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        return first + (yield from reap(ring, 1)) + drain(ring)

    assert run(runner, body)["cqes"] == [(1, -ECANCELED), (3, 0)]


def test_etime_success_timeout_keeps_its_link(runner):
    def body(ring):
        timeout(ring, 1, 1 * MS, flags=IORING_TIMEOUT_ETIME_SUCCESS, sqe_flags=IOSQE_IO_LINK)
        nop(ring, 2)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    assert run(runner, body)["cqes"] == [(1, -ETIME), (2, 0)]


def test_etime_success_timeout_with_skip_success_posts_nothing(runner):
    """Its -ETIME is no failure: CQE_SKIP_SUCCESS hides it (scenario timeout-etime-success-skip)."""

    def body(ring):
        timeout(ring, 1, 1 * MS, flags=IORING_TIMEOUT_ETIME_SUCCESS, sqe_flags=IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
        nop(ring, 2)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 1)) + drain(ring)

    assert run(runner, body)["cqes"] == [(2, 0)]
# -- IORING_TIMEOUT_MULTISHOT (io_timeout_complete, io_timeout_finish) ------------------------
def test_multishot_timeout_repeats_count_times(runner):
    """``off`` counts expiries: 3 gives two -ETIME with F_MORE, one period
    apart, then a final -ETIME without it."""

    def body(ring):
        timeout(ring, 1, 10 * MS, count=3, flags=IORING_TIMEOUT_MULTISHOT)
        yield from io_uring_submit(ring)
        out = []
        for _ in range(3):
            out += yield from reap_flags(ring, 1)
            out.append(current_sim().now)
        return out

    out = run(runner, body)
    cqes = out["cqes"]
    assert [c for c in cqes if isinstance(c, tuple)] == [
        (1, -ETIME, IORING_CQE_F_MORE),
        (1, -ETIME, IORING_CQE_F_MORE),
        (1, -ETIME, 0),
    ]
    times = [t - out["t0"] for t in cqes if not isinstance(t, tuple)]
    assert [t // (10 * MS) for t in times] == [1, 2, 3]


def test_multishot_timeout_without_count_runs_until_removed(runner):
    def body(ring):
        timeout(ring, 1, 10 * MS, flags=IORING_TIMEOUT_MULTISHOT)
        yield from io_uring_submit(ring)
        out = yield from reap_flags(ring, 4)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout_remove(sqe, 1, 0)
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        out += yield from reap_flags(ring, 2)
        return out

    assert run(runner, body)["cqes"] == [(1, -ETIME, IORING_CQE_F_MORE)] * 4 + [(2, 0, 0), (1, -ECANCELED, 0)]


def test_multishot_timeout_updated_with_abs_repeats_with_a_relative_period(runner):
    """io_timeout_update stores the new timespec (``data->ts``) and arms this one
    expiry with the update's ABS, but ``data->mode`` stays the prep's (relative):
    the re-arms of io_timeout_complete use the new value as a period.  An
    absolute instant already past fires at once, then every 5 ms (not at once
    forever)."""

    def body(ring):
        timeout(ring, 1, 1000 * MS, flags=IORING_TIMEOUT_MULTISHOT)
        yield from io_uring_submit(ring)
        yield from nanosleep(10 * MS)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout_update(sqe, Timespec(0, 5 * MS), 1, IORING_TIMEOUT_ABS)  # 5 ms after boot: past
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        t_update = current_sim().now
        out = []
        for _ in range(4):
            out += yield from reap_flags(ring, 1)
            out.append(current_sim().now - t_update)
        return out

    cqes = run(runner, body)["cqes"]
    assert [c for c in cqes if isinstance(c, tuple)] == [(2, 0, 0)] + [(1, -ETIME, IORING_CQE_F_MORE)] * 3
    times = [t for t in cqes if not isinstance(t, tuple)]
    assert times[1] < 1 * MS  # the past instant fires at once
    assert [(t - times[1]) // (5 * MS) for t in times[2:]] == [1, 2]  # then one period apart


def test_multishot_timeout_ends_when_the_cq_is_full(runner):
    """The F_MORE CQE goes through io_req_post_cqe, which never overflows: with
    the CQ full the expiry is the final completion (-ETIME, no F_MORE)."""

    def body(ring):
        for ud in (2, 3, 4, 5):
            nop(ring, ud)
            yield from io_uring_submit(ring)  # a 2-entry SQ
        timeout(ring, 1, 10 * MS, flags=IORING_TIMEOUT_MULTISHOT)
        yield from io_uring_submit(ring)
        yield from nanosleep(15 * MS)
        return (yield from reap_flags(ring, 5))

    out = run(runner, body, entries=2)  # a 4-entry CQ
    assert out["cqes"] == [(2, 0, 0), (3, 0, 0), (4, 0, 0), (5, 0, 0), (1, -ETIME, 0)]


def test_cancel_meets_timeouts_in_timeout_list_order(runner):
    """io_timeout keeps ctx->timeout_list sorted: counted timeouts first, the one
    needing fewest events first, then pure timeouts in arming order; a
    CANCEL_ANY walks it from the head."""

    def body(ring):
        timeout(ring, 1, 1000 * MS)
        timeout(ring, 2, 1000 * MS, count=5)
        timeout(ring, 3, 1000 * MS, count=2)
        timeout(ring, 4, 1000 * MS)
        yield from io_uring_submit(ring)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY)
        io_uring_sqe_set_data64(sqe, 9)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 5))

    assert run(runner, body)["cqes"] == [(9, 4), (3, -ECANCELED), (2, -ECANCELED), (1, -ECANCELED), (4, -ECANCELED)]


def test_count_is_checked_when_the_submission_batch_is_flushed(runner):
    """io_flush_timeouts runs from io_commit_cqring_flush when the submission's
    completion batch is flushed, not as each inline CQE is filled: a NOP and a
    TIMEOUT_REMOVE after a count-1 TIMEOUT in one submission find the TIMEOUT
    still pending (remove 0, TIMEOUT -ECANCELED; Linux 6.18, conform scenario
    lt-count-reached-and-removed-same-batch)."""

    def body(ring):
        timeout(ring, 1, 1000 * MS, count=1)
        nop(ring, 2)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout_remove(sqe, 1, 0)
        io_uring_sqe_set_data64(sqe, 3)
        assert (yield from io_uring_submit(ring)) == 3
        return (yield from reap(ring, 3))

    assert run(runner, body)["cqes"] == [(2, 0), (3, 0), (1, -ECANCELED)]


def test_timeout_ops_are_einval_on_an_iopoll_ring(runner):
    """io_init_req refuses an opcode without ``iopoll`` on an IORING_SETUP_IOPOLL
    ring: TIMEOUT, TIMEOUT_REMOVE and ASYNC_CANCEL are -EINVAL; a NOP is fine
    (conform scenario lt-iopoll-ring-refuses-timeouts)."""
    from simuring.uapi import IORING_SETUP_IOPOLL

    def body(ring):
        timeout(ring, 1, 1 * MS)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout_remove(sqe, 5, 0)
        io_uring_sqe_set_data64(sqe, 2)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_cancel64(sqe, 77, 0)
        io_uring_sqe_set_data64(sqe, 3)
        nop(ring, 4)
        # each refused SQE ends the batch (io_submit_sqes stops at an init failure)
        for _ in range(4):
            yield from io_uring_submit(ring)
        return (yield from reap(ring, 4))

    out = run(runner, body, setup_flags=IORING_SETUP_IOPOLL)
    assert out["cqes"] == [(1, -EINVAL), (2, -EINVAL), (3, -EINVAL), (4, 0)]
