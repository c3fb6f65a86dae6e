"""Ring setup, io_uring_enter(2), DEFER_TASKRUN, NOP variants and MSG_RING: behaviours liburing's own
test suite checks, written afresh from the man pages (io_uring_setup(2), io_uring_enter(2),
io_uring_register(2), io_uring_prep_nop(3), io_uring_prep_msg_ring(3))."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    msg_ring,
    new_pipe,
    new_ring,
    nop,
    reap,
    reap_count,
    reap_ready,
    submit_and_reap,
    try_setup,
)
from simuring.uapi import (
    GETEVENTS_ARG_SIZE,
    IORING_ENTER_ABS_TIMER,
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_EXT_ARG_REG,
    IORING_ENTER_GETEVENTS,
    IORING_ENTER_NO_IOWAIT,
    IORING_ENTER_SQ_WAIT,
    IORING_ENTER_SQ_WAKEUP,
    IORING_MAX_CQ_ENTRIES,
    IORING_MAX_ENTRIES,
    IORING_NOP_CQE32,
    IORING_NOP_FILE,
    IORING_NOP_FIXED_BUFFER,
    IORING_NOP_FIXED_FILE,
    IORING_NOP_INJECT_RESULT,
    IORING_NOP_TW,
    IORING_REGISTER_ENABLE_RINGS,
    IORING_REGISTER_LAST,
    IORING_REGISTER_USE_REGISTERED_RING,
    IORING_SETUP_CLAMP,
    IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQE_MIXED,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_HYBRID_IOPOLL,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_NO_SQARRAY,
    IORING_SETUP_R_DISABLED,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_SETUP_SQ_AFF,
    IORING_SETUP_SQE128,
    IORING_SETUP_SQPOLL,
    IORING_SETUP_SUBMIT_ALL,
    IORING_SETUP_TASKRUN_FLAG,
    IORING_UNREGISTER_FILES,
    IOSQE_ASYNC,
    IOSQE_FIXED_FILE,
)

BAD_FD = 100_000  # not an open descriptor in either process
SI_DT = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN


# -- io_uring_setup(2) ------------------------------------------------------------------------------
@scenario(
    "ls-setup-exact-limits",
    tags=("liburing", "setup"),
    expect={"entries=max": [IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES], "cq=max": [1, IORING_MAX_CQ_ENTRIES]},
)
def ls_setup_exact_limits(L: Any) -> Gen:
    """io_uring_setup(2): exactly IORING_MAX_ENTRIES SQ entries is accepted (CQ twice that), and so is a
    CQSIZE of exactly the CQ maximum; the limits are inclusive."""
    yield from try_setup(L, "entries=max", IORING_MAX_ENTRIES)
    yield from try_setup(L, "cq=max", 1, IORING_SETUP_CQSIZE, cq_entries=IORING_MAX_CQ_ENTRIES)


@scenario(
    "ls-setup-cqsize-rounding",
    tags=("liburing", "setup"),
    expect={"sq 4 cq 5": [4, 8], "sq 4 cq 4": [4, 4], "sq 3 cq 3": [4, 4], "sq 8 cq 5": [8, 8], "sq 8 cq 3": -22},
)
def ls_setup_cqsize_rounding(L: Any) -> Gen:
    """io_uring_setup(2) with IORING_SETUP_CQSIZE: cq_entries is rounded up to a power of two before it
    is compared with the (rounded) SQ size (8 SQ entries with a CQ of 5 is a CQ of 8); a CQ as large as
    the SQ is allowed, a smaller one is -EINVAL."""
    yield from try_setup(L, "sq 4 cq 5", 4, IORING_SETUP_CQSIZE, cq_entries=5)
    yield from try_setup(L, "sq 4 cq 4", 4, IORING_SETUP_CQSIZE, cq_entries=4)
    yield from try_setup(L, "sq 3 cq 3", 3, IORING_SETUP_CQSIZE, cq_entries=3)
    yield from try_setup(L, "sq 8 cq 5", 8, IORING_SETUP_CQSIZE, cq_entries=5)
    yield from try_setup(L, "sq 8 cq 3", 8, IORING_SETUP_CQSIZE, cq_entries=3)


@scenario(
    "ls-setup-clamp-cq-below-sq",
    tags=("liburing", "setup"),
    expect={"CLAMP sq huge cq 1": -22, "CLAMP cq huge": [8, IORING_MAX_CQ_ENTRIES]},
)
def ls_setup_clamp_cq_below_sq(L: Any) -> Gen:
    """IORING_SETUP_CLAMP only lowers sizes above the limits: a clamped SQ with a CQSIZE of 1 still
    leaves the CQ smaller than the SQ (-EINVAL); a CQ above the maximum is clamped to it."""
    flags = IORING_SETUP_CLAMP | IORING_SETUP_CQSIZE
    yield from try_setup(L, "CLAMP sq huge cq 1", IORING_MAX_ENTRIES + 1, flags, cq_entries=1)
    yield from try_setup(L, "CLAMP cq huge", 8, flags, cq_entries=IORING_MAX_CQ_ENTRIES * 4)


@scenario(
    "ls-setup-taskrun-combinations",
    tags=("liburing", "setup"),
    expect={
        "SQPOLL|DEFER_TASKRUN|SINGLE_ISSUER": -22,
        "SQPOLL|TASKRUN_FLAG": -22,
        "SQPOLL|TASKRUN_FLAG|COOP_TASKRUN": -22,
        "DEFER_TASKRUN|SINGLE_ISSUER|TASKRUN_FLAG": [4, 8],
        "DEFER_TASKRUN|SINGLE_ISSUER|COOP_TASKRUN": [4, 8],
        "COOP_TASKRUN|TASKRUN_FLAG|SINGLE_ISSUER": [4, 8],
        "SQPOLL|SINGLE_ISSUER": [4, 8],
    },
)
def ls_setup_taskrun_combinations(L: Any) -> Gen:
    """io_uring_setup(2): the task-run flags with each other and with SQPOLL.  SQPOLL refuses
    DEFER_TASKRUN and TASKRUN_FLAG (there is no IPI to avoid with an SQ thread); DEFER_TASKRUN with
    SINGLE_ISSUER takes TASKRUN_FLAG or COOP_TASKRUN too; SQPOLL with SINGLE_ISSUER is a valid ring."""
    yield from try_setup(L, "SQPOLL|DEFER_TASKRUN|SINGLE_ISSUER", 4, IORING_SETUP_SQPOLL | SI_DT)
    yield from try_setup(L, "SQPOLL|TASKRUN_FLAG", 4, IORING_SETUP_SQPOLL | IORING_SETUP_TASKRUN_FLAG)
    yield from try_setup(
        L, "SQPOLL|TASKRUN_FLAG|COOP_TASKRUN", 4, IORING_SETUP_SQPOLL | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_COOP_TASKRUN
    )
    yield from try_setup(L, "DEFER_TASKRUN|SINGLE_ISSUER|TASKRUN_FLAG", 4, SI_DT | IORING_SETUP_TASKRUN_FLAG)
    yield from try_setup(L, "DEFER_TASKRUN|SINGLE_ISSUER|COOP_TASKRUN", 4, SI_DT | IORING_SETUP_COOP_TASKRUN)
    yield from try_setup(
        L,
        "COOP_TASKRUN|TASKRUN_FLAG|SINGLE_ISSUER",
        4,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SINGLE_ISSUER,
    )
    yield from try_setup(L, "SQPOLL|SINGLE_ISSUER", 4, IORING_SETUP_SQPOLL | IORING_SETUP_SINGLE_ISSUER)


@scenario(
    "ls-setup-size-flag-combinations",
    tags=("liburing", "setup"),
    expect={
        "SQE128|CQE32": [4, 8],
        "CQE32|CQE_MIXED": -22,
        "NO_SQARRAY|SQPOLL": [4, 8],
        "IOPOLL|SQPOLL": [4, 8],
        "IOPOLL|HYBRID_IOPOLL": [4, 8],
        "IOPOLL|DEFER_TASKRUN|SINGLE_ISSUER": [4, 8],
        "SQPOLL|SQ_AFF|R_DISABLED": [4, 8],
    },
)
def ls_setup_size_flag_combinations(L: Any) -> Gen:
    """io_uring_setup(2): combinations of the size and polling flags: 128-byte SQEs with 32-byte CQEs,
    SQPOLL without the SQ index array, IOPOLL with SQPOLL, with HYBRID_IOPOLL, with DEFER_TASKRUN, and a
    disabled pinned SQPOLL ring are all accepted; CQE32 with CQE_MIXED is -EINVAL."""
    yield from try_setup(L, "SQE128|CQE32", 4, IORING_SETUP_SQE128 | IORING_SETUP_CQE32)
    yield from try_setup(L, "CQE32|CQE_MIXED", 4, IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED)
    yield from try_setup(L, "NO_SQARRAY|SQPOLL", 4, IORING_SETUP_NO_SQARRAY | IORING_SETUP_SQPOLL)
    yield from try_setup(L, "IOPOLL|SQPOLL", 4, IORING_SETUP_IOPOLL | IORING_SETUP_SQPOLL)
    yield from try_setup(L, "IOPOLL|HYBRID_IOPOLL", 4, IORING_SETUP_IOPOLL | IORING_SETUP_HYBRID_IOPOLL)
    yield from try_setup(L, "IOPOLL|DEFER_TASKRUN|SINGLE_ISSUER", 4, IORING_SETUP_IOPOLL | SI_DT)
    yield from try_setup(
        L, "SQPOLL|SQ_AFF|R_DISABLED", 4, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF | IORING_SETUP_R_DISABLED, sq_thread_cpu=0
    )


@scenario(
    "ls-setup-unused-params-ignored",
    tags=("liburing", "setup"),
    expect={"idle/cpu/wq_fd without flags": [4, 8], "sq_thread_cpu without SQ_AFF": [4, 8], "resv[0]=1": -22, "resv[2]=1": -22},
)
def ls_setup_unused_params_ignored(L: Any) -> Gen:
    """io_uring_setup(2): sq_thread_idle, sq_thread_cpu and wq_fd are read only with the flags that use
    them (SQPOLL, SQ_AFF, ATTACH_WQ): nonsense values are ignored otherwise; every reserved word must
    still be zero (-EINVAL)."""
    yield from try_setup(L, "idle/cpu/wq_fd without flags", 4, 0, sq_thread_idle=123, sq_thread_cpu=100_000, wq_fd=BAD_FD)
    yield from try_setup(L, "sq_thread_cpu without SQ_AFF", 4, IORING_SETUP_SQPOLL, sq_thread_cpu=100_000)
    yield from try_setup(L, "resv[0]=1", 4, 0, resv=[1, 0, 0])
    yield from try_setup(L, "resv[2]=1", 4, 0, resv=[0, 0, 1])


@scenario("ls-setup-flags-written-back", tags=("liburing", "setup"), expect={"flags": IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP})
def ls_setup_flags_written_back(L: Any) -> Gen:
    """io_uring_setup(2): the flags word of the params is the caller's and comes back unchanged."""
    p = L.Params(flags=IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP, cq_entries=16)
    fd = yield from L.io_uring_setup(4, p)
    if fd >= 0:
        L.record("flags", p.flags)
        yield from L.close(fd)


# -- IORING_SETUP_R_DISABLED and IORING_REGISTER_ENABLE_RINGS -------------------------------------------
@scenario(
    "ls-r-disabled-enable-rules",
    tags=("liburing", "setup", "register"),
    expect={"submit while disabled": -77, "enable": 0, "enable again": -77, "enable a normal ring": -77},
)
def ls_r_disabled_enable_rules(L: Any) -> Gen:
    """IORING_SETUP_R_DISABLED: io_uring_enter to submit on a disabled ring is -EBADFD; after
    IORING_REGISTER_ENABLE_RINGS the SQE queued meanwhile is submitted; enabling twice, or enabling a ring
    that was never disabled, is -EBADFD."""
    ring = yield from new_ring(L, 4, IORING_SETUP_R_DISABLED)
    nop(L, ring, 1)
    L.record("submit while disabled", (yield from L.io_uring_submit(ring)))
    L.record("enable", (yield from L.io_uring_enable_rings(ring)))
    L.record("enable again", (yield from L.io_uring_enable_rings(ring)))
    yield from submit_and_reap(L, ring, 1)
    plain = yield from new_ring(L, 4)
    L.record("enable a normal ring", (yield from L.io_uring_register(plain.ring_fd, IORING_REGISTER_ENABLE_RINGS, None, 0)))
    yield from L.io_uring_queue_exit(plain)
    yield from L.io_uring_queue_exit(ring)


@scenario("ls-r-disabled-defer-taskrun", tags=("liburing", "setup", "delivery"), expect={"enable": 0})
def ls_r_disabled_defer_taskrun(L: Any) -> Gen:
    """A DEFER_TASKRUN|SINGLE_ISSUER ring created disabled gets its owner task when it is enabled
    (IORING_REGISTER_ENABLE_RINGS); the enabling task then submits and waits on it normally."""
    ring = yield from new_ring(L, 4, SI_DT | IORING_SETUP_R_DISABLED)
    L.record("enable", (yield from L.io_uring_enable_rings(ring)))
    nop(L, ring, 1)
    nop(L, ring, 2)
    yield from L.io_uring_submit_and_wait(ring, 2)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("ls-r-disabled-sqpoll", tags=("liburing", "setup", "sqpoll"), expect={"enter while disabled": -77, "enable": 0})
def ls_r_disabled_sqpoll(L: Any) -> Gen:
    """IORING_SETUP_SQPOLL|R_DISABLED: io_uring_enter on the disabled ring is -EBADFD even though the SQ
    thread would do the submitting; the thread starts when the ring is enabled, and SQEs queued after
    that are submitted by it and complete."""
    ring = yield from new_ring(L, 4, IORING_SETUP_SQPOLL | IORING_SETUP_R_DISABLED)
    L.record("enter while disabled", (yield from L.io_uring_enter(ring.ring_fd, 1, 0, 0, None)))
    L.record("enable", (yield from L.io_uring_enable_rings(ring)))
    nop(L, ring, 1)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# -- io_uring_enter(2) ----------------------------------------------------------------------------------
@scenario(
    "ls-enter-ext-arg-without-getevents",
    tags=("liburing", "enter"),
    expect={"EXT_ARG, bad size": 0, "EXT_ARG, NULL": 0, "ABS_TIMER without EXT_ARG": 0},
)
def ls_enter_ext_arg_without_getevents(L: Any) -> Gen:
    """io_uring_enter(2): the extended argument is read only to wait, so IORING_ENTER_EXT_ARG without
    GETEVENTS accepts any argument and size (0); IORING_ENTER_ABS_TIMER without EXT_ARG has no timespec
    to apply and a wait for a completion already posted returns 0."""
    ring = yield from new_ring(L, 4)
    L.record("EXT_ARG, bad size", (yield from L.io_uring_enter2(ring.ring_fd, 0, 0, IORING_ENTER_EXT_ARG, None, 3)))
    L.record("EXT_ARG, NULL", (yield from L.io_uring_enter2(ring.ring_fd, 0, 0, IORING_ENTER_EXT_ARG, None, GETEVENTS_ARG_SIZE)))
    nop(L, ring, 1)
    yield from L.io_uring_submit(ring)
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_ABS_TIMER
    L.record("ABS_TIMER without EXT_ARG", (yield from L.io_uring_enter(ring.ring_fd, 0, 1, flags, None)))
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-enter-ext-arg-reg",
    tags=("liburing", "enter"),
    expect={"EXT_ARG_REG alone": 0, "no region, bad size": -22, "no region, offset 0": -14},
)
def ls_enter_ext_arg_reg(L: Any) -> Gen:
    """IORING_ENTER_EXT_ARG_REG is a known flag: alone it is accepted (0, nothing to wait for); with
    GETEVENTS|EXT_ARG the argument size must be that of struct io_uring_reg_wait, so the getevents-arg
    size is -EINVAL; with the right size (64) and no registered wait region the offset cannot be read:
    the kernel's errno is recorded."""
    ring = yield from new_ring(L, 4)
    L.record("EXT_ARG_REG alone", (yield from L.io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_EXT_ARG_REG, None)))
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG
    L.record("no region, bad size", (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags, None, GETEVENTS_ARG_SIZE)))
    L.record("no region, offset 0", (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags, None, 64)))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-enter-getevents-zero",
    tags=("liburing", "enter"),
    expect={"GETEVENTS min 0, empty": 0, "NO_IOWAIT": 0, "submit 2 of 3": 2, "left": 1},
)
def ls_enter_getevents_zero(L: Any) -> Gen:
    """io_uring_enter(2): GETEVENTS with min_complete 0 on an empty CQ returns 0 at once, with or without
    IORING_ENTER_NO_IOWAIT; to_submit 2 with three SQEs published consumes exactly two and leaves one
    (the three are published by a submit refused while the ring is still IORING_SETUP_R_DISABLED)."""
    ring = yield from new_ring(L, 4, IORING_SETUP_R_DISABLED)
    for ud in (1, 2, 3):
        nop(L, ring, ud)
    yield from L.io_uring_submit(ring)
    yield from L.io_uring_enable_rings(ring)
    L.record("GETEVENTS min 0, empty", (yield from L.io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, None)))
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_NO_IOWAIT
    L.record("NO_IOWAIT", (yield from L.io_uring_enter(ring.ring_fd, 0, 0, flags, None)))
    L.record("submit 2 of 3", (yield from L.io_uring_enter(ring.ring_fd, 2, 0, 0, None)))
    L.record("left", L.io_uring_sq_ready(ring))
    yield from L.io_uring_enter(ring.ring_fd, 1, 0, 0, None)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-enter-sqpoll-returns-to-submit",
    tags=("liburing", "enter", "sqpoll"),
    expect={"to_submit 5, SQ empty": 5, "SQ_WAIT": 3, "SQ_WAKEUP": 0},
)
def ls_enter_sqpoll_returns_to_submit(L: Any) -> Gen:
    """io_uring_enter(2) on an SQPOLL ring: the SQ thread submits, so the call returns to_submit as given
    (5 with the SQ empty); IORING_ENTER_SQ_WAIT with room in the SQ returns at once, and
    IORING_ENTER_SQ_WAKEUP alone returns 0."""
    ring = yield from new_ring(L, 4, IORING_SETUP_SQPOLL)
    L.record("to_submit 5, SQ empty", (yield from L.io_uring_enter(ring.ring_fd, 5, 0, 0, None)))
    L.record("SQ_WAIT", (yield from L.io_uring_enter(ring.ring_fd, 3, 0, IORING_ENTER_SQ_WAIT, None)))
    L.record("SQ_WAKEUP", (yield from L.io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAKEUP, None)))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-register-bad-fds",
    tags=("liburing", "register"),
    expect={"closed fd": -9, "pipe fd": -95, "unknown opcode": -22},
)
def ls_register_bad_fds(L: Any) -> Gen:
    """io_uring_register(2): a descriptor that is not open is -EBADF, an open one that is not a ring
    -EOPNOTSUPP, an unknown opcode on a ring -EINVAL."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    L.record("closed fd", (yield from L.io_uring_register(BAD_FD, IORING_REGISTER_ENABLE_RINGS, None, 0)))
    L.record("pipe fd", (yield from L.io_uring_register(fds[0], IORING_REGISTER_ENABLE_RINGS, None, 0)))
    L.record("unknown opcode", (yield from L.io_uring_register(ring.ring_fd, 200, None, 0)))
    yield from L.io_uring_queue_exit(ring)


# -- DEFER_TASKRUN ------------------------------------------------------------------------------------
@scenario(
    "ls-defer-taskrun-inline-nop",
    tags=("liburing", "delivery"),
    expect={"ready after submit": 2},
)
def ls_defer_taskrun_inline_nop(L: Any) -> Gen:
    """IORING_SETUP_DEFER_TASKRUN defers task work, not completions posted inline: NOPs submitted with a
    plain io_uring_submit are in the CQ when the call returns."""
    ring = yield from new_ring(L, 4, SI_DT)
    nop(L, ring, 1)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    L.record("ready after submit", L.io_uring_cq_ready(ring))
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-defer-taskrun-get-events-many",
    tags=("liburing", "delivery", "msg_ring"),
    expect={"ready before": 0, "ready after all": 30},
)
def ls_defer_taskrun_get_events_many(L: Any) -> Gen:
    """MSG_RING to a DEFER_TASKRUN ring, 30 messages: none is visible before the target asks for events;
    one io_uring_get_events (GETEVENTS, min_complete 0) runs deferred work (how many it posts is
    recorded), and a wait for all 30 completes the rest, in the order sent."""
    a = yield from new_ring(L, 32)
    b = yield from new_ring(L, 32, SI_DT)
    for i in range(30):
        msg_ring(L, a, b.ring_fd, i, 0x100 + i, i)
    yield from L.io_uring_submit(a)
    L.record("sender reaped", reap_ready(L, a))
    L.record("ready before", L.io_uring_cq_ready(b))
    yield from L.io_uring_get_events(b)
    L.record("ready after get_events", L.io_uring_cq_ready(b))
    cqe = L.Cqe()
    yield from L.io_uring_wait_cqe_nr(b, cqe, 30)
    L.record("ready after all", L.io_uring_cq_ready(b))
    yield from reap(L, b, 30)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario(
    "ls-defer-taskrun-flag-peek",
    tags=("liburing", "delivery", "msg_ring"),
    expect={"peek without TASKRUN_FLAG": -11, "peek with TASKRUN_FLAG": 0},
)
def ls_defer_taskrun_flag_peek(L: Any) -> Gen:
    """IORING_SETUP_TASKRUN_FLAG on a DEFER_TASKRUN ring: a message queued as deferred work sets
    IORING_SQ_TASKRUN, so io_uring_peek_cqe(3) enters the kernel to run it and finds the CQE; without the
    flag nothing tells liburing and the peek is -EAGAIN until the ring waits."""
    a = yield from new_ring(L, 8)
    for label, flags in (("without", 0), ("with", IORING_SETUP_TASKRUN_FLAG)):
        b = yield from new_ring(L, 4, SI_DT | flags)
        msg_ring(L, a, b.ring_fd, 1, 0x77, 1)
        yield from submit_and_reap(L, a, 1)
        cqe = L.Cqe()
        ret = L.io_uring_peek_cqe(b, cqe)
        L.record(f"peek {label} TASKRUN_FLAG", ret)
        if ret == 0:
            L.io_uring_cqe_seen(b, cqe[0])
        else:
            yield from reap(L, b, 1)
        yield from L.io_uring_queue_exit(b)
    yield from L.io_uring_queue_exit(a)


@scenario(
    "ls-defer-taskrun-submit-and-get-events",
    tags=("liburing", "delivery", "msg_ring"),
    expect={"ready": 1},
)
def ls_defer_taskrun_submit_and_get_events(L: Any) -> Gen:
    """io_uring_submit_and_get_events(3) on a DEFER_TASKRUN ring submits a NOP and runs the deferred work
    already queued (a message from another ring) in the same call."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 4, SI_DT)
    msg_ring(L, a, b.ring_fd, 3, 0x33, 1)
    yield from submit_and_reap(L, a, 1)
    nop(L, b, 2)
    yield from L.io_uring_submit_and_get_events(b)
    L.record("ready", L.io_uring_cq_ready(b) - 1)
    yield from reap(L, b, 2)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


# -- NOP variants -------------------------------------------------------------------------------------
@scenario("ls-nop-flags", tags=("liburing", "nop"))
def ls_nop_flags(L: Any) -> Gen:
    """io_uring_prep_nop(3) with nop_flags: IORING_NOP_FILE makes the NOP look up sqe->fd (an open pipe:
    0; a closed descriptor: -EBADF), IORING_NOP_FIXED_FILE a registered file (none registered: -EBADF),
    IORING_NOP_FIXED_BUFFER a registered buffer (none: the kernel's errno), IORING_NOP_TW completes
    through task work (0), IORING_NOP_CQE32 needs a 32-byte-CQE ring; INJECT_RESULT with FILE on a bad
    fd reports the lookup's error."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    cases = (
        (1, IORING_NOP_FILE, fds[0]),
        (2, IORING_NOP_FILE, BAD_FD),
        (3, IORING_NOP_FILE | IORING_NOP_FIXED_FILE, 0),
        (4, IORING_NOP_FIXED_BUFFER, 0),
        (5, IORING_NOP_TW, 0),
        (6, IORING_NOP_CQE32, 0),
        (7, IORING_NOP_INJECT_RESULT | IORING_NOP_FILE, BAD_FD),
    )
    for ud, flags, fd in cases:
        sqe = nop(L, ring, ud)
        sqe.nop_flags = flags
        sqe.fd = fd
        sqe.len = 9
        yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("ls-nop-ring-layouts", tags=("liburing", "nop"))
def ls_nop_ring_layouts(L: Any) -> Gen:
    """NOPs through rings of each SQE/CQE layout (io_uring_setup(2): SQE128, CQE32, NO_SQARRAY, and all
    three): each completes with its user_data, res 0, flags 0, in order; NOP_CQE32 on a CQE32 ring is 0."""
    for i, flags in enumerate(
        (IORING_SETUP_SQE128, IORING_SETUP_CQE32, IORING_SETUP_NO_SQARRAY, IORING_SETUP_SQE128 | IORING_SETUP_CQE32 | IORING_SETUP_NO_SQARRAY)
    ):
        ring = yield from new_ring(L, 4, flags)
        for j in range(3):
            nop(L, ring, 10 * i + j)
        yield from submit_and_reap(L, ring, 3)
        if flags & IORING_SETUP_CQE32:
            sqe = nop(L, ring, 10 * i + 9)
            sqe.nop_flags = IORING_NOP_CQE32
            yield from submit_and_reap(L, ring, 1)
        yield from L.io_uring_queue_exit(ring)


@scenario("ls-nop-submit-all-bad-sqes", tags=("liburing", "nop", "enter"), expect={"submitted": 4})
def ls_nop_submit_all_bad_sqes(L: Any) -> Gen:
    """IORING_SETUP_SUBMIT_ALL: a batch of four NOPs of which two have bad fields (unknown NOP flag,
    unknown SQE flag) is consumed whole (4); each bad one gets its -EINVAL CQE, in submission order."""
    ring = yield from new_ring(L, 4, IORING_SETUP_SUBMIT_ALL)
    nop(L, ring, 1)
    sqe = nop(L, ring, 2)
    sqe.nop_flags = 1 << 20
    nop(L, ring, 3, 1 << 7)
    nop(L, ring, 4)
    L.record("submitted", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


# -- IORING_OP_MSG_RING ----------------------------------------------------------------------------------
@scenario("ls-msg-ring-u32-fields", tags=("liburing", "msg_ring"))
def ls_msg_ring_u32_fields(L: Any) -> Gen:
    """io_uring_prep_msg_ring(3): the command (sqe->addr) and the source fd (sqe->addr3) are 32-bit
    values in the kernel's struct io_msg: a command of 1 << 32 reads as IORING_MSG_DATA and a source fd
    of 1 << 32 as 0, so both messages are delivered; a command of 2 is -EINVAL."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8)
    sqe = msg_ring(L, a, b.ring_fd, 1, 0x11, 1)
    sqe.addr = 1 << 32
    yield from submit_and_reap(L, a, 1)
    sqe = msg_ring(L, a, b.ring_fd, 2, 0x22, 2)
    sqe.addr3 = 1 << 32
    yield from submit_and_reap(L, a, 1)
    sqe = msg_ring(L, a, b.ring_fd, 3, 0x33, 3)
    sqe.addr = 2
    yield from submit_and_reap(L, a, 1)
    L.record("target reaped", reap_ready(L, b))
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("ls-msg-ring-sqe-field-errors", tags=("liburing", "msg_ring", "sqe"), expect={"target ready": 0})
def ls_msg_ring_sqe_field_errors(L: Any) -> Gen:
    """io_uring_prep_msg_ring(3): a non-zero buf_index is -EINVAL at prep; a non-zero source fd (addr3)
    on a data message is -EINVAL; with IOSQE_FIXED_FILE and no registered files the target cannot be
    looked up (-EBADF); the target gets nothing."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8)
    sqe = msg_ring(L, a, b.ring_fd, 1, 2, 1)
    sqe.buf_index = 1
    yield from submit_and_reap(L, a, 1)
    sqe = msg_ring(L, a, b.ring_fd, 1, 2, 2)
    sqe.addr3 = 3
    yield from submit_and_reap(L, a, 1)
    sqe = msg_ring(L, a, 0, 1, 2, 3)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, a, 1)
    L.record("target ready", L.io_uring_cq_ready(b))
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("ls-msg-ring-defer-to-self", tags=("liburing", "msg_ring", "delivery"))
def ls_msg_ring_defer_to_self(L: Any) -> Gen:
    """MSG_RING from a DEFER_TASKRUN ring to itself: the message goes through the ring's deferred work
    and the sender's own CQE is posted at submission, so the sender's CQE comes first; both are reaped by
    one wait for two."""
    a = yield from new_ring(L, 8, SI_DT)
    msg_ring(L, a, a.ring_fd, 4, 0x44, 1)
    yield from L.io_uring_submit_and_wait(a, 2)
    yield from reap(L, a, 2)
    yield from L.io_uring_queue_exit(a)


@scenario("ls-msg-ring-async", tags=("liburing", "msg_ring", "iowq"))
def ls_msg_ring_async(L: Any) -> Gen:
    """MSG_RING with IOSQE_ASYNC runs from io-wq: the message reaches a normal target and a
    DEFER_TASKRUN target (delivered when the target waits), and the sender's CQE has res 0."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8)
    c = yield from new_ring(L, 8, SI_DT)
    sqe = msg_ring(L, a, b.ring_fd, 5, 0x55, 1)
    L.io_uring_sqe_set_flags(sqe, IOSQE_ASYNC)
    yield from submit_and_reap(L, a, 1)
    yield from reap(L, b, 1)
    sqe = msg_ring(L, a, c.ring_fd, 6, 0x66, 2)
    L.io_uring_sqe_set_flags(sqe, IOSQE_ASYNC)
    yield from submit_and_reap(L, a, 1)
    yield from reap(L, c, 1)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)
    yield from L.io_uring_queue_exit(c)


@scenario("ls-msg-ring-to-closed-ring-fd", tags=("liburing", "msg_ring"))
def ls_msg_ring_to_closed_ring_fd(L: Any) -> Gen:
    """MSG_RING to the descriptor of a ring that was just closed (io_uring_queue_exit): the descriptor
    is no longer open, so the message fails with -EBADF."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 8)
    fd = b.ring_fd
    yield from L.io_uring_queue_exit(b)
    msg_ring(L, a, fd, 1, 1, 1)
    yield from submit_and_reap(L, a, 1)
    yield from L.io_uring_queue_exit(a)


@scenario(
    "ls-msg-ring-overflowed-target",
    tags=("liburing", "msg_ring", "overflow"),
    expect={"overflow": True, "target reaped": 6},
)
def ls_msg_ring_overflowed_target(L: Any) -> Gen:
    """MSG_RING into a 2-entry CQ: six messages all succeed on the sender (IORING_FEAT_NODROP), the CQ
    overflows, and the target reaps all six in the order sent once it makes room."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 1)
    for i in range(6):
        msg_ring(L, a, b.ring_fd, i, 0x600 + i, i)
    yield from submit_and_reap(L, a, 6)
    L.record("overflow", L.io_uring_cq_has_overflow(b))
    L.record("target reaped", (yield from reap_count(L, b, 6)))
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario(
    "ls-nop-tw-delivery",
    tags=("liburing", "nop", "delivery"),
    expect={"plain ring ready": 1, "DEFER_TASKRUN ready after submit": 0, "DEFER_TASKRUN ready after get_events": 1},
)
def ls_nop_tw_delivery(L: Any) -> Gen:
    """IORING_NOP_TW completes the NOP through task work: on a plain ring the work runs before the submit
    returns to user space (the CQE is there at once); on a DEFER_TASKRUN ring it is deferred work and
    the CQE appears only when the owner asks for events."""
    for label, flags in (("plain ring", 0), ("DEFER_TASKRUN", SI_DT)):
        ring = yield from new_ring(L, 4, flags)
        sqe = nop(L, ring, 1)
        sqe.nop_flags = IORING_NOP_TW
        yield from L.io_uring_submit(ring)
        if flags:
            L.record(f"{label} ready after submit", L.io_uring_cq_ready(ring))
            yield from L.io_uring_get_events(ring)
            L.record(f"{label} ready after get_events", L.io_uring_cq_ready(ring))
        else:
            L.record(f"{label} ready", L.io_uring_cq_ready(ring))
        yield from reap(L, ring, 1)
        yield from L.io_uring_queue_exit(ring)


@scenario("ls-nop-file-registered", tags=("liburing", "nop", "files"), expect={"register": 0})
def ls_nop_file_registered(L: Any) -> Gen:
    """io_uring_prep_nop(3) with IORING_NOP_FILE|IORING_NOP_FIXED_FILE looks sqe->fd up in the registered
    files: a filled slot is 0, a sparse slot and an index past the table -EBADF; NOP_FIXED_FILE without
    NOP_FILE looks nothing up (0); an injected result comes back when the file is found (7), and a
    registered-buffer lookup with none registered overrides an injected error."""
    ring = yield from new_ring(L, 4)
    fds = yield from new_pipe(L)
    L.record("register", (yield from L.io_uring_register_files(ring, [fds[0], -1], 2)))
    cases = (
        (1, IORING_NOP_FILE | IORING_NOP_FIXED_FILE, 0, 0),
        (2, IORING_NOP_FILE | IORING_NOP_FIXED_FILE, 1, 0),
        (3, IORING_NOP_FILE | IORING_NOP_FIXED_FILE, 5, 0),
        (4, IORING_NOP_FIXED_FILE, 99, 0),
        (5, IORING_NOP_FILE | IORING_NOP_INJECT_RESULT, fds[1], 7),
        (6, IORING_NOP_FIXED_BUFFER | IORING_NOP_INJECT_RESULT, 0, -5 & 0xFFFF_FFFF),
        (7, IORING_NOP_FILE | IORING_NOP_FIXED_FILE | IORING_NOP_FIXED_BUFFER, 0, 0),
    )
    for ud, flags, fd, length in cases:
        sqe = nop(L, ring, ud)
        sqe.nop_flags = flags
        sqe.fd = fd
        sqe.len = length
        yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-defer-taskrun-wait-batches",
    tags=("liburing", "delivery", "msg_ring"),
    expect={"after wait for 1": 20, "after wait for 25": 25},
)
def ls_defer_taskrun_wait_batches(L: Any) -> Gen:
    """A DEFER_TASKRUN|TASKRUN_FLAG ring with 30 messages queued as deferred work: a wait for one
    completion runs one batch of deferred work (20 items, recorded); the rest stays queued and
    IORING_SQ_TASKRUN stays set, so once the 20 are consumed io_uring_peek_cqe(3) flushes the remaining
    ones.  A second round shows a wait for 25 running 25."""
    a = yield from new_ring(L, 32)
    b = yield from new_ring(L, 32, SI_DT | IORING_SETUP_TASKRUN_FLAG)
    cqe = L.Cqe()
    for label, wait_nr in (("after wait for 1", 1), ("after wait for 25", 25)):
        for i in range(30):
            msg_ring(L, a, b.ring_fd, i, 0x100 + i, i)
        yield from L.io_uring_submit(a)
        reap_ready(L, a)
        yield from L.io_uring_wait_cqe_nr(b, cqe, wait_nr)
        first = L.io_uring_cq_ready(b)
        L.record(label, first)
        L.io_uring_cq_advance(b, first)
        n = 0
        while L.io_uring_peek_cqe(b, cqe) == 0:
            L.io_uring_cqe_seen(b, cqe[0])
            n += 1
        L.record(f"{label}: peeked after", n)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario(
    "ls-defer-taskrun-submit-two-passes",
    tags=("liburing", "delivery", "msg_ring"),
)
def ls_defer_taskrun_submit_two_passes(L: Any) -> Gen:
    """io_uring_submit_and_get_events(3) on a DEFER_TASKRUN ring with 50 messages queued as deferred work:
    the enter runs deferred work after submitting and again in the (non-blocking) wait; how many
    completions are visible afterwards is recorded, then everything is reaped in order."""
    a = yield from new_ring(L, 64)
    b = yield from new_ring(L, 64, SI_DT)
    for i in range(50):
        msg_ring(L, a, b.ring_fd, i, 0x200 + i, i)
    yield from L.io_uring_submit(a)
    reap_ready(L, a)
    nop(L, b, 99)
    yield from L.io_uring_submit_and_get_events(b)
    L.record("ready", L.io_uring_cq_ready(b))
    yield from reap(L, b, 51)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario(
    "ls-msg-ring-to-iopoll-and-cqe32",
    tags=("liburing", "msg_ring"),
    expect={"IOPOLL target ready": 1, "CQE32 target ready": 1},
)
def ls_msg_ring_to_iopoll_and_cqe32(L: Any) -> Gen:
    """MSG_RING to an IOPOLL ring and to a CQE32 ring: the message is posted on the target at once (the
    IOPOLL target's lock is taken for it) and carries data and len as usual."""
    a = yield from new_ring(L, 8)
    for label, flags in (("IOPOLL", IORING_SETUP_IOPOLL), ("CQE32", IORING_SETUP_CQE32)):
        b = yield from new_ring(L, 4, flags)
        msg_ring(L, a, b.ring_fd, 8, 0x88, 1)
        yield from submit_and_reap(L, a, 1)
        L.record(f"{label} target ready", L.io_uring_cq_ready(b))
        reap_ready(L, b)
        yield from L.io_uring_queue_exit(b)
    yield from L.io_uring_queue_exit(a)


@scenario(
    "ls-ring-fd-file-ops",
    tags=("liburing", "setup"),
    expect={"read": -22, "write": -22},
)
def ls_ring_fd_file_ops(L: Any) -> Gen:
    """io_uring_setup(2) returns a file descriptor that only io_uring_enter, io_uring_register, mmap and
    poll make sense on: read(2) and write(2) on it fail with -EINVAL; lseek(2) and ftruncate(2) fail too
    (the kernel's errnos are recorded)."""
    ring = yield from new_ring(L, 4)
    buf = bytearray(16)
    L.record("read", (yield from L.read(ring.ring_fd, buf, 16)))
    L.record("write", (yield from L.write(ring.ring_fd, b"x" * 8, 8)))
    L.record("lseek", (yield from L.lseek(ring.ring_fd, 0, L.SEEK_SET)))
    L.record("ftruncate", (yield from L.ftruncate(ring.ring_fd, 0)))
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-setup-all-bad",
    tags=("liburing", "setup"),
    expect={"every resv word set": -22, "every flag bit set": -22},
)
def ls_setup_all_bad(L: Any) -> Gen:
    """io_uring_setup(2): every reserved word set, and every flag bit set, are -EINVAL."""
    yield from try_setup(L, "every resv word set", 1, 0, resv=[1, 1, 1])
    yield from try_setup(L, "every flag bit set", 1, 0xFFFF_FFFF)


@scenario(
    "ls-defer-taskrun-fresh-ring",
    tags=("liburing", "delivery"),
    expect={"get_events": 0, "wait with timeout": -62, "ready": 0},
)
def ls_defer_taskrun_fresh_ring(L: Any) -> Gen:
    """A DEFER_TASKRUN ring belongs to its creator from io_uring_setup(2) on: before anything was
    submitted, io_uring_get_events(3) returns 0 and a 1 ms wait ends with -ETIME (not -EEXIST)."""
    ring = yield from new_ring(L, 4, SI_DT)
    L.record("get_events", (yield from L.io_uring_get_events(ring)))
    cqe = L.Cqe()
    L.record("wait with timeout", (yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, 1_000_000))))
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-msg-ring-defer-target-overflow",
    tags=("liburing", "msg_ring", "overflow", "delivery"),
    expect={"ready before": 0, "target reaped": 6},
)
def ls_msg_ring_defer_target_overflow(L: Any) -> Gen:
    """Six messages to a DEFER_TASKRUN ring with a 2-entry CQ, one with IORING_MSG_RING_FLAGS_PASS: the
    sender gets six 0s; the target, when it waits, posts them through its overflow list and reaps all six
    in the order sent, the passed flags on the right one."""
    a = yield from new_ring(L, 8)
    b = yield from new_ring(L, 1, SI_DT)
    for i in range(6):
        if i == 3:
            sqe = L.io_uring_get_sqe(a)
            L.io_uring_prep_msg_ring_cqe_flags(sqe, b.ring_fd, i, 0x600 + i, 0, 0x20000)
            L.io_uring_sqe_set_data64(sqe, i)
        else:
            msg_ring(L, a, b.ring_fd, i, 0x600 + i, i)
    yield from submit_and_reap(L, a, 6)
    L.record("ready before", L.io_uring_cq_ready(b))
    L.record("target reaped", (yield from reap_count(L, b, 6)))
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("ls-msg-ring-from-defer-to-sqpoll", tags=("liburing", "msg_ring", "sqpoll"), expect={"target ready": 1})
def ls_msg_ring_from_defer_to_sqpoll(L: Any) -> Gen:
    """MSG_RING sent from a DEFER_TASKRUN ring to an SQPOLL ring: the sender's own CQE is posted at
    submission, and the target (not DEFER_TASKRUN) gets its CQE posted directly."""
    a = yield from new_ring(L, 8, SI_DT)
    b = yield from new_ring(L, 4, IORING_SETUP_SQPOLL)
    msg_ring(L, a, b.ring_fd, 9, 0x99, 1)
    yield from submit_and_reap(L, a, 1)
    L.record("target ready", L.io_uring_cq_ready(b))
    reap_ready(L, b)
    yield from L.io_uring_queue_exit(a)
    yield from L.io_uring_queue_exit(b)


@scenario("ls-sqpoll-no-sqarray", tags=("liburing", "sqpoll", "nop"))
def ls_sqpoll_no_sqarray(L: Any) -> Gen:
    """IORING_SETUP_SQPOLL|NO_SQARRAY: the SQ thread takes SQEs in ring order without the index array;
    three NOPs submitted through it complete in order."""
    ring = yield from new_ring(L, 4, IORING_SETUP_SQPOLL | IORING_SETUP_NO_SQARRAY)
    for ud in (1, 2, 3):
        nop(L, ring, ud)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-iopoll-getevents-does-not-sleep",
    tags=("liburing", "enter"),
    expect={"GETEVENTS min 1, empty": 0, "EXT_ARG 1 ms, empty": 0, "EXT_ARG bad size": -22, "EXT_ARG NULL": -14},
)
def ls_iopoll_getevents_does_not_sleep(L: Any) -> Gen:
    """io_uring_enter(2) on an IORING_SETUP_IOPOLL ring: GETEVENTS polls for completions instead of
    sleeping, and with nothing to poll it returns 0 at once even with the CQ empty and min_complete 1;
    an EXT_ARG timeout is then never reached (0, not -ETIME), but the argument is still checked (a wrong
    size is -EINVAL, a NULL one -EFAULT).  A NOP on the ring completes as usual."""
    ring = yield from new_ring(L, 4, IORING_SETUP_IOPOLL)
    L.record("GETEVENTS min 1, empty", (yield from L.io_uring_enter(ring.ring_fd, 0, 1, IORING_ENTER_GETEVENTS, None)))
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG
    arg = L.GeteventsArg(ts=L.Timespec(0, 1_000_000))
    L.record("EXT_ARG 1 ms, empty", (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags, arg, GETEVENTS_ARG_SIZE)))
    L.record("EXT_ARG bad size", (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags, arg, 16)))
    L.record("EXT_ARG NULL", (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags, None, GETEVENTS_ARG_SIZE)))
    nop(L, ring, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


def _one(L: Any, ring: Any, user_data: int, prep: Any, *args: Any) -> Gen:
    """Queue one SQE prepared by ``prep(sqe, *args)``, submit it and reap its CQE."""
    sqe = L.io_uring_get_sqe(ring)
    prep(sqe, *args)
    L.io_uring_sqe_set_data64(sqe, user_data)
    yield from submit_and_reap(L, ring, 1)


@scenario("ls-iopoll-ops", tags=("liburing", "sqe", "pipe"))
def ls_iopoll_ops(L: Any) -> Gen:
    """io_uring_setup(2), IORING_SETUP_IOPOLL: only opcodes that support polled completion may be used on
    the ring; TIMEOUT, POLL_ADD and ASYNC_CANCEL are refused at submission with -EINVAL, NOP and MSG_RING
    (to another ring, which gets the message) run; a READ and a WRITE on a pipe (no polled I/O) are
    -EOPNOTSUPP, a READ of the pipe's write end -EBADF.  Also on a DEFER_TASKRUN ring."""
    for base, flags in ((0, IORING_SETUP_IOPOLL), (100, IORING_SETUP_IOPOLL | SI_DT)):
        ring = yield from new_ring(L, 4, flags)
        other = yield from new_ring(L, 4)
        fds = yield from new_pipe(L)
        buf = bytearray(8)

        yield from _one(L, ring, base + 1, L.io_uring_prep_timeout, L.Timespec(0, 1_000_000), 0, 0)
        yield from _one(L, ring, base + 2, L.io_uring_prep_poll_add, fds[0], 1)
        yield from _one(L, ring, base + 3, L.io_uring_prep_cancel64, 12345, 0)
        yield from _one(L, ring, base + 4, L.io_uring_prep_nop)
        yield from _one(L, ring, base + 5, L.io_uring_prep_msg_ring, other.ring_fd, 5, base + 5, 0)
        yield from _one(L, ring, base + 6, L.io_uring_prep_read, fds[0], buf, 8, 0)
        yield from _one(L, ring, base + 7, L.io_uring_prep_write, fds[1], b"hi", 2, 0)
        yield from _one(L, ring, base + 8, L.io_uring_prep_read, fds[1], buf, 8, 0)  # write end: not readable
        yield from reap(L, other, 1)
        yield from L.io_uring_queue_exit(other)
        yield from L.close(fds[0])
        yield from L.close(fds[1])
        yield from L.io_uring_queue_exit(ring)


@scenario("ls-iopoll-async-nop", tags=("liburing", "enter", "sqe"), expect={"IOPOLL ready": 1, "IOPOLL|DEFER_TASKRUN ready": 1})
def ls_iopoll_async_nop(L: Any) -> Gen:
    """A NOP with IOSQE_ASYNC on an IORING_SETUP_IOPOLL ring (and one with DEFER_TASKRUN): io-wq runs it,
    and its CQE is there for the GETEVENTS poll that follows 5 ms later (the ring polls, it never sleeps)."""
    for label, flags in (("IOPOLL", IORING_SETUP_IOPOLL), ("IOPOLL|DEFER_TASKRUN", IORING_SETUP_IOPOLL | SI_DT)):
        ring = yield from new_ring(L, 4, flags)
        nop(L, ring, 7, IOSQE_ASYNC)
        L.record(f"{label} submit", (yield from L.io_uring_submit(ring)))
        yield from L.nanosleep(L.Timespec(0, 5_000_000), None)  # time enough for io-wq
        yield from L.io_uring_enter(ring.ring_fd, 0, 1, IORING_ENTER_GETEVENTS, None)
        L.record(f"{label} ready", L.io_uring_cq_ready(ring))
        reap_ready(L, ring)
        yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-enter-u32-counts",
    tags=("liburing", "enter"),
    expect={"to_submit -1": 2, "min_complete -1, 1 ms": 0},
)
def ls_enter_u32_counts(L: Any) -> Gen:
    """io_uring_enter(2) takes to_submit and min_complete as unsigned ints: -1 is 2^32-1.  To_submit -1
    submits every SQE published (2); GETEVENTS with min_complete -1 waits for a full CQ (the count is
    capped at the CQ size), so with one CQE and a 1 ms EXT_ARG timeout it returns 0 when the time is up."""
    ring = yield from new_ring(L, 4, IORING_SETUP_R_DISABLED)
    nop(L, ring, 1)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)  # publishes the tail; refused while disabled
    yield from L.io_uring_enable_rings(ring)
    L.record("to_submit -1", (yield from L.io_uring_enter(ring.ring_fd, -1, 0, 0, None)))
    yield from reap(L, ring, 1)
    arg = L.GeteventsArg(ts=L.Timespec(0, 1_000_000))
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG
    L.record("min_complete -1, 1 ms", (yield from L.io_uring_enter2(ring.ring_fd, 0, -1, flags, arg, GETEVENTS_ARG_SIZE)))
    L.record("ready", L.io_uring_cq_ready(ring))
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-register-argument-checks",
    tags=("liburing", "register"),
    expect={
        "ENABLE_RINGS nr_args 1, enabled ring": -22,
        "UNREGISTER_FILES none": -6,
        "UNREGISTER_FILES nr_args 1": -22,
        "fd -1, ENABLE_RINGS": -22,
        "registered index 0, empty": -9,
        "registered index 100": -22,
        "closed fd, opcode past the last": -22,
    },
)
def ls_register_argument_checks(L: Any) -> Gen:
    """io_uring_register(2): IORING_REGISTER_ENABLE_RINGS and IORING_UNREGISTER_FILES take no argument,
    and that is checked before the ring's state (nr_args 1 is -EINVAL even on a ring that is not
    disabled); unregistering files when none are registered is -ENXIO.  With fd -1 the call registers
    nothing on a ring ("blind" registrations): an opcode that is not one of those is -EINVAL.  With
    IORING_REGISTER_USE_REGISTERED_RING the fd is an index into the task's registered rings: an empty
    slot and an index past the table give the kernel's errnos.  An opcode past the last is -EINVAL
    before the fd is looked at."""
    ring = yield from new_ring(L, 4)
    fd = ring.ring_fd
    L.record("ENABLE_RINGS nr_args 1, enabled ring", (yield from L.io_uring_register(fd, IORING_REGISTER_ENABLE_RINGS, None, 1)))
    L.record("UNREGISTER_FILES none", (yield from L.io_uring_register(fd, IORING_UNREGISTER_FILES, None, 0)))
    L.record("UNREGISTER_FILES nr_args 1", (yield from L.io_uring_register(fd, IORING_UNREGISTER_FILES, None, 1)))
    L.record("fd -1, ENABLE_RINGS", (yield from L.io_uring_register(-1, IORING_REGISTER_ENABLE_RINGS, None, 0)))
    L.record("fd -1, unknown opcode", (yield from L.io_uring_register(-1, 200, None, 0)))
    registered = IORING_REGISTER_USE_REGISTERED_RING | IORING_REGISTER_ENABLE_RINGS
    L.record("registered index 0, empty", (yield from L.io_uring_register(0, registered, None, 0)))
    L.record("registered index 100", (yield from L.io_uring_register(100, registered, None, 0)))
    L.record("opcode past the last", (yield from L.io_uring_register(fd, IORING_REGISTER_LAST, None, 0)))
    L.record("closed fd, opcode past the last", (yield from L.io_uring_register(BAD_FD, IORING_REGISTER_LAST, None, 0)))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-msg-ring-overflow-target-kinds",
    tags=("liburing", "msg_ring", "overflow", "delivery"),
    expect={"plain ready": 4, "IOPOLL ready": 4, "DEFER_TASKRUN ready": 0, "DEFER_TASKRUN|IOPOLL ready": 4},
)
def ls_msg_ring_overflow_target_kinds(L: Any) -> Gen:
    """Eight MSG_RINGs into a target whose CQ holds 4 (IORING_SETUP_CQSIZE), for a plain, an IOPOLL, a
    DEFER_TASKRUN and a DEFER_TASKRUN|IOPOLL target: the sender gets eight 0s; a DEFER_TASKRUN target
    takes the messages as deferred work (nothing visible until it waits), but one that is also IOPOLL
    does not complete through its owner task and gets them posted at once like the others (the CQ full,
    the rest in the overflow list); every target then reaps all eight in order."""
    a = yield from new_ring(L, 8)
    for label, flags in (
        ("plain", 0),
        ("IOPOLL", IORING_SETUP_IOPOLL),
        ("DEFER_TASKRUN", SI_DT),
        ("DEFER_TASKRUN|IOPOLL", SI_DT | IORING_SETUP_IOPOLL),
    ):
        b = L.Ring()
        p = L.Params(flags=flags | IORING_SETUP_CQSIZE, cq_entries=4)
        if (yield from L.io_uring_queue_init_params(4, b, p)) < 0:
            continue
        for i in range(8):
            msg_ring(L, a, b.ring_fd, 0x10 + i, 0x1234, i + 1)
        yield from submit_and_reap(L, a, 8)
        L.record(f"{label} ready", L.io_uring_cq_ready(b))
        yield from reap(L, b, 8)
        yield from L.io_uring_queue_exit(b)
    yield from L.io_uring_queue_exit(a)


@scenario("ls-msg-ring-iopoll-to-self", tags=("liburing", "msg_ring", "iowq"))
def ls_msg_ring_iopoll_to_self(L: Any) -> Gen:
    """MSG_RING from an IOPOLL ring to itself (and from a DEFER_TASKRUN|IOPOLL one): the target is the
    sender, whose lock the submission holds, so the message is retried from io-wq; the ring then reaps
    the message's CQE and the sender's own, message first."""
    for ud, flags in ((1, IORING_SETUP_IOPOLL), (2, IORING_SETUP_IOPOLL | SI_DT)):
        ring = yield from new_ring(L, 4, flags)
        msg_ring(L, ring, ring.ring_fd, ud, 0x700 + ud, ud)
        yield from submit_and_reap(L, ring, 2)
        yield from L.io_uring_queue_exit(ring)


@scenario(
    "ls-setup-u32-sizes",
    tags=("liburing", "setup"),
    expect={
        "entries -1": -22,
        "entries -1 CLAMP": [IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES],
        "cq -1 CQSIZE|CLAMP": [4, IORING_MAX_CQ_ENTRIES],
        "entries 2^31 CLAMP": [IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES],
    },
)
def ls_setup_u32_sizes(L: Any) -> Gen:
    """io_uring_setup(2) takes entries, and the params' cq_entries, as unsigned 32-bit values: -1 is
    2^32-1, too many (-EINVAL) unless IORING_SETUP_CLAMP lowers it to the maximum; the same for 2^31."""
    yield from try_setup(L, "entries -1", -1)
    yield from try_setup(L, "entries -1 CLAMP", -1, IORING_SETUP_CLAMP)
    yield from try_setup(L, "cq -1 CQSIZE|CLAMP", 4, IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP, cq_entries=-1)
    yield from try_setup(L, "entries 2^31 CLAMP", 1 << 31, IORING_SETUP_CLAMP)


@scenario("ls-sqpoll-iopoll", tags=("liburing", "sqpoll", "nop"))
def ls_sqpoll_iopoll(L: Any) -> Gen:
    """IORING_SETUP_SQPOLL|IOPOLL: the SQ thread submits and polls; NOPs complete, a TIMEOUT (no polled
    completion) is refused with -EINVAL; the application waits for the CQEs as usual."""
    ring = yield from new_ring(L, 4, IORING_SETUP_SQPOLL | IORING_SETUP_IOPOLL)
    nop(L, ring, 1)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, L.Timespec(0, 1_000_000), 0, 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("ls-nop-tw-sqpoll-coop", tags=("liburing", "nop", "delivery", "sqpoll"))
def ls_nop_tw_sqpoll_coop(L: Any) -> Gen:
    """IORING_NOP_TW on an SQPOLL ring (the task work goes to the SQ thread, which runs it from its loop)
    and on a COOP_TASKRUN|TASKRUN_FLAG ring: each NOP completes with 0 and is reaped."""
    for ud, flags in ((1, IORING_SETUP_SQPOLL), (2, IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG)):
        ring = yield from new_ring(L, 4, flags)
        sqe = nop(L, ring, ud)
        sqe.nop_flags = IORING_NOP_TW
        yield from submit_and_reap(L, ring, 1)
        yield from L.io_uring_queue_exit(ring)
