"""``io_uring_register(2)``: the core commands and the plug-in dispatch.

Core: IORING_REGISTER_ENABLE_RINGS (clears R_DISABLED; a SINGLE_ISSUER ring
gets the enabling task as its owner; the SQPOLL thread starts),
IORING_REGISTER_FILES / IORING_UNREGISTER_FILES (the fixed-file table used
with IOSQE_FIXED_FILE), IORING_REGISTER_PROBE (the opcode table),
IORING_REGISTER_EVENTFD / _ASYNC and IORING_UNREGISTER_EVENTFD
(:mod:`simuring.kernel.eventfd`), IORING_REGISTER_FILES_UPDATE, FILES2,
FILES_UPDATE2 and FILE_ALLOC_RANGE, IORING_REGISTER_BUFFERS /
IORING_UNREGISTER_BUFFERS, BUFFERS2, BUFFERS_UPDATE and CLONE_BUFFERS (:mod:`simuring.kernel.rsrc`),
IORING_REGISTER_CLOCK, IORING_REGISTER_RESIZE_RINGS (:mod:`simuring.kernel.resize`),
IORING_REGISTER_MEM_REGION (:mod:`simuring.kernel.memmap`),
IORING_REGISTER_RESTRICTIONS and the personality commands (:mod:`simuring.kernel.restrict`;
a restricted ring refuses the commands it does not allow with -EACCES).  Plug-ins add commands (the IPC channel commands)
through :meth:`~simuring.kernel.registry.PluginRegistry.add_register_command`, and commands
that name no ring (fd -1: MSG_RING's IORING_REGISTER_SEND_MSG_RING) through ``add_blind_register_command``.
Unknown commands: -EINVAL, as ``__io_uring_register``'s default case.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from simuring.abi.errno import EACCES, EBADFD, EBUSY, EEXIST, EFAULT, EINVAL, EMFILE
from simuring.abi.io_uring import (
    IO_URING_OP_SUPPORTED,
    IORING_OP_LAST,
    IORING_REGISTER_BUFFERS,
    IORING_REGISTER_BUFFERS2,
    IORING_REGISTER_BUFFERS_UPDATE,
    IORING_REGISTER_CLOCK,
    IORING_REGISTER_CLONE_BUFFERS,
    IORING_REGISTER_ENABLE_RINGS,
    IORING_REGISTER_EVENTFD,
    IORING_REGISTER_EVENTFD_ASYNC,
    IORING_REGISTER_FILE_ALLOC_RANGE,
    IORING_REGISTER_FILES,
    IORING_REGISTER_FILES2,
    IORING_REGISTER_FILES_UPDATE,
    IORING_REGISTER_FILES_UPDATE2,
    IORING_REGISTER_IOWQ_AFF,
    IORING_REGISTER_IOWQ_MAX_WORKERS,
    IORING_REGISTER_LAST,
    IORING_REGISTER_MEM_REGION,
    IORING_REGISTER_PERSONALITY,
    IORING_REGISTER_PROBE,
    IORING_REGISTER_RESIZE_RINGS,
    IORING_REGISTER_RESTRICTIONS,
    IORING_REGISTER_RING_FDS,
    IORING_REGISTER_USE_REGISTERED_RING,
    IORING_SETUP_R_DISABLED,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_UNREGISTER_BUFFERS,
    IORING_UNREGISTER_EVENTFD,
    IORING_UNREGISTER_FILES,
    IORING_UNREGISTER_IOWQ_AFF,
    IORING_UNREGISTER_PERSONALITY,
    IORING_UNREGISTER_RING_FDS,
    PROBE_MAX_OPS,
    ClockRegister,
    Probe,
    ProbeOp,
)
from simuring.abi.limits import U32
from simuring.abi.posix import CLOCK_BOOTTIME, CLOCK_MONOTONIC
from simuring.kernel import kernel_of
from simuring.kernel.enter import registered_ring_of, ring_of
from simuring.kernel.eventfd import register_eventfd, register_eventfd_async, unregister_eventfd
from simuring.kernel.files import files_of
from simuring.kernel.iowq import register_iowq_aff, register_iowq_max_workers, unregister_iowq_aff
from simuring.kernel.memmap import register_mem_region
from simuring.kernel.resize import resize_rings
from simuring.kernel.restrict import (
    register_personality,
    register_restrictions,
    unregister_personality,
)
from simuring.kernel.rsrc import (
    IORING_MAX_FIXED_FILES,
    files_register,
    files_unregister,
    register_buffers,
    register_buffers2,
    register_buffers_update,
    register_clone_buffers,
    register_file_alloc_range,
    register_files2,
    register_files_update,
    register_files_update2,
    unregister_buffers,
)
from simuring.kernel.tctx import ringfd_register, ringfd_unregister

if TYPE_CHECKING:
    import simpy

    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.registry import RegisterFn



def enable_rings(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """``io_register_enable_rings``, after ``__io_uring_register``'s check that
    it got no argument (-EINVAL, before the ring's state: -EBADFD when it is not
    disabled).  A SINGLE_ISSUER ring gets the caller as its submitter task and,
    if a poll waits on the ring's descriptor, its poll queue is activated
    (``io_activate_pollwq``, by task work on the caller)."""
    if arg is not None or nr_args:
        return -EINVAL
    if not ctx.flags & IORING_SETUP_R_DISABLED or not ctx.disabled:
        return -EBADFD
    if ctx.flags & IORING_SETUP_SINGLE_ISSUER and ctx.submitter_task is None:
        ctx.submitter_task = task
        if ctx.file is not None:  # a poll armed while there was no submitter task activated nothing
            ctx.file.activate_if_polled()
    ctx.disabled = False
    if ctx.restrictions is not None:
        ctx.restricted = True  # the restrictions registered apply from now on
    if ctx.sqpoll is not None:
        ctx.sqpoll.start(task)
    return 0


def register_clock(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_CLOCK (``io_register_clock``): the clock of the ring's wait timeouts.

    A NULL argument or a non-zero ``nr_args`` -EINVAL; an argument that cannot be
    read -EFAULT; a non-zero reserved word -EINVAL; a clock other than
    CLOCK_MONOTONIC or CLOCK_BOOTTIME -EINVAL.  Both read the same simulated clock
    (a simulated machine never suspends, :mod:`simuring.kernel.clock`), so the
    choice is kept (``ctx.clockid``) and changes no wait.
    """
    if arg is None or nr_args:
        return -EINVAL
    if not isinstance(arg, ClockRegister):
        return -EFAULT
    resv = arg.resv
    if not isinstance(arg.clockid, int) or len(resv) < 3 or not all(isinstance(v, int) for v in resv[:3]):
        return -EFAULT
    if any(resv[:3]):
        return -EINVAL
    clockid = arg.clockid & U32
    if clockid not in (CLOCK_MONOTONIC, CLOCK_BOOTTIME):
        return -EINVAL
    ctx.clockid = clockid
    return 0


def register_files(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_FILES (``io_sqe_files_register`` without tags): ``arg`` is a list
    of fds (-1 for an empty slot).

    Order: -EBUSY with a table registered, -EINVAL for nr_args 0, -EMFILE above
    IORING_MAX_FIXED_FILES or the process's RLIMIT_NOFILE (the fd table's
    limit), all before the array is read; the rest is
    :func:`simuring.kernel.rsrc.files_register`.

    Each registered file is referenced (``fget``), so closing its fd does not
    release it while it stays in the table (io_uring_registered_files(7)).
    A ring fd cannot be registered (-EBADF): a ring referencing rings could
    keep itself alive.
    """
    if ctx.fixed_files is not None:
        return -EBUSY
    if not isinstance(nr_args, int):
        return -EINVAL
    nr_args &= 0xFFFF_FFFF  # an unsigned int
    if not nr_args:
        return -EINVAL
    # the sizes are checked before the array is read
    if nr_args > IORING_MAX_FIXED_FILES or nr_args > files_of(task.process).limit:
        return -EMFILE  # more than the kernel allows, or than RLIMIT_NOFILE
    if not isinstance(arg, (list, tuple)) or nr_args > len(arg):
        return -EINVAL  # not an array of nr_args ints (undefined in C)
    return files_register(task, ctx, arg, nr_args, None)


def unregister_files(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_UNREGISTER_FILES: -EINVAL with an argument, then ``io_sqe_files_unregister``."""
    if arg is not None or nr_args:
        return -EINVAL
    return files_unregister(task, ctx)


def _probe_is_zero(p: Probe, nr_ops: int) -> bool:
    """``memchr_inv(p, 0, size)``: the header and the first ``nr_ops`` op entries are all zero."""
    if p.last_op or p.ops_len or p.resv or any(p.resv2):
        return False
    return not any(op.op or op.resv or op.flags or op.resv2 for op in p.ops[:nr_ops])


def probe(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_PROBE (``io_probe``): which opcodes this kernel supports.

    ``__io_uring_register`` refuses a NULL ``arg`` or ``nr_args`` above 256
    (-EINVAL); ``io_probe`` clamps ``nr_args`` to IORING_OP_LAST, reads that
    many entries (-EFAULT when ``arg`` is not a :class:`Probe` with as many),
    requires them zeroed (-EINVAL), then writes ``last_op`` (IORING_OP_LAST - 1),
    ``ops_len`` and each entry's ``op`` and ``flags`` (IO_URING_OP_SUPPORTED
    for an opcode of this kernel's table: the simulator's registry, core and
    plug-in opcodes).  Nothing is written on failure.
    """
    nr_args &= U32
    if arg is None or nr_args > PROBE_MAX_OPS:
        return -EINVAL
    nr_ops = min(nr_args, IORING_OP_LAST)
    if not isinstance(arg, Probe) or len(arg.ops) < nr_ops or not all(isinstance(op, ProbeOp) for op in arg.ops[:nr_ops]):
        return -EFAULT
    if not _probe_is_zero(arg, nr_ops):
        return -EINVAL
    ops = ctx.kernel.registry.ops
    arg.last_op = IORING_OP_LAST - 1
    for i in range(nr_ops):
        entry = arg.ops[i]
        entry.op = i
        if ops.get(i) is not None:
            entry.flags = IO_URING_OP_SUPPORTED
    arg.ops_len = nr_ops
    return 0


CORE_COMMANDS: dict[int, RegisterFn] = {
    IORING_REGISTER_ENABLE_RINGS: enable_rings,
    IORING_REGISTER_FILES: register_files,
    IORING_UNREGISTER_FILES: unregister_files,
    IORING_REGISTER_PROBE: probe,
    IORING_REGISTER_EVENTFD: register_eventfd,
    IORING_REGISTER_EVENTFD_ASYNC: register_eventfd_async,
    IORING_UNREGISTER_EVENTFD: unregister_eventfd,
    IORING_REGISTER_FILES_UPDATE: register_files_update,
    IORING_REGISTER_FILES2: register_files2,
    IORING_REGISTER_FILES_UPDATE2: register_files_update2,
    IORING_REGISTER_FILE_ALLOC_RANGE: register_file_alloc_range,
    IORING_REGISTER_RING_FDS: ringfd_register,
    IORING_UNREGISTER_RING_FDS: ringfd_unregister,
    IORING_REGISTER_IOWQ_MAX_WORKERS: register_iowq_max_workers,
    IORING_REGISTER_IOWQ_AFF: register_iowq_aff,
    IORING_UNREGISTER_IOWQ_AFF: unregister_iowq_aff,
    IORING_REGISTER_BUFFERS: register_buffers,
    IORING_UNREGISTER_BUFFERS: unregister_buffers,
    IORING_REGISTER_BUFFERS2: register_buffers2,
    IORING_REGISTER_BUFFERS_UPDATE: register_buffers_update,
    IORING_REGISTER_CLOCK: register_clock,
    IORING_REGISTER_CLONE_BUFFERS: register_clone_buffers,
    IORING_REGISTER_RESTRICTIONS: register_restrictions,
    IORING_REGISTER_PERSONALITY: register_personality,
    IORING_UNREGISTER_PERSONALITY: unregister_personality,
    IORING_REGISTER_RESIZE_RINGS: resize_rings,
    IORING_REGISTER_MEM_REGION: register_mem_region,
}


def io_uring_register(task: Task, fd: int, opcode: int, arg: object, nr_args: int) -> Generator[simpy.Event, Any, int]:
    """``SYSCALL_DEFINE4(io_uring_register)`` (io_uring/register.c): a core command or a plug-in's.

    In the kernel's order: the IORING_REGISTER_USE_REGISTERED_RING bit is taken
    off ``opcode``; an opcode past IORING_REGISTER_LAST is -EINVAL whatever the
    fd; fd -1 is a "blind" registration that names no ring
    (``io_uring_register_blind``: the commands plug-ins add for it, such as
    IORING_REGISTER_SEND_MSG_RING; IORING_REGISTER_QUERY is not modelled,
    and any other opcode there is -EINVAL); with the bit, ``fd`` indexes the task's registered rings
    (``io_uring_register_get_file``: -EINVAL past the table or without an
    io_uring context, -EBADF for an empty slot), else the fd table.
    """
    if not isinstance(opcode, int) or not isinstance(fd, int):
        return -EINVAL
    opcode &= U32
    use_registered = opcode & IORING_REGISTER_USE_REGISTERED_RING
    opcode &= ~IORING_REGISTER_USE_REGISTERED_RING
    if opcode >= IORING_REGISTER_LAST:
        return -EINVAL
    if fd & U32 == U32:
        blind = kernel_of(task.env).registry.blind_register_commands.get(opcode)
        return -EINVAL if blind is None else blind[1](task, arg, nr_args)
    ctx = registered_ring_of(task, fd) if use_registered else ring_of(task, fd)
    if isinstance(ctx, int):
        return ctx
    if ctx.flags & IORING_SETUP_SINGLE_ISSUER and ctx.submitter_task not in (None, task):
        return -EEXIST
    if ctx.restricted and ctx.restrictions is not None and opcode not in ctx.restrictions.register_ops:
        return -EACCES  # a restricted ring refuses the commands not allowed, before their own checks
    if opcode == IORING_REGISTER_FILES and arg is None:
        return -EFAULT  # __io_uring_register: the table is read from user memory, NULL faults
    handler = CORE_COMMANDS.get(opcode)
    if handler is None:
        entry = ctx.kernel.registry.register_commands.get(opcode)
        if entry is None:
            return -EINVAL
        handler = entry[1]
    ret = handler(task, ctx, arg, nr_args)
    if not isinstance(ret, int):  # a generator handler: it may block
        ret = yield from ret
    return int(ret)
