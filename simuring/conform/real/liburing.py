"""liburing's ring logic over a real ring, as plain Python functions.

Written from liburing's documented behaviour (io_uring_submit(3),
io_uring_wait_cqe(3), io_uring_peek_cqe(3), io_uring_get_sqe(3), ...) and
the ring protocol of io_uring(7):

* ``get_sqe`` claims the next slot when ``sqe_tail + 1 - khead`` does not
  exceed the SQ size, and zeroes it;
* ``flush_sq`` publishes the claimed slots by storing the new SQ tail
  (a release store) and says how many the kernel has yet to consume;
* ``submit`` enters the kernel only when it must: SQEs to submit (no
  SQPOLL, or SQPOLL asleep: IORING_ENTER_SQ_WAKEUP), completions to wait
  for, or CQ work to flush (IORING_SQ_CQ_OVERFLOW / IORING_SQ_TASKRUN);
* ``get_cqe`` peeks the CQ and enters with GETEVENTS (and EXT_ARG for a
  timeout) until enough completions are visible;
* ``cq_advance`` / ``cqe_seen`` store the new CQ head (a release store).

These functions never sleep in Python; the kernel may block inside
io_uring_enter.  Results are C's: a count, 0, or ``-errno``.
"""

from __future__ import annotations

import ctypes
from typing import Any

from simuring.abi.cq_mixed import io_uring_cqe_nr, is_skip, peek_batch
from simuring.abi.limits import U32, U64
from simuring.abi.regions import reg_wait_store  # noqa: F401 - L.reg_wait_store: the one layout, both backends
from simuring.abi.ring_mem import ring_mem_layout
from simuring.conform.real import abi as cabi
from simuring.conform.real import bufring
from simuring.conform.real import syscalls as sysnr
from simuring.conform.real.abi import GeteventsArg, IoUringParams, probe_struct
from simuring.conform.real.memory import Pins
from simuring.conform.real.ring import Ring
from simuring.conform.real.rlimit import increase_rlimit_nofile
from simuring.conform.real.sqe import RealSqe
from simuring.errno import EAGAIN, EINVAL, EMFILE, EOPNOTSUPP, ETIME
from simuring.uapi import (
    IORING_CQ_EVENTFD_DISABLED,
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_GETEVENTS,
    IORING_ENTER_SQ_WAIT,
    IORING_ENTER_SQ_WAKEUP,
    IORING_FEAT_EXT_ARG,
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
    IORING_REGISTER_PERSONALITY,
    IORING_REGISTER_PROBE,
    IORING_REGISTER_RESIZE_RINGS,
    IORING_REGISTER_RESTRICTIONS,
    IORING_REGISTER_SEND_MSG_RING,
    IORING_REGISTER_SYNC_CANCEL,
    IORING_REGISTER_USE_REGISTERED_RING,
    IORING_RSRC_REGISTER_SPARSE,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_NO_MMAP,
    IORING_SETUP_SQPOLL,
    IORING_SQ_CQ_OVERFLOW,
    IORING_SQ_NEED_WAKEUP,
    IORING_SQ_TASKRUN,
    IORING_UNREGISTER_BUFFERS,
    IORING_UNREGISTER_EVENTFD,
    IORING_UNREGISTER_FILES,
    IORING_UNREGISTER_IOWQ_AFF,
    IORING_UNREGISTER_PERSONALITY,
    RSRC_REGISTER_SIZE,
    RSRC_UPDATE2_SIZE,
    BufReg,
    BufStatus,
    ClockRegister,
    CloneBuffers,
    Cqe,
    CqringOffsets,
    FileIndexRange,
    IoUringCqe,
    MemRegionReg,
    Params,
    Probe,
    ProbeOp,
    RegionDesc,
    Restriction,
    RsrcRegister,
    RsrcUpdate,
    RsrcUpdate2,
    Sqe,
    SqringOffsets,
    SyncCancelReg,
    Timespec,
)

#: ``_NSIG / 8``: the size of a signal mask, passed with every enter as liburing does.
SIGSET_SIZE = 8


# -- raw system calls ---------------------------------------------------------------
def _params_in(p: Params) -> IoUringParams:
    cp = IoUringParams()
    cp.sq_entries, cp.cq_entries, cp.flags = p.sq_entries, p.cq_entries, p.flags
    cp.sq_thread_cpu, cp.sq_thread_idle, cp.wq_fd = p.sq_thread_cpu, p.sq_thread_idle, p.wq_fd
    for i, v in enumerate(list(p.resv)[:3]):
        cp.resv[i] = v
    cp.sq_off.user_addr = ring_memory(getattr(p.sq_off, "user_addr", 0))
    cp.cq_off.user_addr = ring_memory(getattr(p.cq_off, "user_addr", 0))
    return cp


def ring_memory(addr: Any) -> int:
    """The address of an IORING_SETUP_NO_MMAP ring's memory (``sq_off`` / ``cq_off.user_addr``): an
    int as it stands, or memory mmap(2) gave (the kernel pins it and writes the rings there for
    the ring's lifetime, so memory Python may reuse, a ``bytearray``, is refused)."""
    if addr is None or isinstance(addr, int):
        return (addr or 0) & U64
    if isinstance(addr, memoryview) and isinstance(addr.obj, ctypes.Array):
        return ctypes.addressof(addr.obj)
    raise TypeError("an IORING_SETUP_NO_MMAP ring's memory must come from L.mmap (or be an int address)")


def _params_out(cp: IoUringParams, p: Params) -> None:
    """Copy what the kernel wrote back into simuring's ``Params``."""
    p.sq_entries, p.cq_entries, p.flags = cp.sq_entries, cp.cq_entries, cp.flags
    p.sq_thread_cpu, p.sq_thread_idle, p.features = cp.sq_thread_cpu, cp.sq_thread_idle, cp.features
    p.wq_fd = cp.wq_fd
    p.resv = list(cp.resv)
    p.sq_off = SqringOffsets(**{name: getattr(cp.sq_off, name) for name, _ in cp.sq_off._fields_})
    p.cq_off = CqringOffsets(**{name: getattr(cp.cq_off, name) for name, _ in cp.cq_off._fields_})


def io_uring_setup(entries: int, p: Params) -> int:
    """io_uring_setup(2): a ring fd or -errno; ``p`` is filled as the kernel fills it."""
    if not isinstance(p, Params):
        raise TypeError("io_uring_setup(entries, p): p must be a Params")
    cp = _params_in(p)
    ret = sysnr.setup(entries, ctypes.addressof(cp))
    _params_out(cp, p)
    return ret


def io_uring_enter(fd: int, to_submit: int, min_complete: int, flags: int, sig: Any = None) -> int:
    """io_uring_enter(2) with a signal mask pointer (None: NULL), as liburing's ``__sys_io_uring_enter``."""
    pins = Pins()
    return sysnr.enter(fd, to_submit, min_complete, flags, pins.address(sig), SIGSET_SIZE)


def io_uring_enter2(fd: int, to_submit: int, min_complete: int, flags: int, arg: Any = None, sz: int = 0) -> int:
    """io_uring_enter(2) with ``arg`` and ``sz`` passed through.

    ``arg`` is a :class:`simuring.uapi.GeteventsArg` (converted to the C
    struct) with IORING_ENTER_EXT_ARG, or None / an address; ``sz`` is passed
    as given, as C passes it (``sizeof(struct io_uring_getevents_arg)`` is 24).
    """
    pins = Pins()
    return sysnr.enter(fd, to_submit, min_complete, flags, pins.address(arg), sz)


def io_uring_register(fd: int, opcode: int, arg: Any, nr_args: int) -> int:
    """io_uring_register(2); a list of fds is passed as an ``int`` array, a
    :class:`~simuring.uapi.Probe` as ``struct io_uring_probe`` (copied back)."""
    if isinstance(arg, Probe):
        return _register_probe(fd, opcode, arg, nr_args)
    if isinstance(arg, Params):  # IORING_REGISTER_RESIZE_RINGS: written back as the kernel writes it
        cp = _params_in(arg)
        ret = sysnr.register(fd, opcode, ctypes.addressof(cp), nr_args)
        _params_out(cp, arg)
        return ret
    if isinstance(arg, BufStatus):
        return bufring.register_status(fd, opcode, arg, nr_args, sysnr.register)
    if isinstance(arg, BufReg):
        pins = Pins()
        return sysnr.register(fd, opcode, bufring.register_arg(arg, pins), nr_args)
    if isinstance(arg, MemRegionReg):
        return _register_mem_region(fd, opcode, arg, nr_args)
    if isinstance(arg, list) and arg and all(isinstance(x, RsrcUpdate) for x in arg):
        return _register_update_array(fd, opcode, arg, nr_args)
    if isinstance(arg, ClockRegister):
        clk = cabi.ClockRegister()
        clk.clockid = arg.clockid & U32
        clk.resv[:] = [v & U32 for v in arg.resv[:3]]
        return sysnr.register(fd, opcode, ctypes.addressof(clk), nr_args)
    if isinstance(arg, CloneBuffers):
        cb = cabi.CloneBuffers()
        cb.src_fd, cb.flags, cb.src_off = arg.src_fd & U32, arg.flags & U32, arg.src_off & U32
        cb.dst_off, cb.nr = arg.dst_off & U32, arg.nr & U32
        cb.pad[:] = [v & U32 for v in arg.pad[:3]]
        return sysnr.register(fd, opcode, ctypes.addressof(cb), nr_args)
    if isinstance(arg, Sqe):  # IORING_REGISTER_SEND_MSG_RING: a struct io_uring_sqe
        pins = Pins()
        mem = ctypes.create_string_buffer(cabi.SQE_SIZE)
        sqe = RealSqe(ctypes.addressof(mem), pins)
        for name in cabi.SQE_FIELDS:
            setattr(sqe, name, getattr(arg, name))
        return sysnr.register(fd, opcode, ctypes.addressof(mem), nr_args)
    if isinstance(arg, SyncCancelReg):
        sc = cabi.SyncCancelReg()
        sc.addr, sc.fd, sc.flags = arg.addr & 0xFFFF_FFFF_FFFF_FFFF, arg.fd, arg.flags & U32
        sc.timeout.tv_sec, sc.timeout.tv_nsec = arg.timeout.tv_sec, arg.timeout.tv_nsec
        sc.opcode = arg.opcode & 0xFF
        sc.pad[:] = [v & 0xFF for v in arg.pad[:7]]
        sc.pad2[:] = [v & 0xFFFF_FFFF_FFFF_FFFF for v in arg.pad2[:3]]
        return sysnr.register(fd, opcode, ctypes.addressof(sc), nr_args)
    if isinstance(arg, list) and arg and all(isinstance(x, Restriction) for x in arg):
        res = (cabi.Restriction * len(arg))()
        for i, r in enumerate(arg):
            res[i].opcode, res[i].arg, res[i].resv = r.opcode & 0xFFFF, r.arg & 0xFF, r.resv & 0xFF
            res[i].resv2[:] = [v & U32 for v in r.resv2[:3]]
        return sysnr.register(fd, opcode, ctypes.addressof(res), nr_args)
    if opcode & ~IORING_REGISTER_USE_REGISTERED_RING == IORING_REGISTER_IOWQ_MAX_WORKERS and isinstance(arg, list):
        counts = (ctypes.c_uint32 * max(2, len(arg)))(*[v & U32 for v in arg])
        ret = sysnr.register(fd, opcode, ctypes.addressof(counts), nr_args)
        arg[:] = list(counts)[: len(arg)]  # the previous caps, written back
        return ret
    pins = Pins()
    return sysnr.register(fd, opcode, _rsrc_struct(pins, arg), nr_args)


def _register_update_array(fd: int, opcode: int, updates: list[RsrcUpdate], nr_args: int) -> int:
    """An array of ``struct io_uring_rsrc_update`` whose ``data`` are ring fds
    (IORING_REGISTER_RING_FDS / UNREGISTER_RING_FDS); the offsets the kernel
    writes back are copied into the Python entries."""
    arr = (cabi.RsrcUpdate * len(updates))()
    for i, up in enumerate(updates):
        data = up.data if isinstance(up.data, int) else 0
        arr[i].offset, arr[i].resv, arr[i].data = up.offset & U32, up.resv & U32, data & 0xFFFF_FFFF_FFFF_FFFF
    ret = sysnr.register(fd, opcode, ctypes.addressof(arr), nr_args)
    for i, up in enumerate(updates):
        up.offset = arr[i].offset
    return ret


def _u64_array(pins: Pins, values: list[int] | None) -> int:
    """A ``__u64`` array (tags), or 0 for None."""
    if values is None:
        return 0
    arr = (ctypes.c_uint64 * max(1, len(values)))(*[v & 0xFFFF_FFFF_FFFF_FFFF for v in values])
    return pins.keep(arr)


def _rsrc_struct(pins: Pins, arg: Any) -> int:
    """The address of ``arg``: the rsrc structs (:class:`~simuring.uapi.RsrcUpdate`, ...)
    as their C structs with their fd (``__s32``) and tag (``__u64``) arrays; anything
    else as :class:`Pins` converts it."""
    if isinstance(arg, RsrcUpdate):
        return pins.keep(cabi.RsrcUpdate(arg.offset & U32, arg.resv & U32, pins.address(arg.data)))
    if isinstance(arg, RsrcUpdate2):
        c2 = cabi.RsrcUpdate2(arg.offset, arg.resv, pins.address(arg.data), _u64_array(pins, arg.tags), arg.nr, arg.resv2)
        return pins.keep(c2)
    if isinstance(arg, RsrcRegister):
        cr = cabi.RsrcRegister(arg.nr, arg.flags, arg.resv2, pins.address(arg.data), _u64_array(pins, arg.tags))
        return pins.keep(cr)
    if isinstance(arg, FileIndexRange):
        return pins.keep(cabi.FileIndexRange(arg.off, arg.len, arg.resv))
    return pins.address(arg)


def _register_probe(fd: int, opcode: int, p: Probe, nr_args: int) -> int:
    """Pass ``p`` as ``struct io_uring_probe`` with ``len(p.ops)`` entries; copy back what the kernel wrote."""
    cp = probe_struct(len(p.ops))()
    cp.last_op, cp.ops_len, cp.resv = p.last_op, p.ops_len, p.resv
    for i, v in enumerate(list(p.resv2)[:3]):
        cp.resv2[i] = v
    for i, op in enumerate(p.ops):
        cp.ops[i].op, cp.ops[i].resv, cp.ops[i].flags, cp.ops[i].resv2 = op.op, op.resv, op.flags, op.resv2
    ret = sysnr.register(fd, opcode, ctypes.addressof(cp), nr_args)
    p.last_op, p.ops_len, p.resv, p.resv2 = cp.last_op, cp.ops_len, cp.resv, list(cp.resv2)
    p.ops = [ProbeOp(c.op, c.resv, c.flags, c.resv2) for c in cp.ops]
    return ret


def _register_mem_region(fd: int, opcode: int, reg: MemRegionReg, nr_args: int) -> int:
    """Pass ``reg`` as ``struct io_uring_mem_region_reg`` (its :class:`RegionDesc` as
    ``struct io_uring_region_desc``, whose ``mmap_offset`` is copied back)."""
    pins = Pins()
    c = cabi.MemRegionReg()
    desc = reg.region_uptr
    cd = cabi.RegionDesc()
    if isinstance(desc, RegionDesc):
        cd.user_addr = pins.address(desc.user_addr)
        cd.size, cd.flags, cd.id, cd.mmap_offset = desc.size & U64, desc.flags & U32, desc.id & U32, desc.mmap_offset & U64
        for i, v in enumerate(list(desc.resv)[:4]):
            cd.resv[i] = v & U64
        c.region_uptr = pins.keep(cd)
    else:
        c.region_uptr = pins.address(desc)
    c.flags = reg.flags & U64
    for i, v in enumerate(list(reg.resv)[:2]):
        c.resv[i] = v & U64
    ret = sysnr.register(fd, opcode, ctypes.addressof(c), nr_args)
    if isinstance(desc, RegionDesc):
        desc.mmap_offset = int(cd.mmap_offset)
    return ret


def io_uring_register_region(ring: Ring, reg: MemRegionReg) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_MEM_REGION, reg, 1)


# -- setup and teardown ---------------------------------------------------------------
def io_uring_queue_init_params(entries: int, ring: Ring, p: Params) -> int:
    """Create a ring and map it into ``ring``: 0 or -errno (the fd is closed on a mapping failure)."""
    if not isinstance(ring, Ring):
        raise TypeError(f"expected a Ring (struct io_uring), got {type(ring).__name__}")
    if p.flags & IORING_SETUP_NO_MMAP:
        raise NotImplementedError("IORING_SETUP_NO_MMAP rings (user-provided ring memory) are not supported by the real backend")
    fd = io_uring_setup(entries, p)
    if fd < 0:
        return fd
    ret = ring.map(fd, p)
    if ret < 0:
        sysnr.close(fd)
    return ret


def io_uring_queue_init_mem(entries: int, ring: Ring, p: Params, buf: Any, buf_size: int) -> int:
    """io_uring_queue_init_mem(3): an IORING_SETUP_NO_MMAP ring in ``buf`` (memory from L.mmap), laid
    out as liburing does (:func:`~simuring.abi.ring_mem.ring_mem_layout`); the bytes used or -errno."""
    if not isinstance(ring, Ring):
        raise TypeError(f"expected a Ring (struct io_uring), got {type(ring).__name__}")
    p.flags |= IORING_SETUP_NO_MMAP
    layout = ring_mem_layout(entries, p.flags, p.cq_entries, buf_size)
    if isinstance(layout, int):
        return layout
    base = ring_memory(buf)
    p.sq_off.user_addr, p.cq_off.user_addr = base, base + layout.rings_off
    fd = io_uring_setup(entries, p)
    if fd < 0:
        return fd
    ring.use_memory(fd, p, base, base + layout.rings_off)
    return layout.used


def io_uring_queue_init(entries: int, ring: Ring, flags: int = 0) -> int:
    return io_uring_queue_init_params(entries, ring, Params(flags=flags))


def io_uring_queue_exit(ring: Ring) -> None:
    """Unmap the rings and close the ring fd."""
    ring.unmap()
    if ring.ring_fd >= 0:
        sysnr.close(ring.ring_fd)
    ring.ring_fd = -1
    for br in ring.buf_rings:
        br.unmap()
    ring.buf_rings.clear()


# -- SQEs -------------------------------------------------------------------------------
def io_uring_get_sqe(ring: Ring) -> Any:
    """The next free SQE, zeroed, or None when the SQ is full."""
    if not ring.mapped:
        raise ValueError("ring is not initialised: call io_uring_queue_init(entries, ring, flags) first")
    nxt = (ring.sqe_tail + 1) & U32
    if ((nxt - ring.sq_khead.value) & U32) > ring.sq_entries:
        return None
    sqe = ring.sqe_at(ring.sqe_tail)
    ring.sqe_tail = nxt
    sqe.clear()
    return sqe


def flush_sq(ring: Ring) -> int:
    """Publish the claimed SQEs (release store of the SQ tail); how many are pending."""
    tail = ring.sqe_tail
    if ring.sqe_head != tail:
        ring.sqe_head = tail
        ring.sq_ktail.value = tail & U32
    return (tail - ring.sq_khead.value) & U32


def _sq_ring_needs_enter(ring: Ring, submit: int) -> tuple[bool, int]:
    if not submit:
        return False, 0
    if not ring.flags & IORING_SETUP_SQPOLL:
        return True, 0
    if ring.sq_kflags.value & IORING_SQ_NEED_WAKEUP:
        return True, IORING_ENTER_SQ_WAKEUP
    return False, 0


def _cq_ring_needs_flush(ring: Ring) -> bool:
    return bool(ring.sq_kflags.value & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN))


def _cq_ring_needs_enter(ring: Ring) -> bool:
    return bool(ring.flags & IORING_SETUP_IOPOLL) or _cq_ring_needs_flush(ring)


def _submit(ring: Ring, submitted: int, wait_nr: int, getevents: bool = False) -> int:
    cq_needs_enter = getevents or wait_nr > 0 or _cq_ring_needs_enter(ring)
    needs, flags = _sq_ring_needs_enter(ring, submitted)
    if needs or cq_needs_enter:
        if cq_needs_enter:
            flags |= IORING_ENTER_GETEVENTS
        return io_uring_enter(ring.ring_fd, submitted, wait_nr, flags, None)
    return submitted


def io_uring_submit(ring: Ring) -> int:
    return _submit(ring, flush_sq(ring), 0)


def io_uring_submit_and_wait(ring: Ring, wait_nr: int) -> int:
    return _submit(ring, flush_sq(ring), wait_nr)


def io_uring_submit_and_get_events(ring: Ring) -> int:
    return _submit(ring, flush_sq(ring), 0, True)


def io_uring_get_events(ring: Ring) -> int:
    return io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, None)


# -- completions ----------------------------------------------------------------------------
#: liburing's ``(__u64) -1``: the user_data of the TIMEOUT its waits queue without EXT_ARG.
LIBURING_UDATA_TIMEOUT = 0xFFFF_FFFF_FFFF_FFFF


def _peek(ring: Ring) -> tuple[IoUringCqe | None, int]:
    if not ring.mapped:
        raise ValueError("ring is not initialised: call io_uring_queue_init(entries, ring, flags) first")
    head = ring.cq_khead.value
    available = (ring.cq_ktail.value - head) & U32
    if not available:
        return None, 0
    return ring.cqe_at(head), available


def _peek_skipping(ring: Ring) -> tuple[int, IoUringCqe | None, int]:
    """``(err, cqe, available)``: without IORING_FEAT_EXT_ARG in ``ring.features``, CQEs with
    user_data LIBURING_UDATA_TIMEOUT (the waits' own timeouts) are consumed on the way; a failed
    one (-ETIME) ends the peek with its error and no CQE."""
    cqe, available = _peek(ring)
    while cqe is not None:
        if is_skip(cqe):  # a mixed ring's padding entry (io_uring_skip_cqe)
            io_uring_cq_advance(ring, io_uring_cqe_nr(cqe))
        elif ring.features & IORING_FEAT_EXT_ARG or cqe.user_data != LIBURING_UDATA_TIMEOUT:
            break
        else:
            io_uring_cq_advance(ring, io_uring_cqe_nr(cqe))
            if cqe.res < 0:
                return cqe.res, None, available
        cqe, available = _peek(ring)
    return 0, cqe, available


def _submit_timeout(ring: Ring, wait_nr: int, ts: Timespec) -> int:
    """A wait without EXT_ARG: queue a TIMEOUT of ``ts``, count ``wait_nr``, user_data
    LIBURING_UDATA_TIMEOUT (submitting first if the SQ is full; -EAGAIN if it stays full);
    how many SQEs are pending."""
    from simuring.conform.real.prep import io_uring_prep_timeout

    sqe = io_uring_get_sqe(ring)
    if sqe is None:
        ret = io_uring_submit(ring)
        if ret < 0:
            return ret
        sqe = io_uring_get_sqe(ring)
        if sqe is None:
            return -EAGAIN
    io_uring_prep_timeout(sqe, ts, wait_nr, 0)
    sqe.user_data = LIBURING_UDATA_TIMEOUT
    return flush_sq(ring)


class _ExtArg:
    """The EXT_ARG argument of a timed wait, kept alive for the whole wait."""

    def __init__(self, ts: Timespec | None) -> None:
        self.pins = Pins()
        self.has_ts = ts is not None
        arg = GeteventsArg(0, SIGSET_SIZE, 0, self.pins.address(ts))
        self.addr = self.pins.keep(arg)
        self.size = ctypes.sizeof(GeteventsArg)


def _get_cqe(ring: Ring, cqe_ptr: Cqe, submit: int, wait_nr: int, ext: _ExtArg | None = None) -> int:
    """Peek; enter the kernel only while the CQ cannot yet satisfy the caller."""
    if not isinstance(cqe_ptr, Cqe):
        raise TypeError("pass a Cqe() container: its [0] is filled with the completion")
    err = 0
    looped = False
    cqe: IoUringCqe | None = None
    while True:
        need_enter = False
        flags = 0
        peek_err, cqe, available = _peek_skipping(ring)
        if peek_err:
            if not err:
                err = peek_err
            break
        if cqe is None and not wait_nr and not submit:
            if looped or not _cq_ring_needs_enter(ring):
                if not err:
                    err = -EAGAIN
                break
            need_enter = True
        if wait_nr > available or need_enter:
            flags = IORING_ENTER_GETEVENTS | (IORING_ENTER_EXT_ARG if ext is not None else 0)
            need_enter = True
        needs, sq_flags = _sq_ring_needs_enter(ring, submit)
        flags |= sq_flags
        need_enter = need_enter or needs
        if not need_enter:
            break
        if looped and ext is not None and ext.has_ts:
            if cqe is None and not err:
                err = -ETIME
            break
        if ext is not None:
            ret = io_uring_enter2(ring.ring_fd, submit, wait_nr, flags, ext.addr, ext.size)
        else:
            ret = io_uring_enter(ring.ring_fd, submit, wait_nr, flags, None)
        if ret < 0:
            if not err:
                err = ret
            break
        submit -= ret
        if cqe is not None:
            break
        if not looped:
            looped = True
            err = ret
    cqe_ptr[0] = cqe
    return err


def io_uring_wait_cqe_nr(ring: Ring, cqe_ptr: Cqe, wait_nr: int) -> int:
    return _get_cqe(ring, cqe_ptr, 0, wait_nr)


def io_uring_wait_cqe(ring: Ring, cqe_ptr: Cqe) -> int:
    """0 with ``cqe_ptr[0]`` the next completion (waiting for it if needed), or -errno."""
    err, cqe, _ = _peek_skipping(ring)
    if not err and cqe is not None:
        cqe_ptr[0] = cqe
        return 0
    return _get_cqe(ring, cqe_ptr, 0, 1)


def io_uring_wait_cqes(ring: Ring, cqe_ptr: Cqe, wait_nr: int, ts: Timespec | None, sigmask: Any = None) -> int:
    """Wait for ``wait_nr`` completions for at most ``ts``: through IORING_ENTER_EXT_ARG when
    ``ring.features`` has IORING_FEAT_EXT_ARG, else with a TIMEOUT SQE submitted for the wait."""
    if sigmask is not None:
        raise NotImplementedError("a signal mask is not supported by the real backend (simuring ignores it)")
    if ts is None:
        return _get_cqe(ring, cqe_ptr, 0, wait_nr)
    if ring.features & IORING_FEAT_EXT_ARG:
        return _get_cqe(ring, cqe_ptr, 0, wait_nr, _ExtArg(ts))
    to_submit = _submit_timeout(ring, wait_nr, ts)
    if to_submit < 0:
        return to_submit
    return _get_cqe(ring, cqe_ptr, to_submit, wait_nr)


def io_uring_wait_cqe_timeout(ring: Ring, cqe_ptr: Cqe, ts: Timespec | None) -> int:
    return io_uring_wait_cqes(ring, cqe_ptr, 1, ts)


def io_uring_submit_and_wait_timeout(ring: Ring, cqe_ptr: Cqe, wait_nr: int, ts: Timespec | None, sigmask: Any = None) -> int:
    if sigmask is not None:
        raise NotImplementedError("a signal mask is not supported by the real backend (simuring ignores it)")
    if ts is None:
        return _get_cqe(ring, cqe_ptr, flush_sq(ring), wait_nr)
    if ring.features & IORING_FEAT_EXT_ARG:
        return _get_cqe(ring, cqe_ptr, flush_sq(ring), wait_nr, _ExtArg(ts))
    to_submit = _submit_timeout(ring, wait_nr, ts)
    if to_submit < 0:
        return to_submit
    return _get_cqe(ring, cqe_ptr, to_submit, wait_nr)


def io_uring_peek_cqe(ring: Ring, cqe_ptr: Cqe) -> int:
    """0 with ``cqe_ptr[0]`` set if a completion is ready (flushing overflow or task work first if flagged), else -EAGAIN."""
    err, cqe, _ = _peek_skipping(ring)
    if not err and cqe is not None:
        cqe_ptr[0] = cqe
        return 0
    return _get_cqe(ring, cqe_ptr, 0, 0)


def io_uring_peek_batch_cqe(ring: Ring, cqes: Cqe, count: int) -> int:
    """Fill ``cqes[0..n-1]`` with up to ``count`` ready completions (flushing once if the CQ is empty and work is flagged)."""
    flushed = False
    while True:
        head = ring.cq_khead.value
        ready = (ring.cq_ktail.value - head) & U32
        if ready:
            skipped, found = peek_batch(ring.cqe_at, head, ready, min(count, len(cqes)))
            io_uring_cq_advance(ring, skipped)
            cqes[: len(found)] = found
            return len(found)
        if flushed or not _cq_ring_needs_flush(ring):
            return 0
        io_uring_get_events(ring)
        flushed = True


def io_uring_cq_advance(ring: Ring, nr: int) -> None:
    if nr:
        ring.cq_khead.value = (ring.cq_khead.value + nr) & U32


def io_uring_cqe_seen(ring: Ring, cqe: IoUringCqe | None) -> None:
    if cqe is not None:
        io_uring_cq_advance(ring, io_uring_cqe_nr(cqe))


def io_uring_cq_ready(ring: Ring) -> int:
    return (ring.cq_ktail.value - ring.cq_khead.value) & U32


def io_uring_cq_has_overflow(ring: Ring) -> bool:
    return bool(ring.sq_kflags.value & IORING_SQ_CQ_OVERFLOW)


def io_uring_cq_eventfd_enabled(ring: Ring) -> bool:
    """True without a CQ flags word (as liburing), else whether IORING_CQ_EVENTFD_DISABLED is clear."""
    if ring.cq_kflags is None:
        return True
    return not ring.cq_kflags.value & IORING_CQ_EVENTFD_DISABLED


def io_uring_cq_eventfd_toggle(ring: Ring, enabled: bool) -> int:
    """Set or clear IORING_CQ_EVENTFD_DISABLED in the CQ ring's flags word: 0, or -EOPNOTSUPP without one."""
    if bool(enabled) == io_uring_cq_eventfd_enabled(ring):
        return 0
    if ring.cq_kflags is None:
        return -EOPNOTSUPP
    if enabled:
        ring.cq_kflags.value &= ~IORING_CQ_EVENTFD_DISABLED & U32
    else:
        ring.cq_kflags.value |= IORING_CQ_EVENTFD_DISABLED
    return 0


def io_uring_sq_ready(ring: Ring) -> int:
    return (ring.sqe_tail - ring.sq_khead.value) & U32


def io_uring_sq_space_left(ring: Ring) -> int:
    return int(ring.sq_entries) - io_uring_sq_ready(ring)


def io_uring_cqe_get_data64(cqe: IoUringCqe) -> int:
    return cqe.user_data


def io_uring_sqring_wait(ring: Ring) -> int:
    """liburing.h's inline: 0 at once without SQPOLL or with SQ space left, else an
    IORING_ENTER_SQ_WAIT enter (``__io_uring_sqring_wait``) that returns once the SQ thread
    has made room."""
    if not ring.flags & IORING_SETUP_SQPOLL or io_uring_sq_space_left(ring):
        return 0
    return io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAIT, None)


# -- the shared ring words liburing's tests use through struct io_uring ----------------------
def sq_kflags(ring: Ring) -> int:
    """``*ring->sq.kflags``."""
    return int(ring.sq_kflags.value)


def sq_kdropped(ring: Ring) -> int:
    """``*ring->sq.kdropped``."""
    return int(ring.sq_kdropped.value)


def sq_array_store(ring: Ring, slot: int, index: int) -> None:
    """``ring->sq.array[slot & mask] = index`` (no effect without an SQ array: IORING_SETUP_NO_SQARRAY)."""
    if ring.sq_array:
        ctypes.c_uint32.from_address(ring.sq_array + 4 * (slot & ring.sq_mask)).value = index & U32


# -- registration helpers -------------------------------------------------------------------
def io_uring_enable_rings(ring: Ring) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, None, 0)


def io_uring_register_restrictions(ring: Ring, res: list[Any], nr_res: int) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_RESTRICTIONS, res, nr_res)


def io_uring_resize_rings(ring: Ring, p: Params) -> int:
    """io_uring_resize_rings(3): IORING_REGISTER_RESIZE_RINGS, then the new rings are mapped
    in place of the old ones (:meth:`Ring.remap`); ``p.flags`` is cleared on every return."""
    if ring.flags & IORING_SETUP_NO_MMAP:
        return -EINVAL
    p.sq_off = SqringOffsets()
    p.cq_off = CqringOffsets()
    ret = io_uring_register(ring.ring_fd, IORING_REGISTER_RESIZE_RINGS, p, 1)
    if ret >= 0:
        ret = ring.remap(p)
    p.flags = 0
    return ret


def io_uring_register_sync_cancel(ring: Ring, reg: Any) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_SYNC_CANCEL, reg, 1)


def io_uring_register_sync_msg(sqe: Any) -> int:
    return io_uring_register(-1, IORING_REGISTER_SEND_MSG_RING, sqe, 1)


def io_uring_register_clock(ring: Ring, arg: Any) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_CLOCK, arg, 0)


def io_uring_register_personality(ring: Ring) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_PERSONALITY, None, 0)


def io_uring_unregister_personality(ring: Ring, id: int) -> int:
    return io_uring_register(ring.ring_fd, IORING_UNREGISTER_PERSONALITY, None, id)


def _register_raising_nofile(ring: Ring, opcode: int, arg: Any, nr_args: int, nr: int) -> int:
    """io_uring_register(2) retried once after liburing's ``increase_rlimit_nofile`` on -EMFILE."""
    did_increase = False
    while True:
        ret = io_uring_register(ring.ring_fd, opcode, arg, nr_args)
        if ret != -EMFILE or did_increase:
            return ret
        did_increase = True
        increase_rlimit_nofile(nr)


def io_uring_register_files(ring: Ring, files: list[int], nr_files: int) -> int:
    """IORING_REGISTER_FILES, retried once after raising RLIMIT_NOFILE on -EMFILE, as liburing does."""
    return _register_raising_nofile(ring, IORING_REGISTER_FILES, list(files), nr_files, nr_files)


def io_uring_unregister_files(ring: Ring) -> int:
    return io_uring_register(ring.ring_fd, IORING_UNREGISTER_FILES, None, 0)


def io_uring_register_probe(ring: Ring, p: Probe, nr: int) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, p, nr)


def io_uring_register_eventfd(ring: Ring, fd: int) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD, [fd], 1)


def io_uring_register_eventfd_async(ring: Ring, fd: int) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD_ASYNC, [fd], 1)


def io_uring_unregister_eventfd(ring: Ring) -> int:
    return io_uring_register(ring.ring_fd, IORING_UNREGISTER_EVENTFD, None, 0)


def io_uring_register_files_update(ring: Ring, off: int, files: list[int], nr_files: int) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE, RsrcUpdate(offset=off, data=list(files)), nr_files)


def io_uring_register_files_tags(ring: Ring, files: list[int] | None, tags: list[int] | None, nr: int) -> int:
    reg = RsrcRegister(nr=nr, data=None if files is None else list(files), tags=None if tags is None else list(tags))
    return _register_raising_nofile(ring, IORING_REGISTER_FILES2, reg, RSRC_REGISTER_SIZE, nr)


def io_uring_register_files_sparse(ring: Ring, nr: int) -> int:
    reg = RsrcRegister(nr=nr, flags=IORING_RSRC_REGISTER_SPARSE)
    return _register_raising_nofile(ring, IORING_REGISTER_FILES2, reg, RSRC_REGISTER_SIZE, nr)


def io_uring_register_files_update_tag(ring: Ring, off: int, files: list[int], tags: list[int] | None, nr_files: int) -> int:
    up = RsrcUpdate2(offset=off, data=list(files), tags=None if tags is None else list(tags), nr=nr_files)
    return io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE2, up, RSRC_UPDATE2_SIZE)


def io_uring_register_file_alloc_range(ring: Ring, off: int, length: int) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_FILE_ALLOC_RANGE, FileIndexRange(off=off, len=length), 0)


def io_uring_register_iowq_max_workers(ring: Ring, values: list[int]) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_IOWQ_MAX_WORKERS, values, 2)


def io_uring_register_iowq_aff(ring: Ring, cpusz: int, mask: bytes | bytearray) -> int:
    return io_uring_register(ring.ring_fd, IORING_REGISTER_IOWQ_AFF, mask, cpusz)


def io_uring_unregister_iowq_aff(ring: Ring) -> int:
    return io_uring_register(ring.ring_fd, IORING_UNREGISTER_IOWQ_AFF, None, 0)


def io_uring_register_buffers(ring: Ring, iovecs: list[Any], nr_iovecs: int) -> int:
    """IORING_REGISTER_BUFFERS: ``iovecs`` becomes a ``struct iovec`` array (buffers in place)."""
    return io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS, list(iovecs), nr_iovecs)


def io_uring_register_buffers_tags(ring: Ring, iovecs: list[Any], tags: list[int] | None, nr: int) -> int:
    reg = RsrcRegister(nr=nr, data=list(iovecs), tags=None if tags is None else list(tags))
    return io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS2, reg, RSRC_REGISTER_SIZE)


def io_uring_register_buffers_sparse(ring: Ring, nr: int) -> int:
    reg = RsrcRegister(nr=nr, flags=IORING_RSRC_REGISTER_SPARSE)
    return io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS2, reg, RSRC_REGISTER_SIZE)


def io_uring_register_buffers_update_tag(ring: Ring, off: int, iovecs: list[Any], tags: list[int] | None, nr: int) -> int:
    up = RsrcUpdate2(offset=off, data=list(iovecs), tags=None if tags is None else list(tags), nr=nr)
    return io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS_UPDATE, up, RSRC_UPDATE2_SIZE)


def io_uring_unregister_buffers(ring: Ring) -> int:
    return io_uring_register(ring.ring_fd, IORING_UNREGISTER_BUFFERS, None, 0)


def io_uring_clone_buffers_offset(dst: Ring, src: Ring, dst_off: int, src_off: int, nr: int, flags: int) -> int:
    arg = CloneBuffers(src_fd=src.ring_fd, flags=flags, src_off=src_off, dst_off=dst_off, nr=nr)
    return io_uring_register(dst.ring_fd, IORING_REGISTER_CLONE_BUFFERS, arg, 1)


def io_uring_clone_buffers(dst: Ring, src: Ring) -> int:
    return io_uring_clone_buffers_offset(dst, src, 0, 0, 0, 0)


# -- provided-buffer rings (bufring.py) ----------------------------------------------------------
def io_uring_register_buf_ring(ring: Ring, reg: BufReg, flags: int = 0) -> int:
    return io_uring_register(ring.ring_fd, bufring.IORING_REGISTER_PBUF_RING, reg, 1)


def io_uring_unregister_buf_ring(ring: Ring, bgid: int) -> int:
    return bufring.unregister_buf_ring(sysnr.register, ring.ring_fd, bgid)


def io_uring_buf_ring_head(ring: Ring, buf_group: int, head: list[int]) -> int:
    st = BufStatus(buf_group=buf_group & U32)
    ret = io_uring_register(ring.ring_fd, bufring.IORING_REGISTER_PBUF_STATUS, st, 1)
    if not ret:
        head[0] = st.head
    return ret


def io_uring_setup_buf_ring(ring: Ring, nentries: int, bgid: int, flags: int, err: list[int]) -> bufring.RealBufRing | None:
    br = bufring.setup_buf_ring(sysnr.register, ring.ring_fd, nentries, bgid, flags, err)
    if br is not None:
        ring.buf_rings.append(br)
    return br


def io_uring_free_buf_ring(ring: Ring, br: bufring.RealBufRing, nentries: int, bgid: int) -> int:
    ret = bufring.unregister_buf_ring(sysnr.register, ring.ring_fd, bgid)
    if br in ring.buf_rings:
        ring.buf_rings.remove(br)
    br.unmap()
    return ret


def io_uring_buf_ring_init(br: bufring.RealBufRing) -> None:
    br.tail = 0


def io_uring_buf_ring_mask(ring_entries: int) -> int:
    return (ring_entries - 1) & U32


def io_uring_buf_ring_add(br: bufring.RealBufRing, addr: Any, length: int, bid: int, mask: int, buf_offset: int) -> None:
    bufring.buf_ring_add(br, addr, length, bid, mask, buf_offset)


def io_uring_buf_ring_advance(br: bufring.RealBufRing, count: int) -> None:
    br.tail = (br.tail + count) & 0xFFFF


def io_uring_buf_ring_cq_advance(ring: Ring, br: bufring.RealBufRing, count: int) -> None:
    io_uring_buf_ring_advance(br, count)
    io_uring_cq_advance(ring, count)
