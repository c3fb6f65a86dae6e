"""Timeouts, link chains, drain, CQE_SKIP_SUCCESS and ASYNC_CANCEL: behaviours liburing's own test suite
relies on, checked against the man pages (io_uring_prep_timeout(3), io_uring_prep_link_timeout(3),
io_uring_prep_timeout_update(3), io_uring_prep_cancel(3), io_uring_enter(2) on IOSQE_IO_LINK,
IOSQE_IO_HARDLINK, IOSQE_IO_DRAIN and IOSQE_CQE_SKIP_SUCCESS).

Each scenario is written here from the documented behaviour; where the man pages leave the result open,
the real kernel decides.  Not covered: IOSQE_ASYNC paths whose CQE order depends on io-wq scheduling
(IORING_REGISTER_SYNC_CANCEL is ``liburing_sync_cancel.py``'s).
"""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    cancel,
    link_timeout,
    make_file,
    new_pipe,
    new_ring,
    nop,
    poll_add,
    reap,
    reap_ready,
    remove_timeout,
    round_trip,
    submit_and_reap,
    timeout,
    update_timeout,
)
from simuring.uapi import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_ASYNC_CANCEL_ANY,
    IORING_ASYNC_CANCEL_OP,
    IORING_LINK_TIMEOUT_UPDATE,
    IORING_OP_TIMEOUT,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_TIMEOUT_ABS,
    IORING_TIMEOUT_BOOTTIME,
    IORING_TIMEOUT_ETIME_SUCCESS,
    IORING_TIMEOUT_MULTISHOT,
    IOSQE_ASYNC,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_IO_DRAIN,
    IOSQE_IO_HARDLINK,
    IOSQE_IO_LINK,
    POLLIN,
)

MS = 1_000_000
LONG = 10_000 * MS  # a timeout that must not fire while the scenario runs
TAGS = ("liburing",)


def read(L: Any, ring: Any, fd: int, ud: int, buf: Any, n: int, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, fd, buf, n, 0)
    L.io_uring_sqe_set_data64(sqe, ud)
    L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def failing_write(L: Any, ring: Any, fd: int, ud: int, sqe_flags: int = 0) -> Any:
    """A WRITE of 100 bytes from a NULL buffer to a pipe: accepted at submission, -EFAULT when issued."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, fd, None, 100, 0)
    L.io_uring_sqe_set_data64(sqe, ud)
    L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def poll_in(L: Any, ring: Any, fd: int, ud: int, sqe_flags: int = 0) -> Any:
    """Queue a POLL_ADD for POLLIN with ``ud`` and SQE ``sqe_flags``; the SQE."""
    return poll_add(L, ring, fd, POLLIN, ud, sqe_flags=sqe_flags)


# -- LINK_TIMEOUT placement --------------------------------------------------------------------------------


@scenario("lt-link-timeout-alone", tags=TAGS + ("timeouts", "links"))
def lt_link_timeout_alone(L: Any) -> Gen:
    """io_uring_prep_link_timeout(3): a LINK_TIMEOUT must follow a linked request.  One that heads its
    own submission is -EINVAL, whether it carries IOSQE_IO_LINK itself or not."""
    ring = yield from new_ring(L, 8)
    link_timeout(L, ring, 1, LONG, IOSQE_IO_LINK)
    yield from submit_and_reap(L, ring, 1)
    link_timeout(L, ring, 2, LONG)
    yield from submit_and_reap(L, ring, 1)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-link-timeout-after-link-timeout", tags=TAGS + ("timeouts", "links"))
def lt_link_timeout_after_link_timeout(L: Any) -> Gen:
    """NOP -> LINK_TIMEOUT (linked on) -> LINK_TIMEOUT: a link timeout cannot guard another link timeout
    (io_uring_prep_link_timeout(3)); every CQE the submission produces is recorded."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, LONG, IOSQE_IO_LINK)
    link_timeout(L, ring, 3, LONG)
    L.record("submitted", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 2)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-failed-head-three-link-timeouts", tags=TAGS + ("timeouts", "links"))
def lt_failed_head_three_link_timeouts(L: Any) -> Gen:
    """A WRITE that fails at issue (NULL buffer, -EFAULT) followed, in one chain, by three LINK_TIMEOUTs each
    flagged IOSQE_IO_LINK: the first guards the write, the other two have no request to guard.  Every CQE
    is recorded (how many the kernel posts is part of the check)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    failing_write(L, ring, fds[1], 1, IOSQE_IO_LINK)
    for ud in (2, 3, 4):
        link_timeout(L, ring, ud, LONG, IOSQE_IO_LINK)
    L.record("submitted", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 1)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-link-timeout-bad-ioprio", tags=TAGS + ("timeouts", "links", "sqe"))
def lt_link_timeout_bad_ioprio(L: Any) -> Gen:
    """A READ of an empty pipe linked to a LINK_TIMEOUT whose ioprio is set (a field the link timeout does
    not take): the link timeout fails at submission with -EINVAL, which fails the chain, so the read is
    -ECANCELED without running."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(16)
    read(L, ring, fds[0], 1, buf, 16, IOSQE_IO_LINK)
    sqe = link_timeout(L, ring, 2, LONG)
    sqe.ioprio = 89
    yield from submit_and_reap(L, ring, 2)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-link-timeout-read-completes", tags=TAGS + ("timeouts", "links"))
def lt_link_timeout_read_completes(L: Any) -> Gen:
    """A READ of an empty pipe guarded by a 10 s LINK_TIMEOUT, and an unlinked WRITE of 16 bytes to the pipe
    in the same submission: the read gets the 16 bytes before the timer, so the link timeout is disarmed
    (-ECANCELED)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    rbuf = bytearray(16)
    read(L, ring, fds[0], 1, rbuf, 16, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, LONG)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, fds[1], b"0123456789abcdef", 16, 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from submit_and_reap(L, ring, 3)
    L.record("data", bytes(rbuf))
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-link-timeout-tiny", tags=TAGS + ("timeouts", "links"))
def lt_link_timeout_tiny(L: Any) -> Gen:
    """A LINK_TIMEOUT of 10 ns guarding a READ of an empty pipe: the timer is armed once the read is
    waiting, so it still cancels the read (-ECANCELED) and completes with -ETIME."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(16)
    read(L, ring, fds[0], 1, buf, 16, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 10)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-chain-poll-timeout-nops", tags=TAGS + ("timeouts", "links", "poll"))
def lt_chain_poll_timeout_nops(L: Any) -> Gen:
    """POLL_ADD (POLLIN, empty pipe) -> LINK_TIMEOUT 1 ms -> NOP -> NOP, all one chain: the link timeout
    fires (-ETIME) and cancels the poll (-ECANCELED); the cancelled poll fails the rest of the chain, so
    both NOPs are -ECANCELED."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_in(L, ring, fds[0], 1, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 1 * MS, IOSQE_IO_LINK)
    nop(L, ring, 3, IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-chain-two-guarded-polls", tags=TAGS + ("timeouts", "links", "poll"))
def lt_chain_two_guarded_polls(L: Any) -> Gen:
    """One chain POLL -> LINK_TIMEOUT 1 ms -> NOP -> POLL -> LINK_TIMEOUT 1 ms, then an unlinked NOP: the
    first link timeout fires and cancels the first poll; the rest of the chain never runs (-ECANCELED,
    the second link timeout too); the unlinked NOP completes (0) at once."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_in(L, ring, fds[0], 1, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 1 * MS, IOSQE_IO_LINK)
    nop(L, ring, 3, IOSQE_IO_LINK)
    poll_in(L, ring, fds[0], 4, IOSQE_IO_LINK)
    link_timeout(L, ring, 5, 1 * MS)
    nop(L, ring, 6)
    yield from submit_and_reap(L, ring, 6)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-chain-guarded-member", tags=TAGS + ("timeouts", "links", "poll"))
def lt_chain_guarded_member(L: Any) -> Gen:
    """NOP -> POLL_ADD (empty pipe) -> LINK_TIMEOUT 1 ms: a link timeout may guard a member that is not the
    head; it is armed when the poll is issued after the NOP (0), fires (-ETIME) and cancels the poll
    (-ECANCELED)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    nop(L, ring, 1, IOSQE_IO_LINK)
    poll_in(L, ring, fds[0], 2, IOSQE_IO_LINK)
    link_timeout(L, ring, 3, 1 * MS)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-link-timeout-guards-timeout", tags=TAGS + ("timeouts", "links"))
def lt_link_timeout_guards_timeout(L: Any) -> Gen:
    """A TIMEOUT may be guarded by a LINK_TIMEOUT.  A 10 s TIMEOUT (count 0) with a 1 ms link timeout: the
    link timeout fires (-ETIME) and cancels the TIMEOUT (-ECANCELED)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG, sqe_flags=IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 1 * MS)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-beats-link-timeout", tags=TAGS + ("timeouts", "links"))
def lt_timeout_beats_link_timeout(L: Any) -> Gen:
    """A 1 ms TIMEOUT with an all-ones completion count guarded by a 10 s LINK_TIMEOUT: the TIMEOUT expires
    first (-ETIME) and the link timeout is disarmed (-ECANCELED)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, count=0xFFFF_FFFF, sqe_flags=IOSQE_IO_LINK)
    link_timeout(L, ring, 2, LONG)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# -- TIMEOUTs in chains and drains -------------------------------------------------------------------------


@scenario("lt-timeout-link-then-drain", tags=TAGS + ("timeouts", "links", "drain"))
def lt_timeout_link_then_drain(L: Any) -> Gen:
    """TIMEOUT 1 ms (linked) -> TIMEOUT 1 ms with IOSQE_IO_DRAIN, then an unlinked TIMEOUT 1 ms: the head
    expires (-ETIME, a failure for the chain), the drained member is -ECANCELED, and the last TIMEOUT,
    held behind the drain, then expires (-ETIME)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, sqe_flags=IOSQE_IO_LINK)
    timeout(L, ring, 2, 1 * MS, sqe_flags=IOSQE_IO_DRAIN)
    timeout(L, ring, 3, 1 * MS)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-link-link", tags=TAGS + ("timeouts", "links"))
def lt_timeout_link_link(L: Any) -> Gen:
    """A chain of three 1 ms TIMEOUTs: the first expires (-ETIME), so the other two are -ECANCELED without
    running."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, sqe_flags=IOSQE_IO_LINK)
    timeout(L, ring, 2, 1 * MS, sqe_flags=IOSQE_IO_LINK)
    timeout(L, ring, 3, 1 * MS)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-drain-then-link", tags=TAGS + ("timeouts", "links", "drain"))
def lt_timeout_drain_then_link(L: Any) -> Gen:
    """A drained 1 ms TIMEOUT, then a chain TIMEOUT 1 ms -> TIMEOUT 1 ms: the drained one expires (-ETIME);
    the chain starts after it, its head expires (-ETIME) and its second member is -ECANCELED."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, sqe_flags=IOSQE_IO_DRAIN)
    timeout(L, ring, 2, 1 * MS, sqe_flags=IOSQE_IO_LINK)
    timeout(L, ring, 3, 1 * MS)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-two-counted-timeouts-by-time", tags=TAGS + ("timeouts",))
def lt_two_counted_timeouts_by_time(L: Any) -> Gen:
    """Two TIMEOUTs with completion count 1 and no other request: neither count is reached (timeouts do not
    count each other), so both expire by time, the 1 ms one before the 3 ms one, each -ETIME."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 3 * MS, count=1)
    timeout(L, ring, 2, 1 * MS, count=1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-count-separate-submits", tags=TAGS + ("timeouts",))
def lt_timeout_count_separate_submits(L: Any) -> Gen:
    """A TIMEOUT with count 2 submitted alone, then two NOPs in a later submission: the count is of
    completions after the TIMEOUT was queued, so it completes with 0 after both NOPs."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG, count=2)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# -- TIMEOUT_REMOVE / update -------------------------------------------------------------------------------


@scenario("lt-timeout-update-zero", tags=TAGS + ("timeouts",))
def lt_timeout_update_zero(L: Any) -> Gen:
    """io_uring_prep_timeout_update(3) with a zero timespec: the 10 s TIMEOUT is re-armed to expire at once
    (-ETIME); the update completes with 0."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG)
    yield from L.io_uring_submit(ring)
    update_timeout(L, ring, 2, 1, 0)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-update-errors", tags=TAGS + ("timeouts", "sqe"))
def lt_timeout_update_errors(L: Any) -> Gen:
    """io_uring_prep_timeout_update(3) errors: updating a user_data no timeout carries is -ENOENT; an update
    whose flags are all ones is -EINVAL; a remove with IORING_TIMEOUT_ABS (an update-only flag) and no
    update flag is -EINVAL."""
    ring = yield from new_ring(L, 8)
    update_timeout(L, ring, 1, 42, 0)
    yield from submit_and_reap(L, ring, 1)
    update_timeout(L, ring, 2, 0, 0, 0xFFFF_FFFF)
    yield from submit_and_reap(L, ring, 1)
    remove_timeout(L, ring, 3, 0, IORING_TIMEOUT_ABS)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-update-linked", tags=TAGS + ("timeouts", "links"))
def lt_timeout_update_linked(L: Any) -> Gen:
    """A timeout update may head a chain: update (linked) -> NOP re-arms a 10 s TIMEOUT to 0 ns; the update
    completes with 0, the NOP runs after it (0) and the TIMEOUT expires (-ETIME)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG)
    yield from L.io_uring_submit(ring)
    update_timeout(L, ring, 2, 1, 0, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-remove-link-timeout", tags=TAGS + ("timeouts", "cancel", "links"))
def lt_timeout_remove_link_timeout(L: Any) -> Gen:
    """A plain TIMEOUT_REMOVE (no IORING_LINK_TIMEOUT_UPDATE) looks only at TIMEOUTs, not at armed link
    timeouts: removing the user_data of a LINK_TIMEOUT guarding a waiting READ is -ENOENT, and so is an
    ASYNC_CANCEL of it; cancelling the READ then ends both (-ECANCELED each)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(8)
    read(L, ring, fds[0], 1, buf, 8, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, LONG)
    yield from L.io_uring_submit(ring)
    remove_timeout(L, ring, 3, 2)
    yield from submit_and_reap(L, ring, 1)
    cancel(L, ring, 4, 2)
    yield from submit_and_reap(L, ring, 1)
    cancel(L, ring, 5, 1)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


# -- CQE_SKIP_SUCCESS in chains ----------------------------------------------------------------------------


@scenario("lt-skip-chain-all-skipped", tags=TAGS + ("skip", "links"), expect={"ready": 0})
def lt_skip_chain_all_skipped(L: Any) -> Gen:
    """A chain of six NOPs, each with IOSQE_IO_LINK and IOSQE_CQE_SKIP_SUCCESS (the last one too): all
    succeed, so nothing is posted; a NOP round trip shows only its own CQE."""
    ring = yield from new_ring(L, 16)
    for ud in range(6):
        nop(L, ring, ud, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 99)
    yield from L.io_uring_submit_and_wait(ring, 1)
    yield from reap(L, ring, 1)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-skip-chain-fail-mid", tags=TAGS + ("skip", "links"))
def lt_skip_chain_fail_mid(L: Any) -> Gen:
    """A chain of six requests, all but the last with IOSQE_CQE_SKIP_SUCCESS; the fourth is a WRITE that fails
    at issue (-EFAULT).  Its failure is posted; what the members cancelled behind it post (the last one
    has no skip flag) is recorded after a NOP round trip."""
    ring = yield from new_ring(L, 16)
    fds = yield from new_pipe(L)
    for ud in range(6):
        flags = IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS if ud != 5 else 0
        if ud == 3:
            failing_write(L, ring, fds[1], ud, flags)
        else:
            nop(L, ring, ud, flags)
    yield from submit_and_reap(L, ring, 1)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-skip-chain-fail-last", tags=TAGS + ("skip", "links"))
def lt_skip_chain_fail_last(L: Any) -> Gen:
    """Six linked requests, the first five NOPs with IOSQE_CQE_SKIP_SUCCESS, the last a WRITE failing at issue
    (-EFAULT): only the failure is posted."""
    ring = yield from new_ring(L, 16)
    fds = yield from new_pipe(L)
    for ud in range(5):
        nop(L, ring, ud, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    failing_write(L, ring, fds[1], 5)
    yield from submit_and_reap(L, ring, 1)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


def _skip_ltimeout_chain(L: Any, fail_at: int) -> Gen:
    """Six linked NOPs with CQE_SKIP_SUCCESS except the last, a 10 s LINK_TIMEOUT (linked on, skip) after the
    fourth; ``fail_at`` >= 0 makes that member a failing WRITE."""
    ring = yield from new_ring(L, 16)
    fds = yield from new_pipe(L)
    for ud in range(6):
        flags = IOSQE_IO_LINK | (IOSQE_CQE_SKIP_SUCCESS if ud != 5 else 0)
        if ud == fail_at:
            failing_write(L, ring, fds[1], ud, flags)
        else:
            nop(L, ring, ud, flags)
        if ud == 3:
            link_timeout(L, ring, 100, LONG, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    L.record("submitted", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 1)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-skip-ltimeout-chain", tags=TAGS + ("skip", "links", "timeouts"))
def lt_skip_ltimeout_chain(L: Any) -> Gen:
    """Six linked NOPs (all but the last with CQE_SKIP_SUCCESS; the last is linked on to nothing) with a
    skip-success 10 s LINK_TIMEOUT guarding the fourth: everything succeeds, the disarmed link timeout
    posts nothing, and only the last NOP's CQE (0) arrives."""
    yield from _skip_ltimeout_chain(L, -1)


@scenario("lt-skip-ltimeout-chain-fail-guarded", tags=TAGS + ("skip", "links", "timeouts"))
def lt_skip_ltimeout_chain_fail_guarded(L: Any) -> Gen:
    """As lt-skip-ltimeout-chain, but the guarded fourth member is a WRITE that fails (-EFAULT): its CQE is
    posted; the CQEs of the members cancelled behind it are recorded after a NOP round trip."""
    yield from _skip_ltimeout_chain(L, 3)


@scenario("lt-skip-ltimeout-chain-fail-before", tags=TAGS + ("skip", "links", "timeouts"))
def lt_skip_ltimeout_chain_fail_before(L: Any) -> Gen:
    """As lt-skip-ltimeout-chain, but the third member (before the guarded one) fails (-EFAULT): the link
    timeout is never armed; every CQE is recorded."""
    yield from _skip_ltimeout_chain(L, 2)


@scenario("lt-skip-ltimeout-chain-fail-after", tags=TAGS + ("skip", "links", "timeouts"))
def lt_skip_ltimeout_chain_fail_after(L: Any) -> Gen:
    """As lt-skip-ltimeout-chain, but the fifth member (after the guarded one) fails (-EFAULT); every CQE is
    recorded."""
    yield from _skip_ltimeout_chain(L, 4)


@scenario("lt-skip-ltimeout-fire-both-skip", tags=TAGS + ("skip", "links", "timeouts"))
def lt_skip_ltimeout_fire_both_skip(L: Any) -> Gen:
    """A READ of an empty pipe with CQE_SKIP_SUCCESS guarded by a 1 ms LINK_TIMEOUT with CQE_SKIP_SUCCESS: the
    timer fires and the read is cancelled; its -ECANCELED is a failure and is posted; whatever else is
    posted shows after a NOP round trip."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(1)
    read(L, ring, fds[0], 1, buf, 1, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    link_timeout(L, ring, 2, 1 * MS, IOSQE_CQE_SKIP_SUCCESS)
    yield from submit_and_reap(L, ring, 1)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


def _skip_hardlink(L: Any, fail_at: int, skip_at: int, link_last: bool) -> Gen:
    ring = yield from new_ring(L, 16)
    fds = yield from new_pipe(L)
    for ud in range(7):
        flags = IOSQE_IO_HARDLINK if ud != 6 or link_last else 0
        if ud == skip_at:
            flags |= IOSQE_CQE_SKIP_SUCCESS
        if ud == fail_at:
            failing_write(L, ring, fds[1], ud, flags)
        else:
            nop(L, ring, ud, flags)
    yield from submit_and_reap(L, ring, 6)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-skip-hardlink-fail-skipped", tags=TAGS + ("skip", "links"))
def lt_skip_hardlink_fail_skipped(L: Any) -> Gen:
    """Seven NOPs in a hard-linked chain (the last linked on too); the fourth is a failing WRITE with
    CQE_SKIP_SUCCESS: a failure is always posted (-EFAULT) and the hard link keeps the chain going, so
    all seven CQEs arrive in order."""
    yield from _skip_hardlink(L, 3, 3, True)


@scenario("lt-skip-hardlink-fail-other", tags=TAGS + ("skip", "links"))
def lt_skip_hardlink_fail_other(L: Any) -> Gen:
    """Seven hard-linked requests: the first fails (-EFAULT), the last has CQE_SKIP_SUCCESS: the chain goes on,
    and every request but the skipped, successful last one posts."""
    ring = yield from new_ring(L, 16)
    fds = yield from new_pipe(L)
    for ud in range(7):
        flags = IOSQE_IO_HARDLINK if ud != 6 else IOSQE_CQE_SKIP_SUCCESS
        if ud == 0:
            failing_write(L, ring, fds[1], ud, flags)
        else:
            nop(L, ring, ud, flags)
    yield from submit_and_reap(L, ring, 6)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


# -- ASYNC_CANCEL --------------------------------------------------------------------------------------------


@scenario("lt-cancel-timeout-chain-head", tags=TAGS + ("cancel", "timeouts", "links"))
def lt_cancel_timeout_chain_head(L: Any) -> Gen:
    """ASYNC_CANCEL of a 10 s TIMEOUT that heads a chain TIMEOUT -> NOP: the cancel completes with 0, the
    TIMEOUT with -ECANCELED, and the NOP behind it is -ECANCELED."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 3, 1)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-cancel-all-timeouts", tags=TAGS + ("cancel", "timeouts"))
def lt_cancel_all_timeouts(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_ALL by user_data over three 10 s TIMEOUTs, two sharing user_data 7: both are
    cancelled (-ECANCELED) and the cancel counts 2; a second cancel of 7 without ALL finds nothing
    (-ENOENT); ANY then ends the third (count 1)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 7, LONG)
    timeout(L, ring, 8, LONG)
    timeout(L, ring, 7, LONG)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 1, 7, IORING_ASYNC_CANCEL_ALL)
    yield from submit_and_reap(L, ring, 3)
    cancel(L, ring, 2, 7)
    yield from submit_and_reap(L, ring, 1)
    cancel(L, ring, 3, 0, IORING_ASYNC_CANCEL_ANY)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-cancel-linked-cancel", tags=TAGS + ("cancel", "links"))
def lt_cancel_linked_cancel(L: Any) -> Gen:
    """An ASYNC_CANCEL may be a chain member: cancel(no match, -ENOENT) linked to a NOP fails the chain, so
    the NOP is -ECANCELED; a cancel that succeeds (a waiting READ, 0) lets its linked NOP run (0)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    cancel(L, ring, 1, 42, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    buf = bytearray(8)
    read(L, ring, fds[0], 3, buf, 8)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 4, 3, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 5)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-async-nop-chain", tags=TAGS + ("links",))
def lt_async_nop_chain(L: Any) -> Gen:
    """IOSQE_ASYNC on every member of a NOP -> NOP -> NOP chain: io-wq runs them one after the other, so the
    CQEs still come in chain order, each 0."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_LINK | IOSQE_ASYNC)
    nop(L, ring, 2, IOSQE_IO_LINK | IOSQE_ASYNC)
    nop(L, ring, 3, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


# -- more: counts, zero and past expiries, drain propagation -------------------------------------------------


@scenario("lt-counted-timeouts-wrap", tags=TAGS + ("timeouts",))
def lt_counted_timeouts_wrap(L: Any) -> Gen:
    """Four 1 ms TIMEOUTs with completion counts 1, 1, 2 and 0xffffffff, then two NOPs, in one submission:
    counted timeouts are ordered by the count they still need (the all-ones count does not wrap round to
    come first); the NOPs' completions end the first three (0), the last one expires (-ETIME)."""
    ring = yield from new_ring(L, 16)
    for ud, count in ((1, 1), (2, 1), (3, 2), (4, 0xFFFF_FFFF)):
        timeout(L, ring, ud, 1 * MS, count=count)
    nop(L, ring, 5)
    nop(L, ring, 6)
    yield from submit_and_reap(L, ring, 6)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-count-ignores-skipped-cqes", tags=TAGS + ("timeouts", "skip"), expect={"ready": 1})
def lt_count_ignores_skipped_cqes(L: Any) -> Gen:
    """The completion count of a TIMEOUT counts CQEs posted: a NOP with IOSQE_CQE_SKIP_SUCCESS posts none, so
    a count-2 TIMEOUT is still pending after it and one plain NOP (only that NOP's CQE is ready); a
    second plain NOP then completes it (0)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG, count=2)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 2, IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 3)
    yield from L.io_uring_submit_and_wait(ring, 1)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 1)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-count-with-overflow", tags=TAGS + ("timeouts", "overflow"))
def lt_count_with_overflow(L: Any) -> Gen:
    """A count-5 TIMEOUT (10 s) on a ring with a 4-entry CQ, then six NOPs submitted one by one without
    reaping: two of their CQEs go to the overflow list.  Everything ready is then reaped (which flushes
    the overflow), and a TIMEOUT_REMOVE shows whether the count was reached; every CQE is recorded."""
    ring = yield from new_ring(L, 2)
    timeout(L, ring, 1, LONG, count=5)
    yield from L.io_uring_submit(ring)
    for ud in range(2, 8):
        nop(L, ring, ud)
        yield from L.io_uring_submit(ring)
    L.record("overflow flag", L.io_uring_cq_has_overflow(ring))
    reap_ready(L, ring)
    remove_timeout(L, ring, 9, 1)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-drain-disabled-by-skip", tags=TAGS + ("drain", "skip"))
def lt_drain_disabled_by_skip(L: Any) -> Gen:
    """IOSQE_IO_DRAIN and IOSQE_CQE_SKIP_SUCCESS do not mix (io_uring_enter(2)): a drained NOP works (0) until
    the ring has seen a skip-success request; from then on IOSQE_IO_DRAIN is refused with -EOPNOTSUPP."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_DRAIN)
    yield from submit_and_reap(L, ring, 1)
    nop(L, ring, 2, IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 3, IOSQE_IO_DRAIN)
    yield from submit_and_reap(L, ring, 1)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-drain-and-skip-same-sqe", tags=TAGS + ("drain", "skip"))
def lt_drain_and_skip_same_sqe(L: Any) -> Gen:
    """One NOP with both IOSQE_IO_DRAIN and IOSQE_CQE_SKIP_SUCCESS on a fresh ring: refused (-EOPNOTSUPP)."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_DRAIN | IOSQE_CQE_SKIP_SUCCESS)
    yield from submit_and_reap(L, ring, 1)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-drain-in-chain-member", tags=TAGS + ("drain", "links"))
def lt_drain_in_chain_member(L: Any) -> Gen:
    """IOSQE_IO_DRAIN on the second member of a chain drains the whole chain: with a 1 ms TIMEOUT in flight,
    the chain NOP -> NOP(drain) does not start before the TIMEOUT expired, and the NOP submitted after
    the chain waits for it too: CQEs come TIMEOUT (-ETIME), then the three NOPs in order."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS)
    nop(L, ring, 2, IOSQE_IO_LINK)
    nop(L, ring, 3, IOSQE_IO_DRAIN)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-count-link-satisfied", tags=TAGS + ("timeouts", "links"))
def lt_timeout_count_link_satisfied(L: Any) -> Gen:
    """A count-1 TIMEOUT (10 s) heading a chain TIMEOUT -> NOP, and an unlinked NOP in the same submission: the
    unlinked NOP's CQE reaches the count, so the TIMEOUT completes with 0 (a success) and its linked NOP
    then runs (0)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG, count=1, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-hardlink-expired", tags=TAGS + ("timeouts", "links"))
def lt_timeout_hardlink_expired(L: Any) -> Gen:
    """IOSQE_IO_HARDLINK after a 1 ms TIMEOUT: its -ETIME does not break a hard link, so the NOP runs (0)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, sqe_flags=IOSQE_IO_HARDLINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-etime-success-removed", tags=TAGS + ("timeouts", "links", "cancel"))
def lt_etime_success_removed(L: Any) -> Gen:
    """IORING_TIMEOUT_ETIME_SUCCESS makes only the expiry a success: a 10 s such TIMEOUT heading a chain and
    removed by TIMEOUT_REMOVE completes with -ECANCELED, a failure, so its linked NOP is -ECANCELED."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG, flags=IORING_TIMEOUT_ETIME_SUCCESS, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    remove_timeout(L, ring, 3, 1)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-remove-linked-fails", tags=TAGS + ("timeouts", "links", "cancel"))
def lt_timeout_remove_linked_fails(L: Any) -> Gen:
    """A TIMEOUT_REMOVE that finds nothing (-ENOENT) heading a chain fails it: the linked NOP is -ECANCELED."""
    ring = yield from new_ring(L, 8)
    remove_timeout(L, ring, 1, 42, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-cancel-op-timeout", tags=TAGS + ("cancel", "timeouts"))
def lt_cancel_op_timeout(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_OP|ALL with IORING_OP_TIMEOUT in len cancels the two pending TIMEOUTs (count 2, each
    -ECANCELED) and leaves the READ waiting on a pipe, which a cancel by user_data then ends."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(8)
    read(L, ring, fds[0], 1, buf, 8)
    timeout(L, ring, 2, LONG)
    timeout(L, ring, 3, LONG)
    yield from L.io_uring_submit(ring)
    sqe = cancel(L, ring, 4, 0, IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_ALL)
    sqe.len = IORING_OP_TIMEOUT
    yield from submit_and_reap(L, ring, 3)
    cancel(L, ring, 5, 1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


def _guarded_read(L: Any, ts: Any, flags: int) -> Gen:
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(8)
    read(L, ring, fds[0], 1, buf, 8, IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_link_timeout(sqe, ts, flags)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-link-timeout-zero", tags=TAGS + ("timeouts", "links"))
def lt_link_timeout_zero(L: Any) -> Gen:
    """A LINK_TIMEOUT of 0 ns guarding a READ of an empty pipe expires as soon as it is armed: the read is
    cancelled (-ECANCELED) and the link timeout completes with -ETIME."""
    yield from _guarded_read(L, L.Timespec(0, 0), 0)


@scenario("lt-link-timeout-abs-past", tags=TAGS + ("timeouts", "links"))
def lt_link_timeout_abs_past(L: Any) -> Gen:
    """A LINK_TIMEOUT with IORING_TIMEOUT_ABS at an instant long past (1 ns after boot) guarding a READ of an
    empty pipe expires at once: read -ECANCELED, link timeout -ETIME."""
    yield from _guarded_read(L, L.Timespec(0, 1), IORING_TIMEOUT_ABS)


@scenario("lt-link-timeout-multishot-flag", tags=TAGS + ("timeouts", "links", "sqe"))
def lt_link_timeout_multishot_flag(L: Any) -> Gen:
    """IORING_TIMEOUT_MULTISHOT on a 1 ms LINK_TIMEOUT guarding a READ of an empty pipe: whatever the kernel
    makes of the flag (refused at submission, or ignored), every CQE is recorded."""
    yield from _guarded_read(L, L.Timespec(0, 1 * MS), IORING_TIMEOUT_MULTISHOT)


@scenario("lt-link-timeout-update-zero", tags=TAGS + ("timeouts", "links"))
def lt_link_timeout_update_zero(L: Any) -> Gen:
    """IORING_LINK_TIMEOUT_UPDATE with a zero timespec re-arms a 10 s LINK_TIMEOUT guarding a READ of an empty
    pipe to expire at once: the update completes with 0, the read is cancelled (-ECANCELED) and the link
    timeout completes with -ETIME."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(8)
    read(L, ring, fds[0], 1, buf, 8, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, LONG)
    yield from L.io_uring_submit(ring)
    update_timeout(L, ring, 3, 2, 0, IORING_LINK_TIMEOUT_UPDATE)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-link-timeout-update-fired", tags=TAGS + ("timeouts", "links"))
def lt_link_timeout_update_fired(L: Any) -> Gen:
    """A LINK_TIMEOUT that has fired (the READ it guarded -ECANCELED, itself -ETIME) is gone: an
    IORING_LINK_TIMEOUT_UPDATE of it is -ENOENT."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(8)
    read(L, ring, fds[0], 1, buf, 8, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, 1 * MS)
    yield from submit_and_reap(L, ring, 2)
    update_timeout(L, ring, 3, 2, MS, IORING_LINK_TIMEOUT_UPDATE)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-zero-links", tags=TAGS + ("timeouts", "links"))
def lt_timeout_zero_links(L: Any) -> Gen:
    """A TIMEOUT of 0 ns expires as soon as it is armed: linked to a NOP it fails the chain (-ETIME, then the
    NOP -ECANCELED); with IORING_TIMEOUT_ETIME_SUCCESS the linked NOP runs (0)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 0, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    timeout(L, ring, 3, 0, flags=IORING_TIMEOUT_ETIME_SUCCESS, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-zero-then-nop", tags=TAGS + ("timeouts",))
def lt_timeout_zero_then_nop(L: Any) -> Gen:
    """A 0 ns TIMEOUT followed by an unlinked NOP in the same submission: the NOP completes inline (0); the
    timeout's -ETIME comes from task work, after it."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 0)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# -- drain behind long-lived requests, io-wq, hard links -----------------------------------------------------


def bounded_wait(L: Any, ring: Any, label: str, ns: int = 5 * MS) -> Gen:
    """Wait at most ``ns`` for a CQE and record the wait's result (the CQE, if any, is consumed)."""
    cqe = L.Cqe()
    ret = yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, ns))
    L.record(label, ret)
    if ret == 0:
        L.io_uring_cqe_seen(ring, cqe[0])


@scenario(
    "lt-drain-behind-multishot-poll",
    tags=TAGS + ("drain", "poll", "multishot"),
    expect={"wait before": -62, "wait after one event": -62},
)
def lt_drain_behind_multishot_poll(L: Any) -> Gen:
    """IOSQE_IO_DRAIN waits for every earlier request to finish: behind a multishot POLL_ADD on an empty pipe,
    a drained NOP does not complete (a 5 ms wait gives -ETIME); a write to the pipe makes the poll post
    one CQE with IORING_CQE_F_MORE, but the poll is still armed, so the NOP is still held."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_poll_multishot(sqe, fds[0], POLLIN)
    L.io_uring_sqe_set_data64(sqe, 1)
    nop(L, ring, 2, IOSQE_IO_DRAIN)
    yield from L.io_uring_submit(ring)
    yield from bounded_wait(L, ring, "wait before")
    yield from L.write(fds[1], b"x", 1)
    yield from reap(L, ring, 1)
    yield from bounded_wait(L, ring, "wait after one event")
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-drain-behind-counted-timeout", tags=TAGS + ("drain", "timeouts"))
def lt_drain_behind_counted_timeout(L: Any) -> Gen:
    """A count-1 TIMEOUT (1 ms) then a drained NOP: the NOP may not start before the TIMEOUT completes, and
    nothing else completes to reach the count, so the TIMEOUT expires (-ETIME) and then the NOP runs (0)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, count=1)
    nop(L, ring, 2, IOSQE_IO_DRAIN)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-update-async", tags=TAGS + ("timeouts",))
def lt_timeout_update_async(L: Any) -> Gen:
    """A timeout update with IOSQE_ASYNC (run by an io-wq worker) re-arms a 10 s TIMEOUT to 1 ms: the update
    completes with 0, then the TIMEOUT expires (-ETIME).  (An IOSQE_ASYNC TIMEOUT_REMOVE is left out: the
    worker posts its own CQE while the removed TIMEOUT's -ECANCELED goes through the submitter's task work,
    and which comes first is a race on the real kernel.)"""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG)
    yield from L.io_uring_submit(ring)
    update_timeout(L, ring, 2, 1, MS, sqe_flags=IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-skip-ltimeout-chain-async", tags=TAGS + ("skip", "links", "timeouts"))
def lt_skip_ltimeout_chain_async(L: Any) -> Gen:
    """As lt-skip-ltimeout-chain with IOSQE_ASYNC on every NOP: io-wq runs the chain; the skip-success link
    timeout guarding the fourth NOP is disarmed silently, and only the last NOP posts (0)."""
    ring = yield from new_ring(L, 16)
    for ud in range(6):
        flags = IOSQE_IO_LINK | IOSQE_ASYNC | (IOSQE_CQE_SKIP_SUCCESS if ud != 5 else 0)
        nop(L, ring, ud, flags)
        if ud == 3:
            link_timeout(L, ring, 100, LONG, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    yield from submit_and_reap(L, ring, 1)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-link-timeout-async-read", tags=TAGS + ("timeouts", "links"))
def lt_link_timeout_async_read(L: Any) -> Gen:
    """A READ of an empty pipe with IOSQE_ASYNC guarded by a 1 ms LINK_TIMEOUT: the read is handed to io-wq and
    waits there; when the link timeout fires it cancels the read.  Both CQEs are recorded (the man page
    allows -ECANCELED or -EINTR for the read, -ETIME or -EALREADY for the link timeout)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(8)
    read(L, ring, fds[0], 1, buf, 8, IOSQE_IO_LINK | IOSQE_ASYNC)
    link_timeout(L, ring, 2, 1 * MS)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-hardlink-link-timeout-fires", tags=TAGS + ("timeouts", "links", "poll"))
def lt_hardlink_link_timeout_fires(L: Any) -> Gen:
    """POLL_ADD (empty pipe, IOSQE_IO_HARDLINK) guarded by a 1 ms LINK_TIMEOUT (also hard-linked on) and a NOP
    after it: the link timeout fires (-ETIME) and cancels the poll (-ECANCELED); the hard link is not
    broken by that failure, so the NOP runs."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_in(L, ring, fds[0], 1, IOSQE_IO_HARDLINK)
    link_timeout(L, ring, 2, 1 * MS, IOSQE_IO_HARDLINK)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-hardlink-cancelled-head", tags=TAGS + ("cancel", "links"))
def lt_hardlink_cancelled_head(L: Any) -> Gen:
    """A READ of an empty pipe hard-linked to a NOP, cancelled by ASYNC_CANCEL: the cancel completes with 0, the
    read with -ECANCELED, and the hard link lets the NOP run (0)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(8)
    read(L, ring, fds[0], 1, buf, 8, IOSQE_IO_HARDLINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 3, 1)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-timeout-remove-hardlinked", tags=TAGS + ("timeouts", "links", "cancel"))
def lt_timeout_remove_hardlinked(L: Any) -> Gen:
    """A TIMEOUT_REMOVE that finds nothing (-ENOENT) hard-linked to a NOP: the NOP still runs (0)."""
    ring = yield from new_ring(L, 8)
    remove_timeout(L, ring, 1, 42, sqe_flags=IOSQE_IO_HARDLINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-cancel-any-async-idle", tags=TAGS + ("cancel",))
def lt_cancel_any_async_idle(L: Any) -> Gen:
    """IORING_ASYNC_CANCEL_ANY with IOSQE_ASYNC on an otherwise idle ring: the cancel runs in an io-wq worker and
    must not count itself; every CQE is recorded."""
    ring = yield from new_ring(L, 8)
    cancel(L, ring, 1, 0, IORING_ASYNC_CANCEL_ANY, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 1)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-cancel-async-pending-read", tags=TAGS + ("cancel",))
def lt_cancel_async_pending_read(L: Any) -> Gen:
    """An ASYNC_CANCEL with IOSQE_ASYNC (run by io-wq) of a READ waiting on an empty pipe: the cancel completes
    with 0 and the read with -ECANCELED."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(8)
    read(L, ring, fds[0], 1, buf, 8)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 2, 1, sqe_flags=IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# -- drain and chains failing at submission ----------------------------------------------------------------


def _drain_clog_failed_chain(L: Any, link_flag: int, fail_idx: int, link_last: bool) -> Gen:
    """A drained READ of an empty pipe clogs the ring; then a three-member chain whose every member carries
    ``link_flag`` | IOSQE_IO_DRAIN (the last one only if ``link_last``), member ``fail_idx`` a READ with an
    invalid ioprio (-EINVAL at submission).  A chain that failed at submission is not queued behind the
    drain: up to three 5 ms bounded waits show what is posted before the pipe gets a byte; then the rest."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    clog = bytearray(1)
    read(L, ring, fds[0], 42, clog, 1, IOSQE_IO_DRAIN)
    bad = bytearray(1)
    for ud in range(3):
        flags = link_flag | IOSQE_IO_DRAIN if ud != 2 or link_last else IOSQE_IO_DRAIN
        if ud == fail_idx:
            sqe = read(L, ring, fds[0], ud, bad, 1, flags)
            sqe.ioprio = 0xFFFF
        else:
            nop(L, ring, ud, flags)
    L.record("submitted", (yield from L.io_uring_submit(ring)))
    for i in range(3):
        yield from bounded_wait(L, ring, f"wait {i}")
    yield from L.write(fds[1], b"x", 1)
    cqe = L.Cqe()
    while (yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, 5 * MS))) == 0:
        L.io_uring_cqe_seen(ring, cqe[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-drain-clog-failed-chain", tags=TAGS + ("drain", "links", "sqe"))
def lt_drain_clog_failed_chain(L: Any) -> Gen:
    """io_uring_enter(2) on IOSQE_IO_DRAIN with a chain that fails at submission: behind a drained READ that
    waits on an empty pipe, a linked+drained chain NOP -> bad READ -> NOP (linked on) fails as a whole:
    the bad READ -EINVAL, the others -ECANCELED.  Whether those CQEs wait for the drain is recorded."""
    yield from _drain_clog_failed_chain(L, IOSQE_IO_LINK, 1, True)


@scenario("lt-drain-clog-failed-hardchain-head", tags=TAGS + ("drain", "links", "sqe"))
def lt_drain_clog_failed_hardchain_head(L: Any) -> Gen:
    """As lt-drain-clog-failed-chain with IOSQE_IO_HARDLINK and the head failing at submission, the last
    member not linked on: a chain that fails at submission is failed as a whole even with hard links."""
    yield from _drain_clog_failed_chain(L, IOSQE_IO_HARDLINK, 0, False)


@scenario("lt-link-drain-multi", tags=TAGS + ("drain", "links"))
def lt_link_drain_multi(L: Any) -> Gen:
    """Drained members in two chains behind a 1 ms TIMEOUT: TIMEOUT; chain NOP -> NOP(drain) -> NOP; chain
    NOP -> NOP -> WRITEV to a file (drain) -> NOP; NOP.  Each drain holds its chain until everything before
    it completed, so the CQEs come in submission order (the TIMEOUT's -ETIME first)."""
    ring = yield from new_ring(L, 16)
    fd = yield from L.open("/lt-link-drain", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    timeout(L, ring, 0, 1 * MS)
    nop(L, ring, 1, IOSQE_IO_LINK)
    nop(L, ring, 2, IOSQE_IO_LINK | IOSQE_IO_DRAIN)
    nop(L, ring, 3)
    nop(L, ring, 4, IOSQE_IO_LINK)
    nop(L, ring, 5, IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_writev(sqe, fd, [bytearray(4096)], 1, 0)
    L.io_uring_sqe_set_data64(sqe, 6)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK | IOSQE_IO_DRAIN)
    nop(L, ring, 7)
    nop(L, ring, 8)
    yield from submit_and_reap(L, ring, 9)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- what counts toward a completion count; NULL timespecs; multishot with link/skip flags -------------------


@scenario("lt-timeout-null-timespec", tags=TAGS + ("timeouts", "sqe"))
def lt_timeout_null_timespec(L: Any) -> Gen:
    """A NULL timespec cannot be read: a TIMEOUT with one is -EFAULT; so is a timeout update with one (the
    10 s TIMEOUT it names stays and is then removed: 0, -ECANCELED); a LINK_TIMEOUT with one is -EFAULT
    and the NOP it would guard is -ECANCELED."""
    ring = yield from new_ring(L, 8)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, None, 0, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from submit_and_reap(L, ring, 1)
    timeout(L, ring, 2, LONG)
    yield from L.io_uring_submit(ring)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout_update(sqe, None, 2, 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from submit_and_reap(L, ring, 1)
    remove_timeout(L, ring, 4, 2)
    yield from submit_and_reap(L, ring, 2)
    nop(L, ring, 5, IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_link_timeout(sqe, None, 0)
    L.io_uring_sqe_set_data64(sqe, 6)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-count-includes-cancelled-timeout", tags=TAGS + ("timeouts", "cancel"))
def lt_count_includes_cancelled_timeout(L: Any) -> Gen:
    """Only expiring (or count-reaching) timeouts are left out of another TIMEOUT's completion count; a removed
    one's -ECANCELED counts like any CQE.  A count-2 TIMEOUT and a plain 10 s TIMEOUT; removing the plain one
    posts two CQEs (remove 0, timeout -ECANCELED); whether the count-2 TIMEOUT then completes (0) within a
    5 ms wait is recorded, and it is removed if not."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG, count=2)
    timeout(L, ring, 2, LONG)
    yield from L.io_uring_submit(ring)
    remove_timeout(L, ring, 3, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from bounded_wait(L, ring, "count-2 timeout")
    remove_timeout(L, ring, 4, 1)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-count-includes-link-timeout", tags=TAGS + ("timeouts", "links"))
def lt_count_includes_link_timeout(L: Any) -> Gen:
    """A LINK_TIMEOUT's -ETIME is not a TIMEOUT expiry for the completion count: a count-2 TIMEOUT (10 s) and a
    READ of an empty pipe guarded by a 1 ms link timeout; when the link timeout fires, its -ETIME and the
    read's -ECANCELED are two CQEs, which complete the count-2 TIMEOUT (0)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    timeout(L, ring, 1, LONG, count=2)
    buf = bytearray(8)
    read(L, ring, fds[0], 2, buf, 8, IOSQE_IO_LINK)
    link_timeout(L, ring, 3, 1 * MS)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-count-ignores-multishot-expiries", tags=TAGS + ("timeouts", "multishot"))
def lt_count_ignores_multishot_expiries(L: Any) -> Gen:
    """The CQEs of a multishot TIMEOUT's expiries are timeout completions too: a count-1 TIMEOUT (10 s) is not
    completed by the three -ETIME CQEs of a 1 ms multishot TIMEOUT with count 3; a NOP then completes it
    (0)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG, count=1)
    timeout(L, ring, 2, 1 * MS, count=3, flags=IORING_TIMEOUT_MULTISHOT)
    yield from submit_and_reap(L, ring, 3)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-counted-timeout-skip-success", tags=TAGS + ("timeouts", "skip"), expect={"ready": 0})
def lt_counted_timeout_skip_success(L: Any) -> Gen:
    """A count-1 TIMEOUT with IOSQE_CQE_SKIP_SUCCESS reached by a NOP completes with 0, a success, so it posts
    nothing: only the NOP's CQE arrives.  An expiring one (1 ms, -ETIME) is a failure and posts."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG, count=1, sqe_flags=IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    nop(L, ring, 3)
    yield from L.io_uring_submit_and_wait(ring, 1)
    yield from reap(L, ring, 1)
    L.record("ready", L.io_uring_cq_ready(ring))
    timeout(L, ring, 4, 1 * MS, sqe_flags=IOSQE_CQE_SKIP_SUCCESS)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-multishot-skip-success", tags=TAGS + ("timeouts", "multishot", "skip"))
def lt_multishot_skip_success(L: Any) -> Gen:
    """A multishot TIMEOUT (1 ms, 2 expiries) with IOSQE_CQE_SKIP_SUCCESS: the IORING_CQE_F_MORE CQE of the first
    expiry and the final -ETIME (a failure) are both posted; with IORING_TIMEOUT_ETIME_SUCCESS as well the
    final -ETIME is a success and what is posted is recorded after a NOP round trip."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, count=2, flags=IORING_TIMEOUT_MULTISHOT, sqe_flags=IOSQE_CQE_SKIP_SUCCESS)
    yield from submit_and_reap(L, ring, 2)
    flags = IORING_TIMEOUT_MULTISHOT | IORING_TIMEOUT_ETIME_SUCCESS
    timeout(L, ring, 2, 1 * MS, count=2, flags=flags, sqe_flags=IOSQE_CQE_SKIP_SUCCESS)
    yield from submit_and_reap(L, ring, 1)
    yield from L.nanosleep(5 * MS)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-multishot-linked", tags=TAGS + ("timeouts", "multishot", "links"))
def lt_multishot_linked(L: Any) -> Gen:
    """A multishot TIMEOUT (1 ms, 2 expiries) heading a chain: the linked NOP waits for the final CQE; that
    -ETIME is a failure, so the NOP is -ECANCELED.  With IORING_TIMEOUT_ETIME_SUCCESS the NOP runs (0)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, 1 * MS, count=2, flags=IORING_TIMEOUT_MULTISHOT, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 3)
    flags = IORING_TIMEOUT_MULTISHOT | IORING_TIMEOUT_ETIME_SUCCESS
    timeout(L, ring, 3, 1 * MS, count=2, flags=flags, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-link-timeout-update-abs", tags=TAGS + ("timeouts", "links"))
def lt_link_timeout_update_abs(L: Any) -> Gen:
    """IORING_LINK_TIMEOUT_UPDATE with IORING_TIMEOUT_ABS at an instant long past re-arms a 10 s LINK_TIMEOUT
    guarding a READ of an empty pipe to expire at once; a clock flag in an update is -EINVAL."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    buf = bytearray(8)
    read(L, ring, fds[0], 1, buf, 8, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, LONG)
    yield from L.io_uring_submit(ring)
    update_timeout(L, ring, 3, 2, 1, IORING_LINK_TIMEOUT_UPDATE | IORING_TIMEOUT_BOOTTIME)
    yield from submit_and_reap(L, ring, 1)
    update_timeout(L, ring, 4, 2, 1, IORING_LINK_TIMEOUT_UPDATE | IORING_TIMEOUT_ABS)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)



# -- where a chain's follow-up CQEs come relative to the rest of the batch ---------------------------------------


@scenario("lt-link-fail-before-unlinked", tags=TAGS + ("links",))
def lt_link_fail_before_unlinked(L: Any) -> Gen:
    """READ on a descriptor that is not open (-EBADF at issue) linked to a NOP, then an unlinked NOP, in one
    submission: the two issued requests complete in the submission's batch (READ -EBADF, unlinked NOP 0);
    the linked NOP is failed after the batch (-ECANCELED), so its CQE comes last."""
    ring = yield from new_ring(L, 8)
    buf = bytearray(8)
    read(L, ring, 999, 1, buf, 8, IOSQE_IO_LINK)
    nop(L, ring, 2)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-link-fault-before-unlinked", tags=TAGS + ("links",))
def lt_link_fault_before_unlinked(L: Any) -> Gen:
    """As lt-link-fail-before-unlinked with a READ of a pipe holding data into a NULL buffer (-EFAULT at issue)
    heading a chain of two NOPs: READ -EFAULT, unlinked NOP 0, then both linked NOPs -ECANCELED."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    yield from L.write(fds[1], b"data", 4)
    read(L, ring, fds[0], 1, None, 4, IOSQE_IO_LINK)
    nop(L, ring, 2, IOSQE_IO_LINK)
    nop(L, ring, 3)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-link-timeout-disarm-after-batch", tags=TAGS + ("links", "timeouts"))
def lt_link_timeout_disarm_after_batch(L: Any) -> Gen:
    """NOP guarded by a 10 s LINK_TIMEOUT, then an unlinked NOP, in one submission: the guarded NOP completes
    inline (0) and so does the unlinked one (0); the disarmed link timeout's -ECANCELED is posted after the
    batch, last."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_LINK)
    link_timeout(L, ring, 2, LONG)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lt-prep-failed-chain-before-unlinked", tags=TAGS + ("links", "sqe"))
def lt_prep_failed_chain_before_unlinked(L: Any) -> Gen:
    """A chain NOP -> NOP with unknown NOP flags (-EINVAL at submission) -> NOP, then an unlinked NOP: the chain
    is failed as a whole without running; its head's -ECANCELED comes in the submission's batch with the
    unlinked NOP's 0, the other two members' CQEs (-EINVAL, -ECANCELED) after it."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_LINK)
    sqe = nop(L, ring, 2, IOSQE_IO_LINK)
    sqe.nop_flags = 1 << 20
    nop(L, ring, 3)
    nop(L, ring, 4)
    L.record("submitted", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)



@scenario("lt-count-reached-and-removed-same-batch", tags=TAGS + ("timeouts", "cancel"))
def lt_count_reached_and_removed_same_batch(L: Any) -> Gen:
    """A count-1 TIMEOUT (10 s), a NOP and a TIMEOUT_REMOVE of the TIMEOUT in one submission: every CQE is
    recorded (whether the NOP's completion reaches the count before the remove looks for the TIMEOUT)."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG, count=1)
    nop(L, ring, 2)
    remove_timeout(L, ring, 3, 1)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)



@scenario("lt-count-kill-before-link-next", tags=TAGS + ("timeouts", "links"))
def lt_count_kill_before_link_next(L: Any) -> Gen:
    """A count-1 TIMEOUT (10 s) and a chain NOP -> NOP in one submission: the first NOP's CQE reaches the count;
    the TIMEOUT's completion (0) and the second NOP's issue both come from task work after the batch; every
    CQE is recorded, in order."""
    ring = yield from new_ring(L, 8)
    timeout(L, ring, 1, LONG, count=1)
    nop(L, ring, 2, IOSQE_IO_LINK)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)



@scenario("lt-iopoll-ring-refuses-timeouts", tags=TAGS + ("timeouts", "cancel", "sqe"))
def lt_iopoll_ring_refuses_timeouts(L: Any) -> Gen:
    """io_uring_setup(2): an IORING_SETUP_IOPOLL ring takes only opcodes that can be polled for completion.
    TIMEOUT, ASYNC_CANCEL and TIMEOUT_REMOVE are refused at submission (-EINVAL); so is a LINK_TIMEOUT, which
    fails its chain (the NOP it guards is -ECANCELED); a NOP is fine (0)."""
    ring = yield from new_ring(L, 8, IORING_SETUP_IOPOLL)
    if ring is None:
        return
    timeout(L, ring, 1, 1 * MS)
    yield from submit_and_reap(L, ring, 1)
    cancel(L, ring, 2, 77)
    yield from submit_and_reap(L, ring, 1)
    remove_timeout(L, ring, 3, 5)
    yield from submit_and_reap(L, ring, 1)
    nop(L, ring, 4, IOSQE_IO_LINK)
    link_timeout(L, ring, 5, LONG)
    yield from submit_and_reap(L, ring, 2)
    nop(L, ring, 6)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)



@scenario("lt-iopoll-ring-rw-not-pollable", tags=TAGS + ("rw", "sqe"))
def lt_iopoll_ring_rw_not_pollable(L: Any) -> Gen:
    """On an IORING_SETUP_IOPOLL ring a READ or WRITE is accepted at submission but only O_DIRECT I/O on a file
    that supports polling can run: a READ of a pipe, a READ of a regular file opened without O_DIRECT and a
    WRITE to a pipe each complete with -EOPNOTSUPP (so a cancel, refused on such a ring, is never needed)."""
    ring = yield from new_ring(L, 8, IORING_SETUP_IOPOLL)
    if ring is None:
        return
    fds = yield from new_pipe(L)
    buf = bytearray(4)
    read(L, ring, fds[0], 1, buf, 4)
    yield from submit_and_reap(L, ring, 1)
    fd = yield from L.open("/lt-iopoll", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    read(L, ring, fd, 2, buf, 4)
    yield from submit_and_reap(L, ring, 1)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, fds[1], b"abcd", 4, 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- a LINK_TIMEOUT armed before its request's issue (Linux 6.15+) ------------------------------------------
#
# Since "io_uring: always arm linked timeouts prior to issue" (6.15) ``__io_issue_sqe`` starts the timer as
# soon as the guarded request's issue returns, whatever it returned, and a request completing inline is
# disarmed only when the batch's completions are flushed.  A timer already expired at its start fires in
# between: it unlinks itself and its cancel finds the request done (-ENOENT), instead of the -ECANCELED of
# a disarm.  Only expired timers are pinned (0 ns, or IORING_TIMEOUT_ABS in the past): a short timer still
# in the future at the flush is a race.


def _expired_ltimeout(L: Any, ring: Any, user_data: int, abs_past: bool = False, sqe_flags: int = 0) -> Any:
    """Queue a LINK_TIMEOUT already expired when armed: 0 ns, or IORING_TIMEOUT_ABS at 1 ns after boot."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_link_timeout(sqe, L.Timespec(0, 1 if abs_past else 0), IORING_TIMEOUT_ABS if abs_past else 0)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _nop_expired_ltimeout(
    L: Any, setup_flags: int = 0, nop_flags: int = 0, abs_past: bool = False, then_nop: bool = False
) -> Gen:
    """NOP -> expired LINK_TIMEOUT (-> NOP when ``then_nop``), every CQE reaped, then a round trip."""
    ring = yield from new_ring(L, 8, setup_flags)
    nop(L, ring, 1, IOSQE_IO_LINK | nop_flags)
    _expired_ltimeout(L, ring, 2, abs_past, IOSQE_IO_LINK if then_nop else 0)
    if then_nop:
        nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 3 if then_nop else 2)
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("llt-nop-zero", tags=TAGS + ("timeouts", "links"))
def llt_nop_zero(L: Any) -> Gen:
    """A NOP guarded by a LINK_TIMEOUT of 0 ns: the timer, armed when the NOP's issue returns, fires before
    the NOP's completion is flushed, so the link timeout's cancel finds the NOP done: NOP 0, then the link
    timeout -ENOENT (not the -ECANCELED of a disarm)."""
    yield from _nop_expired_ltimeout(L)


@scenario("llt-nop-abs-past", tags=TAGS + ("timeouts", "links"))
def llt_nop_abs_past(L: Any) -> Gen:
    """As llt-nop-zero with IORING_TIMEOUT_ABS at 1 ns after boot: NOP 0, link timeout -ENOENT."""
    yield from _nop_expired_ltimeout(L, abs_past=True)


@scenario("llt-nop-zero-defer", tags=TAGS + ("timeouts", "links", "defer-taskrun"))
def llt_nop_zero_defer(L: Any) -> Gen:
    """As llt-nop-zero on a SINGLE_ISSUER | DEFER_TASKRUN ring: NOP 0, link timeout -ENOENT."""
    yield from _nop_expired_ltimeout(L, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)


@scenario("llt-nop-async-zero", tags=TAGS + ("timeouts", "links"))
def llt_nop_async_zero(L: Any) -> Gen:
    """As llt-nop-zero with IOSQE_ASYNC on the NOP: an io-wq worker issues it and arms the timer after the
    issue, before posting the NOP's completion."""
    yield from _nop_expired_ltimeout(L, nop_flags=IOSQE_ASYNC)


@scenario("llt-nop-zero-chain", tags=TAGS + ("timeouts", "links"))
def llt_nop_zero_chain(L: Any) -> Gen:
    """NOP -> LINK_TIMEOUT 0 ns -> NOP: the expired timer takes itself out of the chain, so the second NOP
    follows the first when its completion is flushed; the link timeout's cancel finds the first NOP done
    (-ENOENT)."""
    yield from _nop_expired_ltimeout(L, then_nop=True)


def _read_expired_ltimeout(L: Any, read_flags: int, source: str = "pipe") -> Gen:
    """A READ of 8 bytes guarded by an expired LINK_TIMEOUT, from a pipe holding them (``pipe``) or a
    regular file holding them (``file``); the data read is recorded.  (Not from an empty pipe with
    IOSQE_ASYNC: on Linux 6.18.44 that read hangs in about one run in six, the timer's cancel racing
    with the worker's poll arming; docs/conformance.md.)"""
    ring = yield from new_ring(L, 8)
    if source == "file":
        yield from make_file(L, "/llt-file", b"01234567")
        fd = yield from L.open("/llt-file", L.O_RDONLY, 0)
    else:
        fds = yield from new_pipe(L)
        fd = fds[0]
        yield from L.write(fds[1], b"01234567", 8)
    buf = bytearray(8)
    read(L, ring, fd, 1, buf, 8, IOSQE_IO_LINK | read_flags)
    _expired_ltimeout(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    L.record("data", bytes(buf))
    yield from round_trip(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("llt-read-data-zero", tags=TAGS + ("timeouts", "links", "pipe"))
def llt_read_data_zero(L: Any) -> Gen:
    """A READ of 8 bytes from a pipe holding them, guarded by a LINK_TIMEOUT of 0 ns: the read completes
    inline (8), the timer fires before the flush, so the link timeout is -ENOENT."""
    yield from _read_expired_ltimeout(L, 0)


@scenario("llt-read-data-async-zero", tags=TAGS + ("timeouts", "links", "pipe"))
def llt_read_data_async_zero(L: Any) -> Gen:
    """As llt-read-data-zero with IOSQE_ASYNC on the READ (issued by an io-wq worker)."""
    yield from _read_expired_ltimeout(L, IOSQE_ASYNC)


@scenario("llt-file-read-async-zero", tags=TAGS + ("timeouts", "links"))
def llt_file_read_async_zero(L: Any) -> Gen:
    """A READ of 8 bytes from a regular file with IOSQE_ASYNC guarded by a LINK_TIMEOUT of 0 ns: a regular
    file is not polled, so the worker's blocking issue reads the data before the timer is armed: read 8,
    link timeout -ENOENT."""
    yield from _read_expired_ltimeout(L, IOSQE_ASYNC, "file")


# -- the same behaviours on a DEFER_TASKRUN ring ---------------------------------------------------------------


class _SetupFlags:
    """``L`` with extra io_uring_setup(2) flags added to every ``io_uring_queue_init``."""

    def __init__(self, L: Any, flags: int) -> None:
        self._L = L
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        return getattr(self._L, name)

    def io_uring_queue_init(self, entries: int, ring: Any, flags: int) -> Gen:
        return self._L.io_uring_queue_init(entries, ring, flags | self._flags)


def _defer_taskrun_twin(name: str, fn: Any) -> None:
    def twin(L: Any) -> Gen:
        yield from fn(_SetupFlags(L, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN))

    twin.__doc__ = f"As {name}, on a ring set up with IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN " \
        "(task work runs only when the ring's task waits for completions): " + " ".join((fn.__doc__ or "").split())
    twin.__name__ = twin.__qualname__ = fn.__name__ + "_defer"
    scenario(name + "-defer", tags=TAGS + ("defer-taskrun",))(twin)


#: The scenarios whose CQE order depends on when task work runs (chains, counted timeouts, drains), run
#: again on a DEFER_TASKRUN ring, where only waits and submits with GETEVENTS run it.
DEFER_TASKRUN_TWINS = (
    lt_failed_head_three_link_timeouts,
    lt_chain_poll_timeout_nops,
    lt_timeout_update_linked,
    lt_count_with_overflow,
    lt_drain_in_chain_member,
    lt_link_drain_multi,
    lt_skip_chain_fail_mid,
    lt_skip_ltimeout_chain,
    lt_skip_ltimeout_fire_both_skip,
    lt_skip_hardlink_fail_skipped,
    lt_link_fail_before_unlinked,
    lt_link_timeout_disarm_after_batch,
    lt_prep_failed_chain_before_unlinked,
    lt_count_reached_and_removed_same_batch,
    lt_count_kill_before_link_next,
)
for _fn in DEFER_TASKRUN_TWINS:
    _defer_taskrun_twin("lt-" + _fn.__name__[3:].replace("_", "-"), _fn)
