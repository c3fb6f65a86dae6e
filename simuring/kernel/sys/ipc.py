"""The IPC baselines' object syscalls: pipe2(2), socketpair(2), send(2)/recv(2), eventfd2(2).

Creating calls build the kernel objects of :mod:`simuring.kernel.objects`
and install them in the calling process's fd table; where C fills an array
passed by pointer (``int fds[2]``), the list passed is filled.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.errno import EBADF, EINVAL, ENOTSOCK
from simuring.abi.posix import (
    EFD_CLOEXEC,
    EFD_NONBLOCK,
    EFD_SEMAPHORE,
    MSG_DONTWAIT,
    O_CLOEXEC,
    O_DIRECT,
    O_NONBLOCK,
    SOCK_NONBLOCK,
)
from simuring.host.task import Task
from simuring.kernel.files import File, fdget, files_of
from simuring.kernel.objects.eventfd import create_eventfd
from simuring.kernel.objects.pipe import O_NOTIFICATION_PIPE, create_pipe, create_pipe_error
from simuring.kernel.objects.socket import UnixDgramSocket, UnixSocket, create_socketpair
from simuring.kernel.objects.unix_conn import (
    dgram_dest,
    sockaddr_in,
    sockaddr_out,
)
from simuring.kernel.sys.net import names, pair_family_error, unix_sock_type
from simuring.kernel.uaccess import user_bytes


def install_pair(task: Task, a: File, b: File, out: list[int]) -> int:
    """Install both ends (``fd_install`` twice) and store their fds in ``out``;
    on failure nothing stays installed and the objects are released."""
    fds = files_of(task.process)
    fa = fds.install(a)
    if fa < 0:
        a.get()
        a.put(task)
        b.get()
        b.put(task)
        return fa
    fb = fds.install(b)
    if fb < 0:
        fds.close(fa, task)
        b.get()
        b.put(task)
        return fb
    out[:2] = [fa, fb]
    return 0


def sys_pipe2(task: Task, fds: list[int], flags: int) -> int:
    """``do_pipe2`` (fs/pipe.c): ``fds[0]`` the read end, ``fds[1]`` the write
    end; flags O_NONBLOCK, O_CLOEXEC, O_DIRECT and O_NOTIFICATION_PIPE, the last two refused
    by :func:`~simuring.kernel.objects.pipe.create_pipe_error`."""
    if not isinstance(flags, int) or flags & ~(O_NONBLOCK | O_CLOEXEC | O_DIRECT | O_NOTIFICATION_PIPE):
        return -EINVAL
    err = create_pipe_error(flags)
    if err:
        return err
    r, w = create_pipe(task.sched.costs, task, flags)
    return install_pair(task, r, w, fds)


def sys_socketpair(task: Task, domain: int, type: int, protocol: int, sv: list[int]) -> int:
    """``__sys_socketpair`` (net/socket.c): AF_UNIX + SOCK_STREAM, SOCK_DGRAM or
    SOCK_SEQPACKET (| SOCK_NONBLOCK | SOCK_CLOEXEC); SOCK_RAW is a SOCK_DGRAM pair.  The
    checks are socket(2)'s (:func:`~simuring.kernel.sys.net.unix_sock_type`); an AF_INET /
    AF_INET6 pair is -EOPNOTSUPP (:func:`~simuring.kernel.sys.net.pair_family_error`)."""
    base = unix_sock_type(domain, type, protocol)
    err = pair_family_error(domain, base)
    if err or base < 0:
        return err or base
    assert isinstance(type, int)
    a, b = create_socketpair(task.sched.costs, task, type & SOCK_NONBLOCK, base)
    return install_pair(task, a, b, sv)


def socket_io(
    task: Task, fd: int, buf: Any, len: int, flags: int, receive: bool, name: bytes = b""
) -> Generator[Any, Any, int]:
    """I/O on a unix socket; MSG_DONTWAIT makes this call non-blocking.  A datagram
    socket also takes MSG_PEEK, MSG_TRUNC and MSG_OOB (stream sockets ignore ``flags``
    otherwise); ``name`` is a send's destination address (``msg_name``)."""
    file = fdget(task, fd)
    if file is None:
        return -EBADF
    if not isinstance(file, UnixSocket):
        return -ENOTSOCK
    view = user_bytes(buf, len, kernel_writes=receive)
    if isinstance(view, int):
        return view
    nonblock = bool(flags & MSG_DONTWAIT)
    if isinstance(file, UnixDgramSocket):
        if receive:
            return (yield from file.recv_flags(task, view, flags, nonblock))
        to = dgram_dest(names(task), file, name) if name else None
        return (yield from file.send_flags(task, view, flags, nonblock, to))
    if name and not receive:
        err = file.dest_error()
        if err:
            return err
    if receive:
        return (yield from file.sys_recv(task, view, nonblock=nonblock))
    return (yield from file.sys_write(task, view, nonblock=nonblock))


def sys_sendto(
    task: Task, fd: int, buf: Any, len: int, flags: int, addr: Any = None, addrlen: int = 0
) -> Generator[Any, Any, int]:
    """``__sys_sendto`` (net/socket.c): send(2), with ``addr`` sendto(2) (its ``addrlen`` bytes
    copied first, ``move_addr_to_kernel``: -EINVAL, -EFAULT)."""
    name = b""
    if addr is not None:
        got = sockaddr_in(addr, addrlen)
        if isinstance(got, int):
            return got
        name = got
    return (yield from socket_io(task, fd, buf, len, flags, False, name))


def sys_recvfrom(
    task: Task, fd: int, buf: Any, len: int, flags: int, addr: Any = None, addrlen: Any = None
) -> Generator[Any, Any, int]:
    """``__sys_recvfrom`` (net/socket.c): recv(2), with ``addr`` recvfrom(2): after a successful
    receive the sender's name goes out (``move_addr_to_user``; a datagram's sender, or a stream
    socket's peer when data came; empty for a sender without a name)."""
    ret = yield from socket_io(task, fd, buf, len, flags, True)
    if ret < 0 or addr is None:
        return ret
    file = files_of(task.process).get(fd)
    name = b""
    if isinstance(file, UnixDgramSocket):
        name = file.rcv_addr or b""
    elif isinstance(file, UnixSocket) and ret > 0 and file.peer is not None:
        name = file.peer.addr or b""
    err = sockaddr_out(name, addr, addrlen)
    return err if err else ret


def sys_eventfd2(task: Task, initval: int, flags: int) -> int:
    """``do_eventfd`` (fs/eventfd.c): a descriptor, or -EINVAL for unknown flags."""
    if not isinstance(flags, int) or flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC):
        return -EINVAL
    if not isinstance(initval, int) or not 0 <= initval <= 0xFFFF_FFFF:
        return -EINVAL
    efd = create_eventfd(task.sched.costs, task, initval, flags)
    return files_of(task.process).install(efd)
