"""The POSIX calls of :mod:`simuring.syscalls`, with the same Python signatures, on the real kernel.

``pipe(fds)`` fills the list it is given, ``eventfd_read(fd, value)`` fills
``value[0]``, results are a count, 0 or ``-errno``.  ``open`` resolves its
path inside a private temporary directory (simuring's file system is an
in-memory one whose paths mean nothing on the host).  A buffer shorter than
the count asked for is undefined behaviour in C; here it raises ValueError
rather than let the kernel touch memory Python owns.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import resource
import select
import socket
import stat
from pathlib import Path
from typing import Any

from simuring.abi.posix import Sockaddr, SockaddrUn
from simuring.conform.real import rlimit
from simuring.conform.real.libc import call
from simuring.conform.real.memory import Pins, buffer_len
from simuring.conform.real.mman import Mappings

#: The constants that simuring.syscalls exports, with the host's values.
CONSTANTS: dict[str, int] = {
    "AF_UNIX": socket.AF_UNIX,
    "AF_LOCAL": socket.AF_UNIX,
    "AF_INET": socket.AF_INET,
    "AF_INET6": socket.AF_INET6,
    "AF_UNSPEC": socket.AF_UNSPEC,
    "IPPROTO_TCP": socket.IPPROTO_TCP,
    "IPPROTO_UDP": socket.IPPROTO_UDP,
    "IPPROTO_IPV6": socket.IPPROTO_IPV6,
    "SOCK_STREAM": socket.SOCK_STREAM,
    "SOCK_DGRAM": socket.SOCK_DGRAM,
    "SOCK_SEQPACKET": socket.SOCK_SEQPACKET,
    "SOCK_NONBLOCK": socket.SOCK_NONBLOCK,
    "SOCK_CLOEXEC": socket.SOCK_CLOEXEC,
    "MSG_DONTWAIT": socket.MSG_DONTWAIT,
    "MSG_NOSIGNAL": socket.MSG_NOSIGNAL,
    "EFD_CLOEXEC": os.EFD_CLOEXEC,
    "EFD_NONBLOCK": os.EFD_NONBLOCK,
    "EFD_SEMAPHORE": os.EFD_SEMAPHORE,
    "O_RDONLY": os.O_RDONLY,
    "O_WRONLY": os.O_WRONLY,
    "O_RDWR": os.O_RDWR,
    "O_ACCMODE": 3,
    "O_CREAT": os.O_CREAT,
    "O_EXCL": os.O_EXCL,
    "O_TRUNC": os.O_TRUNC,
    "O_APPEND": os.O_APPEND,
    "O_NONBLOCK": os.O_NONBLOCK,
    "O_CLOEXEC": os.O_CLOEXEC,
    "O_DIRECT": getattr(os, "O_DIRECT", 0o40000),
    "O_PATH": os.O_PATH,
    "O_NOFOLLOW": os.O_NOFOLLOW,
    "RLIMIT_NOFILE": resource.RLIMIT_NOFILE,
    "RLIM_INFINITY": resource.RLIM_INFINITY & 0xFFFF_FFFF_FFFF_FFFF,
    "SEEK_SET": os.SEEK_SET,
    "SEEK_CUR": os.SEEK_CUR,
    "SEEK_END": os.SEEK_END,
    "PIPE_BUF": 4096,
    "S_IFMT": 0o170000,  # stat.S_IFMT is a function
    **{name: getattr(stat, name) for name in ("S_IFSOCK", "S_IFREG", "S_IFBLK", "S_IFDIR", "S_IFCHR", "S_IFIFO")},
    **{name: getattr(select, name) for name in (
        "EPOLLIN", "EPOLLPRI", "EPOLLOUT", "EPOLLERR", "EPOLLHUP", "EPOLLRDNORM", "EPOLLWRNORM",
        "EPOLLRDHUP", "EPOLLEXCLUSIVE", "EPOLLONESHOT", "EPOLLET",
    )},
    "EPOLL_CLOEXEC": os.O_CLOEXEC,
    "EPOLL_CTL_ADD": 1,
    "EPOLL_CTL_DEL": 2,
    "EPOLL_CTL_MOD": 3,
    **{name: getattr(mmap, name) for name in ("PROT_READ", "PROT_WRITE", "MAP_SHARED", "MAP_PRIVATE", "MAP_ANONYMOUS")},
}


def _buf(pins: Pins, buf: Any, count: int, what: str) -> int:
    if buf is None:
        return 0
    if count > buffer_len(buf):
        raise ValueError(f"{what}: count {count} exceeds the {buffer_len(buf)}-byte buffer (undefined behaviour in C)")
    return pins.address(buf)


def sockaddr_un(pins: Pins, addr: Any, addrlen: int) -> int:
    """The address of a socket address for bind(2), connect(2), accept4(2), getsockname(2): a
    :class:`~simuring.abi.posix.SockaddrUn`'s 110 bytes used in place (``sun_family`` as a
    native u16, then ``sun_path``), checked against the C layout; a ``SockaddrIn`` /
    ``SockaddrIn6``'s 16 / 28 bytes in place (their layout is the C one: family, port,
    address); another buffer as it is."""
    if isinstance(addr, SockaddrUn):
        view = CSockaddrUn.from_buffer(addr.raw)
        assert view.sun_family == addr.sun_family
        return pins.keep(view)
    if isinstance(addr, Sockaddr):
        return pins.address(addr)
    return _buf(pins, addr, max(0, min(addrlen, 128)), "sockaddr")


class CSockaddrUn(ctypes.Structure):
    """``struct sockaddr_un`` (sys/un.h)."""

    _fields_ = [("sun_family", ctypes.c_ushort), ("sun_path", ctypes.c_char * 108)]


def _open_fds() -> set[int]:
    """The descriptors this process has open now."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return set()
    return {int(n) for n in names if n.isdigit()}


def _fill(out: list[int], arr: Any) -> None:
    out[:2] = [arr[0], arr[1]]


class Posix:
    """The calls, bound to one scenario run (its temporary directory and its fds)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.opened: set[int] = set()
        self.mappings = Mappings()
        self.baseline = (
            _open_fds()
        )  # a descriptor a CQE gave (SOCKET, ACCEPT) is closed afterwards too

    def track(self, *fds: int) -> None:
        self.opened.update(fd for fd in fds if fd >= 0)

    def close_leftovers(self) -> None:
        """Close every fd the scenario opened and did not close: those of the calls above, and
        any other the process did not have when the scenario began (the descriptors an io_uring
        request created and handed back in a CQE).  The mappings it left are unmapped first."""
        self.mappings.unmap_all()
        for fd in sorted(self.opened | (_open_fds() - self.baseline)):
            call("close", fd)
        self.opened.clear()

    def mmap(self, addr: Any, length: int, prot: int, flags: int, fd: int, offset: int) -> Any:
        return self.mappings.mmap(addr, length, prot, flags, fd, offset)

    def munmap(self, addr: Any, length: int) -> int:
        return self.mappings.munmap(addr, length)

    def pipe2(self, fds: list[int], flags: int) -> int:
        arr = (ctypes.c_int * 2)()
        ret = call("pipe2", arr, flags)
        if ret == 0:
            _fill(fds, arr)
            self.track(arr[0], arr[1])
        return ret

    def pipe(self, fds: list[int]) -> int:
        return self.pipe2(fds, 0)

    def read(self, fd: int, buf: Any, count: int) -> int:
        pins = Pins()
        if isinstance(buf, (bytes,)) or (isinstance(buf, memoryview) and buf.readonly):
            raise ValueError("read: the buffer is read-only (undefined behaviour in C)")
        return call("read", fd, _buf(pins, buf, count, "read"), count)

    def write(self, fd: int, buf: Any, count: int) -> int:
        pins = Pins()
        return call("write", fd, _buf(pins, buf, count, "write"), count)

    def close(self, fd: int) -> int:
        ret = call("close", fd)
        if ret == 0:
            self.opened.discard(fd)
        return ret

    def eventfd(self, initval: int, flags: int) -> int:
        fd = call("eventfd", initval, flags)
        self.track(fd)
        return fd

    def eventfd_read(self, fd: int, value: list[int]) -> int:
        v = ctypes.c_uint64()
        ret = call("eventfd_read", fd, ctypes.byref(v))
        if ret == 0:
            value[:1] = [v.value]
        return ret

    def eventfd_write(self, fd: int, value: int) -> int:
        return call("eventfd_write", fd, value & 0xFFFF_FFFF_FFFF_FFFF)

    def epoll_create1(self, flags: int) -> int:
        fd = call("epoll_create1", flags)
        self.track(fd)
        return fd

    def epoll_ctl(self, epfd: int, op: int, fd: int, event: Any) -> int:
        pins = Pins()
        ptr = 0 if event is None else _buf(pins, event, 12, "epoll_ctl")  # sizeof(struct epoll_event)
        return call("epoll_ctl", epfd, op, fd, ptr)

    def socketpair(self, domain: int, type: int, protocol: int, sv: list[int]) -> int:
        arr = (ctypes.c_int * 2)()
        ret = call("socketpair", domain, type, protocol, arr)
        if ret == 0:
            _fill(sv, arr)
            self.track(arr[0], arr[1])
        return ret

    def send(self, fd: int, buf: Any, len: int, flags: int) -> int:
        pins = Pins()
        return call("send", fd, _buf(pins, buf, len, "send"), len, flags)

    def recv(self, fd: int, buf: Any, len: int, flags: int) -> int:
        pins = Pins()
        return call("recv", fd, _buf(pins, buf, len, "recv"), len, flags)

    def sendto(self, fd: int, buf: Any, len: int, flags: int, addr: Any, addrlen: int) -> int:
        pins = Pins()
        dest = sockaddr_un(pins, addr, addrlen) if addr is not None else 0
        return call("sendto", fd, _buf(pins, buf, len, "sendto"), len, flags, dest, addrlen & 0xFFFF_FFFF)

    def recvfrom(self, fd: int, buf: Any, len: int, flags: int, addr: Any, addrlen: Any) -> int:
        pins = Pins()
        lenp = _buf(pins, addrlen, 4, "recvfrom") if addrlen is not None else 0
        room = int.from_bytes(bytes(addrlen)[:4], "little") if addrlen is not None else 0
        src = sockaddr_un(pins, addr, room) if addr is not None else 0
        return call("recvfrom", fd, _buf(pins, buf, len, "recvfrom"), len, flags, src, lenp)

    def socket(self, domain: int, type: int, protocol: int) -> int:
        fd = call("socket", domain, type, protocol)
        self.track(fd)
        return fd

    def bind(self, fd: int, addr: Any, addrlen: int) -> int:
        pins = Pins()
        return call("bind", fd, sockaddr_un(pins, addr, addrlen), addrlen & 0xFFFF_FFFF)

    def listen(self, fd: int, backlog: int) -> int:
        return call("listen", fd, backlog)

    def connect(self, fd: int, addr: Any, addrlen: int) -> int:
        pins = Pins()
        return call("connect", fd, sockaddr_un(pins, addr, addrlen), addrlen & 0xFFFF_FFFF)

    def accept4(self, fd: int, addr: Any, addrlen: Any, flags: int) -> int:
        pins = Pins()
        lenp = _buf(pins, addrlen, 4, "accept4") if addrlen is not None else 0
        room = int.from_bytes(bytes(addrlen)[:4], "little") if addrlen is not None else 0
        newfd = call(
            "accept4", fd, sockaddr_un(pins, addr, room) if addr is not None else 0, lenp, flags
        )
        self.track(newfd)
        return newfd

    def getsockname(self, fd: int, addr: Any, addrlen: Any) -> int:
        return self._getname("getsockname", fd, addr, addrlen)

    def getpeername(self, fd: int, addr: Any, addrlen: Any) -> int:
        return self._getname("getpeername", fd, addr, addrlen)

    def getsockopt(self, fd: int, level: int, optname: int, optval: Any, optlen: Any) -> int:
        pins = Pins()
        room = int.from_bytes(bytes(optlen)[:4], "little") if optlen is not None else 0
        lenp = _buf(pins, optlen, 4, "getsockopt") if optlen is not None else 0
        return call("getsockopt", fd, level, optname, _buf(pins, optval, min(room, 4), "getsockopt"), lenp)

    def setsockopt(self, fd: int, level: int, optname: int, optval: Any, optlen: int) -> int:
        pins = Pins()
        return call("setsockopt", fd, level, optname, _buf(pins, optval, max(0, optlen), "setsockopt"), optlen & 0xFFFF_FFFF)

    def _getname(self, name: str, fd: int, addr: Any, addrlen: Any) -> int:
        pins = Pins()
        lenp = _buf(pins, addrlen, 4, name) if addrlen is not None else 0
        room = int.from_bytes(bytes(addrlen)[:4], "little") if addrlen is not None else 0
        return call(name, fd, sockaddr_un(pins, addr, room) if addr is not None else 0, lenp)

    def nanosleep(self, ns: Any, rem: Any = None) -> int:
        """simuring's ``nanosleep(ns)`` (an int of nanoseconds); a Timespec is accepted too."""
        from simuring.conform.real.abi import KernelTimespec
        from simuring.uapi import Timespec

        if isinstance(ns, Timespec):
            ts = KernelTimespec(ns.tv_sec, ns.tv_nsec)
        else:
            ts = KernelTimespec(ns // 1_000_000_000, ns % 1_000_000_000) if ns >= 0 else KernelTimespec(0, -1)
        return call("nanosleep", ctypes.byref(ts), None)

    def open(self, path: str, flags: int, mode: int = 0o644) -> int:
        if not isinstance(path, str):
            raise TypeError("open: path must be a str")
        host = self.root / path.lstrip("/") if path else self.root / ""
        fd = call("open", os.fsencode(str(host)) if path else b"", flags, mode)
        self.track(fd)
        return fd

    def c_path(self, path: Any) -> Any:
        """A path for an SQE (OPENAT's ``addr``): a str becomes its NUL-terminated bytes, an
        absolute one moved inside the private directory as ``open`` does; anything else is kept."""
        if not isinstance(path, str):
            return path
        host = f"{self.root}/{path.lstrip('/')}" if path.startswith("/") else path  # keeps a trailing /
        return os.fsencode(host) + b"\0"

    def host_path(self, path: str, what: str) -> bytes:
        """A libc call's path inside the private directory (the simulated working directory is
        the root): absolute and relative alike, slashes and dots kept for the kernel to read."""
        if not isinstance(path, str):
            raise TypeError(f"{what}: path must be a str")
        return os.fsencode(f"{self.root}/{path.lstrip('/')}") if path else b""

    def mkdir(self, path: str, mode: int = 0o777) -> int:
        return call("mkdir", self.host_path(path, "mkdir"), mode)

    def at_path(self, dirfd: int, path: str, what: str) -> bytes:
        """The path of an *at() call: as :meth:`host_path` for an absolute one or with AT_FDCWD
        (the simulated working directory is the root), as given under another ``dirfd``."""
        if not isinstance(path, str):
            raise TypeError(f"{what}: path must be a str")
        if path.startswith("/") or dirfd == -100:
            return self.host_path(path, what)
        return os.fsencode(path)

    def mknodat(self, dirfd: int, path: str, mode: int, dev: int) -> int:
        return call("mknodat", dirfd, self.at_path(dirfd, path, "mknodat"), mode & 0xFFFF_FFFF, dev & 0xFFFF_FFFF_FFFF_FFFF)

    def mknod(self, path: str, mode: int, dev: int) -> int:
        return call("mknod", self.host_path(path, "mknod"), mode & 0xFFFF_FFFF, dev & 0xFFFF_FFFF_FFFF_FFFF)

    def mkfifoat(self, dirfd: int, path: str, mode: int) -> int:
        return call("mkfifoat", dirfd, self.at_path(dirfd, path, "mkfifoat"), mode & 0xFFFF_FFFF)

    def mkfifo(self, path: str, mode: int) -> int:
        return call("mkfifo", self.host_path(path, "mkfifo"), mode & 0xFFFF_FFFF)

    def unlink(self, path: str) -> int:
        return call("unlink", self.host_path(path, "unlink"))

    def rmdir(self, path: str) -> int:
        return call("rmdir", self.host_path(path, "rmdir"))

    def readlink(self, path: str, buf: Any, bufsiz: int) -> int:
        """readlink(2); a target inside the private directory reads back as the absolute path the
        scenario gave (so both sides see the same bytes), cut to ``bufsiz``."""
        if bufsiz <= 0:
            return call(
                "readlink", self.host_path(path, "readlink"), None, bufsiz & 0xFFFF_FFFF_FFFF_FFFF
            )
        raw = ctypes.create_string_buffer(4096)
        n = call("readlink", self.host_path(path, "readlink"), raw, 4096)
        if n < 0:
            return n
        target = raw.raw[:n]
        root = os.fsencode(str(self.root))
        if target == root or target.startswith(root + b"/"):
            target = b"/" + target[len(root) :].lstrip(b"/")
        data = target[:bufsiz]
        if buf is None or len(buf) < len(data):
            raise ValueError("readlink: the buffer is shorter than bufsiz")
        buf[: len(data)] = data
        return len(data)

    def inotify_init1(self, flags: int) -> int:
        fd = call("inotify_init1", flags)
        self.track(fd)
        return fd

    def inotify_add_watch(self, fd: int, path: str, mask: int) -> int:
        return call("inotify_add_watch", fd, self.host_path(path, "inotify_add_watch"), mask & 0xFFFF_FFFF)

    def inotify_rm_watch(self, fd: int, wd: int) -> int:
        return call("inotify_rm_watch", fd, wd)

    def fanotify_init(self, flags: int, event_f_flags: int) -> int:
        fd = call("fanotify_init", flags & 0xFFFF_FFFF, event_f_flags & 0xFFFF_FFFF)
        self.track(fd)
        return fd

    def fanotify_mark(self, fd: int, flags: int, mask: int, dirfd: int, path: str | None) -> int:
        host = None if path is None else self.host_path(path, "fanotify_mark")
        return call("fanotify_mark", fd, flags & 0xFFFF_FFFF, mask & (2**64 - 1), dirfd, host)

    def getpid(self) -> int:
        return os.getpid()

    def lseek(self, fd: int, offset: int, whence: int) -> int:
        return call("lseek", fd, offset, whence)

    def ftruncate(self, fd: int, length: int) -> int:
        return call("ftruncate", fd, length)

    def getrlimit(self, res: int, rlim: Any) -> int:
        return rlimit.getrlimit(res, rlim)

    def setrlimit(self, res: int, rlim: Any) -> int:
        return rlimit.setrlimit(res, rlim)

    def prlimit(self, pid: int, res: int, new: Any, old: Any) -> int:
        return rlimit.prlimit(pid, res, new, old)
