"""IORING_OP_MKDIRAT, UNLINKAT, RENAMEAT, SYMLINKAT and LINKAT (io_uring/fs.c).

Each prep (``io_mkdirat_prep``, ``io_unlinkat_prep``, ``io_renameat_prep``,
``io_symlinkat_prep``, ``io_linkat_prep``) checks that the SQE fields the
opcode does not use are zero (-EINVAL), refuses IOSQE_FIXED_FILE (-EBADF),
reads its paths from user memory (``getname``: anything but a str is
-EFAULT, an empty one -ENOENT, one of PATH_MAX bytes or more
-ENAMETOOLONG; LINKAT's old path may be empty with AT_EMPTY_PATH) and marks
the request REQ_F_FORCE_ASYNC: the operation runs from io-wq.  The fields:

========== ====== ============== ============ ========================= =====================
opcode     fd     addr           addr2 (off)  len                       op flags
========== ====== ============== ============ ========================= =====================
MKDIRAT    dfd    path           must be 0    mode (ignored)            must be 0
UNLINKAT   dfd    path           must be 0    must be 0                 AT_REMOVEDIR (else
                                                                        -EINVAL at prep)
RENAMEAT   old    old path       new path     new dfd                   RENAME_* (checked at
           dfd                                                          issue)
SYMLINKAT  new    target         link path    must be 0                 must be 0
           dfd
LINKAT     old    old path       new path     new dfd                   AT_SYMLINK_FOLLOW,
           dfd                                                          AT_EMPTY_PATH (issue)
========== ====== ============== ============ ========================= =====================

``buf_index`` and ``splice_fd_in`` (``file_index``) must be 0 for all five.

Issue: ``do_mkdirat``, ``do_unlinkat`` / ``do_rmdir`` (AT_REMOVEDIR),
``do_renameat2``, ``do_symlinkat``, ``do_linkat`` on the in-memory file
system (:mod:`simuring.kernel.namei`, which lists their errors).  A
relative path starts at the root for AT_FDCWD, at an open directory's path
for a directory descriptor, else is -EBADF (not open) or -ENOTDIR; an
absolute path ignores the descriptor.  LINKAT with AT_EMPTY_PATH and an
empty old path links the descriptor's file (an open regular file: its inode,
-ENOENT once no name holds it; a directory -EPERM; another object -EXDEV).
The result is 0 or -errno, set without ``req_set_fail``: a failed
operation does not cancel the requests linked after it.

Cost: ``[file]`` ``namei_ns`` per operation.

Not modelled: permissions (the caller is root), mount points (-EXDEV,
-EBUSY for a mount point), the mode of a new directory (statx reports
0755), LINKAT's AT_EMPTY_PATH capability check (root has it), a rename of a
directory while a descriptor has it open (the descriptor keeps the old
path), the whiteout's device number (always 0:0).
"""

from __future__ import annotations

from typing import Final, cast

from simuring.abi.errno import EBADF, EFAULT, EINVAL, ENAMETOOLONG, ENOENT, EXDEV
from simuring.abi.io_uring import (
    IORING_OP_LINKAT,
    IORING_OP_MKDIRAT,
    IORING_OP_RENAMEAT,
    IORING_OP_SYMLINKAT,
    IORING_OP_UNLINKAT,
    IOSQE_ASYNC,
    IOSQE_FIXED_FILE,
    Sqe,
)
from simuring.abi.limits import U32
from simuring.kernel.costs import FileCosts
from simuring.kernel.files import files_of
from simuring.kernel.namei import (
    AT_EMPTY_PATH,
    AT_SYMLINK_FOLLOW,
    dfd_start,
    do_linkat,
    do_mkdirat,
    do_renameat2,
    do_rmdir,
    do_symlinkat,
    do_unlinkat,
    lookup,
    start_of,
)
from simuring.kernel.objects.fifo import FifoFile
from simuring.kernel.objects.regfile import Inode, RegFile
from simuring.kernel.opdef import IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.submit import SqeSlot
from simuring.opcodes.sync import complete_no_fail

PATH_MAX: Final = 4096
AT_REMOVEDIR: Final = 0x200


class FsOp:
    """``struct io_rename`` / ``io_unlink`` / ``io_mkdir`` / ``io_link``: the descriptors, the
    paths and the flags (unused fields stay empty)."""

    __slots__ = ("dfd", "path", "dfd2", "path2", "flags")

    def __init__(self, dfd: int, path: str, dfd2: int = 0, path2: str = "", flags: int = 0) -> None:
        self.dfd = dfd
        self.path = path
        self.dfd2 = dfd2
        self.path2 = path2
        self.flags = flags


def _nonzero(v: object) -> bool:
    return not (isinstance(v, int) and v == 0)


def _s32(v: int) -> int:
    return ((v & U32) ^ (1 << 31)) - (1 << 31)


def getname(addr: object, empty_ok: bool = False) -> str | int:
    """``getname`` / ``getname_uflags``: the path (up to its first NUL) or -EFAULT (not a
    string), -ENOENT (empty, unless ``empty_ok``), -ENAMETOOLONG (PATH_MAX bytes or more)."""
    if not isinstance(addr, str):
        return -EFAULT
    path = addr.split("\0", 1)[0]
    if not path and not empty_ok:
        return -ENOENT
    if len(path.encode(errors="surrogateescape")) >= PATH_MAX:
        return -ENAMETOOLONG
    return path


def _common(req: Request, s: SqeSlot, must_be_zero: tuple[object, ...]) -> int:
    """The checks every prep starts with: unused fields, IOSQE_FIXED_FILE, the descriptor's type."""
    if any(_nonzero(v) for v in must_be_zero) or _nonzero(s.buf_index) or _nonzero(s.file_index):
        return -EINVAL
    if req.flags & IOSQE_FIXED_FILE:
        return -EBADF
    if not isinstance(s.fd, int):
        return -EINVAL
    return 0


def _two_paths(s: SqeSlot, empty_ok: bool = False) -> tuple[str, str] | int:
    old = getname(s.addr, empty_ok)
    if isinstance(old, int):
        return old
    new = getname(s.off)
    if isinstance(new, int):
        return new
    return old, new


def _done(req: Request, op: FsOp) -> int:
    req.op = op
    req.flags |= IOSQE_ASYNC  # REQ_F_FORCE_ASYNC
    return 0


def mkdirat_prep(req: Request, sqe: Sqe) -> int:
    """``io_mkdirat_prep``: ``off`` and the op flags must be 0; the mode (``len``) is kept and ignored."""
    s = cast(SqeSlot, sqe)
    ret = _common(req, s, (s.off, s.op_flags))
    if ret:
        return ret
    path = getname(s.addr)
    if isinstance(path, int):
        return path
    return _done(req, FsOp(_s32(cast(int, s.fd)), path))


def unlinkat_prep(req: Request, sqe: Sqe) -> int:
    """``io_unlinkat_prep``: ``off`` and ``len`` must be 0, the flags at most AT_REMOVEDIR."""
    s = cast(SqeSlot, sqe)
    ret = _common(req, s, (s.off, s.len))
    if ret:
        return ret
    flags = s.op_flags
    if not isinstance(flags, int) or flags & U32 & ~AT_REMOVEDIR:
        return -EINVAL
    path = getname(s.addr)
    if isinstance(path, int):
        return path
    return _done(req, FsOp(_s32(cast(int, s.fd)), path, flags=flags & U32))


def _old_new_prep(req: Request, sqe: Sqe, empty_flag: int) -> int:
    """The prep RENAMEAT and LINKAT share: old directory in ``fd``, new one in ``len``, two paths; the
    flags are kept for the issue (with LINKAT, ``empty_flag`` = AT_EMPTY_PATH lets the old path be empty)."""
    s = cast(SqeSlot, sqe)
    ret = _common(req, s, ())
    if ret:
        return ret
    if not isinstance(s.len, int) or not isinstance(s.op_flags, int):
        return -EINVAL
    flags = s.op_flags & U32
    paths = _two_paths(s, bool(flags & empty_flag))
    if isinstance(paths, int):
        return paths
    return _done(req, FsOp(_s32(cast(int, s.fd)), paths[0], _s32(s.len), paths[1], flags))


def renameat_prep(req: Request, sqe: Sqe) -> int:
    """``io_renameat_prep``: the new directory in ``len``; the flags wait for the issue."""
    return _old_new_prep(req, sqe, 0)


def linkat_prep(req: Request, sqe: Sqe) -> int:
    """``io_linkat_prep``: the new directory in ``len``; AT_EMPTY_PATH lets the old path be empty."""
    return _old_new_prep(req, sqe, AT_EMPTY_PATH)


def symlinkat_prep(req: Request, sqe: Sqe) -> int:
    """``io_symlinkat_prep``: ``len`` and the op flags must be 0; ``fd`` is the new link's directory."""
    s = cast(SqeSlot, sqe)
    ret = _common(req, s, (s.len, s.op_flags))
    if ret:
        return ret
    paths = _two_paths(s)
    if isinstance(paths, int):
        return paths
    return _done(req, FsOp(_s32(cast(int, s.fd)), paths[1], path2=paths[0]))


def _begin(req: Request) -> FsOp:
    req.worker.charge(req.ctx.kernel.costs.get(FileCosts).namei_ns)
    op: FsOp = req.op
    return op


def mkdirat_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_mkdirat`` -> ``do_mkdirat``."""
    op = _begin(req)
    fs = req.ctx.kernel.fs
    return complete_no_fail(
        req, issue_flags, do_mkdirat(fs, start_of(req.task.process, op.dfd, op.path), op.path)
    )


def unlinkat_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_unlinkat`` -> ``do_rmdir`` (AT_REMOVEDIR) or ``do_unlinkat``."""
    op = _begin(req)
    fs = req.ctx.kernel.fs
    start = start_of(req.task.process, op.dfd, op.path)
    res = (
        do_rmdir(fs, start, op.path) if op.flags & AT_REMOVEDIR else do_unlinkat(fs, start, op.path)
    )
    return complete_no_fail(req, issue_flags, res)


def renameat_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_renameat`` -> ``do_renameat2``."""
    op = _begin(req)
    proc = req.task.process
    res = do_renameat2(
        req.ctx.kernel.fs,
        start_of(proc, op.dfd, op.path),
        op.path,
        start_of(proc, op.dfd2, op.path2),
        op.path2,
        op.flags,
    )
    return complete_no_fail(req, issue_flags, res)


def symlinkat_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_symlinkat`` -> ``do_symlinkat`` (``path2`` holds the target)."""
    op = _begin(req)
    res = do_symlinkat(
        req.ctx.kernel.fs, op.path2, start_of(req.task.process, op.dfd, op.path), op.path
    )
    return complete_no_fail(req, issue_flags, res)


def _link_source(req: Request, op: FsOp) -> str | Inode | int:
    """``do_linkat``'s flag check and old-name lookup: a path, an open file's inode (AT_EMPTY_PATH
    with an empty path), or -errno."""
    if op.flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH):
        return -EINVAL
    fs = req.ctx.kernel.fs
    proc = req.task.process
    if not op.path:  # AT_EMPTY_PATH: the descriptor itself
        start = dfd_start(proc, op.dfd)
        if isinstance(start, str):
            return start  # a directory (vfs_link's -EPERM)
        file = files_of(proc).get(op.dfd)
        if file is None:
            return -EBADF
        if isinstance(file, (RegFile, FifoFile)):
            return file.inode
        return -EXDEV  # an object of another file system (pipefs, sockfs, anon inodes)
    return lookup(fs, start_of(proc, op.dfd, op.path), op.path, bool(op.flags & AT_SYMLINK_FOLLOW))


def linkat_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_linkat`` -> ``do_linkat``."""
    op = _begin(req)
    old = _link_source(req, op)
    res = do_linkat(req.ctx.kernel.fs, old, start_of(req.task.process, op.dfd2, op.path2), op.path2)
    return complete_no_fail(req, issue_flags, res)


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(
        OpDef(IORING_OP_RENAMEAT, issue=renameat_issue, prep=renameat_prep, name="RENAMEAT")
    )
    registry.add_opcode(
        OpDef(IORING_OP_UNLINKAT, issue=unlinkat_issue, prep=unlinkat_prep, name="UNLINKAT")
    )
    registry.add_opcode(
        OpDef(IORING_OP_MKDIRAT, issue=mkdirat_issue, prep=mkdirat_prep, name="MKDIRAT")
    )
    registry.add_opcode(
        OpDef(IORING_OP_SYMLINKAT, issue=symlinkat_issue, prep=symlinkat_prep, name="SYMLINKAT")
    )
    registry.add_opcode(
        OpDef(IORING_OP_LINKAT, issue=linkat_issue, prep=linkat_prep, name="LINKAT")
    )
