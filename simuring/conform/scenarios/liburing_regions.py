"""Mapped regions: mmap(2) of a ring fd (the rings, IOU_PBUF_RING_MMAP buffer rings, the parameter
region), IORING_REGISTER_MEM_REGION (io_uring_register_region(3)) and IORING_ENTER_EXT_ARG_REG waits
on a registered wait region, as liburing's buf-ring-nommap, buf-ring-put, ignore-single-mmap and
reg-wait tests exercise them; names prefixed ``lrg-``.

The kernel's answers (Linux 6.18.44): mmap(2) of a region that does not exist or lives in the
application's memory is -ENOMEM (``io_uring_get_unmapped_area``), not -EINVAL; a length past the
region still maps; the offset's bits inside a region's window are ignored.
"""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_pipe, new_ring, nop, reap, submit_and_reap
from simuring.conform.scenarios.liburing_pbuf import fill, read_sel, recv_sel, socketpair
from simuring.uapi import (
    IORING_ENTER_ABS_TIMER,
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_EXT_ARG_REG,
    IORING_ENTER_GETEVENTS,
    IORING_MAP_OFF_PARAM_REGION,
    IORING_MEM_REGION_REG_WAIT_ARG,
    IORING_MEM_REGION_TYPE_USER,
    IORING_OFF_CQ_RING,
    IORING_OFF_PBUF_RING,
    IORING_OFF_PBUF_SHIFT,
    IORING_OFF_SQ_RING,
    IORING_OFF_SQES,
    IORING_REG_WAIT_TS,
    IORING_REGISTER_MEM_REGION,
    IORING_REGISTER_PBUF_RING,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_NO_MMAP,
    IORING_SETUP_R_DISABLED,
    IOU_PBUF_RING_INC,
    IOU_PBUF_RING_MMAP,
    REG_WAIT_SIZE,
)

TAGS = ("liburing", "regions")
PAGE = 4096
WAIT_REG = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG


def ring_map(L: Any, ring: Any, length: int, offset: int, flags: int = 0) -> Gen:
    """mmap(2) of ``ring``'s fd (MAP_SHARED unless ``flags`` says otherwise): the mapping or -errno."""
    return (yield from L.mmap(None, length, L.PROT_READ | L.PROT_WRITE, flags or L.MAP_SHARED, ring.ring_fd, offset))


def pbuf_off(bgid: int) -> int:
    return IORING_OFF_PBUF_RING | (bgid << IORING_OFF_PBUF_SHIFT)


def register_mmap_ring(L: Any, ring: Any, entries: int, bgid: int, flags: int = 0) -> Gen:
    """IORING_REGISTER_PBUF_RING of a kernel-allocated ring (IOU_PBUF_RING_MMAP | ``flags``)."""
    reg = L.BufReg(ring_entries=entries, bgid=bgid, flags=IOU_PBUF_RING_MMAP | flags)
    return (yield from L.io_uring_register_buf_ring(ring, reg, 0))


def mapped_buf_ring(L: Any, ring: Any, entries: int, bgid: int, flags: int = 0) -> Gen:
    """A kernel-allocated buffer ring, registered and mapped from the ring fd (None on failure)."""
    if (yield from register_mmap_ring(L, ring, entries, bgid, flags)) < 0:
        return None
    br = yield from ring_map(L, ring, max(16, entries * 16), pbuf_off(bgid))
    return None if isinstance(br, int) else br


def anon(L: Any, length: int = PAGE) -> Gen:
    """Anonymous page-aligned memory (mmap(2) with MAP_ANONYMOUS)."""
    return (yield from L.mmap(None, length, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS, -1, 0))


def register_region(L: Any, ring: Any, desc: Any, flags: int = 0, **reg: Any) -> Gen:
    return (yield from L.io_uring_register_region(ring, L.MemRegionReg(region_uptr=desc, flags=flags, **reg)))


def kernel_region(L: Any, ring: Any, size: int = PAGE, flags: int = 0) -> Gen:
    """A kernel-allocated region of ``size`` bytes registered with ``flags`` and mapped from the
    ring fd: the mapping, or -errno."""
    ret = yield from register_region(L, ring, L.RegionDesc(size=size), flags)
    if ret < 0:
        return ret
    return (yield from ring_map(L, ring, size, IORING_MAP_OFF_PARAM_REGION))


def wait_reg(L: Any, ring: Any, offset: Any, nr: int = 1, argsz: int = REG_WAIT_SIZE) -> Gen:
    """io_uring_enter(2) waiting for ``nr`` CQEs with the registered wait argument at ``offset``."""
    return (yield from L.io_uring_enter2(ring.ring_fd, 0, nr, WAIT_REG, offset, argsz))


def wait_ring(L: Any, size: int = PAGE) -> Gen:
    """A ring set up IORING_SETUP_R_DISABLED, given a user-memory wait region of ``size`` bytes, then
    enabled; ``(ring, region memory)`` (None for the ring when a step failed)."""
    ring = yield from new_ring(L, 8, IORING_SETUP_R_DISABLED)
    mem = yield from anon(L, size)
    if ring is None or isinstance(mem, int):
        return None, None
    desc = L.RegionDesc(user_addr=mem, size=size, flags=IORING_MEM_REGION_TYPE_USER)
    if (yield from register_region(L, ring, desc, IORING_MEM_REGION_REG_WAIT_ARG)) < 0:
        return None, None
    yield from L.io_uring_enable_rings(ring)
    return ring, mem


def brief_wait(L: Any, flags: int = IORING_REG_WAIT_TS, ns: int = 1_000_000, min_wait_usec: int = 0) -> Any:
    return L.RegWait(tv_sec=0, tv_nsec=ns, flags=flags, min_wait_usec=min_wait_usec)


# -- mmap(2) of the rings ---------------------------------------------------------------------------
@scenario("lrg-mmap-rings", tags=TAGS)
def lrg_mmap_rings(L: Any) -> Gen:
    """mmap(2) of a ring fd at IORING_OFF_SQ_RING, IORING_OFF_CQ_RING (the same memory with
    IORING_FEAT_SINGLE_MMAP) and IORING_OFF_SQES maps each; munmap(2) of each is 0."""
    ring = yield from new_ring(L)
    maps = []
    for off in (IORING_OFF_SQ_RING, IORING_OFF_CQ_RING, IORING_OFF_SQES):
        maps.append((yield from ring_map(L, ring, PAGE, off)))
    for m in maps:
        if not isinstance(m, int):
            yield from L.munmap(m, PAGE)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-mmap-single-small", tags=TAGS)
def lrg_mmap_single_small(L: Any) -> Gen:
    """ignore-single-mmap.c: a 128-entry ring whose rings span more than a page maps at
    IORING_OFF_SQ_RING with a length of only 128 * 4 bytes (a mapping shorter than the region)."""
    p = L.Params()
    fd = yield from L.io_uring_setup(128, p)
    m = yield from L.mmap(None, 128 * 4, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, fd, IORING_OFF_SQ_RING)
    if not isinstance(m, int):
        yield from L.munmap(m, 128 * 4)
    yield from L.close(fd)


@scenario("lrg-mmap-unknown-offset", tags=TAGS)
def lrg_mmap_unknown_offset(L: Any) -> Gen:
    """An offset naming no region (0x40000000, 0x08000000, the zero-copy receive window 0x30000000) is
    -ENOMEM: ``io_uring_get_unmapped_area`` reports any refused request so."""
    ring = yield from new_ring(L)
    for off in (0x4000_0000, 0x0800_0000, 0x3000_0000, 0xC000_0000):
        yield from ring_map(L, ring, PAGE, off)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-mmap-unaligned-offset", tags=TAGS)
def lrg_mmap_unaligned_offset(L: Any) -> Gen:
    """An offset that is not a multiple of the page size is -EINVAL (mmap(2) itself), as is a length of 0."""
    ring = yield from new_ring(L)
    yield from ring_map(L, ring, PAGE, 100)
    yield from ring_map(L, ring, PAGE, IORING_OFF_SQES + 8)
    yield from ring_map(L, ring, 0, IORING_OFF_SQ_RING)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-mmap-long", tags=TAGS)
def lrg_mmap_long(L: Any) -> Gen:
    """A mapping longer than its region still succeeds: 1 MiB at IORING_OFF_SQ_RING and at
    IORING_OFF_SQES of an 8-entry ring (the kernel maps the region's pages and no more)."""
    ring = yield from new_ring(L)
    for off in (IORING_OFF_SQ_RING, IORING_OFF_SQES):
        m = yield from ring_map(L, ring, 1 << 20, off)
        if not isinstance(m, int):
            yield from L.munmap(m, 1 << 20)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-mmap-offset-low-bits", tags=TAGS)
def lrg_mmap_offset_low_bits(L: Any) -> Gen:
    """The offset's bits below IORING_OFF_MMAP_MASK are ignored for the rings: IORING_OFF_SQ_RING +
    one page and IORING_OFF_SQES + one page both map (their region from its start)."""
    ring = yield from new_ring(L)
    yield from ring_map(L, ring, PAGE, IORING_OFF_SQ_RING + PAGE)
    yield from ring_map(L, ring, PAGE, IORING_OFF_SQES + PAGE)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-mmap-private", tags=TAGS)
def lrg_mmap_private(L: Any) -> Gen:
    """MAP_PRIVATE of the rings is not refused: it maps."""
    ring = yield from new_ring(L)
    yield from ring_map(L, ring, PAGE, IORING_OFF_SQ_RING, L.MAP_PRIVATE)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-mmap-bad-fd", tags=TAGS)
def lrg_mmap_bad_fd(L: Any) -> Gen:
    """mmap(2) of a closed ring fd is -EBADF; a read-only mapping of a pipe's read end (a file without a
    mmap operation) -ENODEV."""
    p = L.Params()
    fd = yield from L.io_uring_setup(4, p)
    yield from L.close(fd)
    yield from L.mmap(None, PAGE, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, fd, IORING_OFF_SQ_RING)
    fds = yield from new_pipe(L)
    yield from L.mmap(None, PAGE, L.PROT_READ, L.MAP_SHARED, fds[0], 0)
    yield from L.close(fds[0])
    yield from L.close(fds[1])


def selected_read(L: Any, ring: Any) -> Gen:
    """buf-ring-nommap.c's READ on ``ring``: a one-entry IOU_PBUF_RING_MMAP ring of group 5, mapped
    from the ring fd (16 bytes), gets buffer 89 through the mapping; a READ of a pipe with
    IOSQE_BUFFER_SELECT takes it (its CQE and the bytes recorded); the ring is closed."""
    fds = yield from new_pipe(L)
    br = yield from mapped_buf_ring(L, ring, 1, 5)
    if br is None:
        return
    buf = bytearray(32)
    fill(L, br, [buf], 1, first_bid=89)
    read_sel(L, ring, fds[0], 0, 5, 7)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"Hello", 5)
    yield from reap(L, ring, 1)
    L.record("buf", bytes(buf[:5]))
    yield from L.io_uring_queue_exit(ring)


# -- IORING_SETUP_NO_MMAP rings ------------------------------------------------------------------------
def nommap_setup(L: Any, sq_mem: bool = True, cq_mem: bool = True) -> Gen:
    """io_uring_setup(2) of an 8-entry IORING_SETUP_NO_MMAP ring whose rings (``cq_off.user_addr``)
    and SQEs (``sq_off.user_addr``) are each a page of anonymous memory, or not given: the fd or -errno."""
    p = L.Params(flags=IORING_SETUP_NO_MMAP)
    if cq_mem:
        p.cq_off.user_addr = yield from anon(L)
    if sq_mem:
        p.sq_off.user_addr = yield from anon(L)
    return (yield from L.io_uring_setup(8, p))


@scenario("lrg-nommap-mmap", tags=TAGS)
def lrg_nommap_mmap(L: Any) -> Gen:
    """An IORING_SETUP_NO_MMAP ring lives in the application's memory: mmap(2) of its fd at
    IORING_OFF_SQ_RING, IORING_OFF_CQ_RING and IORING_OFF_SQES is -ENOMEM."""
    fd = yield from nommap_setup(L)
    if fd < 0:
        return
    for off in (IORING_OFF_SQ_RING, IORING_OFF_CQ_RING, IORING_OFF_SQES):
        yield from L.mmap(None, PAGE, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, fd, off)
    yield from L.close(fd)


@scenario("lrg-nommap-inval", tags=TAGS)
def lrg_nommap_inval(L: Any) -> Gen:
    """no-mmap-inval.c: IORING_SETUP_NO_MMAP with memory for the rings but none for the SQEs
    (``sq_off.user_addr`` 0) is -EFAULT; with none for the rings either, -EFAULT too."""
    yield from nommap_setup(L, sq_mem=False)
    yield from nommap_setup(L, sq_mem=False, cq_mem=False)


@scenario("lrg-nommap-pbuf", tags=TAGS)
def lrg_nommap_pbuf(L: Any) -> Gen:
    """buf-ring-nommap.c's registration: on an IORING_SETUP_NO_MMAP ring an IOU_PBUF_RING_MMAP ring of
    one entry (group 5) registers and maps from the ring fd (16 bytes), though the rings do not."""
    fd = yield from nommap_setup(L)
    if fd < 0:
        return
    reg = L.BufReg(ring_entries=1, bgid=5, flags=IOU_PBUF_RING_MMAP)
    yield from L.io_uring_register(fd, IORING_REGISTER_PBUF_RING, reg, 1)
    yield from L.mmap(None, 16, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, fd, pbuf_off(5))
    yield from L.close(fd)


@scenario("lrg-nommap-init-mem-read", tags=TAGS)
def lrg_nommap_init_mem_read(L: Any) -> Gen:
    """buf-ring-nommap.c: io_uring_queue_init_mem(3) sets up an 8-entry IORING_SETUP_NO_MMAP ring in
    four pages of the application's memory (the result is the bytes it uses: two pages); on it a
    one-entry IOU_PBUF_RING_MMAP ring of group 5, mapped from the ring fd, gives buffer 89 to a READ
    with IOSQE_BUFFER_SELECT, whose CQE carries IORING_CQE_F_BUFFER and whose data lands there.  A
    buffer of one page is too small: -ENOMEM, before any ring is made."""
    small = yield from anon(L)
    yield from L.io_uring_queue_init_mem(8, L.Ring(), L.Params(), small, PAGE)
    mem = yield from anon(L, 4 * PAGE)
    ring = L.Ring()
    if (yield from L.io_uring_queue_init_mem(8, ring, L.Params(), mem, 4 * PAGE)) < 0:
        return
    yield from selected_read(L, ring)


# -- IOU_PBUF_RING_MMAP buffer rings -------------------------------------------------------------------
@scenario("lrg-mmap-short-sqes", tags=TAGS)
def lrg_mmap_short_sqes(L: Any) -> Gen:
    """The SQE array of a 128-entry ring is two pages: mapped with one page it is -EFAULT (the kernel
    inserts every page of the region), with two it maps; the rings map with any length."""
    ring = yield from new_ring(L, 128)
    for length in (PAGE, 2 * PAGE):
        yield from ring_map(L, ring, length, IORING_OFF_SQES)
    yield from ring_map(L, ring, 64, IORING_OFF_CQ_RING)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-pbuf-mmap-missing", tags=TAGS)
def lrg_pbuf_mmap_missing(L: Any) -> Gen:
    """mmap(2) at IORING_OFF_PBUF_RING of a group never registered is -ENOMEM (group 0 and group 1)."""
    ring = yield from new_ring(L)
    yield from ring_map(L, ring, PAGE, pbuf_off(0))
    yield from ring_map(L, ring, PAGE, pbuf_off(1))
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-pbuf-mmap-user-ring", tags=TAGS)
def lrg_pbuf_mmap_user_ring(L: Any) -> Gen:
    """A buffer ring in the application's memory (io_uring_setup_buf_ring, no IOU_PBUF_RING_MMAP)
    cannot be mapped from the ring fd: -ENOMEM."""
    ring = yield from new_ring(L)
    err = [0]
    br = yield from L.io_uring_setup_buf_ring(ring, 8, 2, 0, err)
    yield from ring_map(L, ring, PAGE, pbuf_off(2))
    if br is not None:
        yield from L.io_uring_free_buf_ring(ring, br, 8, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-pbuf-mmap-legacy", tags=TAGS)
def lrg_pbuf_mmap_legacy(L: Any) -> Gen:
    """A legacy group (IORING_OP_PROVIDE_BUFFERS) has no ring to map: -ENOMEM."""
    ring = yield from new_ring(L)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_provide_buffers(sqe, bytearray(64), 16, 4, 3, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from ring_map(L, ring, PAGE, pbuf_off(3))
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-pbuf-mmap-read", tags=TAGS)
def lrg_pbuf_mmap_read(L: Any) -> Gen:
    """buf-ring-nommap.c's flow on a mapped ring: a one-entry IOU_PBUF_RING_MMAP ring of group 5 is
    mapped (16 bytes), given buffer 89 through the mapping, and a READ with IOSQE_BUFFER_SELECT
    takes it: the CQE carries IORING_CQE_F_BUFFER with id 89 and the data is in the buffer."""
    ring = yield from new_ring(L)
    yield from selected_read(L, ring)


@scenario("lrg-pbuf-mmap-recv", tags=TAGS)
def lrg_pbuf_mmap_recv(L: Any) -> Gen:
    """RECV with IOSQE_BUFFER_SELECT from a mapped IOU_PBUF_RING_MMAP ring of 4 entries: three
    receives take buffers 10, 11, 12 in ring order; IORING_REGISTER_PBUF_STATUS then reports head 3."""
    ring = yield from new_ring(L)
    sv = yield from socketpair(L)
    br = yield from mapped_buf_ring(L, ring, 4, 9)
    if br is None:
        return
    bufs = [bytearray(8) for _ in range(4)]
    fill(L, br, bufs, 4, first_bid=10)
    for i in range(3):
        yield from L.send(sv[1], b"abc%d" % i, 4, 0)
        recv_sel(L, ring, sv[0], 8, 9, 20 + i)
        yield from submit_and_reap(L, ring, 1)
    L.record("bufs", [bytes(b[:4]) for b in bufs])
    head = [0]
    yield from L.io_uring_buf_ring_head(ring, 9, head)
    L.record("head", head[0])
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-pbuf-mmap-empty", tags=TAGS)
def lrg_pbuf_mmap_empty(L: Any) -> Gen:
    """A mapped ring no buffer was added to: a READ selecting from it fails with -ENOBUFS."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    br = yield from mapped_buf_ring(L, ring, 2, 4)
    if br is None:
        return
    yield from L.write(fds[1], b"x", 1)
    read_sel(L, ring, fds[0], 1, 4, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-pbuf-mmap-unregister", tags=TAGS)
def lrg_pbuf_mmap_unregister(L: Any) -> Gen:
    """After IORING_UNREGISTER_PBUF_RING the group's ring can no longer be mapped (-ENOMEM); the mapping
    taken before still unmaps (0); registering the group again lets it be mapped again."""
    ring = yield from new_ring(L)
    br = yield from mapped_buf_ring(L, ring, 8, 1)
    yield from L.io_uring_unregister_buf_ring(ring, 1)
    yield from ring_map(L, ring, PAGE, pbuf_off(1))
    if br is not None:
        yield from L.munmap(br, 128)
    br2 = yield from mapped_buf_ring(L, ring, 8, 1)
    L.record("mapped-again", br2 is not None)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-pbuf-mmap-put", tags=TAGS)
def lrg_pbuf_mmap_put(L: Any) -> Gen:
    """buf-ring-put.c: ten 512-entry IOU_PBUF_RING_MMAP rings (groups 60 to 69) are mapped, then all
    unregistered; their mappings stay writable (the kernel's pages live while mapped) and unmap."""
    ring = yield from new_ring(L, 1)
    rings = []
    for bgid in range(60, 70):
        rings.append((yield from mapped_buf_ring(L, ring, 512, bgid)))
    for bgid in range(60, 70):
        yield from L.io_uring_unregister_buf_ring(ring, bgid)
    for br in rings:
        if br is not None:
            fill(L, br, [bytearray(8)] * 4, 512)
            yield from L.munmap(br, 512 * 16)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-pbuf-mmap-sizes", tags=TAGS)
def lrg_pbuf_mmap_sizes(L: Any) -> Gen:
    """A 1024-entry kernel ring is four pages: mapped with 16 KiB or 20 KiB (past it) it maps, with a
    single page it is -EFAULT (the region does not fit), also at an offset with bits inside the
    group's window (+ one page)."""
    ring = yield from new_ring(L)
    yield from register_mmap_ring(L, ring, 1024, 3)
    for length in (16384, 20480, PAGE):
        yield from ring_map(L, ring, length, pbuf_off(3))
    yield from ring_map(L, ring, PAGE, pbuf_off(3) + PAGE)
    yield from ring_map(L, ring, 16384, pbuf_off(3) + PAGE)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-pbuf-mmap-bgid-window", tags=TAGS)
def lrg_pbuf_mmap_bgid_window(L: Any) -> Gen:
    """The group id shares the offset with IORING_OFF_MMAP_MASK: group 0x7ff maps, but group 0x800's
    offset sets a mask bit (0x88000000 names no region): -ENOMEM though the group is registered."""
    ring = yield from new_ring(L)
    for bgid in (0x7FF, 0x800):
        yield from register_mmap_ring(L, ring, 4, bgid)
        yield from ring_map(L, ring, PAGE, pbuf_off(bgid))
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-pbuf-mmap-inc", tags=TAGS)
def lrg_pbuf_mmap_inc(L: Any) -> Gen:
    """IOU_PBUF_RING_MMAP | IOU_PBUF_RING_INC: a 64-byte buffer added through the mapping is consumed
    incrementally; two 10-byte reads both use buffer 3 (IORING_CQE_F_BUF_MORE)."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    br = yield from mapped_buf_ring(L, ring, 2, 6, IOU_PBUF_RING_INC)
    if br is None:
        return
    buf = bytearray(64)
    fill(L, br, [buf], 2, first_bid=3)
    for i in range(2):
        yield from L.write(fds[1], b"0123456789", 10)
        read_sel(L, ring, fds[0], 10, 6, 30 + i)
        yield from submit_and_reap(L, ring, 1)
    L.record("buf", bytes(buf[:20]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-pbuf-mmap-with-addr", tags=TAGS)
def lrg_pbuf_mmap_with_addr(L: Any) -> Gen:
    """IOU_PBUF_RING_MMAP with a ``ring_addr`` given as well: the registration's answer, and whether
    the ring then maps."""
    ring = yield from new_ring(L)
    mem = yield from anon(L)
    reg = L.BufReg(ring_addr=mem, ring_entries=4, bgid=2, flags=IOU_PBUF_RING_MMAP)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_RING, reg, 1)
    yield from ring_map(L, ring, PAGE, pbuf_off(2))
    yield from L.io_uring_queue_exit(ring)


# -- IORING_REGISTER_MEM_REGION -----------------------------------------------------------------------
@scenario("lrg-region-args", tags=TAGS)
def lrg_region_args(L: Any) -> Gen:
    """IORING_REGISTER_MEM_REGION with a NULL argument, or ``nr_args`` 0 or 2, is -EINVAL."""
    ring = yield from new_ring(L)
    reg = L.MemRegionReg(region_uptr=L.RegionDesc(size=PAGE))
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_MEM_REGION, None, 1)
    for nr in (0, 2):
        yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_MEM_REGION, reg, nr)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-region-reg-fields", tags=TAGS)
def lrg_region_reg_fields(L: Any) -> Gen:
    """``struct io_uring_mem_region_reg``: an unknown flag (2) or a reserved word set is -EINVAL; a NULL
    ``region_uptr`` -EFAULT (the descriptor cannot be read)."""
    ring = yield from new_ring(L)
    yield from register_region(L, ring, L.RegionDesc(size=PAGE), 2)
    yield from register_region(L, ring, L.RegionDesc(size=PAGE), resv=[0, 1])
    yield from register_region(L, ring, None)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-region-wait-enabled", tags=TAGS)
def lrg_region_wait_enabled(L: Any) -> Gen:
    """IORING_MEM_REGION_REG_WAIT_ARG on a ring that is not IORING_SETUP_R_DISABLED is -EINVAL (a waiter
    could be running); the same region without the flag registers."""
    ring = yield from new_ring(L)
    yield from register_region(L, ring, L.RegionDesc(size=PAGE), IORING_MEM_REGION_REG_WAIT_ARG)
    yield from register_region(L, ring, L.RegionDesc(size=PAGE))
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-region-desc-fields", tags=TAGS)
def lrg_region_desc_fields(L: Any) -> Gen:
    """``struct io_uring_region_desc`` (``io_create_region``): a size of 0 or not a page multiple, an
    ``id``, an ``mmap_offset``, a reserved word or an unknown flag is -EINVAL; a size past INT_MAX
    pages -E2BIG.  None of these leaves a region behind: a valid one registers afterwards."""
    ring = yield from new_ring(L)
    for fields in ({"size": 0}, {"size": 100}, {"id": 1}, {"mmap_offset": 1}, {"resv": [1, 0, 0, 0]}, {"flags": 2}, {"size": 1 << 44}):
        desc = L.RegionDesc(size=PAGE)
        for name, value in fields.items():
            setattr(desc, name, value)
        yield from register_region(L, ring, desc)
    yield from register_region(L, ring, L.RegionDesc(size=PAGE))
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-region-user-mismatch", tags=TAGS)
def lrg_region_user_mismatch(L: Any) -> Gen:
    """``user_addr`` must be set exactly when IORING_MEM_REGION_TYPE_USER is: the flag without an
    address, or an address without the flag, is -EFAULT."""
    ring = yield from new_ring(L)
    mem = yield from anon(L)
    yield from register_region(L, ring, L.RegionDesc(size=PAGE, flags=IORING_MEM_REGION_TYPE_USER))
    yield from register_region(L, ring, L.RegionDesc(size=PAGE, user_addr=mem))
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-region-user-addr", tags=TAGS)
def lrg_region_user_addr(L: Any) -> Gen:
    """User memory at an address not page aligned is -EINVAL, one whose end passes 2^64 -EOVERFLOW, a
    page-aligned address with nothing mapped -EFAULT."""
    ring = yield from new_ring(L)
    for addr in (0x1008, 0xFFFF_FFFF_FFFF_F000, 0x10000):
        yield from register_region(L, ring, L.RegionDesc(size=PAGE, user_addr=addr, flags=IORING_MEM_REGION_TYPE_USER))
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-region-kernel", tags=TAGS)
def lrg_region_kernel(L: Any) -> Gen:
    """A kernel-allocated region registers (0) and the kernel writes IORING_MAP_OFF_PARAM_REGION into
    ``mmap_offset``; mmap(2) there maps (a page, and two pages past the region); a second
    registration is -EBUSY."""
    ring = yield from new_ring(L)
    yield from ring_map(L, ring, PAGE, IORING_MAP_OFF_PARAM_REGION)
    desc = L.RegionDesc(size=PAGE)
    yield from register_region(L, ring, desc)
    L.record("mmap_offset", hex(desc.mmap_offset))
    yield from ring_map(L, ring, PAGE, desc.mmap_offset)
    yield from ring_map(L, ring, 2 * PAGE, IORING_MAP_OFF_PARAM_REGION)
    yield from register_region(L, ring, L.RegionDesc(size=PAGE))
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-region-mmap-short", tags=TAGS)
def lrg_region_mmap_short(L: Any) -> Gen:
    """A two-page kernel region mapped with one page is -EFAULT (all its pages are inserted); with two
    pages it maps."""
    ring = yield from new_ring(L)
    yield from register_region(L, ring, L.RegionDesc(size=2 * PAGE))
    for length in (PAGE, 2 * PAGE):
        yield from ring_map(L, ring, length, IORING_MAP_OFF_PARAM_REGION)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-region-user", tags=TAGS)
def lrg_region_user(L: Any) -> Gen:
    """A region in the application's memory registers (0), ``mmap_offset`` stays 0, and it cannot be
    mapped from the ring fd (-ENOMEM); a second registration is -EBUSY."""
    ring = yield from new_ring(L)
    mem = yield from anon(L)
    desc = L.RegionDesc(size=PAGE, user_addr=mem, flags=IORING_MEM_REGION_TYPE_USER)
    yield from register_region(L, ring, desc)
    L.record("mmap_offset", desc.mmap_offset)
    yield from ring_map(L, ring, PAGE, IORING_MAP_OFF_PARAM_REGION)
    yield from register_region(L, ring, L.RegionDesc(size=PAGE))
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-region-wait-disabled", tags=TAGS)
def lrg_region_wait_disabled(L: Any) -> Gen:
    """reg-wait.c's set-up: on an IORING_SETUP_R_DISABLED ring a kernel-allocated region registers with
    IORING_MEM_REGION_REG_WAIT_ARG (0), is mapped, and the ring is enabled."""
    ring = yield from new_ring(L, 8, IORING_SETUP_R_DISABLED)
    mem = yield from kernel_region(L, ring, PAGE, IORING_MEM_REGION_REG_WAIT_ARG)
    yield from L.io_uring_enable_rings(ring)
    if not isinstance(mem, int):
        L.reg_wait_store(mem, 0, brief_wait(L))
        yield from wait_reg(L, ring, 0)
    yield from L.io_uring_queue_exit(ring)


# -- IORING_ENTER_EXT_ARG_REG -------------------------------------------------------------------------
@scenario("lrg-wait-reg-none", tags=TAGS)
def lrg_wait_reg_none(L: Any) -> Gen:
    """IORING_ENTER_EXT_ARG_REG without a registered wait region: every offset is -EFAULT (0, 64); an
    ``argsz`` other than sizeof(struct io_uring_reg_wait) is -EINVAL first."""
    ring = yield from new_ring(L)
    for off in (0, 64):
        yield from wait_reg(L, ring, off)
    yield from wait_reg(L, ring, 0, argsz=32)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-not-wait-region", tags=TAGS)
def lrg_wait_reg_not_wait_region(L: Any) -> Gen:
    """A region registered without IORING_MEM_REGION_REG_WAIT_ARG holds no wait arguments: -EFAULT."""
    ring = yield from new_ring(L)
    mem = yield from kernel_region(L, ring)
    if not isinstance(mem, int):
        L.reg_wait_store(mem, 0, brief_wait(L))
    yield from wait_reg(L, ring, 0)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-timeout", tags=TAGS)
def lrg_wait_reg_timeout(L: Any) -> Gen:
    """A registered wait argument with IORING_REG_WAIT_TS and 1 ms, at offset 0 and at offset 128 of a
    user-memory wait region: a wait for one CQE on an empty CQ ends with -ETIME."""
    ring, mem = yield from wait_ring(L)
    if ring is None:
        return
    for off in (0, 128):
        L.reg_wait_store(mem, off, brief_wait(L))
        yield from wait_reg(L, ring, off)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-offsets", tags=TAGS)
def lrg_wait_reg_offsets(L: Any) -> Gen:
    """``io_get_ext_arg_reg``: an offset not a multiple of 8 is -EFAULT (4, 12); one whose entry does not
    end inside the one-page region is -EFAULT (4096 - 56, 4096, 2^63); at 8 (entries may overlap) a
    1 ms timeout gives -ETIME.  The region's last entry (4096 - 64) passes the bounds check but is
    read at offset 0 (the kernel's ``array_index_nospec`` clamp): there the bytes of the entry at 8
    make a signal mask of the wrong size, -EINVAL."""
    ring, mem = yield from wait_ring(L)
    if ring is None:
        return
    for off in (8, PAGE - 64):
        L.reg_wait_store(mem, off, brief_wait(L))
    for off in (4, 12, PAGE - 56, PAGE, 1 << 63, 8, PAGE - 64):
        yield from wait_reg(L, ring, off)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-flags", tags=TAGS)
def lrg_wait_reg_flags(L: Any) -> Gen:
    """A registered wait argument with a flag other than IORING_REG_WAIT_TS is -EINVAL."""
    ring, mem = yield from wait_ring(L)
    if ring is None:
        return
    L.reg_wait_store(mem, 0, brief_wait(L, IORING_REG_WAIT_TS | 2))
    L.reg_wait_store(mem, 64, brief_wait(L, 4))
    for off in (0, 64):
        yield from wait_reg(L, ring, off)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-submit", tags=TAGS)
def lrg_wait_reg_submit(L: Any) -> Gen:
    """Waits with a registered wait argument around completions: two NOPs submitted, a wait for two
    returns 0 with both CQEs there; once they are consumed, a wait for one more with the same 1 ms
    argument is -ETIME."""
    ring, mem = yield from wait_ring(L)
    if ring is None:
        return
    L.reg_wait_store(mem, 64, brief_wait(L))
    nop(L, ring, 1)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from wait_reg(L, ring, 64, 2)
    yield from reap(L, ring, 2)
    yield from wait_reg(L, ring, 64)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-ready", tags=TAGS)
def lrg_wait_reg_ready(L: Any) -> Gen:
    """A registered wait argument without IORING_REG_WAIT_TS (no timeout) when the CQE waited for is
    already there: the wait returns 0 at once."""
    ring, mem = yield from wait_ring(L)
    if ring is None:
        return
    L.reg_wait_store(mem, 0, brief_wait(L, 0, 0))
    nop(L, ring, 5)
    yield from L.io_uring_submit(ring)
    yield from wait_reg(L, ring, 0)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-min-wait", tags=TAGS)
def lrg_wait_reg_min_wait(L: Any) -> Gen:
    """``min_wait_usec`` with a timeout and no completion at all: the wait still ends with -ETIME."""
    ring, mem = yield from wait_ring(L)
    if ring is None:
        return
    L.reg_wait_store(mem, 0, brief_wait(L, IORING_REG_WAIT_TS, 2_000_000, 500))
    yield from wait_reg(L, ring, 0)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-sigmask", tags=TAGS)
def lrg_wait_reg_sigmask(L: Any) -> Gen:
    """A registered wait argument with a signal mask pointer whose ``sigmask_sz`` is not
    sizeof(sigset_t): a wait that has to sleep is -EINVAL (``set_user_sigmask``); the same argument
    when the CQE waited for is already there returns 0 (the mask is never installed)."""
    ring, mem = yield from wait_ring(L)
    if ring is None:
        return
    w = brief_wait(L)
    w.sigmask, w.sigmask_sz = 0x1000, 4
    L.reg_wait_store(mem, 0, w)
    yield from wait_reg(L, ring, 0)
    nop(L, ring, 8)
    yield from L.io_uring_submit(ring)
    yield from wait_reg(L, ring, 0)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-abs-timer", tags=TAGS)
def lrg_wait_reg_abs_timer(L: Any) -> Gen:
    """IORING_ENTER_ABS_TIMER with a registered wait argument: its ``ts`` is an absolute CLOCK_MONOTONIC
    instant, and 0 s is long past, so a wait on an empty CQ is -ETIME at once."""
    ring, mem = yield from wait_ring(L)
    if ring is None:
        return
    L.reg_wait_store(mem, 0, brief_wait(L, ns=0))
    yield from L.io_uring_enter2(ring.ring_fd, 0, 1, WAIT_REG | IORING_ENTER_ABS_TIMER, 0, REG_WAIT_SIZE)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-iopoll", tags=TAGS)
def lrg_wait_reg_iopoll(L: Any) -> Gen:
    """On an IORING_SETUP_IOPOLL ring the wait argument is only validated (``io_validate_ext_arg``),
    which refuses IORING_ENTER_EXT_ARG_REG: -EINVAL, even with no region to read."""
    ring = yield from new_ring(L, 8, IORING_SETUP_IOPOLL)
    yield from wait_reg(L, ring, 0)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-kernel-region", tags=TAGS)
def lrg_wait_reg_kernel_region(L: Any) -> Gen:
    """A kernel-allocated wait region of two pages, filled through its mapping: wait arguments with
    1 ms at offset 256 and in the second page (2 * 4096 - 128) both give -ETIME."""
    ring = yield from new_ring(L, 8, IORING_SETUP_R_DISABLED)
    mem = yield from kernel_region(L, ring, 2 * PAGE, IORING_MEM_REGION_REG_WAIT_ARG)
    yield from L.io_uring_enable_rings(ring)
    if not isinstance(mem, int):
        for off in (256, 2 * PAGE - 128):
            L.reg_wait_store(mem, off, brief_wait(L))
            yield from wait_reg(L, ring, off)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrg-wait-reg-without-ext-arg", tags=TAGS)
def lrg_wait_reg_without_ext_arg(L: Any) -> Gen:
    """IORING_ENTER_EXT_ARG_REG without IORING_ENTER_EXT_ARG is ignored (the argument is a signal mask,
    here NULL): a wait for a CQE already posted returns 0."""
    ring = yield from new_ring(L)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    yield from L.io_uring_enter2(ring.ring_fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG_REG, None, 8)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)
