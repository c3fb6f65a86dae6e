"""IORING_OP_TIMEOUT, TIMEOUT_REMOVE and LINK_TIMEOUT (io_uring_prep_timeout(3),
io_uring_prep_timeout_remove(3), io_uring_prep_link_timeout(3))."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    link_timeout,
    new_ring,
    nop,
    reap,
    reap_one,
    reap_ready,
    remove_timeout,
    timeout,
    update_timeout,
)
from simuring.uapi import (
    GETEVENTS_ARG_SIZE,
    IORING_CQE_F_MORE,
    IORING_ENTER_ABS_TIMER,
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_GETEVENTS,
    IORING_LINK_TIMEOUT_UPDATE,
    IORING_TIMEOUT_ABS,
    IORING_TIMEOUT_BOOTTIME,
    IORING_TIMEOUT_ETIME_SUCCESS,
    IORING_TIMEOUT_MULTISHOT,
    IORING_TIMEOUT_REALTIME,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_IO_LINK,
)

MS = 1_000_000


def abs_timeout(L: Any, ring: Any, user_data: int, ts: Any, flags: int = 0) -> Any:
    """A TIMEOUT with IORING_TIMEOUT_ABS (and the clock ``flags``) at the instant ``ts``."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, ts, 0, IORING_TIMEOUT_ABS | flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


#: An absolute instant long past on every clock (1 ns after the epoch / boot).
LONG_AGO = (0, 1)
#: An absolute instant no clock reaches while a scenario runs (about 31,700 years).
FAR_FUTURE = (1 << 40, 0)


def pending_read(L: Any, ring: Any, fd: int, user_data: int, buf: bytearray, sqe_flags: int = 0) -> Any:
    """A READ of an empty pipe: it stays pending until data arrives or it is cancelled."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, fd, buf, len(buf), 0)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


@scenario("timeout-fires", tags=("timeouts",))
def timeout_fires(L: Any) -> Gen:
    """IORING_OP_TIMEOUT with count 0: completes with -ETIME when the 1 ms expires."""
    ring = yield from new_ring(L, 4)
    timeout(L, ring, 1, 1 * MS)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-count", tags=("timeouts",))
def timeout_count(L: Any) -> Gen:
    """IORING_OP_TIMEOUT with count 2: completes with 0 once two other completions were posted,
    long before its 10 s expire."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 10_000 * MS, count=2)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 2)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-remove", tags=("timeouts", "cancel"))
def timeout_remove(L: Any) -> Gen:
    """IORING_OP_TIMEOUT_REMOVE: removing a pending timeout completes it with -ECANCELED and the
    remove with 0; removing an unknown user_data is -ENOENT."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 10_000 * MS)
    yield from L.io_uring_submit(ring)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout_remove(sqe, 1, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout_remove(sqe, 99, 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-update", tags=("timeouts",))
def timeout_update(L: Any) -> Gen:
    """IORING_TIMEOUT_UPDATE: re-arming a 10 s timeout with 1 ms completes the update with 0, and the
    timeout then fires with -ETIME."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 10_000 * MS)
    yield from L.io_uring_submit(ring)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout_update(sqe, L.Timespec(0, 1 * MS), 1, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("link-timeout-fires", tags=("timeouts", "links"))
def link_timeout_fires(L: Any) -> Gen:
    """IORING_OP_LINK_TIMEOUT: a READ of an empty pipe linked to a 1 ms link timeout is cancelled when
    it expires: the read completes with -ECANCELED and the link timeout with -ETIME."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    buf = bytearray(8)
    pending_read(L, ring, fds[0], 1, buf, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 1 * MS)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("link-timeout-disarmed", tags=("timeouts", "links"))
def link_timeout_disarmed(L: Any) -> Gen:
    """IORING_OP_LINK_TIMEOUT: when the linked NOP completes first, the link timeout is disarmed and
    completes with -ECANCELED after the NOP's 0."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 10_000 * MS)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("link-timeout-skip-success", tags=("timeouts", "links", "skip"))
def link_timeout_skip_success(L: Any) -> Gen:
    """IOSQE_CQE_SKIP_SUCCESS on a LINK_TIMEOUT: disarmed (the NOP completed first) it posts no CQE; a
    NOP round trip afterwards shows nothing else arrived."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 10_000 * MS, IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    nop(L, ring, 3)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("link-timeout-skip-success-fires", tags=("timeouts", "links", "skip"))
def link_timeout_skip_success_fires(L: Any) -> Gen:
    """IOSQE_CQE_SKIP_SUCCESS on a LINK_TIMEOUT that fires: the read it guards is cancelled
    (-ECANCELED); whatever the timeout itself posts shows up after a NOP round trip."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    buf = bytearray(8)
    pending_read(L, ring, fds[0], 1, buf, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 1 * MS, IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(ring)
    cqe = L.Cqe()
    while True:  # wait for the read's CQE, consuming anything before it
        if (yield from L.io_uring_wait_cqe(ring, cqe)) < 0:
            break
        ud = cqe[0].user_data
        L.io_uring_cqe_seen(ring, cqe[0])
        if ud == 1:
            break
    nop(L, ring, 3)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-etime-success-link", tags=("timeouts", "links"))
def timeout_etime_success_link(L: Any) -> Gen:
    """IORING_TIMEOUT_ETIME_SUCCESS: a timeout that expires counts as a success for its link, so the
    NOP linked after it runs (0) while the timeout still reports -ETIME."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, flags=IORING_TIMEOUT_ETIME_SUCCESS, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-etime-success-skip", tags=("timeouts", "links", "skip"), expect={"leftover": 0})
def timeout_etime_success_skip(L: Any) -> Gen:
    """IORING_TIMEOUT_ETIME_SUCCESS with IOSQE_CQE_SKIP_SUCCESS: the expiry is a success, so the timeout
    posts no CQE at all and only the linked NOP does (0)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, flags=IORING_TIMEOUT_ETIME_SUCCESS, sqe_flags=IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("leftover", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-plain-link-cancels", tags=("timeouts", "links"))
def timeout_plain_link_cancels(L: Any) -> Gen:
    """A plain TIMEOUT that expires (-ETIME) is a failure for its link: the linked NOP is -ECANCELED."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-abs-past", tags=("timeouts",))
def timeout_abs_past(L: Any) -> Gen:
    """IORING_TIMEOUT_ABS: the timespec is an instant of the clock (CLOCK_MONOTONIC by default,
    IORING_TIMEOUT_REALTIME or _BOOTTIME otherwise); an instant already past fires at once with -ETIME,
    on each of the three clocks."""
    ring = yield from new_ring(L, 8)
    for ud, clock in ((1, 0), (2, IORING_TIMEOUT_REALTIME), (3, IORING_TIMEOUT_BOOTTIME)):
        abs_timeout(L, ring, ud, L.Timespec(*LONG_AGO), clock)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-abs-since-boot", tags=("timeouts", "difffuzz"), expect={"wait until 1 s after boot": -62})
def timeout_abs_since_boot(L: Any) -> Gen:
    """Absolute instants a millisecond or a second after boot are long past on a machine in use
    (CLOCK_MONOTONIC and CLOCK_BOOTTIME count from boot; the simulated machine booted an hour before the
    simulation): IORING_TIMEOUT_ABS at 1 s (CLOCK_MONOTONIC), 1 ms (CLOCK_BOOTTIME), and a READ of an empty
    pipe guarded by an ABS LINK_TIMEOUT of 1 s complete at once, before a relative 5 ms TIMEOUT submitted
    with them; with that one pending, a wait bounded by IORING_ENTER_ABS_TIMER at 1 s ends at once with
    -ETIME.  (The differential fuzzer's seeds 111347, 118460, 125102: a simulated clock starting at 0
    kept 1 ms in the future.)"""
    ring = yield from new_ring(L, 8)
    abs_timeout(L, ring, 1, L.Timespec(1, 0))
    abs_timeout(L, ring, 2, L.Timespec(0, MS), IORING_TIMEOUT_BOOTTIME)
    fds = [0, 0]
    yield from L.pipe(fds)
    buf = bytearray(8)
    pending_read(L, ring, fds[0], 3, buf, IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_link_timeout(sqe, L.Timespec(1, 0), IORING_TIMEOUT_ABS)
    L.io_uring_sqe_set_data64(sqe, 4)
    timeout(L, ring, 5, 5 * MS)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 4)
    timeout(L, ring, 6, 5 * MS)
    yield from L.io_uring_submit(ring)
    arg = L.GeteventsArg(ts=L.Timespec(1, 0))
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_ABS_TIMER
    L.record("wait until 1 s after boot", (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags, arg, GETEVENTS_ARG_SIZE)))
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-abs-future-removed", tags=("timeouts", "cancel"), expect={"ready": 0})
def timeout_abs_future_removed(L: Any) -> Gen:
    """IORING_TIMEOUT_ABS with an instant far in the future stays pending (nothing posted); TIMEOUT_REMOVE
    then completes it with -ECANCELED and itself with 0."""
    ring = yield from new_ring(L, 8)
    abs_timeout(L, ring, 1, L.Timespec(*FAR_FUTURE))
    yield from L.io_uring_submit(ring)
    nop(L, ring, 2)
    yield from L.io_uring_submit_and_wait(ring, 1)
    yield from reap(L, ring, 1)
    L.record("ready", L.io_uring_cq_ready(ring))
    remove_timeout(L, ring, 3, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-update-abs-past", tags=("timeouts",))
def timeout_update_abs_past(L: Any) -> Gen:
    """IORING_TIMEOUT_UPDATE with IORING_TIMEOUT_ABS re-arms a pending 10 s timeout at an absolute instant
    already past: the update completes with 0 and the timeout fires at once with -ETIME."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 10_000 * MS)
    yield from L.io_uring_submit(ring)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout_update(sqe, L.Timespec(*LONG_AGO), 1, IORING_TIMEOUT_ABS)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-prep-errors", tags=("timeouts", "sqe"))
def timeout_prep_errors(L: Any) -> Gen:
    """io_uring_prep_timeout(3) errors, each -EINVAL at submission: two clocks at once, an unknown timeout
    flag, len other than 1, a negative tv_nsec, MULTISHOT with ABS; a completion count on a LINK_TIMEOUT
    is -EINVAL too (the NOP it guards is then -ECANCELED).  One chain per submit."""
    ring = yield from new_ring(L, 8)

    def one(ud: int, ts: Any, flags: int, field: str = "", value: int = 0) -> Gen:
        sqe = L.io_uring_get_sqe(ring)
        L.io_uring_prep_timeout(sqe, ts, 0, flags)
        L.io_uring_sqe_set_data64(sqe, ud)
        if field:
            setattr(sqe, field, value)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)

    yield from one(1, L.Timespec(1, 0), IORING_TIMEOUT_REALTIME | IORING_TIMEOUT_BOOTTIME)
    yield from one(2, L.Timespec(1, 0), 1 << 10)
    yield from one(3, L.Timespec(1, 0), 0, "len", 2)
    yield from one(4, L.Timespec(0, -1), 0)
    yield from one(5, L.Timespec(1, 0), IORING_TIMEOUT_MULTISHOT | IORING_TIMEOUT_ABS)
    nop(L, ring, 6, IOSQE_IO_LINK)
    sqe = link_timeout(L, ring, 7, 10_000 * MS)
    sqe.off = 2
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-count-then-time", tags=("timeouts",))
def timeout_count_then_time(L: Any) -> Gen:
    """A TIMEOUT with count 3 and 1 ms, submitted with one NOP: only the NOP's completion is posted, so the
    count is not reached and the timer ends the timeout with -ETIME, after the NOP's CQE."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, count=3)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-count-ignores-timeouts", tags=("timeouts",))
def timeout_count_ignores_timeouts(L: Any) -> Gen:
    """The completion count of a TIMEOUT does not count other timeouts' completions: a 1 ms timeout fires
    (-ETIME) while a count-1, 10 s timeout waits; the count-1 timeout completes (0) only after a NOP."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 10_000 * MS, count=1)
    timeout(L, ring, 2, 1 * MS)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-multishot-count", tags=("timeouts", "multishot"))
def timeout_multishot_count(L: Any) -> Gen:
    """IORING_TIMEOUT_MULTISHOT with count 3: the 1 ms timer fires three times, each time posting -ETIME;
    the first two carry IORING_CQE_F_MORE, the last does not (the request is done)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, count=3, flags=IORING_TIMEOUT_MULTISHOT)
    yield from L.io_uring_submit(ring)
    while True:  # until the CQE without F_MORE
        cqe = yield from reap_one(L, ring)
        if cqe is None or not cqe[2] & IORING_CQE_F_MORE:
            break
    nop(L, ring, 2)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-multishot-removed", tags=("timeouts", "multishot", "cancel"))
def timeout_multishot_removed(L: Any) -> Gen:
    """IORING_TIMEOUT_MULTISHOT with count 0 repeats until removed: after its first -ETIME (with
    IORING_CQE_F_MORE, 200 ms), TIMEOUT_REMOVE completes with 0 and the timeout ends with -ECANCELED
    (no F_MORE)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 200 * MS, flags=IORING_TIMEOUT_MULTISHOT)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    remove_timeout(L, ring, 2, 1)
    yield from L.io_uring_submit(ring)
    removed = yield from reap_one(L, ring)
    if removed is not None and removed[1] == 0:
        yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-remove-fired", tags=("timeouts", "cancel"))
def timeout_remove_fired(L: Any) -> Gen:
    """A timeout that has fired and been reaped is no longer pending: TIMEOUT_REMOVE of it is -ENOENT, and
    so is IORING_TIMEOUT_UPDATE of it."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    remove_timeout(L, ring, 2, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    update_timeout(L, ring, 3, 1, 1 * MS)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-remove-errors", tags=("timeouts", "sqe"))
def timeout_remove_errors(L: Any) -> Gen:
    """io_uring_prep_timeout_remove(3) errors: a flag other than the update flags is -EINVAL; an update
    with two clocks is -EINVAL; removing a count-only timeout works like any other (0, -ECANCELED)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 10_000 * MS, count=5)
    yield from L.io_uring_submit(ring)
    remove_timeout(L, ring, 2, 1, IORING_TIMEOUT_ABS)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    update_timeout(L, ring, 3, 1, 1 * MS, IORING_TIMEOUT_REALTIME | IORING_TIMEOUT_BOOTTIME)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    remove_timeout(L, ring, 4, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("link-timeout-update", tags=("timeouts", "links"))
def link_timeout_update(L: Any) -> Gen:
    """IORING_LINK_TIMEOUT_UPDATE re-arms an armed LINK_TIMEOUT: a READ of an empty pipe guarded by a
    10 s link timeout; updating it to 1 ms completes the update with 0, then the link timeout fires:
    the read is cancelled (-ECANCELED) and the link timeout completes with -ETIME."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    buf = bytearray(8)
    pending_read(L, ring, fds[0], 1, buf, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 10_000 * MS)
    yield from L.io_uring_submit(ring)
    update_timeout(L, ring, 3, 2, 1 * MS, IORING_LINK_TIMEOUT_UPDATE)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("link-timeout-update-not-found", tags=("timeouts", "links"))
def link_timeout_update_not_found(L: Any) -> Gen:
    """IORING_LINK_TIMEOUT_UPDATE looks only at armed link timeouts: an unknown user_data is -ENOENT, and
    so is the user_data of a plain pending TIMEOUT (which a plain update would find); the TIMEOUT is
    then removed (0, -ECANCELED)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 10_000 * MS)
    yield from L.io_uring_submit(ring)
    update_timeout(L, ring, 2, 42, 1 * MS, IORING_LINK_TIMEOUT_UPDATE)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    update_timeout(L, ring, 3, 1, 1 * MS, IORING_LINK_TIMEOUT_UPDATE)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    remove_timeout(L, ring, 4, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-abs-realtime-epoch", tags=("timeouts",), expect={"wait": 0})
def timeout_abs_realtime_epoch(L: Any) -> Gen:
    """IORING_TIMEOUT_ABS|IORING_TIMEOUT_REALTIME counts from the epoch (1970): an instant 10^9 s after
    it (2001) is long past on the wall clock, so the timeout fires at once (-ETIME) and a wait bounded by
    200 ms gets it (0); a TIMEOUT_REMOVE afterwards finds nothing (-ENOENT)."""
    ring = yield from new_ring(L, 8)
    abs_timeout(L, ring, 1, L.Timespec(1_000_000_000, 0), IORING_TIMEOUT_REALTIME)
    yield from L.io_uring_submit(ring)
    cqe = L.Cqe()
    ret = yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, 200 * MS))
    L.record("wait", ret)
    if ret == 0:
        L.io_uring_cqe_seen(ring, cqe[0])
    remove_timeout(L, ring, 2, 1)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-multishot-cq-full", tags=("timeouts", "multishot", "overflow"))
def timeout_multishot_cq_full(L: Any) -> Gen:
    """A multishot TIMEOUT (no count) that expires while the CQ is full cannot post its IORING_CQE_F_MORE
    completion, so it ends there: its final -ETIME (no F_MORE) waits in the overflow list behind the four
    NOPs that filled the 4-entry CQ, and nothing follows it (a NOP round trip after 5 ms shows it)."""
    ring = yield from new_ring(L, 2)
    for ud in (2, 3, 4, 5):
        nop(L, ring, ud)
        yield from L.io_uring_submit(ring)
    timeout(L, ring, 1, 1 * MS, flags=IORING_TIMEOUT_MULTISHOT)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(3 * MS)
    L.record("overflow flag", L.io_uring_cq_has_overflow(ring))
    reap_ready(L, ring)  # liburing's peek flushes the overflow list
    yield from L.nanosleep(5 * MS)
    nop(L, ring, 6)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("timeout-multishot-update-abs", tags=("timeouts",))
def timeout_multishot_update_abs(L: Any) -> Gen:
    """A multishot 10 s TIMEOUT updated with IORING_TIMEOUT_ABS to the instant 10 ms after boot (already past):
    it fires at once, and then every 10 ms, not at once again: the update's ABS arms one expiry, and
    io_timeout_complete re-arms in the prep's relative mode with the new timespec as the period.  No
    third expiry is ready right after the second; a TIMEOUT_REMOVE then ends it with -ECANCELED."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 10_000 * MS, flags=IORING_TIMEOUT_MULTISHOT)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(20 * MS)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout_update(sqe, L.Timespec(0, 10 * MS), 1, IORING_TIMEOUT_ABS)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    L.record("ready", L.io_uring_cq_ready(ring))
    remove_timeout(L, ring, 3, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)
