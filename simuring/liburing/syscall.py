"""The raw io_uring system calls (liburing's src/syscall.c and syscall.h).

``io_uring_setup(2)``, ``io_uring_enter(2)`` and ``io_uring_register(2)``
under their C names: generators (``yield from``) returning C's result, a
value or a negative errno.  Each checks its arguments' Python types and
enters the kernel through :func:`simuring.kernel.sys.syscall`, by name.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.io_uring import Params
from simuring.kernel.sys import SharedRings, syscall
from simuring.libc.argcheck import need_int
from simuring.libc.cint import CInt

Gen = Generator[Any, Any, int]


def io_uring_setup(entries: CInt, p: Params) -> Gen:
    """io_uring_setup(2): returns a ring fd or -errno; fills ``p``."""
    if not isinstance(p, Params):
        raise TypeError("io_uring_setup(entries, p): p must be a Params")
    return (yield from syscall("io_uring_setup", entries, p))


def io_uring_enter(fd: CInt, to_submit: CInt, min_complete: CInt, flags: CInt, sig: Any = None) -> Gen:
    """io_uring_enter(2) without EXT_ARG (``sig`` is a signal mask, not modelled)."""
    need_int("io_uring_enter", fd=fd, to_submit=to_submit, min_complete=min_complete, flags=flags)
    return (yield from syscall("io_uring_enter", fd, to_submit, min_complete, flags, None))


def io_uring_enter2(fd: CInt, to_submit: CInt, min_complete: CInt, flags: CInt, arg: Any = None, sz: CInt = 0) -> Gen:
    """io_uring_enter(2) with ``arg`` and its size ``sz``: with IORING_ENTER_EXT_ARG a
    GeteventsArg and ``GETEVENTS_ARG_SIZE`` (``sizeof(struct io_uring_getevents_arg)``),
    which the kernel checks."""
    need_int("io_uring_enter2", fd=fd, to_submit=to_submit, min_complete=min_complete, flags=flags, sz=sz)
    return (yield from syscall("io_uring_enter", fd, to_submit, min_complete, flags, arg, sz))


def io_uring_register(fd: CInt, opcode: CInt, arg: Any, nr_args: CInt) -> Gen:
    """io_uring_register(2)."""
    need_int("io_uring_register", fd=fd, opcode=opcode, nr_args=nr_args)
    return (yield from syscall("io_uring_register", fd, opcode, arg, nr_args))


def mmap_rings(fd: int) -> Generator[Any, Any, SharedRings | int]:
    """``__sys_mmap`` of the ring fd at the SQ ring, CQ ring and SQE offsets
    (what setup.c's ``io_uring_mmap`` does): the shared ring memory or -errno.
    The model's io_uring_setup cost includes these mappings."""
    return (yield from syscall("io_uring_mmap", fd))


def enter_now(fd: int, to_submit: int, min_complete: int, flags: int) -> int:
    """io_uring_enter(2) from a plain call, for an entry that cannot sleep (a
    GETEVENTS flush): it runs at once and its CPU time joins the task's next burst."""
    return run_nonblocking(syscall("io_uring_enter", fd, to_submit, min_complete, flags, None, flush=False))


def run_nonblocking(gen: Generator[Any, Any, int]) -> int:
    """Drive a kernel entry that cannot sleep, without letting simulated time pass."""
    try:
        gen.send(None)
    except StopIteration as stop:
        return int(stop.value)
    raise RuntimeError("a kernel entry expected not to block tried to sleep")
