"""IORING_OP_OPENAT and IORING_OP_OPENAT2 (io_uring/openclose.c: ``io_openat_prep``,
``io_openat2_prep`` / ``io_openat2``).

Prep (``io_openat_prep`` -> ``__io_openat_prep``): ``open_flags`` (a u32)
and the mode in ``len`` become an ``open_how`` as openat(2) builds it
(``build_open_how``: unknown flag bits dropped, the mode kept only when
creating); ``buf_index`` non-zero is -EINVAL; IOSQE_FIXED_FILE is -EBADF;
the path in ``addr`` is read from user memory now (``getname``): anything
but a string is -EFAULT, an empty one -ENOENT, one of PATH_MAX (4096) bytes
or more -ENAMETOOLONG; a ``file_index`` with O_CLOEXEC is -EINVAL.  An open
that creates or truncates (O_CREAT, O_TRUNC, O_TMPFILE) is sent to io-wq at
once (``io_openat_force_async``: REQ_F_FORCE_ASYNC).

OPENAT2 (``io_openat2_prep``) reads ``struct open_how`` (three u64: flags,
mode, resolve) from ``addr2`` (``off``), ``len`` bytes of it: under 24 is
-EINVAL; more is allowed if the extra bytes are zero, else -E2BIG
(``copy_struct_from_user``); unreadable memory is -EFAULT.  Its flags, mode
and resolve flags are checked at issue (``build_open_flags``, -EINVAL): a
flag bit openat(2) does not know, a resolve bit past RESOLVE_CACHED,
RESOLVE_BENEATH with RESOLVE_IN_ROOT, a mode without O_CREAT/O_TMPFILE or
with bits past 07777, O_CREAT | O_DIRECTORY; RESOLVE_CACHED with O_CREAT,
O_TRUNC or O_TMPFILE is -EAGAIN.  RESOLVE_CACHED makes a name not in the
dentry cache -EAGAIN as the result (no retry from io-wq).  RESOLVE_BENEATH
with an absolute path is -EXDEV.

Issue (``io_openat2``): after ``build_open_flags``'s checks, a request with ``file_index`` 0
takes its descriptor (``__get_unused_fd_flags``, below the RLIMIT_NOFILE read at prep) before
the path is looked at: with none free below it the result is -EMFILE (inline, at once), for a
missing name, a bad ``fd`` or RESOLVE_CACHED too, and nothing is opened (no IN_OPEN, no file
created); a request into a registered slot takes no descriptor.  ``fd`` is the directory the
path is relative to.
An absolute path ignores ``fd``; a relative one starts at the root with
AT_FDCWD (the working directory is the root), at an open directory's path
with a directory descriptor, and is -EBADF for a descriptor not open and
-ENOTDIR for another one.  The open itself is open(2)'s
(:func:`simuring.kernel.sys.fs.open_file`: the path walk of
:mod:`simuring.kernel.namei` with symbolic links followed; -ENOENT,
-ENOTDIR, -EEXIST, -EISDIR ...; O_DIRECTORY on a file is -ENOTDIR; a
directory opens read-only as a directory descriptor).
With ``file_index`` 0 the file gets the lowest free descriptor (the
result); otherwise it goes to the registered-file table
(``io_fixed_fd_install``): IORING_FILE_INDEX_ALLOC takes a free slot of the
allocation range (its index is the result, -ENFILE when none is free),
another value is slot + 1 (result 0; -ENXIO without a table, -EINVAL past
its end).  The inline attempt walks with LOOKUP_CACHED: a name with no dentry
yet (never looked up: no entry of the file system nor a remembered miss,
``SimFs.negative``; compared as written, symlinks not read) is -EAGAIN and the open is retried from io-wq, whose
lookup leaves a negative dentry when the file is missing (so a second
missing open fails inline).  The inline attempt opens with O_NONBLOCK too
(dropped from the file afterwards unless asked for), so a FIFO's blocking
O_RDONLY open completes at once and its O_WRONLY open with no reader is
-ENXIO; from io-wq a FIFO's open waits for the other end
(:meth:`~simuring.kernel.objects.fifo.FifoFile.wait_partner`, the descriptor
taken first), and a cancel ends the wait with -ERESTARTSYS, posted as it is.
Cost: ``[file]`` ``open_ns``.

O_PATH opens the name without opening the file (:mod:`simuring.kernel.objects.pathfile`:
the flags it does not keep dropped, no FIFO wait, no -EISDIR).

Not modelled: O_TMPFILE, O_NOFOLLOW without O_PATH (a symlink is followed),
RESOLVE_NO_SYMLINKS, RESOLVE_NO_MAGICLINKS and RESOLVE_NO_XDEV (they
change nothing), RESOLVE_BENEATH's and RESOLVE_IN_ROOT's confinement of a
relative walk (``..`` may leave the start), permissions (``mode`` is
checked and dropped).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final, cast

from simuring.abi.errno import (
    E2BIG,
    EAGAIN,
    EBADF,
    EFAULT,
    EINVAL,
    ENAMETOOLONG,
    ENOENT,
    EXDEV,
)
from simuring.abi.io_uring import (
    IORING_FILE_INDEX_ALLOC,
    IORING_OP_OPENAT,
    IORING_OP_OPENAT2,
    IOSQE_ASYNC,
    IOSQE_FIXED_FILE,
    Sqe,
)
from simuring.abi.posix import O_CLOEXEC, O_CREAT, O_NONBLOCK, O_TRUNC
from simuring.kernel.costs import FileCosts
from simuring.kernel.files import files_of
from simuring.kernel.namei import dfd_start, is_cached
from simuring.kernel.objects.dirfile import DirFile
from simuring.kernel.objects.fifo import FifoFile, wait_and_install
from simuring.kernel.objects.pathfile import PathFile
from simuring.kernel.objects.regfile import RegFile
from simuring.kernel.opdef import (
    IO_URING_F_NONBLOCK,
    ISSUE_SKIP_COMPLETE,
    IssueResult,
    IssueStatus,
    OpDef,
)
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, post_completion
from simuring.kernel.rsrc import file_alloc_slot, install_fixed_file
from simuring.kernel.submit import SqeSlot
from simuring.kernel.sys.fs import open_file
from simuring.kernel.uaccess import c_strlen, user_bytes

if TYPE_CHECKING:
    import simpy

U32: Final = 0xFFFF_FFFF
AT_FDCWD: Final = -100
PATH_MAX: Final = 4096
O_DIRECTORY: Final = 0o200000
O_TMPFILE_BIT: Final = 0o20000000
"""``__O_TMPFILE`` (O_TMPFILE is it with O_DIRECTORY)."""
VALID_OPEN_FLAGS: Final = 0o37777703
"""The bits openat(2) keeps (``VALID_OPEN_FLAGS``, x86-64): the access mode and every
O_* flag from O_CREAT to ``__O_TMPFILE``; ``build_open_how`` drops the others."""
S_IALLUGO: Final = 0o7777
OPEN_HOW_SIZE_VER0: Final = 24
RESOLVE_BENEATH: Final = 0x08
RESOLVE_IN_ROOT: Final = 0x10
RESOLVE_CACHED: Final = 0x20
VALID_RESOLVE_FLAGS: Final = 0x3F
U64: Final = (1 << 64) - 1


class OpenOp:
    """``struct io_open``: the directory fd, the path, the flags and the registered slot (+ 1)."""

    __slots__ = ("dfd", "path", "flags", "mode", "resolve", "file_slot", "nofile")

    def __init__(
        self, dfd: int, path: str, flags: int, mode: int, resolve: int, file_slot: int, nofile: int
    ) -> None:
        self.dfd = dfd
        self.path = path
        self.flags = flags
        self.mode = mode
        self.resolve = resolve
        self.file_slot = file_slot
        self.nofile = nofile  # RLIMIT_NOFILE when prepared: the new descriptor must be below it


def getname(addr: object) -> str | int:
    """``getname``: the path string, or -EFAULT / -ENOENT (empty) / -ENAMETOOLONG."""
    if not isinstance(addr, str):
        return -EFAULT
    if not addr:
        return -ENOENT
    if c_strlen(addr) >= PATH_MAX:
        return -ENAMETOOLONG
    return addr


def openat_prep(req: Request, sqe: Sqe) -> int:
    """``io_openat_prep``: ``build_open_how`` of (``open_flags``, ``len``), then ``__io_openat_prep``."""
    s = cast(SqeSlot, sqe)
    flags, mode = s.op_flags, s.len
    if not isinstance(flags, int) or not isinstance(mode, int):
        return -EINVAL
    flags &= U32 & VALID_OPEN_FLAGS
    mode = mode & S_IALLUGO if flags & (O_CREAT | O_TMPFILE_BIT) else 0
    return _openat_prep(req, s, flags, mode, 0)


def openat2_prep(req: Request, sqe: Sqe) -> int:
    """``io_openat2_prep``: ``struct open_how`` copied from ``addr2`` (``copy_struct_from_user``)."""
    s = cast(SqeSlot, sqe)
    size = s.len
    if not isinstance(size, int):
        return -EINVAL
    size &= U32
    if size < OPEN_HOW_SIZE_VER0:
        return -EINVAL
    view = user_bytes(s.off, size, kernel_writes=False)
    if isinstance(view, int):
        return -EFAULT
    if any(view[OPEN_HOW_SIZE_VER0:]):
        return -E2BIG
    raw = bytes(view[:OPEN_HOW_SIZE_VER0])
    flags, mode, resolve = (int.from_bytes(raw[i : i + 8], "little") for i in (0, 8, 16))
    return _openat_prep(req, s, flags, mode, resolve)


def _openat_prep(req: Request, s: SqeSlot, flags: int, mode: int, resolve: int) -> int:
    """``__io_openat_prep``."""
    if s.buf_index:
        return -EINVAL
    if req.flags & IOSQE_FIXED_FILE:
        return -EBADF
    dfd, slot = s.fd, s.file_index
    if not isinstance(dfd, int) or not isinstance(slot, int):
        return -EINVAL
    path = getname(s.addr)
    if isinstance(path, int):
        return path
    slot &= U32
    if slot and flags & O_CLOEXEC:
        return -EINVAL
    nofile = files_of(req.task.process).limit  # open->nofile = rlimit(RLIMIT_NOFILE)
    req.op = OpenOp(((dfd & U32) ^ (1 << 31)) - (1 << 31), path, flags, mode, resolve, slot, nofile)
    if flags & (O_TRUNC | O_CREAT | O_TMPFILE_BIT):
        req.flags |= IOSQE_ASYNC  # REQ_F_FORCE_ASYNC
    return 0


def build_open_flags(flags: int, mode: int, resolve: int) -> int:
    """``build_open_flags``'s checks: 0, -EINVAL or -EAGAIN (RESOLVE_CACHED and a create or truncate)."""
    flags &= ~O_CLOEXEC
    if flags & ~VALID_OPEN_FLAGS or resolve & ~VALID_RESOLVE_FLAGS:
        return -EINVAL
    if resolve & RESOLVE_BENEATH and resolve & RESOLVE_IN_ROOT:
        return -EINVAL
    if flags & (O_CREAT | O_TMPFILE_BIT):
        if mode & ~S_IALLUGO:
            return -EINVAL
    elif mode:
        return -EINVAL
    if flags & O_DIRECTORY and flags & O_CREAT:
        return -EINVAL
    if resolve & RESOLVE_CACHED and flags & (O_TRUNC | O_CREAT | O_TMPFILE_BIT):
        return -EAGAIN
    return 0


def _resolve(req: Request, op: OpenOp) -> str | int:
    """The start of ``path_openat``'s walk (``path_init``): the directory a relative path is read
    from, or -errno."""
    if op.path.startswith("/"):
        if op.resolve & RESOLVE_BENEATH:
            return -EXDEV  # an absolute path leaves the starting point
        return "/"
    return dfd_start(req.task.process, op.dfd)


OpenFile = RegFile | DirFile | FifoFile | PathFile


def _open(req: Request, issue_flags: int) -> IssueResult | tuple[int, OpenFile]:
    """``io_openat2`` up to ``do_filp_open``: ``build_open_flags``, then the descriptor
    (``__get_unused_fd_flags`` below the ``nofile`` read at prep; none for a registered slot),
    then the walk (``path_init``'s -EBADF / -ENOTDIR / -EXDEV, LOOKUP_CACHED's -EAGAIN) and the
    open: the descriptor found free (0 for a slot) and the file, or the result to post.  So a
    full table is -EMFILE whatever the path names, inline at once, nothing opened.  The inline
    attempt opens with O_NONBLOCK (dropped from the file afterwards unless the user gave it),
    so a FIFO open never waits there."""
    op: OpenOp = req.op
    task = req.worker
    ctx = req.ctx
    task.charge(ctx.kernel.costs.get(FileCosts).open_ns)
    flags = op.flags
    ret = build_open_flags(flags, op.mode, op.resolve)
    if ret:
        return _final(req, issue_flags, ret)
    fd = 0 if op.file_slot else files_of(req.task.process).unused(op.nofile)
    if fd < 0:
        return fd
    start = _resolve(req, op)
    if isinstance(start, int):
        return start
    fs = ctx.kernel.fs
    inline = issue_flags & IO_URING_F_NONBLOCK
    if (inline or op.resolve & RESOLVE_CACHED) and not is_cached(fs, start, op.path):
        # LOOKUP_CACHED and no dentry for the name yet: retried from io-wq, unless the
        # user asked for RESOLVE_CACHED, for whom -EAGAIN is the answer
        return _final(req, issue_flags, -EAGAIN) if op.resolve & RESOLVE_CACHED else -EAGAIN
    file = open_file(ctx.kernel, op.path, flags | O_NONBLOCK if inline else flags, start)
    if isinstance(file, int):
        return file
    if inline and not flags & O_NONBLOCK:
        file.f_flags &= ~O_NONBLOCK
    return fd, file


def openat_nowait(req: Request, issue_flags: int) -> IssueResult:
    """``io_openat2`` inline: the open never sleeps (O_NONBLOCK), so the file is installed at once."""
    opened = _open(req, issue_flags)
    return opened if isinstance(opened, (int, IssueStatus)) else _install(req, *opened)


def openat_issue(req: Request, issue_flags: int) -> Generator[simpy.Event, Any, IssueResult]:
    """``io_openat2`` from io-wq: a blocking open of a FIFO with no partner sleeps in
    ``wait_for_partner`` (interruptible: a cancel ends it with -ERESTARTSYS, posted as it is)."""
    opened = _open(req, issue_flags)
    if isinstance(opened, (int, IssueStatus)):
        return opened
    fd, file = opened
    if isinstance(file, FifoFile) and file.waiting:
        op: OpenOp = req.op
        if not op.file_slot:  # the descriptor taken before the open is held during the wait
            return (yield from wait_and_install(req.worker, files_of(req.task.process), file, fd))
        ret = yield from file.wait_partner(req.worker)
        if ret < 0:
            return ret
    return _install(req, fd, file)


def _install(req: Request, fd: int, file: OpenFile) -> int:
    """The descriptor ``fd`` found free by :func:`_open` (``fd_install``) or the registered slot
    (``io_fixed_fd_install``) the file gets; a file no slot takes is released (``fput``)."""
    op: OpenOp = req.op
    ctx = req.ctx
    if not op.file_slot:
        files_of(req.task.process).install_at(fd, file)
        return fd
    if op.file_slot == IORING_FILE_INDEX_ALLOC:  # __io_fixed_fd_install
        slot = file_alloc_slot(ctx)
        ret = install_fixed_file(req.worker, ctx, file, slot) if slot >= 0 else slot
        ret = slot if ret == 0 else ret
    else:
        ret = install_fixed_file(req.worker, ctx, file, op.file_slot - 1)
    file.get()  # the table's reference, or the one fput drops when no slot took the file
    if ret < 0:
        file.put(req.worker)  # io_fixed_fd_install's fput: its close events, its dentry's dput
    return ret


def _final(req: Request, issue_flags: int, ret: int) -> IssueResult:
    """``ret`` as the result even when it is -EAGAIN on an inline issue (which the generic path would punt)."""
    if ret == -EAGAIN and issue_flags & IO_URING_F_NONBLOCK:
        post_completion(req.worker, req, ret)
        return ISSUE_SKIP_COMPLETE
    return ret


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(
        OpDef(IORING_OP_OPENAT, issue=openat_issue, issue_nowait=openat_nowait, prep=openat_prep, name="OPENAT")
    )
    registry.add_opcode(
        OpDef(IORING_OP_OPENAT2, issue=openat_issue, issue_nowait=openat_nowait, prep=openat2_prep, name="OPENAT2")
    )
