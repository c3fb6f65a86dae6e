"""IORING_OP_ASYNC_CANCEL (io_uring/cancel.c): the opcode record, its prep and issue.

``io_async_cancel_prep`` checks the flags (IORING_ASYNC_CANCEL_ALL, _FD,
_ANY, _FD_FIXED, _USERDATA, _OP; FD or OP together with ANY is -EINVAL);
the issue looks up the file of an IORING_ASYNC_CANCEL_FD cancel and hands
the search to the kernel's cancel mechanism,
:func:`simuring.kernel.cancel.async_cancel`, which documents the matching,
the search order and the count.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from simuring.abi.errno import EBADF, EINVAL
from simuring.abi.io_uring import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_ASYNC_CANCEL_ANY,
    IORING_ASYNC_CANCEL_FD,
    IORING_ASYNC_CANCEL_FD_FIXED,
    IORING_ASYNC_CANCEL_OP,
    IORING_ASYNC_CANCEL_USERDATA,
    IORING_OP_ASYNC_CANCEL,
    IOSQE_FIXED_FILE,
    Sqe,
)
from simuring.cost import param
from simuring.kernel.cancel import CancelData, async_cancel
from simuring.kernel.files import files_of
from simuring.kernel.opdef import OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request

CANCEL_FLAGS = (
    IORING_ASYNC_CANCEL_ALL
    | IORING_ASYNC_CANCEL_FD
    | IORING_ASYNC_CANCEL_ANY
    | IORING_ASYNC_CANCEL_FD_FIXED
    | IORING_ASYNC_CANCEL_USERDATA
    | IORING_ASYNC_CANCEL_OP
)


@attrs.frozen
class CancelCosts:
    """ASYNC_CANCEL: looking up and cancelling in-flight requests."""

    SECTION: ClassVar[str] = "cancel"

    lookup_ns: int = param(150, "ns", "ASYNC_CANCEL: fixed cost of one cancel lookup (io_try_cancel over io-wq, poll and timeout tables)")
    match_ns: int = param(5, "ns", "ASYNC_CANCEL: match test of one in-flight request (io_cancel_req_match)")


def cancel_prep(req: Request, sqe: Sqe) -> int:
    """``io_async_cancel_prep``."""
    if sqe.off or sqe.file_index:
        return -EINVAL
    flags = sqe.op_flags
    if not isinstance(flags, int) or flags & ~CANCEL_FLAGS:
        return -EINVAL
    if flags & IORING_ASYNC_CANCEL_FD and flags & IORING_ASYNC_CANCEL_ANY:
        return -EINVAL
    if flags & IORING_ASYNC_CANCEL_OP and flags & IORING_ASYNC_CANCEL_ANY:
        return -EINVAL
    addr = sqe.addr
    if not isinstance(addr, int):
        return -EINVAL
    req.op = CancelData(addr, flags, sqe.fd, sqe.len & 0xFF)
    return 0


def cancel_issue(req: Request, issue_flags: int) -> int:
    """``io_async_cancel``: look up the file of a CANCEL_FD, then search (``__io_async_cancel``)."""
    cd: CancelData = req.op
    ctx = req.ctx
    costs = ctx.kernel.costs.get(CancelCosts)
    by = req.worker
    by.charge(costs.lookup_ns + costs.match_ns * len(ctx.inflight))
    if cd.flags & IORING_ASYNC_CANCEL_FD:
        if req.flags & IOSQE_FIXED_FILE or cd.flags & IORING_ASYNC_CANCEL_FD_FIXED:
            table = ctx.fixed_files
            fd = cd.fd
            cd.file = table[fd] if table is not None and isinstance(fd, int) and 0 <= fd < len(table) else None
        else:
            cd.file = files_of(req.task.process).get(cd.fd)
        if cd.file is None:
            return -EBADF
    return async_cancel(by, req, cd)


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(CancelCosts)
    registry.add_opcode(OpDef(IORING_OP_ASYNC_CANCEL, issue=cancel_issue, prep=cancel_prep, name="ASYNC_CANCEL"))
