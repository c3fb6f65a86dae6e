"""The C library, through ctypes, with C's result convention turned into ``-errno``.

Every wrapper returns what simuring's calls return: a count, 0, or a
negative errno (``ctypes.get_errno()`` read right after the call).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from ctypes import c_int, c_int64, c_long, c_size_t, c_ssize_t, c_uint, c_void_p
from typing import Any

_libc: Any = None


def libc() -> Any:
    """The loaded C library, its prototypes declared (loaded on first use)."""
    global _libc
    if _libc is None:
        lib = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        _declare(lib)
        _libc = lib
    return _libc


def _declare(lib: Any) -> None:
    proto = {
        "syscall": (c_long, None),  # variadic: callers pass c_long arguments
        "mmap": (c_void_p, [c_void_p, c_size_t, c_int, c_int, c_int, c_int64]),
        "munmap": (c_int, [c_void_p, c_size_t]),
        "pipe2": (c_int, [c_void_p, c_int]),
        "read": (c_ssize_t, [c_int, c_void_p, c_size_t]),
        "write": (c_ssize_t, [c_int, c_void_p, c_size_t]),
        "close": (c_int, [c_int]),
        "eventfd": (c_int, [c_uint, c_int]),
        "eventfd_read": (c_int, [c_int, c_void_p]),
        "eventfd_write": (c_int, [c_int, ctypes.c_uint64]),
        "epoll_create1": (c_int, [c_int]),
        "epoll_ctl": (c_int, [c_int, c_int, c_int, c_void_p]),
        "socketpair": (c_int, [c_int, c_int, c_int, c_void_p]),
        "send": (c_ssize_t, [c_int, c_void_p, c_size_t, c_int]),
        "recv": (c_ssize_t, [c_int, c_void_p, c_size_t, c_int]),
        "sendto": (c_ssize_t, [c_int, c_void_p, c_size_t, c_int, c_void_p, c_uint]),
        "recvfrom": (c_ssize_t, [c_int, c_void_p, c_size_t, c_int, c_void_p, c_void_p]),
        "socket": (c_int, [c_int, c_int, c_int]),
        "bind": (c_int, [c_int, c_void_p, c_uint]),
        "listen": (c_int, [c_int, c_int]),
        "connect": (c_int, [c_int, c_void_p, c_uint]),
        "accept4": (c_int, [c_int, c_void_p, c_void_p, c_int]),
        "getsockname": (c_int, [c_int, c_void_p, c_void_p]),
        "getpeername": (c_int, [c_int, c_void_p, c_void_p]),
        "getsockopt": (c_int, [c_int, c_int, c_int, c_void_p, c_void_p]),
        "setsockopt": (c_int, [c_int, c_int, c_int, c_void_p, c_uint]),
        "nanosleep": (c_int, [c_void_p, c_void_p]),
        "open": (c_int, [ctypes.c_char_p, c_int, c_uint]),
        "lseek": (c_int64, [c_int, c_int64, c_int]),
        "ftruncate": (c_int, [c_int, c_int64]),
        "mkdir": (c_int, [ctypes.c_char_p, c_uint]),
        "mknod": (c_int, [ctypes.c_char_p, c_uint, ctypes.c_uint64]),
        "mknodat": (c_int, [c_int, ctypes.c_char_p, c_uint, ctypes.c_uint64]),
        "mkfifo": (c_int, [ctypes.c_char_p, c_uint]),
        "mkfifoat": (c_int, [c_int, ctypes.c_char_p, c_uint]),
        "unlink": (c_int, [ctypes.c_char_p]),
        "rmdir": (c_int, [ctypes.c_char_p]),
        "readlink": (c_ssize_t, [ctypes.c_char_p, c_void_p, c_size_t]),
        "prlimit": (c_int, [c_int, c_int, c_void_p, c_void_p]),
        "inotify_init1": (c_int, [c_int]),
        "inotify_add_watch": (c_int, [c_int, ctypes.c_char_p, ctypes.c_uint32]),
        "inotify_rm_watch": (c_int, [c_int, c_int]),
        "fanotify_init": (c_int, [c_uint, c_uint]),
        "fanotify_mark": (c_int, [c_int, c_uint, ctypes.c_uint64, c_int, ctypes.c_char_p]),
    }
    for name, (restype, argtypes) in proto.items():
        fn = getattr(lib, name)
        fn.restype = restype
        if argtypes is not None:
            fn.argtypes = argtypes


def checked(ret: int) -> int:
    """C's ``-1`` + errno as ``-errno``; any other result unchanged."""
    if ret == -1:
        return -ctypes.get_errno()
    return int(ret)


def call(name: str, *args: Any) -> int:
    """Call ``name`` from the C library; the result as ``-errno`` on failure."""
    ctypes.set_errno(0)
    return checked(getattr(libc(), name)(*args))


MAP_FAILED = ctypes.c_void_p(-1).value


def mmap_address(addr: int, length: int, prot: int, flags: int, fd: int, offset: int) -> int:
    """mmap(2): the mapping's address, or ``-errno`` (MAP_FAILED)."""
    ctypes.set_errno(0)
    ret = libc().mmap(addr or None, length, prot, flags, fd, offset)
    if ret is None or ret == MAP_FAILED:
        return -ctypes.get_errno()
    return int(ret)


def raw_syscall(number: int, *args: int) -> int:
    """``syscall(2)`` with every argument passed as a C long; ``-errno`` on failure."""
    ctypes.set_errno(0)
    return checked(libc().syscall(c_long(number), *(c_long(a) for a in args)))
