"""Registration helpers (liburing's src/register.c)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.errno import EINVAL, EMFILE
from simuring.abi.io_uring import (
    IO_URING_BUF_SIZE,
    IORING_REGISTER_BUFFERS,
    IORING_REGISTER_BUFFERS2,
    IORING_REGISTER_BUFFERS_UPDATE,
    IORING_REGISTER_CLOCK,
    IORING_REGISTER_CLONE_BUFFERS,
    IORING_REGISTER_ENABLE_RINGS,
    IORING_REGISTER_EVENTFD,
    IORING_REGISTER_EVENTFD_ASYNC,
    IORING_REGISTER_FILE_ALLOC_RANGE,
    IORING_REGISTER_FILES,
    IORING_REGISTER_FILES2,
    IORING_REGISTER_FILES_UPDATE,
    IORING_REGISTER_FILES_UPDATE2,
    IORING_REGISTER_IOWQ_AFF,
    IORING_REGISTER_IOWQ_MAX_WORKERS,
    IORING_REGISTER_MEM_REGION,
    IORING_REGISTER_PBUF_RING,
    IORING_REGISTER_PBUF_STATUS,
    IORING_REGISTER_PERSONALITY,
    IORING_REGISTER_PROBE,
    IORING_REGISTER_RESIZE_RINGS,
    IORING_REGISTER_RESTRICTIONS,
    IORING_REGISTER_SEND_MSG_RING,
    IORING_REGISTER_SYNC_CANCEL,
    IORING_RSRC_REGISTER_SPARSE,
    IORING_SETUP_NO_MMAP,
    IORING_SETUP_NO_SQARRAY,
    IORING_UNREGISTER_BUFFERS,
    IORING_UNREGISTER_EVENTFD,
    IORING_UNREGISTER_FILES,
    IORING_UNREGISTER_IOWQ_AFF,
    IORING_UNREGISTER_PBUF_RING,
    IORING_UNREGISTER_PERSONALITY,
    RSRC_REGISTER_SIZE,
    RSRC_UPDATE2_SIZE,
    BufReg,
    BufRing,
    BufStatus,
    ClockRegister,
    CloneBuffers,
    CqringOffsets,
    FileIndexRange,
    Params,
    Probe,
    Restriction,
    RsrcRegister,
    RsrcUpdate,
    RsrcUpdate2,
    Sqe,
    SqringOffsets,
    SyncCancelReg,
)
from simuring.abi.posix import PAGE_SIZE, RLIMIT_NOFILE, Rlimit
from simuring.abi.regions import MemRegionReg
from simuring.libc.argcheck import need_int
from simuring.libc.cint import CInt
from simuring.libc.resource import getrlimit, setrlimit
from simuring.liburing.cq import io_uring_cq_advance
from simuring.liburing.ring import Ring, need_ring
from simuring.liburing.syscall import Gen, io_uring_register, mmap_rings


def io_uring_enable_rings(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, None, 0))


def io_uring_register_restrictions(ring: Ring, res: list[Restriction], nr_res: int) -> Gen:
    """IORING_REGISTER_RESTRICTIONS: ``nr_res`` entries of ``res`` limit, once the ring is
    enabled, the opcodes, SQE flags and register commands it accepts (a ring set up with
    IORING_SETUP_R_DISABLED only): 0 or -errno."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_RESTRICTIONS, res, nr_res))


def io_uring_resize_rings(ring: Ring, p: Params) -> Gen:
    """io_uring_resize_rings(3): IORING_REGISTER_RESIZE_RINGS, then map the new rings.

    A ring of IORING_SETUP_NO_MMAP is refused (-EINVAL) before the kernel is
    asked; the offsets of ``p`` are zeroed; after a success the rings are
    mapped again (the ring fd's mmap now gives the new ones), liburing's
    private SQ counters are kept and the SQ array maps slot i to SQE i again.
    ``p.flags`` is cleared on every return.  0 or -errno (the kernel's: -EINVAL,
    -EFAULT, -EOVERFLOW).
    """
    need_ring(ring)
    if not isinstance(p, Params):
        raise TypeError(f"io_uring_resize_rings: p must be a Params (struct io_uring_params), got {type(p).__name__}")
    if ring.flags & IORING_SETUP_NO_MMAP:
        return -EINVAL
    p.sq_off = SqringOffsets()
    p.cq_off = CqringOffsets()
    ret = yield from io_uring_register(ring.ring_fd, IORING_REGISTER_RESIZE_RINGS, p, 1)
    if ret >= 0:
        rings = yield from mmap_rings(ring.ring_fd)
        if isinstance(rings, int):
            ret = rings
        else:
            ring.rings = rings
            if not ring.flags & IORING_SETUP_NO_SQARRAY:
                array = rings.sq_array
                for i in range(len(array)):
                    array[i] = i
    p.flags = 0
    return ret


def io_uring_register_sync_cancel(ring: Ring, reg: SyncCancelReg) -> Gen:
    """IORING_REGISTER_SYNC_CANCEL: cancel what ``reg`` names and wait (up to its timeout) for
    matching requests that are running to finish: 0, -ENOENT, -ETIME or another -errno."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_SYNC_CANCEL, reg, 1))


def io_uring_register_sync_msg(sqe: Sqe) -> Gen:
    """io_uring_register_sync_msg(3): send the MSG_RING message ``sqe`` describes
    (filled by io_uring_prep_msg_ring) from no ring: io_uring_register(2) with
    fd -1 and IORING_REGISTER_SEND_MSG_RING."""
    return (yield from io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, sqe, 1))


def io_uring_register_clock(ring: Ring, arg: ClockRegister) -> Gen:
    """IORING_REGISTER_CLOCK: the clock the ring's wait timeouts count in (``arg.clockid``,
    CLOCK_MONOTONIC or CLOCK_BOOTTIME): 0 or -errno."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_CLOCK, arg, 0))


def io_uring_register_personality(ring: Ring) -> Gen:
    """IORING_REGISTER_PERSONALITY: the caller's credentials under a new id (the result),
    for ``sqe.personality``; or -errno."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_PERSONALITY, None, 0))


def io_uring_unregister_personality(ring: Ring, id: int) -> Gen:
    """IORING_UNREGISTER_PERSONALITY of ``id``: 0, or -EINVAL for an id not registered."""
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_PERSONALITY, None, id))


def increase_rlimit_nofile(nr: int) -> Gen:
    """liburing's ``increase_rlimit_nofile``: a soft RLIMIT_NOFILE below ``nr`` is raised by
    ``nr`` (setrlimit's own failure, past the hard limit, is ignored); 0, or getrlimit's error."""
    rlim = Rlimit()
    ret = yield from getrlimit(RLIMIT_NOFILE, rlim)
    if ret < 0:
        return ret
    if rlim.rlim_cur < nr:
        rlim.rlim_cur += nr
        yield from setrlimit(RLIMIT_NOFILE, rlim)
    return 0


def register_raising_nofile(ring: Ring, opcode: int, arg: Any, nr_args: int, nr: int) -> Gen:
    """io_uring_register(2) as liburing's file-table registrations issue it: on a first
    -EMFILE (a table of ``nr`` slots above RLIMIT_NOFILE, ``io_sqe_files_register``) the soft
    limit is raised (:func:`increase_rlimit_nofile`) and the call made once more."""
    did_increase = False
    while True:
        ret = yield from io_uring_register(ring.ring_fd, opcode, arg, nr_args)
        if ret != -EMFILE or did_increase:
            return ret
        did_increase = True
        yield from increase_rlimit_nofile(nr)


def io_uring_register_files(ring: Ring, files: list[int], nr_files: int) -> Gen:
    """IORING_REGISTER_FILES, retried once after raising RLIMIT_NOFILE on -EMFILE."""
    return (yield from register_raising_nofile(ring, IORING_REGISTER_FILES, list(files), nr_files, nr_files))


def io_uring_unregister_files(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_FILES, None, 0))


def io_uring_register_probe(ring: Ring, p: Probe, nr: int) -> Gen:
    """IORING_REGISTER_PROBE into ``p`` (zeroed, with at least ``nr`` ops): 0 or -errno."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, p, nr))


def io_uring_register_eventfd(ring: Ring, fd: int) -> Gen:
    """IORING_REGISTER_EVENTFD: ``fd`` (an eventfd) is signalled when CQEs are posted."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD, [fd], 1))


def io_uring_register_eventfd_async(ring: Ring, fd: int) -> Gen:
    """IORING_REGISTER_EVENTFD_ASYNC: as above, for completions posted from io-wq only."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD_ASYNC, [fd], 1))


def io_uring_unregister_eventfd(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_EVENTFD, None, 0))


def io_uring_register_files_update(ring: Ring, off: int, files: list[int], nr_files: int) -> Gen:
    """IORING_REGISTER_FILES_UPDATE: replace ``nr_files`` slots from ``off``; how many were done, or -errno."""
    up = RsrcUpdate(offset=off, data=list(files))
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE, up, nr_files))


def io_uring_register_files_tags(ring: Ring, files: list[int] | None, tags: list[int] | None, nr: int) -> Gen:
    """IORING_REGISTER_FILES2 with tags, retried once after raising RLIMIT_NOFILE on -EMFILE."""
    reg = RsrcRegister(nr=nr, data=None if files is None else list(files), tags=None if tags is None else list(tags))
    return (yield from register_raising_nofile(ring, IORING_REGISTER_FILES2, reg, RSRC_REGISTER_SIZE, nr))


def io_uring_register_files_sparse(ring: Ring, nr: int) -> Gen:
    """IORING_REGISTER_FILES2 with IORING_RSRC_REGISTER_SPARSE: ``nr`` empty slots (retried once
    after raising RLIMIT_NOFILE on -EMFILE)."""
    reg = RsrcRegister(nr=nr, flags=IORING_RSRC_REGISTER_SPARSE)
    return (yield from register_raising_nofile(ring, IORING_REGISTER_FILES2, reg, RSRC_REGISTER_SIZE, nr))


def io_uring_register_files_update_tag(ring: Ring, off: int, files: list[int], tags: list[int] | None, nr_files: int) -> Gen:
    """IORING_REGISTER_FILES_UPDATE2: replace ``nr_files`` slots from ``off`` with tags."""
    up = RsrcUpdate2(offset=off, data=list(files), tags=None if tags is None else list(tags), nr=nr_files)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE2, up, RSRC_UPDATE2_SIZE))


def io_uring_register_file_alloc_range(ring: Ring, off: int, length: int) -> Gen:
    """IORING_REGISTER_FILE_ALLOC_RANGE: the slots direct-descriptor allocation may use."""
    rng = FileIndexRange(off=off, len=length)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILE_ALLOC_RANGE, rng, 0))


def io_uring_register_iowq_max_workers(ring: Ring, values: list[int]) -> Gen:
    """IORING_REGISTER_IOWQ_MAX_WORKERS: ``values`` is [bounded, unbounded] (0: unchanged);
    the previous caps are written back into it."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IOWQ_MAX_WORKERS, values, 2))


def io_uring_register_iowq_aff(ring: Ring, cpusz: int, mask: bytes | bytearray) -> Gen:
    """IORING_REGISTER_IOWQ_AFF: the CPUs the ring's io-wq workers may run on (``cpusz`` bytes of ``mask``)."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IOWQ_AFF, mask, cpusz))


def io_uring_unregister_iowq_aff(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_IOWQ_AFF, None, 0))


def io_uring_register_buffers(ring: Ring, iovecs: list[Any], nr_iovecs: int) -> Gen:
    """IORING_REGISTER_BUFFERS: ``iovecs`` is the ``struct iovec`` array (buffers, or
    :class:`~simuring.abi.io_uring.Iovec`), ``nr_iovecs`` of them."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS, list(iovecs), nr_iovecs))


def io_uring_register_buffers_tags(ring: Ring, iovecs: list[Any], tags: list[int] | None, nr: int) -> Gen:
    """IORING_REGISTER_BUFFERS2 with tags (None: no tag array)."""
    reg = RsrcRegister(nr=nr, data=list(iovecs), tags=None if tags is None else list(tags))
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS2, reg, RSRC_REGISTER_SIZE))


def io_uring_register_buffers_sparse(ring: Ring, nr: int) -> Gen:
    """IORING_REGISTER_BUFFERS2 with IORING_RSRC_REGISTER_SPARSE: ``nr`` empty slots."""
    reg = RsrcRegister(nr=nr, flags=IORING_RSRC_REGISTER_SPARSE)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS2, reg, RSRC_REGISTER_SIZE))


def io_uring_register_buffers_update_tag(ring: Ring, off: int, iovecs: list[Any], tags: list[int] | None, nr: int) -> Gen:
    """IORING_REGISTER_BUFFERS_UPDATE: replace ``nr`` slots from ``off``; how many were done, or -errno."""
    up = RsrcUpdate2(offset=off, data=list(iovecs), tags=None if tags is None else list(tags), nr=nr)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS_UPDATE, up, RSRC_UPDATE2_SIZE))


def io_uring_unregister_buffers(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_BUFFERS, None, 0))


def io_uring_clone_buffers_offset(dst: Ring, src: Ring, dst_off: int, src_off: int, nr: int, flags: int) -> Gen:
    """IORING_REGISTER_CLONE_BUFFERS on ``dst``: ``nr`` registered buffers of ``src`` from
    its slot ``src_off`` into ``dst``'s table at ``dst_off`` (``nr`` 0: all of them);
    ``flags`` may hold IORING_REGISTER_DST_REPLACE.  0 or -errno."""
    arg = CloneBuffers(src_fd=src.ring_fd, flags=flags, src_off=src_off, dst_off=dst_off, nr=nr)
    return (yield from io_uring_register(dst.ring_fd, IORING_REGISTER_CLONE_BUFFERS, arg, 1))


def io_uring_clone_buffers(dst: Ring, src: Ring) -> Gen:
    """io_uring_clone_buffers(3): ``dst`` gets the whole buffer table of ``src`` (``dst`` must
    have none).  0 or -errno."""
    return (yield from io_uring_clone_buffers_offset(dst, src, 0, 0, 0, 0))


# -- provided-buffer rings (liburing's setup.c br_setup, register.c, liburing.h inlines) ----
def io_uring_register_buf_ring(ring: Ring, reg: BufReg, flags: CInt = 0) -> Gen:
    """IORING_REGISTER_PBUF_RING with ``reg`` (``flags`` is unused, as in liburing)."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_RING, reg, 1))


def io_uring_unregister_buf_ring(ring: Ring, bgid: CInt) -> Gen:
    """IORING_UNREGISTER_PBUF_RING of group ``bgid``."""
    need_int("io_uring_unregister_buf_ring", bgid=bgid)
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_PBUF_RING, BufReg(bgid=bgid & 0xFFFF), 1))


def io_uring_register_region(ring: Ring, reg: MemRegionReg) -> Gen:
    """io_uring_register_region(3): IORING_REGISTER_MEM_REGION with ``reg``
    (:mod:`simuring.kernel.memmap`); 0 or -errno."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_MEM_REGION, reg, 1))


def io_uring_buf_ring_head(ring: Ring, buf_group: CInt, head: list[int]) -> Gen:
    """IORING_REGISTER_PBUF_STATUS: the kernel's head of ring group ``buf_group`` into ``head[0]``."""
    need_int("io_uring_buf_ring_head", buf_group=buf_group)
    status = BufStatus(buf_group=buf_group & 0xFFFF_FFFF)
    ret = yield from io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_STATUS, status, 1)
    if not ret:
        head[0] = status.head
    return ret


def io_uring_setup_buf_ring(ring: Ring, nentries: CInt, bgid: CInt, flags: CInt, err: list[int]) -> Generator[Any, Any, BufRing | None]:
    """Map memory for a ring of ``nentries`` buffers, register it as group ``bgid``
    and initialise its tail: the ring, or None with ``err[0]`` the error (the
    memory is unmapped again).  A size of 0 fails as mmap(2) does (-EINVAL)."""
    need_int("io_uring_setup_buf_ring", nentries=nentries, bgid=bgid, flags=flags)
    err[0] = 0
    size = (nentries & 0xFFFF_FFFF) * IO_URING_BUF_SIZE
    if not size:
        err[0] = -EINVAL
        return None
    nbytes = -(-size // PAGE_SIZE) * PAGE_SIZE
    br = BufRing(nbytes // IO_URING_BUF_SIZE, nbytes)
    reg = BufReg(ring_addr=br, ring_entries=nentries & 0xFFFF_FFFF, bgid=bgid & 0xFFFF, flags=flags & 0xFFFF)
    ret = yield from io_uring_register(ring.ring_fd, IORING_REGISTER_PBUF_RING, reg, 1)
    if ret:
        err[0] = ret
        return None
    io_uring_buf_ring_init(br)
    return br


def io_uring_free_buf_ring(ring: Ring, br: BufRing, nentries: CInt, bgid: CInt) -> Gen:
    """Unregister group ``bgid`` and unmap its ring: 0 or the unregister's -errno."""
    return (yield from io_uring_unregister_buf_ring(ring, bgid))


def io_uring_buf_ring_init(br: BufRing) -> None:
    """The ring's tail to 0."""
    br.tail = 0


def io_uring_buf_ring_mask(ring_entries: CInt) -> int:
    return (ring_entries - 1) & 0xFFFF_FFFF


def io_uring_buf_ring_add(br: BufRing, addr: Any, length: CInt, bid: CInt, mask: CInt, buf_offset: CInt) -> None:
    """Fill the entry ``buf_offset`` places past the tail (not yet visible to the kernel)."""
    need_int("io_uring_buf_ring_add", len=length, bid=bid, mask=mask, buf_offset=buf_offset)
    buf = br.bufs[((br.tail + buf_offset) & mask) % len(br.bufs)]
    buf.addr = addr
    buf.len = length & 0xFFFF_FFFF
    buf.bid = bid & 0xFFFF


def io_uring_buf_ring_advance(br: BufRing, count: CInt) -> None:
    """Publish ``count`` added entries: the tail moves on (a release store in C)."""
    br.tail = (br.tail + count) & 0xFFFF


def io_uring_buf_ring_cq_advance(ring: Ring, br: BufRing, count: CInt) -> None:
    """``io_uring_buf_ring_advance`` and ``io_uring_cq_advance`` of ``count`` at once."""
    io_uring_buf_ring_advance(br, count)
    io_uring_cq_advance(ring, count)
