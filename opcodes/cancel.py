"""IORING_OP_ASYNC_CANCEL (io_uring/cancel.c) and the shared cancel helper.

ASYNC_CANCEL looks for in-flight requests of its own ring that match
(``io_cancel_req_match``): by ``user_data`` (``sqe.addr``), by file
(IORING_ASYNC_CANCEL_FD, with FD_FIXED for a registered-file index), by
opcode (IORING_ASYNC_CANCEL_OP, opcode in ``sqe.len``) or any request
(IORING_ASYNC_CANCEL_ANY).  The search is laid out like the kernel's
(``__io_async_cancel``): ``io_try_cancel`` is called again and again, each
call trying, in this order,

* the canceller's own io-wq (``io_async_cancel_one`` -> ``io_wq_cancel_cb``):
  queued matches are taken off the queue (they complete with -ECANCELED), a
  match a worker is running is only flagged; with ALL/ANY one call handles
  every match of that io-wq and says "running" if any match was running;
* armed polls (``io_poll_cancel``): one is cancelled (-ECANCELED), 0;
* pending TIMEOUTs (``io_timeout_cancel``, not with CANCEL_FD): one is
  cancelled, 0, or -EALREADY if its timer is firing at this very instant;

and stops at the first of them that finds something, except that an io-wq
answer of "running" (-EALREADY) does not stop it and is lost if the later
lookups find nothing.  Without ALL/ANY the first answer other than -ENOENT
is the result; if ``io_try_cancel`` finds nothing, the slow path asks every
io-wq once more (``io_async_cancel_one`` over ``ctx->tctx_list``), and
that is where a request running in a worker gives -EALREADY.

With ALL or ANY every successful ``io_try_cancel`` call and every io-wq of
the slow path that found something adds **one** to the result, so the
count is not a number of requests: several queued io-wq matches removed in
one call count once, and a call whose io-wq answer was "running" counts
nothing.  Each request evaluated by the search is stamped with the cancel's
sequence number (``io_cancel_match_sequence``) and is skipped when met again
by the same cancel, so the slow path does not count a running request that
the first io-wq pass already flagged.

:func:`cancel_request` is the per-request step used by LINK_TIMEOUT to cancel
the request it guards (by identity).  The model looks requests up in
``ctx.inflight`` (submission order) for the poll and timeout tables; see
docs/requests.md.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from simuring.abi.errno import EALREADY, EBADF, EINVAL, ENOENT
from simuring.abi.io_uring import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_ASYNC_CANCEL_ANY,
    IORING_ASYNC_CANCEL_FD,
    IORING_ASYNC_CANCEL_FD_FIXED,
    IORING_ASYNC_CANCEL_OP,
    IORING_ASYNC_CANCEL_USERDATA,
    IORING_OP_ASYNC_CANCEL,
    IORING_OP_TIMEOUT,
    IOSQE_FIXED_FILE,
    Sqe,
)
from simuring.cost import param
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


def waiting_ids(ctx: Any) -> set[int]:
    """Ids of in-flight requests not issued yet: later members of a link chain
    and requests held back by a drain.  Only used for membership tests."""
    ids = {r.link.id for r in ctx.inflight.values() if r.link is not None}
    ids.update(r.id for r in ctx.defer_list)
    return ids


def cancel_request(by: Any, req: Request, waiting: set[int] | None = None) -> int:
    """Try to cancel one known request (LINK_TIMEOUT's step): 0, -EALREADY or -ENOENT.

    A parked request (pending timer, armed poll) is cancelled through its
    ``cancel_fn`` (a TIMEOUT whose timer already fired answers -EALREADY in
    the firing instant, -ENOENT after it); a request queued in its
    submitter's io-wq is removed from the queue, one a worker is running
    gives -EALREADY (``io_wq_cancel_cb``).  A request issued and parked
    without a ``cancel_fn`` cannot be cancelled (-EALREADY); one not issued
    yet (inside a chain, drained) is not found.  ASYNC_CANCEL does not use
    this helper: it searches like the kernel (:func:`cancel_issue`).
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
    """``io_cancel_req_match`` for one ASYNC_CANCEL.

    With ALL or ANY a request that passes the tests is stamped with this
    cancel (``io_cancel_match_sequence``) and does not match it again.
    """
    flags = cd.flags
    ctx = req.ctx
    fixed = bool(flags & IORING_ASYNC_CANCEL_FD_FIXED or req.flags & IOSQE_FIXED_FILE)
    by_data = bool(flags & IORING_ASYNC_CANCEL_USERDATA or not flags & (IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_OP))
    once = bool(flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY))
    seen: set[int] = set()

    def match(r: Request) -> bool:
        if r is req or r.done or r.ctx is not ctx:
            return False
        if not flags & IORING_ASYNC_CANCEL_ANY:
            if flags & IORING_ASYNC_CANCEL_FD:
                if r.file is not None:
                    if r.file is not cd.file:
                        return False
                elif r.fd != cd.fd or bool(r.flags & IOSQE_FIXED_FILE) != fixed:
                    return False
            if flags & IORING_ASYNC_CANCEL_OP and r.opcode != cd.opcode:
                return False
            if by_data and r.user_data != cd.addr:
                return False
        if once:
            if r.id in seen:
                return False
            seen.add(r.id)
        return True

    return match


def _iowq_cancel(by: Any, wq: Any, match: Any, cancel_all: bool) -> int:
    """``io_async_cancel_one`` over one io-wq (``io_wq_cancel_cb``): 0 when queued
    matches were removed and none is running, -EALREADY when a matching item is
    running in a worker (queued ones are still removed with ``cancel_all``),
    -ENOENT when nothing matched.

    Queued items first, both accounts (``io_wq_cancel_pending_work``): one, or
    with ``cancel_all`` every one; then the items the workers are running
    (``io_wq_cancel_running_work``), which are only flagged: the worker
    finishes them normally.
    """
    running = {rid for acct in wq.accounts.values() for rid in acct.running}

    def queued(r: Request) -> bool:
        return r.id not in running and bool(match(r))

    nr_pending = 0
    while wq.cancel(by, queued) == 0:
        nr_pending += 1
        if not cancel_all:
            return 0
    nr_running = 0
    for acct in wq.accounts.values():
        for r in list(acct.running.values()):
            if match(r):
                nr_running += 1
                if not cancel_all:
                    return -EALREADY
    if nr_running:
        return -EALREADY
    return 0 if nr_pending else -ENOENT


def _try_cancel(by: Any, req: Request, cd: CancelData, match: Any, all_: bool) -> int:
    """``io_try_cancel``: the canceller's io-wq, then armed polls, then timeouts."""
    ctx = req.ctx
    wq = ctx.kernel.iowqs.get(req.task.tid)
    ret = _iowq_cancel(by, wq, match, all_) if wq is not None else -ENOENT
    if ret == 0:
        return 0
    # -EALREADY from io-wq falls through: the next lookups decide (and may lose it)
    for r in list(ctx.inflight.values()):  # io_poll_cancel: an armed poll
        if r.cancel_fn is None or r.opcode == IORING_OP_TIMEOUT or not match(r):
            continue
        res = r.cancel_fn(by)
        res = 0 if res is None else int(res)
        if res != -ENOENT:
            return res
    ret = -ENOENT
    if not cd.flags & IORING_ASYNC_CANCEL_FD:  # io_timeout_cancel: a pending TIMEOUT
        for r in list(ctx.inflight.values()):
            if r.opcode != IORING_OP_TIMEOUT or r.cancel_fn is None or not match(r):
                continue
            res = r.cancel_fn(by)
            res = 0 if res is None else int(res)
            if res != -ENOENT:  # -ENOENT: fired earlier, no longer on the timeout list
                return res
    return ret


def cancel_issue(req: Request, issue_flags: int) -> int:
    """``io_async_cancel`` + ``__io_async_cancel``."""
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
            cd.file = req.task.process.fds.get(cd.fd)
        if cd.file is None:
            return -EBADF
    match = _matcher(req, cd)
    all_ = bool(cd.flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY))
    nr = 0
    while True:
        ret = _try_cancel(by, req, cd, match, all_)
        if ret == -ENOENT:
            break
        if not all_:
            return ret
        nr += 1
    # slow path: every io-wq (the kernel walks ctx->tctx_list; an io-wq holding
    # none of this ring's requests finds nothing)
    ret = -ENOENT
    for wq in list(ctx.kernel.iowqs.values()):
        res = _iowq_cancel(by, wq, match, all_)
        if res != -ENOENT:
            ret = res
            if not all_:
                break
            nr += 1
    return nr if all_ else ret


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(CancelCosts)
    registry.add_opcode(OpDef(IORING_OP_ASYNC_CANCEL, issue=cancel_issue, prep=cancel_prep, name="ASYNC_CANCEL"))
