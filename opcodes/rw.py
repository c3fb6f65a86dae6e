"""IORING_OP_READ / WRITE / READV / WRITEV (io_uring/rw.c) on simulated objects.

Issue inline (IO_URING_F_NONBLOCK) tries the file's non-blocking attempt:

* data or room is there: the CQE carries the count, posted during submit;
* pipes, sockets, eventfds answer -EAGAIN: the generic path arms a fast poll
  (``pollin``/``pollout``, :mod:`simuring.kernel.poll`) and the request is
  re-issued from task work when the file wakes it;
* regular files: page-cache hit inline; a miss answers -EAGAIN and the
  generic path punts to a *bounded* io-wq worker, where the issue runs
  without IO_URING_F_NONBLOCK and sleeps for the device read.

An io-wq worker issuing on a pollable file (IOSQE_ASYNC) does not block
either: it tries once and arms the poll, as ``io_wq_submit_work`` does.
RWF_NOWAIT makes -EAGAIN the result instead.  O_NONBLOCK on the file does
not: pipes and sockets support non-blocking attempts (FMODE_NOWAIT), so the
kernel still arms a poll for them.  A request that reaches io-wq because no
poll could be armed (its fast-poll budget is spent, :func:`arm_poll`) is
issued blocking there, as ``io_wq_submit_work`` retries once polling is
refused: the worker sleeps in the read or write, unless the file is
O_NONBLOCK, whose -EAGAIN is then the result.

Short transfers: the kernel records the requested length at issue and marks
the request failed (REQ_F_FAIL) whenever the result differs from it, for
every kind of file (``__io_complete_rw_common``), so a short read or write
-- including a 0-byte read at end of file -- cancels the rest of its link
chain.  simuring does the same: ``req.fail_links`` when ``0 <= res < len``.

Buffers: ``addr`` is a ``bytearray``/``memoryview`` (``bytes`` too for
writes) and ``len`` may not exceed it; READV/WRITEV take a list of buffers
in ``addr`` and their number in ``len``.  As in the kernel, prep only
range-checks (``import_ubuf`` / ``import_iovec``: ``access_ok``; here a
``len`` that is no byte count, or a READV/WRITEV list that is missing or
holds something other than buffers, is -EFAULT at prep).  The buffers are
touched when the request is issued: a buffer that cannot take the copy
(``None`` for NULL, too short, read-only for a read, not contiguous) is a
page fault there, -EFAULT as the request's result, after the file checks
(-EBADF, -EINVAL).  Simplification: the fault is reported at the first
issue, before the file is asked for data; the kernel would first answer
-EAGAIN and poll an empty pipe, and return 0 at end of file without
touching the buffer.

``ioprio`` is checked at prep as ``ioprio_check_cap`` does (the SQE field is
a u16): class 0 (none) with a non-zero level, or a class above 3 (idle), is
-EINVAL; the hint bits are free.  The real-time class needs CAP_SYS_NICE or
CAP_SYS_ADMIN, which the model grants (it has no credentials).
``off`` is the file offset of regular files (-1: the file position) and is
ignored by pipes, sockets and eventfds, as for FMODE_STREAM files.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import EAGAIN, EBADF, EFAULT, EINVAL, EOPNOTSUPP
from simuring.abi.io_uring import (
    IORING_OP_READ,
    IORING_OP_READV,
    IORING_OP_WRITE,
    IORING_OP_WRITEV,
    IORING_SETUP_IOPOLL,
    IOSQE_ASYNC,
    Sqe,
)
from simuring.abi.posix import O_DIRECT
from simuring.kernel.ext import RingExt
from simuring.kernel.objects.base import ObjFile
from simuring.kernel.opdef import IO_URING_F_NONBLOCK, ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.poll import arm_poll
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, post_completion
from simuring.kernel.uaccess import user_bytes
from simuring.opcodes.rw_costs import RwCosts

if TYPE_CHECKING:
    import simpy

    from simuring.kernel.ctx import RingCtx

RWF_HIPRI: Final = 0x01
RWF_DSYNC: Final = 0x02
RWF_SYNC: Final = 0x04
RWF_NOWAIT: Final = 0x08
RWF_APPEND: Final = 0x10
RWF_NOAPPEND: Final = 0x20
RWF_ATOMIC: Final = 0x40
RWF_DONTCACHE: Final = 0x80
RWF_SUPPORTED: Final = 0xFF
UIO_MAXIOV: Final = 1024
U64: Final = 0xFFFF_FFFF_FFFF_FFFF


class RwRing(RingExt):
    """The plug-in's per-ring state (``ctx.ext(RwRing)``): the ``[rw]`` cost section, resolved once per ring."""

    def __init__(self, ctx: RingCtx) -> None:
        self.costs: RwCosts = ctx.kernel.costs.get(RwCosts)


class RwState:
    """The request's ``struct io_rw`` + ``io_async_rw``."""

    __slots__ = ("raw", "bufs", "total", "off", "nowait", "write", "vectored", "costs")

    def __init__(
        self, raw: list[tuple[object, int]], off: int, nowait: bool, write: bool, vectored: bool, costs: RwCosts
    ) -> None:
        self.raw = raw  # (user buffer, byte count) per iovec, as prep range-checked them
        self.bufs: list[memoryview] | None = None  # their byte views, once the issue touched them
        self.costs = costs  # the ``[rw]`` cost section, resolved once at prep
        self.total = sum(n for _, n in raw)
        self.off = off
        self.nowait = nowait
        self.write = write
        self.vectored = vectored


def _iov_bytes(buf: object) -> int:
    """Length in bytes of one iovec's buffer (-1 when it is not a buffer)."""
    if isinstance(buf, memoryview):
        return buf.nbytes
    return len(buf) if isinstance(buf, (bytearray, bytes)) else -1


IOPRIO_CLASS_SHIFT: Final = 13
IOPRIO_CLASS_NONE: Final = 0
IOPRIO_CLASS_IDLE: Final = 3
IOPRIO_LEVEL_MASK: Final = 0x7


def ioprio_check(ioprio: object) -> int:
    """``ioprio_check_cap`` on ``sqe->ioprio`` (a u16): 0 or -EINVAL.

    Classes 1 (real time, allowed: the model grants CAP_SYS_NICE), 2 (best
    effort) and 3 (idle) take any level and hint; class 0 (none) only level 0;
    classes 4 to 7 do not exist.
    """
    if not isinstance(ioprio, int):
        return -EINVAL
    ioprio &= 0xFFFF
    klass = ioprio >> IOPRIO_CLASS_SHIFT
    if klass > IOPRIO_CLASS_IDLE:
        return -EINVAL
    if klass == IOPRIO_CLASS_NONE and ioprio & IOPRIO_LEVEL_MASK:
        return -EINVAL
    return 0


def _prep(req: Request, sqe: Sqe, write: bool, vectored: bool) -> int:
    """``io_prep_rw``: flags, offset, priority and the range checks of the buffers.

    The buffers themselves are only touched at issue (:func:`_import_bufs`).
    """
    rw_flags = sqe.op_flags
    if rw_flags & ~RWF_SUPPORTED:
        return -EOPNOTSUPP
    off = sqe.off
    if off in (-1, U64):
        off = -1
    elif not isinstance(off, int) or off < 0:
        return -EINVAL
    if sqe.ioprio:
        err = ioprio_check(sqe.ioprio)
        if err:
            return err
    raw: list[tuple[object, int]] = []
    if vectored:
        iovs = sqe.addr
        nr = sqe.len
        if not isinstance(nr, int) or nr < 0 or nr > UIO_MAXIOV:
            return -EINVAL
        if not isinstance(iovs, (list, tuple)) or nr > len(iovs):
            return -EFAULT  # the iovec array itself is copied at prep
        for buf in iovs[:nr]:
            n = _iov_bytes(buf)
            if n < 0:
                return -EFAULT  # an iovec with no length: nothing to range-check
            raw.append((buf, n))
    else:
        n = sqe.len
        if not isinstance(n, int) or n < 0:
            return -EFAULT
        raw.append((sqe.addr, n))
    # the ``[rw]`` section, resolved once per ring and kept in the ring's plug-in state
    rc = req.ctx.ext(RwRing).costs
    req.task.charge(rc.prep_ns + (rc.iovec_ns * len(raw) if vectored else 0))
    req.op = RwState(raw, off, bool(rw_flags & RWF_NOWAIT), write, vectored, rc)
    return 0


def _import_bufs(st: RwState) -> list[memoryview] | int:
    """The user buffers as byte views, touched by the issue: -EFAULT where the copy
    would fault (``copy_to_user`` / ``copy_from_user`` in the file's read_iter/write_iter)."""
    bufs = st.bufs
    if bufs is not None:
        return bufs
    bufs = []
    for buf, n in st.raw:
        mv = user_bytes(buf, n, kernel_writes=not st.write)
        if isinstance(mv, int):
            return mv
        bufs.append(mv)
    st.bufs = bufs
    return bufs


def read_prep(req: Request, sqe: Sqe) -> int:
    return _prep(req, sqe, write=False, vectored=False)


def write_prep(req: Request, sqe: Sqe) -> int:
    return _prep(req, sqe, write=True, vectored=False)


def readv_prep(req: Request, sqe: Sqe) -> int:
    return _prep(req, sqe, write=False, vectored=True)


def writev_prep(req: Request, sqe: Sqe) -> int:
    return _prep(req, sqe, write=True, vectored=True)


def _rw_view(st: RwState, file: ObjFile) -> memoryview | int:
    """The file checks and the buffer view of ``io_read`` / ``io_write``."""
    if not (file.writable if st.write else file.readable):
        return -EBADF
    bufs = _import_bufs(st)
    if isinstance(bufs, int):
        return bufs
    if st.vectored and len(bufs) != 1:
        return memoryview(bytearray(st.total)) if not st.write else memoryview(b"".join(bytes(b) for b in bufs))
    return bufs[0] if bufs else memoryview(bytearray())


def _rw_done(req: Request, st: RwState, view: memoryview, ret: int) -> int:
    bufs = st.bufs
    if ret > 0 and not st.write and st.vectored and bufs is not None and len(bufs) != 1:
        _scatter(view, ret, bufs)
    if 0 <= ret < st.total:
        req.fail_links = True  # REQ_F_FAIL: a short transfer breaks the link chain
    return ret


def rw_issue_nowait(req: Request, issue_flags: int) -> IssueResult:
    """``io_read`` / ``io_write`` that never blocks: a plain function.

    Used for every inline issue (IO_URING_F_NONBLOCK) and, from
    :func:`rw_issue`, by an io-wq worker on a pollable file.  Hot path: the
    common single-buffer case is kept in one function.
    """
    st: RwState = req.op
    file = req.file
    task = req.worker
    task.charge(st.costs.issue_ns)
    if st.vectored or not isinstance(file, ObjFile):
        if not isinstance(file, ObjFile):
            return -EINVAL  # no read_iter/write_iter (a ring fd, stdio placeholders)
        view = _rw_view(st, file)
        if isinstance(view, int):
            return view
    elif not (file.writable if st.write else file.readable):
        return -EBADF
    else:
        bufs = st.bufs
        if bufs is None:
            imported = _import_bufs(st)
            if isinstance(imported, int):
                return imported  # the copy faults: -EFAULT
            bufs = imported
        view = bufs[0]
    if req.ctx.flags & IORING_SETUP_IOPOLL and not _iopoll_capable(file):
        return -EOPNOTSUPP
    nonblock = issue_flags & IO_URING_F_NONBLOCK
    ret = file.write_nb(task, view, st.off) if st.write else file.read_nb(task, view, st.off)
    if ret == -EAGAIN:
        if st.nowait:  # RWF_NOWAIT: -EAGAIN is the answer
            if nonblock:
                post_completion(task, req, -EAGAIN)
                return ISSUE_SKIP_COMPLETE
            return -EAGAIN
        if nonblock or not arm_poll(task, req, iowq=True):
            return -EAGAIN  # inline: the generic path polls or punts; a worker: rw_issue blocks
        return ISSUE_SKIP_COMPLETE  # an io-wq worker on a pollable file: poll, don't block
    if st.vectored or 0 <= ret < st.total:
        return _rw_done(req, st, view, ret)
    return ret


def rw_issue(req: Request, issue_flags: int) -> Generator[simpy.Event, Any, IssueResult]:
    """``io_read`` / ``io_write``.

    In an io-wq worker on a pollable file, a forced-async (IOSQE_ASYNC) or
    RWF_NOWAIT request is tried without blocking first (``io_wq_submit_work``'s
    ``needs_poll``); if that answers -EAGAIN and no poll can be armed, or the
    request came to io-wq for want of a poll, it is issued blocking.
    """
    file = req.file
    if issue_flags & IO_URING_F_NONBLOCK or not isinstance(file, ObjFile):
        return rw_issue_nowait(req, issue_flags)
    st: RwState = req.op
    if file.pollable and (req.flags & IOSQE_ASYNC or st.nowait):
        ret = rw_issue_nowait(req, issue_flags)
        if ret != -EAGAIN or st.nowait:
            return ret
    task = req.worker
    task.charge(st.costs.issue_ns)
    view = _rw_view(st, file)
    if isinstance(view, int):
        return view
    if req.ctx.flags & IORING_SETUP_IOPOLL and not _iopoll_capable(file):
        return -EOPNOTSUPP
    if file.pollable and file.nonblock:  # the file's own O_NONBLOCK: a blocking issue does not sleep
        ret = file.write_nb(task, view, st.off) if st.write else file.read_nb(task, view, st.off)
    elif st.write:
        ret = yield from file.write_wait(task, view, st.off)
    else:
        ret = yield from file.read_wait(task, view, st.off)
    return _rw_done(req, st, view, ret)


def _iopoll_capable(file: ObjFile) -> bool:
    """``io_rw_init_file`` on an IORING_SETUP_IOPOLL ring: only O_DIRECT I/O on a file
    whose ``f_op`` has ``iopoll`` can be polled for, anything else is -EOPNOTSUPP
    (Linux 6.18: a READ or WRITE on a pipe or on a regular file opened without
    O_DIRECT).  The model has no block device; an O_DIRECT regular file is let
    through as before (unverified)."""
    return file.regular and bool(file.f_flags & O_DIRECT)


def _scatter(src: memoryview, n: int, bufs: list[memoryview]) -> None:
    pos = 0
    for b in bufs:
        if pos >= n:
            break
        k = min(len(b), n - pos)
        b[:k] = src[pos : pos + k]
        pos += k


def register(registry: PluginRegistry) -> None:
    common: dict[str, Any] = dict(
        needs_file=True, unbound_nonreg_file=True, ioprio=True, iopoll=True, issue_nowait=rw_issue_nowait
    )
    registry.add_opcode(OpDef(IORING_OP_READ, issue=rw_issue, prep=read_prep, name="READ", pollin=True, **common))
    registry.add_opcode(OpDef(IORING_OP_WRITE, issue=rw_issue, prep=write_prep, name="WRITE", pollout=True, **common))
    registry.add_opcode(OpDef(IORING_OP_READV, issue=rw_issue, prep=readv_prep, name="READV", pollin=True, **common))
    registry.add_opcode(OpDef(IORING_OP_WRITEV, issue=rw_issue, prep=writev_prep, name="WRITEV", pollout=True, **common))
    registry.add_cost_section(RwCosts)
