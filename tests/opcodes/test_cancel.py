"""IORING_OP_ASYNC_CANCEL (opcodes/cancel.py) on the simulated kernel."""

from __future__ import annotations

from typing import Any

import pytest

import simuring.syscalls
from simuring import Simulation
from simuring.abi.errno import EALREADY, EBADF, ECANCELED, EINVAL, ENOENT, ETIME
from simuring.engine.plugins import load_registry
from simuring.engine.sim import current_simulation as current_sim
from simuring.kernel.cancel import hash_long
from simuring.kernel.objects.regfile import create_file
from simuring.kernel.opdef import OpDef
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_cancel,
    io_uring_prep_cancel_fd,
    io_uring_prep_msg_ring,
    io_uring_prep_poll_add,
    io_uring_prep_read,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
)
from simuring.syscalls import O_RDONLY, nanosleep, open, pipe
from simuring.uapi import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_ASYNC_CANCEL_ANY,
    IORING_ASYNC_CANCEL_FD,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_ASYNC,
    POLLIN,
)
from tests.helpers.delay_op import delay_registry, prep_delay
from tests.helpers.ring import MS, cancel, nop, prep, reap, run, timeout
from tests.helpers.sim import Runner

US = 1_000


def test_cancel_pending_timeout(runner):
    def body(ring):
        timeout(ring, 1, 1000 * MS)
        yield from io_uring_submit(ring)
        cancel(ring, 2, 1)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    out = run(runner, body)
    assert sorted(out["cqes"]) == [(1, -ECANCELED), (2, 0)]
    assert out["t1"] - out["t0"] < 1 * MS


def test_cancel_unknown_user_data_is_enoent(runner):
    def body(ring):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_cancel(sqe, 1234, 0)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 1))

    assert run(runner, body)["cqes"] == [(1, -ENOENT)]


def test_cancel_all_counts_and_any_matches_everything(runner):
    def body(ring):
        for _ in range(3):
            timeout(ring, 7, 1000 * MS)
        timeout(ring, 8, 1000 * MS)
        yield from io_uring_submit(ring)
        cancel(ring, 100, 7, IORING_ASYNC_CANCEL_ALL)
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 4)
        cancel(ring, 101, 0, IORING_ASYNC_CANCEL_ANY)
        cancel(ring, 102, 7, IORING_ASYNC_CANCEL_ALL)  # nothing left: 0
        yield from io_uring_submit(ring)
        return first, (yield from reap(ring, 3))

    first, second = run(runner, body)["cqes"]
    assert sorted(first) == [(7, -ECANCELED)] * 3 + [(100, 3)]
    assert sorted(second) == [(8, -ECANCELED), (101, 1), (102, 0)]


def test_cancel_flag_errors(runner):
    def body(ring):
        cancel(ring, 1, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_FD)
        yield from io_uring_submit(ring)
        res = yield from reap(ring, 1)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_cancel_fd(sqe, 999, 0)  # not an open descriptor
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        return res + (yield from reap(ring, 1))

    assert run(runner, body)["cqes"] == [(1, -EINVAL), (2, -EBADF)]


def test_cancel_queued_iosqe_async_request(runner):
    """The worker is still being created when the cancel runs: the item is dequeued."""

    def body(ring):
        nop(ring, 1, IOSQE_ASYNC)
        cancel(ring, 2, 1)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    assert sorted(run(runner, body)["cqes"]) == [(1, -ECANCELED), (2, 0)]


def test_cancel_fd_matches_a_queued_request_on_that_fd(runner):
    def body(ring):
        other = Ring()
        yield from io_uring_queue_init(4, other, 0)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_msg_ring(sqe, other.ring_fd, 1, 2, 0)
        io_uring_sqe_set_data64(sqe, 1)
        io_uring_sqe_set_flags(sqe, IOSQE_ASYNC)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_cancel_fd(sqe, other.ring_fd, 0)
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    assert sorted(run(runner, body)["cqes"]) == [(1, -ECANCELED), (2, 0)]


SPIN = 250  # a test-only opcode that keeps an io-wq worker busy


def spin_issue(req, issue_flags):
    req.worker.charge(2 * MS)
    yield from req.worker.flush()
    return 0


def test_cancel_request_running_in_iowq_is_ealready():
    registry = load_registry()
    registry.add_opcode(OpDef(SPIN, issue=spin_issue, name="TEST_SPIN", plugin="test"))
    sim = Simulation(seed=1, registry=registry)
    out = {}

    def task():
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        sqe = io_uring_get_sqe(ring)
        sqe.opcode = SPIN
        io_uring_sqe_set_data64(sqe, 1)
        io_uring_sqe_set_flags(sqe, IOSQE_ASYNC)
        yield from io_uring_submit(ring)
        timeout(ring, 9, 1 * MS)  # let the worker start and pick the item up
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 1)
        assert first == [(9, -ETIME)]
        cancel(ring, 2, 1)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap(ring, 2)
        out["now"] = current_sim().now

    sim.spawn(task)
    sim.run()
    assert out["cqes"] == [(2, -EALREADY), (1, 0)]  # the running request still completes normally
    assert out["now"] >= 2 * MS


@pytest.mark.skipif(not hasattr(simuring.syscalls, "pipe"), reason="simuring.syscalls.pipe() not available yet")
def test_cancel_pending_pipe_read(runner):
    def body(ring):
        fds: list[int] = []
        assert (yield from simuring.syscalls.pipe(fds)) == 0
        buf = bytearray(16)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, fds[0], buf, len(buf), 0)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit(ring)
        cancel(ring, 2, 1)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    assert sorted(run(runner, body)["cqes"]) == [(1, -ECANCELED), (2, 0)]


# -- corner cases: what io_try_cancel finds and counts (io_uring/cancel.c, io-wq.c) ------
def test_async_cancel_of_a_fired_timeout_whose_completion_is_pending_is_enoent(runner: Runner) -> None:
    """io_timeout_fn took the timeout off ctx->timeout_list: io_try_cancel finds
    nothing, even though the -ETIME CQE still waits in (deferred) task work."""

    def body(ring: Ring) -> Any:
        timeout(ring, 1, 10 * US)
        yield from io_uring_submit(ring)
        yield from nanosleep(100 * US)  # fired; DEFER_TASKRUN keeps its completion pending
        cancel(ring, 2, 1)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    out = run(runner, body, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    assert sorted(out["cqes"]) == [(1, -ETIME), (2, -ENOENT)]


def test_async_cancel_of_a_request_parked_outside_any_cancel_table_is_enoent() -> None:
    """A request issued and waiting for an event the cancel lookups do not know
    (not in io-wq, no armed poll, not a timeout) is not found: -ENOENT."""

    def body(ring: Ring) -> Any:
        prep_delay(io_uring_get_sqe(ring), 1 * MS, 1)
        yield from io_uring_submit(ring)
        cancel(ring, 2, 1)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    out = run(Runner(registry=delay_registry()), body)
    assert out["cqes"] == [(2, -ENOENT), (1, 0)]


def test_cancel_all_over_one_running_and_two_queued_iowq_items_returns_zero() -> None:
    """__io_async_cancel: the first io_try_cancel removes both queued items in one
    io_wq_cancel_cb(cancel_all) call, which reports RUNNING for the third; that
    -EALREADY is overwritten by the poll/timeout lookups (-ENOENT) and counts
    nothing.  The slow path skips the running item, already stamped with this
    cancel's sequence.  Result 0, yet two requests complete -ECANCELED."""
    sim = Simulation(seed=1)
    for name in "abc":
        create_file(sim.kernel, "/disk/" + name, name.encode() * 4096, cached=False)
    out: dict[str, Any] = {}

    def main() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(1, ring, 0)) == 0  # bounded io-wq: 1 worker
        bufs = []
        for name in "abc":
            fd = yield from open("/disk/" + name, O_RDONLY)
            buf = bytearray(4096)
            bufs.append(buf)
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_read(sqe, fd, buf, 4096, 0)
            io_uring_sqe_set_data64(sqe, 7)
            yield from io_uring_submit(ring)
        yield from nanosleep(5 * US)  # the worker runs read "a" (blocked on the device)
        cancel(ring, 8, 7, IORING_ASYNC_CANCEL_ALL)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap(ring, 4)
        out["a"] = bytes(bufs[0][:4])

    sim.spawn(main)
    sim.run()
    cqes = out["cqes"]
    assert [res for ud, res in cqes if ud == 8] == [0]
    assert sorted(res for ud, res in cqes if ud == 7) == [-ECANCELED, -ECANCELED, 4096]
    assert out["a"] == b"aaaa"


def test_cancel_all_over_queued_iowq_items_counts_them_once(runner: Runner) -> None:
    """Two queued io-wq items, none running: one io_wq_cancel_cb(cancel_all) call
    removes both and answers OK, so io_try_cancel succeeds once: result 1."""

    def body(ring: Ring) -> Any:
        nop(ring, 1, IOSQE_ASYNC)
        nop(ring, 1, IOSQE_ASYNC)
        cancel(ring, 2, 1, IORING_ASYNC_CANCEL_ALL)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 3))

    assert sorted(run(runner, body)["cqes"]) == [(1, -ECANCELED), (1, -ECANCELED), (2, 1)]


def test_cancel_fd_all_meets_polls_in_hash_bucket_order() -> None:
    """io_poll_file_find walks ctx->cancel_table bucket by bucket, newest first in
    a bucket (io_poll_req_insert adds at the chain's head).  An 8-entry ring has
    2 buckets; hash_64 puts user_data 1 and 3 in bucket 0 and 2 in bucket 1, so
    CANCEL_FD|ALL completes the polls 3, 1, 2."""
    assert [hash_long(u, 1) for u in (1, 2, 3)] == [0, 1, 0]
    out: dict[str, Any] = {}

    def main() -> Any:
        ring = Ring()
        yield from io_uring_queue_init(8, ring, 0)
        fds: list[int] = []
        yield from pipe(fds)
        for ud in (1, 2, 3):
            prep(ring, io_uring_prep_poll_add, fds[0], POLLIN, user_data=ud)
        yield from io_uring_submit(ring)
        prep(ring, io_uring_prep_cancel_fd, fds[0], IORING_ASYNC_CANCEL_ALL, user_data=9)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap(ring, 4)

    sim = Simulation(seed=1)
    sim.spawn(main)
    sim.run(until=10**9)
    assert out["cqes"] == [(9, 3), (3, -ECANCELED), (1, -ECANCELED), (2, -ECANCELED)]
