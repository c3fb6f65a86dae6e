"""``<unistd.h>``: close, read, write, lseek, ftruncate, pipe, pipe2, getpid, gettid, unlink, rmdir, readlink.

Each is a generator (``yield from close(fd)``) that checks its arguments'
Python types (a misuse raises TypeError naming the argument) and enters the
kernel once, returning what C returns: a count, 0, or a negative errno.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_buffer, need_int, need_list, need_str
from simuring.libc.cint import CInt, CIntArray

Gen = Generator[Any, Any, int]


def close(fd: CInt) -> Gen:
    """close(2): drop the descriptor; the object goes when its last reference does."""
    need_int("close", fd=fd)
    return (yield from syscall("close", fd))


def read(fd: CInt, buf: Any, count: CInt) -> Gen:
    """read(2) into ``buf``: a count, 0 at end of file, or -errno; blocks unless O_NONBLOCK.

    ``buf`` is a bytearray or memoryview (``None`` is NULL); ``count`` may
    not exceed it (-EFAULT, the model's page fault).
    """
    need_int("read", fd=fd, count=count)
    need_buffer(buf, "read")
    return (yield from syscall("read", fd, buf, count))


def write(fd: CInt, buf: Any, count: CInt) -> Gen:
    """write(2) from ``buf`` (``bytes`` too): a count or -errno; blocks until all
    is written unless O_NONBLOCK."""
    need_int("write", fd=fd, count=count)
    need_buffer(buf, "write")
    return (yield from syscall("write", fd, buf, count))


def lseek(fd: CInt, offset: CInt, whence: CInt) -> Gen:
    """lseek(2) on a regular file: the new position or -errno (-ESPIPE for streams)."""
    need_int("lseek", fd=fd, offset=offset, whence=whence)
    return (yield from syscall("lseek", fd, offset, whence))


def ftruncate(fd: CInt, length: CInt) -> Gen:
    """ftruncate(2) of a shared memory object or a regular file."""
    need_int("ftruncate", fd=fd, length=length)
    return (yield from syscall("ftruncate", fd, length))


def pipe2(fds: CIntArray, flags: CInt) -> Gen:
    """pipe2(2): ``fds[0]`` the read end, ``fds[1]`` the write end; flags O_NONBLOCK, O_CLOEXEC."""
    need_int("pipe2", flags=flags)
    need_list(fds, "pipe2")
    return (yield from syscall("pipe2", fds, flags))


def pipe(fds: CIntArray) -> Gen:
    """pipe(2): ``pipe2(fds, 0)``."""
    return (yield from pipe2(fds, 0))


def getpid() -> Gen:
    """getpid(2): the process id."""
    return (yield from syscall("getpid"))


def gettid() -> Gen:
    """gettid(2): the thread id."""
    return (yield from syscall("gettid"))


AT_FDCWD = -100
AT_REMOVEDIR = 0x200


def unlink(path: str) -> Gen:
    """unlink(2) (glibc: unlinkat(AT_FDCWD, path, 0)): remove a name that is not a directory."""
    need_str(path, "unlink", "path")
    return (yield from syscall("unlinkat", AT_FDCWD, path, 0))


def rmdir(path: str) -> Gen:
    """rmdir(2) (glibc: unlinkat(AT_FDCWD, path, AT_REMOVEDIR)): remove an empty directory."""
    need_str(path, "rmdir", "path")
    return (yield from syscall("unlinkat", AT_FDCWD, path, AT_REMOVEDIR))


def readlink(path: str, buf: Any, bufsiz: CInt) -> Gen:
    """readlink(2) (glibc: readlinkat(AT_FDCWD, ...)): the symbolic link's target copied into
    ``buf`` (a bytearray; no NUL added), at most ``bufsiz`` bytes; the count or -errno."""
    need_str(path, "readlink", "path")
    need_int("readlink", bufsiz=bufsiz)
    need_buffer(buf, "readlink")
    return (yield from syscall("readlinkat", AT_FDCWD, path, buf, bufsiz))
