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

Delivery (``io_msg_need_remote``: ``ctx->task_complete``): a DEFER_TASKRUN
target (not also IOPOLL) only accepts completions from its owner task, so the
message is queued on the target's
deferred work list (``io_msg_data_remote`` -> ``io_req_task_work_add_remote``)
and appears in its CQ when the target task next waits for completions
(GETEVENTS).  Any other target gets the CQE posted directly
(``io_post_aux_cqe``), which wakes its waiters.

IORING_MSG_SEND_FD (``io_msg_send_fd``): passes the source ring's
registered file at index ``addr3`` into the target ring's table: slot
``file_index - 1``, or the first free slot of the allocation range with
IORING_FILE_INDEX_ALLOC.  In order: a non-zero ``len`` -EINVAL, the target
being the sender's own ring -EINVAL, a target still R_DISABLED -EBADFD, no
file at the source index (or no table) -EBADF.  Then
``__io_fixed_fd_install`` on the target: with ALLOC no table or no free
slot -ENFILE; a ring file -EBADF, no table -ENXIO, a slot past its end
-EINVAL (``file_index`` 0 is slot -1).  The result (0, or the slot
allocated) is posted on the target with ``user_data = off`` unless
IORING_MSG_RING_CQE_SKIP, and is the sender's result.  A file already in the
slot is replaced (its tag posted).  A DEFER_TASKRUN target installs from
its submitter task's task work (``io_msg_fd_remote``: -EOWNERDEAD without
one), and the sender completes from its own task work after that.

IORING_REGISTER_SEND_MSG_RING (io_uring_register(2) with fd -1, liburing's
io_uring_register_sync_msg(3)): the same IORING_MSG_DATA message, sent by
the system call itself from an SQE the caller filled, with no source ring
(:func:`register_send_msg_ring`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import attrs

from simuring.abi.errno import EBADF, EBADFD, EFAULT, EINVAL, EOWNERDEAD
from simuring.abi.io_uring import (
    IORING_FILE_INDEX_ALLOC,
    IORING_MSG_DATA,
    IORING_MSG_RING_CQE_SKIP,
    IORING_MSG_RING_FLAGS_PASS,
    IORING_MSG_SEND_FD,
    IORING_OP_MSG_RING,
    IORING_REGISTER_SEND_MSG_RING,
    Sqe,
)
from simuring.cost import param
from simuring.kernel.files import files_of
from simuring.kernel.opdef import ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, post_completion
from simuring.kernel.rsrc import file_alloc_slot, fixed_file, install_fixed_file
from simuring.kernel.setup import RingFile
from simuring.kernel.taskwork import local_work_add, req_task_work_add, task_work_add

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.files import File

MSG_RING_FLAGS = IORING_MSG_RING_CQE_SKIP | IORING_MSG_RING_FLAGS_PASS
U32 = 0xFFFF_FFFF
U64 = 0xFFFF_FFFF_FFFF_FFFF


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


def read_msg(sqe: Sqe) -> MsgOp | int:
    """``__io_msg_ring_prep``: the command (``addr``), source fd (``addr3``) and
    target slot or CQE flags (``file_index``) are read as the u32 fields of
    ``struct io_msg``, so a command of 1 << 32 is IORING_MSG_DATA."""
    if sqe.buf_index or sqe.personality:
        return -EINVAL
    flags = sqe.op_flags
    if not isinstance(flags, int) or flags & ~MSG_RING_FLAGS:
        return -EINVAL
    addr3 = sqe.addr3
    if not all(isinstance(v, int) for v in (sqe.addr, sqe.len, sqe.off, addr3, sqe.file_index)):
        return -EINVAL
    # struct io_msg keeps cmd, src_fd and dst_fd as u32: the upper halves of addr and addr3 are dropped
    return MsgOp(sqe.off & U64, sqe.len & U32, sqe.addr & U32, addr3 & U32, sqe.file_index & U32, flags)


def msg_ring_prep(req: Request, sqe: Sqe) -> int:
    """``io_msg_ring_prep``."""
    msg = read_msg(sqe)
    if isinstance(msg, int):
        return msg
    req.op = msg
    return 0


def _s32(v: int) -> int:
    return v - (1 << 32) if v >= 1 << 31 else v


def msg_ring_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_msg_ring``."""
    file = req.file
    if not isinstance(file, RingFile):
        return -EBADFD
    msg: MsgOp = req.op
    if msg.cmd == IORING_MSG_DATA:
        return msg_data(req.worker, file.ctx, msg)
    if msg.cmd == IORING_MSG_SEND_FD:
        return _msg_send_fd(req, file.ctx, msg)
    return -EINVAL


def _msg_send_fd(req: Request, target: RingCtx, msg: MsgOp) -> IssueResult:
    """``io_msg_send_fd``."""
    if msg.len:
        return -EINVAL
    if target is req.ctx:
        return -EINVAL
    if target.disabled:
        return -EBADFD
    src = fixed_file(req.ctx, msg.src_fd)  # io_msg_grab_file
    if src is None:
        return -EBADF
    file = src.get()  # get_file: the request's reference until installed
    by = req.worker
    by.charge(req.ctx.kernel.costs.get(MsgRingCosts).post_ns)
    if target.task_complete:  # io_msg_fd_remote
        owner = target.submitter_task
        if owner is None:
            file.put(by)
            return -EOWNERDEAD

        def run(task: Task) -> None:
            """``io_msg_tw_fd_complete``, then ``io_req_queue_tw_complete`` to the sender."""
            ret = _install_complete(task, target, msg, file)

            def done(t: Task) -> None:
                post_completion(t, req, ret)

            req_task_work_add(task, req, done, lazy=False)

        task_work_add(by, owner, target, run)
        return ISSUE_SKIP_COMPLETE
    return _install_complete(by, target, msg, file)


def _install_complete(by: Task, target: RingCtx, msg: MsgOp, file: File) -> int:
    """``io_msg_install_complete`` -> ``__io_fixed_fd_install``, then the target's CQE."""
    if msg.dst_fd == IORING_FILE_INDEX_ALLOC:
        slot = file_alloc_slot(target)
        if slot < 0:
            file.put(by)
            return slot
    else:
        slot = (msg.dst_fd - 1) & U32
    ret = install_fixed_file(by, target, file, slot)
    if ret < 0:
        file.put(by)
        return ret
    if msg.dst_fd == IORING_FILE_INDEX_ALLOC:
        ret = slot
    if not msg.flags & IORING_MSG_RING_CQE_SKIP:
        target.post_aux_cqe(by, msg.user_data, ret, 0)
    return ret


def msg_data(by: Task, target: RingCtx, msg: MsgOp) -> int:
    """``__io_msg_ring_data``: post the message on ``target``, on behalf of ``by``
    (the request's worker, or the task in io_uring_register)."""
    if msg.src_fd or msg.flags & ~IORING_MSG_RING_FLAGS_PASS:
        return -EINVAL
    if not msg.flags & IORING_MSG_RING_FLAGS_PASS and msg.dst_fd:
        return -EINVAL
    if target.disabled:
        return -EBADFD
    cflags = msg.dst_fd if msg.flags & IORING_MSG_RING_FLAGS_PASS else 0
    res = _s32(msg.len)
    user_data = msg.user_data
    costs = target.kernel.costs.get(MsgRingCosts)
    if target.task_complete:  # io_msg_need_remote: DEFER_TASKRUN without IOPOLL
        if target.submitter_task is None:
            return -EOWNERDEAD
        by.charge(costs.remote_ns)
        local_work_add(by, target, lambda task: target.post_cqe(task, user_data, res, cflags))
        return 0
    by.charge(costs.post_ns)
    target.post_aux_cqe(by, user_data, res, cflags)
    return 0


def register_send_msg_ring(task: Task, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_SEND_MSG_RING (``io_uring_register_blind`` ->
    ``io_uring_sync_msg_ring``; liburing's io_uring_register_sync_msg(3)): a
    MSG_RING with IORING_MSG_DATA sent by io_uring_register itself, with no
    source ring.  ``arg`` is the SQE (-EINVAL if NULL or ``nr_args`` is not
    1, -EFAULT if it is not one); it must have no ``flags`` and the opcode
    MSG_RING (-EINVAL), then it is read as MSG_RING's prep reads it, a
    command other than IORING_MSG_DATA is -EINVAL (SEND_FD needs a source
    ring), and ``sqe.fd`` is looked up in the caller's file table: -EBADF
    if not open, -EBADFD if not a ring.  The message is then delivered as
    MSG_RING delivers it (:func:`msg_data`); the result is the call's."""
    if arg is None or nr_args != 1:
        return -EINVAL
    if not isinstance(arg, Sqe):
        return -EFAULT  # copy_from_user of something that is not a struct io_uring_sqe
    if arg.flags:
        return -EINVAL
    if arg.opcode != IORING_OP_MSG_RING:
        return -EINVAL
    msg = read_msg(arg)
    if isinstance(msg, int):
        return msg
    if msg.cmd != IORING_MSG_DATA:
        return -EINVAL
    file = files_of(task.process).get(arg.fd) if isinstance(arg.fd, int) else None
    if file is None:
        return -EBADF
    if not isinstance(file, RingFile):
        return -EBADFD
    return msg_data(task, file.ctx, msg)


def register(registry: PluginRegistry) -> None:
    registry.add_cost_section(MsgRingCosts)
    registry.add_blind_register_command(IORING_REGISTER_SEND_MSG_RING, "SEND_MSG_RING", register_send_msg_ring)
    registry.add_opcode(OpDef(IORING_OP_MSG_RING, issue=msg_ring_issue, prep=msg_ring_prep, name="MSG_RING", needs_file=True, iopoll=True))
