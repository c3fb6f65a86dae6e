"""POSIX system calls under their C names: the public import for workloads.

``from simuring.syscalls import *`` gives the calls (generators: ``yield from
close(fd)``) of :mod:`simuring.libc` and the POSIX constants of
:mod:`simuring.abi.posix`.  Each call returns what C returns: a count, 0, or a
negative errno; where C fills an array passed by pointer (``pipe(int
fds[2])``), the Python call fills the list it is given.
"""

from __future__ import annotations

from simuring.abi.io_uring import Timespec  # noqa: F401 - re-exported: <time.h>'s struct timespec
from simuring.abi.posix import (  # noqa: F401 - re-exported
    AF_LOCAL,
    AF_UNIX,
    EFD_CLOEXEC,
    EFD_NONBLOCK,
    EFD_SEMAPHORE,
    MAP_ANONYMOUS,
    MAP_PRIVATE,
    MAP_SHARED,
    MSG_DONTWAIT,
    MSG_NOSIGNAL,
    O_ACCMODE,
    O_APPEND,
    O_CLOEXEC,
    O_CREAT,
    O_DIRECT,
    O_EXCL,
    O_NONBLOCK,
    O_RDONLY,
    O_RDWR,
    O_TRUNC,
    O_WRONLY,
    PAGE_SIZE,
    PIPE_BUF,
    PROT_NONE,
    PROT_READ,
    PROT_WRITE,
    SEEK_CUR,
    SEEK_END,
    SEEK_SET,
    SOCK_CLOEXEC,
    SOCK_DGRAM,
    SOCK_NONBLOCK,
    SOCK_SEQPACKET,
    SOCK_STREAM,
)
from simuring.libc.compute import user_memcpy  # noqa: F401 - re-exported
from simuring.libc.eventfd import eventfd, eventfd_read, eventfd_write  # noqa: F401 - re-exported
from simuring.libc.fcntl import open  # noqa: F401 - re-exported
from simuring.libc.mman import mmap, munmap, shm_open, shm_unlink  # noqa: F401 - re-exported
from simuring.libc.sched import sched_yield  # noqa: F401 - re-exported
from simuring.libc.socket import recv, send, socketpair  # noqa: F401 - re-exported
from simuring.libc.time import nanosleep  # noqa: F401 - re-exported
from simuring.libc.unistd import (  # noqa: F401 - re-exported
    close,
    ftruncate,
    getpid,
    gettid,
    lseek,
    pipe,
    pipe2,
    read,
    write,
)

__all__ = [
    "O_RDONLY",
    "O_WRONLY",
    "O_RDWR",
    "O_ACCMODE",
    "O_CREAT",
    "O_EXCL",
    "O_TRUNC",
    "O_APPEND",
    "O_NONBLOCK",
    "O_DIRECT",
    "O_CLOEXEC",
    "EFD_SEMAPHORE",
    "EFD_NONBLOCK",
    "EFD_CLOEXEC",
    "AF_UNIX",
    "AF_LOCAL",
    "SOCK_STREAM",
    "SOCK_DGRAM",
    "SOCK_SEQPACKET",
    "SOCK_NONBLOCK",
    "SOCK_CLOEXEC",
    "MSG_DONTWAIT",
    "MSG_NOSIGNAL",
    "PIPE_BUF",
    "PAGE_SIZE",
    "PROT_NONE",
    "PROT_READ",
    "PROT_WRITE",
    "MAP_SHARED",
    "MAP_PRIVATE",
    "MAP_ANONYMOUS",
    "SEEK_SET",
    "SEEK_CUR",
    "SEEK_END",
    "Timespec",
    "close",
    "eventfd",
    "eventfd_read",
    "eventfd_write",
    "ftruncate",
    "getpid",
    "gettid",
    "lseek",
    "mmap",
    "munmap",
    "nanosleep",
    "open",
    "pipe",
    "pipe2",
    "read",
    "recv",
    "sched_yield",
    "send",
    "shm_open",
    "shm_unlink",
    "socketpair",
    "user_memcpy",
    "write",
]
