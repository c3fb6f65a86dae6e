"""io_uring_setup(2): argument validation and what the kernel writes back into the params."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, nop, reap, try_setup
from simuring.kernel.setup import FEATURES_WITHHELD
from simuring.uapi import (
    IORING_ENTER_GETEVENTS,
    IORING_FEAT_EXT_ARG,
    IORING_FEAT_NODROP,
    IORING_FEAT_SINGLE_MMAP,
    IORING_MAX_CQ_ENTRIES,
    IORING_MAX_ENTRIES,
    IORING_REGISTER_ENABLE_RINGS,
    IORING_SETUP_ATTACH_WQ,
    IORING_SETUP_CLAMP,
    IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQE_MIXED,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_HYBRID_IOPOLL,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_NO_MMAP,
    IORING_SETUP_NO_SQARRAY,
    IORING_SETUP_R_DISABLED,
    IORING_SETUP_REGISTERED_FD_ONLY,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_SETUP_SQ_AFF,
    IORING_SETUP_SQ_REWIND,
    IORING_SETUP_SQE128,
    IORING_SETUP_SQE_MIXED,
    IORING_SETUP_SQPOLL,
    IORING_SETUP_SUBMIT_ALL,
    IORING_SETUP_TASKRUN_FLAG,
)

BAD_FD = 100_000  # not an open descriptor in either process


@scenario(
    "setup-entries-bounds",
    tags=("setup",),
    expect={"entries=0": -22, "entries=max+1": -22, "entries=max+1 CLAMP": [IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES]},
)
def setup_entries_bounds(L: Any) -> Gen:
    """io_uring_setup(2): 0 entries and more than IORING_MAX_ENTRIES are -EINVAL; with
    IORING_SETUP_CLAMP the SQ is clamped to the maximum (and the CQ to twice that)."""
    yield from try_setup(L, "entries=0", 0)
    yield from try_setup(L, "entries=max+1", IORING_MAX_ENTRIES + 1)
    yield from try_setup(L, "entries=max+1 CLAMP", IORING_MAX_ENTRIES + 1, IORING_SETUP_CLAMP)


@scenario(
    "setup-entries-rounding",
    tags=("setup",),
    expect={"entries=1": [1, 2], "entries=3": [4, 8], "entries=100": [128, 256]},
)
def setup_entries_rounding(L: Any) -> Gen:
    """io_uring_setup(2): the SQ size is rounded up to a power of two and the CQ is twice the SQ."""
    for n in (1, 3, 100):
        yield from try_setup(L, f"entries={n}", n)


@scenario(
    "setup-bad-flags-and-resv",
    tags=("setup",),
    expect={"flag bit 31": -22, "resv[1]=1": -22},
)
def setup_bad_flags_and_resv(L: Any) -> Gen:
    """io_uring_setup(2): an unknown setup flag and a non-zero reserved params word are -EINVAL."""
    yield from try_setup(L, "flag bit 31", 4, 1 << 31)
    yield from try_setup(L, "resv[1]=1", 4, 0, resv=[0, 1, 0])


@scenario(
    "setup-cqsize",
    tags=("setup",),
    expect={
        "cq=100": [4, 128],
        "cq=0": -22,
        "cq<sq": -22,
        "cq too big": -22,
        "cq too big CLAMP": [4, IORING_MAX_CQ_ENTRIES],
    },
)
def setup_cqsize(L: Any) -> Gen:
    """io_uring_setup(2) with IORING_SETUP_CQSIZE: cq_entries is rounded up to a power of two;
    0 or fewer than the SQ entries is -EINVAL; more than the maximum is -EINVAL, or clamped with CLAMP."""
    yield from try_setup(L, "cq=100", 4, IORING_SETUP_CQSIZE, cq_entries=100)
    yield from try_setup(L, "cq=0", 4, IORING_SETUP_CQSIZE, cq_entries=0)
    yield from try_setup(L, "cq<sq", 16, IORING_SETUP_CQSIZE, cq_entries=8)
    yield from try_setup(L, "cq too big", 4, IORING_SETUP_CQSIZE, cq_entries=IORING_MAX_CQ_ENTRIES + 1)
    yield from try_setup(L, "cq too big CLAMP", 4, IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP, cq_entries=IORING_MAX_CQ_ENTRIES + 1)


@scenario(
    "setup-flag-combinations",
    tags=("setup",),
    expect={
        "DEFER_TASKRUN alone": -22,
        "DEFER_TASKRUN|SINGLE_ISSUER": [4, 8],
        "TASKRUN_FLAG alone": -22,
        "TASKRUN_FLAG|COOP_TASKRUN": [4, 8],
        "SQ_AFF alone": -22,
        "SQPOLL|COOP_TASKRUN": -22,
    },
)
def setup_flag_combinations(L: Any) -> Gen:
    """io_uring_setup(2): DEFER_TASKRUN needs SINGLE_ISSUER, TASKRUN_FLAG needs COOP_TASKRUN (or
    DEFER_TASKRUN), SQ_AFF needs SQPOLL, and SQPOLL refuses COOP_TASKRUN; each is -EINVAL otherwise."""
    yield from try_setup(L, "DEFER_TASKRUN alone", 4, IORING_SETUP_DEFER_TASKRUN)
    yield from try_setup(L, "DEFER_TASKRUN|SINGLE_ISSUER", 4, IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER)
    yield from try_setup(L, "TASKRUN_FLAG alone", 4, IORING_SETUP_TASKRUN_FLAG)
    yield from try_setup(L, "TASKRUN_FLAG|COOP_TASKRUN", 4, IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_COOP_TASKRUN)
    yield from try_setup(L, "SQ_AFF alone", 4, IORING_SETUP_SQ_AFF)
    yield from try_setup(L, "SQPOLL|COOP_TASKRUN", 4, IORING_SETUP_SQPOLL | IORING_SETUP_COOP_TASKRUN)


@scenario(
    "setup-params-written-back",
    tags=("setup", "sqpoll"),
    expect={"sizes": [8, 16], "sq_thread_idle": 0, "basic features": 1, "SQPOLL sq_thread_idle": 0},
)
def setup_params_written_back(L: Any) -> Gen:
    """io_uring_setup(2): the kernel fills sq_entries, cq_entries and features (at least
    SINGLE_MMAP, NODROP and EXT_ARG on any 6.x kernel); sq_thread_idle is an input and is left as
    the caller passed it (0), with or without IORING_SETUP_SQPOLL (the 1 s default is applied
    inside the kernel, not written back)."""
    p = L.Params()
    fd = yield from L.io_uring_setup(8, p)
    if fd < 0:
        return
    L.record("sizes", [p.sq_entries, p.cq_entries])
    L.record("sq_thread_idle", p.sq_thread_idle)
    basic = IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_EXT_ARG
    L.record("basic features", int(p.features & basic == basic))
    yield from L.close(fd)
    p = L.Params(flags=IORING_SETUP_SQPOLL)
    fd = yield from L.io_uring_setup(8, p)
    if fd >= 0:
        L.record("SQPOLL sq_thread_idle", p.sq_thread_idle)
        yield from L.close(fd)


@scenario("setup-features", tags=("setup",))
def setup_features(L: Any) -> Gen:
    """io_uring_setup(2): the IORING_FEAT_* word the kernel reports, every bit but those simuring
    withholds on purpose (FEATURES_WITHHELD: features whose interface it lacks, so code testing the bit
    would rely on what it cannot do; docs/kernel.md gives each bit's reason).  simuring reports what
    the Linux version it models reports otherwise, so a new kernel bit shows here."""
    p = L.Params()
    fd = yield from L.io_uring_setup(8, p)
    if fd >= 0:
        L.record("features", hex(p.features & ~FEATURES_WITHHELD))
        yield from L.close(fd)


# -- every setup flag on its own ------------------------------------------------------------------
#: What the flag means, the extra params given with it, and what io_uring_setup(2) promises for the flag
#: on its own: a ring of 4 / 8 entries (CQSIZE: 16), -EINVAL (a flag that needs another), or None where
#: the answer depends on the kernel version (newer flags) and the kernel decides.
SQ_CQ = [4, 8]
EINVAL_ = -22
FLAGS_ALONE: tuple[tuple[str, int, dict[str, int], str, Any], ...] = (
    ("IOPOLL", IORING_SETUP_IOPOLL, {}, "busy-poll completions; needs nothing else at setup", SQ_CQ),
    ("SQPOLL", IORING_SETUP_SQPOLL, {}, "a kernel thread polls the SQ; allowed on its own", SQ_CQ),
    ("SQ_AFF", IORING_SETUP_SQ_AFF, {}, "pins the SQ thread, so it needs SQPOLL", EINVAL_),
    ("CQSIZE", IORING_SETUP_CQSIZE, {"cq_entries": 16}, "takes the CQ size from cq_entries (16 here)", [4, 16]),
    ("CLAMP", IORING_SETUP_CLAMP, {}, "clamps sizes instead of failing; harmless on its own", SQ_CQ),
    ("ATTACH_WQ", IORING_SETUP_ATTACH_WQ, {"wq_fd": BAD_FD}, "shares the io-wq of the ring named by wq_fd, here a descriptor that is not open", None),
    ("R_DISABLED", IORING_SETUP_R_DISABLED, {}, "creates the ring disabled until IORING_REGISTER_ENABLE_RINGS", SQ_CQ),
    ("SUBMIT_ALL", IORING_SETUP_SUBMIT_ALL, {}, "keeps submitting after an SQE fails", SQ_CQ),
    ("COOP_TASKRUN", IORING_SETUP_COOP_TASKRUN, {}, "no IPI for task work", SQ_CQ),
    ("TASKRUN_FLAG", IORING_SETUP_TASKRUN_FLAG, {}, "sets IORING_SQ_TASKRUN, which needs COOP_TASKRUN or DEFER_TASKRUN", EINVAL_),
    ("SQE128", IORING_SETUP_SQE128, {}, "128-byte SQEs", SQ_CQ),
    ("CQE32", IORING_SETUP_CQE32, {}, "32-byte CQEs", SQ_CQ),
    ("SINGLE_ISSUER", IORING_SETUP_SINGLE_ISSUER, {}, "only one task submits", SQ_CQ),
    ("DEFER_TASKRUN", IORING_SETUP_DEFER_TASKRUN, {}, "defers task work to GETEVENTS, which needs SINGLE_ISSUER", EINVAL_),
    ("NO_MMAP", IORING_SETUP_NO_MMAP, {}, "the application provides the ring memory, here none", None),
    ("REGISTERED_FD_ONLY", IORING_SETUP_REGISTERED_FD_ONLY, {}, "returns a registered ring index, which needs NO_MMAP", EINVAL_),
    ("NO_SQARRAY", IORING_SETUP_NO_SQARRAY, {}, "SQ entries are used in ring order, without the index array", SQ_CQ),
    ("HYBRID_IOPOLL", IORING_SETUP_HYBRID_IOPOLL, {}, "sleeps before polling, which needs IOPOLL", EINVAL_),
    ("CQE_MIXED", IORING_SETUP_CQE_MIXED, {}, "16- and 32-byte CQEs in one CQ", None),
    ("SQE_MIXED", IORING_SETUP_SQE_MIXED, {}, "64- and 128-byte SQEs in one SQ", None),
    ("SQ_REWIND", IORING_SETUP_SQ_REWIND, {}, "a bit newer than some kernels", None),
)


def _flag_alone(label: str, flag: int, fields: dict[str, int], what: str, expected: Any) -> None:
    def body(L: Any) -> Gen:
        yield from try_setup(L, label, 4, flag, **fields)

    body.__name__ = body.__qualname__ = f"setup_flag_{label.lower()}"
    body.__doc__ = (
        f"io_uring_setup(2) with IORING_SETUP_{label} alone ({what}): the ring is created (its sizes "
        "recorded) or the call fails with the errno the kernel gives."
    )
    expect = {label: expected} if expected is not None else None
    scenario(f"setup-flag-{label.lower().replace('_', '-')}", tags=("setup", "setup-flags"), expect=expect)(body)


for _entry in FLAGS_ALONE:
    _flag_alone(*_entry)


@scenario("setup-attach-wq", tags=("setup", "iowq"), expect={"bad fd": -6, "pipe fd": -22, "ring fd": [4, 8]})
def setup_attach_wq(L: Any) -> Gen:
    """IORING_SETUP_ATTACH_WQ shares the io-wq of the ring whose fd is in wq_fd: a descriptor that is not
    open is refused (the kernel says -ENXIO), an open file that is not a ring (a pipe) is -EINVAL, another
    ring is accepted."""
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from try_setup(L, "bad fd", 4, IORING_SETUP_ATTACH_WQ, wq_fd=BAD_FD)
    yield from try_setup(L, "pipe fd", 4, IORING_SETUP_ATTACH_WQ, wq_fd=fds[0])
    ring = yield from new_ring(L, 4)
    yield from try_setup(L, "ring fd", 4, IORING_SETUP_ATTACH_WQ, wq_fd=ring.ring_fd)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "setup-attach-wq-sqpoll",
    tags=("setup", "sqpoll"),
    expect={"bad fd": -6, "pipe fd": -22, "ring without SQ thread": -22, "SQPOLL ring": [4, 8]},
)
def setup_attach_wq_sqpoll(L: Any) -> Gen:
    """IORING_SETUP_SQPOLL|ATTACH_WQ shares the SQ thread of the ring named by wq_fd: a descriptor that is
    not open is -ENXIO, a pipe -EINVAL, a ring without an SQ thread -EINVAL too; an SQPOLL ring of the same
    process is accepted."""
    fds = [0, 0]
    yield from L.pipe(fds)
    flags = IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ
    yield from try_setup(L, "bad fd", 4, flags, wq_fd=BAD_FD)
    yield from try_setup(L, "pipe fd", 4, flags, wq_fd=fds[0])
    plain = yield from new_ring(L, 4)
    yield from try_setup(L, "ring without SQ thread", 4, flags, wq_fd=plain.ring_fd)
    polled = yield from new_ring(L, 4, IORING_SETUP_SQPOLL)
    yield from try_setup(L, "SQPOLL ring", 4, flags, wq_fd=polled.ring_fd)
    yield from L.io_uring_queue_exit(polled)
    yield from L.io_uring_queue_exit(plain)


@scenario("setup-sq-aff-cpu", tags=("setup", "sqpoll"), expect={"cpu 0": [4, 8], "cpu out of range": -22})
def setup_sq_aff_cpu(L: Any) -> Gen:
    """IORING_SETUP_SQPOLL|SQ_AFF pins the SQ thread to sq_thread_cpu: CPU 0 is accepted, a CPU number no
    machine has is -EINVAL."""
    yield from try_setup(L, "cpu 0", 4, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, sq_thread_cpu=0)
    yield from try_setup(L, "cpu out of range", 4, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, sq_thread_cpu=100_000)


@scenario(
    "setup-clamp-huge",
    tags=("setup",),
    expect={
        "entries 2^32-1 CLAMP": [IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES],
        "cq 2^32-1 CQSIZE|CLAMP": [1, IORING_MAX_CQ_ENTRIES],
        "cq ignored without CQSIZE": [1, 2],
    },
)
def setup_clamp_huge(L: Any) -> Gen:
    """IORING_SETUP_CLAMP with the largest 32-bit sizes: entries 2^32-1 is clamped to IORING_MAX_ENTRIES
    (CQ twice that), a CQSIZE of 2^32-1 to the CQ maximum; without CQSIZE, cq_entries is ignored."""
    yield from try_setup(L, "entries 2^32-1 CLAMP", 0xFFFF_FFFF, IORING_SETUP_CLAMP)
    yield from try_setup(L, "cq 2^32-1 CQSIZE|CLAMP", 1, IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP, cq_entries=0xFFFF_FFFF)
    yield from try_setup(L, "cq ignored without CQSIZE", 1, IORING_SETUP_CLAMP, cq_entries=0xFFFF_FFFF)


@scenario(
    "setup-r-disabled-ring",
    tags=("setup", "register"),
    expect={"getevents while disabled": -77, "register files while disabled": 0, "enable with nr_args": -22, "enable": 0},
)
def setup_r_disabled_ring(L: Any) -> Gen:
    """A ring created with IORING_SETUP_R_DISABLED refuses io_uring_enter even only to wait (-EBADFD) but
    accepts registrations (files: 0); IORING_REGISTER_ENABLE_RINGS takes no argument (nr_args 1 is
    -EINVAL), then enables it and a NOP goes through."""
    ring = yield from new_ring(L, 4, IORING_SETUP_R_DISABLED)
    fds = [0, 0]
    yield from L.pipe(fds)
    L.record("getevents while disabled", (yield from L.io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, None)))
    L.record("register files while disabled", (yield from L.io_uring_register_files(ring, [fds[0]], 1)))
    L.record("enable with nr_args", (yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, None, 1)))
    L.record("enable", (yield from L.io_uring_enable_rings(ring)))
    nop(L, ring, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)
