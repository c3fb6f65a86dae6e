"""IORING_OP_ASYNC_CANCEL (io_uring/cancel.c) and the shared cancel helper.

ASYNC_CANCEL looks for in-flight requests of its own ring that match
(``io_cancel_req_match``): by ``user_data`` (``sqe.addr``), by file
(IORING_ASYNC_CANCEL_FD, with FD_FIXED for a registered-file index), by
opcode (IORING_ASYNC_CANCEL_OP, opcode in ``sqe.len``) or any request
(IORING_ASYNC_CANCEL_ANY).  Without ALL/ANY the first match that can be
acted on decides the result (``__io_async_cancel``): 0 when it was
cancelled (it completes with -ECANCELED), -EALREADY when it is already
running (an io-wq worker executing it, a timer that already fired),
-ENOENT when nothing matched.  With ALL or ANY every match is tried and the
result is how many were found (cancelled or already running), 0 if none.

:func:`cancel_request` is the per-request step (``io_try_cancel`` for one
known request) and is shared with LINK_TIMEOUT, which cancels the request it
guards.  The model looks requests up in ``ctx.inflight`` (submission order)
instead of the kernel's per-subsystem tables; see docs/requests.md.
"""

from __future__ import annotations

from typing import Any

import attrs

from simuring.cost import param
from simuring.errno import EALREADY, EBADF, EINVAL, ENOENT
from simuring.kernel.opdef import OpDef
from simuring.kernel.request import Request
from simuring.plugins import PluginRegistry
from simuring.uapi import (
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

SECTION = "cancel"

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

    lookup_ns: int = param(150, "ns", "ASYNC_CANCEL: fixed cost of one cancel lookup (io_try_cancel over io-wq, poll and timeout tables)")
    match_ns: int = param(5, "ns", "ASYNC_CANCEL: match test of one in-flight request (io_cancel_req_match)")


def waiting_ids(ctx: Any) -> set[int]:
    """Ids of in-flight requests not issued yet: later members of a link chain
    and requests held back by a drain.  Only used for membership tests."""
    ids = {r.link.id for r in ctx.inflight.values() if r.link is not None}
    ids.update(r.id for r in ctx.defer_list)
    return ids


def cancel_request(by: Any, req: Request, waiting: set[int] | None = None) -> int:
    """Try to cancel one known request: 0, -EALREADY or -ENOENT.

    A parked request (timer, armed poll) is cancelled through its
    ``cancel_fn``; a request queued in its submitter's io-wq is removed from
    the queue, one a worker is running gives -EALREADY (``io_wq_cancel_cb``).
    A request issued and parked without a ``cancel_fn`` cannot be cancelled
    (-EALREADY); one not issued yet (inside a chain, drained) is not found.
    """
    if req.done:
        return -ENOENT
    if req.cancel_fn is not None:
        ret = req.cancel_fn(by)
        return 0 if ret is None else int(ret)
    if req.in_iowq:
        wq = req.ctx.kernel.iowqs.get(req.task.tid)
        if wq is None:
            return -ENOENT
        return int(wq.cancel(by, lambda r: r is req))
    if waiting is None:
        waiting = waiting_ids(req.ctx)
    if req.id in waiting:
        return -ENOENT
    return -EALREADY


class CancelData:
    """``struct io_cancel``: what the cancel request matches on."""

    __slots__ = ("addr", "flags", "fd", "opcode", "file")

    def __init__(self, addr: int, flags: int, fd: int, opcode: int) -> None:
        self.addr = addr
        self.flags = flags
        self.fd = fd
        self.opcode = opcode
        self.file: Any = None


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


def _matcher(req: Request, cd: CancelData) -> Any:
    flags = cd.flags
    fixed = bool(flags & IORING_ASYNC_CANCEL_FD_FIXED or req.flags & IOSQE_FIXED_FILE)
    by_data = bool(flags & IORING_ASYNC_CANCEL_USERDATA or not flags & (IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_OP))

    def match(r: Request) -> bool:
        if r is req or r.done:
            return False
        if flags & IORING_ASYNC_CANCEL_ANY:
            return True
        if flags & IORING_ASYNC_CANCEL_FD:
            if r.file is not None:
                if r.file is not cd.file:
                    return False
            elif r.fd != cd.fd or bool(r.flags & IOSQE_FIXED_FILE) != fixed:
                return False
        if flags & IORING_ASYNC_CANCEL_OP and r.opcode != cd.opcode:
            return False
        return not (by_data and r.user_data != cd.addr)

    return match


def cancel_issue(req: Request, issue_flags: int) -> int:
    """``io_async_cancel`` + ``__io_async_cancel``."""
    cd: CancelData = req.op
    ctx = req.ctx
    costs = ctx.kernel.costs.section(SECTION)
    by = req.worker
    by.charge(costs.lookup_ns + costs.match_ns * len(ctx.inflight))
    if cd.flags & IORING_ASYNC_CANCEL_FD:
        if req.flags & IOSQE_FIXED_FILE or cd.flags & IORING_ASYNC_CANCEL_FD_FIXED:
            table = ctx.fixed_files
            fd = cd.fd
            cd.file = table[fd] if table is not None and isinstance(fd, int) and 0 <= fd < len(table) else None
        else:
            cd.file = req.task.process.fds.get(cd.fd)
        if cd.file is None:
            return -EBADF
    match = _matcher(req, cd)
    matches = [r for r in ctx.inflight.values() if match(r)]
    waiting = waiting_ids(ctx)
    everything = cd.flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY)
    nr = 0
    for r in matches:
        ret = cancel_request(by, r, waiting)
        if ret == -ENOENT:
            continue
        if not everything:
            return ret
        nr += 1
    return nr if everything else -ENOENT


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(SECTION, CancelCosts)
    registry.add_opcode(OpDef(IORING_OP_ASYNC_CANCEL, issue=cancel_issue, prep=cancel_prep, name="ASYNC_CANCEL"))
