"""IORING_OP_ASYNC_CANCEL (io_uring/cancel.c): the opcode record, its prep and issue.

``io_async_cancel_prep`` checks the flags (IORING_ASYNC_CANCEL_ALL, _FD,
_ANY, _FD_FIXED, _USERDATA, _OP; FD or OP together with ANY is -EINVAL);
the issue looks up the file of an IORING_ASYNC_CANCEL_FD cancel and hands
the search to the kernel's cancel mechanism,
:func:`simuring.kernel.cancel.async_cancel`, which documents the matching,
the search order and the count.  The plug-in also registers
IORING_REGISTER_SYNC_CANCEL (:func:`sync_cancel`), the same search done by
io_uring_register(2), which waits for matching requests that are running.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from simuring.abi.errno import EALREADY, EBADF, EFAULT, EINVAL, ENOENT, ETIME
from simuring.abi.io_uring import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_ASYNC_CANCEL_ANY,
    IORING_ASYNC_CANCEL_FD,
    IORING_ASYNC_CANCEL_FD_FIXED,
    IORING_ASYNC_CANCEL_OP,
    IORING_ASYNC_CANCEL_USERDATA,
    IORING_OP_ASYNC_CANCEL,
    IORING_REGISTER_SYNC_CANCEL,
    IOSQE_FIXED_FILE,
    Sqe,
    SyncCancelReg,
    Timespec,
)
from simuring.abi.limits import U32, U64
from simuring.cost import param
from simuring.kernel.cancel import CancelData, async_cancel, req_matcher
from simuring.kernel.files import files_of
from simuring.kernel.opdef import OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.rsrc import fixed_file
from simuring.kernel.taskwork import IO_LOCAL_TW_DEFAULT_MAX
from simuring.kernel.wait import TIMED_OUT, catch_up, cq_wait_entry

if TYPE_CHECKING:
    import simpy

    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx


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


def _charge_search(by: Task, ctx: RingCtx) -> None:
    costs = ctx.kernel.costs.get(CancelCosts)
    by.charge(costs.lookup_ns + costs.match_ns * len(ctx.inflight))


def cancel_issue(req: Request, issue_flags: int) -> int:
    """``io_async_cancel``: look up the file of a CANCEL_FD, then search (``__io_async_cancel``)."""
    cd: CancelData = req.op
    ctx = req.ctx
    by = req.worker
    _charge_search(by, ctx)
    fixed = bool(req.flags & IOSQE_FIXED_FILE or cd.flags & IORING_ASYNC_CANCEL_FD_FIXED)
    if cd.flags & IORING_ASYNC_CANCEL_FD:
        cd.file = fixed_file(ctx, cd.fd) if fixed else files_of(req.task.process).get(cd.fd)
        if cd.file is None:
            return -EBADF
    return async_cancel(by, ctx, req.task, cd, req_matcher(ctx, cd, fixed, req))


def _sync_cancel_once(task: Task, ctx: RingCtx, cd: CancelData) -> int:
    """``__io_sync_cancel``: a registered file is looked up again at each try (-EBADF), then
    the search of ``__io_async_cancel`` for ``task``."""
    _charge_search(task, ctx)
    fixed = bool(cd.flags & IORING_ASYNC_CANCEL_FD_FIXED)
    if cd.flags & IORING_ASYNC_CANCEL_FD and fixed:
        cd.file = fixed_file(ctx, cd.fd)
        if cd.file is None:
            return -EBADF
    return async_cancel(task, ctx, task, cd, req_matcher(ctx, cd, fixed, None))


def sync_cancel(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> Generator[simpy.Event, Any, int]:
    """IORING_REGISTER_SYNC_CANCEL (``io_sync_cancel``): ``arg`` a
    :class:`~simuring.abi.io_uring.SyncCancelReg`, ``nr_args`` 1.

    In the kernel's order: a NULL argument or another count -EINVAL; an argument
    that cannot be read -EFAULT; flags ASYNC_CANCEL does not know, or a non-zero
    ``pad`` byte or ``pad2`` word, -EINVAL; CANCEL_FD on a descriptor not open
    -EBADF (a registered slot, with FD_FIXED, is looked up at each try).  The first
    search's answer is the result (0, a count with ALL/ANY, -ENOENT, -EBADF)
    unless a matching request is running (-EALREADY).  Then the caller waits on
    the ring's CQ (``ctx->cq_wait``), running its task work, and searches again
    each time a CQE is posted, until nothing running matches (result 0) or the
    ``timeout`` ends (-ETIME; -1, -1: no limit).
    """
    if arg is None or nr_args & 0xFFFF_FFFF != 1:
        return -EINVAL
    if not isinstance(arg, SyncCancelReg):
        return -EFAULT
    fields = (arg.addr, arg.fd, arg.flags, arg.opcode, *arg.pad[:7], *arg.pad2[:3])
    ts = arg.timeout
    if not all(isinstance(v, int) for v in fields) or len(arg.pad) < 7 or len(arg.pad2) < 3:
        return -EFAULT
    if not isinstance(ts, Timespec):
        return -EFAULT
    flags = arg.flags & 0xFFFF_FFFF
    if flags & ~CANCEL_FLAGS or any(arg.pad[:7]) or any(arg.pad2[:3]):
        return -EINVAL
    cd = CancelData(arg.addr & 0xFFFF_FFFF_FFFF_FFFF, flags, arg.fd, arg.opcode & 0xFF)
    if flags & IORING_ASYNC_CANCEL_FD and not flags & IORING_ASYNC_CANCEL_FD_FIXED:
        cd.file = files_of(task.process).get(arg.fd)
        if cd.file is None:
            return -EBADF
    ret = _sync_cancel_once(task, ctx, cd)
    if ret != -EALREADY:
        return ret  # found something (or nothing at all): done
    no_limit = ts.tv_sec & U64 == U64 and ts.tv_nsec & U64 == U64
    deadline = None if no_limit else task.now() + max(0, ts.to_ns())
    while True:
        ret = _sync_cancel_once(task, ctx, cd)
        if ret != -EALREADY:
            break
        if ctx.local_work or task.notify_signal or ctx.overflow:
            catch_up(task, ctx, 1, IO_LOCAL_TW_DEFAULT_MAX)  # io_run_task_work_sig
        ev, waiter = cq_wait_entry(task, ctx, (ctx.rings.cq_tail + 1) & U32, 1, deadline)  # the next CQE
        value = yield from task.sleep(ev)
        if waiter in ctx.cq_waiters:
            ctx.cq_waiters.remove(waiter)
        if value == TIMED_OUT:
            return -ETIME
    return 0 if ret == -ENOENT or ret > 0 else ret


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(CancelCosts)
    registry.add_opcode(OpDef(IORING_OP_ASYNC_CANCEL, issue=cancel_issue, prep=cancel_prep, name="ASYNC_CANCEL"))
    registry.add_register_command(IORING_REGISTER_SYNC_CANCEL, "SYNC_CANCEL", sync_cancel)
