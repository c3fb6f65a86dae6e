"""Completion delivery: when task work posts a CQE, per setup mode (io_uring_setup(2):
IORING_SETUP_COOP_TASKRUN, IORING_SETUP_TASKRUN_FLAG, IORING_SETUP_DEFER_TASKRUN)."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, reap
from simuring.uapi import (
    IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_SETUP_SQPOLL,
    IORING_SETUP_TASKRUN_FLAG,
)

MODES = (
    ("default", 0),
    ("COOP_TASKRUN", IORING_SETUP_COOP_TASKRUN),
    ("COOP_TASKRUN|TASKRUN_FLAG", IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG),
    ("DEFER_TASKRUN", IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN),
)


@scenario(
    "taskwork-after-own-write",
    tags=("delivery", "pipe"),
    expect={"default": 1, "COOP_TASKRUN": 1, "COOP_TASKRUN|TASKRUN_FLAG": 1, "DEFER_TASKRUN": 0},
)
def taskwork_after_own_write(L: Any) -> Gen:
    """A READ pending on an empty pipe, completed by the same task's write(2): without DEFER_TASKRUN the
    completion's task work runs before write(2) returns to user space, so the CQE is visible at once;
    with DEFER_TASKRUN it waits for the next GETEVENTS (here the wait)."""
    for label, flags in MODES:
        ring = yield from new_ring(L, 4, flags)
        fds = [0, 0]
        yield from L.pipe(fds)
        buf = bytearray(8)
        sqe = L.io_uring_get_sqe(ring)
        L.io_uring_prep_read(sqe, fds[0], buf, 8, 0)
        L.io_uring_sqe_set_data64(sqe, 1)
        yield from L.io_uring_submit(ring)
        yield from L.write(fds[1], b"hi", 2)
        L.record(label, L.io_uring_cq_ready(ring))
        yield from reap(L, ring, 1)
        yield from L.close(fds[0])
        yield from L.close(fds[1])
        yield from L.io_uring_queue_exit(ring)


@scenario(
    "sqpoll-poll-completion-while-polling",
    tags=("delivery", "sqpoll", "pipe"),
    expect={"ready before write": 0, "wait": 0},
)
def sqpoll_poll_completion_while_polling(L: Any) -> Gen:
    """A READ submitted through the SQ thread parks on an empty pipe; the write completes it through task
    work queued on the SQ thread, which runs it from its polling loop: the CQE comes long before the
    thread's idle period (2 s) ends, well within a 200 ms wait."""
    p = L.Params(flags=IORING_SETUP_SQPOLL, sq_thread_idle=2000)
    ring = L.Ring()
    if (yield from L.io_uring_queue_init_params(4, ring, p)) < 0:
        return
    fds = [0, 0]
    yield from L.pipe(fds)
    buf = bytearray(8)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, fds[0], buf, 8, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(20_000_000)  # the SQ thread submits; the READ parks
    L.record("ready before write", L.io_uring_cq_ready(ring))
    yield from L.write(fds[1], b"hi", 2)
    cqe = L.Cqe()
    L.record("wait", (yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, 200_000_000))))
    yield from reap(L, ring, 1)
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.io_uring_queue_exit(ring)
