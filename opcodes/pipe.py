"""IORING_OP_PIPE (io_uring/openclose.c, Linux 6.16+): create a pipe from a request.

Prep (``io_pipe_prep``): a non-zero ``fd``, ``off`` or ``addr3`` is -EINVAL,
and so is a flag (``pipe_flags``, the op flags word) outside O_CLOEXEC,
O_NONBLOCK, O_DIRECT and O_NOTIFICATION_PIPE; ``addr`` is the user's
``int fds[2]`` (a ``bytearray`` of 8 bytes or more, written as two
little-endian ints, or a list, whose first two items are set);
``file_index`` the registered-file slot.  ``ioprio`` is refused by the
generic checks (-EINVAL); the op has no ``.iopoll``.

Issue (``io_pipe``, inline): ``create_pipe_files`` makes the two ends, then

* ``file_index`` 0 (``io_pipe_fd``): two descriptors of the process's table
  (the lowest free ones, -EMFILE when full), written to ``fds``: the read
  end, then the write end; if ``fds`` cannot be written (-EFAULT) neither
  descriptor stays;
* otherwise (``io_pipe_fixed``): O_CLOEXEC is -EINVAL; the read end goes to
  the registered-file table through ``__io_fixed_fd_install``: with
  IORING_FILE_INDEX_ALLOC each end gets a free slot of the allocation range
  (-ENFILE when none, or no table) and ``fds`` receives the two slots; with
  a slot + 1, the read end goes to that slot and the write end to the next
  one (-ENXIO without a table, -EINVAL past its end); either way ``fds``
  receives the two slots (the real 6.18 kernel decided: a given slot is
  written back too).  On a failure the slots installed so far are emptied
  again (the read end's, when the write end's slot is past the table).

A failure fails the link (``req_set_fail``); the ends not installed are
released.  ``create_pipe_files`` refuses O_NOTIFICATION_PIPE with -ENOPKG
(Linux 6.18.44 has no watch queues) at issue, as it does pipe2(2)'s
(:func:`~simuring.kernel.objects.pipe.create_pipe_error`).  Not modelled:
O_DIRECT (packet-mode pipes: -EINVAL at issue, as pipe2(2)'s); RLIMIT_NOFILE.

Costs: creating the pipe is the pipe's own ``[pipe]`` ``create_ns``; each
registered slot filled costs the ``[close]`` section's ``files_update_ns``.
"""

from __future__ import annotations

from simuring.abi.errno import EFAULT, EINVAL
from simuring.abi.io_uring import IORING_FILE_INDEX_ALLOC, IORING_OP_PIPE, Sqe
from simuring.abi.posix import O_CLOEXEC, O_DIRECT, O_NONBLOCK
from simuring.kernel.files import File, files_of
from simuring.kernel.objects.pipe import O_NOTIFICATION_PIPE, create_pipe, create_pipe_error
from simuring.kernel.opdef import IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.rsrc import file_alloc_slot, fixed_fd_remove, install_fixed_file
from simuring.kernel.uaccess import user_bytes
from simuring.opcodes.openclose import CloseCosts

PIPE_FLAGS = O_CLOEXEC | O_NONBLOCK | O_DIRECT | O_NOTIFICATION_PIPE
U32 = 0xFFFF_FFFF


def _nonzero(v: object) -> bool:
    return not (v is None or (isinstance(v, int) and v == 0))


class PipeOp:
    """``struct io_pipe``."""

    __slots__ = ("fds", "flags", "file_slot", "nofile")

    def __init__(self, fds: object, flags: int, file_slot: int, nofile: int) -> None:
        self.fds = fds
        self.flags = flags
        self.file_slot = file_slot
        self.nofile = nofile  # RLIMIT_NOFILE when prepared: both descriptors must be below it


def pipe_prep(req: Request, sqe: Sqe) -> int:
    """``io_pipe_prep``."""
    if _nonzero(sqe.fd) or _nonzero(sqe.off) or _nonzero(sqe.addr3):
        return -EINVAL
    flags, slot = sqe.op_flags, sqe.file_index
    if not (isinstance(flags, int) and isinstance(slot, int)):
        return -EINVAL
    flags &= U32
    if flags & ~PIPE_FLAGS:
        return -EINVAL
    req.op = PipeOp(sqe.addr, flags, slot & U32, files_of(req.task.process).limit)
    return 0


def _put_fds(dst: object, a: int, b: int) -> int:
    """``copy_to_user`` of ``int fds[2]``: 0 or -EFAULT."""
    if isinstance(dst, list):
        if len(dst) < 2:
            return -EFAULT
        dst[0], dst[1] = a, b
        return 0
    view = user_bytes(dst, 8, kernel_writes=True)
    if isinstance(view, int):
        return view
    view[:8] = a.to_bytes(4, "little", signed=True) + b.to_bytes(4, "little", signed=True)
    return 0


def pipe_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_pipe``."""
    op: PipeOp = req.op
    task = req.worker
    err = create_pipe_error(op.flags)
    if err:
        return err
    ends: list[File] = list(create_pipe(task.sched.costs, task, op.flags))
    for end in ends:
        end.get()  # the references create_pipe_files hands over
    if op.file_slot:
        ret = _pipe_fixed(req, op, ends)
    else:
        ret = _pipe_fd(req, op, ends)
    for end in ends:
        end.put(task)  # our reference: an end installed nowhere is released (fput)
    return ret


def _pipe_fd(req: Request, op: PipeOp, ends: list[File]) -> int:
    """``io_pipe_fd``: two descriptors, then ``fds`` written, then installed."""
    task = req.worker
    table = files_of(task.process)
    got: list[int] = []
    for i in (0, 1):
        fd = table.install(ends[i], op.nofile)
        if fd < 0:
            for f in got:
                table.close(f, task)
            return fd
        got.append(fd)
    err = _put_fds(op.fds, got[0], got[1])
    if err:
        for f in got:
            table.close(f, task)
        return err
    return 0


def _pipe_fixed(req: Request, op: PipeOp, ends: list[File]) -> int:
    """``io_pipe_fixed`` with ``__io_fixed_fd_install`` for each end."""
    task = req.worker
    ctx = req.ctx
    if op.flags & O_CLOEXEC:
        return -EINVAL
    costs = ctx.kernel.costs.get(CloseCosts)
    fds = [-1, -1]
    slot = op.file_slot
    ret = 0
    for i in (0, 1):
        end = ends[i]
        task.charge(costs.files_update_ns)
        if slot == IORING_FILE_INDEX_ALLOC:
            got = file_alloc_slot(ctx)
            ret = got if got < 0 else install_fixed_file(task, ctx, end, got)
            if ret == 0:
                ret = got
        else:
            ret = install_fixed_file(task, ctx, end, slot - 1)
            if ret == 0:
                ret = slot - 1  # the slot itself, as 6.18 answers
        if ret < 0:
            break
        fds[i] = ret
        end.get()  # the table's reference
        if slot != IORING_FILE_INDEX_ALLOC:
            slot += 1
    else:
        ret = _put_fds(op.fds, fds[0], fds[1])
        if ret == 0:
            return 0
    for f in fds:
        if f != -1:
            fixed_fd_remove(task, ctx, f)
    return ret


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(OpDef(IORING_OP_PIPE, issue=pipe_issue, prep=pipe_prep, name="PIPE"))
