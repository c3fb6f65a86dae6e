"""IORING_OP_READ / WRITE / READV / WRITEV (io_uring/rw.c) on simulated objects.

Issue inline (IO_URING_F_NONBLOCK) tries the file's non-blocking attempt:

* data or room is there: the CQE carries the count, posted during submit;
* pipes, sockets, eventfds answer -EAGAIN: the generic path arms a fast poll
  (``pollin``/``pollout``, :mod:`simuring.kernel.poll`) and the request is
  re-issued from task work when the file wakes it;
* a WRITE to a file without ``->write_iter`` (an eventfd) goes through
  ``loop_rw_iter``, which refuses IOCB_NOWAIT unless the file is
  O_NONBLOCK: inline it is always -EAGAIN, so the fast poll (POLLOUT, ready
  at once) re-issues it until the poll budget is spent and an io-wq worker
  writes it blocking; with O_NONBLOCK it is written inline;
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
``off`` is the file offset of regular files (-1: the file position; below -1
-EINVAL at issue, for every file) and is
ignored by pipes, sockets and eventfds, as for FMODE_STREAM files.

``rw_flags`` (preadv2(2)'s RWF_*) are only stored at prep (``io_prep_rw``)
and checked at issue, after the file's access mode (``io_rw_init_file`` ->
``kiocb_set_rw_flags``; :func:`rw_init_file`), so a bad fd or a wrong access
mode is -EBADF whatever the flags.  RWF_APPEND and RWF_NOAPPEND set and
clear the append mode (IOCB_APPEND, normally from O_APPEND) of a regular
file's write.

On an IORING_SETUP_IOPOLL ring the ops are accepted at submission (they have
``.iopoll``) but fail at issue with -EOPNOTSUPP (``io_rw_init_file``: no
simulated file supports polled O_DIRECT I/O), or -EBADF for a file not open
for the direction.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import (
    EAGAIN,
    EBADF,
    EFAULT,
    EINTR,
    EINVAL,
    ENOBUFS,
    EOPNOTSUPP,
    ERESTARTSYS,
)
from simuring.abi.inotify import IN_ACCESS, IN_MODIFY
from simuring.abi.io_uring import (
    IORING_CQE_BUFFER_SHIFT,
    IORING_CQE_F_BUF_MORE,
    IORING_CQE_F_BUFFER,
    IORING_OP_READ,
    IORING_OP_READV,
    IORING_OP_WRITE,
    IORING_OP_WRITEV,
    IORING_SETUP_IOPOLL,
    IOSQE_ASYNC,
    IOSQE_BUFFER_SELECT,
    Sqe,
)
from simuring.abi.poll import POLLIN, POLLOUT
from simuring.abi.posix import O_APPEND
from simuring.kernel.ext import RingExt
from simuring.kernel.kbuf import Selection, buffer_select, kbuf_recycle, put_kbuf
from simuring.kernel.objects.base import ObjFile
from simuring.kernel.objects.regfile import RegFile
from simuring.kernel.opdef import IO_URING_F_NONBLOCK, ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.poll import arm_poll
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, post_completion
from simuring.kernel.uaccess import user_bytes
from simuring.opcodes.rw_costs import RwCosts

if TYPE_CHECKING:
    import simpy

    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.files import File

RWF_HIPRI: Final = 0x01
RWF_DSYNC: Final = 0x02
RWF_SYNC: Final = 0x04
RWF_NOWAIT: Final = 0x08
RWF_APPEND: Final = 0x10
RWF_NOAPPEND: Final = 0x20
RWF_ATOMIC: Final = 0x40
RWF_DONTCACHE: Final = 0x80
RWF_NOSIGNAL: Final = 0x100
RWF_SUPPORTED: Final = 0x1FF
UIO_MAXIOV: Final = 1024
U64: Final = 0xFFFF_FFFF_FFFF_FFFF
LLONG_MAX: Final = (1 << 63) - 1


class RwRing(RingExt):
    """The plug-in's per-ring state (``ctx.ext(RwRing)``): the ``[rw]`` cost section, resolved once per ring."""

    def __init__(self, ctx: RingCtx) -> None:
        self.costs: RwCosts = ctx.kernel.costs.get(RwCosts)


class RwState:
    """The request's ``struct io_rw`` + ``io_async_rw``."""

    __slots__ = ("raw", "bufs", "total", "off", "nowait", "write", "vectored", "costs", "rw_flags", "checks")

    def __init__(
        self,
        raw: list[tuple[object, int]],
        off: int,
        nowait: bool,
        write: bool,
        vectored: bool,
        costs: RwCosts,
        rw_flags: int = 0,
        checks: bool = False,
    ) -> None:
        self.raw = raw  # (user buffer, byte count) per iovec, as prep range-checked them
        self.bufs: list[memoryview] | None = None  # their byte views, once the issue touched them
        self.costs = costs  # the ``[rw]`` cost section, resolved once at prep
        self.total = sum(n for _, n in raw)
        self.off = off
        self.nowait = nowait
        self.write = write
        self.vectored = vectored
        self.rw_flags = rw_flags
        self.checks = checks  # rw_flags, or an IOPOLL ring: :func:`rw_init_file` has work


class RwSelState(RwState):
    """A READ/READV with IOSQE_BUFFER_SELECT: its buffer is a provided one, taken at issue.

    ``vectored`` is True for both, which routes them off the one-buffer fast path of
    :func:`rw_issue_nowait` (the transfer is into one buffer either way)."""

    __slots__ = ("bgid", "want", "sel")

    def __init__(self, off: int, nowait: bool, costs: RwCosts, rw_flags: int, checks: bool, bgid: int, want: int) -> None:
        super().__init__([], off, nowait, False, True, costs, rw_flags, checks)
        self.bgid = bgid  # the buffer group (io_async_rw's ``buf_group``)
        self.want = want  # the length asked of the buffer (0: all of it)
        self.sel: Selection | None = None  # the provided buffer held (REQ_F_BUFFER_SELECTED / _RING)


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


def prep_rw(req: Request, sqe: Sqe, write: bool, vectored: bool) -> int:
    """``io_prep_rw``: flags, offset, priority and the range checks of the buffers.

    The buffers themselves are only touched at issue (:func:`_import_bufs`).
    """
    rw_flags = sqe.op_flags
    if not isinstance(rw_flags, int):
        return -EINVAL
    rw_flags &= 0xFFFF_FFFF
    off = sqe.off
    if not isinstance(off, int) or not -(1 << 63) <= off <= U64:
        return -EINVAL  # not a u64 at all
    if off > LLONG_MAX:
        off -= 1 << 64  # the u64 field read as a loff_t
    if sqe.ioprio:
        err = ioprio_check(sqe.ioprio)
        if err:
            return err
    if req.flags & IOSQE_BUFFER_SELECT:
        return _prep_bsel(req, sqe, vectored, off, rw_flags)
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
    checks = bool(rw_flags) or bool(req.ctx.flags & IORING_SETUP_IOPOLL) or off < -1
    req.op = RwState(raw, off, bool(rw_flags & RWF_NOWAIT), write, vectored, rc, rw_flags, checks)
    return 0


def _prep_bsel(req: Request, sqe: Sqe, vectored: bool, off: int, rw_flags: int) -> int:
    """``io_prep_rw`` with IOSQE_BUFFER_SELECT (READ, READV): no buffer is imported
    (``io_rw_do_import``); READV must have exactly one iovec, whose length bounds the
    transfer (``io_iov_buffer_select_prep``: -EINVAL, -EFAULT when it cannot be read)."""
    want = sqe.len
    if not isinstance(want, int):
        return -EINVAL
    want &= 0xFFFF_FFFF
    if vectored:
        if want != 1:
            return -EINVAL
        iovs = sqe.addr
        if not isinstance(iovs, (list, tuple)) or not iovs or (want := _iov_bytes(iovs[0])) < 0:
            return -EFAULT  # the iovec cannot be copied
    bgid = sqe.buf_group
    if not isinstance(bgid, int):
        return -EINVAL
    rc = req.ctx.ext(RwRing).costs
    req.task.charge(rc.prep_ns + (rc.iovec_ns if vectored else 0))
    checks = bool(rw_flags) or bool(req.ctx.flags & IORING_SETUP_IOPOLL) or off < -1
    req.op = RwSelState(off, bool(rw_flags & RWF_NOWAIT), rc, rw_flags, checks, bgid & 0xFFFF, want)
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
    return prep_rw(req, sqe, write=False, vectored=False)


def write_prep(req: Request, sqe: Sqe) -> int:
    return prep_rw(req, sqe, write=True, vectored=False)


def readv_prep(req: Request, sqe: Sqe) -> int:
    return prep_rw(req, sqe, write=False, vectored=True)


def writev_prep(req: Request, sqe: Sqe) -> int:
    return prep_rw(req, sqe, write=True, vectored=True)


def rw_init_file(req: Request, st: RwState, file: ObjFile, nonblock: bool = True) -> int:
    """The checks of ``io_rw_init_file`` after the access mode, at issue (:func:`rw_flag_checks`).

    A regular file answers as ext4 does (the file system of the conformance
    harness's temporary directory; tmpfs differs): RWF_DONTCACHE is accepted
    (FOP_DONTCACHE), and a write with RWF_NOWAIT is -EAGAIN (the buffered
    ``write_iter`` refuses IOCB_NOWAIT with -EOPNOTSUPP, which ``io_write``
    turns into -EAGAIN), after the checks.  Found by the differential fuzzer.
    Only a non-blocking attempt (``nonblock``): an io-wq worker's blocking
    issue (IOSQE_ASYNC on a regular file) clears IOCB_NOWAIT, RWF_NOWAIT's
    too (``io_write``: "Ensure we clear previously set non-block flag"), and
    the write is done -- found by the state mode of the differential fuzzer.
    """
    regular = isinstance(file, RegFile)
    err = rw_flag_checks(req, st, file.fmode_nowait, dontcache=regular)
    if not err and nonblock and regular and st.write and st.rw_flags & RWF_NOWAIT:
        return -EAGAIN
    return err


def rw_flag_checks(req: Request, st: RwState, fmode_nowait: bool, dontcache: bool = False) -> int:
    """The checks of ``io_rw_init_file`` after the access mode, at issue: the
    rw_flags (``kiocb_set_rw_flags``) and the ring's IOPOLL; 0 or -errno.
    ``fmode_nowait``: the file has FMODE_NOWAIT; ``dontcache``: its file
    system has FOP_DONTCACHE.  They come before the file's
    ``read_iter`` / ``write_iter`` is looked for, so an io_uring descriptor
    (which has neither) answers them first (found by the differential fuzzer).

    * a bit outside RWF_SUPPORTED (RWF_NOSIGNAL, 0x100, is the last one in
      6.18): -EOPNOTSUPP; RWF_APPEND with RWF_NOAPPEND: -EINVAL;
    * RWF_ATOMIC (a write to a file with FMODE_CAN_ATOMIC_WRITE only, which
      no simulated file has) and RWF_DONTCACHE (a file system with
      FOP_DONTCACHE only: the regular file's): -EOPNOTSUPP; RWF_NOWAIT is accepted by a file with FMODE_NOWAIT (all but a
      FIFO's, an inotify or fanotify descriptor's: ``fmode_nowait``), else -EOPNOTSUPP;
    * RWF_HIPRI on a ring without IORING_SETUP_IOPOLL: -EINVAL; on an IOPOLL
      ring every simulated file is -EOPNOTSUPP (no O_DIRECT file with
      ``f_op->iopoll``);
    * then ``rw_verify_area`` on the position: an offset below -1 (a u64
      above LLONG_MAX) is -EINVAL, for a pipe too (``io_kiocb_update_pos``
      passes ``ki_pos`` for any offset but -1).
    """
    flags = st.rw_flags
    if flags & ~RWF_SUPPORTED:
        return -EOPNOTSUPP
    if flags & RWF_APPEND and flags & RWF_NOAPPEND:
        return -EINVAL
    if flags & RWF_NOWAIT and not fmode_nowait:
        return -EOPNOTSUPP
    if flags & RWF_ATOMIC or (flags & RWF_DONTCACHE and not dontcache):
        return -EOPNOTSUPP
    if req.ctx.flags & IORING_SETUP_IOPOLL:
        return -EOPNOTSUPP
    if flags & RWF_HIPRI:
        return -EINVAL
    if st.off < -1:
        return -EINVAL  # rw_verify_area: a negative position, on a stream too (only -1 means f_pos)
    return 0


def _loop_segments(st: RwState) -> list[memoryview] | None:
    """The iovecs ``loop_rw_iter`` writes one by one (None: one write of the
    whole): after the first, empty ones are skipped, as ``iov_iter_advance``
    steps over them."""
    bufs = st.bufs
    if bufs is None or len(bufs) < 2:
        return None
    return [bufs[0]] + [b for b in bufs[1:] if len(b)]


def _loop_add(ret: int, nr: int, want: int) -> tuple[int, bool]:
    """One step of ``loop_rw_iter``: the total so far and whether to stop."""
    if nr < 0:
        return (ret or nr), True
    return ret + nr, nr != want


def _write_nb(task: Task, file: ObjFile, st: RwState, view: memoryview) -> int:
    """The file's non-blocking write; RWF_APPEND / RWF_NOAPPEND set or clear
    IOCB_APPEND (the file's O_APPEND) for a regular file.  A file without
    ``->write_iter`` takes a WRITEV one iovec per ``->write`` call (``loop_rw_iter``)."""
    if st.vectored and not file.write_iter:
        segs = _loop_segments(st)
        if segs is not None:
            ret = 0
            for seg in segs:
                ret, stop = _loop_add(ret, file.write_nb(task, seg, st.off), len(seg))
                if stop:
                    break
            return ret
    flags = st.rw_flags
    if flags & (RWF_APPEND | RWF_NOAPPEND) and isinstance(file, RegFile):
        append = bool(flags & RWF_APPEND) or (bool(file.f_flags & O_APPEND) and not flags & RWF_NOAPPEND)
        return file.write_at(task, view, st.off, append)
    return file.write_nb(task, view, st.off)


def rw_view(req: Request, st: RwState, file: ObjFile, nonblock: bool = True) -> memoryview | int:
    """The file checks and the buffer view of ``io_read`` / ``io_write`` (``nonblock``: not a blocking issue)."""
    if not (file.writable if st.write else file.readable):
        return -EBADF
    if st.checks:
        err = rw_init_file(req, st, file, nonblock)
        if err:
            return err
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


def _rw_notify(file: ObjFile, write: bool) -> None:
    """``io_req_io_end`` (``kiocb_done`` for any result >= 0, 0 included, unlike read(2) and
    write(2)): IN_MODIFY after a write, IN_ACCESS after a read."""
    if isinstance(file, RegFile):
        file.notify(IN_MODIFY if write else IN_ACCESS)


def rw_no_iter(req: Request, st: RwState, file: File | None, issue_flags: int) -> int:
    """``__io_read`` / ``__io_write`` on a file with neither ``read_iter`` nor ``write_iter``
    (a ring's descriptor, stdio placeholders; none has FMODE_NOWAIT): 0 never, -errno or -EAGAIN.

    ``io_rw_init_file``'s flag checks and its refusal of polled I/O come first.  Then a
    non-blocking attempt (inline, or an io-wq worker's first try of an IOSQE_ASYNC request on a
    pollable file) asks ``io_file_supports_nowait``, which for a pollable file without
    FMODE_NOWAIT is whether the file is ready now (``vfs_poll``): a ring's descriptor is readable
    while its CQ holds a CQE and writable while its SQ has room.  Not ready is -EAGAIN, so a READ
    of the ring's own descriptor parks on the ring's poll and fails with -EINVAL (no
    ``read_iter``: ``io_iter_do_read``) once a CQE is posted on that ring, or is cancelled
    (-ECANCELED).  Found by the differential fuzzer."""
    err = rw_flag_checks(req, st, False) if st.checks else 0
    if err:
        return err
    if req.ctx.flags & IORING_SETUP_IOPOLL:
        return -EOPNOTSUPP
    try_nowait = issue_flags & IO_URING_F_NONBLOCK or req.flags & IOSQE_ASYNC
    if try_nowait and file is not None and file.pollable and not file.poll_mask() & (POLLOUT if st.write else POLLIN):
        return -EAGAIN
    return -EINVAL


def _check_failed(req: Request, err: int, issue_flags: int) -> IssueResult:
    """A failed file check of a non-blocking attempt.  Its -EAGAIN (:func:`rw_init_file`: RWF_NOWAIT on
    a regular file) is the request's result, as ``io_write``'s REQ_F_NOWAIT makes it: posted inline, not
    punted to io-wq (whose blocking issue clears IOCB_NOWAIT and would write)."""
    if err == -EAGAIN and issue_flags & IO_URING_F_NONBLOCK:
        post_completion(req.worker, req, -EAGAIN)
        return ISSUE_SKIP_COMPLETE
    return err


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
        if isinstance(st, RwSelState):
            return _bsel_issue_nowait(req, st, file, issue_flags)
        if not isinstance(file, ObjFile):
            ret = rw_no_iter(req, st, file, issue_flags)
            if ret != -EAGAIN or issue_flags & IO_URING_F_NONBLOCK:
                return ret  # inline -EAGAIN: the generic path arms the file's poll
            return ISSUE_SKIP_COMPLETE if arm_poll(task, req, iowq=True) else -EINVAL
        view = rw_view(req, st, file)
        if isinstance(view, int):
            return _check_failed(req, view, issue_flags)
    elif not (file.writable if st.write else file.readable):
        return -EBADF
    elif st.checks and (err := rw_init_file(req, st, file)):
        return _check_failed(req, err, issue_flags)
    else:
        bufs = st.bufs
        if bufs is None:
            imported = _import_bufs(st)
            if isinstance(imported, int):
                return imported  # the copy faults: -EFAULT
            bufs = imported
        view = bufs[0]
    nonblock = issue_flags & IO_URING_F_NONBLOCK
    if not st.write:
        ret = file.read_nb(task, view, st.off)
    elif (nonblock or st.nowait) and not file.write_iter and not file.nonblock:
        # loop_rw_iter refuses IOCB_NOWAIT on a file without O_NONBLOCK: an eventfd
        # WRITE is never done inline; its fast polls fire at once until they run
        # out (APOLL_MAX_RETRY) and an io-wq worker writes it blocking
        ret = -EAGAIN
    else:
        ret = _write_nb(task, file, st, view)
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
        ret = _rw_done(req, st, view, ret)
    if file.regular and ret >= 0:
        _rw_notify(file, st.write)
    return ret


def bsel_select(req: Request, st: RwSelState, issue_flags: int) -> int:
    """``__io_import_rw_buffer`` with IOSQE_BUFFER_SELECT: take a provided buffer if the
    request holds none (``io_do_buffer_select``); 0 or -ENOBUFS."""
    if st.sel is not None:
        return 0
    sel = buffer_select(req, st.want, st.bgid, not issue_flags & IO_URING_F_NONBLOCK)
    if sel is None:
        return -ENOBUFS
    st.sel = sel
    st.raw = [(sel.addr, sel.len)]
    st.total = sel.len  # req->cqe.res: what the selected buffer takes
    st.bufs = None
    return 0


def _bsel_put(req: Request, st: RwSelState, ret: int) -> int:
    """The request completes with ``ret`` holding its provided buffer (``io_put_kbuf``
    in ``kiocb_done``, or ``io_req_defer_failed`` for an error): the CQE flags say
    which buffer; ``ret`` is passed through."""
    sel = st.sel
    if sel is not None:
        st.sel = None
        req.cflags |= put_kbuf(sel, ret)
    return ret


def _bsel_end(req: Request, st: RwSelState, ret: int) -> int:
    """``io_read``'s end: a failure (-EAGAIN included) first gives back a ring buffer
    not yet consumed (REQ_F_BUFFERS_COMMIT: ``io_kbuf_recycle``), so its CQE names
    no buffer; a legacy or already consumed one stays with the request, whose
    failure then consumes it and names it (``io_req_defer_failed``)."""
    if ret < 0:
        sel = st.sel
        if sel is not None and sel.bl is not None:
            st.sel = kbuf_recycle(req, sel)
            st.bufs = None
    return _bsel_put(req, st, ret)


def _bsel_wait(req: Request, st: RwSelState) -> None:
    """``io_read`` answered -EAGAIN and the request will wait (poll) or go to io-wq: a
    ring buffer not consumed yet goes back; a legacy buffer (or a consumed ring
    buffer) stays with the request, which keeps using it when retried, and is
    named by its CQE even if it is cancelled meanwhile."""
    sel = st.sel
    if sel is None:
        return
    if sel.bl is not None:
        st.sel = kbuf_recycle(req, sel)
        st.bufs = None
        return
    req.cflags = IORING_CQE_F_BUFFER | (sel.bid << IORING_CQE_BUFFER_SHIFT) | (IORING_CQE_F_BUF_MORE if sel.buf_more else 0)


def _bsel_issue_nowait(req: Request, st: RwSelState, file: object, issue_flags: int) -> IssueResult:
    """``io_read`` with a provided buffer and IO_URING_F_NONBLOCK (or from io-wq on a
    pollable file): the buffer is selected first (-ENOBUFS), before the file checks
    (:func:`_bsel_end`, :func:`_bsel_wait`); the ring's descriptor then answers as
    without a buffer (:func:`rw_no_iter`), waiting with the buffer while its CQ is empty."""
    err = bsel_select(req, st, issue_flags)
    if err:
        return err
    task = req.worker
    if not isinstance(file, ObjFile):  # the ring's descriptor: rw_no_iter's readiness rule, as without a buffer
        ret = rw_no_iter(req, st, req.file, issue_flags)
        if ret != -EAGAIN:
            return _bsel_end(req, st, ret)
    else:
        view = rw_view(req, st, file)
        if isinstance(view, int):
            return _bsel_end(req, st, view)
        ret = file.read_nb(task, view, st.off)
        if ret != -EAGAIN:
            return _bsel_end(req, st, _rw_done(req, st, view, ret))
    nonblock = issue_flags & IO_URING_F_NONBLOCK
    if st.nowait:  # RWF_NOWAIT: -EAGAIN is the answer
        _bsel_end(req, st, -EAGAIN)
        if nonblock:
            post_completion(task, req, -EAGAIN, req.cflags)
            return ISSUE_SKIP_COMPLETE
        return -EAGAIN
    _bsel_wait(req, st)
    if nonblock or not arm_poll(task, req, iowq=True):
        return -EAGAIN
    return ISSUE_SKIP_COMPLETE


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
    sst = st if isinstance(st, RwSelState) else None
    if sst is not None:
        err = bsel_select(req, sst, issue_flags)
        if err:
            return err
    view = rw_view(req, st, file, nonblock=False)
    if isinstance(view, int):
        return _bsel_end(req, sst, view) if sst is not None else view
    if file.pollable and file.nonblock:  # the file's own O_NONBLOCK: a blocking issue does not sleep
        ret = _write_nb(task, file, st, view) if st.write else file.read_nb(task, view, st.off)
    elif st.write and isinstance(file, RegFile):
        ret = _write_nb(task, file, st, view)  # a regular file's write never sleeps
    elif st.write and not file.write_iter and st.vectored and (segs := _loop_segments(st)) is not None:
        ret = 0
        for seg in segs:  # loop_rw_iter, each ->write blocking
            nr = yield from file.write_wait(task, seg, st.off)
            ret, stop = _loop_add(ret, nr, len(seg))
            if stop:
                break
    elif st.write:
        ret = yield from file.write_wait(task, view, st.off)
    else:
        ret = yield from file.read_wait(task, view, st.off)
    if ret == -ERESTARTSYS:
        ret = -EINTR  # io_rw_done: a blocked worker's signalled wait cannot be restarted
    ret = _rw_done(req, st, view, ret)
    if file.regular and ret >= 0:
        _rw_notify(file, st.write)
    return _bsel_end(req, sst, ret) if sst is not None else ret


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
    registry.add_opcode(OpDef(IORING_OP_READ, issue=rw_issue, prep=read_prep, name="READ", pollin=True, buffer_select=True, **common))
    registry.add_opcode(OpDef(IORING_OP_WRITE, issue=rw_issue, prep=write_prep, name="WRITE", pollout=True, **common))
    registry.add_opcode(OpDef(IORING_OP_READV, issue=rw_issue, prep=readv_prep, name="READV", pollin=True, buffer_select=True, **common))
    registry.add_opcode(OpDef(IORING_OP_WRITEV, issue=rw_issue, prep=writev_prep, name="WRITEV", pollout=True, **common))
    registry.add_cost_section(RwCosts)
