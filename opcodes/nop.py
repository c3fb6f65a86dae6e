"""IORING_OP_NOP (io_uring/nop.c).

``io_nop_prep`` accepts only the known ``nop_flags`` (-EINVAL otherwise):

* IORING_NOP_INJECT_RESULT: the result is ``sqe.len`` (read as an s32)
  instead of 0, which lets tests exercise error paths (an injected negative
  result fails a link chain);
* IORING_NOP_FILE: the NOP looks up ``sqe.fd`` at issue, in the fd table or,
  with IORING_NOP_FIXED_FILE too, in the ring's registered files; a failed
  lookup completes with -EBADF, whatever result was injected
  (IORING_NOP_FIXED_FILE without IORING_NOP_FILE looks nothing up);
* IORING_NOP_FIXED_BUFFER: the NOP looks up registered buffer
  ``sqe.buf_index`` (a u16, read at prep) at issue; -EFAULT when there is
  none (``io_find_buf_node``: no table, past its end, an empty slot);
* IORING_NOP_TW: the completion is posted from task work
  (``io_req_task_work_add``), so on a DEFER_TASKRUN ring it waits for the
  next GETEVENTS;
* IORING_NOP_CQE32: a 32-byte CQE whose extra words are ``sqe.off`` and
  ``sqe.addr`` (read at prep), whatever the result (``io_req_set_res32``);
  it needs a ring with IORING_SETUP_CQE32 or IORING_SETUP_CQE_MIXED (-EINVAL
  at prep otherwise); on a mixed ring the CQE carries IORING_CQE_F_32 and
  takes two CQ slots (kernel/cq_big.py).
"""

from __future__ import annotations

from simuring.abi.errno import EBADF, EFAULT, EINVAL
from simuring.abi.io_uring import (
    IORING_NOP_CQE32,
    IORING_NOP_FILE,
    IORING_NOP_FIXED_BUFFER,
    IORING_NOP_FIXED_FILE,
    IORING_NOP_INJECT_RESULT,
    IORING_NOP_TW,
    IORING_OP_NOP,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQE_MIXED,
    Sqe,
)
from simuring.kernel.files import files_of
from simuring.kernel.opdef import ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, post_completion
from simuring.kernel.rsrc import find_buf, fixed_file
from simuring.kernel.taskwork import req_task_work_add

NOP_FLAGS = (
    IORING_NOP_INJECT_RESULT | IORING_NOP_FILE | IORING_NOP_FIXED_FILE | IORING_NOP_FIXED_BUFFER | IORING_NOP_TW | IORING_NOP_CQE32
)
"""The ``nop_flags`` Linux 6.18 knows (``NOP_FLAGS`` in io_uring/nop.c)."""


class NopOp:
    """``struct io_nop``."""

    __slots__ = ("flags", "result", "fd", "buf_index", "big_cqe")

    def __init__(self, flags: int, result: int, fd: int, buf_index: int = 0, big_cqe: tuple[int, int] | None = None) -> None:
        self.flags = flags
        self.result = result
        self.fd = fd
        self.buf_index = buf_index
        self.big_cqe = big_cqe  # IORING_NOP_CQE32: ``extra1``, ``extra2``


def nop_prep(req: Request, sqe: Sqe) -> int:
    """``io_nop_prep``.  ``req.op`` is the result itself (an int) for a NOP
    that at most injects one, else a :class:`NopOp`."""
    flags = sqe.op_flags
    if isinstance(flags, int) and not flags:
        req.op = 0  # the plain NOP
        return 0
    if not isinstance(flags, int) or flags & ~NOP_FLAGS:
        return -EINVAL
    result = 0
    if flags & IORING_NOP_INJECT_RESULT:
        res = sqe.len & 0xFFFF_FFFF
        result = res - (1 << 32) if res >= 1 << 31 else res  # s32, as the kernel reads it
    big_cqe = None
    if flags & IORING_NOP_CQE32:
        if not req.ctx.flags & (IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED):
            return -EINVAL
        big_cqe = (_u64(sqe.off), _u64(sqe.addr))
    if flags == IORING_NOP_INJECT_RESULT:
        req.op = result
    else:
        buf_index = sqe.buf_index if flags & IORING_NOP_FIXED_BUFFER else 0
        if not isinstance(buf_index, int):
            return -EINVAL
        req.op = NopOp(flags, result, sqe.fd if flags & IORING_NOP_FILE else -1, buf_index & 0xFFFF, big_cqe)
    return 0


def _u64(value: object) -> int:
    """An SQE word as the kernel reads it (``READ_ONCE``): an int's 64 bits; a field the
    simulated application filled with an object rather than a number reads as 0."""
    return value & 0xFFFF_FFFF_FFFF_FFFF if isinstance(value, int) else 0


def nop_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_nop``."""
    req.worker.charge(req.ctx.kernel.costs.ops.nop_ns)
    op = req.op
    if isinstance(op, int):
        return op
    return _flagged(req, op)


def _flagged(req: Request, nop: NopOp) -> IssueResult:
    """``io_nop`` with IORING_NOP_FILE, FIXED_BUFFER or TW: the lookups, and
    the completion from task work."""
    ret = nop.result
    file_ok = True
    if nop.flags & IORING_NOP_FILE:
        fd = nop.fd
        if nop.flags & IORING_NOP_FIXED_FILE:  # io_file_get_fixed
            file_ok = fixed_file(req.ctx, fd) is not None
        else:  # io_file_get_normal
            file_ok = files_of(req.task.process).get(fd) is not None
    if not file_ok:
        ret = -EBADF  # and no buffer lookup (goto done)
    elif nop.flags & IORING_NOP_FIXED_BUFFER and find_buf(req.ctx, nop.buf_index) is None:
        ret = -EFAULT  # io_find_buf_node found no buffer
    if nop.big_cqe is not None:  # io_req_set_res32
        req.big_cqe = nop.big_cqe
        req.cflags |= req.ctx.cqe32_flags  # IORING_CQE_F_32 on a mixed ring (ctx_cqe32_flags)
    if nop.flags & IORING_NOP_TW:
        req_task_work_add(req.worker, req, lambda task: post_completion(task, req, ret, req.cflags))
        return ISSUE_SKIP_COMPLETE
    return ret


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(OpDef(IORING_OP_NOP, issue=nop_issue, prep=nop_prep, name="NOP", iopoll=True))
