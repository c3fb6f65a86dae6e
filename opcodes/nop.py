"""IORING_OP_NOP (io_uring/nop.c).

``io_nop_prep`` accepts only known ``nop_flags`` (-EINVAL otherwise); with
IORING_NOP_INJECT_RESULT the result is ``sqe.len`` instead of 0, which lets
tests exercise error paths (an injected negative result fails a link chain).
The other NOP flags (FILE, FIXED_FILE, FIXED_BUFFER, TW, CQE32) exercise
kernel paths simuring does not model and are refused with -EINVAL.
"""

from __future__ import annotations

from simuring.abi.errno import EINVAL
from simuring.abi.io_uring import IORING_NOP_INJECT_RESULT, IORING_OP_NOP, Sqe
from simuring.kernel.opdef import OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request


def nop_prep(req: Request, sqe: Sqe) -> int:
    flags = sqe.op_flags
    if flags & ~IORING_NOP_INJECT_RESULT:
        return -EINVAL
    if flags & IORING_NOP_INJECT_RESULT:
        res = sqe.len
        req.op = res - (1 << 32) if res >= 1 << 31 else res  # s32, as the kernel reads it
    else:
        req.op = 0
    return 0


def nop_issue(req: Request, issue_flags: int) -> int:
    req.worker.charge(req.ctx.kernel.costs.ops.nop_ns)
    return int(req.op)


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(OpDef(IORING_OP_NOP, issue=nop_issue, prep=nop_prep, name="NOP", iopoll=True))
