"""POSIX constants with their Linux x86-64 values: ``fcntl.h`` (O_*), ``unistd.h``
(SEEK_*), ``sys/stat.h`` (S_IF*), ``limits.h`` (PIPE_BUF), ``sys/eventfd.h`` (EFD_*), ``sys/socket.h``
(AF_*, SOCK_*, MSG_*) and ``sys/mman.h`` (PROT_*, MAP_*, and the page size) and ``time.h`` (CLOCK_*).

:mod:`simuring.syscalls` re-exports them for workloads.
"""

from __future__ import annotations

from typing import Final

O_RDONLY: Final = 0o0
O_WRONLY: Final = 0o1
O_RDWR: Final = 0o2
O_ACCMODE: Final = 0o3
O_CREAT: Final = 0o100
O_EXCL: Final = 0o200
O_TRUNC: Final = 0o1000
O_APPEND: Final = 0o2000
O_NONBLOCK: Final = 0o4000
O_DIRECT: Final = 0o40000
O_CLOEXEC: Final = 0o2000000
O_NOFOLLOW: Final = 0o400000
O_PATH: Final = 0o10000000
EFD_SEMAPHORE: Final = 1
EFD_NONBLOCK: Final = O_NONBLOCK
EFD_CLOEXEC: Final = O_CLOEXEC
AF_UNSPEC: Final = 0
AF_UNIX: Final = 1
AF_LOCAL: Final = AF_UNIX
AF_INET: Final = 2
AF_INET6: Final = 10
IPPROTO_IP: Final = 0
IPPROTO_TCP: Final = 6
IPPROTO_UDP: Final = 17
IPPROTO_IPV6: Final = 41
SOCK_STREAM: Final = 1
SOCK_DGRAM: Final = 2
SOCK_SEQPACKET: Final = 5
SOCK_NONBLOCK: Final = O_NONBLOCK
SOCK_CLOEXEC: Final = O_CLOEXEC
MSG_OOB: Final = 0x01
MSG_PEEK: Final = 0x02
MSG_TRUNC: Final = 0x20
MSG_DONTWAIT: Final = 0x40
MSG_WAITALL: Final = 0x100
MSG_NOSIGNAL: Final = 0x4000
PIPE_BUF: Final = 4096
PAGE_SIZE: Final = 4096
PROT_NONE: Final = 0
PROT_READ: Final = 1
PROT_WRITE: Final = 2
MAP_SHARED: Final = 0x01
MAP_PRIVATE: Final = 0x02
MAP_ANONYMOUS: Final = 0x20
SEEK_SET: Final = 0
SEEK_CUR: Final = 1
SEEK_END: Final = 2
CLOCK_REALTIME: Final = 0
CLOCK_MONOTONIC: Final = 1
CLOCK_BOOTTIME: Final = 7
S_IFMT: Final = 0o170000
S_IFSOCK: Final = 0o140000
S_IFREG: Final = 0o100000
S_IFBLK: Final = 0o060000
S_IFDIR: Final = 0o040000
S_IFCHR: Final = 0o020000
S_IFIFO: Final = 0o010000

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
    "O_NOFOLLOW",
    "O_PATH",
    "EFD_SEMAPHORE",
    "EFD_NONBLOCK",
    "EFD_CLOEXEC",
    "AF_UNSPEC",
    "AF_UNIX",
    "AF_LOCAL",
    "AF_INET",
    "AF_INET6",
    "IPPROTO_IP",
    "IPPROTO_TCP",
    "IPPROTO_UDP",
    "IPPROTO_IPV6",
    "SOCK_STREAM",
    "SOCK_DGRAM",
    "SOCK_SEQPACKET",
    "SOCK_NONBLOCK",
    "SOCK_CLOEXEC",
    "MSG_OOB",
    "MSG_PEEK",
    "MSG_TRUNC",
    "MSG_DONTWAIT",
    "MSG_WAITALL",
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
    "S_IFMT",
    "S_IFSOCK",
    "S_IFREG",
    "S_IFBLK",
    "S_IFDIR",
    "S_IFCHR",
    "S_IFIFO",
]


class Msghdr:
    """``struct msghdr`` (sendmsg(2), recvmsg(2), io_uring SENDMSG / RECVMSG).

    ``msg_iov`` is the list of buffers (each iovec's length is its buffer's
    length), ``msg_iovlen`` how many of them the kernel reads; ``msg_name``
    an address buffer or None (``msg_namelen`` its length), ``msg_control``
    the ancillary-data buffer or None.  Where C passes the struct by
    pointer, the Python call passes this object.
    """

    __slots__ = ("msg_name", "msg_namelen", "msg_iov", "msg_iovlen", "msg_control", "msg_controllen", "msg_flags")

    def __init__(
        self,
        msg_iov: list[object] | None = None,
        msg_iovlen: int | None = None,
        msg_name: object = None,
        msg_namelen: int = 0,
        msg_control: object = None,
        msg_controllen: int = 0,
        msg_flags: int = 0,
    ) -> None:
        self.msg_iov = msg_iov
        self.msg_iovlen = len(msg_iov) if msg_iovlen is None and msg_iov is not None else (msg_iovlen or 0)
        self.msg_name = msg_name
        self.msg_namelen = msg_namelen
        self.msg_control = msg_control
        self.msg_controllen = msg_controllen
        self.msg_flags = msg_flags

    def __repr__(self) -> str:
        return f"Msghdr(iovlen={self.msg_iovlen}, namelen={self.msg_namelen}, controllen={self.msg_controllen})"


__all__ += ["Msghdr"]

SOCK_RAW: Final = 3
SOCK_PACKET: Final = 10
SUN_PATH_SIZE: Final = 108
"""``sizeof(sun_path)`` of ``struct sockaddr_un``."""
SOCKADDR_UN_SIZE: Final = 2 + SUN_PATH_SIZE
"""``sizeof(struct sockaddr_un)``: the 2-byte ``sun_family`` and ``sun_path``."""


class Sockaddr:
    """A socket address as C lays it out: ``raw``, the struct's bytes (read, or written by
    accept / getsockname, in place).  Where C passes ``struct sockaddr *`` the Python call
    passes one of the subclasses (:class:`SockaddrUn`, :class:`SockaddrIn`,
    :class:`SockaddrIn6`); ``socklen_t *`` is a 4-byte buffer (``bytearray(4)``, a
    native-endian u32)."""

    __slots__ = ("raw",)

    def __init__(self, size: int, family: int) -> None:
        self.raw = bytearray(size)
        self.raw[0:2] = (family & 0xFFFF).to_bytes(2, "little")

    @property
    def family(self) -> int:
        """The ``sa_family`` field (host order)."""
        return int.from_bytes(self.raw[0:2], "little")


class SockaddrUn(Sockaddr):
    """``struct sockaddr_un`` (bind(2), connect(2), accept4(2), io_uring BIND / CONNECT / ACCEPT).

    The struct's 110 bytes are ``raw``, laid out as C has them: ``sun_family``
    (a 16-bit integer, host order: little-endian) then ``sun_path`` (108
    bytes).  An abstract name is a ``sun_path`` starting with a NUL byte; its
    length is the address length the call is given, less 2 (``addrlen = 2 +
    len(name)``), so ``SockaddrUn(b"\\0srv")`` with ``addrlen`` 6 names
    ``@srv``.
    """

    __slots__ = ()

    def __init__(self, sun_path: bytes = b"", sun_family: int = AF_UNIX) -> None:
        if len(sun_path) > SUN_PATH_SIZE:
            raise ValueError(f"sun_path holds at most {SUN_PATH_SIZE} bytes")
        super().__init__(SOCKADDR_UN_SIZE, sun_family)
        self.raw[2 : 2 + len(sun_path)] = sun_path

    @property
    def sun_family(self) -> int:
        return self.family

    @property
    def sun_path(self) -> bytes:
        return bytes(self.raw[2:])

    def __repr__(self) -> str:
        return (
            f"SockaddrUn(family={self.sun_family}, path={bytes(self.raw[2:]).rstrip(bytes(1))!r})"
        )


SOCKADDR_IN_SIZE: Final = 16
"""``sizeof(struct sockaddr_in)``."""
SOCKADDR_IN6_SIZE: Final = 28
"""``sizeof(struct sockaddr_in6)``."""


class SockaddrInet(Sockaddr):
    """The part ``struct sockaddr_in`` and ``struct sockaddr_in6`` share: the family, then the port
    (network order, bytes 2-3)."""

    __slots__ = ()

    def __init__(self, size: int, family: int, port: int) -> None:
        super().__init__(size, family)
        self.raw[2:4] = (port & 0xFFFF).to_bytes(2, "big")

    @property
    def port(self) -> int:
        return int.from_bytes(self.raw[2:4], "big")


class SockaddrIn(SockaddrInet):
    """``struct sockaddr_in`` (netinet/in.h): ``sin_family`` (host order), ``sin_port`` (network
    order), ``sin_addr`` (4 bytes, network order), 8 bytes of ``sin_zero``; 16 bytes in ``raw``.
    ``addr`` is the address's 4 bytes (``b"\\x7f\\0\\0\\x01"`` is 127.0.0.1), ``port`` a
    number (stored big-endian)."""

    __slots__ = ()

    def __init__(self, port: int = 0, addr: bytes = bytes(4), family: int = AF_INET) -> None:
        if len(addr) != 4:
            raise ValueError("sin_addr is 4 bytes")
        super().__init__(SOCKADDR_IN_SIZE, family, port)
        self.raw[4:8] = addr

    @property
    def addr(self) -> bytes:
        return bytes(self.raw[4:8])

    def __repr__(self) -> str:
        return f"SockaddrIn(family={self.family}, addr={'.'.join(map(str, self.addr))}, port={self.port})"


class SockaddrIn6(SockaddrInet):
    """``struct sockaddr_in6`` (netinet/in.h): ``sin6_family``, ``sin6_port`` (network order),
    ``sin6_flowinfo``, ``sin6_addr`` (16 bytes), ``sin6_scope_id`` (host order); 28 bytes in
    ``raw``."""

    __slots__ = ()

    def __init__(
        self, port: int = 0, addr: bytes = bytes(16), family: int = AF_INET6, flowinfo: int = 0, scope_id: int = 0
    ) -> None:
        if len(addr) != 16:
            raise ValueError("sin6_addr is 16 bytes")
        super().__init__(SOCKADDR_IN6_SIZE, family, port)
        self.raw[4:8] = (flowinfo & 0xFFFF_FFFF).to_bytes(4, "big")
        self.raw[8:24] = addr
        self.raw[24:28] = (scope_id & 0xFFFF_FFFF).to_bytes(4, "little")

    @property
    def addr(self) -> bytes:
        return bytes(self.raw[8:24])

    def __repr__(self) -> str:
        return f"SockaddrIn6(family={self.family}, addr={self.addr.hex()}, port={self.port})"


__all__ += ["SOCK_RAW", "SOCK_PACKET", "SUN_PATH_SIZE", "SOCKADDR_UN_SIZE", "Sockaddr", "SockaddrUn"]
__all__ += ["SOCKADDR_IN_SIZE", "SOCKADDR_IN6_SIZE", "SockaddrInet", "SockaddrIn", "SockaddrIn6"]


#: futex2 flags (include/uapi/linux/futex.h): the size, NUMA, memory policy, private
FUTEX2_SIZE_U8: Final = 0x00
FUTEX2_SIZE_U16: Final = 0x01
FUTEX2_SIZE_U32: Final = 0x02
FUTEX2_SIZE_U64: Final = 0x03
FUTEX2_NUMA: Final = 0x04
FUTEX2_MPOL: Final = 0x08
FUTEX2_PRIVATE: Final = 128
FUTEX_BITSET_MATCH_ANY: Final = 0xFFFF_FFFF
FUTEX_WAITV_MAX: Final = 128


class FutexWaitv:
    """``struct futex_waitv`` (futex_waitv(2), io_uring FUTEX_WAITV): ``val`` the
    value to wait for, ``uaddr`` the futex word (a user buffer, an int address or
    None), ``flags`` the futex2 flags, ``reserved`` (``__reserved``, must be 0).
    Where C passes an array of them, the Python call passes a list."""

    __slots__ = ("val", "uaddr", "flags", "reserved")

    def __init__(self, val: int = 0, uaddr: object = None, flags: int = 0, reserved: int = 0) -> None:
        self.val = val
        self.uaddr = uaddr
        self.flags = flags
        self.reserved = reserved

    def __repr__(self) -> str:
        return f"FutexWaitv(val={self.val}, flags={self.flags:#x}, reserved={self.reserved})"


__all__ += [
    "FUTEX2_SIZE_U8",
    "FUTEX2_SIZE_U16",
    "FUTEX2_SIZE_U32",
    "FUTEX2_SIZE_U64",
    "FUTEX2_NUMA",
    "FUTEX2_MPOL",
    "FUTEX2_PRIVATE",
    "FUTEX_BITSET_MATCH_ANY",
    "FUTEX_WAITV_MAX",
    "FutexWaitv",
]


#: <sys/resource.h>: the resource of the descriptor limit, and "no limit"
RLIMIT_NOFILE: Final = 7
RLIM_INFINITY: Final = (1 << 64) - 1


class Rlimit:
    """``struct rlimit`` (getrlimit(2), setrlimit(2), prlimit(2)): the soft limit
    ``rlim_cur`` and the hard limit ``rlim_max``, each a 64-bit unsigned value
    (``RLIM_INFINITY`` for none).  Where C passes the struct by pointer, the
    Python call passes this object (read, or written back in place)."""

    __slots__ = ("rlim_cur", "rlim_max")

    def __init__(self, rlim_cur: int = 0, rlim_max: int = 0) -> None:
        self.rlim_cur = rlim_cur
        self.rlim_max = rlim_max

    def __repr__(self) -> str:
        return f"Rlimit(cur={self.rlim_cur}, max={self.rlim_max})"


__all__ += ["RLIMIT_NOFILE", "RLIM_INFINITY", "Rlimit"]
