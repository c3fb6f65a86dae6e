"""The raw io_uring system calls (liburing's src/syscall.c).

``io_uring_setup(2)``, ``io_uring_enter(2)`` and ``io_uring_register(2)``
under their C names: generators (``yield from``) returning C's result, a
value or a negative errno.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.io_uring import Params
from simuring.host.current import current_sim, current_task
from simuring.kernel.enter import io_uring_enter as _kernel_enter
from simuring.kernel.register import io_uring_register as _kernel_register
from simuring.kernel.setup import io_uring_setup as _kernel_setup
from simuring.kernel.syscall import syscall
from simuring.libc.argcheck import need_int

Gen = Generator[Any, Any, int]


def io_uring_setup(entries: int, p: Params) -> Gen:
    """io_uring_setup(2): returns a ring fd or -errno; fills ``p``."""
    if not isinstance(p, Params):
        raise TypeError("io_uring_setup(entries, p): p must be a Params")
    task = current_task()
    kernel = current_sim().kernel
    return (yield from syscall("io_uring_setup", _kernel_setup(kernel, task, entries, p), task))


def io_uring_enter(fd: int, to_submit: int, min_complete: int, flags: int, sig: Any = None) -> Gen:
    """io_uring_enter(2) without EXT_ARG (``sig`` is a signal mask, not modelled)."""
    need_int("io_uring_enter", fd=fd, to_submit=to_submit, min_complete=min_complete, flags=flags)
    task = current_task()
    return (yield from syscall("io_uring_enter", _kernel_enter(task, fd, to_submit, min_complete, flags, None), task))


def io_uring_enter2(fd: int, to_submit: int, min_complete: int, flags: int, arg: Any = None, sz: int = 0) -> Gen:
    """io_uring_enter(2) with ``arg`` (a GeteventsArg when IORING_ENTER_EXT_ARG is set)."""
    need_int("io_uring_enter2", fd=fd, to_submit=to_submit, min_complete=min_complete, flags=flags)
    task = current_task()
    return (yield from syscall("io_uring_enter", _kernel_enter(task, fd, to_submit, min_complete, flags, arg), task))


def io_uring_register(fd: int, opcode: int, arg: Any, nr_args: int) -> Gen:
    """io_uring_register(2)."""
    need_int("io_uring_register", fd=fd, opcode=opcode, nr_args=nr_args)
    task = current_task()
    return (yield from syscall("io_uring_register", _kernel_register(task, fd, opcode, arg, nr_args), task))


def run_nonblocking(gen: Generator[Any, Any, int]) -> int:
    """Drive a kernel entry that cannot sleep, without letting simulated time pass."""
    try:
        gen.send(None)
    except StopIteration as stop:
        return int(stop.value)
    raise RuntimeError("a kernel entry expected not to block tried to sleep")
