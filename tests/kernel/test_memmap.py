"""Mapped regions (simuring.kernel.memmap): mmap(2) of a ring fd, IORING_REGISTER_MEM_REGION and
IORING_ENTER_EXT_ARG_REG.  Bad offsets, lengths and descriptors are -errno, never exceptions."""

from __future__ import annotations

from typing import Any

import pytest

from simuring.abi.errno import E2BIG, EBADF, EBUSY, EFAULT, EINVAL, ENOMEM, EOVERFLOW, ETIME
from simuring.abi.io_uring import (
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_EXT_ARG_REG,
    IORING_ENTER_GETEVENTS,
    IORING_MEM_REGION_REG_WAIT_ARG,
    IORING_MEM_REGION_TYPE_USER,
    IORING_OFF_PBUF_RING,
    IORING_OFF_PBUF_SHIFT,
    IORING_OFF_SQ_RING,
    IORING_OFF_SQES,
    IORING_REG_WAIT_TS,
    IORING_REGISTER_MEM_REGION,
    IORING_SETUP_NO_MMAP,
    IORING_SETUP_R_DISABLED,
    IOU_PBUF_RING_MMAP,
    BufReg,
    BufRing,
    Params,
)
from simuring.abi.posix import MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE
from simuring.abi.regions import (
    IORING_MAP_OFF_PARAM_REGION,
    REG_WAIT_SIZE,
    MemRegionReg,
    RegionDesc,
    RegWait,
    reg_wait_load,
    reg_wait_store,
)
from simuring.host.current import current_task
from simuring.kernel.files import files_of
from simuring.kernel.kbuf import KbufRing
from simuring.kernel.rings import SharedRings
from simuring.libc.mman import mmap, munmap
from simuring.libc.unistd import close
from simuring.liburing import (
    Ring,
    io_uring_enable_rings,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_queue_init_params,
    io_uring_register_buf_ring,
    io_uring_register_region,
    io_uring_unregister_buf_ring,
)
from simuring.liburing.syscall import io_uring_enter2, io_uring_register, io_uring_setup
from tests.helpers.sim import run_task

RW = PROT_READ | PROT_WRITE
PAGE = 4096
WAIT_REG = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG


def _ring(flags: int = 0, entries: int = 8) -> Any:
    ring = Ring()
    assert (yield from io_uring_queue_init(entries, ring, flags)) == 0
    return ring


def _map(ring: Ring, length: int, offset: Any) -> Any:
    return (yield from mmap(None, length, RW, MAP_SHARED, ring.ring_fd, offset))


def test_reg_wait_layout_round_trips() -> None:
    mem = bytearray(2 * REG_WAIT_SIZE)
    w = RegWait(tv_sec=3, tv_nsec=4, min_wait_usec=5, flags=IORING_REG_WAIT_TS, sigmask=0x1000, sigmask_sz=8)
    reg_wait_store(mem, 8, w)
    assert reg_wait_load(mem, 8) == w
    assert mem[:8] == bytes(8) and mem[8 + 36 :] == bytes(len(mem) - 44)  # 36 bytes of fields, the rest padding


@pytest.mark.parametrize(
    ("offset", "want"),
    [
        (0x4000_0000, -ENOMEM),  # no region there
        (0x3000_0000, -ENOMEM),  # zero-copy receive: not modelled, never registered
        (IORING_MAP_OFF_PARAM_REGION, -ENOMEM),  # no parameter region yet
        (IORING_OFF_PBUF_RING | (1 << IORING_OFF_PBUF_SHIFT), -ENOMEM),  # no such group
        (100, -EINVAL),  # not page aligned
        ("x", -EINVAL),  # not an offset at all
        (-PAGE, -ENOMEM),  # a negative offset is a huge unsigned one: 0xfff...f000 names nothing
    ],
)
def test_mmap_bad_offsets_are_errnos(offset: Any, want: int) -> None:
    def body() -> Any:
        ring = yield from _ring()
        return (yield from _map(ring, PAGE, offset))

    assert run_task(body) == want


def test_mmap_lengths() -> None:
    """The rings map with any length; the SQE array's two pages not in one (-EFAULT); 0 is -EINVAL."""

    def body() -> Any:
        ring = yield from _ring(entries=128)
        rings = yield from _map(ring, 64, IORING_OFF_SQ_RING)
        return (
            rings is ring.rings,
            (yield from _map(ring, PAGE, IORING_OFF_SQES)),
            (yield from _map(ring, 2 * PAGE, IORING_OFF_SQES)) is ring.rings,
            (yield from _map(ring, 0, IORING_OFF_SQ_RING)),
            (yield from _map(ring, -1, IORING_OFF_SQ_RING)),
            (yield from munmap(rings, 64)),
        )

    assert run_task(body) == (True, -EFAULT, True, -EINVAL, -EINVAL, 0)


def test_mmap_closed_fd_and_no_mmap_ring() -> None:
    def body() -> Any:
        p = Params(flags=IORING_SETUP_NO_MMAP)
        p.cq_off.user_addr = bytearray(PAGE)  # type: ignore[assignment]
        p.sq_off.user_addr = bytearray(PAGE)  # type: ignore[assignment]
        fd = yield from io_uring_setup(8, p)
        nommap = yield from mmap(None, PAGE, RW, MAP_SHARED, fd, IORING_OFF_SQ_RING)
        yield from close(fd)
        closed = yield from mmap(None, PAGE, RW, MAP_SHARED, fd, IORING_OFF_SQ_RING)
        return nommap, closed

    assert run_task(body) == (-ENOMEM, -EBADF)


def test_pbuf_mmap_is_the_kernels_ring() -> None:
    """A kernel buffer ring maps as the kernel's own BufRing (stores through it are the kernel's);
    after unregistering the group it is -ENOMEM."""

    def body() -> Any:
        ring = yield from _ring()
        assert (yield from io_uring_register_buf_ring(ring, BufReg(ring_entries=8, bgid=3, flags=IOU_PBUF_RING_MMAP))) == 0
        off = IORING_OFF_PBUF_RING | (3 << IORING_OFF_PBUF_SHIFT)
        br = yield from _map(ring, PAGE, off)
        ctx = files_of(current_task().process).get(ring.ring_fd).ctx  # type: ignore[union-attr]
        same = br is ctx.ext(KbufRing).lists[3].ring
        yield from io_uring_unregister_buf_ring(ring, 3)
        after = yield from _map(ring, PAGE, off)
        return br, same, after

    br, same, after = run_task(body)
    assert isinstance(br, BufRing) and len(br.bufs) == 8 and same
    assert after == -ENOMEM


@pytest.mark.parametrize(
    ("desc", "flags", "want"),
    [
        (RegionDesc(size=0), 0, -EINVAL),
        (RegionDesc(size=100), 0, -EINVAL),
        (RegionDesc(size=PAGE, id=1), 0, -EINVAL),
        (RegionDesc(size=PAGE, mmap_offset=1), 0, -EINVAL),
        (RegionDesc(size=PAGE, resv=[0, 0, 0, 1]), 0, -EINVAL),
        (RegionDesc(size=PAGE, resv="no"), 0, -EINVAL),  # type: ignore[arg-type]
        (RegionDesc(size=PAGE, flags=2), 0, -EINVAL),
        (RegionDesc(size=1 << 44), 0, -E2BIG),
        (RegionDesc(size="big"), 0, -EINVAL),  # type: ignore[arg-type]
        (RegionDesc(size=PAGE, flags=IORING_MEM_REGION_TYPE_USER), 0, -EFAULT),
        (RegionDesc(size=PAGE, user_addr=bytearray(PAGE)), 0, -EFAULT),
        (RegionDesc(size=PAGE, user_addr=0x1008, flags=IORING_MEM_REGION_TYPE_USER), 0, -EINVAL),
        (RegionDesc(size=PAGE, user_addr=0xFFFF_FFFF_FFFF_F000, flags=IORING_MEM_REGION_TYPE_USER), 0, -EOVERFLOW),
        (RegionDesc(size=PAGE, user_addr=0x10000, flags=IORING_MEM_REGION_TYPE_USER), 0, -EFAULT),
        (RegionDesc(size=2 * PAGE, user_addr=bytearray(PAGE), flags=IORING_MEM_REGION_TYPE_USER), 0, -EFAULT),
        (RegionDesc(size=PAGE, user_addr=bytes(PAGE), flags=IORING_MEM_REGION_TYPE_USER), 0, -EFAULT),  # read-only
        (RegionDesc(size=PAGE), 2, -EINVAL),
        (RegionDesc(size=PAGE), "x", -EINVAL),
        (RegionDesc(size=PAGE), IORING_MEM_REGION_REG_WAIT_ARG, -EINVAL),  # the ring is enabled
        (None, 0, -EFAULT),
        ("desc", 0, -EFAULT),
    ],
)
def test_mem_region_bad_descriptors_are_errnos(desc: Any, flags: Any, want: int) -> None:
    def body() -> Any:
        ring = yield from _ring()
        bad = yield from io_uring_register_region(ring, MemRegionReg(region_uptr=desc, flags=flags))
        good = yield from io_uring_register_region(ring, MemRegionReg(region_uptr=RegionDesc(size=PAGE)))
        return bad, good

    assert run_task(body) == (want, 0)  # a refused registration leaves no region behind


def test_mem_region_args_and_busy() -> None:
    def body() -> Any:
        ring = yield from _ring()
        reg = MemRegionReg(region_uptr=RegionDesc(size=PAGE))
        results = [
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_MEM_REGION, None, 1)),
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_MEM_REGION, reg, 2)),
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_MEM_REGION, "reg", 1)),
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_MEM_REGION, MemRegionReg(RegionDesc(size=PAGE), resv=[1, 0]), 1)),
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_MEM_REGION, reg, 1)),
            reg.region_uptr.mmap_offset,
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_MEM_REGION, "reg", 1)),  # -EBUSY first
        ]
        mem = yield from _map(ring, PAGE, IORING_MAP_OFF_PARAM_REGION)
        return results, isinstance(mem, memoryview) and len(mem) == PAGE and not mem.readonly

    assert run_task(body) == ([-EINVAL, -EINVAL, -EFAULT, -EINVAL, 0, IORING_MAP_OFF_PARAM_REGION, -EBUSY], True)


def _wait_ring(mem: Any) -> Any:
    ring = yield from _ring(IORING_SETUP_R_DISABLED)
    desc = RegionDesc(user_addr=mem, size=len(mem), flags=IORING_MEM_REGION_TYPE_USER)
    assert (yield from io_uring_register_region(ring, MemRegionReg(region_uptr=desc, flags=IORING_MEM_REGION_REG_WAIT_ARG))) == 0
    assert desc.mmap_offset == 0
    assert (yield from io_uring_enable_rings(ring)) == 0
    return ring


def test_ext_arg_reg_offsets_and_contents() -> None:
    mem = bytearray(PAGE)
    brief = RegWait(tv_nsec=1_000_000, flags=IORING_REG_WAIT_TS)
    reg_wait_store(mem, 8, brief)  # entries may overlap: any multiple of 8 is an offset
    reg_wait_store(mem, 128, RegWait(flags=4))
    reg_wait_store(mem, 256, RegWait(tv_nsec=1_000_000, flags=IORING_REG_WAIT_TS, sigmask=0x1000, sigmask_sz=4))

    def body() -> Any:
        ring = yield from _wait_ring(mem)
        enter = []
        for off in (8, 4, PAGE - 56, PAGE, -8, "x", 128, 256):
            enter.append((yield from io_uring_enter2(ring.ring_fd, 0, 1, WAIT_REG, off, REG_WAIT_SIZE)))
        enter.append((yield from io_uring_enter2(ring.ring_fd, 0, 1, WAIT_REG, 8, 32)))
        yield from io_uring_queue_exit(ring)
        return enter

    assert run_task(body) == [-ETIME, -EFAULT, -EFAULT, -EFAULT, -EFAULT, -EFAULT, -EINVAL, -EINVAL, -EINVAL]


def test_ext_arg_reg_last_entry_reads_offset_zero() -> None:
    """Linux 6.18.44's clamp: the region's last entry is read at offset 0."""
    mem = bytearray(PAGE)
    reg_wait_store(mem, 0, RegWait(flags=8))  # offset 0 holds an invalid flag
    reg_wait_store(mem, PAGE - REG_WAIT_SIZE, RegWait(tv_nsec=1000, flags=IORING_REG_WAIT_TS))

    def body() -> Any:
        ring = yield from _wait_ring(mem)
        return (yield from io_uring_enter2(ring.ring_fd, 0, 1, WAIT_REG, PAGE - REG_WAIT_SIZE, REG_WAIT_SIZE))

    assert run_task(body) == -EINVAL


def test_ext_arg_reg_without_region_is_efault() -> None:
    def body() -> Any:
        ring = yield from _ring()
        return (yield from io_uring_enter2(ring.ring_fd, 0, 1, WAIT_REG, 0, REG_WAIT_SIZE))

    assert run_task(body) == -EFAULT


def test_anonymous_user_region_from_mmap() -> None:
    def body() -> Any:
        ring = yield from _ring()
        mem = yield from mmap(None, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        ret = yield from io_uring_register_region(ring, MemRegionReg(region_uptr=RegionDesc(user_addr=mem, size=PAGE, flags=IORING_MEM_REGION_TYPE_USER)))
        return ret, (yield from _map(ring, PAGE, IORING_MAP_OFF_PARAM_REGION))

    assert run_task(body) == (0, -ENOMEM)


def test_liburing_still_maps_a_no_mmap_ring() -> None:
    """liburing's own mapping after setup (sys_io_uring_mmap) keeps giving a NO_MMAP ring its rings."""

    def body() -> Any:
        ring = Ring()
        p = Params(flags=IORING_SETUP_NO_MMAP)
        p.cq_off.user_addr = bytearray(PAGE)  # type: ignore[assignment]
        p.sq_off.user_addr = bytearray(PAGE)  # type: ignore[assignment]
        ret = yield from io_uring_queue_init_params(8, ring, p)
        return ret, isinstance(ring.rings, SharedRings)

    assert run_task(body) == (0, True)
