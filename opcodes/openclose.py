"""IORING_OP_CLOSE, IORING_OP_FILES_UPDATE and IORING_OP_FIXED_FD_INSTALL
(io_uring/openclose.c, io_uring/rsrc.c).

CLOSE (``io_close_prep`` / ``io_close``): ``off``, ``addr``, ``len``, the op
flags and ``buf_index`` must be zero (-EINVAL); IOSQE_FIXED_FILE is -EBADF;
``fd`` and ``file_index`` both non-zero is -EINVAL.  With ``file_index``
(slot + 1, as ``io_uring_prep_close_direct`` sets it) the registered-file
slot is emptied (``io_fixed_fd_remove``: -ENXIO without a table, -EINVAL
past its end, -EBADF for an empty slot; a tagged slot posts its tag's CQE).
Otherwise ``fd`` is removed from the fd table and its file put (the request
holds no reference: CLOSE has no ``needs_file``): -EBADF for a descriptor
not open or an io_uring instance (``io_is_uring_fops``).  Not modelled: the
punt to io-wq of a file with ``->flush`` (no simulated file has one).

FILES_UPDATE (``io_files_update_prep`` / ``io_files_update``): IOSQE_FIXED_FILE,
non-zero op flags or ``splice_fd_in`` (``file_index``) are -EINVAL, and so is
``len`` 0.  ``addr`` is the fd array, ``len`` its length, ``off`` (a u32) the
first slot: the update is IORING_REGISTER_FILES_UPDATE's
(:func:`simuring.kernel.rsrc.files_update`, no tags); the result is the
number of entries done, or the error if none.  ``off`` IORING_FILE_INDEX_ALLOC
installs each fd in a free slot of the allocation range
(``io_files_update_with_index_alloc``) and writes the slot back into the
array: -ENXIO without a table, -EFAULT for an unreadable entry, -EBADF for a
bad fd or a ring, -ENFILE when no slot is free.  Neither op posts anything
but its CQE (and tag CQEs); both have ``audit_skip``; FILES_UPDATE also has
``iopoll``.

FIXED_FD_INSTALL (``io_install_fixed_fd_prep`` / ``io_install_fixed_fd``):
``off``, ``addr``, ``len``, ``buf_index``, ``splice_fd_in`` or ``addr3``
non-zero is -EINVAL; without IOSQE_FIXED_FILE -EBADF; flags other than
IORING_FIXED_FD_NO_CLOEXEC -EINVAL.  The registered file (``fd`` its index;
an empty slot -EBADF from the generic lookup) is installed at the lowest
free descriptor (``receive_fd``), which is the result.  The descriptor is
O_CLOEXEC unless NO_CLOEXEC is given; the model keeps no close-on-exec
flag (there is no exec).  Cost: ``[close]`` ``close_ns``.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from simuring.abi.errno import EBADF, EFAULT, EINVAL, ENXIO
from simuring.abi.io_uring import (
    IORING_FILE_INDEX_ALLOC,
    IORING_FIXED_FD_NO_CLOEXEC,
    IORING_OP_CLOSE,
    IORING_OP_FILES_UPDATE,
    IORING_OP_FIXED_FD_INSTALL,
    IOSQE_FIXED_FILE,
    Sqe,
)
from simuring.cost import param
from simuring.kernel.files import files_of
from simuring.kernel.opdef import OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.rsrc import file_alloc_slot, files_update, fixed_fd_remove, install_fixed_file
from simuring.kernel.setup import RingFile

U32 = 0xFFFF_FFFF


@attrs.frozen
class CloseCosts:
    """CLOSE and FILES_UPDATE: fd-table and fixed-file-table updates."""

    SECTION: ClassVar[str] = "close"

    close_ns: int = param(150, "ns", "CLOSE: remove a descriptor or a fixed-file slot and put its file (io_close)")
    files_update_ns: int = param(100, "ns", "FILES_UPDATE: update one fixed-file slot (__io_sqe_files_update)")


def _nonzero(v: object) -> bool:
    """A field that is not zero (a buffer or other object stands for a non-NULL pointer)."""
    return not (v is None or (isinstance(v, int) and v == 0))


class CloseOp:
    """``struct io_close``."""

    __slots__ = ("fd", "file_slot")

    def __init__(self, fd: int, file_slot: int) -> None:
        self.fd = fd
        self.file_slot = file_slot


def close_prep(req: Request, sqe: Sqe) -> int:
    """``io_close_prep``."""
    if any(_nonzero(v) for v in (sqe.off, sqe.addr, sqe.len, sqe.op_flags, sqe.buf_index)):
        return -EINVAL
    if req.flags & IOSQE_FIXED_FILE:
        return -EBADF
    fd, slot = sqe.fd, sqe.file_index
    if not isinstance(fd, int) or not isinstance(slot, int):
        return -EINVAL
    fd = ((fd & U32) ^ (1 << 31)) - (1 << 31)  # an s32
    slot &= U32
    if slot and fd:
        return -EINVAL
    req.op = CloseOp(fd, slot)
    return 0


def close_issue(req: Request, issue_flags: int) -> int:
    """``io_close``: a fixed slot (``io_close_fixed``) or a descriptor (``file_close_fd_locked`` + ``filp_close``)."""
    op: CloseOp = req.op
    task = req.worker
    task.charge(req.ctx.kernel.costs.get(CloseCosts).close_ns)
    if op.file_slot:
        return fixed_fd_remove(task, req.ctx, op.file_slot - 1)
    fds = files_of(req.task.process)
    file = fds.get_raw(op.fd)  # file_close_fd_locked: an O_PATH file too
    if file is None or isinstance(file, RingFile):
        return -EBADF
    return fds.close(op.fd, task)


class FilesUpdateOp:
    """``struct io_rsrc_update``."""

    __slots__ = ("arg", "nr_args", "offset")

    def __init__(self, arg: object, nr_args: int, offset: int) -> None:
        self.arg = arg
        self.nr_args = nr_args
        self.offset = offset


def files_update_prep(req: Request, sqe: Sqe) -> int:
    """``io_files_update_prep``."""
    if req.flags & IOSQE_FIXED_FILE:
        return -EINVAL
    if _nonzero(sqe.op_flags) or _nonzero(sqe.file_index):
        return -EINVAL
    off, length = sqe.off, sqe.len
    if not isinstance(off, int) or not isinstance(length, int):
        return -EINVAL
    nr_args = length & U32
    if not nr_args:
        return -EINVAL
    req.op = FilesUpdateOp(sqe.addr, nr_args, off & U32)
    return 0


def files_update_issue(req: Request, issue_flags: int) -> int:
    """``io_files_update``."""
    op: FilesUpdateOp = req.op
    task = req.worker
    arg = op.arg if op.arg is not None else 0
    if op.offset == IORING_FILE_INDEX_ALLOC:
        ret = _update_with_index_alloc(req, op, arg)
    else:
        ret = files_update(task, req.ctx, op.offset, arg, None, op.nr_args)
    # per entry handled (one for a request that fails at once: ``len`` may say 2^32 - 1)
    task.charge(req.ctx.kernel.costs.get(CloseCosts).files_update_ns * max(1, ret))
    return ret


def _update_with_index_alloc(req: Request, op: FilesUpdateOp, fds: object) -> int:
    """``io_files_update_with_index_alloc``: each fd into a newly allocated slot, whose
    index is written back into the array (a list; anything else cannot be written: -EFAULT)."""
    ctx = req.ctx
    task = req.worker
    if not ctx.fixed_files:
        return -ENXIO
    done = 0
    ret = 0
    while done < op.nr_args:
        fd = fds[done] if isinstance(fds, (list, tuple)) and done < len(fds) and isinstance(fds[done], int) else None
        if fd is None:
            ret = -EFAULT
            break
        file = files_of(req.task.process).get(fd)
        if file is None:
            ret = -EBADF
            break
        ret = file_alloc_slot(ctx)  # __io_fixed_fd_install
        if ret >= 0:
            slot = ret
            ret = install_fixed_file(task, ctx, file.get(), slot)
            if ret < 0:
                file.put(task)
            else:
                ret = slot
        if ret < 0:
            break
        if not isinstance(fds, list):  # copy_to_user failed: __io_close_fixed
            fixed_fd_remove(task, ctx, ret)
            ret = -EFAULT
            break
        fds[done] = ret
        done += 1
    return done if done else ret



def install_prep(req: Request, sqe: Sqe) -> int:
    """``io_install_fixed_fd_prep``."""
    if sqe.off or sqe.addr or sqe.len or sqe.buf_index or sqe.file_index or sqe.addr3:
        return -EINVAL
    if not req.flags & IOSQE_FIXED_FILE:
        return -EBADF
    flags = sqe.op_flags
    if not isinstance(flags, int) or flags & U32 & ~IORING_FIXED_FD_NO_CLOEXEC:
        return -EINVAL
    return 0


def install_issue(req: Request, issue_flags: int) -> int:
    """``io_install_fixed_fd`` -> ``receive_fd``: the new descriptor."""
    req.worker.charge(req.ctx.kernel.costs.get(CloseCosts).close_ns)
    file = req.file
    if file is None:
        return -EBADF
    return files_of(req.task.process).install(file)


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(CloseCosts)
    registry.add_opcode(OpDef(IORING_OP_CLOSE, issue=close_issue, prep=close_prep, name="CLOSE"))
    registry.add_opcode(OpDef(IORING_OP_FIXED_FD_INSTALL, issue=install_issue, prep=install_prep, name="FIXED_FD_INSTALL", needs_file=True))
    registry.add_opcode(OpDef(IORING_OP_FILES_UPDATE, issue=files_update_issue, prep=files_update_prep, name="FILES_UPDATE", iopoll=True))
