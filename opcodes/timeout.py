"""IORING_OP_TIMEOUT, IORING_OP_TIMEOUT_REMOVE and IORING_OP_LINK_TIMEOUT (io_uring/timeout.c).

**TIMEOUT** (``addr`` = :class:`~simuring.uapi.Timespec`, ``len`` must be 1,
``off`` = completion count) arms a timer on the simulated clock: relative, or
with IORING_TIMEOUT_ABS an absolute instant of the clock.  When the timer
fires the request completes with -ETIME (``io_timeout_fn``).  With a count,
it also completes with 0 once ``off`` other CQEs were posted on the ring
after it was armed: like the kernel, the target is ``cq_tail - cq_timeouts +
off`` taken at issue (the CQ tail without the CQEs of the submission batch
it is part of, which the kernel fills in only when the batch is flushed:
requests completed inline before it in the same submit count for it), and after every CQE written to the CQ
(``io_commit_cqring_flush`` -> ``io_flush_timeouts``) the pending counted
timeouts whose target is reached are completed.  Timeouts that complete
(by timer or by count) bump ``cq_timeouts``, so their own CQEs are not
counted as events.  Both completions go through task work, as in the kernel.

**IORING_TIMEOUT_MULTISHOT** (relative only: with ABS it is -EINVAL) makes
the timer repeat: each expiry posts -ETIME with IORING_CQE_F_MORE from task
work and re-arms the timer for another period from there
(``io_timeout_complete``); ``off`` is then the number of expiries (0:
unlimited), not a completion count, and the last one posts -ETIME without
F_MORE (``io_timeout_finish``).  The F_MORE CQE never overflows
(``io_req_post_cqe``): with the CQ full the timeout ends instead, with a
final -ETIME.  A cancel or TIMEOUT_REMOVE ends it with -ECANCELED.

**TIMEOUT_REMOVE** (``addr`` = the target's user_data) cancels a pending
timeout: 0, and the target completes with -ECANCELED; -ENOENT when none is
pending; -EALREADY when the target's timer fired (or its count was reached)
at this very instant and its completion is still on its way (the window in
which the kernel's ``hrtimer_try_to_cancel`` fails).  ASYNC_CANCEL reaches
a TIMEOUT through the same lookup (``io_timeout_cancel``), with the same
answers: once the timer has fired the timeout is off the list and a later
cancel finds nothing (-ENOENT), even while its -ETIME is still in task work.
With IORING_TIMEOUT_UPDATE (new timespec in ``addr2``/``off``) it re-arms
the target's timer instead (``io_timeout_update``); the target also loses
its completion count (the kernel sets ``off`` to 0), so from then on only
the new timer completes it.  The update's IORING_TIMEOUT_ABS arms that one
expiry; a multishot timeout re-arms in the prep's mode (``data->mode``), so
the new timespec becomes its relative period.  IORING_LINK_TIMEOUT_UPDATE re-arms an armed
LINK_TIMEOUT (``io_linked_timeout_update``).

**LINK_TIMEOUT** must directly follow a request flagged IOSQE_IO_LINK (or
HARDLINK) in the same chain, else -EINVAL at prep (``__io_timeout_prep``).
Its timer is armed once that request's first issue returns, whatever it
returned (``__io_issue_sqe`` -> ``io_queue_linked_timeout``, Linux 6.15+;
called by the submission path and the io-wq worker).  If the request
completes first, the link timeout completes with -ECANCELED
(``io_disarm_next``, in the core); a timer already expired when armed fires
first, so a request completing inline leaves it -ENOENT.  If the timer fires first, the link
timeout is taken out of the chain and, from task work, the request is
cancelled (``io_req_task_link_timeout``): it completes with -ECANCELED and
the link timeout with -ETIME, or with the cancel's error (-EALREADY when
the request is running in an io-wq worker, -ENOENT when it finished
meanwhile).

Timers are :func:`simuring.host.events.call_at` callbacks tagged with a
generation number: re-arming or cancelling bumps it, so a stale timer does
nothing.  An absolute instant is read on the clock the flags select
(:mod:`simuring.kernel.clock`): IORING_TIMEOUT_REALTIME counts from the epoch
(the simulation starts at 2025-01-01 00:00:00 UTC), the default and BOOTTIME
from the simulation's start.

Completions that the kernel sets without ``req_set_fail`` are not failures
(``post_completion(set_fail=False)``): a LINK_TIMEOUT's -ECANCELED (disarmed)
and -ETIME (fired), and the -ETIME of a TIMEOUT with
IORING_TIMEOUT_ETIME_SUCCESS, which therefore keeps its link chain going.
With IOSQE_CQE_SKIP_SUCCESS they post no CQE at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

import attrs

from simuring.abi.errno import EALREADY, ECANCELED, EFAULT, EINVAL, ENOENT, ETIME
from simuring.abi.io_uring import (
    IORING_CQE_F_MORE,
    IORING_LINK_TIMEOUT_UPDATE,
    IORING_OP_LINK_TIMEOUT,
    IORING_OP_TIMEOUT,
    IORING_OP_TIMEOUT_REMOVE,
    IORING_TIMEOUT_ABS,
    IORING_TIMEOUT_CLOCK_MASK,
    IORING_TIMEOUT_ETIME_SUCCESS,
    IORING_TIMEOUT_MULTISHOT,
    IORING_TIMEOUT_UPDATE_MASK,
    IOSQE_FIXED_FILE,
    Sqe,
    Timespec,
)
from simuring.cost import param
from simuring.host.events import call_at
from simuring.kernel.cancel import CancelTable, CancelTables, cancel_request
from simuring.kernel.clock import monotonic_instant
from simuring.kernel.ext import RingExt
from simuring.kernel.opdef import ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, post_completion
from simuring.kernel.taskwork import req_task_work_add

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx


U32 = 0xFFFF_FFFF

TIMEOUT_FLAGS = IORING_TIMEOUT_ABS | IORING_TIMEOUT_CLOCK_MASK | IORING_TIMEOUT_ETIME_SUCCESS | IORING_TIMEOUT_MULTISHOT


@attrs.frozen
class TimeoutCosts:
    """TIMEOUT, TIMEOUT_REMOVE and LINK_TIMEOUT: arming and cancelling timers."""

    SECTION: ClassVar[str] = "timeout"

    arm_ns: int = param(150, "ns", "arm one TIMEOUT or LINK_TIMEOUT (sequence bookkeeping, hrtimer_start)")
    remove_ns: int = param(100, "ns", "TIMEOUT_REMOVE / update: find the timeout and hrtimer_try_to_cancel")
    flush_check_ns: int = param(10, "ns", "io_flush_timeouts: check one pending counted timeout after a CQE is posted")


class RingTimeouts(RingExt):
    """Per-ring timeout state (``ctx.ext(RingTimeouts)``): ``ctx->timeout_list``
    and ``ltimeout_list`` (``cq_timeouts`` is on the ctx)."""

    def __init__(self, ctx: RingCtx) -> None:
        self.ctx = ctx
        self.timeouts: list[Request] = []  # armed TIMEOUTs, in arming order
        self.ltimeouts: list[Request] = []  # armed LINK_TIMEOUTs
        self.expired: list[Request] = []  # fired/killed, completion still in task work
        self.counted = 0  # pending timeouts with a completion count
        self.costs = ctx.kernel.costs.get(TimeoutCosts)  # resolved once per ring
        ctx.commit_hooks.append(self.flush)
        # what a cancel walks: the list, then those expiring at this instant (-EALREADY)
        ctx.ext(CancelTables).walkers[CancelTable.TIMEOUT] = lambda: self.timeouts + self.expired

    def insert(self, req: Request) -> None:
        """``io_timeout``'s place in ``ctx->timeout_list``: a timeout without a
        count (or a multishot one) at the tail; one with a count by insertion
        sort from the tail, after the last counted timeout that needs no more
        events than it, so counted timeouts come first, soonest first."""
        op: TimeoutOp = req.op
        if not op.count:
            self.timeouts.append(req)
            return
        seq = self.seq()
        i = len(self.timeouts)
        while i > 0:
            other: TimeoutOp = self.timeouts[i - 1].op
            if other.count and op.count >= ((other.target_seq - seq) & U32):
                break
            i -= 1
        self.timeouts.insert(i, req)

    def seq(self) -> int:
        return int(self.ctx.posted) - self.ctx.cq_timeouts

    def flush(self, by: Task | None, ctx: RingCtx) -> None:
        """``io_flush_timeouts``: complete counted timeouts whose target is reached."""
        if not self.counted:
            return
        seq = self.seq()
        costs = self.costs
        for req in list(self.timeouts):  # counted ones first, soonest first
            op: TimeoutOp = req.op
            if not op.count:
                break
            if by is not None:
                by.charge(costs.flush_check_ns)
            if seq < op.target_seq:
                break
            self._expire(by, req, 0)

    def _expire(self, by: Task | None, req: Request, res: int) -> None:
        """Timer fired (-ETIME) or count reached (0): ``io_timeout_fn`` / ``io_kill_timeout``.

        With IORING_TIMEOUT_ETIME_SUCCESS, ``io_timeout_fn`` does not mark the
        request failed: its -ETIME keeps the link chain going (and, like a
        success, is hidden by CQE_SKIP_SUCCESS).
        """
        op: TimeoutOp = req.op
        set_fail = not op.flags & IORING_TIMEOUT_ETIME_SUCCESS
        op.gen += 1
        self.timeouts.remove(req)
        if op.count:
            self.counted -= 1
        self.ctx.cq_timeouts += 1
        # req.cancel_hook stays: a cancel now answers like io_timeout_extract
        # (-EALREADY in this instant, -ENOENT later), see cancel().  Only a
        # timer firing has that window (hrtimer_try_to_cancel fails while the
        # handler runs); a count reached is io_kill_timeout, which cancels the
        # timer and takes the timeout off the list under timeout_lock at once:
        # a later lookup finds nothing (-ENOENT), even while its completion
        # still waits in task work (DEFER_TASKRUN).
        if res == -ETIME:
            op.expired_at = int(self.ctx.kernel.env.now)
            self.expired.append(req)

        def run(task: Task) -> None:
            """``io_timeout_complete``."""
            if req in self.expired:
                self.expired.remove(req)
            if res == -ETIME and self._repeat(task, req):
                return
            req.cancel_hook = None
            post_completion(task, req, res, set_fail=set_fail)

        req_task_work_add(by, req, run, lazy=False)  # io_timeout_fn: a plain (non-lazy) add

    def _repeat(self, task: Task, req: Request) -> bool:
        """A multishot timeout that is not finished (``io_timeout_finish``) posts
        -ETIME with F_MORE, if the CQ has room (``io_req_post_cqe``), and is
        armed again for another period; False: the expiry ends it."""
        op: TimeoutOp = req.op
        if not op.flags & IORING_TIMEOUT_MULTISHOT:
            return False
        if op.repeats:
            op.repeats -= 1
            if not op.repeats:
                return False
        ctx = self.ctx
        if not ctx.cq_has_room():
            return False
        ctx.post_cqe(task, req.user_data, -ETIME, IORING_CQE_F_MORE, req=req)
        self.timeouts.append(req)
        req.cancel_hook = op
        _start_timer(req, task.now(), _fire_timeout)
        return True

    def cancel(self, by: Task | None, req: Request) -> int:
        """``io_timeout_cancel``: stop the timer; the target completes with -ECANCELED.

        A timeout that already fired is off ``ctx->timeout_list``
        (``io_timeout_fn`` took it out): -ENOENT, except in the very instant
        it fired, the model of the window in which ``io_timeout_extract``
        still finds it and ``hrtimer_try_to_cancel`` fails (-EALREADY).
        """
        op: TimeoutOp = req.op
        if req not in self.timeouts:
            if req in self.expired and op.expired_at == int(self.ctx.kernel.env.now):
                return -EALREADY
            return -ENOENT
        op.gen += 1
        self.timeouts.remove(req)
        if op.count:
            self.counted -= 1
        req.cancel_hook = None
        req_task_work_add(by, req, lambda task: post_completion(task, req, -ECANCELED))
        return 0

    def find(self, user_data: int, link: bool) -> Request | int:
        """The pending timeout with ``user_data``, or -EALREADY / -ENOENT."""
        for req in self.ltimeouts if link else self.timeouts:
            if req.user_data == user_data:
                return req
        now = int(self.ctx.kernel.env.now)
        for req in self.expired:
            if req.user_data == user_data and req.op.expired_at == now and (req.opcode == IORING_OP_LINK_TIMEOUT) == link:
                return -EALREADY
        return -ENOENT

    def drop_all(self) -> None:
        """Ring teardown: every pending timer becomes stale."""
        for req in self.timeouts + self.ltimeouts:
            req.op.gen += 1
            req.cancel_hook = None
        self.timeouts.clear()
        self.ltimeouts.clear()
        self.counted = 0


def ring_timeouts(ctx: RingCtx) -> RingTimeouts:
    """``ctx.ext(RingTimeouts)``."""
    return ctx.ext(RingTimeouts)


class TimeoutOp:
    """``struct io_timeout`` + ``io_timeout_data``.

    A pending TIMEOUT registers its op as the request's ``cancel_hook``
    (:class:`~simuring.kernel.cancel.CancelHook`), in ``CancelTable.TIMEOUT``.
    """

    __slots__ = ("req", "ns", "flags", "count", "repeats", "target_seq", "gen", "expired_at", "prev", "armed")
    cancel_table = CancelTable.TIMEOUT

    def __init__(self, req: Request, ns: int, flags: int, count: int) -> None:
        self.req = req
        self.ns = ns
        self.flags = flags
        self.count = count  # completion count (0: pure timeout; always 0 for multishot)
        self.repeats = 0  # MULTISHOT: expiries left (0: unlimited)
        self.target_seq = 0
        self.gen = 0
        self.expired_at = -1
        self.prev: Request | None = None  # LINK_TIMEOUT: the request it guards
        self.armed = False

    def cancel(self, by: Task | None) -> int:
        """``io_timeout_cancel`` for this TIMEOUT (:meth:`RingTimeouts.cancel`)."""
        req = self.req
        return ring_timeouts(req.ctx).cancel(by, req)


def _start_timer(req: Request, start: int, fire: Callable[[Request], None], absolute: bool | None = None) -> None:
    """Start (or restart) ``req``'s timer at instant ``start`` for ``op.ns``:
    absolute if ``absolute`` says so, else in the mode the request was prepared
    with (``data->mode``); the callback runs only if still current.

    An expiry not after ``start`` (a zero relative timespec, an absolute
    instant already past) fires at once, synchronously: ``hrtimer_start`` of
    an expired timer programs the clock event device with its minimum delta
    (``clockevents_program_event(force)``), so the handler runs as soon as
    the arming code drops ``timeout_lock``, before the submitter goes on
    (for example before the request that armed it completes and queues its
    linked successor)."""
    op: TimeoutOp = req.op
    op.gen += 1
    gen = op.gen
    if absolute is None:
        absolute = bool(op.flags & IORING_TIMEOUT_ABS)
    expires = max(start, monotonic_instant(op.flags, op.ns)) if absolute else start + op.ns
    if expires <= start:
        if not req.done:
            fire(req)
        return
    call_at(req.ctx.kernel.env, expires, lambda: fire(req) if op.gen == gen and not req.done else None)


def _read_ts(ts: object) -> int:
    """The timespec in ns, or a negative errno (-EFAULT no timespec, -EINVAL negative)."""
    if not isinstance(ts, Timespec) or not isinstance(ts.tv_sec, int) or not isinstance(ts.tv_nsec, int):
        return -EFAULT
    if ts.tv_sec < 0 or ts.tv_nsec < 0:
        return -EINVAL
    return ts.to_ns()


def _prep(req: Request, sqe: Sqe, is_link: bool) -> int:
    """``__io_timeout_prep``: a non-zero ``buf_index``, ``splice_fd_in`` or ``addr3``, or a
    ``len`` other than 1, is -EINVAL (Linux 6.18; ``addr3`` found by the differential fuzzer)."""
    if sqe.buf_index or sqe.len != 1 or sqe.file_index or sqe.addr3:
        return -EINVAL
    off = sqe.off & U32
    if off and is_link:
        return -EINVAL
    flags = sqe.op_flags
    if flags & ~TIMEOUT_FLAGS:
        return -EINVAL
    if bin(flags & IORING_TIMEOUT_CLOCK_MASK).count("1") > 1:
        return -EINVAL
    if flags & IORING_TIMEOUT_MULTISHOT and flags & IORING_TIMEOUT_ABS:
        return -EINVAL  # multishot only makes sense with a relative period
    ns = _read_ts(sqe.addr)
    if ns < 0:
        return ns
    multishot = bool(flags & IORING_TIMEOUT_MULTISHOT)
    op = TimeoutOp(req, ns, flags, 0 if multishot else off)
    if multishot:
        op.repeats = off  # io_is_timeout_noseq: off counts expiries, not events
    if is_link:
        link = req.ctx.kernel.submitter.link
        if link is None or link.head is None or link.last is None:
            return -EINVAL
        if link.last.opcode == IORING_OP_LINK_TIMEOUT:
            return -EINVAL
        op.prev = link.last
    req.op = op
    return 0


def timeout_prep(req: Request, sqe: Sqe) -> int:
    return _prep(req, sqe, False)


def link_timeout_prep(req: Request, sqe: Sqe) -> int:
    return _prep(req, sqe, True)


def _fire_timeout(req: Request) -> None:
    ring_timeouts(req.ctx)._expire(None, req, -ETIME)


def timeout_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_timeout``: record the sequence target and arm the timer."""
    ctx = req.ctx
    st = ring_timeouts(ctx)
    op: TimeoutOp = req.op
    by = req.worker
    by.charge(st.costs.arm_ns)
    if op.count:
        # io_timeout reads ctx->cached_cq_tail, which does not count yet the CQEs of the
        # submission batch being assembled (they are filled in at its flush): those of
        # requests submitted before it in the same io_uring_enter count towards its target
        op.target_seq = st.seq() - (ctx.batch_posted if ctx.batch_open else 0) + op.count
        st.counted += 1
    st.insert(req)
    req.cancel_hook = op
    _start_timer(req, by.now(), _fire_timeout)
    return ISSUE_SKIP_COMPLETE


# -- LINK_TIMEOUT ---------------------------------------------------------------------


def link_timeout_arm(by: Task, lt: Request, req: Request) -> None:
    """``io_queue_linked_timeout``: start ``lt``'s timer once ``req`` is in flight."""
    op: TimeoutOp = lt.op
    if op.armed:
        return
    op.armed = True
    st = ring_timeouts(lt.ctx)
    st.ltimeouts.append(lt)
    by.charge(st.costs.arm_ns)
    _start_timer(lt, by.now(), _fire_link_timeout)


def link_timeout_disarm(lt: Request) -> None:
    """``__io_disarm_linked_timeout``: the guarded request finished first."""
    op: TimeoutOp = lt.op
    op.gen += 1
    st = ring_timeouts(lt.ctx)
    if lt in st.ltimeouts:
        st.ltimeouts.remove(lt)


def _fire_link_timeout(lt: Request) -> None:
    """``io_link_timeout_fn``: unlink from the guarded request, then cancel it from task work."""
    op: TimeoutOp = lt.op
    st = ring_timeouts(lt.ctx)
    if lt in st.ltimeouts:
        st.ltimeouts.remove(lt)
    op.expired_at = int(lt.ctx.kernel.env.now)
    st.expired.append(lt)
    prev = op.prev
    op.prev = None
    if prev is not None and prev.link is lt and not prev.done:
        prev.link = lt.link  # io_remove_next_linked: the rest of the chain now follows prev
        lt.link = None
    else:
        prev = None

    def run(task: Task) -> None:
        """``io_req_task_link_timeout``."""
        if lt in st.expired:
            st.expired.remove(lt)
        ret = 0
        if prev is not None:
            ret = cancel_request(task, prev)
        # io_req_set_res without req_set_fail: CQE_SKIP_SUCCESS hides even this result
        post_completion(task, lt, ret or -ETIME, set_fail=False)

    req_task_work_add(None, lt, run, lazy=False)


def link_timeout_issue(req: Request, issue_flags: int) -> int:
    """A LINK_TIMEOUT is never issued on its own (``io_no_issue``)."""
    return -ECANCELED


# -- TIMEOUT_REMOVE -----------------------------------------------------------------------


class RemoveOp:
    __slots__ = ("addr", "flags", "ns")

    def __init__(self, addr: int, flags: int, ns: int) -> None:
        self.addr = addr
        self.flags = flags
        self.ns = ns


def timeout_remove_prep(req: Request, sqe: Sqe) -> int:
    """``io_timeout_remove_prep``: IOSQE_FIXED_FILE, or a non-zero ``buf_index``, ``len``,
    ``splice_fd_in`` or ``addr3``, is -EINVAL (Linux 6.18)."""
    if req.flags & IOSQE_FIXED_FILE:
        return -EINVAL
    if sqe.buf_index or sqe.len or sqe.file_index or sqe.addr3:
        return -EINVAL
    flags = sqe.op_flags
    ns = 0
    if flags & IORING_TIMEOUT_UPDATE_MASK:
        if bin(flags & IORING_TIMEOUT_CLOCK_MASK).count("1") > 1:
            return -EINVAL
        if flags & ~(IORING_TIMEOUT_UPDATE_MASK | IORING_TIMEOUT_ABS):
            return -EINVAL
        ns = _read_ts(sqe.off)
        if ns < 0:
            return ns
    elif flags:
        return -EINVAL
    if not isinstance(sqe.addr, int):
        return -EINVAL
    req.op = RemoveOp(sqe.addr, flags, ns)
    return 0


def timeout_remove_issue(req: Request, issue_flags: int) -> int:
    """``io_timeout_remove``: cancel, or with an UPDATE flag re-arm, a pending timeout."""
    ctx = req.ctx
    st = ring_timeouts(ctx)
    rop: RemoveOp = req.op
    by = req.worker
    by.charge(st.costs.remove_ns)
    link = bool(rop.flags & IORING_LINK_TIMEOUT_UPDATE)
    found = st.find(rop.addr, link)
    if isinstance(found, int):
        return found
    if not rop.flags & IORING_TIMEOUT_UPDATE_MASK:
        return st.cancel(by, found)
    op: TimeoutOp = found.op
    if not link:
        # io_timeout_update: the timeout is taken off the list, loses its
        # completion count (off = 0: time only from now on) and goes back at
        # the tail of the list with the new timer
        if op.count:
            op.count = 0
            st.counted -= 1
        st.timeouts.remove(found)
        st.timeouts.append(found)
    # the new timespec replaces the old (``data->ts``) but the update's ABS
    # only arms this timer: ``data->mode`` stays the prep's, so a multishot
    # timeout updated with an absolute instant repeats with that value as a
    # relative period (``io_timeout_complete`` re-arms in ``data->mode``)
    op.ns = rop.ns
    _start_timer(found, by.now(), _fire_link_timeout if link else _fire_timeout, bool(rop.flags & IORING_TIMEOUT_ABS))
    return 0


def _ring_exit(task: Task | None, ctx: RingCtx) -> None:
    st = ctx.peek_ext(RingTimeouts)
    if st is not None:
        st.drop_all()


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(TimeoutCosts)
    registry.add_opcode(OpDef(IORING_OP_TIMEOUT, issue=timeout_issue, prep=timeout_prep, name="TIMEOUT"))
    registry.add_opcode(
        OpDef(IORING_OP_TIMEOUT_REMOVE, issue=timeout_remove_issue, prep=timeout_remove_prep, name="TIMEOUT_REMOVE")
    )
    registry.add_opcode(
        OpDef(
            IORING_OP_LINK_TIMEOUT,
            issue=link_timeout_issue,
            prep=link_timeout_prep,
            name="LINK_TIMEOUT",
            ltimeout_arm=link_timeout_arm,
            ltimeout_disarm=link_timeout_disarm,
        )
    )
    registry.on_ring_exit(_ring_exit)
