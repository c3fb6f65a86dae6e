"""IORING_REGISTER_RESTRICTIONS and the personality commands, as liburing's tests register-restrictions
and personality use them (io_uring_register_restrictions(3), io_uring_register_personality(3),
io_uring_register(2)): a ring set up disabled takes restrictions once, and once enabled refuses the
opcodes, SQE flags and register commands they do not allow (-EACCES); personalities are ids for the
credentials of the task that registered them, named in ``sqe.personality``.  Names prefixed ``lrs-``
(restrictions, and IORING_REGISTER_CLOCK) and ``lpe-`` (personalities)."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_pipe, new_ring, nop, reap, submit_and_reap
from simuring.uapi import (
    IORING_OP_NOP,
    IORING_OP_READ,
    IORING_OP_WRITE,
    IORING_REGISTER_CLOCK,
    IORING_REGISTER_ENABLE_RINGS,
    IORING_REGISTER_FILES,
    IORING_REGISTER_LAST,
    IORING_REGISTER_PROBE,
    IORING_RESTRICTION_REGISTER_OP,
    IORING_RESTRICTION_SQE_FLAGS_ALLOWED,
    IORING_RESTRICTION_SQE_FLAGS_REQUIRED,
    IORING_RESTRICTION_SQE_OP,
    IORING_SETUP_R_DISABLED,
    IOSQE_ASYNC,
    IOSQE_FIXED_FILE,
    IOSQE_IO_DRAIN,
    IOSQE_IO_LINK,
    ClockRegister,
    Restriction,
)

TAGS = ("liburing", "restrict")


def res(kind: int, arg: int) -> Restriction:
    return Restriction(opcode=kind, arg=arg)


def disabled_ring(L: Any, restrictions: list[Restriction] | None, nr: int | None = None) -> Gen:
    """A ring set up with IORING_SETUP_R_DISABLED, with ``restrictions`` registered (recorded),
    then enabled (recorded)."""
    ring = yield from new_ring(L, 8, IORING_SETUP_R_DISABLED)
    if restrictions is not None:
        yield from L.io_uring_register_restrictions(ring, restrictions, len(restrictions) if nr is None else nr)
    yield from L.io_uring_enable_rings(ring)
    return ring


def write_sqe(L: Any, ring: Any, fd: int, data: bytes, user_data: int, flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, fd, data, len(data), 0)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, flags)
    return sqe


@scenario("lrs-sqe-op", tags=TAGS)
def lrs_sqe_op(L: Any) -> Gen:
    """Restrictions allowing only WRITE: once enabled, a WRITE completes, a READ and a NOP are
    -EACCES at submission; register commands are refused too (-EACCES) as none was allowed."""
    fds = yield from new_pipe(L)
    ring = yield from disabled_ring(L, [res(IORING_RESTRICTION_SQE_OP, IORING_OP_WRITE)])
    write_sqe(L, ring, fds[1], b"ok", 1)
    yield from submit_and_reap(L, ring, 1)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, fds[0], bytearray(2), 2, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from submit_and_reap(L, ring, 1)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_register_files(ring, [fds[0]], 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrs-register-op", tags=TAGS)
def lrs_register_op(L: Any) -> Gen:
    """Restrictions allowing the register command IORING_REGISTER_FILES (and the NOP opcode):
    registering files works, IORING_REGISTER_PROBE and a second ENABLE_RINGS are -EACCES."""
    fds = yield from new_pipe(L)
    ring = yield from disabled_ring(
        L, [res(IORING_RESTRICTION_REGISTER_OP, IORING_REGISTER_FILES), res(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)]
    )
    yield from L.io_uring_register_files(ring, [fds[0], fds[1]], 2)
    yield from L.io_uring_register_probe(ring, L.Probe(), 4)
    yield from L.io_uring_enable_rings(ring)
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrs-sqe-flags", tags=TAGS)
def lrs_sqe_flags(L: Any) -> Gen:
    """SQE flags: IOSQE_IO_LINK allowed, IOSQE_FIXED_FILE required, on WRITE: a WRITE on a
    registered file with FIXED_FILE completes, and linked to another; without FIXED_FILE it is
    -EACCES; with IOSQE_ASYNC (not allowed) -EACCES; IOSQE_IO_DRAIN -EACCES."""
    fds = yield from new_pipe(L)
    ring = yield from disabled_ring(
        L,
        [
            res(IORING_RESTRICTION_SQE_OP, IORING_OP_WRITE),
            res(IORING_RESTRICTION_SQE_FLAGS_ALLOWED, IOSQE_IO_LINK),
            res(IORING_RESTRICTION_SQE_FLAGS_REQUIRED, IOSQE_FIXED_FILE),
            res(IORING_RESTRICTION_REGISTER_OP, IORING_REGISTER_FILES),
        ],
    )
    yield from L.io_uring_register_files(ring, [fds[1]], 1)
    write_sqe(L, ring, 0, b"a", 1, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring, 1)
    write_sqe(L, ring, 0, b"b", 2, IOSQE_FIXED_FILE | IOSQE_IO_LINK)
    write_sqe(L, ring, 0, b"c", 3, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring, 2)
    for ud, flags in ((4, 0), (5, IOSQE_FIXED_FILE | IOSQE_ASYNC), (6, IOSQE_FIXED_FILE | IOSQE_IO_DRAIN)):
        write_sqe(L, ring, fds[1] if not flags else 0, b"d", ud, flags)
        yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrs-link-refused-member", tags=TAGS)
def lrs_link_refused_member(L: Any) -> Gen:
    """A chain whose second member is refused by the restrictions (-EACCES): its head fails with
    -ECANCELED, as for any other failure at submission."""
    fds = yield from new_pipe(L)
    ring = yield from disabled_ring(
        L, [res(IORING_RESTRICTION_SQE_OP, IORING_OP_WRITE), res(IORING_RESTRICTION_SQE_FLAGS_ALLOWED, IOSQE_IO_LINK)]
    )
    write_sqe(L, ring, fds[1], b"x", 1, IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrs-register-errors", tags=TAGS)
def lrs_register_errors(L: Any) -> Gen:
    """IORING_REGISTER_RESTRICTIONS' errors: on a ring not set up disabled -EBADFD; an unknown kind,
    a register command or an opcode past the last, a NULL array or too many entries -EINVAL (and
    the ring can be given restrictions again after that); a second registration -EBUSY; after
    the ring is enabled -EBADFD."""
    ring = yield from new_ring(L)
    yield from L.io_uring_register_restrictions(ring, [res(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)], 1)
    yield from L.io_uring_queue_exit(ring)
    ring = yield from new_ring(L, 8, IORING_SETUP_R_DISABLED)
    bad = (
        [res(7, 0)],
        [res(IORING_RESTRICTION_REGISTER_OP, IORING_REGISTER_LAST)],
        [res(IORING_RESTRICTION_SQE_OP, 200)],
    )
    for entries in bad:
        yield from L.io_uring_register_restrictions(ring, entries, 1)
    yield from L.io_uring_register(ring.ring_fd, 11, None, 1)
    yield from L.io_uring_register_restrictions(ring, [res(IORING_RESTRICTION_SQE_OP, 1)] * 4, 1000)
    yield from L.io_uring_register_restrictions(ring, [res(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)], 1)
    yield from L.io_uring_register_restrictions(ring, [res(IORING_RESTRICTION_SQE_OP, IORING_OP_READ)], 1)
    yield from L.io_uring_enable_rings(ring)
    yield from L.io_uring_register_restrictions(ring, [res(IORING_RESTRICTION_SQE_OP, IORING_OP_READ)], 1)
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrs-empty", tags=TAGS)
def lrs_empty(L: Any) -> Gen:
    """An empty set of restrictions (0 entries) registered: once enabled, every opcode and every
    register command is refused (-EACCES)."""
    ring = yield from disabled_ring(L, [res(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)], 0)
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_register_probe(ring, L.Probe(), 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrs-ops-only", tags=TAGS)
def lrs_ops_only(L: Any) -> Gen:
    """Restrictions of opcodes only (NOP allowed): are the register commands restricted too? (in
    6.18 they are: any registered set restricts both); ENABLE_RINGS allowed by a register-op
    entry answers -EBADFD, the ring being enabled already."""
    fds = yield from new_pipe(L)
    ring = yield from disabled_ring(L, [res(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)])
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_register_files(ring, [fds[0]], 1)
    yield from L.io_uring_queue_exit(ring)
    ring = yield from disabled_ring(L, [res(IORING_RESTRICTION_REGISTER_OP, IORING_REGISTER_ENABLE_RINGS)])
    yield from L.io_uring_enable_rings(ring)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrs-probe-before-enable", tags=TAGS)
def lrs_probe_before_enable(L: Any) -> Gen:
    """Before the ring is enabled the restrictions do not apply to register commands: a probe works;
    submitting on the disabled ring is -EBADFD."""
    ring = yield from new_ring(L, 8, IORING_SETUP_R_DISABLED)
    yield from L.io_uring_register_restrictions(ring, [res(IORING_RESTRICTION_SQE_OP, IORING_OP_NOP)], 1)
    yield from L.io_uring_register_probe(ring, L.Probe(), 4)
    nop(L, ring, 1)
    yield from L.io_uring_submit(ring)
    yield from L.io_uring_enable_rings(ring)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrs-probe-allowed", tags=TAGS)
def lrs_probe_allowed(L: Any) -> Gen:
    """A register command allowed by the restrictions (IORING_REGISTER_PROBE) still runs its own
    checks: a probe with too many ops is -EINVAL."""
    ring = yield from disabled_ring(L, [res(IORING_RESTRICTION_REGISTER_OP, IORING_REGISTER_PROBE)])
    yield from L.io_uring_register_probe(ring, L.Probe(), 4)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, None, 300)
    yield from L.io_uring_queue_exit(ring)


# -- personalities ---------------------------------------------------------------------------
@scenario("lpe-register-ids", tags=(*TAGS, "personality"))
def lpe_register_ids(L: Any) -> Gen:
    """IORING_REGISTER_PERSONALITY returns ids 1, 2, 3 in turn; after id 1 is unregistered (0) the
    next is 4 (ids are handed out cyclically); unregistering 1 again, or 99, is -EINVAL."""
    ring = yield from new_ring(L)
    for _ in range(3):
        yield from L.io_uring_register_personality(ring)
    yield from L.io_uring_unregister_personality(ring, 1)
    yield from L.io_uring_register_personality(ring)
    yield from L.io_uring_unregister_personality(ring, 1)
    yield from L.io_uring_unregister_personality(ring, 99)
    yield from L.io_uring_queue_exit(ring)


@scenario("lpe-sqe-personality", tags=(*TAGS, "personality"))
def lpe_sqe_personality(L: Any) -> Gen:
    """A NOP naming a registered personality completes; one naming an id never registered, or one
    unregistered, is -EINVAL at submission; a WRITE under a personality writes."""
    fds = yield from new_pipe(L)
    ring = yield from new_ring(L)
    yield from L.io_uring_register_personality(ring)
    yield from L.io_uring_register_personality(ring)
    for ud, pid in ((1, 1), (2, 2), (3, 7)):
        nop(L, ring, ud).personality = pid
        yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_unregister_personality(ring, 2)
    nop(L, ring, 4).personality = 2
    yield from submit_and_reap(L, ring, 1)
    write_sqe(L, ring, fds[1], b"hi", 5).personality = 1
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lpe-register-args", tags=(*TAGS, "personality"))
def lpe_register_args(L: Any) -> Gen:
    """The personality commands' arguments: REGISTER_PERSONALITY with an argument or a count is
    -EINVAL; UNREGISTER_PERSONALITY with an argument is -EINVAL (the id is the count)."""
    ring = yield from new_ring(L)
    yield from L.io_uring_register(ring.ring_fd, 9, None, 1)
    yield from L.io_uring_register(ring.ring_fd, 9, [0], 0)
    yield from L.io_uring_register_personality(ring)
    yield from L.io_uring_register(ring.ring_fd, 10, [0], 1)
    yield from L.io_uring_unregister_personality(ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lpe-link-bad-personality", tags=(*TAGS, "personality"))
def lpe_link_bad_personality(L: Any) -> Gen:
    """A bad personality on a chain's second member: -EINVAL for it, -ECANCELED for the head."""
    ring = yield from new_ring(L)
    nop(L, ring, 1, IOSQE_IO_LINK)
    nop(L, ring, 2).personality = 5
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# -- the wait clock ----------------------------------------------------------------------------
@scenario("lrs-register-clock", tags=(*TAGS, "clock"))
def lrs_register_clock(L: Any) -> Gen:
    """IORING_REGISTER_CLOCK (io_uring_register_clock(3)): CLOCK_MONOTONIC and CLOCK_BOOTTIME are
    accepted, CLOCK_REALTIME and an unknown clock are -EINVAL, so is a non-zero reserved word, a
    NULL argument or a count other than 0; a timed wait on the ring afterwards times out (-ETIME)."""
    ring = yield from new_ring(L)
    for clockid, resv in ((1, [0, 0, 0]), (7, [0, 0, 0]), (0, [0, 0, 0]), (42, [0, 0, 0]), (1, [0, 3, 0])):
        yield from L.io_uring_register_clock(ring, ClockRegister(clockid=clockid, resv=resv))
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_CLOCK, None, 0)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_CLOCK, ClockRegister(clockid=1), 1)
    yield from L.io_uring_register_clock(ring, ClockRegister(clockid=7))
    cqe = L.Cqe()
    yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, 1_000_000))
    yield from L.io_uring_queue_exit(ring)
