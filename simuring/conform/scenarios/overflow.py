"""CQ overflow (io_uring_setup(2), IORING_FEAT_NODROP): more completions than CQ entries."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_ring,
    nop,
    poll_add,
    reap,
    reap_ready,
    timeout,
)
from simuring.conform.scenarios.timeouts import MS
from simuring.uapi import IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER, POLLIN


def overflow(L: Any, ring: Any, batches: int) -> Gen:
    """Submit ``batches`` batches of two NOPs (user_data 0, 1, 2, ...) without reaping."""
    for b in range(batches):
        nop(L, ring, 2 * b)
        nop(L, ring, 2 * b + 1)
        yield from L.io_uring_submit(ring)


@scenario(
    "cq-overflow-nodrop",
    tags=("overflow",),
    expect={"ready": 4, "overflow flag": True, "reaped": 6, "overflow flag after": False},
)
def cq_overflow_nodrop(L: Any) -> Gen:
    """Six NOP completions on a 4-entry CQ: four are visible, the SQ ring shows IORING_SQ_CQ_OVERFLOW,
    nothing is lost; peeking (which flushes the overflow list) reaps all six in submission order."""
    ring = yield from new_ring(L, 2)
    yield from overflow(L, ring, 3)
    L.record("ready", L.io_uring_cq_ready(ring))
    L.record("overflow flag", L.io_uring_cq_has_overflow(ring))
    L.record("reaped", reap_ready(L, ring))
    L.record("overflow flag after", L.io_uring_cq_has_overflow(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("cq-overflow-submit-while-overflowed", tags=("overflow",), expect={"reaped": 7})
def cq_overflow_submit_while_overflowed(L: Any) -> Gen:
    """Submitting while completions wait in the overflow list: the submit's result (a count, or
    -EBUSY on old kernels) is recorded; all seven completions are then reaped, in order."""
    ring = yield from new_ring(L, 2)
    yield from overflow(L, ring, 3)
    nop(L, ring, 6)
    yield from L.io_uring_submit(ring)
    L.record("reaped", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "cq-overflow-getevents-flush",
    tags=("overflow",),
    expect={"ready after advance": 0, "flag after advance": True, "ready after getevents": 2, "flag after getevents": False},
)
def cq_overflow_getevents_flush(L: Any) -> Gen:
    """Overflowed completions stay in the overflow list when the CQ is emptied with io_uring_cq_advance;
    io_uring_get_events (GETEVENTS) flushes them into the CQ and clears IORING_SQ_CQ_OVERFLOW."""
    ring = yield from new_ring(L, 2)
    yield from overflow(L, ring, 3)
    L.io_uring_cq_advance(ring, 4)
    L.record("ready after advance", L.io_uring_cq_ready(ring))
    L.record("flag after advance", L.io_uring_cq_has_overflow(ring))
    yield from L.io_uring_get_events(ring)
    L.record("ready after getevents", L.io_uring_cq_ready(ring))
    L.record("flag after getevents", L.io_uring_cq_has_overflow(ring))
    L.io_uring_cq_advance(ring, 2)
    yield from L.io_uring_queue_exit(ring)


def six_pipe_polls(L: Any, ring: Any) -> Gen:
    """Six pipes, each with a POLL_ADD for POLLIN on its read end (user_data 1 to 6), armed two per submit
    (the SQ has 2 entries); the pipes, in user_data order."""
    pipes = []
    for ud in range(1, 7):
        fds = [0, 0]
        yield from L.pipe(fds)
        pipes.append(fds)
        poll_add(L, ring, fds[0], POLLIN, ud)
        if ud % 2 == 0:
            yield from L.io_uring_submit(ring)
    return pipes


@scenario(
    "cq-overflow-partial-flush",
    tags=("overflow",),
    expect={"flag, CQ still full": True, "flag, one left": True, "ready at the end": 1, "flag at the end": False},
)
def cq_overflow_partial_flush(L: Any) -> Gen:
    """Overflowed completions move to the CQ only as room is made, oldest first: with 4 in the CQ and 2
    in the overflow list, freeing one slot and asking for events (GETEVENTS) moves one, leaving
    IORING_SQ_CQ_OVERFLOW set; freeing the rest moves the last one and clears the flag."""
    ring = yield from new_ring(L, 2)
    yield from overflow(L, ring, 3)
    yield from L.io_uring_get_events(ring)
    L.record("flag, CQ still full", L.io_uring_cq_has_overflow(ring))
    L.io_uring_cq_advance(ring, 1)
    yield from L.io_uring_get_events(ring)
    L.record("flag, one left", L.io_uring_cq_has_overflow(ring))
    L.io_uring_cq_advance(ring, 4)
    yield from L.io_uring_get_events(ring)
    L.record("ready at the end", L.io_uring_cq_ready(ring))
    L.record("flag at the end", L.io_uring_cq_has_overflow(ring))
    L.io_uring_cq_advance(ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("cq-overflow-task-work", tags=("overflow", "poll", "pipe"), expect={"ready": 4, "overflow flag": True, "reaped": 6})
def cq_overflow_task_work(L: Any) -> Gen:
    """Completions posted from task work overflow like any other: six POLL_ADDs, each on its own pipe, are
    completed one by one by write(2) to each pipe in turn (the task work runs before each write returns);
    four CQEs fill the 4-entry CQ, two wait in the overflow list, and all six are reaped in order."""
    ring = yield from new_ring(L, 2)
    pipes = yield from six_pipe_polls(L, ring)
    for fds in pipes:
        yield from L.write(fds[1], b"x", 1)
    L.record("ready", L.io_uring_cq_ready(ring))
    L.record("overflow flag", L.io_uring_cq_has_overflow(ring))
    L.record("reaped", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "cq-overflow-defer-taskrun",
    tags=("overflow", "delivery", "poll"),
    expect={"ready after write": 0, "flag after write": False, "ready after getevents": 4, "flag after getevents": True, "reaped": 6},
)
def cq_overflow_defer_taskrun(L: Any) -> Gen:
    """CQ overflow on an IORING_SETUP_DEFER_TASKRUN ring: six POLL_ADDs, each on its own pipe, fire on
    write(2)s to the pipes in turn, but nothing is posted until the task asks for events; GETEVENTS then
    runs the deferred work in the order it was queued, four CQEs fill the CQ and two overflow
    (IORING_SQ_CQ_OVERFLOW); all six are reaped in order."""
    ring = yield from new_ring(L, 2, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    pipes = yield from six_pipe_polls(L, ring)
    for fds in pipes:
        yield from L.write(fds[1], b"x", 1)
    L.record("ready after write", L.io_uring_cq_ready(ring))
    L.record("flag after write", L.io_uring_cq_has_overflow(ring))
    yield from L.io_uring_get_events(ring)
    L.record("ready after getevents", L.io_uring_cq_ready(ring))
    L.record("flag after getevents", L.io_uring_cq_has_overflow(ring))
    L.record("reaped", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("cq-overflow-counted-timeout", tags=("overflow", "timeouts"))
def cq_overflow_counted_timeout(L: Any) -> Gen:
    """A TIMEOUT waiting for 5 completions on a ring whose 4-entry CQ overflows: completions held in the
    overflow list count only once they reach the CQ, so the timeout completes (0) after the overflow is
    flushed, not when the fifth NOP completes."""
    ring = yield from new_ring(L, 2)
    timeout(L, ring, 100, 10_000 * MS, count=5)
    yield from L.io_uring_submit(ring)
    yield from overflow(L, ring, 3)
    L.record("ready", L.io_uring_cq_ready(ring))
    L.io_uring_cq_advance(ring, 4)
    yield from L.io_uring_get_events(ring)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)
