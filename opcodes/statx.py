"""IORING_OP_STATX (io_uring/statx.c: ``io_statx_prep`` / ``io_statx``).

Prep: ``buf_index`` or ``splice_fd_in`` (``file_index``) non-zero is
-EINVAL, IOSQE_FIXED_FILE -EBADF.  ``fd`` is the directory, ``len`` the mask
of fields asked for, ``addr`` the path (read now, ``getname_uflags``:
anything but a str -EFAULT; an empty one -ENOENT unless AT_EMPTY_PATH, as
for OPENAT), ``addr2`` (``off``) the ``struct statx`` to fill, the op flags
the AT_* flags.  The request always runs from io-wq (REQ_F_FORCE_ASYNC).

Issue (``do_statx`` / ``vfs_statx``): a mask with STATX__RESERVED, both
AT_STATX_FORCE_SYNC and AT_STATX_DONT_SYNC, or a flag outside
AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE
is -EINVAL.  The path is resolved as OPENAT resolves it (no directories:
absolute ignores ``fd``, relative with AT_FDCWD is under ``/``, with another
descriptor -EBADF or -ENOTDIR); an empty path with AT_EMPTY_PATH is the
descriptor itself (-EBADF if not open).  A regular file of the in-memory
file system or a pipe is described; the 256-byte ``struct statx`` is
written (-EFAULT if it cannot be: fewer bytes, read-only memory).

Fields filled: ``stx_mask`` (STATX_BASIC_STATS | STATX_MNT_ID, whatever was
asked, as a local file system answers), ``stx_blksize`` 4096, ``stx_nlink``
1, ``stx_mode`` (S_IFREG | 0644 or S_IFIFO | 0600), ``stx_ino`` (a number
per file), ``stx_size``, ``stx_blocks`` (512-byte blocks of the pages
written).  The rest stays zero: owners, times, devices, mount id,
attributes.  Cost: ``[file]`` ``open_ns`` (a lookup).
"""

from __future__ import annotations

from typing import Final, cast

from simuring.abi.errno import EBADF, EFAULT, EINVAL, ENAMETOOLONG, ENOENT, ENOTDIR
from simuring.abi.io_uring import IORING_OP_STATX, IOSQE_ASYNC, IOSQE_FIXED_FILE, Sqe
from simuring.abi.posix import PAGE_SIZE
from simuring.kernel.costs import FileCosts
from simuring.kernel.files import files_of
from simuring.kernel.objects.pipe import PipeFile
from simuring.kernel.objects.regfile import Inode, RegFile
from simuring.kernel.opdef import IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.submit import SqeSlot
from simuring.kernel.uaccess import user_bytes

U32: Final = 0xFFFF_FFFF
AT_FDCWD: Final = -100
PATH_MAX: Final = 4096
AT_SYMLINK_NOFOLLOW: Final = 0x100
AT_NO_AUTOMOUNT: Final = 0x800
AT_EMPTY_PATH: Final = 0x1000
AT_STATX_SYNC_TYPE: Final = 0x6000
STATX_VALID_AT: Final = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE
STATX__RESERVED: Final = 0x8000_0000
STATX_BASIC_STATS: Final = 0x7FF
STATX_MNT_ID: Final = 0x1000
STATX_SIZE: Final = 256
S_IFREG: Final = 0o100000
S_IFIFO: Final = 0o010000


class StatxOp:
    """``struct io_statx``."""

    __slots__ = ("dfd", "mask", "flags", "path", "buffer")

    def __init__(self, dfd: int, mask: int, flags: int, path: str, buffer: object) -> None:
        self.dfd = dfd
        self.mask = mask
        self.flags = flags
        self.path = path
        self.buffer = buffer


def statx_prep(req: Request, sqe: Sqe) -> int:
    """``io_statx_prep``."""
    s = cast(SqeSlot, sqe)
    if s.buf_index or s.file_index:
        return -EINVAL
    if req.flags & IOSQE_FIXED_FILE:
        return -EBADF
    dfd, mask, flags = s.fd, s.len, s.op_flags
    if not (isinstance(dfd, int) and isinstance(mask, int) and isinstance(flags, int)):
        return -EINVAL
    flags &= U32
    path = s.addr
    if not isinstance(path, str):
        return -EFAULT
    if not path and not flags & AT_EMPTY_PATH:
        return -ENOENT
    if len(path.encode(errors="surrogateescape")) >= PATH_MAX:
        return -ENAMETOOLONG
    req.op = StatxOp(((dfd & U32) ^ (1 << 31)) - (1 << 31), mask & U32, flags, path, s.off)
    req.flags |= IOSQE_ASYNC  # REQ_F_FORCE_ASYNC
    return 0


def _target(req: Request, op: StatxOp) -> Inode | PipeFile | int:
    """What the path (or, empty with AT_EMPTY_PATH, the descriptor) names."""
    path = op.path
    fs = req.ctx.kernel.fs
    if not path:
        file = files_of(req.task.process).get(op.dfd) if op.dfd != AT_FDCWD else None
        if file is None:
            return -EBADF if op.dfd != AT_FDCWD else -ENOENT  # AT_FDCWD: the working directory, not modelled
        if isinstance(file, RegFile):
            return file.inode
        if isinstance(file, PipeFile):
            return file
        return -EINVAL  # anonymous inodes, sockets: not modelled
    if not path.startswith("/"):
        if op.dfd != AT_FDCWD:
            return -EBADF if files_of(req.task.process).get(op.dfd) is None else -ENOTDIR
        path = "/" + path
    inode = fs.inodes.get(path)
    if inode is None:
        fs.negative.add(path)
        return -ENOENT
    return inode


def statx_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_statx`` -> ``do_statx``: the checks, the lookup, then ``cp_statx``."""
    op: StatxOp = req.op
    req.worker.charge(req.ctx.kernel.costs.get(FileCosts).open_ns)
    if op.mask & STATX__RESERVED or op.flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE:
        return -EINVAL
    if op.flags & ~STATX_VALID_AT:
        return -EINVAL
    target = _target(req, op)
    if isinstance(target, int):
        return target
    if isinstance(target, Inode):
        mode, size, ino = S_IFREG | 0o644, target.size, id(target) & 0xFFFF_FFFF
        blocks = len(target.pages) * (PAGE_SIZE // 512)
    else:
        mode, size, ino, blocks = S_IFIFO | 0o600, 0, id(target) & 0xFFFF_FFFF, 0
    view = user_bytes(op.buffer, STATX_SIZE, kernel_writes=True)
    if isinstance(view, int):
        return -EFAULT
    out = bytearray(STATX_SIZE)
    out[0:4] = (STATX_BASIC_STATS | STATX_MNT_ID).to_bytes(4, "little")
    out[4:8] = (4096).to_bytes(4, "little")
    out[16:20] = (1).to_bytes(4, "little")
    out[28:30] = mode.to_bytes(2, "little")
    out[32:40] = ino.to_bytes(8, "little")
    out[40:48] = size.to_bytes(8, "little")
    out[48:56] = blocks.to_bytes(8, "little")
    view[:STATX_SIZE] = out
    return 0


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(OpDef(IORING_OP_STATX, issue=statx_issue, prep=statx_prep, name="STATX"))
