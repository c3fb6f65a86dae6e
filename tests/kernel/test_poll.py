"""Fast poll (kernel/poll.py, io_arm_poll_handler): the budget of poll arms of one request."""

from __future__ import annotations

from typing import Any

import pytest

from simuring import Simulation
from simuring.abi.errno import EAGAIN, ENOTSOCK
from simuring.kernel.objects.eventfd import EventFd
from simuring.kernel.poll import APOLL_MAX_RETRY
from simuring.liburing import (
    Ring,
    io_uring_cq_ready,
    io_uring_get_events,
    io_uring_prep_recv,
    io_uring_prep_write,
    io_uring_queue_init,
    io_uring_submit,
)
from simuring.syscalls import EFD_NONBLOCK, EFD_SEMAPHORE, eventfd, eventfd_read
from simuring.uapi import (
    IORING_RECVSEND_POLL_FIRST,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_ASYNC,
)
from tests.helpers.ring import drain, prep, reap_flags, ring_ctx


@pytest.fixture
def write_attempts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts EventFd.write_nb calls (every attempt, inline or in a worker)."""
    calls = [0]
    real = EventFd.write_nb

    def counting(self: EventFd, task: Any, src: memoryview, off: int = -1) -> int:
        calls[0] += 1
        return real(self, task, src, off)

    monkeypatch.setattr(EventFd, "write_nb", counting)
    return calls


@pytest.mark.pure_only
def test_a_write_that_never_fits_stops_polling_and_fails_in_iowq(write_attempts: list[int]) -> None:
    """The fuzzer's livelock: the value does not fit, so the write answers -EAGAIN while POLLOUT
    stays set and every armed poll fires at once.  The request re-issues until its budget of poll
    arms is spent (the first issue, then 127 re-issues), then goes to io-wq, whose issue on the
    O_NONBLOCK eventfd answers -EAGAIN: that is the CQE, as on Linux."""
    sim = Simulation(seed=1)
    out: dict[str, Any] = {}

    def main() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        efd = yield from eventfd(0xFFFF_FFFF, EFD_NONBLOCK | EFD_SEMAPHORE)
        prep(ring, io_uring_prep_write, efd, bytearray((2**64 - 2).to_bytes(8, "little")), 8, 0, user_data=1)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 1)

    task = sim.spawn(main)
    sim.run()
    assert out["cqes"] == [(1, -EAGAIN, 0)]
    assert write_attempts[0] == 1 + (APOLL_MAX_RETRY - 1) + 1
    assert sim.kernel.iowqs[task.tid].punts == 1


def test_a_blocking_eventfd_write_waits_in_iowq_for_room(write_attempts: list[int]) -> None:
    """Without O_NONBLOCK the worker's blocking write sleeps until eventfd_read makes room, then
    completes with 8 (conformance scenario eventfd-write-would-overflow)."""
    sim = Simulation(seed=1)
    out: dict[str, Any] = {}

    def main() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        efd = yield from eventfd(10, 0)
        prep(ring, io_uring_prep_write, efd, ((1 << 64) - 5).to_bytes(8, "little"), 8, 0, user_data=1)
        yield from io_uring_submit(ring)
        out["ready"] = io_uring_cq_ready(ring)
        value = [0]
        yield from eventfd_read(efd, value)
        out["first"] = value[0]
        out["cqes"] = yield from reap_flags(ring, 1)
        yield from eventfd_read(efd, value)
        out["after"] = value[0]

    sim.spawn(main)
    sim.run()
    assert out == {"ready": 0, "first": 10, "cqes": [(1, 8, 0)], "after": (1 << 64) - 5}


@pytest.mark.pure_only
def test_a_worker_whose_poll_finds_the_file_ready_retries_blocking(write_attempts: list[int]) -> None:
    """IOSQE_ASYNC: the worker tries without blocking, arms a poll that finds POLLOUT at once
    (IO_APOLL_READY, the worker owns the request) and retries blocking instead of re-issuing
    through task work: two attempts, -EAGAIN on the O_NONBLOCK eventfd.  (It used to re-issue
    from task work, go back to io-wq and loop forever.)"""
    sim = Simulation(seed=1)
    out: dict[str, Any] = {}

    def main() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        efd = yield from eventfd(0xFFFF_FFFF, EFD_NONBLOCK | EFD_SEMAPHORE)
        value = bytearray((2**64 - 2).to_bytes(8, "little"))
        prep(ring, io_uring_prep_write, efd, value, 8, 0, user_data=1, flags=IOSQE_ASYNC)
        yield from io_uring_submit(ring)
        out["cqes"] = yield from reap_flags(ring, 1)

    sim.spawn(main)
    sim.run()
    assert out["cqes"] == [(1, -EAGAIN, 0)]
    assert write_attempts[0] == 2



def test_a_defer_taskrun_rings_poll_queue_is_activated_by_task_work_that_wakes_it(runner: Any) -> None:
    """Fields seed 117897 (fz9-recv-poll-first-defer-ring-fd): the first poll of a DEFER_TASKRUN ring's
    descriptor queues io_activate_pollwq's task work, whose keyless wake-up re-issues a fast-polled
    RECV with IORING_RECVSEND_POLL_FIRST (then -ENOTSOCK: the ring's file is no socket); the second
    RECV finds the queue active and waits on it.  Another ring's first RECV waits too."""
    out: dict[str, Any] = {}

    def task() -> Any:
        for name, flags in (("defer", IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN), ("plain", 0)):
            ring = Ring()
            assert (yield from io_uring_queue_init(8, ring, flags)) == 0
            got = []
            for ud in (1, 2):
                sqe = prep(ring, io_uring_prep_recv, ring.ring_fd, bytearray(4), 4, 0, user_data=ud)
                sqe.ioprio = IORING_RECVSEND_POLL_FIRST
                yield from io_uring_submit(ring)
                yield from io_uring_get_events(ring)  # runs the task work (DEFER_TASKRUN's local work too)
                got.append(drain(ring))
            out[name] = (got, ring_ctx(ring).file.activated)

    runner.spawn(task)
    runner.run()
    assert out["defer"] == ([[(1, -ENOTSOCK)], []], True)
    assert out["plain"] == ([[], []], True)
