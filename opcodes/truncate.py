"""IORING_OP_FTRUNCATE (io_uring/truncate.c) and IORING_OP_FALLOCATE (io_uring/sync.c).

Both need a file (``needs_file``: -EBADF for a bad descriptor), are forced
to io-wq at prep (REQ_F_FORCE_ASYNC) and set their result without
``req_set_fail``: a negative answer from the file system does not cancel
the rest of the link (a bad descriptor, -EBADF from the generic lookup,
does).  Neither is allowed on an IORING_SETUP_IOPOLL ring, nor takes
``ioprio`` (the generic checks, -EINVAL).

FTRUNCATE (``io_ftruncate_prep`` / ``io_ftruncate`` -> ``do_ftruncate``):
a non-zero op flags word, ``addr``, ``len``, ``buf_index``,
``splice_fd_in`` (``file_index``) or ``addr3`` is -EINVAL at prep; ``off``
is the new length (an ``loff_t``).  At issue: a file that is not a regular
file (pipe, socket, eventfd, ring) or that was not opened for writing is
-EINVAL; a negative length is -EINVAL (``do_truncate``); otherwise the
inode takes the new size (``Inode.truncate``: pages past it go, growing
leaves a hole) and the answer is 0.  The file position does not move.

FALLOCATE (``io_fallocate_prep`` / ``io_fallocate`` -> ``vfs_fallocate``):
a non-zero ``buf_index``, op flags word or ``splice_fd_in`` is -EINVAL at
prep; ``off`` is the offset, ``addr`` the length (64 bits), ``len`` the
mode.  ``vfs_fallocate``'s checks, in its order: a negative offset or a
length that is not positive -EINVAL; a mode bit outside the known ones, or
a combination the VFS refuses (PUNCH_HOLE without KEEP_SIZE; COLLAPSE_RANGE,
INSERT_RANGE or WRITE_ZEROES with KEEP_SIZE; an unknown mode) -EOPNOTSUPP;
a descriptor not open for writing -EBADF; a pipe -ESPIPE; anything else
that is not a regular file (socket, eventfd, ring) -ENODEV; an end past
``LLONG_MAX`` (or one that wraps) -EFBIG.  The file system is tmpfs's
(``shmem_fallocate``): only plain allocation (mode 0 or KEEP_SIZE) and
PUNCH_HOLE|KEEP_SIZE are supported, every other mode is -EOPNOTSUPP.
Allocation grows the size to the end of the range unless KEEP_SIZE (the
model keeps no block allocation: unwritten pages stay holes and read as
zeros); a punched hole reads as zeros and leaves the size alone.

A shared memory object (``shm_open``, tmpfs too) takes FTRUNCATE as
ftruncate(2) does, and FALLOCATE's plain allocation and hole punching.

Not modelled: ``do_ftruncate``'s small-file limit (every open on 64-bit is
O_LARGEFILE), append-only and immutable inodes (-EPERM), RLIMIT_FSIZE, and
the modes of other file systems (ext4's ZERO_RANGE, COLLAPSE_RANGE,
INSERT_RANGE, WRITE_ZEROES: tmpfs refuses them).

Cost: both reuse the ``[sync]`` section's ``fsync_ns`` (a metadata call on
the file system with no data to write back).
"""

from __future__ import annotations

from simuring.abi.errno import EBADF, EFBIG, EINVAL, ENODEV, EOPNOTSUPP, ESPIPE
from simuring.abi.inotify import IN_MODIFY
from simuring.abi.io_uring import IORING_OP_FALLOCATE, IORING_OP_FTRUNCATE, IOSQE_ASYNC, Sqe
from simuring.abi.posix import PAGE_SIZE
from simuring.kernel.objects.pipe import PipeFile
from simuring.kernel.objects.regfile import MAX_LFS_FILESIZE, Inode, RegFile
from simuring.kernel.objects.shm import ShmFile
from simuring.kernel.opdef import IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.opcodes.sync import SyncCosts, complete_no_fail

U32 = 0xFFFF_FFFF
U64 = 0xFFFF_FFFF_FFFF_FFFF

# include/uapi/linux/falloc.h
FALLOC_FL_KEEP_SIZE = 0x01
FALLOC_FL_PUNCH_HOLE = 0x02
FALLOC_FL_COLLAPSE_RANGE = 0x08
FALLOC_FL_ZERO_RANGE = 0x10
FALLOC_FL_INSERT_RANGE = 0x20
FALLOC_FL_UNSHARE_RANGE = 0x40
FALLOC_FL_WRITE_ZEROES = 0x80
FALLOC_FL_MODE_MASK = (
    FALLOC_FL_PUNCH_HOLE
    | FALLOC_FL_COLLAPSE_RANGE
    | FALLOC_FL_ZERO_RANGE
    | FALLOC_FL_INSERT_RANGE
    | FALLOC_FL_UNSHARE_RANGE
    | FALLOC_FL_WRITE_ZEROES
)


def _nonzero(v: object) -> bool:
    return not (v is None or (isinstance(v, int) and v == 0))


def _loff(v: int) -> int:
    """A u64 SQE word read as a signed ``loff_t``."""
    v &= U64
    return v - (1 << 64) if v >> 63 else v


class TruncOp:
    """``struct io_ftrunc`` / the FALLOCATE half of ``struct io_sync``."""

    __slots__ = ("off", "len", "mode")

    def __init__(self, off: int, length: int, mode: int) -> None:
        self.off = off
        self.len = length
        self.mode = mode


def ftruncate_prep(req: Request, sqe: Sqe) -> int:
    """``io_ftruncate_prep``."""
    if (
        _nonzero(sqe.op_flags)
        or _nonzero(sqe.addr)
        or _nonzero(sqe.len)
        or _nonzero(sqe.buf_index)
        or _nonzero(sqe.file_index)
        or _nonzero(sqe.addr3)
    ):
        return -EINVAL
    off = sqe.off
    if not isinstance(off, int):
        return -EINVAL
    req.op = TruncOp(_loff(off), 0, 0)
    req.flags |= IOSQE_ASYNC  # REQ_F_FORCE_ASYNC
    return 0


def ftruncate_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_ftruncate`` -> ``do_ftruncate`` -> ``do_truncate``."""
    req.worker.charge(req.ctx.kernel.costs.get(SyncCosts).fsync_ns)
    return complete_no_fail(req, issue_flags, _do_ftruncate(req.file, req.op.off))


def _do_ftruncate(file: object, length: int) -> int:
    if isinstance(file, RegFile):
        if not file.writable:
            return -EINVAL
        if length < 0:
            return -EINVAL
        file.inode.truncate(length)
        file.notify_change(IN_MODIFY)  # do_truncate -> notify_change -> fsnotify_change (ATTR_SIZE)
        return 0
    if isinstance(file, ShmFile):
        if not file.writable or length < 0:
            return -EINVAL
        return file.obj.truncate(length)
    return -EINVAL  # !S_ISREG


def fallocate_prep(req: Request, sqe: Sqe) -> int:
    """``io_fallocate_prep``."""
    if _nonzero(sqe.buf_index) or _nonzero(sqe.op_flags) or _nonzero(sqe.file_index):
        return -EINVAL
    off, addr, mode = sqe.off, sqe.addr, sqe.len
    if not (isinstance(off, int) and isinstance(mode, int)):
        return -EINVAL
    if addr is None:
        addr = 0
    elif not isinstance(addr, int):
        addr = 1 << 32  # an object's address read as the length: some positive count
    req.op = TruncOp(_loff(off), _loff(addr), mode & U32)
    req.flags |= IOSQE_ASYNC  # REQ_F_FORCE_ASYNC
    return 0


def fallocate_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_fallocate`` -> ``vfs_fallocate`` -> ``shmem_fallocate``."""
    req.worker.charge(req.ctx.kernel.costs.get(SyncCosts).fsync_ns)
    return complete_no_fail(req, issue_flags, _vfs_fallocate(req.file, req.op))


def _vfs_fallocate(file: object, op: TruncOp) -> int:
    off, length, mode = op.off, op.len, op.mode
    if mode >= 1 << 31:
        mode -= 1 << 32  # an int in the kernel
    if off < 0 or length <= 0:
        return -EINVAL
    if mode & ~(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE):
        return -EOPNOTSUPP
    kind = mode & FALLOC_FL_MODE_MASK
    if kind == FALLOC_FL_PUNCH_HOLE:
        if not mode & FALLOC_FL_KEEP_SIZE:
            return -EOPNOTSUPP
    elif kind in (FALLOC_FL_COLLAPSE_RANGE, FALLOC_FL_INSERT_RANGE, FALLOC_FL_WRITE_ZEROES):
        if mode & FALLOC_FL_KEEP_SIZE:
            return -EOPNOTSUPP
    elif kind not in (0, FALLOC_FL_UNSHARE_RANGE, FALLOC_FL_ZERO_RANGE):
        return -EOPNOTSUPP
    if not getattr(file, "writable", True):  # a ring is opened O_RDWR
        return -EBADF  # FMODE_WRITE
    if isinstance(file, PipeFile):
        return -ESPIPE
    if not isinstance(file, (RegFile, ShmFile)):
        return -ENODEV
    end = off + length
    if end > MAX_LFS_FILESIZE:
        return -EFBIG  # past s_maxbytes, or wrapped to a negative loff_t
    if kind not in (0, FALLOC_FL_PUNCH_HOLE):
        return -EOPNOTSUPP  # shmem_fallocate
    if isinstance(file, ShmFile):
        data = file.obj.data
        if kind == FALLOC_FL_PUNCH_HOLE:
            stop = min(end, len(data))
            if off < stop:
                data[off:stop] = bytes(stop - off)
            return 0
        if mode & FALLOC_FL_KEEP_SIZE or end <= len(data):
            return 0
        return file.obj.truncate(end)
    inode = file.inode
    if kind == FALLOC_FL_PUNCH_HOLE:
        _punch_hole(inode, off, end)
    elif not mode & FALLOC_FL_KEEP_SIZE and end > inode.size:
        inode.size = end  # the new blocks read as zeros: a hole in the model
    return 0


def _punch_hole(inode: Inode, start: int, end: int) -> None:
    """``shmem_fallocate`` with PUNCH_HOLE: ``[start, end)`` reads as zeros; whole
    pages are dropped, partial ones zeroed; the size is unchanged."""
    end = min(end, max(inode.size, start))
    pos = start
    pages = inode.pages
    while pos < end:
        index, first = divmod(pos, PAGE_SIZE)
        k = min(PAGE_SIZE - first, end - pos)
        page = pages.get(index)
        if page is not None:
            if k == PAGE_SIZE:
                del pages[index]
                inode.cached.discard(index)
            else:
                page[first : first + k] = bytes(k)
        pos += k


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(
        OpDef(IORING_OP_FTRUNCATE, issue=ftruncate_issue, prep=ftruncate_prep, name="FTRUNCATE", needs_file=True)
    )
    registry.add_opcode(
        OpDef(IORING_OP_FALLOCATE, issue=fallocate_issue, prep=fallocate_prep, name="FALLOCATE", needs_file=True)
    )
