"""POSIX constants with their Linux x86-64 values: ``fcntl.h`` (O_*), ``unistd.h``
(SEEK_*), ``limits.h`` (PIPE_BUF), ``sys/eventfd.h`` (EFD_*), ``sys/socket.h``
(AF_*, SOCK_*, MSG_*) and ``sys/mman.h`` (PROT_*, MAP_*, and the page size) and ``time.h`` (CLOCK_*).

:mod:`simuring.syscalls` re-exports them for workloads.
"""

from __future__ import annotations

O_RDONLY = 0o0
O_WRONLY = 0o1
O_RDWR = 0o2
O_ACCMODE = 0o3
O_CREAT = 0o100
O_EXCL = 0o200
O_TRUNC = 0o1000
O_APPEND = 0o2000
O_NONBLOCK = 0o4000
O_DIRECT = 0o40000
O_CLOEXEC = 0o2000000
EFD_SEMAPHORE = 1
EFD_NONBLOCK = O_NONBLOCK
EFD_CLOEXEC = O_CLOEXEC
AF_UNIX = 1
AF_LOCAL = AF_UNIX
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_SEQPACKET = 5
SOCK_NONBLOCK = O_NONBLOCK
SOCK_CLOEXEC = O_CLOEXEC
MSG_DONTWAIT = 0x40
MSG_NOSIGNAL = 0x4000
PIPE_BUF = 4096
PAGE_SIZE = 4096
PROT_NONE = 0
PROT_READ = 1
PROT_WRITE = 2
MAP_SHARED = 0x01
MAP_PRIVATE = 0x02
MAP_ANONYMOUS = 0x20
SEEK_SET = 0
SEEK_CUR = 1
SEEK_END = 2
CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1
CLOCK_BOOTTIME = 7

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
    "CLOCK_REALTIME",
    "CLOCK_MONOTONIC",
    "CLOCK_BOOTTIME",
]
