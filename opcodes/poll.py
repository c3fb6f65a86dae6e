"""IORING_OP_POLL_ADD and IORING_OP_POLL_REMOVE (io_uring/poll.c).

POLL_ADD waits for ``sqe.poll32_events`` (plus POLLERR|POLLHUP, always
reported) on ``sqe.fd`` and completes with the ready mask.  With
IORING_POLL_ADD_MULTI in ``sqe.len`` it stays armed and posts a CQE with
IORING_CQE_F_MORE for each readiness; its last CQE (-ECANCELED after a
POLL_REMOVE or ASYNC_CANCEL) has no F_MORE.  A file without a poll wait
queue (a regular file) is ready at once with the default mask.

POLL_REMOVE finds an armed POLL_ADD of its ring by ``sqe.addr`` (the target's
user_data): 0 and the target completes -ECANCELED, or -ENOENT.  The update
forms (IORING_POLL_UPDATE_EVENTS / _USER_DATA) are not modelled
(-EOPNOTSUPP).  The poll machinery itself is :mod:`simuring.kernel.poll`.
"""

from __future__ import annotations

from simuring.errno import EINVAL, ENOENT, EOPNOTSUPP
from simuring.kernel.opdef import ISSUE_SKIP_COMPLETE, OpDef
from simuring.kernel.poll import Poll, PollCosts, poll_add
from simuring.kernel.request import Request
from simuring.plugins import PluginRegistry
from simuring.uapi import (
    IORING_OP_POLL_ADD,
    IORING_OP_POLL_REMOVE,
    IORING_POLL_ADD_LEVEL,
    IORING_POLL_ADD_MULTI,
    IORING_POLL_UPDATE_EVENTS,
    IORING_POLL_UPDATE_USER_DATA,
    IOSQE_CQE_SKIP_SUCCESS,
    Sqe,
)

U32 = 0xFFFF_FFFF


class PollAddState:
    __slots__ = ("events", "multishot")

    def __init__(self, events: int, multishot: bool) -> None:
        self.events = events
        self.multishot = multishot


def poll_add_prep(req: Request, sqe: Sqe) -> int:
    """``io_poll_add_prep``."""
    if sqe.buf_index or sqe.off or sqe.addr:
        return -EINVAL
    flags = sqe.len
    if not isinstance(flags, int) or flags & ~(IORING_POLL_ADD_MULTI | IORING_POLL_ADD_LEVEL):
        return -EINVAL
    multishot = bool(flags & IORING_POLL_ADD_MULTI)
    if multishot and req.flags & IOSQE_CQE_SKIP_SUCCESS:
        return -EINVAL
    req.op = PollAddState(sqe.op_flags & U32, multishot)
    return 0


def poll_add_issue(req: Request, issue_flags: int) -> object:
    st: PollAddState = req.op
    ret = poll_add(req.worker, req, st.events, st.multishot)
    return ISSUE_SKIP_COMPLETE if ret is None else ret


def poll_remove_prep(req: Request, sqe: Sqe) -> int:
    """``io_poll_remove_prep``: target by user_data in ``addr``."""
    if sqe.buf_index or sqe.file_index:
        return -EINVAL
    flags = sqe.len
    if not isinstance(flags, int) or flags & ~(
        IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA | IORING_POLL_ADD_MULTI
    ):
        return -EINVAL
    if flags:
        return -EOPNOTSUPP  # poll updates are not modelled
    target = sqe.addr
    if not isinstance(target, int):
        return -EINVAL
    req.op = target
    return 0


def poll_remove_issue(req: Request, issue_flags: int) -> int:
    target = req.op
    for other in list(req.ctx.inflight.values()):
        if other.opcode != IORING_OP_POLL_ADD or other.user_data != target or other.done:
            continue
        fn = other.cancel_fn
        if fn is None:
            continue
        owner = getattr(fn, "__self__", None)
        if isinstance(owner, Poll):
            return int(owner.cancel(req.worker))
    return -ENOENT


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(OpDef(IORING_OP_POLL_ADD, issue=poll_add_issue, prep=poll_add_prep, name="POLL_ADD", needs_file=True))
    registry.add_opcode(OpDef(IORING_OP_POLL_REMOVE, issue=poll_remove_issue, prep=poll_remove_prep, name="POLL_REMOVE"))
    registry.add_cost_section("poll", PollCosts)
