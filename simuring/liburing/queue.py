"""Submitting and reaping (liburing's src/queue.c).

``io_uring_get_sqe``, the submit family (``__io_uring_flush_sq``,
``sq_ring_needs_enter``, ``__io_uring_submit``), and ``_io_uring_get_cqe``
with the waits and batch peek built on it.

One liberty is documented in docs/liburing.md: where liburing enters the
kernel from a plain call to flush overflowed CQEs or pending task work (a
GETEVENTS enter that never sleeps), simuring runs that kernel entry
synchronously and charges its CPU time to the task's next burst.
"""

from __future__ import annotations

from typing import Any

from simuring.abi.cq_mixed import io_uring_cqe_nr, is_skip, peek_batch
from simuring.abi.errno import EAGAIN, ETIME
from simuring.abi.io_uring import (
    GETEVENTS_ARG_SIZE,
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_GETEVENTS,
    IORING_ENTER_SQ_WAIT,
    IORING_ENTER_SQ_WAKEUP,
    IORING_FEAT_EXT_ARG,
    IORING_SETUP_SQPOLL,
    IORING_SQ_CQ_OVERFLOW,
    IORING_SQ_NEED_WAKEUP,
    IORING_SQ_TASKRUN,
    Cqe,
    GeteventsArg,
    IoUringCqe,
    Sqe,
    Timespec,
)
from simuring.host.current import current_task
from simuring.kernel.sys import U32, syscall
from simuring.libc.argcheck import need_int
from simuring.libc.cint import CInt
from simuring.liburing.prep import io_uring_prep_timeout
from simuring.liburing.ring import Ring, need_ring, not_a_ring
from simuring.liburing.syscall import Gen, enter_now, io_uring_enter, io_uring_enter2


def io_uring_get_sqe(ring: Ring) -> Sqe | None:
    """Claim the next free SQE, or None when the SQ is full."""
    try:
        mem = ring.rings or ring._mem()
    except AttributeError:
        raise not_a_ring(ring, "io_uring_get_sqe") from None
    nxt = (ring.sqe_tail + 1) & U32
    if ((nxt - mem.sq_head) & U32) > mem.sq_entries:
        return None
    sqe = mem.sqes[ring.sqe_tail & mem.sq_mask]
    ring.sqe_tail = nxt
    sqe.clear()
    current_task().charge(ring.costs.get_sqe_ns)
    return sqe


def flush_sq(ring: Ring) -> int:
    """``__io_uring_flush_sq``: publish claimed SQEs; returns how many are pending."""
    try:
        mem = ring.rings or ring._mem()
    except AttributeError:
        raise not_a_ring(ring, "submitting") from None
    tail = ring.sqe_tail
    if ring.sqe_head != tail:
        ring.sqe_head = tail
        mem.sq_tail = tail
        if mem.on_sq_tail is not None:  # an SQPOLL thread polls the SQ tail: it notices the store
            mem.on_sq_tail(current_task())
    return (tail - mem.sq_head) & U32


def sq_ring_needs_enter(ring: Ring, submit: int) -> tuple[bool, int]:
    if not submit:
        return False, 0
    if not ring.flags & IORING_SETUP_SQPOLL:
        return True, 0
    if ring._mem().sq_flags & IORING_SQ_NEED_WAKEUP:
        return True, IORING_ENTER_SQ_WAKEUP
    return False, 0


def cq_ring_needs_flush(ring: Ring) -> bool:
    return bool((ring.rings or ring._mem()).sq_flags & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN))


def submit_flags(ring: Ring, submitted: int, wait_nr: int, getevents: bool = False) -> int:
    """``__io_uring_submit``'s test: the io_uring_enter flags, or -1 when no entry is needed."""
    cq_needs_enter = getevents or wait_nr > 0 or cq_ring_needs_flush(ring)
    needs, flags = sq_ring_needs_enter(ring, submitted)
    if needs or cq_needs_enter:
        if cq_needs_enter:
            flags |= IORING_ENTER_GETEVENTS
        return flags
    return -1


def submit_entry(ring: Ring, submitted: int, wait_nr: int, getevents: bool = False) -> Gen | int:
    """``__io_uring_submit``: the io_uring_enter call to make, or the result without one.

    Returns the kernel entry as a generator for the caller to ``yield from``,
    or an int when no entry is needed (SQPOLL without NEED_WAKEUP, nothing
    to wait for); this keeps one generator frame off the hottest path.
    """
    flags = submit_flags(ring, submitted, wait_nr, getevents)
    if flags < 0:
        return submitted
    # io_uring_enter(ring.ring_fd, submitted, wait_nr, flags, None) in place
    return syscall("io_uring_enter", ring.ring_fd, submitted, wait_nr, flags, None)


def io_uring_submit(ring: Ring) -> Gen:
    """Submit claimed SQEs; returns how many the kernel consumed (or -errno)."""
    entry = submit_entry(ring, flush_sq(ring), 0)
    return entry if isinstance(entry, int) else (yield from entry)


def io_uring_submit_and_wait(ring: Ring, wait_nr: CInt) -> Gen:
    """Submit and wait for at least ``wait_nr`` completions in one enter."""
    if not isinstance(wait_nr, int):
        need_int("io_uring_submit_and_wait", wait_nr=wait_nr)
    entry = submit_entry(ring, flush_sq(ring), wait_nr)
    return entry if isinstance(entry, int) else (yield from entry)


def io_uring_submit_and_get_events(ring: Ring) -> Gen:
    entry = submit_entry(ring, flush_sq(ring), 0, True)
    return entry if isinstance(entry, int) else (yield from entry)


def io_uring_get_events(ring: Ring) -> Gen:
    """Enter with GETEVENTS only: run deferred task work and flush overflow."""
    need_ring(ring)
    return (yield from io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, None))


def io_uring_sqring_wait(ring: Ring) -> Gen:
    """liburing.h's ``io_uring_sqring_wait``: 0 at once without SQPOLL or with SQ space
    left, else an IORING_ENTER_SQ_WAIT enter (``__io_uring_sqring_wait``), which returns
    once the SQ thread has made room in the SQ."""
    if not need_ring(ring).flags & IORING_SETUP_SQPOLL or io_uring_sq_space_left(ring):
        return 0
    return (yield from io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAIT, None))


def io_uring_sq_ready(ring: Ring) -> int:
    return (need_ring(ring).sqe_tail - ring._mem().sq_head) & U32


def io_uring_sq_space_left(ring: Ring) -> int:
    return need_ring(ring)._mem().sq_entries - io_uring_sq_ready(ring)


LIBURING_UDATA_TIMEOUT = 0xFFFF_FFFF_FFFF_FFFF
"""liburing's ``(__u64) -1``: the user_data of the TIMEOUT SQE its waits queue without EXT_ARG."""


def peek(ring: Ring) -> tuple[IoUringCqe | None, int]:
    try:
        mem = ring.rings or ring._mem()
    except AttributeError:
        raise not_a_ring(ring, "waiting for or peeking at a CQE") from None
    available = (mem.cq_tail - mem.cq_head) & U32
    if not available:
        return None, 0
    return mem.cqes[mem.cq_head & mem.cq_mask], available


def peek_skipping(ring: Ring) -> tuple[int, IoUringCqe | None, int]:
    """``__io_uring_peek_cqe``: ``(err, cqe, available)``.  Without IORING_FEAT_EXT_ARG the CQEs
    of liburing's internal timeouts (user_data LIBURING_UDATA_TIMEOUT) are consumed on the way; one
    that failed (-ETIME: it expired) ends the peek with its error and no CQE."""
    cqe, available = peek(ring)
    while cqe is not None:
        if is_skip(cqe):  # a mixed ring's padding entry (io_uring_skip_cqe)
            mem = ring._mem()
            mem.cq_head = (mem.cq_head + io_uring_cqe_nr(cqe)) & U32
        elif ring.features & IORING_FEAT_EXT_ARG or cqe.user_data != LIBURING_UDATA_TIMEOUT:
            break
        else:
            mem = ring._mem()
            mem.cq_head = (mem.cq_head + io_uring_cqe_nr(cqe)) & U32
            if cqe.res < 0:
                return cqe.res, None, available
        cqe, available = peek(ring)
    return 0, cqe, available


def need_cqe_ptr(cqe_ptr: Any) -> Cqe:
    if not isinstance(cqe_ptr, Cqe):
        raise TypeError("pass a Cqe() container: its [0] is filled with the completion")
    return cqe_ptr


def get_cqe(ring: Ring, cqe_ptr: Cqe, submit: int, wait_nr: int, arg: GeteventsArg | None = None) -> Gen:
    """``_io_uring_get_cqe``: peek, and enter the kernel only when needed."""
    err = 0
    looped = False
    cqe: IoUringCqe | None = None
    while True:
        need_enter = False
        flags = 0
        peek_err, cqe, available = peek_skipping(ring)
        if peek_err:
            if not err:
                err = peek_err
            break
        if cqe is None and not wait_nr and not submit:
            if looped or not cq_ring_needs_flush(ring):
                if not err:
                    err = -EAGAIN
                break
            need_enter = True
        if wait_nr > available or need_enter:
            flags = IORING_ENTER_GETEVENTS | (IORING_ENTER_EXT_ARG if arg is not None else 0)
            need_enter = True
        needs, sq_flags = sq_ring_needs_enter(ring, submit)
        flags |= sq_flags
        if needs:
            need_enter = True
        if not need_enter:
            break
        if looped and arg is not None:
            if cqe is None and arg.ts is not None and not err:
                err = -ETIME
            break
        ret = yield from io_uring_enter2(ring.ring_fd, submit, wait_nr, flags, arg, GETEVENTS_ARG_SIZE if arg is not None else 0)
        if ret < 0:
            if not err:
                err = ret
            break
        submit -= ret
        if cqe is not None:
            break
        if not looped:
            looped = True
            err = ret
    cqe_ptr[0] = cqe
    return err


def submit_timeout(ring: Ring, wait_nr: int, ts: Timespec) -> Gen:
    """``__io_uring_submit_timeout``: liburing's wait without IORING_FEAT_EXT_ARG queues a TIMEOUT
    of ``ts`` and count ``wait_nr`` (user_data LIBURING_UDATA_TIMEOUT), submitting first if the SQ
    is full (-EAGAIN if it stays full); the number of SQEs to submit, or -errno."""
    sqe = io_uring_get_sqe(ring)
    if sqe is None:
        ret = yield from io_uring_submit(ring)
        if ret < 0:
            return ret
        sqe = io_uring_get_sqe(ring)
        if sqe is None:
            return -EAGAIN
    io_uring_prep_timeout(sqe, ts, wait_nr, 0)
    sqe.user_data = LIBURING_UDATA_TIMEOUT
    return flush_sq(ring)


def io_uring_wait_cqes(ring: Ring, cqe_ptr: Cqe, wait_nr: CInt, ts: Timespec | None, sigmask: Any = None) -> Gen:
    """Wait for ``wait_nr`` completions for at most ``ts`` (None: no limit); ``cqe_ptr[0]``
    is the first.  0, or -ETIME when the time ran out with nothing ready.  As liburing's: with
    IORING_FEAT_EXT_ARG (``ring.features``) ``ts`` goes to the kernel and nothing is submitted;
    without it a TIMEOUT SQE is queued and submitted with whatever else is queued
    (:func:`submit_timeout`).  ``sigmask`` is not modelled."""
    need_cqe_ptr(cqe_ptr)
    need_int("io_uring_wait_cqes", wait_nr=wait_nr)
    if ts is None:
        return (yield from get_cqe(ring, cqe_ptr, 0, wait_nr))
    if need_ring(ring).features & IORING_FEAT_EXT_ARG:
        return (yield from get_cqe(ring, cqe_ptr, 0, wait_nr, GeteventsArg(ts=ts)))
    to_submit = yield from submit_timeout(ring, wait_nr, ts)
    if to_submit < 0:
        return to_submit
    return (yield from get_cqe(ring, cqe_ptr, to_submit, wait_nr))


def io_uring_wait_cqe_timeout(ring: Ring, cqe_ptr: Cqe, ts: Timespec | None) -> Gen:
    """``io_uring_wait_cqes`` for one completion: -ETIME on expiry."""
    return (yield from io_uring_wait_cqes(ring, cqe_ptr, 1, ts))


def io_uring_submit_and_wait_timeout(ring: Ring, cqe_ptr: Cqe, wait_nr: CInt, ts: Timespec | None, sigmask: Any = None) -> Gen:
    """Submit what is queued and wait for ``wait_nr`` completions for at most ``ts``.

    As liburing's: the number of SQEs submitted, or -errno (-ETIME when the
    time ran out with no completion); ``cqe_ptr[0]`` is the first completion
    or None.  ``sigmask`` is not modelled.
    """
    need_cqe_ptr(cqe_ptr)
    need_int("io_uring_submit_and_wait_timeout", wait_nr=wait_nr)
    if ts is None:
        return (yield from get_cqe(ring, cqe_ptr, flush_sq(ring), wait_nr))
    if need_ring(ring).features & IORING_FEAT_EXT_ARG:
        return (yield from get_cqe(ring, cqe_ptr, flush_sq(ring), wait_nr, GeteventsArg(ts=ts)))
    to_submit = yield from submit_timeout(ring, wait_nr, ts)  # without EXT_ARG, as io_uring_wait_cqes
    if to_submit < 0:
        return to_submit
    return (yield from get_cqe(ring, cqe_ptr, to_submit, wait_nr))


def get_events_now(ring: Ring) -> None:
    """liburing's ``io_uring_get_events`` from inside a plain peek: the GETEVENTS
    entry never sleeps, so it runs synchronously (its cost joins the next burst)."""
    enter_now(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS)


def io_uring_peek_batch_cqe(ring: Ring, cqes: Cqe, count: CInt) -> int:
    """Fill ``cqes[0..n-1]`` with up to ``count`` ready completions; returns n.

    Like liburing, an empty CQ with overflowed CQEs or pending task work
    (IORING_SQ_CQ_OVERFLOW / IORING_SQ_TASKRUN) is flushed once with a
    GETEVENTS entry (run synchronously, as in :func:`io_uring_peek_cqe`) and
    looked at again.
    """
    need_int("io_uring_peek_batch_cqe", count=count)
    mem = need_ring(ring)._mem()
    ready = (mem.cq_tail - mem.cq_head) & U32
    if not ready and cq_ring_needs_flush(ring):
        get_events_now(ring)
        ready = (mem.cq_tail - mem.cq_head) & U32
    if not ready:
        return 0
    skipped, found = peek_batch(lambda at: mem.cqes[at & mem.cq_mask], mem.cq_head, ready, min(count, len(cqes)))
    mem.cq_head = (mem.cq_head + skipped) & U32
    cqes[: len(found)] = found
    return len(found)
