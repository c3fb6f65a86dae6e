"""IORING_OP_POLL_ADD and IORING_OP_POLL_REMOVE (io_uring/poll.c).

POLL_ADD waits for ``sqe.poll32_events`` on ``sqe.fd``, plus
POLLERR|POLLHUP|POLLNVAL|POLLRDHUP which are always reported
(IO_POLL_UNMASK), and completes with the ready mask.  ``sqe.len`` takes only
IORING_POLL_ADD_MULTI (``io_poll_add_prep``; IORING_POLL_ADD_LEVEL is
-EINVAL, as in current kernels).  Multishot stays armed and posts a CQE with
IORING_CQE_F_MORE for each readiness; its last CQE has no F_MORE: the mask
when an extra CQE found the CQ full (the poll then ends and must be
re-armed), or -ECANCELED after a POLL_REMOVE or ASYNC_CANCEL.  A file
without a poll wait queue (a regular file) is ready at once with the default
mask (-EINVAL if none of the events is in it).

POLL_REMOVE finds an armed POLL_ADD of its ring by ``sqe.addr`` (the target's
user_data, the newest armed one first as in the kernel's hash chain):
0 and the target completes -ECANCELED through task work, -EALREADY when the
target's own task work is already pending (it fired and posts its result),
or -ENOENT.  ``io_poll_remove_prep`` checks are made (-EINVAL for
IORING_POLL_ADD_MULTI alone, for ``off`` without IORING_POLL_UPDATE_USER_DATA
and for ``poll32_events`` without IORING_POLL_UPDATE_EVENTS); the update
forms themselves are not modelled (-EOPNOTSUPP).  The poll machinery itself
is :mod:`simuring.kernel.poll`.
"""

from __future__ import annotations

from simuring.abi.errno import EINVAL, ENOENT, EOPNOTSUPP
from simuring.abi.io_uring import (
    IORING_OP_POLL_ADD,
    IORING_OP_POLL_REMOVE,
    IORING_POLL_ADD_MULTI,
    IORING_POLL_UPDATE_EVENTS,
    IORING_POLL_UPDATE_USER_DATA,
    IOSQE_CQE_SKIP_SUCCESS,
    Sqe,
)
from simuring.kernel.opdef import ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.poll import Poll, poll_add
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request

U32 = 0xFFFF_FFFF


class PollAddState:
    __slots__ = ("events", "multishot", "poll")

    def __init__(self, events: int, multishot: bool) -> None:
        self.events = events
        self.multishot = multishot
        self.poll: Poll | None = None  # set while parked


def poll_add_prep(req: Request, sqe: Sqe) -> int:
    """``io_poll_add_prep``."""
    if sqe.buf_index or sqe.off or sqe.addr:
        return -EINVAL
    flags = sqe.len
    if not isinstance(flags, int) or flags & ~IORING_POLL_ADD_MULTI:
        return -EINVAL  # IORING_POLL_ADD_LEVEL included: no longer accepted
    multishot = bool(flags & IORING_POLL_ADD_MULTI)
    if multishot and req.flags & IOSQE_CQE_SKIP_SUCCESS:
        return -EINVAL
    req.op = PollAddState(sqe.op_flags & U32, multishot)
    return 0


def poll_add_issue(req: Request, issue_flags: int) -> IssueResult:
    st: PollAddState = req.op
    ret = poll_add(req.worker, req, st.events, st.multishot)
    if isinstance(ret, Poll):
        st.poll = ret
        return ISSUE_SKIP_COMPLETE
    return ret


def poll_remove_prep(req: Request, sqe: Sqe) -> int:
    """``io_poll_remove_prep``: target by user_data in ``addr``."""
    if sqe.buf_index or sqe.file_index:
        return -EINVAL
    flags = sqe.len
    if not isinstance(flags, int) or flags & ~(
        IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA | IORING_POLL_ADD_MULTI
    ):
        return -EINVAL
    if flags == IORING_POLL_ADD_MULTI:
        return -EINVAL  # meaningless without an update
    if sqe.off and not flags & IORING_POLL_UPDATE_USER_DATA:
        return -EINVAL  # a new user_data without the flag that applies it
    if sqe.op_flags & U32 and not flags & IORING_POLL_UPDATE_EVENTS:
        return -EINVAL  # poll32_events without the flag that applies them
    if flags:
        return -EOPNOTSUPP  # poll updates are not modelled
    target = sqe.addr
    if not isinstance(target, int):
        return -EINVAL
    req.op = target
    return 0


def poll_remove_issue(req: Request, issue_flags: int) -> int:
    """``io_poll_remove``: find the armed POLL_ADD (``io_poll_find``) and disarm it."""
    target = req.op
    # newest first: io_poll_req_insert adds at the head of the hash chain
    for other in reversed(req.ctx.inflight.values()):
        if other.opcode != IORING_OP_POLL_ADD or other.user_data != target or other.done:
            continue
        st = other.op
        p = st.poll if isinstance(st, PollAddState) else None
        if p is None or not p.hashed:
            continue  # not in the cancel table (completing, or not armed)
        return p.disarm(req.worker)
    return -ENOENT


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(OpDef(IORING_OP_POLL_ADD, issue=poll_add_issue, prep=poll_add_prep, name="POLL_ADD", needs_file=True))
    registry.add_opcode(OpDef(IORING_OP_POLL_REMOVE, issue=poll_remove_issue, prep=poll_remove_prep, name="POLL_REMOVE"))
