"""IORING_OP_MSG_RING (io_uring/msg_ring.c), command IORING_MSG_DATA.

The request's file (``sqe.fd``, or a registered file with IOSQE_FIXED_FILE)
must be an io_uring instance, else -EBADFD (a bad descriptor is -EBADF, from
the generic file lookup).  IORING_MSG_DATA posts one CQE on that target ring
with ``res = len`` and ``user_data = off``; the sender's own CQE has res 0.
With IORING_MSG_RING_FLAGS_PASS the target CQE's flags are ``file_index``;
without it a non-zero ``file_index`` is -EINVAL, and so is a non-zero
``addr3`` (source fd) or any flag other than FLAGS_PASS: the kernel accepts
IORING_MSG_RING_CQE_SKIP only for IORING_MSG_SEND_FD, and refuses it for
DATA (``__io_msg_ring_data``).  A target still IORING_SETUP_R_DISABLED is
-EBADFD.

Delivery (``io_msg_need_remote``): a DEFER_TASKRUN target only accepts
completions from its owner task, so the message is queued on the target's
deferred work list (``io_msg_data_remote`` -> ``io_req_task_work_add_remote``)
and appears in its CQ when the target task next waits for completions
(GETEVENTS).  Any other target gets the CQE posted directly
(``io_post_aux_cqe``), which wakes its waiters.

IORING_MSG_SEND_FD (passing a registered file) is not modelled: -EOPNOTSUPP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import attrs

from simuring.abi.errno import EBADFD, EINVAL, EOPNOTSUPP, EOWNERDEAD
from simuring.abi.io_uring import (
    IORING_MSG_DATA,
    IORING_MSG_RING_CQE_SKIP,
    IORING_MSG_RING_FLAGS_PASS,
    IORING_MSG_SEND_FD,
    IORING_OP_MSG_RING,
    IORING_SETUP_DEFER_TASKRUN,
    Sqe,
)
from simuring.cost import param
from simuring.kernel.opdef import OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.setup import RingFile
from simuring.kernel.taskwork import local_work_add

if TYPE_CHECKING:
    from simuring.kernel.ctx import RingCtx

MSG_RING_FLAGS = IORING_MSG_RING_CQE_SKIP | IORING_MSG_RING_FLAGS_PASS


@attrs.frozen
class MsgRingCosts:
    """MSG_RING: posting a completion on another ring."""

    SECTION: ClassVar[str] = "msg_ring"

    post_ns: int = param(120, "ns", "MSG_RING: lock the target ring and post one CQE on it (io_post_aux_cqe)")
    remote_ns: int = param(200, "ns", "MSG_RING to a DEFER_TASKRUN ring: allocate a request and queue it on the target's deferred work list")


class MsgOp:
    """``struct io_msg``."""

    __slots__ = ("user_data", "len", "cmd", "src_fd", "dst_fd", "flags")

    def __init__(self, user_data: int, length: int, cmd: int, src_fd: int, dst_fd: int, flags: int) -> None:
        self.user_data = user_data
        self.len = length
        self.cmd = cmd
        self.src_fd = src_fd
        self.dst_fd = dst_fd
        self.flags = flags


def msg_ring_prep(req: Request, sqe: Sqe) -> int:
    """``__io_msg_ring_prep``."""
    if sqe.buf_index or sqe.personality:
        return -EINVAL
    flags = sqe.op_flags
    if not isinstance(flags, int) or flags & ~MSG_RING_FLAGS:
        return -EINVAL
    if not isinstance(sqe.addr, int) or not isinstance(sqe.len, int) or not isinstance(sqe.off, int):
        return -EINVAL
    req.op = MsgOp(sqe.off & 0xFFFF_FFFF_FFFF_FFFF, sqe.len & 0xFFFF_FFFF, sqe.addr, sqe.addr3, sqe.file_index, flags)
    return 0


def _s32(v: int) -> int:
    return v - (1 << 32) if v >= 1 << 31 else v


def msg_ring_issue(req: Request, issue_flags: int) -> int:
    """``io_msg_ring``."""
    file = req.file
    if not isinstance(file, RingFile):
        return -EBADFD
    msg: MsgOp = req.op
    if msg.cmd == IORING_MSG_DATA:
        return _msg_data(req, file.ctx, msg)
    if msg.cmd == IORING_MSG_SEND_FD:
        return -EOPNOTSUPP
    return -EINVAL


def _msg_data(req: Request, target: RingCtx, msg: MsgOp) -> int:
    """``__io_msg_ring_data``."""
    if msg.src_fd or msg.flags & ~IORING_MSG_RING_FLAGS_PASS:
        return -EINVAL
    if not msg.flags & IORING_MSG_RING_FLAGS_PASS and msg.dst_fd:
        return -EINVAL
    if target.disabled:
        return -EBADFD
    cflags = msg.dst_fd & 0xFFFF_FFFF if msg.flags & IORING_MSG_RING_FLAGS_PASS else 0
    res = _s32(msg.len)
    user_data = msg.user_data
    by = req.worker
    costs = req.ctx.kernel.costs.get(MsgRingCosts)
    if target.flags & IORING_SETUP_DEFER_TASKRUN:
        if target.submitter_task is None:
            return -EOWNERDEAD
        by.charge(costs.remote_ns)
        local_work_add(by, target, lambda task: target.post_cqe(task, user_data, res, cflags))
        return 0
    by.charge(costs.post_ns)
    target.post_cqe(by, user_data, res, cflags)
    return 0


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(MsgRingCosts)
    registry.add_opcode(OpDef(IORING_OP_MSG_RING, issue=msg_ring_issue, prep=msg_ring_prep, name="MSG_RING", needs_file=True, iopoll=True))
