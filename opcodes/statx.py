"""IORING_OP_STATX (io_uring/statx.c: ``io_statx_prep`` / ``io_statx``).

Prep: ``buf_index`` or ``splice_fd_in`` (``file_index``) non-zero is
-EINVAL, IOSQE_FIXED_FILE -EBADF.  ``fd`` is the directory, ``len`` the mask
of fields asked for, ``addr`` the path (read now, ``getname_uflags``:
anything but a str -EFAULT; an empty one -ENOENT unless AT_EMPTY_PATH, as
for OPENAT), ``addr2`` (``off``) the ``struct statx`` to fill, the op flags
the AT_* flags.  The request always runs from io-wq (REQ_F_FORCE_ASYNC).
Its result is set without ``req_set_fail`` (``io_statx``): an error neither
fails the link nor posts a CQE under IOSQE_CQE_SKIP_SUCCESS.

Issue (``do_statx`` / ``vfs_statx``): a mask with STATX__RESERVED, both
AT_STATX_FORCE_SYNC and AT_STATX_DONT_SYNC, or a flag outside
AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE
is -EINVAL.  The path is walked as OPENAT walks it
(:mod:`simuring.kernel.namei`: absolute ignores ``fd``, relative starts at
the root for AT_FDCWD or at an open directory, another descriptor is -EBADF
or -ENOTDIR; -ENOENT, -ENOTDIR, -ELOOP), a symbolic link followed unless
AT_SYMLINK_NOFOLLOW; an empty path with AT_EMPTY_PATH is the descriptor
itself (-EBADF if not open).  A regular file, a directory, a symbolic link
or a whiteout of the in-memory file system, or a pipe, is described; the
256-byte ``struct statx`` is written (-EFAULT if it cannot be: fewer bytes,
read-only memory).

Fields filled: ``stx_mask`` (STATX_BASIC_STATS | STATX_MNT_ID, whatever was
asked, as a local file system answers), ``stx_blksize`` 4096, ``stx_nlink``
(a file's or symlink's names, 0 for an open file unlinked; a directory 2 +
its subdirectories, as ext4 and tmpfs count), ``stx_mode`` (S_IFREG | 0644,
S_IFDIR | 0755, S_IFLNK | 0777, S_IFCHR for a whiteout, S_IFIFO | 0600 for a
pipe; a node made by mknod(2), a FIFO's open file too, its type and its
mode less the umask 022, size 0),
``stx_ino`` (a number per inode: hard links share it), ``stx_size`` (a
symlink's is its target's length, a directory's 4096), ``stx_blocks``
(512-byte blocks of the pages written).  The rest stays zero: owners, times, devices, mount id,
attributes.  Cost: ``[file]`` ``open_ns`` (a lookup).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple, cast

from simuring.abi.errno import EBADF, EFAULT, EINVAL, ENAMETOOLONG, ENOENT
from simuring.abi.io_uring import IORING_OP_STATX, IOSQE_ASYNC, IOSQE_FIXED_FILE, Sqe
from simuring.abi.posix import PAGE_SIZE
from simuring.kernel.costs import FileCosts
from simuring.kernel.files import files_of
from simuring.kernel.namei import lookup, nlink_of, start_of
from simuring.kernel.objects.dirfile import DirFile
from simuring.kernel.objects.fifo import FifoFile, NodeInode
from simuring.kernel.objects.pathfile import PathFile
from simuring.kernel.objects.pipe import PipeFile
from simuring.kernel.objects.regfile import Inode, RegFile
from simuring.kernel.opdef import IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.submit import SqeSlot
from simuring.kernel.uaccess import user_bytes
from simuring.opcodes.sync import complete_no_fail

if TYPE_CHECKING:
    from simuring.kernel.objects.regfile import SimFs

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
S_IFDIR: Final = 0o040000
S_IFLNK: Final = 0o120000
S_IFCHR: Final = 0o020000


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


class Stat(NamedTuple):
    """What ``cp_statx`` copies out: the type and mode, the size, the inode number, the 512-byte blocks, the links."""

    mode: int
    size: int
    ino: int
    blocks: int
    nlink: int


def _of_inode(fs: SimFs, inode: Inode) -> Stat:
    if isinstance(inode, NodeInode):  # mknod(2)'s: its type and permission bits, no size
        return Stat(inode.mode, 0, id(inode) & 0xFFFF_FFFF, 0, nlink_of(fs, None, inode))
    return Stat(
        S_IFREG | 0o644,
        inode.size,
        id(inode) & 0xFFFF_FFFF,
        len(inode.pages) * (PAGE_SIZE // 512),
        nlink_of(fs, None, inode),
    )


def _of_path(fs: SimFs, path: str) -> Stat:
    """A name of the file system (:func:`~simuring.kernel.namei.lookup`'s answer)."""
    inode = fs.inodes.get(path)
    if inode is not None:
        return _of_inode(fs, inode)
    link = fs.symlinks.get(path)
    if link is not None:
        return Stat(
            S_IFLNK | 0o777,
            len(link.target.encode(errors="surrogateescape")),
            link.ino,
            0,
            nlink_of(fs, None, link),
        )
    if path in fs.devices:
        return Stat(S_IFCHR, 0, 0, 0, 1)
    return Stat(
        S_IFDIR | 0o755, PAGE_SIZE, fs.dirs[path], PAGE_SIZE // 512, nlink_of(fs, path, None)
    )


def _target(req: Request, op: StatxOp) -> Stat | int:
    """What the path (or, empty with AT_EMPTY_PATH, the descriptor) names: walked as
    ``vfs_statx`` does (symlinks followed unless AT_SYMLINK_NOFOLLOW)."""
    path = op.path
    fs = req.ctx.kernel.fs
    if not path:
        # vfs_fstat: fdget_raw, which finds an O_PATH file too
        file = files_of(req.task.process).get_raw(op.dfd) if op.dfd != AT_FDCWD else None
        if file is None:
            return -EBADF if op.dfd != AT_FDCWD else -ENOENT  # AT_FDCWD: the working directory, not modelled
        if isinstance(file, (RegFile, FifoFile)):
            return _of_inode(fs, file.inode)
        if isinstance(file, PathFile) and file.inode is not None:
            return _of_inode(fs, file.inode)
        if isinstance(file, PipeFile):
            return Stat(S_IFIFO | 0o600, 0, id(file) & 0xFFFF_FFFF, 0, 1)
        if isinstance(file, (DirFile, PathFile)):  # a directory (or an O_PATH symlink); removed: no links left
            if file.path in fs.dirs or file.path in fs.symlinks:
                return _of_path(fs, file.path)
            return Stat(S_IFDIR | 0o755, 0, 0, 0, 0)
        return -EINVAL  # anonymous inodes, sockets: not modelled
    name = lookup(
        fs, start_of(req.task.process, op.dfd, path), path, not op.flags & AT_SYMLINK_NOFOLLOW
    )
    if isinstance(name, int):
        return name
    return _of_path(fs, name)


def statx_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_statx``: ``io_req_set_res`` of ``do_statx``'s result without ``req_set_fail``, so an
    error does not fail the link and a CQE_SKIP_SUCCESS request posts no CQE even for an error
    (found by the differential fuzzer)."""
    return complete_no_fail(req, issue_flags, _do_statx(req))


def _do_statx(req: Request) -> int:
    """``do_statx``: the checks, the lookup, then ``cp_statx``."""
    op: StatxOp = req.op
    req.worker.charge(req.ctx.kernel.costs.get(FileCosts).open_ns)
    if op.mask & STATX__RESERVED or op.flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE:
        return -EINVAL
    if op.flags & ~STATX_VALID_AT:
        return -EINVAL
    st = _target(req, op)
    if isinstance(st, int):
        return st
    view = user_bytes(op.buffer, STATX_SIZE, kernel_writes=True)
    if isinstance(view, int):
        return -EFAULT
    out = bytearray(STATX_SIZE)
    out[0:4] = (STATX_BASIC_STATS | STATX_MNT_ID).to_bytes(4, "little")
    out[4:8] = (4096).to_bytes(4, "little")
    out[16:20] = st.nlink.to_bytes(4, "little")
    out[28:30] = st.mode.to_bytes(2, "little")
    out[32:40] = st.ino.to_bytes(8, "little")
    out[40:48] = st.size.to_bytes(8, "little")
    out[48:56] = st.blocks.to_bytes(8, "little")
    view[:STATX_SIZE] = out
    return 0


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(OpDef(IORING_OP_STATX, issue=statx_issue, prep=statx_prep, name="STATX"))
