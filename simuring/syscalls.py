"""POSIX system calls under their C names: the public import for workloads.

``from simuring.syscalls import *`` gives the calls (generators: ``yield from
close(fd)``) of :mod:`simuring.libc` and the POSIX constants of
:mod:`simuring.abi.posix`.  Each call returns what C returns: a count, 0, or a
negative errno; where C fills an array passed by pointer (``pipe(int
fds[2])``), the Python call fills the list it is given.
"""

from __future__ import annotations

from simuring.abi import epoll as _epoll
from simuring.abi import posix as _posix
from simuring.abi.epoll import *  # noqa: F403 - re-exported: <sys/epoll.h>'s constants and struct epoll_event
from simuring.abi.io_uring import Timespec  # noqa: F401 - re-exported: <time.h>'s struct timespec
from simuring.abi.posix import *  # noqa: F403 - re-exported
from simuring.libc.compute import user_memcpy  # noqa: F401 - re-exported
from simuring.libc.epoll import epoll_create1, epoll_ctl  # noqa: F401 - re-exported
from simuring.libc.eventfd import eventfd, eventfd_read, eventfd_write  # noqa: F401 - re-exported
from simuring.libc.fanotify import fanotify_init, fanotify_mark  # noqa: F401 - re-exported
from simuring.libc.fcntl import open  # noqa: F401 - re-exported
from simuring.libc.inotify import inotify_add_watch, inotify_init1, inotify_rm_watch  # noqa: F401 - re-exported
from simuring.libc.mman import mmap, munmap, shm_open, shm_unlink  # noqa: F401 - re-exported
from simuring.libc.resource import getrlimit, prlimit, setrlimit  # noqa: F401 - re-exported
from simuring.libc.sched import sched_yield  # noqa: F401 - re-exported
from simuring.libc.socket import (  # noqa: F401 - re-exported
    accept4,
    bind,
    connect,
    getpeername,
    getsockname,
    getsockopt,
    listen,
    recv,
    recvfrom,
    send,
    sendto,
    setsockopt,
    socket,
    socketpair,
)
from simuring.libc.spin import SpinWord  # noqa: F401 - re-exported
from simuring.libc.stat import mkdir, mkfifo, mkfifoat, mknod, mknodat  # noqa: F401 - re-exported
from simuring.libc.time import clock_gettime, nanosleep  # noqa: F401 - re-exported
from simuring.libc.unistd import (  # noqa: F401 - re-exported
    close,
    ftruncate,
    getpid,
    gettid,
    lseek,
    pipe,
    pipe2,
    read,
    readlink,
    rmdir,
    unlink,
    write,
)

__all__: list[str] = [*_posix.__all__, *_epoll.__all__]
__all__ += [
    "Timespec",
    "close",
    "ftruncate",
    "getpid",
    "gettid",
    "lseek",
    "pipe",
    "pipe2",
    "read",
    "write",
    "user_memcpy",
    "SpinWord",
    "eventfd",
    "eventfd_read",
    "eventfd_write",
    "open",
    "mmap",
    "munmap",
    "shm_open",
    "shm_unlink",
    "sched_yield",
    "getrlimit",
    "setrlimit",
    "prlimit",
    "recv",
    "send",
    "socketpair",
    "socket",
    "bind",
    "listen",
    "connect",
    "accept4",
    "getsockname",
    "getpeername",
    "getsockopt",
    "setsockopt",
    "sendto",
    "recvfrom",
    "nanosleep",
    "clock_gettime",
    "epoll_create1",
    "epoll_ctl",
    "mkdir",
    "mknod",
    "mknodat",
    "mkfifo",
    "mkfifoat",
    "unlink",
    "rmdir",
    "readlink",
    "inotify_init1",
    "inotify_add_watch",
    "inotify_rm_watch",
    "fanotify_init",
    "fanotify_mark",
]
