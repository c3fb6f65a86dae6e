"""``<sys/stat.h>``: mkdir(2), mknod(2), mknodat(2), mkfifo(3) and mkfifoat(3) on the kernel's
in-memory file system."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Final

from simuring.abi.errno import EINVAL
from simuring.abi.limits import U32, U64
from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_int, need_str
from simuring.libc.cint import CInt


def mkdir(path: str, mode: CInt = 0o777) -> Generator[Any, Any, int]:
    """mkdir(2) (glibc: mkdirat(AT_FDCWD, ...)): 0 or -errno (-EEXIST, -ENOENT, -ENOTDIR);
    ``mode`` is accepted and ignored (no permission model)."""
    need_str(path, "mkdir", "path")
    need_int("mkdir", mode=mode)
    return (yield from syscall("mkdirat", -100, path, mode))


AT_FDCWD: Final = -100
S_IFIFO: Final = 0o010000


def mknodat(dirfd: CInt, path: str, mode: CInt, dev: CInt) -> Generator[Any, Any, int]:
    """mknodat(2): make a FIFO (S_IFIFO), a character or block device node, a socket node or an
    empty regular file (S_IFREG or type 0) named ``path`` (relative to the directory ``dirfd``);
    0 or -errno (-EEXIST, -ENOENT, -ENOTDIR; -EPERM for S_IFDIR, -EINVAL for another type).
    The permission bits lose the umask (022)."""
    need_str(path, "mknodat", "path")
    need_int("mknodat", dirfd=dirfd, mode=mode, dev=dev)
    if dev & U64 > U32:
        return -EINVAL  # glibc: a dev_t the kernel's unsigned int cannot hold
    return (yield from syscall("mknodat", dirfd, path, mode, dev))


def mknod(path: str, mode: CInt, dev: CInt) -> Generator[Any, Any, int]:
    """mknod(2) (glibc: mknodat(AT_FDCWD, ...))."""
    need_str(path, "mknod", "path")
    need_int("mknod", mode=mode, dev=dev)
    if dev & U64 > U32:
        return -EINVAL
    return (yield from syscall("mknodat", AT_FDCWD, path, mode, dev))


def mkfifoat(dirfd: CInt, path: str, mode: CInt) -> Generator[Any, Any, int]:
    """mkfifoat(3) (glibc: mknodat(dirfd, path, mode | S_IFIFO, 0)): a FIFO (named pipe)."""
    need_str(path, "mkfifoat", "path")
    need_int("mkfifoat", dirfd=dirfd, mode=mode)
    return (yield from syscall("mknodat", dirfd, path, mode | S_IFIFO, 0))


def mkfifo(path: str, mode: CInt) -> Generator[Any, Any, int]:
    """mkfifo(3) (glibc: mknodat(AT_FDCWD, path, mode | S_IFIFO, 0)): a FIFO (named pipe)."""
    need_str(path, "mkfifo", "path")
    need_int("mkfifo", mode=mode)
    return (yield from syscall("mknodat", AT_FDCWD, path, mode | S_IFIFO, 0))
