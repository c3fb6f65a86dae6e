"""IORING_OP_MSG_RING with IORING_MSG_DATA (io_uring_prep_msg_ring(3)), and the same message sent by
io_uring_register(2) itself (io_uring_register_sync_msg(3), IORING_REGISTER_SEND_MSG_RING)."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, nop, reap, reap_ready
from simuring.uapi import (
    IORING_MSG_RING_CQE_SKIP,
    IORING_MSG_RING_FLAGS_PASS,
    IORING_MSG_SEND_FD,
    IORING_OP_NOP,
    IORING_REGISTER_ENABLE_RINGS,
    IORING_REGISTER_PROBE,
    IORING_REGISTER_SEND_MSG_RING,
    IORING_REGISTER_USE_REGISTERED_RING,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_R_DISABLED,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_ASYNC,
    IOSQE_CQE_SKIP_SUCCESS,
)


def msg(L: Any, ring: Any, target_fd: int, length: int, data: int, user_data: int, flags: int = 0) -> Any:
    """Queue a MSG_RING (IORING_MSG_DATA) to ``target_fd``."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_msg_ring(sqe, target_fd, length, data, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


@scenario("msg-ring-data", tags=("msg_ring",))
def msg_ring_data(L: Any) -> Gen:
    """MSG_RING: the sender's CQE has res 0; the target ring gets a CQE whose user_data is the data
    argument and whose res is the len argument."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8)
    sqe = L.io_uring_get_sqe(a)
    L.io_uring_prep_msg_ring(sqe, b.ring_fd, 0x1234, 0xABCDEF, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    yield from reap(L, b, 1)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("msg-ring-cqe-flags", tags=("msg_ring",))
def msg_ring_cqe_flags(L: Any) -> Gen:
    """io_uring_prep_msg_ring_cqe_flags(3): with IORING_MSG_RING_FLAGS_PASS the target CQE carries
    the given flags."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8)
    sqe = L.io_uring_get_sqe(a)
    L.io_uring_prep_msg_ring_cqe_flags(sqe, b.ring_fd, 7, 0xDEF, 0, 0x10000)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    yield from reap(L, b, 1)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("msg-ring-bad-target", tags=("msg_ring",))
def msg_ring_bad_target(L: Any) -> Gen:
    """MSG_RING to a pipe fd (not a ring) is -EBADFD; to a descriptor that is not open, -EBADF."""
    a = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    for ud, fd in ((1, fds[0]), (2, 100_000)):
        sqe = L.io_uring_get_sqe(a)
        L.io_uring_prep_msg_ring(sqe, fd, 1, 2, 0)
        L.io_uring_sqe_set_data64(sqe, ud)
        yield from L.io_uring_submit(a)
        yield from reap(L, a, 1)
    yield from L.io_uring_queue_exit(a)


@scenario("msg-ring-to-defer-taskrun", tags=("msg_ring", "delivery"), expect={"target ready before getevents": 0})
def msg_ring_to_defer_taskrun(L: Any) -> Gen:
    """MSG_RING to a DEFER_TASKRUN ring owned by the same task: the message is queued as deferred work
    and appears in the target's CQ only when the target waits or asks for events."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    sqe = L.io_uring_get_sqe(a)
    L.io_uring_prep_msg_ring(sqe, b.ring_fd, 5, 0x55, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    L.record("target ready before getevents", L.io_uring_cq_ready(b))
    yield from L.io_uring_get_events(b)
    L.record("target ready after getevents", L.io_uring_cq_ready(b))
    yield from reap(L, b, 1)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("msg-ring-full-cq", tags=("msg_ring", "overflow"), expect={"target overflow": True, "target reaped": 3})
def msg_ring_full_cq(L: Any) -> Gen:
    """MSG_RING to a ring whose 2-entry CQ is full: the sender still completes with 0 and nothing is lost:
    the message waits in the target's overflow list (IORING_SQ_CQ_OVERFLOW) and is reaped after the two
    NOPs that filled the CQ."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 1)
    for ud in (1, 2):
        nop(L, b, ud)
        yield from L.io_uring_submit(b)
    msg(L, a, b.ring_fd, 7, 0x77, 3)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    L.record("target overflow", L.io_uring_cq_has_overflow(b))
    L.record("target reaped", reap_ready(L, b))
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("msg-ring-to-self", tags=("msg_ring",))
def msg_ring_to_self(L: Any) -> Gen:
    """MSG_RING to the sending ring itself: the ring gets both the message CQE (user_data = data, res =
    len) and the sender's own CQE (0), message first."""
    a = yield from new_ring(L, 8)
    msg(L, a, a.ring_fd, 11, 0x5E1F, 1)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 2)
    yield from L.io_uring_queue_exit(a)


@scenario("msg-ring-flag-errors", tags=("msg_ring", "sqe"), expect={"target ready": 0})
def msg_ring_flag_errors(L: Any) -> Gen:
    """io_uring_prep_msg_ring(3) with IORING_MSG_DATA: an unknown msg_ring flag is -EINVAL, a file_index
    (CQE flags) without IORING_MSG_RING_FLAGS_PASS is -EINVAL, and IORING_MSG_RING_CQE_SKIP (meant for
    passing a file) is refused for data messages; the target gets nothing."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8)
    msg(L, a, b.ring_fd, 1, 2, 1, 1 << 7)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    sqe = msg(L, a, b.ring_fd, 1, 2, 2)
    sqe.file_index = 0x10000
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    msg(L, a, b.ring_fd, 1, 2, 3, IORING_MSG_RING_CQE_SKIP)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    L.record("target ready", L.io_uring_cq_ready(b))
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("msg-ring-pass-flags-zero", tags=("msg_ring",))
def msg_ring_pass_flags_zero(L: Any) -> Gen:
    """IORING_MSG_RING_FLAGS_PASS with flags 0 and a negative len: the target CQE has flags 0 and res is
    len read as a signed 32-bit value (-5)."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8)
    sqe = L.io_uring_get_sqe(a)
    L.io_uring_prep_msg_ring_cqe_flags(sqe, b.ring_fd, -5 & 0xFFFF_FFFF, 0x42, 0, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    yield from reap(L, b, 1)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("msg-ring-skip-success", tags=("msg_ring", "skip"), expect={"target ready": 1})
def msg_ring_skip_success(L: Any) -> Gen:
    """IOSQE_CQE_SKIP_SUCCESS on a MSG_RING: the sender posts nothing when the message is delivered (a NOP
    round trip shows only the NOP), the target gets its CQE; a failing MSG_RING (to a pipe) still posts
    its error on the sender."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    sqe = msg(L, a, b.ring_fd, 3, 0x33, 1)
    L.io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(a)
    nop(L, a, 2)
    yield from L.io_uring_submit_and_wait(a, 1)
    reap_ready(L, a)
    L.record("target ready", L.io_uring_cq_ready(b))
    yield from reap(L, b, 1)
    sqe = msg(L, a, fds[0], 3, 0x33, 4)
    L.io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("msg-ring-to-disabled-ring", tags=("msg_ring", "setup"))
def msg_ring_to_disabled_ring(L: Any) -> Gen:
    """MSG_RING to a ring created with IORING_SETUP_R_DISABLED and not yet enabled is -EBADFD; after
    IORING_REGISTER_ENABLE_RINGS the same message is delivered."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8, IORING_SETUP_R_DISABLED)
    msg(L, a, b.ring_fd, 1, 0x10, 1)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    yield from L.io_uring_enable_rings(b)
    msg(L, a, b.ring_fd, 2, 0x20, 2)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    yield from reap(L, b, 1)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("msg-ring-to-eventfd", tags=("msg_ring", "eventfd"))
def msg_ring_to_eventfd(L: Any) -> Gen:
    """MSG_RING to an eventfd (an open file that is not a ring) fails on the sender with -EBADFD, like any
    other non-ring file; with IORING_MSG_RING_FLAGS_PASS it fails the same way."""
    a = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, 0)
    msg(L, a, efd, 1, 2, 1)
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    sqe = msg(L, a, efd, 1, 2, 2, IORING_MSG_RING_FLAGS_PASS)
    sqe.file_index = 1
    yield from L.io_uring_submit(a)
    yield from reap(L, a, 1)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(a)


def sync_sqe(L: Any, target_fd: int, length: int, data: int, flags: int = 0) -> Any:
    """An SQE of its own (not a ring's), filled by io_uring_prep_msg_ring(3), for io_uring_register_sync_msg(3)."""
    sqe = L.Sqe()
    L.io_uring_prep_msg_ring(sqe, target_fd, length, data, flags)
    return sqe


@scenario("msg-ring-sync-data", tags=("msg_ring", "register"))
def msg_ring_sync_data(L: Any) -> Gen:
    """io_uring_register_sync_msg(3) (IORING_REGISTER_SEND_MSG_RING, fd -1): the message is sent by the
    system call, from no ring; it returns 0 and the target gets the CQE MSG_RING would post (user_data =
    data, res = len read as signed: -1 for 0xFFFFFFFF); with IORING_MSG_RING_FLAGS_PASS the CQE carries
    the given flags."""
    b = yield from new_ring(L, 8)
    L.record("plain", (yield from L.io_uring_register_sync_msg(sync_sqe(L, b.ring_fd, 0x1234, 0xABCDEF))))
    L.record("negative len", (yield from L.io_uring_register_sync_msg(sync_sqe(L, b.ring_fd, 0xFFFF_FFFF, 7))))
    sqe = L.Sqe()
    L.io_uring_prep_msg_ring_cqe_flags(sqe, b.ring_fd, 3, 0x33, 0, 0x40)  # not IORING_CQE_F_SKIP (0x20): liburing skips those
    L.record("flags pass", (yield from L.io_uring_register_sync_msg(sqe)))
    yield from reap(L, b, 3)
    yield from L.io_uring_queue_exit(b)


@scenario(
    "msg-ring-sync-to-defer-taskrun",
    tags=("msg_ring", "register", "delivery"),
    expect={"sent": 0, "target ready before getevents": 0},
)
def msg_ring_sync_to_defer_taskrun(L: Any) -> Gen:
    """io_uring_register_sync_msg(3) to a SINGLE_ISSUER|DEFER_TASKRUN ring: the message is queued on the
    target's deferred work, as MSG_RING's is, and appears when the target asks for events."""
    b = yield from new_ring(L, 8, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    L.record("sent", (yield from L.io_uring_register_sync_msg(sync_sqe(L, b.ring_fd, 5, 0x55))))
    L.record("target ready before getevents", L.io_uring_cq_ready(b))
    yield from L.io_uring_get_events(b)
    yield from reap(L, b, 1)
    yield from L.io_uring_queue_exit(b)


@scenario("msg-ring-sync-errors", tags=("msg_ring", "register", "sqe"), expect={"target ready": 0})
def msg_ring_sync_errors(L: Any) -> Gen:
    """IORING_REGISTER_SEND_MSG_RING's checks, in io_uring_register_blind's and io_uring_sync_msg_ring's
    order: no SQE or nr_args other than 1, any sqe flags, an opcode other than MSG_RING, buf_index or
    personality, an unknown msg_ring flag, CQE_SKIP, a file_index without FLAGS_PASS, a source fd, and
    the IORING_MSG_SEND_FD command are -EINVAL; a descriptor that is not open -EBADF, one that is not a
    ring -EBADFD, a ring still R_DISABLED -EBADFD. The target gets nothing."""
    b = yield from new_ring(L, 8)
    off = yield from new_ring(L, 8, IORING_SETUP_R_DISABLED)
    fds = [0, 0]
    yield from L.pipe(fds)

    def sent(name: str, sqe: Any, nr_args: int = 1) -> Gen:
        L.record(name, (yield from L.io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, sqe, nr_args)))

    yield from sent("no sqe", None)
    yield from sent("nr_args 2", sync_sqe(L, b.ring_fd, 1, 2), 2)
    yield from sent("nr_args 0", sync_sqe(L, b.ring_fd, 1, 2), 0)
    sqe = sync_sqe(L, b.ring_fd, 1, 2)
    sqe.flags = IOSQE_ASYNC
    yield from sent("sqe flags", sqe)
    sqe = sync_sqe(L, b.ring_fd, 1, 2)
    sqe.opcode = IORING_OP_NOP
    yield from sent("opcode nop", sqe)
    for field in ("buf_index", "personality", "file_index", "addr3"):
        sqe = sync_sqe(L, b.ring_fd, 1, 2)
        setattr(sqe, field, 1)
        yield from sent(field, sqe)
    yield from sent("unknown flag", sync_sqe(L, b.ring_fd, 1, 2, 1 << 7))
    yield from sent("cqe skip", sync_sqe(L, b.ring_fd, 1, 2, IORING_MSG_RING_CQE_SKIP))
    sqe = sync_sqe(L, b.ring_fd, 0, 2)
    sqe.addr = IORING_MSG_SEND_FD
    yield from sent("send fd", sqe)
    yield from sent("not open", sync_sqe(L, 100_000, 1, 2))
    yield from sent("negative fd", sync_sqe(L, -5, 1, 2))
    yield from sent("pipe", sync_sqe(L, fds[0], 1, 2))
    yield from sent("disabled ring", sync_sqe(L, off.ring_fd, 1, 2))
    L.record("target ready", L.io_uring_cq_ready(b))
    yield from L.io_uring_queue_exit(b)
    yield from L.io_uring_queue_exit(off)


@scenario("msg-ring-sync-blind", tags=("msg_ring", "register"), expect={"with the registered-ring bit": 0})
def msg_ring_sync_blind(L: Any) -> Gen:
    """fd -1 is a blind io_uring_register(2) whatever else the opcode says: IORING_REGISTER_SEND_MSG_RING
    with the IORING_REGISTER_USE_REGISTERED_RING bit still sends (the bit is taken off before the blind
    check), while a ring command with fd -1 (PROBE, ENABLE_RINGS) is -EINVAL."""
    b = yield from new_ring(L, 8)
    sqe = sync_sqe(L, b.ring_fd, 9, 0x99)
    opcode = IORING_REGISTER_SEND_MSG_RING | IORING_REGISTER_USE_REGISTERED_RING
    L.record("with the registered-ring bit", (yield from L.io_uring_register(-1, opcode, sqe, 1)))
    yield from reap(L, b, 1)
    L.record("probe", (yield from L.io_uring_register(-1, IORING_REGISTER_PROBE, None, 0)))
    L.record("enable rings", (yield from L.io_uring_register(-1, IORING_REGISTER_ENABLE_RINGS, None, 0)))
    yield from L.io_uring_queue_exit(b)


@scenario("msg-ring-sync-full-cq", tags=("msg_ring", "register", "overflow"), expect={"sent": 0, "target reaped": 3})
def msg_ring_sync_full_cq(L: Any) -> Gen:
    """io_uring_register_sync_msg(3) to a ring whose 2-entry CQ is full: the call still returns 0 and the
    message waits in the target's overflow list, reaped after the two NOPs."""
    b = yield from new_ring(L, 1)
    for ud in (1, 2):
        nop(L, b, ud)
        yield from L.io_uring_submit(b)
    L.record("sent", (yield from L.io_uring_register_sync_msg(sync_sqe(L, b.ring_fd, 7, 0x77))))
    L.record("target overflow", L.io_uring_cq_has_overflow(b))
    L.record("target reaped", reap_ready(L, b))
    yield from L.io_uring_queue_exit(b)
