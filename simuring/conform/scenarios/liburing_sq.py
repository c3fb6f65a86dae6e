"""The SQ ring, SQPOLL and liburing's CQ-side helpers: behaviours liburing's own test suite checks
(sq-poll-kthread, sq-poll-share, sqpoll-sleep, sq-full, sq-space_left, cq-peek-batch, cq-ready,
wait-timeout), written afresh from the man pages (io_uring_setup(2), io_uring_enter(2),
io_uring_sqring_wait(3), io_uring_peek_batch_cqe(3), io_uring_wait_cqes(3),
io_uring_submit_and_wait_timeout(3)).

SQPOLL timing is not deterministic: these scenarios compare only what is certain once a generous
margin has passed (an SQ thread with a 10 ms idle time is asleep after 300 ms; one with the default
second of idle time is awake 200 ms after it last worked)."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_ring,
    new_ring_params,
    nop,
    reap,
    reap_count,
    reap_ready,
    submit_and_reap,
    timespec,
)
from simuring.uapi import (
    IORING_ENTER_GETEVENTS,
    IORING_ENTER_SQ_WAIT,
    IORING_ENTER_SQ_WAKEUP,
    IORING_FEAT_EXT_ARG,
    IORING_SETUP_ATTACH_WQ,
    IORING_SETUP_NO_SQARRAY,
    IORING_SETUP_R_DISABLED,
    IORING_SETUP_SQ_AFF,
    IORING_SETUP_SQPOLL,
    IORING_SQ_NEED_WAKEUP,
    IOSQE_IO_LINK,
)

TAGS = ("liburing", "sq")
SQPOLL_TAGS = (*TAGS, "sqpoll")
MS = 1_000_000


def sqpoll_ring(L: Any, entries: int, idle_ms: int = 0, flags: int = 0) -> Gen:
    """An SQPOLL ring with ``sq_thread_idle`` of ``idle_ms`` (0: the kernel's default second)."""
    ret, ring, _ = yield from new_ring_params(L, entries, IORING_SETUP_SQPOLL | flags, sq_thread_idle=idle_ms)
    return ring if ret == 0 else None


def asleep(L: Any, ring: Any) -> bool:
    return bool(L.sq_kflags(ring) & IORING_SQ_NEED_WAKEUP)


# -- SQPOLL --------------------------------------------------------------------------------------
@scenario(
    "lq-sqpoll-submit-no-enter",
    tags=SQPOLL_TAGS,
    expect={"sq_ready after": 0},
)
def lq_sqpoll_submit_no_enter(L: Any) -> Gen:
    """io_uring_submit(3) on an SQPOLL ring returns the number of SQEs it published, whether the
    thread was asleep (an IORING_ENTER_SQ_WAKEUP enter returns that count) or polling (no enter);
    the thread consumes them and posts their CQEs, which io_uring_wait_cqe(3) finds."""
    ring = yield from sqpoll_ring(L, 8)
    if ring is None:
        return
    for ud in (1, 2, 3):
        nop(L, ring, ud)
    yield from submit_and_reap(L, ring, 3)
    L.record("sq_ready after", L.io_uring_sq_ready(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-thread-starts-asleep",
    tags=SQPOLL_TAGS,
    expect={"asleep after setup": True, "submit": 1, "asleep after work": False},
)
def lq_sqpoll_thread_starts_asleep(L: Any) -> Gen:
    """A new SQ thread with nothing to submit on its first pass sets IORING_SQ_NEED_WAKEUP and sleeps
    at once, whatever its sq_thread_idle (here the default second): the idle time counts only from
    work it did.  io_uring_submit(3) wakes it (IORING_ENTER_SQ_WAKEUP); once it has posted the CQE
    it polls again, with the flag clear, for the idle time."""
    ring = yield from sqpoll_ring(L, 8)
    if ring is None:
        return
    yield from L.nanosleep(100 * MS)
    L.record("asleep after setup", asleep(L, ring))
    nop(L, ring, 1)
    L.record("submit", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 1)
    L.record("asleep after work", asleep(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-need-wakeup-after-idle",
    tags=SQPOLL_TAGS,
    expect={"asleep after idle": True, "asleep after 2nd idle": True},
)
def lq_sqpoll_need_wakeup_after_idle(L: Any) -> Gen:
    """io_uring_setup(2) sq_thread_idle: an SQ thread with nothing to do for that many milliseconds
    sets IORING_SQ_NEED_WAKEUP and sleeps; io_uring_submit(3) then enters with
    IORING_ENTER_SQ_WAKEUP (which returns the count it was given) and the woken thread submits; it
    goes back to sleep after the idle time again."""
    ring = yield from sqpoll_ring(L, 8, idle_ms=10)
    if ring is None:
        return
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.nanosleep(300 * MS)
    L.record("asleep after idle", asleep(L, ring))
    nop(L, ring, 2)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 2)
    yield from L.nanosleep(300 * MS)
    L.record("asleep after 2nd idle", asleep(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-enter-returns-to-submit",
    tags=SQPOLL_TAGS,
    expect={"SQ_WAKEUP 5": 5, "SQ_WAKEUP 0": 0, "plain 3": 3, "GETEVENTS 2 min 0": 2},
)
def lq_sqpoll_enter_returns_to_submit(L: Any) -> Gen:
    """io_uring_enter(2) on an SQPOLL ring returns to_submit as given, whatever is in the SQ (the
    thread does the submitting), with or without IORING_ENTER_SQ_WAKEUP and with GETEVENTS."""
    ring = yield from sqpoll_ring(L, 8)
    if ring is None:
        return
    fd = ring.ring_fd
    L.record("SQ_WAKEUP 5", (yield from L.io_uring_enter(fd, 5, 0, IORING_ENTER_SQ_WAKEUP, None)))
    L.record("SQ_WAKEUP 0", (yield from L.io_uring_enter(fd, 0, 0, IORING_ENTER_SQ_WAKEUP, None)))
    L.record("plain 3", (yield from L.io_uring_enter(fd, 3, 0, 0, None)))
    L.record("GETEVENTS 2 min 0", (yield from L.io_uring_enter(fd, 2, 0, IORING_ENTER_GETEVENTS, None)))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-sqring-wait-full",
    tags=SQPOLL_TAGS,
    expect={"asleep": True, "5th sqe": False, "space before": 0, "sqring_wait": 0, "room after": True},
)
def lq_sqpoll_sqring_wait_full(L: Any) -> Gen:
    """io_uring_sqring_wait(3): with the SQ of an SQPOLL ring full it enters with
    IORING_ENTER_SQ_WAIT and returns 0 only once the SQ thread has consumed SQEs, so the SQ has room
    afterwards.  Here the thread is asleep when the SQ is filled; io_uring_submit(3) wakes it."""
    ring = yield from sqpoll_ring(L, 4, idle_ms=10)
    if ring is None:
        return
    yield from L.nanosleep(300 * MS)
    L.record("asleep", asleep(L, ring))
    for ud in (1, 2, 3, 4):
        nop(L, ring, ud)
    L.record("5th sqe", L.io_uring_get_sqe(ring) is not None)
    L.record("space before", L.io_uring_sq_space_left(ring))
    yield from L.io_uring_submit(ring)
    L.record("sqring_wait", (yield from L.io_uring_sqring_wait(ring)))
    L.record("room after", L.io_uring_sq_space_left(ring) > 0)
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-sq-wait-not-full",
    tags=SQPOLL_TAGS,
    expect={"SQ_WAIT empty": 0, "sqring_wait empty": 0, "SQ_WAIT without SQPOLL": 0},
)
def lq_sqpoll_sq_wait_not_full(L: Any) -> Gen:
    """IORING_ENTER_SQ_WAIT returns at once when the SQ is not full (on an SQPOLL ring, and on a
    ring without SQPOLL, where it is ignored); io_uring_sqring_wait(3) does not even enter then."""
    ring = yield from sqpoll_ring(L, 4)
    if ring is None:
        return
    L.record("SQ_WAIT empty", (yield from L.io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAIT, None)))
    L.record("sqring_wait empty", (yield from L.io_uring_sqring_wait(ring)))
    yield from L.io_uring_queue_exit(ring)
    plain = yield from new_ring(L, 4)
    L.record("SQ_WAIT without SQPOLL", (yield from L.io_uring_enter(plain.ring_fd, 0, 0, IORING_ENTER_SQ_WAIT, None)))
    yield from L.io_uring_queue_exit(plain)


@scenario(
    "lq-sqpoll-completions-without-enter",
    tags=SQPOLL_TAGS,
    expect={"cq_ready": 4, "awake": False},
)
def lq_sqpoll_completions_without_enter(L: Any) -> Gen:
    """An SQPOLL ring's thread submits and completes NOPs with no io_uring_enter(2) at all: after a
    generous pause the CQEs are in the CQ ring for io_uring_peek_cqe(3), and the thread (default
    idle time of a second) has not gone to sleep."""
    ring = yield from sqpoll_ring(L, 8)
    if ring is None:
        return
    for ud in range(1, 5):
        nop(L, ring, ud)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(200 * MS)
    L.record("cq_ready", L.io_uring_cq_ready(ring))
    L.record("awake", asleep(L, ring))
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-no-sqarray",
    tags=SQPOLL_TAGS,
    expect={"submit": 3},
)
def lq_sqpoll_no_sqarray(L: Any) -> Gen:
    """IORING_SETUP_SQPOLL with IORING_SETUP_NO_SQARRAY: the thread takes SQEs in ring order with no
    index array; three NOPs complete in order."""
    ring = yield from sqpoll_ring(L, 4, flags=IORING_SETUP_NO_SQARRAY)
    if ring is None:
        return
    for ud in (1, 2, 3):
        nop(L, ring, ud)
    L.record("submit", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-wrap",
    tags=SQPOLL_TAGS,
    expect={"rounds": 6},
)
def lq_sqpoll_wrap(L: Any) -> Gen:
    """An SQPOLL ring of 2 entries driven through several wraps of its SQ and CQ: each round fills
    the SQ, submits and reaps both CQEs in order."""
    ring = yield from sqpoll_ring(L, 2)
    if ring is None:
        return
    rounds = 0
    for r in range(6):
        nop(L, ring, 2 * r + 1)
        nop(L, ring, 2 * r + 2)
        yield from submit_and_reap(L, ring, 2)
        rounds += 1
    L.record("rounds", rounds)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-r-disabled-enable",
    tags=SQPOLL_TAGS,
    expect={"enter while disabled": -77, "enable": 0, "submit": 2},
)
def lq_sqpoll_r_disabled_enable(L: Any) -> Gen:
    """IORING_SETUP_R_DISABLED with SQPOLL: the ring refuses io_uring_enter(2) (-EBADFD) until
    IORING_REGISTER_ENABLE_RINGS; the SQ thread then serves it (NOPs queued while disabled complete
    once submitted after enabling); a disabled SQPOLL ring can also be torn down as is."""
    ret, ring, _ = yield from new_ring_params(L, 4, IORING_SETUP_SQPOLL | IORING_SETUP_R_DISABLED)
    if ret < 0:
        return
    nop(L, ring, 1)
    nop(L, ring, 2)
    L.record("enter while disabled", (yield from L.io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAKEUP, None)))
    L.record("enable", (yield from L.io_uring_enable_rings(ring)))
    L.record("submit", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)
    ret, other, _ = yield from new_ring_params(L, 4, IORING_SETUP_SQPOLL | IORING_SETUP_R_DISABLED)
    if ret == 0:
        yield from L.io_uring_queue_exit(other)


@scenario(
    "lq-sqpoll-bad-sqe-and-link",
    tags=SQPOLL_TAGS,
    expect={"submit": 4},
)
def lq_sqpoll_bad_sqe_and_link(L: Any) -> Gen:
    """The SQ thread reports an SQE that fails its checks (an unknown opcode: -EINVAL) in that SQE's
    CQE, as io_uring_enter(2) would; io_uring_submit(3) still returns what it published.  A linked
    chain submitted by the thread completes in order."""
    ring = yield from sqpoll_ring(L, 8)
    if ring is None:
        return
    nop(L, ring, 1, IOSQE_IO_LINK)
    nop(L, ring, 2, IOSQE_IO_LINK)
    nop(L, ring, 3)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    sqe.opcode = 0xFE
    L.io_uring_sqe_set_data64(sqe, 4)
    L.record("submit", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-dropped-index",
    tags=SQPOLL_TAGS,
    expect={"submit": 2, "dropped": 1},
)
def lq_sqpoll_dropped_index(L: Any) -> Gen:
    """On an SQPOLL ring too an SQ array entry past the SQE array is dropped (the SQ ring's dropped
    word counts it) and the SQE behind it is still submitted by the thread."""
    ring = yield from sqpoll_ring(L, 4)
    if ring is None:
        return
    nop(L, ring, 1)
    nop(L, ring, 2)
    L.sq_array_store(ring, 0, 4 + 1)
    L.record("submit", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 1)
    L.record("dropped", L.sq_kdropped(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-shared-thread",
    tags=SQPOLL_TAGS,
    expect={"attach": 0, "A asleep": False, "B asleep": True},
)
def lq_sqpoll_shared_thread(L: Any) -> Gen:
    """IORING_SETUP_ATTACH_WQ with SQPOLL: the second ring shares the first one's SQ thread, which
    serves both rings; the shared thread idles for the longest sq_thread_idle of its rings (here the
    second's second, so 300 ms after work on the first ring, whose own idle time is 10 ms, it still
    polls), and both rings see NEED_WAKEUP when it sleeps."""
    a = yield from sqpoll_ring(L, 4, idle_ms=10)
    if a is None:
        return
    ret, b, _ = yield from new_ring_params(L, 4, IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ, sq_thread_idle=1000, wq_fd=a.ring_fd)
    L.record("attach", ret)
    if ret < 0:
        yield from L.io_uring_queue_exit(a)
        return
    nop(L, b, 1)
    yield from submit_and_reap(L, b, 1)
    nop(L, a, 2)
    yield from submit_and_reap(L, a, 1)
    yield from L.nanosleep(300 * MS)
    L.record("A asleep", asleep(L, a))
    yield from L.io_uring_queue_exit(b)
    yield from L.io_uring_queue_exit(a)
    # an idle shared thread: both rings flagged
    c = yield from sqpoll_ring(L, 4, idle_ms=10)
    ret, d, _ = yield from new_ring_params(L, 4, IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ, sq_thread_idle=10, wq_fd=c.ring_fd)
    if ret == 0:
        yield from L.nanosleep(300 * MS)
        L.record("B asleep", asleep(L, d))
        yield from L.io_uring_queue_exit(d)
    yield from L.io_uring_queue_exit(c)


@scenario(
    "lq-sqpoll-submit-and-wait",
    tags=SQPOLL_TAGS,
    expect={"submit_and_wait": 3, "submit_and_get_events": 1, "wait_cqe_nr": 0, "ready": 3},
)
def lq_sqpoll_submit_and_wait(L: Any) -> Gen:
    """io_uring_submit_and_wait(3) on an SQPOLL ring enters with GETEVENTS and returns the number
    of SQEs it published once the thread has completed enough of them; io_uring_submit_and_get_events(3)
    returns the count too; io_uring_wait_cqe_nr(3) waits for several CQEs the thread posts."""
    ring = yield from sqpoll_ring(L, 8)
    if ring is None:
        return
    for ud in (1, 2, 3):
        nop(L, ring, ud)
    L.record("submit_and_wait", (yield from L.io_uring_submit_and_wait(ring, 3)))
    yield from reap(L, ring, 3)
    nop(L, ring, 4)
    L.record("submit_and_get_events", (yield from L.io_uring_submit_and_get_events(ring)))
    yield from reap(L, ring, 1)  # the SQ is empty again only once the thread has taken it
    for ud in (5, 6, 7):
        nop(L, ring, ud)
    yield from L.io_uring_submit(ring)
    cqe = L.Cqe()
    L.record("wait_cqe_nr", (yield from L.io_uring_wait_cqe_nr(ring, cqe, 3)))
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-shared-thread-outlives-creator",
    tags=SQPOLL_TAGS,
    expect={"attach B": 0, "attach C to B": 0, "submit B": 1, "submit C": 1},
)
def lq_sqpoll_shared_thread_outlives_creator(L: Any) -> Gen:
    """A shared SQ thread lives as long as one of its rings: after the ring that created it is torn
    down it still serves the attached ring, and a third ring can attach through that one."""
    a = yield from sqpoll_ring(L, 4)
    if a is None:
        return
    ret, b, _ = yield from new_ring_params(L, 4, IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ, wq_fd=a.ring_fd)
    L.record("attach B", ret)
    yield from L.io_uring_queue_exit(a)
    if ret < 0:
        return
    nop(L, b, 1)
    L.record("submit B", (yield from L.io_uring_submit(b)))
    yield from reap(L, b, 1)
    ret, c, _ = yield from new_ring_params(L, 4, IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ, wq_fd=b.ring_fd)
    L.record("attach C to B", ret)
    if ret == 0:
        nop(L, c, 2)
        L.record("submit C", (yield from L.io_uring_submit(c)))
        yield from reap(L, c, 1)
        yield from L.io_uring_queue_exit(c)
    yield from L.io_uring_queue_exit(b)


@scenario(
    "lq-sqpoll-cq-overflow",
    tags=(*SQPOLL_TAGS, "overflow"),
    expect={"cq_ready": 4, "has_overflow": True, "reaped": 6, "overflow after": False},
)
def lq_sqpoll_cq_overflow(L: Any) -> Gen:
    """An SQ thread that completes more requests than the CQ holds: the extra CQEs wait on the
    overflow list (IORING_SQ_CQ_OVERFLOW, io_uring_cq_has_overflow(3)) and io_uring_wait_cqe(3)
    flushes them in order once the CQ has room; none is lost."""
    ring = yield from sqpoll_ring(L, 2)  # CQ of 4
    if ring is None:
        return
    for r in range(3):
        nop(L, ring, 2 * r + 1)
        nop(L, ring, 2 * r + 2)
        yield from L.io_uring_submit(ring)
        yield from L.nanosleep(100 * MS)  # the thread takes both before the next two are queued
    L.record("cq_ready", L.io_uring_cq_ready(ring))
    L.record("has_overflow", L.io_uring_cq_has_overflow(ring))
    L.record("reaped", (yield from reap_count(L, ring, 6)))
    L.record("overflow after", L.io_uring_cq_has_overflow(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sqpoll-sq-aff",
    tags=SQPOLL_TAGS,
    expect={"cpu 1": 0, "submit": 2, "cpu -1": -22},
)
def lq_sqpoll_sq_aff(L: Any) -> Gen:
    """IORING_SETUP_SQ_AFF pins the SQ thread to sq_thread_cpu: CPU 1 (this needs a machine of two
    CPUs or more) is accepted and the pinned thread serves the ring; a CPU number of -1 (as a u32,
    far past the last CPU) is -EINVAL."""
    ret, ring, _ = yield from new_ring_params(L, 4, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, sq_thread_cpu=1)
    L.record("cpu 1", ret)
    if ret == 0:
        nop(L, ring, 1)
        nop(L, ring, 2)
        L.record("submit", (yield from L.io_uring_submit(ring)))
        yield from reap(L, ring, 2)
        yield from L.io_uring_queue_exit(ring)
    ret, other, _ = yield from new_ring_params(L, 4, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, sq_thread_cpu=0xFFFF_FFFF)
    L.record("cpu -1", ret)
    if ret == 0:
        yield from L.io_uring_queue_exit(other)


# -- the SQ ring --------------------------------------------------------------------------------
@scenario(
    "lq-sq-full-space-left",
    tags=TAGS,
    expect={"ready": 4, "space": 0, "5th sqe": False, "after submit": [0, 4], "space after reap": 4},
)
def lq_sq_full_space_left(L: Any) -> Gen:
    """io_uring_get_sqe(3) returns NULL once every SQ entry is claimed; io_uring_sq_ready(3) and
    io_uring_sq_space_left(3) count the claimed entries and the free ones, before and after a
    submit."""
    ring = yield from new_ring(L, 4)
    for ud in range(1, 5):
        nop(L, ring, ud)
    L.record("ready", L.io_uring_sq_ready(ring))
    L.record("space", L.io_uring_sq_space_left(ring))
    L.record("5th sqe", L.io_uring_get_sqe(ring) is not None)
    yield from L.io_uring_submit(ring)
    L.record("after submit", [L.io_uring_sq_ready(ring), L.io_uring_sq_space_left(ring)])
    yield from reap(L, ring, 4)
    L.record("space after reap", L.io_uring_sq_space_left(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sq-dropped-index",
    tags=TAGS,
    expect={"submit": 0, "dropped": 1, "pending": 3, "enter 1": 1, "enter 1 again": 1, "resubmit": 1, "dropped after": 1},
)
def lq_sq_dropped_index(L: Any) -> Gen:
    """io_uring_setup(2) SQ array: an entry that indexes past the SQE array is skipped, counted in
    the SQ ring's dropped word, and ends the submission (io_uring_enter(2) returns the SQEs
    consumed before it: here none); the SQEs behind it stay in the SQ and a later enter with a
    smaller to_submit takes only that many of them."""
    ring = yield from new_ring(L, 8)
    for ud in range(1, 5):
        nop(L, ring, ud)
    L.sq_array_store(ring, 0, 8 + 3)
    L.record("submit", (yield from L.io_uring_submit(ring)))
    L.record("dropped", L.sq_kdropped(ring))
    L.record("pending", L.io_uring_sq_ready(ring))
    L.sq_array_store(ring, 0, 0)
    L.record("enter 1", (yield from L.io_uring_enter(ring.ring_fd, 1, 0, 0, None)))
    L.record("enter 1 again", (yield from L.io_uring_enter(ring.ring_fd, 1, 0, 0, None)))
    L.record("resubmit", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 3)
    L.record("dropped after", L.sq_kdropped(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sq-dropped-mid-batch",
    tags=TAGS,
    expect={"submit": 2, "dropped": 1, "pending": 1},
)
def lq_sq_dropped_mid_batch(L: Any) -> Gen:
    """An invalid SQ array entry in the middle of a batch: the SQEs before it are submitted and
    counted, it is dropped, and the one after it waits in the SQ for the next submit."""
    ring = yield from new_ring(L, 4)
    for ud in range(1, 5):
        nop(L, ring, ud)
    L.sq_array_store(ring, 2, 0xFFFF_FFFF)
    L.record("submit", (yield from L.io_uring_submit(ring)))
    L.record("dropped", L.sq_kdropped(ring))
    L.record("pending", L.io_uring_sq_ready(ring))
    L.sq_array_store(ring, 2, 2)
    yield from reap(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-sq-enter-more-than-queued",
    tags=TAGS,
    expect={"submit": 0, "enter 10": 2, "enter 4 empty": 0},
)
def lq_sq_enter_more_than_queued(L: Any) -> Gen:
    """io_uring_enter(2) with a to_submit larger than the SQEs waiting in the SQ submits only those
    there and returns their number; with an empty SQ it returns 0.  (The two SQEs are left in the
    SQ by a first submit that stopped at an invalid SQ array entry in front of them.)"""
    ring = yield from new_ring(L, 8)
    for ud in (1, 2, 3):
        nop(L, ring, ud)
    L.sq_array_store(ring, 0, 0xFFFF)
    L.record("submit", (yield from L.io_uring_submit(ring)))
    L.sq_array_store(ring, 0, 0)
    L.record("enter 10", (yield from L.io_uring_enter(ring.ring_fd, 10, 0, 0, None)))
    yield from reap(L, ring, 2)
    L.record("enter 4 empty", (yield from L.io_uring_enter(ring.ring_fd, 4, 0, 0, None)))
    yield from L.io_uring_queue_exit(ring)


# -- liburing's CQ helpers -------------------------------------------------------------------------
@scenario(
    "lq-cq-peek-batch-advance",
    tags=TAGS,
    expect={"cq_ready": 5, "batch 3": [1, 2, 3], "batch 10": [4, 5], "batch empty": 0, "ready at end": 0},
)
def lq_cq_peek_batch_advance(L: Any) -> Gen:
    """io_uring_peek_batch_cqe(3) fills at most count CQEs from the CQ head without consuming them;
    io_uring_cq_advance(3) consumes them; io_uring_cq_ready(3) counts what is left."""
    ring = yield from new_ring(L, 8)
    for ud in range(1, 6):
        nop(L, ring, ud)
    yield from L.io_uring_submit_and_wait(ring, 5)
    L.record("cq_ready", L.io_uring_cq_ready(ring))
    cqes = L.Cqe(10)
    n = L.io_uring_peek_batch_cqe(ring, cqes, 3)
    L.record("batch 3", [cqes[i].user_data for i in range(n)])
    L.io_uring_cq_advance(ring, n)
    n = L.io_uring_peek_batch_cqe(ring, cqes, 10)
    L.record("batch 10", [cqes[i].user_data for i in range(n)])
    L.io_uring_cq_advance(ring, n)
    L.record("batch empty", L.io_uring_peek_batch_cqe(ring, cqes, 10))
    L.record("ready at end", L.io_uring_cq_ready(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-cq-peek-batch-edges",
    tags=TAGS,
    expect={"count 0": 0, "empty": 0, "peek empty": -11, "ready after advance 0": 2},
)
def lq_cq_peek_batch_edges(L: Any) -> Gen:
    """io_uring_peek_batch_cqe(3) with a count of 0 returns 0 even with CQEs ready, and 0 on an
    empty CQ; io_uring_peek_cqe(3) on an empty CQ is -EAGAIN; io_uring_cq_advance(3) of 0 consumes
    nothing."""
    ring = yield from new_ring(L, 4)
    cqes = L.Cqe(4)
    L.record("empty", L.io_uring_peek_batch_cqe(ring, cqes, 4))
    cqe = L.Cqe()
    L.record("peek empty", L.io_uring_peek_cqe(ring, cqe))
    nop(L, ring, 1)
    nop(L, ring, 2)
    yield from L.io_uring_submit_and_wait(ring, 2)
    L.record("count 0", L.io_uring_peek_batch_cqe(ring, cqes, 0))
    L.io_uring_cq_advance(ring, 0)
    L.record("ready after advance 0", L.io_uring_cq_ready(ring))
    n = L.io_uring_peek_batch_cqe(ring, cqes, 4)
    L.io_uring_cq_advance(ring, n)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-cq-peek-batch-overflow",
    tags=TAGS,
    expect={"has_overflow": True, "batch": 4, "after flush": False},
)
def lq_cq_peek_batch_overflow(L: Any) -> Gen:
    """io_uring_cq_has_overflow(3) reports CQEs held back by a full CQ; io_uring_peek_batch_cqe(3)
    on an emptied CQ with overflow pending flushes it first (a GETEVENTS enter) and returns them."""
    ring = yield from new_ring(L, 2)  # CQ of 4
    for ud in range(1, 7):
        nop(L, ring, ud)
        if ud % 2 == 0:
            yield from L.io_uring_submit(ring)
    L.record("has_overflow", L.io_uring_cq_has_overflow(ring))
    cqes = L.Cqe(8)
    n = L.io_uring_peek_batch_cqe(ring, cqes, 8)
    L.io_uring_cq_advance(ring, n)
    L.record("batch", n)
    n = L.io_uring_peek_batch_cqe(ring, cqes, 8)
    L.io_uring_cq_advance(ring, n)
    L.record("after flush", L.io_uring_cq_has_overflow(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-wait-cqes-timeout",
    tags=TAGS,
    expect={"empty": -62, "one of two": 0, "first": 1, "two of two": 0, "wait_nr 0 empty": -11, "no ts ready": 0},
)
def lq_wait_cqes_timeout(L: Any) -> Gen:
    """io_uring_wait_cqes(3) with a timeout: -ETIME when nothing completes in time; 0 with the first
    CQE when fewer than wait_nr but some completed; 0 at once when enough are ready; -EAGAIN with a
    wait_nr of 0 and nothing ready; without a timeout it returns 0 when enough are ready."""
    ring = yield from new_ring(L, 8)
    cqe = L.Cqe()
    L.record("empty", (yield from L.io_uring_wait_cqes(ring, cqe, 1, timespec(L, 1 * MS), None)))
    nop(L, ring, 1)
    yield from L.io_uring_submit(ring)
    L.record("one of two", (yield from L.io_uring_wait_cqes(ring, cqe, 2, timespec(L, 1 * MS), None)))
    L.record("first", cqe[0].user_data if cqe[0] is not None else None)
    nop(L, ring, 2)
    yield from L.io_uring_submit_and_wait(ring, 2)
    L.record("two of two", (yield from L.io_uring_wait_cqes(ring, cqe, 2, timespec(L, 10_000 * MS), None)))
    L.io_uring_cq_advance(ring, 2)
    L.record("wait_nr 0 empty", (yield from L.io_uring_wait_cqes(ring, cqe, 0, timespec(L, 1 * MS), None)))
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    L.record("no ts ready", (yield from L.io_uring_wait_cqes(ring, cqe, 1, None, None)))
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-wait-cqe-timeout",
    tags=TAGS,
    expect={"expired": -62, "ready": 0, "ud": 7, "none ts": 0},
)
def lq_wait_cqe_timeout(L: Any) -> Gen:
    """io_uring_wait_cqe_timeout(3): -ETIME when no completion arrives in time, 0 with the CQE when
    one is there; a NULL timeout waits as io_uring_wait_cqe(3)."""
    ring = yield from new_ring(L, 4)
    cqe = L.Cqe()
    L.record("expired", (yield from L.io_uring_wait_cqe_timeout(ring, cqe, timespec(L, 1 * MS))))
    nop(L, ring, 7)
    yield from L.io_uring_submit(ring)
    L.record("ready", (yield from L.io_uring_wait_cqe_timeout(ring, cqe, timespec(L, 10_000 * MS))))
    L.record("ud", cqe[0].user_data if cqe[0] is not None else None)
    L.io_uring_cqe_seen(ring, cqe[0])
    nop(L, ring, 8)
    yield from L.io_uring_submit(ring)
    L.record("none ts", (yield from L.io_uring_wait_cqe_timeout(ring, cqe, None)))
    L.io_uring_cqe_seen(ring, cqe[0])
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-submit-and-wait-timeout",
    tags=TAGS,
    expect={"submit 3 wait 3": 3, "nothing queued, empty": -62, "submit 1 wait 2": 1, "wait 0 empty": -11},
)
def lq_submit_and_wait_timeout(L: Any) -> Gen:
    """io_uring_submit_and_wait_timeout(3) returns the number of SQEs submitted once wait_nr CQEs are
    there; with nothing to submit and nothing completing it is -ETIME; with fewer completions than
    wait_nr it still returns the submitted count after the timeout, with the first CQE; with a
    wait_nr of 0, nothing queued and an empty CQ it is -EAGAIN."""
    ring = yield from new_ring(L, 8)
    cqe = L.Cqe()
    for ud in (1, 2, 3):
        nop(L, ring, ud)
    L.record("submit 3 wait 3", (yield from L.io_uring_submit_and_wait_timeout(ring, cqe, 3, timespec(L, 10_000 * MS), None)))
    reap_ready(L, ring)
    L.record("nothing queued, empty", (yield from L.io_uring_submit_and_wait_timeout(ring, cqe, 1, timespec(L, 1 * MS), None)))
    nop(L, ring, 4)
    L.record("submit 1 wait 2", (yield from L.io_uring_submit_and_wait_timeout(ring, cqe, 2, timespec(L, 1 * MS), None)))
    reap_ready(L, ring)
    L.record("wait 0 empty", (yield from L.io_uring_submit_and_wait_timeout(ring, cqe, 0, timespec(L, 1 * MS), None)))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-timeout-count-same-submit",
    tags=(*TAGS, "timeouts"),
    expect={"submit": 3, "ready at once": 3},
)
def lq_timeout_count_same_submit(L: Any) -> Gen:
    """io_uring_prep_timeout(3) with a count: completions posted after the TIMEOUT was queued count,
    and that includes requests submitted before it in the same io_uring_enter(2) (here two NOPs and
    a count of 2: the TIMEOUT completes with 0 at once, after them, not after its 10 s).  This is how
    liburing's waits without IORING_FEAT_EXT_ARG behave when SQEs are queued."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1)
    nop(L, ring, 2)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, timespec(L, 10_000 * MS), 2, 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    L.record("submit", (yield from L.io_uring_submit_and_wait(ring, 3)))
    L.record("ready at once", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-wait-timeout-without-ext-arg",
    tags=TAGS,
    expect={"expired": 1, "expired cqe": None, "peek after": -11, "with nop": 2, "nop": 5, "peek skips": -11},
)
def lq_wait_timeout_without_ext_arg(L: Any) -> Gen:
    """io_uring_wait_cqe_timeout(3) on a ring whose features lack IORING_FEAT_EXT_ARG (cleared in
    ``struct io_uring``, as on a kernel before 5.11): liburing queues a TIMEOUT SQE of its own (count
    1, user_data LIBURING_UDATA_TIMEOUT), submits it with whatever is queued, and consumes its CQE
    itself; the wait returns what the enter returned on its first pass (the SQEs submitted), with no
    CQE when the timeout expired and with the first real CQE otherwise."""
    ring = yield from new_ring(L, 8)
    ring.features &= ~IORING_FEAT_EXT_ARG
    cqe = L.Cqe()
    L.record("expired", (yield from L.io_uring_wait_cqe_timeout(ring, cqe, timespec(L, 1 * MS))))
    L.record("expired cqe", None if cqe[0] is None else cqe[0].user_data)
    L.record("peek after", L.io_uring_peek_cqe(ring, cqe))
    nop(L, ring, 5)
    L.record("with nop", (yield from L.io_uring_wait_cqe_timeout(ring, cqe, timespec(L, 10_000 * MS))))
    L.record("nop", None if cqe[0] is None else cqe[0].user_data)
    if cqe[0] is not None:
        L.io_uring_cqe_seen(ring, cqe[0])
    L.record("peek skips", L.io_uring_peek_cqe(ring, cqe))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "lq-submit-and-wait-timeout-without-ext-arg",
    tags=TAGS,
    expect={"submit 2 wait 2": 3, "ready": 1, "expired": 1},
)
def lq_submit_and_wait_timeout_without_ext_arg(L: Any) -> Gen:
    """io_uring_submit_and_wait_timeout(3) and io_uring_wait_cqes(3) without IORING_FEAT_EXT_ARG:
    the timeout becomes a TIMEOUT SQE of count wait_nr submitted with the queued SQEs (so the count
    returned includes it).  Its CQE (0: the count was met) follows the two NOPs' and stays in the CQ
    after they are consumed (io_uring_cq_ready(3) counts it) until a later wait's peek consumes it;
    liburing never returns it."""
    ring = yield from new_ring(L, 8)
    ring.features &= ~IORING_FEAT_EXT_ARG
    cqe = L.Cqe()
    nop(L, ring, 1)
    nop(L, ring, 2)
    L.record("submit 2 wait 2", (yield from L.io_uring_submit_and_wait_timeout(ring, cqe, 2, timespec(L, 10_000 * MS), None)))
    yield from reap(L, ring, 2)
    L.record("ready", L.io_uring_cq_ready(ring))
    L.record("expired", (yield from L.io_uring_wait_cqes(ring, cqe, 3, timespec(L, 1 * MS), None)))
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


