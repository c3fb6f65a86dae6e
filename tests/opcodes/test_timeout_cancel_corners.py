"""Kernel corner cases of TIMEOUT_UPDATE and ASYNC_CANCEL (opcodes/timeout.py, opcodes/cancel.py).

Each test pins one behaviour of io_uring/timeout.c, io_uring/cancel.c or
io_uring/io-wq.c that the model once got wrong.
"""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.abi.errno import ECANCELED, ENOENT, ETIME
from simuring.host.current import current_sim
from simuring.kernel.objects.regfile import create_file
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_read,
    io_uring_prep_timeout_update,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.syscalls import O_RDONLY, nanosleep, open
from simuring.uapi import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_ASYNC,
    Timespec,
)
from tests.conftest import Runner, delay_registry, prep_delay
from tests.opcodes.test_cancel import cancel
from tests.opcodes.test_timeout import MS, nop, reap, timeout

US = 1_000


def _run(body: Any, setup_flags: int = 0, entries: int = 16, runner: Runner | None = None) -> dict[str, Any]:
    runner = runner or Runner()
    out: dict[str, Any] = {}

    def task() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(entries, ring, setup_flags)) == 0
        sim = current_sim()
        out["t0"] = sim.now
        out["cqes"] = yield from body(ring)
        out["t1"] = sim.now

    runner.spawn(task)
    runner.run()
    return out


def test_timeout_update_turns_a_counted_timeout_into_a_pure_timer() -> None:
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

    out = _run(body)
    assert out["cqes"] == [(2, 0), (3, 0), (1, -ETIME)]
    assert 500 * US <= out["t1"] - out["t0"] < 1 * MS


def test_async_cancel_of_a_fired_timeout_whose_completion_is_pending_is_enoent() -> None:
    """io_timeout_fn took the timeout off ctx->timeout_list: io_try_cancel finds
    nothing, even though the -ETIME CQE still waits in (deferred) task work."""

    def body(ring: Ring) -> Any:
        timeout(ring, 1, 10 * US)
        yield from io_uring_submit(ring)
        yield from nanosleep(100 * US)  # fired; DEFER_TASKRUN keeps its completion pending
        cancel(ring, 2, 1)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    out = _run(body, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
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

    out = _run(body, runner=Runner(registry=delay_registry()))
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


def test_cancel_all_over_queued_iowq_items_counts_them_once() -> None:
    """Two queued io-wq items, none running: one io_wq_cancel_cb(cancel_all) call
    removes both and answers OK, so io_try_cancel succeeds once: result 1."""

    def body(ring: Ring) -> Any:
        nop(ring, 1, IOSQE_ASYNC)
        nop(ring, 1, IOSQE_ASYNC)
        cancel(ring, 2, 1, IORING_ASYNC_CANCEL_ALL)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 3))

    assert sorted(_run(body)["cqes"]) == [(1, -ECANCELED), (1, -ECANCELED), (2, 1)]
