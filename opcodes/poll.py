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
user_data; ``io_poll_find`` walks its hash chain, newest first): 0 and the
target completes -ECANCELED through task work, -EALREADY when the target's
own task work is already pending (it fired and posts its result), or
-ENOENT.  ``io_poll_remove_prep`` checks are made (-EINVAL for
IORING_POLL_ADD_MULTI alone, for ``off`` without IORING_POLL_UPDATE_USER_DATA
and for ``poll32_events`` without IORING_POLL_UPDATE_EVENTS).

With IORING_POLL_UPDATE_EVENTS and/or IORING_POLL_UPDATE_USER_DATA it is a
poll update (``io_poll_remove``): the target is disarmed the same way, its
event mask (the low 16 bits; multishot or not is kept) and/or its user_data
(from ``off``) are replaced, and it is armed again (``io_poll_add``); the
update completes with 0 and the poll stays pending under its new settings,
or, if the new mask is ready at once, completes with it through task work,
after the update's CQE.  The poll machinery itself is
:mod:`simuring.kernel.poll`.
"""

from __future__ import annotations

from typing import Final

from simuring.abi.errno import ECANCELED, EINVAL, ENOENT
from simuring.abi.io_uring import (
    IORING_OP_POLL_ADD,
    IORING_OP_POLL_REMOVE,
    IORING_POLL_ADD_MULTI,
    IORING_POLL_UPDATE_EVENTS,
    IORING_POLL_UPDATE_USER_DATA,
    IOSQE_CQE_SKIP_SUCCESS,
    Sqe,
)
from simuring.kernel.cancel import PollTable
from simuring.kernel.opdef import ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.poll import Poll, poll_add
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, complete_async

U32: Final = 0xFFFF_FFFF
EPOLLEXCLUSIVE: Final = 1 << 28
EPOLLONESHOT: Final = 1 << 30


class PollAddState:
    __slots__ = ("events", "multishot", "exclusive", "poll")

    def __init__(self, events: int, multishot: bool, exclusive: bool = False) -> None:
        self.events = events
        self.multishot = multishot
        self.exclusive = exclusive  # EPOLLEXCLUSIVE
        self.poll: Poll | None = None  # set while parked


def poll_add_prep(req: Request, sqe: Sqe) -> int:
    """``io_poll_add_prep`` and ``io_poll_parse_events``: the low 16 bits of
    ``poll32_events`` are the mask (``demangle_poll``); of the high bits only
    EPOLLEXCLUSIVE and EPOLLONESHOT count, the latter making even an
    IORING_POLL_ADD_MULTI poll single-shot."""
    if sqe.buf_index or sqe.off or sqe.addr:
        return -EINVAL
    flags = sqe.len
    if not isinstance(flags, int) or flags & ~IORING_POLL_ADD_MULTI:
        return -EINVAL  # IORING_POLL_ADD_LEVEL included: no longer accepted
    multishot = bool(flags & IORING_POLL_ADD_MULTI)
    if multishot and req.flags & IOSQE_CQE_SKIP_SUCCESS:
        return -EINVAL
    events = sqe.op_flags
    if not isinstance(events, int):
        return -EINVAL
    events &= U32
    if events & EPOLLONESHOT:
        multishot = False
    req.op = PollAddState(events & 0xFFFF, multishot, bool(events & EPOLLEXCLUSIVE))
    return 0


def poll_add_issue(req: Request, issue_flags: int) -> IssueResult:
    st: PollAddState = req.op
    ret = poll_add(req.worker, req, st.events, st.multishot, st.exclusive)
    if isinstance(ret, Poll):
        st.poll = ret
        return ISSUE_SKIP_COMPLETE
    return ret


class PollUpdate:
    """``struct io_poll_update``: the target and what replaces its settings (None: kept)."""

    __slots__ = ("target", "events", "user_data")

    def __init__(self, target: int, events: int | None, user_data: int | None) -> None:
        self.target = target
        self.events = events
        self.user_data = user_data


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
    target = sqe.addr
    new_user_data = sqe.off
    if not isinstance(target, int) or not isinstance(new_user_data, int):
        return -EINVAL
    events = sqe.op_flags & 0xFFFF if flags & IORING_POLL_UPDATE_EVENTS else None
    user_data = new_user_data if flags & IORING_POLL_UPDATE_USER_DATA else None
    req.op = PollUpdate(target, events, user_data)
    return 0


def find_poll_add(req: Request, target: int) -> Poll | None:
    """``io_poll_find`` with ``poll_only``: the armed POLL_ADD of ``req``'s ring
    whose user_data is ``target``, first in its hash chain (the newest)."""
    for other in req.ctx.ext(PollTable).chain(target):
        if other.opcode != IORING_OP_POLL_ADD or other.user_data != target or other.done:
            continue
        st = other.op
        p = st.poll if isinstance(st, PollAddState) else None
        if p is not None and p.hashed:
            return p
    return None


def poll_remove_issue(req: Request, issue_flags: int) -> int:
    """``io_poll_remove``: find the armed POLL_ADD and disarm it; an update
    arms it again with its new mask and/or user_data."""
    upd: PollUpdate = req.op
    p = find_poll_add(req, upd.target)
    if p is None:
        return -ENOENT
    if upd.events is None and upd.user_data is None:
        return p.disarm(req.worker)
    ret = p.detach()
    if ret:
        return ret
    target = p.req
    st: PollAddState = target.op
    if upd.events is not None:
        st.events = (st.events & ~0xFFFF) | upd.events
    if upd.user_data is not None:
        target.user_data = upd.user_data
    st.poll = None
    res = poll_add(req.worker, target, st.events, st.multishot, st.exclusive)
    if isinstance(res, Poll):
        st.poll = res  # updated: the poll stays pending
    else:  # ready at once: its mask (an arming error: -ECANCELED)
        complete_async(req.worker, target, res if res > 0 else -ECANCELED)
    return 0


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(OpDef(IORING_OP_POLL_ADD, issue=poll_add_issue, prep=poll_add_prep, name="POLL_ADD", needs_file=True))
    registry.add_opcode(OpDef(IORING_OP_POLL_REMOVE, issue=poll_remove_issue, prep=poll_remove_prep, name="POLL_REMOVE"))
