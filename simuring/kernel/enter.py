"""``io_uring_enter(2)``: submit SQEs and/or wait for completions.

Follows ``SYSCALL_DEFINE6(io_uring_enter)`` in io_uring/io_uring.c:

* unknown ``flags`` bits: -EINVAL; ``to_submit`` and ``min_complete`` are
  u32 (a Python -1 is 2^32-1);
* the ring: with IORING_ENTER_REGISTERED_RING ``fd`` indexes the task's
  registered-ring table (:mod:`simuring.kernel.tctx`; no io_uring context
  yet, or an index past the table: -EINVAL; an empty slot: -EBADF),
  otherwise the fd table (not open: -EBADF; not a ring: -EOPNOTSUPP), by
  ``fget``, whose reference costs ``syscall.fd_ref_ns`` in any process (the
  saving a registered ring fd brings: 25-40 ns a call on a Zen 5 guest); a
  ring still IORING_SETUP_R_DISABLED: -EBADFD;
* SQPOLL rings: IORING_ENTER_SQ_WAKEUP wakes the sleeping SQ thread;
  IORING_ENTER_SQ_WAIT then sleeps while the SQ is full
  (``io_sqpoll_wait_sq``); the call returns ``to_submit`` and submits
  nothing itself (without SQPOLL both flags are ignored);
* otherwise ``to_submit`` SQEs are consumed (``io_submit_sqes``); a
  SINGLE_ISSUER ring refuses a task other than its owner with -EEXIST.  If
  fewer than ``to_submit`` were consumed the call returns at once, without
  waiting;
* on an IOPOLL ring without SQPOLL (``ctx->syscall_iopoll``) GETEVENTS only
  checks the EXT_ARG argument (``io_validate_ext_arg``) and polls
  (:func:`simuring.kernel.wait.iopoll_check`): the model has no pollable
  requests, so it runs pending work and returns 0 without sleeping, however
  few CQEs there are;
* otherwise IORING_ENTER_GETEVENTS reads the wait argument (``io_get_ext_arg``):
  with IORING_ENTER_EXT_ARG, ``arg`` is a ``struct io_uring_getevents_arg``
  and ``argsz`` must be its size (:data:`GETEVENTS_ARG_SIZE`, else -EINVAL); a
  NULL ``arg`` (None) is -EFAULT.  Its ``ts`` bounds the wait (-ETIME when the
  CQ is still empty, else 0); the kernel does not range-check it, so a
  negative one is a deadline already past.  It is relative, or with IORING_ENTER_ABS_TIMER an
  absolute instant of the ring's clock (CLOCK_MONOTONIC); ``min_wait_usec`` is a minimum
  wait (:func:`simuring.kernel.wait.cqring_wait`).  With IORING_ENTER_EXT_ARG_REG
  ``arg`` is instead a byte offset into the ring's registered wait region
  (IORING_REGISTER_MEM_REGION, :func:`simuring.kernel.memmap.reg_wait_arg`)
  whose ``struct io_uring_reg_wait`` gives the same bounds.  The wait is for
  ``min(min_complete, cq_entries)`` CQEs;
* the result is the number consumed, or if that is 0 the wait's result
  (an error reading the wait argument included).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from simuring.abi.errno import EBADF, EBADFD, EEXIST, EFAULT, EINVAL, EOPNOTSUPP
from simuring.abi.io_uring import (
    GETEVENTS_ARG_SIZE,
    IORING_ENTER_ABS_TIMER,
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_EXT_ARG_REG,
    IORING_ENTER_GETEVENTS,
    IORING_ENTER_NO_IOWAIT,
    IORING_ENTER_REGISTERED_RING,
    IORING_ENTER_SQ_WAIT,
    IORING_ENTER_SQ_WAKEUP,
    IORING_REG_WAIT_TS,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_SETUP_SQPOLL,
    GeteventsArg,
    Timespec,
)
from simuring.abi.limits import U32
from simuring.abi.regions import REG_WAIT_SIZE
from simuring.kernel import kernel_of
from simuring.kernel.clock import monotonic_ns
from simuring.kernel.files import files_of
from simuring.kernel.memmap import reg_wait_arg
from simuring.kernel.setup import RingFile
from simuring.kernel.taskwork import IO_LOCAL_TW_DEFAULT_MAX, run_local_work
from simuring.kernel.tctx import IO_RINGFD_REG_MAX, add_tctx, tctx_of
from simuring.kernel.wait import cqring_wait, iopoll_check, wait_satisfied

if TYPE_CHECKING:
    import simpy

    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx

ENTER_FLAGS: Final = (
    IORING_ENTER_GETEVENTS
    | IORING_ENTER_SQ_WAKEUP
    | IORING_ENTER_SQ_WAIT
    | IORING_ENTER_EXT_ARG
    | IORING_ENTER_REGISTERED_RING
    | IORING_ENTER_ABS_TIMER
    | IORING_ENTER_EXT_ARG_REG
    | IORING_ENTER_NO_IOWAIT
)
"""The enter flags Linux 6.18 knows; others are -EINVAL.

IORING_ENTER_NO_IOWAIT only changes iowait accounting, which the model has
none of: it is accepted and has no effect.  IORING_ENTER_EXT_ARG_REG names a
wait argument inside a registered wait region (IORING_REGISTER_MEM_REGION):
see :func:`get_ext_arg`."""

def s32(value: int) -> int:
    """A u32 read as a C ``int``."""
    return value - (1 << 32) if value >= 1 << 31 else value


def ring_of(task: Task, fd: int) -> RingCtx | int:
    file = files_of(task.process).get(fd)
    if file is None:
        return -EBADF
    if not isinstance(file, RingFile):
        return -EOPNOTSUPP
    return file.ctx


def registered_ring_of(task: Task, index: int) -> RingCtx | int:
    """IORING_ENTER_REGISTERED_RING: ``fd`` is an index into the task's
    registered-ring table (``tctx->registered_rings``)."""
    tctx = tctx_of(kernel_of(task.env), task)
    if tctx is None or not isinstance(index, int) or not 0 <= index < IO_RINGFD_REG_MAX:
        return -EINVAL  # the fd is unsigned in C: a negative index is past the table too
    file = tctx.registered_rings[index]
    if not isinstance(file, RingFile):
        return -EBADF
    return file.ctx


class WaitArg(NamedTuple):
    """What ``io_get_ext_arg`` reads for the wait: its bounds in ns."""

    timeout_ns: int | None  # from now; None: no limit
    min_wait_ns: int  # the minimum wait (``min_wait_usec``); 0: none
    sig_error: int = 0  # set_user_sigmask's answer for the wait's signal mask (a wrong size: -EINVAL)


NO_WAIT_ARG: Final = WaitArg(None, 0)
SIGSET_SIZE: Final = 8
"""sizeof(sigset_t) (``_NSIG / 8``): the only signal mask size ``set_user_sigmask`` accepts."""


def get_ext_arg(task: Task, ctx: RingCtx, flags: int, arg: object, argsz: object) -> WaitArg | int:
    """``io_get_ext_arg``: the wait's bounds, or -errno.

    Without IORING_ENTER_EXT_ARG ``arg`` is a signal mask (not modelled) and
    the wait is unbounded (IORING_ENTER_EXT_ARG_REG is then ignored).  With
    it, ``argsz`` must be sizeof(struct io_uring_getevents_arg) (-EINVAL) and
    ``arg`` readable (None: -EFAULT).  With IORING_ENTER_EXT_ARG_REG too,
    ``argsz`` must be sizeof(struct io_uring_reg_wait) (-EINVAL) and ``arg``
    is a byte offset into the ring's registered wait region, read by
    :func:`~simuring.kernel.memmap.reg_wait_arg` (-EFAULT, -EINVAL); its
    ``ts`` (with IORING_REG_WAIT_TS) and ``min_wait_usec`` bound the wait as
    the getevents argument's do; a signal mask whose ``sigmask_sz`` is not
    sizeof(sigset_t) makes a wait that has to sleep -EINVAL (``set_user_sigmask``;
    the mask itself is not modelled, nor the getevents argument's).
    """
    if not flags & IORING_ENTER_EXT_ARG:
        return NO_WAIT_ARG
    if flags & IORING_ENTER_EXT_ARG_REG:
        if argsz != REG_WAIT_SIZE:
            return -EINVAL
        w = reg_wait_arg(ctx, arg)
        if isinstance(w, int):
            return w
        bounds = wait_bounds(task, flags, Timespec(w.tv_sec, w.tv_nsec) if w.flags & IORING_REG_WAIT_TS else None, w.min_wait_usec)
        return bounds._replace(sig_error=-EINVAL) if w.sigmask and w.sigmask_sz != SIGSET_SIZE else bounds
    if argsz != GETEVENTS_ARG_SIZE:
        return -EINVAL
    if not isinstance(arg, GeteventsArg):
        return -EFAULT  # NULL, or not a struct io_uring_getevents_arg: nothing the kernel can read
    min_wait_usec = arg.min_wait_usec
    if not isinstance(min_wait_usec, int) or not 0 <= min_wait_usec <= U32:
        return -EFAULT  # a __u32 field: a Python value no C program could store there
    ts = arg.ts
    if ts is not None and not isinstance(ts, Timespec):
        return -EFAULT  # get_timespec64 cannot read it
    return wait_bounds(task, flags, ts, min_wait_usec)


def wait_bounds(task: Task, flags: int, ts: Timespec | None, min_wait_usec: int) -> WaitArg:
    """The wait's bounds from a timeout (None: none) and a minimum wait in µs, as
    ``io_cqring_wait`` uses them: the timeout is relative, or with IORING_ENTER_ABS_TIMER an
    instant of the ring's clock (CLOCK_MONOTONIC or CLOCK_BOOTTIME, one clock here,
    :func:`~simuring.kernel.clock.monotonic_ns`); it is not range-checked
    (``timespec64_to_ktime``): a negative one, or one before now, is already past."""
    if ts is None:
        return WaitArg(None, min_wait_usec * 1000)
    timeout_ns = ts.to_ns()
    if flags & IORING_ENTER_ABS_TIMER:
        timeout_ns = max(0, timeout_ns - monotonic_ns(task.now()))
    return WaitArg(timeout_ns, min_wait_usec * 1000)


def validate_ext_arg(flags: int, arg: object, argsz: object) -> int:
    """``io_validate_ext_arg``: on a polled ring the EXT_ARG argument is only
    checked (EXT_ARG_REG: -EINVAL; a wrong size: -EINVAL; unreadable: -EFAULT),
    its timeout never applies."""
    if not flags & IORING_ENTER_EXT_ARG:
        return 0
    if flags & IORING_ENTER_EXT_ARG_REG or argsz != GETEVENTS_ARG_SIZE:
        return -EINVAL
    if not isinstance(arg, GeteventsArg):
        return -EFAULT
    return 0


def check_submitter(task: Task, ctx: RingCtx) -> int:
    """``__io_uring_add_tctx_node_from_submit``: SINGLE_ISSUER owner check."""
    if ctx.flags & IORING_SETUP_SINGLE_ISSUER and ctx.submitter_task is not task:
        return -EEXIST
    return 0


def io_uring_enter(
    task: Task, fd: int, to_submit: int, min_complete: int, flags: int, arg: object = None, argsz: object = 0
) -> Generator[simpy.Event, Any, int]:
    """``SYSCALL_DEFINE6(io_uring_enter)`` (io_uring/io_uring.c), as the module docstring lists."""
    if not isinstance(flags, int) or flags & ~ENTER_FLAGS:
        return -EINVAL
    # the counts are u32 in the syscall: -1 is 2^32-1 (everything queued; a full CQ)
    if isinstance(to_submit, int):
        to_submit &= U32
    if isinstance(min_complete, int):
        min_complete &= U32
    if flags & IORING_ENTER_REGISTERED_RING:
        ctx = registered_ring_of(task, fd)
    else:
        ctx = ring_of(task, fd)
        if not isinstance(ctx, int):
            # fget/fput, not fdget: a reference even in a single-threaded process,
            # which only a registered ring fd saves (IORING_REGISTER_RING_FDS)
            task.charge(task.sched.syscall_costs.fd_ref_ns)
    if isinstance(ctx, int):
        return ctx
    if ctx.disabled:
        return -EBADFD
    ret = 0
    if ctx.flags & IORING_SETUP_SQPOLL:
        if ctx.sqpoll is not None:
            if flags & IORING_ENTER_SQ_WAKEUP:
                ctx.sqpoll.wakeup(task)
            if flags & IORING_ENTER_SQ_WAIT:
                yield from ctx.sqpoll.wait_sq(task, ctx)
        ret = to_submit
    elif to_submit:
        err = check_submitter(task, ctx)
        if err:
            return err
        add_tctx(ctx.kernel, task, ctx)  # io_uring_add_tctx_node: the submitter gets its io_uring context
        ret = ctx.kernel.submitter.submit_sqes(task, ctx, to_submit)
        if ret != to_submit:
            return ret
        if flags & IORING_ENTER_GETEVENTS and ctx.local_work and ctx.flags & IORING_SETUP_DEFER_TASKRUN and not ctx.syscall_iopoll:
            # io_run_local_work_locked: at most max(IO_LOCAL_TW_DEFAULT_MAX, min_complete) items
            # (its min_events is an int: a min_complete of 2^31 or more is negative there)
            wanted = s32(min_complete) if isinstance(min_complete, int) else 0
            run_local_work(task, ctx, wanted, max(IO_LOCAL_TW_DEFAULT_MAX, wanted))
    if flags & IORING_ENTER_GETEVENTS:
        if ctx.syscall_iopoll:
            ret2 = validate_ext_arg(flags, arg, argsz) or iopoll_check(task, ctx, min_complete)
            return ret or ret2
        wait = get_ext_arg(task, ctx, flags, arg, argsz)
        if isinstance(wait, int):
            return ret or wait
        min_complete = min(max(0, min_complete), ctx.cq_entries)
        if ctx.tracer.enabled:
            ctx.trace_rings(task.now())  # the CQ as the wait finds it (user space moved its head)
        if wait_satisfied(task, ctx, min_complete):
            return ret  # cqring_wait() would return 0 at once: skip creating its generator
        ret2 = yield from cqring_wait(task, ctx, min_complete, wait.timeout_ns, wait.min_wait_ns, wait.sig_error)
        if not ret:
            ret = ret2
    return ret
