"""io_uring_setup validation and ring geometry (io_uring-core.md, "Rings" and "Setup flags")."""

from __future__ import annotations

import pytest

from simuring.abi.errno import EBADFD, EEXIST, EFAULT, EINVAL, ENXIO
from simuring.host.current import current_task
from simuring.kernel.enter import ring_of
from simuring.kernel.setup import (
    DEFAULT_SQ_THREAD_IDLE_MS,
    FEATURES,
    FEATURES_WITHHELD,
    SETUP_FLAGS,
)
from simuring.libc.unistd import pipe
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_enable_rings,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_init,
    io_uring_queue_init_params,
    io_uring_setup,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.uapi import (
    IORING_SETUP_ATTACH_WQ,
    IORING_SETUP_CLAMP,
    IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQE_MIXED,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_FLAGS_ALL,
    IORING_SETUP_HYBRID_IOPOLL,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_NO_MMAP,
    IORING_SETUP_R_DISABLED,
    IORING_SETUP_REGISTERED_FD_ONLY,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_SETUP_SQ_AFF,
    IORING_SETUP_SQ_REWIND,
    IORING_SETUP_SQE_MIXED,
    IORING_SETUP_SQPOLL,
    IORING_SETUP_TASKRUN_FLAG,
    CqringOffsets,
    Params,
    SqringOffsets,
)
from tests.helpers.sim import run_task


def setup_result(runner, entries, flags=0, cq_entries=0, **pkw):
    out = {}

    def task():
        p = Params(flags=flags, cq_entries=cq_entries, **pkw)
        ring = Ring()
        out["ret"] = yield from io_uring_queue_init_params(entries, ring, p)
        out["p"] = p

    runner.spawn(task)
    runner.run()
    return out["ret"], out["p"]


@pytest.mark.parametrize(
    "flags",
    [
        IORING_SETUP_DEFER_TASKRUN,  # DEFER_TASKRUN needs SINGLE_ISSUER
        IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_SQPOLL,
        IORING_SETUP_TASKRUN_FLAG,  # needs COOP_TASKRUN or DEFER_TASKRUN
        IORING_SETUP_SQPOLL | IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_SQ_AFF,  # without SQPOLL
        1 << 30,  # unknown flag
    ],
)
def test_invalid_flag_combinations_are_einval(runner, flags):
    ret, _ = setup_result(runner, 8, flags)
    assert ret == -EINVAL


@pytest.mark.parametrize(
    "flags",
    [
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_SQPOLL,
    ],
)
def test_valid_flag_combinations(runner, flags):
    ret, p = setup_result(runner, 8, flags)
    assert ret == 0
    assert (p.sq_entries, p.cq_entries) == (8, 16)


@pytest.mark.parametrize(
    ("entries", "flags", "cq", "expect"),
    [
        (0, 0, 0, -EINVAL),
        (1, 0, 0, (1, 2)),
        (5, 0, 0, (8, 16)),
        (32768, 0, 0, (32768, 65536)),
        (32769, 0, 0, -EINVAL),
        (40000, IORING_SETUP_CLAMP, 0, (32768, 65536)),
        (8, IORING_SETUP_CQSIZE, 0, -EINVAL),
        (8, IORING_SETUP_CQSIZE, 4, -EINVAL),  # smaller than the SQ
        (8, IORING_SETUP_CQSIZE, 9, (8, 16)),  # rounded up
        (8, IORING_SETUP_CQSIZE, 65537, -EINVAL),
        (8, IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP, 70000, (8, 65536)),
        (-1, 0, 0, -EINVAL),  # u32: 2^32-1
        (-1, IORING_SETUP_CLAMP, 0, (32768, 65536)),
        (4, IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP, -1, (4, 65536)),
    ],
)
def test_entries_validation_and_rounding(runner, entries, flags, cq, expect):
    ret, p = setup_result(runner, entries, flags, cq)
    if isinstance(expect, int):
        assert ret == expect
    else:
        assert ret == 0
        assert (p.sq_entries, p.cq_entries) == expect


def test_reserved_params_are_einval(runner):
    ret, _ = setup_result(runner, 8, resv=[0, 1, 0])
    assert ret == -EINVAL


def test_sqpoll_affinity_to_missing_cpu_is_einval(runner):
    ret, _ = setup_result(runner, 8, IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF, sq_thread_cpu=99)
    assert ret == -EINVAL


def test_single_issuer_second_task_gets_eexist(runner):
    out = {}
    shared = {}

    def owner():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, IORING_SETUP_SINGLE_ISSUER)) == 0
        shared["ring"] = ring
        io_uring_prep_nop(io_uring_get_sqe(ring))
        out["owner"] = yield from io_uring_submit(ring)
        cqe = Cqe()
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0

    def other():
        from simuring.syscalls import nanosleep

        yield from nanosleep(50_000)
        ring = shared["ring"]
        io_uring_prep_nop(io_uring_get_sqe(ring))
        out["other"] = yield from io_uring_submit(ring)

    t = runner.spawn(owner)
    runner.spawn(other, process=t.process)  # a thread of the same process: same fd table
    runner.run()
    assert out == {"owner": 1, "other": -EEXIST}


def test_r_disabled_ring_refuses_enter_until_enabled_and_enabler_becomes_owner(runner):
    out = {}
    shared = {}

    def creator():
        ring = Ring()
        flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_R_DISABLED
        assert (yield from io_uring_queue_init(8, ring, flags)) == 0
        shared["ring"] = ring
        io_uring_prep_nop(io_uring_get_sqe(ring))
        out["before_enable"] = yield from io_uring_submit(ring)

    def enabler():
        from simuring.syscalls import nanosleep

        yield from nanosleep(50_000)
        ring = shared["ring"]
        out["enable"] = yield from io_uring_enable_rings(ring)
        out["after_enable"] = yield from io_uring_submit(ring)  # the NOP still in the SQ

    t = runner.spawn(creator)
    runner.spawn(enabler, process=t.process)
    runner.run()
    assert out == {"before_enable": -EBADFD, "enable": 0, "after_enable": 1}


@pytest.mark.parametrize(
    "flags",
    [
        IORING_SETUP_REGISTERED_FD_ONLY,
        IORING_SETUP_HYBRID_IOPOLL,
        IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED,
    ],
)
def test_setup_flags_that_need_or_exclude_another_are_einval(flags):
    def body():
        return (yield from io_uring_queue_init_params(8, Ring(), Params(flags=flags)))

    assert run_task(body) == -EINVAL


def test_setup_flag_dependencies_met_are_accepted():
    def body():
        ok1 = yield from io_uring_queue_init_params(8, Ring(), Params(flags=IORING_SETUP_HYBRID_IOPOLL | IORING_SETUP_IOPOLL))
        ok2 = yield from io_uring_queue_init_params(8, Ring(), no_mmap_params(IORING_SETUP_REGISTERED_FD_ONLY))
        return ok1, ok2

    assert run_task(body) == (0, 0)


def no_mmap_params(flags=0):
    """IORING_SETUP_NO_MMAP with the ring memory the application provides."""
    return Params(
        flags=IORING_SETUP_NO_MMAP | flags,
        sq_off=SqringOffsets(user_addr=bytearray(4096)),
        cq_off=CqringOffsets(user_addr=bytearray(4096)),
    )


@pytest.mark.parametrize(
    "memory",
    [
        {},  # none: user_addr 0
        {"sq_off": SqringOffsets(user_addr=bytearray(4096))},  # only the SQEs
        {"cq_off": CqringOffsets(user_addr=bytearray(4096))},  # only the rings
        {"sq_off": SqringOffsets(user_addr=b"x" * 4096), "cq_off": CqringOffsets(user_addr=bytearray(4096))},  # read-only
    ],
)
def test_no_mmap_without_writable_ring_memory_is_efault(memory):
    """io_create_region: a user-memory region needs its user_addr (-EFAULT otherwise)."""

    def body():
        return (yield from io_uring_setup(8, Params(flags=IORING_SETUP_NO_MMAP, **memory)))

    assert run_task(body) == -EFAULT


def test_no_mmap_with_ring_memory_is_accepted():
    def body():
        return (yield from io_uring_setup(8, no_mmap_params()))

    assert run_task(body) >= 0


@pytest.mark.parametrize("flag", [IORING_SETUP_SQE_MIXED, IORING_SETUP_SQ_REWIND])
def test_setup_flags_newer_than_linux_6_18_are_einval(flag):
    """The modelled kernel is Linux 6.18: SQE_MIXED (6.19) and SQ_REWIND (7.0) are unknown flags."""

    def body():
        return (yield from io_uring_setup(8, Params(flags=flag)))

    assert run_task(body) == -EINVAL
    assert SETUP_FLAGS == IORING_SETUP_FLAGS_ALL & ~(IORING_SETUP_SQE_MIXED | IORING_SETUP_SQ_REWIND)


@pytest.mark.parametrize("flags", [0, IORING_SETUP_SQPOLL])
def test_sq_thread_idle_is_not_written_back(flags):
    """io_sq_offload_create applies the 1 s default inside the kernel; params keep the caller's value."""

    def body():
        p = Params(flags=flags)
        fd = yield from io_uring_setup(8, p)
        return fd, p.sq_thread_idle

    fd, idle = run_task(body)
    assert fd >= 0
    assert idle == 0


def test_sqpoll_thread_idles_the_default_second_when_sq_thread_idle_is_0():
    """The default still applies: the SQ thread sets NEED_WAKEUP after 1 s without work."""

    def body():
        fd = yield from io_uring_setup(8, Params(flags=IORING_SETUP_SQPOLL))
        return ring_of(current_task(), fd).sqpoll.idle_ns

    assert run_task(body) == DEFAULT_SQ_THREAD_IDLE_MS * 1_000_000


def test_features_are_linux_6_18s_but_the_withheld_bits():
    def body():
        p = Params()
        yield from io_uring_setup(8, p)
        return p.features

    features = run_task(body)
    assert features == FEATURES
    assert features | FEATURES_WITHHELD == 0x3FFFF  # Linux 6.18's IORING_FEAT_FLAGS
    assert not features & FEATURES_WITHHELD


def attach_wq_result(wq_fd_of, flags=0):
    """io_uring_setup with ATTACH_WQ | flags and wq_fd = wq_fd_of(ring fd, pipe read fd)."""

    def body():
        fds = [0, 0]
        yield from pipe(fds)
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, flags & IORING_SETUP_SQPOLL)) == 0
        p = Params(flags=IORING_SETUP_ATTACH_WQ | flags, wq_fd=wq_fd_of(ring.ring_fd, fds[0]))
        return (yield from io_uring_setup(4, p))

    return run_task(body)


@pytest.mark.parametrize("flags", [0, IORING_SETUP_SQPOLL])
def test_attach_wq_checks_wq_fd(flags):
    """io_sq_offload_create / io_attach_sq_data: not open -ENXIO, not a ring -EINVAL, a ring accepted."""
    assert attach_wq_result(lambda ring, pipe_fd: 100_000, flags) == -ENXIO
    assert attach_wq_result(lambda ring, pipe_fd: pipe_fd, flags) == -EINVAL
    assert attach_wq_result(lambda ring, pipe_fd: ring, flags) >= 0


def test_sqpoll_attach_wq_to_a_ring_without_sq_thread_is_einval():
    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        p = Params(flags=IORING_SETUP_ATTACH_WQ | IORING_SETUP_SQPOLL, wq_fd=ring.ring_fd)
        return (yield from io_uring_setup(4, p))

    assert run_task(body) == -EINVAL
