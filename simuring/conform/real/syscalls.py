"""The three io_uring system calls, by number (io_uring_setup(2), io_uring_enter(2), io_uring_register(2))."""

from __future__ import annotations

from simuring.conform.real.abi import syscall_numbers
from simuring.conform.real.libc import call, raw_syscall
from simuring.errno import ENOSYS


def _nr(index: int) -> int | None:
    numbers = syscall_numbers()
    return None if numbers is None else numbers[index]


def setup(entries: int, params_addr: int) -> int:
    nr = _nr(0)
    return -ENOSYS if nr is None else raw_syscall(nr, entries, params_addr)


def enter(fd: int, to_submit: int, min_complete: int, flags: int, arg: int, argsz: int) -> int:
    nr = _nr(1)
    return -ENOSYS if nr is None else raw_syscall(nr, fd, to_submit, min_complete, flags, arg, argsz)


def register(fd: int, opcode: int, arg: int, nr_args: int) -> int:
    nr = _nr(2)
    return -ENOSYS if nr is None else raw_syscall(nr, fd, opcode, arg, nr_args)


def close(fd: int) -> int:
    return call("close", fd)
