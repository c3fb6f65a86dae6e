"""Link chains, drain and CQE_SKIP_SUCCESS on the simulated kernel (core submit path).

IOSQE_IO_DRAIN on a member of a link chain (io_init_drain / ctx->drain_next):
a DRAIN on a request that joins a chain being assembled drains the chain's
head (the whole chain starts after every earlier request) and the next
request that does not join a chain (it starts after the chain), also when it
is submitted by a later io_uring_enter.
"""

from __future__ import annotations

from simuring.abi.errno import ECANCELED, EINVAL, EIO, EOPNOTSUPP, ETIME
from simuring.engine.sim import current_simulation as current_sim
from simuring.liburing import (
    Ring,
    io_uring_cq_ready,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_prep_read,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
)
from simuring.syscalls import nanosleep, pipe, write
from simuring.uapi import (
    IORING_NOP_INJECT_RESULT,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_IO_DRAIN,
    IOSQE_IO_HARDLINK,
    IOSQE_IO_LINK,
)
from tests.helpers.ring import MS, nop, reap, run, timeout


def failing_nop(ring, ud, res, flags=0):
    sqe = nop(ring, ud, flags)
    sqe.nop_flags = IORING_NOP_INJECT_RESULT
    sqe.len = res & 0xFFFF_FFFF
    return sqe


def test_failed_middle_request_cancels_the_tail(runner):
    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        failing_nop(ring, 2, -EIO, IOSQE_IO_LINK)
        nop(ring, 3, IOSQE_IO_LINK)
        nop(ring, 4)
        assert (yield from io_uring_submit(ring)) == 4
        return (yield from reap(ring, 4))

    assert run(runner, body)["cqes"] == [(1, 0), (2, -EIO), (3, -ECANCELED), (4, -ECANCELED)]


def test_hardlink_runs_the_tail_after_a_failure(runner):
    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        failing_nop(ring, 2, -EIO, IOSQE_IO_HARDLINK)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 3))

    assert run(runner, body)["cqes"] == [(1, 0), (2, -EIO), (3, 0)]


def test_prep_failure_inside_a_chain_fails_the_whole_chain_and_submission_goes_on(runner):
    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        sqe = nop(ring, 2, IOSQE_IO_LINK)
        sqe.nop_flags = 1 << 20  # unknown NOP flag: -EINVAL at prep
        nop(ring, 3)  # closes the chain
        nop(ring, 4)  # independent, after the chain
        assert (yield from io_uring_submit(ring)) == 4
        return (yield from reap(ring, 4))

    # the head fails in the submission's completion batch, with the independent
    # NOP; the rest of the chain is failed from task work (io_fail_links ->
    # io_req_tw_fail_links), after that batch: Linux 6.18, conform scenario
    # lt-prep-failed-chain-before-unlinked
    assert run(runner, body)["cqes"] == [(1, -ECANCELED), (4, 0), (2, -EINVAL), (3, -ECANCELED)]


def test_prep_failure_closing_a_chain_stops_the_batch(runner):
    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        sqe = nop(ring, 2)
        sqe.nop_flags = 1 << 20
        nop(ring, 3)
        assert (yield from io_uring_submit(ring)) == 2  # the third SQE is not consumed
        cqes = yield from reap(ring, 2)
        assert (yield from io_uring_submit(ring)) == 1
        return cqes + (yield from reap(ring, 1))

    assert run(runner, body)["cqes"] == [(1, -ECANCELED), (2, -EINVAL), (3, 0)]


def test_chain_open_at_the_end_of_the_batch_is_queued_as_it_is(runner):
    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        nop(ring, 2, IOSQE_IO_LINK)
        assert (yield from io_uring_submit(ring)) == 2
        return (yield from reap(ring, 2))

    assert run(runner, body)["cqes"] == [(1, 0), (2, 0)]


def test_drain_waits_for_earlier_requests_and_holds_later_ones(runner):
    def body(ring):
        timeout(ring, 1, 5 * MS)
        timeout(ring, 2, 3 * MS)
        nop(ring, 3, IOSQE_IO_DRAIN)
        nop(ring, 4)
        assert (yield from io_uring_submit(ring)) == 4
        assert io_uring_cq_ready(ring) == 0  # nothing could complete yet
        return (yield from reap(ring, 4))

    out = run(runner, body)
    assert out["cqes"] == [(2, -ETIME), (1, -ETIME), (3, 0), (4, 0)]
    assert out["t1"] - out["t0"] >= 5 * MS


def test_cqe_skip_success_posts_only_failures(runner):
    def body(ring):
        nop(ring, 1, IOSQE_CQE_SKIP_SUCCESS)
        failing_nop(ring, 2, -EIO, IOSQE_CQE_SKIP_SUCCESS)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    out = run(runner, body)
    assert out["cqes"] == [(2, -EIO), (3, 0)]


def test_drain_after_cqe_skip_success_is_eopnotsupp(runner):
    def body(ring):
        nop(ring, 1, IOSQE_CQE_SKIP_SUCCESS)
        yield from io_uring_submit(ring)
        nop(ring, 2, IOSQE_IO_DRAIN)
        yield from io_uring_submit(ring)
        cqes = yield from reap(ring, 1)
        assert io_uring_cq_ready(ring) == 0
        return cqes

    assert run(runner, body)["cqes"] == [(2, -EOPNOTSUPP)]


def test_link_chain_member_runs_only_after_its_predecessor(runner):
    """The NOP linked after a 2 ms timeout completes after it (HARDLINK: -ETIME is a failure)."""

    def body(ring):
        timeout(ring, 1, 2 * MS, sqe_flags=IOSQE_IO_HARDLINK)
        nop(ring, 2)
        yield from io_uring_submit(ring)
        cqes = yield from reap(ring, 2)
        assert current_sim().now >= 2 * MS
        return cqes

    assert run(runner, body)["cqes"] == [(1, -ETIME), (2, 0)]


def test_failing_nop_inject_result_is_posted_as_is(runner):
    def body(ring):
        failing_nop(ring, 1, -EINVAL)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 2)
        io_uring_sqe_set_flags(sqe, 0)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    assert run(runner, body)["cqes"] == [(1, -EINVAL), (2, 0)]


def test_rings_are_independent(runner):
    """A chain on one ring does not hold requests of another."""
    out = {}

    def task():
        a, b = Ring(), Ring()
        yield from io_uring_queue_init(8, a, 0)
        yield from io_uring_queue_init(8, b, 0)
        timeout(a, 1, 5 * MS, sqe_flags=IOSQE_IO_LINK)
        nop(a, 2)
        yield from io_uring_submit(a)
        nop(b, 3)
        yield from io_uring_submit(b)
        out["b"] = yield from reap(b, 1)
        out["t_b"] = current_sim().now
        out["a"] = yield from reap(a, 2)

    runner.spawn(task)
    runner.run()
    assert out["b"] == [(3, 0)] and out["t_b"] < 1 * MS
    assert out["a"] == [(1, -ETIME), (2, -ECANCELED)]


# -- IOSQE_IO_DRAIN on a member of a link chain -------------------------------------------
def test_drain_on_a_chain_member_waits_for_an_earlier_pipe_read(runner):
    """READ(1) pending; NOP(2, LINK) -> NOP(3, DRAIN); NOP(4): all wait for the read."""

    def body(ring):
        fds: list[int] = []
        assert (yield from pipe(fds)) == 0
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, fds[0], bytearray(1), 1, 0)
        io_uring_sqe_set_data64(sqe, 1)
        nop(ring, 2, IOSQE_IO_LINK)  # chain head
        nop(ring, 3, IOSQE_IO_DRAIN)  # DRAIN on the member that closes the chain
        nop(ring, 4)  # the next request after the chain
        assert (yield from io_uring_submit(ring)) == 4
        yield from nanosleep(MS)
        assert io_uring_cq_ready(ring) == 0  # everything waits for the read
        assert (yield from write(fds[1], b"x", 1)) == 1
        return (yield from reap(ring, 4))

    assert run(runner, body)["cqes"] == [(1, 1), (2, 0), (3, 0), (4, 0)]


def test_request_after_a_chain_with_an_inner_drain_waits_for_the_chain(runner):
    """drain_next: NOP(3) waits for the 3 ms chain although nothing precedes the chain."""

    def body(ring):
        timeout(ring, 1, 3 * MS, sqe_flags=IOSQE_IO_HARDLINK)  # -ETIME does not cancel 2
        nop(ring, 2, IOSQE_IO_DRAIN)
        nop(ring, 3)
        assert (yield from io_uring_submit(ring)) == 3
        assert io_uring_cq_ready(ring) == 0
        cqes = yield from reap(ring, 3)
        assert current_sim().now >= 3 * MS
        return cqes

    assert run(runner, body)["cqes"] == [(1, -ETIME), (2, 0), (3, 0)]


def test_drain_next_carries_over_to_the_next_submit_and_to_a_new_chain_head(runner):
    """The "next" request may come in a later io_uring_enter, and may head a chain."""

    def body(ring):
        timeout(ring, 1, 3 * MS, sqe_flags=IOSQE_IO_HARDLINK)
        nop(ring, 2, IOSQE_IO_DRAIN)
        assert (yield from io_uring_submit(ring)) == 2
        nop(ring, 3, IOSQE_IO_LINK)  # drained itself: heads a chain
        nop(ring, 4)
        assert (yield from io_uring_submit(ring)) == 2
        assert io_uring_cq_ready(ring) == 0
        return (yield from reap(ring, 4))

    assert run(runner, body)["cqes"] == [(1, -ETIME), (2, 0), (3, 0), (4, 0)]


def test_drain_next_is_used_once(runner):
    """Only the first request after the chain is drained; it holds back the rest
    until it is released, after which later requests are not drained."""

    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        nop(ring, 2, IOSQE_IO_DRAIN)
        nop(ring, 3)  # drained (drain_next), nothing pending by then
        assert (yield from io_uring_submit(ring)) == 3
        first = yield from reap(ring, 3)
        timeout(ring, 4, 3 * MS)
        nop(ring, 5)  # not drained: completes before the timeout
        assert (yield from io_uring_submit(ring)) == 2
        return first + (yield from reap(ring, 2))

    assert run(runner, body)["cqes"] == [(1, 0), (2, 0), (3, 0), (5, 0), (4, -ETIME)]


def test_drain_on_a_chain_head_still_drains_the_chain(runner):
    """DRAIN on the head: the chain and everything after it wait for TIMEOUT(1).
    NOP(4) is deferred behind the drained head, so it too waits until nothing
    else is in flight (io_queue_deferred: once a DRAIN entry was seen, every
    later entry waits for all live requests): it runs after the chain."""

    def body(ring):
        timeout(ring, 1, 5 * MS)
        nop(ring, 2, IOSQE_IO_DRAIN | IOSQE_IO_LINK)
        nop(ring, 3)
        nop(ring, 4)
        assert (yield from io_uring_submit(ring)) == 4
        assert io_uring_cq_ready(ring) == 0
        cqes = yield from reap(ring, 4)
        assert current_sim().now >= 5 * MS
        return cqes

    assert run(runner, body)["cqes"] == [(1, -ETIME), (2, 0), (3, 0), (4, 0)]


def test_prep_failure_inside_a_hardlink_chain_fails_the_whole_chain(runner):
    """io_queue_sqe_fallback turns the failed head's hard link into a plain one: no member runs,
    the failing member keeps its own error (a NOP issued after its prep failed used to raise)."""

    def body(ring):
        nop(ring, 1, IOSQE_IO_HARDLINK)
        sqe = nop(ring, 2, IOSQE_IO_HARDLINK)
        sqe.nop_flags = 1 << 20  # unknown NOP flag: -EINVAL at prep
        nop(ring, 3, IOSQE_IO_HARDLINK)
        nop(ring, 4)
        assert (yield from io_uring_submit(ring)) == 4
        return (yield from reap(ring, 4))

    assert run(runner, body)["cqes"] == [(1, -ECANCELED), (2, -EINVAL), (3, -ECANCELED), (4, -ECANCELED)]


def test_prep_failure_in_a_hardlink_chain_of_every_kind_issues_nothing(runner):
    """Members of many opcodes after (and before) a member whose prep failed are never issued:
    every one gets -ECANCELED, the failing one its own error, and nothing raises."""
    from simuring.liburing import io_uring_prep_poll_add, io_uring_prep_timeout_remove

    def body(ring):
        fds = [0, 0]
        yield from pipe(fds)
        buf = bytearray(4)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, fds[0], buf, 4, 0)
        io_uring_sqe_set_data64(sqe, 1)
        io_uring_sqe_set_flags(sqe, IOSQE_IO_HARDLINK)
        sqe = timeout(ring, 2, 1 * MS)
        io_uring_sqe_set_flags(sqe, IOSQE_IO_HARDLINK)
        sqe = nop(ring, 3, IOSQE_IO_HARDLINK)
        sqe.nop_flags = 1 << 20
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_poll_add(sqe, fds[0], 1)
        io_uring_sqe_set_data64(sqe, 4)
        io_uring_sqe_set_flags(sqe, IOSQE_IO_HARDLINK)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout_remove(sqe, 2, 0)
        io_uring_sqe_set_data64(sqe, 5)
        io_uring_sqe_set_flags(sqe, IOSQE_IO_HARDLINK)
        nop(ring, 6)
        assert (yield from io_uring_submit(ring)) == 6
        return (yield from reap(ring, 6))

    assert run(runner, body)["cqes"] == [
        (1, -ECANCELED),
        (2, -ECANCELED),
        (3, -EINVAL),
        (4, -ECANCELED),
        (5, -ECANCELED),
        (6, -ECANCELED),
    ]


def test_drain_mode_lasts_until_a_plain_request_finds_nothing_in_flight(runner):
    """The kernel's ordering effect (scenario drain-mode-holds-until-idle): drain mode
    outlives the drained NOP because the timeout queued behind it was deferred; a
    plain NOP submitted later is deferred too and, first in the list, waits until
    nothing else is in flight: it completes after the 5 ms timeout, not at once."""

    def body(ring):
        nop(ring, 1, IOSQE_IO_DRAIN)
        timeout(ring, 2, 5 * MS)
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 1)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        assert io_uring_cq_ready(ring) == 0
        return first + (yield from reap(ring, 2))

    out = run(runner, body)
    assert out["cqes"] == [(1, 0), (2, -ETIME), (3, 0)]
    assert out["t1"] - out["t0"] >= 5 * MS


def test_drain_mode_ends_when_a_plain_request_is_released_at_once(runner):
    """Scenario drain-mode-ends-when-idle: the timeout finds nothing in flight, is
    released and ends drain mode, so the NOP after it is issued inline."""

    def body(ring):
        nop(ring, 1, IOSQE_IO_DRAIN)
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 1)
        timeout(ring, 2, 5 * MS)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        assert io_uring_cq_ready(ring) == 1
        return first + (yield from reap(ring, 2))

    assert run(runner, body)["cqes"] == [(1, 0), (3, 0), (2, -ETIME)]


def test_requests_behind_an_active_drain_are_issued_in_io_wq_after_the_batch(runner):
    """While drain mode lasts every request is forced async: the drained NOP and the
    NOP after it are released from task work and run in io-wq workers, none inline
    (the kernel's REQ_F_FORCE_ASYNC)."""
    from simuring.host.current import current_task
    from simuring.kernel.enter import ring_of

    def body(ring):
        nop(ring, 1, IOSQE_IO_DRAIN)
        nop(ring, 2)
        yield from io_uring_submit(ring)
        ctx = ring_of(current_task(), ring.ring_fd)
        cqes = yield from reap(ring, 2)
        return cqes, ctx

    cqes, ctx = run(runner, body)["cqes"]
    assert cqes == [(1, 0), (2, 0)]
    assert not ctx.defer_list and ctx.nr_drained == 0
    assert ctx.kernel.iowqs, "the drained requests were not punted to io-wq"


def test_prep_failure_closing_a_hardlink_chain_cancels_every_other_member(runner):
    """The member that closes a hard-link chain fails at prep: the head's hard link
    is dropped (io_queue_sqe_fallback), so the member between them does not run."""

    def body(ring):
        nop(ring, 1, IOSQE_IO_HARDLINK)
        nop(ring, 2, IOSQE_IO_HARDLINK)
        sqe = nop(ring, 3)
        sqe.nop_flags = 1 << 20  # unknown NOP flag: -EINVAL at prep
        assert (yield from io_uring_submit(ring)) == 3
        return (yield from reap(ring, 3))

    assert run(runner, body)["cqes"] == [(1, -ECANCELED), (2, -ECANCELED), (3, -EINVAL)]


def test_a_request_whose_init_failed_is_never_issued_on_any_path(runner):
    """The generic guard: whatever path reaches it (inline issue, task work, io-wq),
    a request whose init failed posts its error and no op code runs (an op without
    a successful prep used to raise: 'opdef is None', int(None), ...)."""
    from simuring.host.current import current_task
    from simuring.kernel.enter import ring_of
    from simuring.kernel.opdef import IO_URING_F_NONBLOCK
    from simuring.kernel.request import Request
    from simuring.uapi import IOSQE_ASYNC

    def body(ring):
        task = current_task()
        ctx = ring_of(task, ring.ring_fd)
        sub = ctx.kernel.submitter
        nop_def = ctx.kernel.registry.ops.get(0)
        reqs = []
        for ud, opdef, flags in ((1, None, 0), (2, nop_def, 0), (3, nop_def, IOSQE_ASYNC), (4, None, 0)):
            req = Request(ctx, task, opdef, 0 if opdef else 250, flags, ud)
            req.id = req.seq = ctx.nr_submitted = ctx.nr_submitted + 1
            ctx.inflight[req.id] = req
            req.set_fail(-EINVAL)  # req.op stays None: nop_issue would raise
            reqs.append(req)
        sub.issue(task, reqs[0], IO_URING_F_NONBLOCK)
        sub.queue_linked(task, reqs[1])
        sub.queue_nodrain(task, reqs[2])
        ctx.kernel.punt(task, reqs[3])  # an io-wq worker
        return sorted((yield from reap(ring, 4)))

    assert run(runner, body)["cqes"] == [(1, -EINVAL), (2, -EINVAL), (3, -EINVAL), (4, -EINVAL)]


def test_failed_chain_members_complete_after_the_batch(runner):
    """io_fail_links: the members behind a request failing inline are failed from
    task work, so an independent NOP of the same submission posts before them
    (Linux 6.18; conform scenario lt-link-fault-before-unlinked)."""

    def body(ring):
        failing_nop(ring, 1, -EIO, IOSQE_IO_LINK)
        nop(ring, 2, IOSQE_IO_LINK)
        nop(ring, 3)
        nop(ring, 4)
        assert (yield from io_uring_submit(ring)) == 4
        return (yield from reap(ring, 4))

    assert run(runner, body)["cqes"] == [(1, -EIO), (4, 0), (2, -ECANCELED), (3, -ECANCELED)]


def test_disarmed_link_timeout_completes_after_the_batch(runner):
    """io_disarm_next: a disarmed LINK_TIMEOUT's -ECANCELED is io_req_queue_tw_complete,
    after the other CQEs of the batch (conform scenario lt-link-timeout-disarm-after-batch)."""
    from simuring.liburing import io_uring_prep_link_timeout
    from simuring.uapi import Timespec

    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_link_timeout(sqe, Timespec(10, 0), 0)
        io_uring_sqe_set_data64(sqe, 2)
        nop(ring, 3)
        assert (yield from io_uring_submit(ring)) == 3
        return (yield from reap(ring, 3))

    assert run(runner, body)["cqes"] == [(1, 0), (3, 0), (2, -ECANCELED)]


def test_defer_taskrun_wait_for_one_runs_one_link_of_a_chain(runner):
    """__io_run_local_work stops once min_events items ran: on a DEFER_TASKRUN ring
    each wait for one CQE moves a NOP chain on by one member, so a NOP submitted
    with the chain's last member still queued posts before it (Linux 6.18;
    conform scenario lt-skip-hardlink-fail-skipped-defer)."""
    from simuring.liburing import io_uring_submit_and_wait
    from simuring.uapi import IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER

    def body(ring):
        for ud in range(4):
            nop(ring, ud, IOSQE_IO_LINK if ud < 3 else 0)
        assert (yield from io_uring_submit(ring)) == 4
        first = yield from reap(ring, 3)  # 0 inline; 1 and 2 one wait each
        nop(ring, 9)
        assert (yield from io_uring_submit_and_wait(ring, 1)) == 1
        return first + (yield from reap(ring, 2))

    flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
    assert run(runner, body, setup_flags=flags)["cqes"] == [(0, 0), (1, 0), (2, 0), (9, 0), (3, 0)]
