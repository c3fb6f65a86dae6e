"""IORING_OP_FSYNC and IORING_OP_SYNC_FILE_RANGE (io_uring/sync.c).

Both need a file (``needs_file``: -EBADF for a bad descriptor) and are forced
to io-wq at prep (REQ_F_FORCE_ASYNC), where they run blocking.

FSYNC (``io_fsync_prep`` / ``io_fsync``): non-zero ``addr``, ``buf_index`` or
``splice_fd_in`` (``file_index``) is -EINVAL, and so is any flag other than
IORING_FSYNC_DATASYNC.  ``vfs_fsync_range`` is 0 for a regular file and
-EINVAL for a file without ``->fsync`` (pipe, socket, eventfd, io_uring
instance) or for a negative ``off``.

Neither op calls ``req_set_fail`` (``io_req_set_res`` alone): a negative
result from the sync call does not cancel the rest of the request's link,
and with IOSQE_CQE_SKIP_SUCCESS its CQE is skipped (REQ_F_CQE_SKIP stays).
A bad descriptor (-EBADF from the generic file lookup) does fail the link.

SYNC_FILE_RANGE (``io_sfr_prep`` / ``io_sync_file_range`` ->
``sync_file_range``): the same three fields must be zero; flags outside
SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER, a negative offset or an
end past LLONG_MAX are -EINVAL; a file that is not regular is -ESPIPE;
otherwise 0.  The model keeps no dirty-page state: a sync completes
without writing anything back (the cost of the call only).
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from simuring.abi.errno import EINVAL, ESPIPE
from simuring.abi.io_uring import (
    IORING_FSYNC_DATASYNC,
    IORING_OP_FSYNC,
    IORING_OP_SYNC_FILE_RANGE,
    IOSQE_ASYNC,
    Sqe,
)
from simuring.cost import param
from simuring.kernel.opdef import IO_URING_F_IOWQ, ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, complete_from_iowq

SYNC_FILE_RANGE_VALID = 1 | 2 | 4  # WAIT_BEFORE | WRITE | WAIT_AFTER
U32 = 0xFFFF_FFFF
U64 = 0xFFFF_FFFF_FFFF_FFFF
LLONG_MAX = (1 << 63) - 1


@attrs.frozen
class SyncCosts:
    """FSYNC and SYNC_FILE_RANGE on a file with nothing to write back."""

    SECTION: ClassVar[str] = "sync"

    fsync_ns: int = param(500, "ns", "FSYNC / SYNC_FILE_RANGE: the file system's sync call with no dirty data (vfs_fsync_range)")


def complete_no_fail(req: Request, issue_flags: int, res: int) -> IssueResult:
    """``io_req_set_res`` without ``req_set_fail``: a negative result does not fail
    the request's link (the next member still runs).  The ops are forced async,
    so this is an io-wq worker's completion."""
    if res < 0 and issue_flags & IO_URING_F_IOWQ:
        complete_from_iowq(req.worker, req, res, 0, set_fail=False)
        return ISSUE_SKIP_COMPLETE
    return res


def _nonzero(v: object) -> bool:
    return not (v is None or (isinstance(v, int) and v == 0))


class SyncOp:
    """``struct io_sync``."""

    __slots__ = ("off", "len", "flags")

    def __init__(self, off: int, length: int, flags: int) -> None:
        self.off = off
        self.len = length
        self.flags = flags


def _prep(req: Request, sqe: Sqe) -> int:
    if _nonzero(sqe.addr) or _nonzero(sqe.buf_index) or _nonzero(sqe.file_index):
        return -EINVAL
    off, length, flags = sqe.off, sqe.len, sqe.op_flags
    if not (isinstance(off, int) and isinstance(length, int) and isinstance(flags, int)):
        return -EINVAL
    req.op = SyncOp(off & U64, length & U32, flags & U32)
    req.flags |= IOSQE_ASYNC  # REQ_F_FORCE_ASYNC
    return 0


def fsync_prep(req: Request, sqe: Sqe) -> int:
    """``io_fsync_prep``."""
    ret = _prep(req, sqe)
    if ret == 0 and req.op.flags & ~IORING_FSYNC_DATASYNC:
        return -EINVAL
    return ret


def fsync_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_fsync`` -> ``vfs_fsync_range``: -EINVAL without ``->fsync``, and (Linux 6.18, on ext4 and
    tmpfs alike) -EINVAL for a negative start (``off`` read as an loff_t); ``io_fsync`` turns an end
    that is not positive into LLONG_MAX, so ``off + len`` never fails."""
    req.worker.charge(req.ctx.kernel.costs.get(SyncCosts).fsync_ns)
    file = req.file
    op: SyncOp = req.op
    ok = file is not None and file.regular and op.off <= LLONG_MAX
    return complete_no_fail(req, issue_flags, 0 if ok else -EINVAL)


def sfr_prep(req: Request, sqe: Sqe) -> int:
    """``io_sfr_prep``."""
    return _prep(req, sqe)


def sfr_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_sync_file_range`` -> ``sync_file_range``."""
    req.worker.charge(req.ctx.kernel.costs.get(SyncCosts).fsync_ns)
    return complete_no_fail(req, issue_flags, _sync_file_range(req))


def _sync_file_range(req: Request) -> int:
    op: SyncOp = req.op
    if op.flags & ~SYNC_FILE_RANGE_VALID:
        return -EINVAL
    end = (op.off + op.len) & U64
    if op.off > LLONG_MAX or end > LLONG_MAX or end < op.off:
        return -EINVAL
    file = req.file
    if file is None or not file.regular:
        return -ESPIPE
    return 0


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(SyncCosts)
    registry.add_opcode(OpDef(IORING_OP_FSYNC, issue=fsync_issue, prep=fsync_prep, name="FSYNC", needs_file=True))
    registry.add_opcode(OpDef(IORING_OP_SYNC_FILE_RANGE, issue=sfr_issue, prep=sfr_prep, name="SYNC_FILE_RANGE", needs_file=True))
