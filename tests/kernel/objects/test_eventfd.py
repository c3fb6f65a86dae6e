"""eventfd (fs/eventfd.c) as syscalls and through io_uring.

The corner cases each pin one behaviour that the model once got wrong:

* ``eventfd_poll``: only EPOLLIN/EPOLLOUT/EPOLLERR, never RDNORM/WRNORM;
* ``eventfd_write``: even a write of 0 wakes the wait queue with EPOLLIN.
"""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.abi.errno import EAGAIN, EINVAL
from simuring.kernel.objects.base import WaitEntry
from simuring.kernel.objects.eventfd import EventFd
from simuring.liburing import Ring, io_uring_prep_poll_add, io_uring_queue_exit, io_uring_queue_init
from simuring.syscalls import (
    EFD_NONBLOCK,
    EFD_SEMAPHORE,
    eventfd,
    eventfd_read,
    eventfd_write,
    nanosleep,
    read,
)
from simuring.uapi import POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from tests.helpers.procs import fd_object, run_threads, two_processes
from tests.helpers.ring import drain_flags, submit_one


def test_eventfd_counter_and_semaphore() -> None:
    sim = Simulation(seed=1)
    res: dict[str, Any] = {}

    def body() -> Any:
        fd = yield from eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK)
        v: list[int] = [0]
        reads = []
        for _ in range(4):
            ret = yield from eventfd_read(fd, v)
            reads.append((ret, v[0]))
        res["sem"] = reads
        fd2 = yield from eventfd(0, EFD_NONBLOCK)
        assert (yield from eventfd_write(fd2, 5)) == 0
        assert (yield from eventfd_write(fd2, 7)) == 0
        ret = yield from eventfd_read(fd2, v)
        res["sum"] = (ret, v[0])
        res["again"] = yield from eventfd_read(fd2, v)
        res["short"] = yield from read(fd2, bytearray(4), 4)
        res["max"] = yield from eventfd_write(fd2, 0xFFFF_FFFF_FFFF_FFFF)
        res["overflow"] = (
            (yield from eventfd_write(fd2, 0xFFFF_FFFF_FFFF_FFFE)),
            (yield from eventfd_write(fd2, 1)),
        )
        res["badflags"] = yield from eventfd(0, 0x100)

    sim.spawn(body)
    sim.run()
    assert res["sem"] == [(0, 1), (0, 1), (0, 1), (-EAGAIN, 1)]
    assert res["sum"] == (0, 12)
    assert res["again"] == -EAGAIN
    assert res["short"] == -EINVAL
    assert res["max"] == -EINVAL
    assert res["overflow"] == (0, -EAGAIN)
    assert res["badflags"] == -EINVAL


def test_eventfd_blocking_read_woken_by_other_process() -> None:
    def setup(out: dict[str, Any]) -> Any:
        fd = yield from eventfd(0, 0)
        return [fd]

    def parent(out: dict[str, Any], fds: list[int]) -> Any:
        v = [0]
        t0 = out["sim"].now
        out["ret"] = yield from eventfd_read(fds[0], v)
        out["v"] = v[0]
        out["waited"] = out["sim"].now - t0

    def child(out: dict[str, Any], fds: list[int]) -> Any:
        yield from nanosleep(30_000)
        yield from eventfd_write(fds[0], 42)

    out = two_processes(parent, child, setup)
    assert (out["ret"], out["v"]) == (0, 42)
    assert out["waited"] > 30_000


def test_eventfd_poll_reports_no_rdnorm_or_wrnorm() -> None:
    """``eventfd_poll`` reports EPOLLIN, EPOLLOUT and EPOLLERR only: a POLL_ADD
    for POLLIN|POLLRDNORM completes with POLLIN alone."""

    def body(out: dict[str, Any]) -> Any:
        efd = yield from eventfd(1, 0)
        out["mask"] = fd_object(efd).poll_mask()
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        yield from submit_one(ring, io_uring_prep_poll_add, efd, POLLIN | POLLRDNORM, user_data=1)
        yield from submit_one(ring, io_uring_prep_poll_add, efd, POLLOUT | POLLWRNORM, user_data=2)
        yield from nanosleep(10_000)
        out["cqes"] = sorted(drain_flags(ring))
        yield from io_uring_queue_exit(ring)

    out = run_threads(body)
    assert out["mask"] == POLLIN | POLLOUT
    assert out["cqes"] == [(1, POLLIN, 0), (2, POLLOUT, 0)]


def test_eventfd_write_of_zero_still_wakes_with_pollin() -> None:
    """``eventfd_write`` wakes its wait queue keyed EPOLLIN after every
    successful add, a value of 0 included (the counter stays 0)."""

    def body(out: dict[str, Any]) -> Any:
        efd = yield from eventfd(0, 0)
        obj: EventFd = fd_object(efd)
        keys: list[int] = []
        obj.wq.add(WaitEntry(POLLIN, func=lambda by, events: keys.append(events)))
        out["ret"] = yield from eventfd_write(efd, 0)
        out["keys"] = keys
        out["count"] = obj.count

    out = run_threads(body)
    assert out["ret"] == 0
    assert out["keys"] == [POLLIN]
    assert out["count"] == 0
