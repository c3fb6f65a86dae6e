"""POSIX system calls of the simulated kernel, under their C names.

Each is a generator (``yield from close(fd)``) returning what C returns: a
count, 0, or a negative errno.  Where C fills an array passed by pointer
(``pipe(int fds[2])``), the Python call fills the list it is given.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.errno import (
    EAFNOSUPPORT,
    EBADF,
    EEXIST,
    EINVAL,
    EISDIR,
    ENODEV,
    ENOENT,
    ENOTSOCK,
    EOPNOTSUPP,
    EPROTONOSUPPORT,
)
from simuring.abi.posix import (
    AF_UNIX,
    EFD_CLOEXEC,
    EFD_NONBLOCK,
    EFD_SEMAPHORE,
    MAP_ANONYMOUS,
    MAP_PRIVATE,
    MAP_SHARED,
    MSG_DONTWAIT,
    O_ACCMODE,
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
    PROT_WRITE,
    SOCK_CLOEXEC,
    SOCK_DGRAM,
    SOCK_NONBLOCK,
    SOCK_SEQPACKET,
    SOCK_STREAM,
)
from simuring.host.current import current_sim, current_task
from simuring.host.events import call_after
from simuring.host.memory import memcpy_ns
from simuring.host.task import wake_task
from simuring.kernel.objects.base import ObjFile
from simuring.kernel.syscall import syscall
from simuring.kernel.uaccess import user_bytes
from simuring.libc.argcheck import need_int

Gen = Generator[Any, Any, int]


def close(fd: int) -> Gen:
    """close(2): drop the descriptor; the object goes when its last reference does."""
    need_int("close", fd=fd)
    task = current_task()
    return (yield from syscall("close", task.process.fds.close(fd, task), task))


def getpid() -> Gen:
    task = current_task()
    return (yield from syscall("getpid", task.process.pid, task))


def gettid() -> Gen:
    task = current_task()
    return (yield from syscall("gettid", task.tid, task))


def sched_yield() -> Gen:
    """sched_yield(2): give the CPU to a runnable task waiting for it, if any."""
    task = current_task()

    def body() -> Gen:
        if task.cpu is not None and task.cpu.runqueue:
            yield from task._preempt()
        return 0

    return (yield from syscall("sched_yield", body(), task))


def nanosleep(ns: int) -> Gen:
    """nanosleep(2) for ``ns`` nanoseconds (an hrtimer wakes the task)."""
    need_int("nanosleep", ns=ns)
    task = current_task()

    def body() -> Gen:
        if not isinstance(ns, int) or ns < 0:
            return -EINVAL
        ev = task.env.event()
        call_after(task.env, ns + task.burst_ns, lambda: wake_task(None, task, "timer", event=ev))
        yield from task.sleep(ev)
        return 0

    return (yield from syscall("nanosleep", body(), task))


# =============================================================================
# The IPC baselines' objects: pipes, AF_UNIX socket pairs, eventfd, shared
# memory and regular files (simuring/kernel/objects/, docs/objects.md).
# Buffers are bytearray/memoryview (bytes for writes); ``count`` may not exceed
# the buffer (-EFAULT, the model's page fault).
# =============================================================================

__all__ = [
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


def _view(buf: Any, count: Any, writable: bool) -> memoryview | int:
    """``count`` bytes of ``buf`` as a byte view, or -EFAULT (see :mod:`simuring.kernel.uaccess`).

    ``None`` is C's NULL (fine for a zero-length call); any other non-buffer is
    a misuse of the Python API and raises TypeError.
    """
    if buf is not None and not isinstance(buf, bytearray | memoryview | bytes):
        raise TypeError(f"the buffer must be a bytearray or memoryview (got {type(buf).__name__})")
    if not isinstance(count, int):
        raise TypeError(f"count must be an int (got {type(count).__name__})")
    return user_bytes(buf, count, kernel_writes=writable)


def _obj(task: Any, fd: int) -> Any:
    return task.process.fds.get(fd)


def _install_pair(task: Any, a: Any, b: Any, out: list[int]) -> int:
    fds = task.process.fds
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


def _need_list(out: Any, what: str) -> None:
    if not isinstance(out, list):
        raise TypeError(f"{what}: pass a list to fill (like the C array)")


# -- pipes -----------------------------------------------------------------------
def pipe2(fds: list[int], flags: int) -> Gen:
    """pipe2(2): ``fds[0]`` the read end, ``fds[1]`` the write end; flags O_NONBLOCK, O_CLOEXEC."""
    need_int("pipe2", flags=flags)
    _need_list(fds, "pipe2")
    task = current_task()

    def body() -> int:
        from simuring.kernel.objects.pipe import create_pipe

        if not isinstance(flags, int) or flags & ~(O_NONBLOCK | O_CLOEXEC | O_DIRECT):
            return -EINVAL
        if flags & O_DIRECT:
            return -EINVAL  # packet-mode pipes are not modelled
        r, w = create_pipe(task.sched.costs, task, flags)
        return _install_pair(task, r, w, fds)

    return (yield from syscall("pipe2", body(), task))


def pipe(fds: list[int]) -> Gen:
    """pipe(2): ``pipe2(fds, 0)``."""
    return (yield from pipe2(fds, 0))


# -- read / write -------------------------------------------------------------------
def read(fd: int, buf: Any, count: int) -> Gen:
    """read(2) into ``buf``: a count, 0 at end of file, or -errno; blocks unless O_NONBLOCK."""
    need_int("read", fd=fd, count=count)
    task = current_task()

    def body() -> Gen:
        file = _obj(task, fd)
        if file is None:
            return -EBADF
        view = _view(buf, count, writable=True)
        if isinstance(view, int):
            return view
        if not isinstance(file, ObjFile):
            return -EINVAL
        return (yield from file.sys_read(task, view))

    return (yield from syscall("read", body(), task))


def write(fd: int, buf: Any, count: int) -> Gen:
    """write(2) from ``buf``: a count or -errno; blocks until all is written unless O_NONBLOCK."""
    need_int("write", fd=fd, count=count)
    task = current_task()

    def body() -> Gen:
        file = _obj(task, fd)
        if file is None:
            return -EBADF
        view = _view(buf, count, writable=False)
        if isinstance(view, int):
            return view
        if not isinstance(file, ObjFile):
            return -EINVAL
        return (yield from file.sys_write(task, view))

    return (yield from syscall("write", body(), task))


# -- AF_UNIX socket pairs -------------------------------------------------------------
def socketpair(domain: int, type: int, protocol: int, sv: list[int]) -> Gen:
    """socketpair(2): AF_UNIX + SOCK_STREAM (| SOCK_NONBLOCK | SOCK_CLOEXEC) only."""
    _need_list(sv, "socketpair")
    task = current_task()

    def body() -> int:
        from simuring.kernel.objects.socket import create_socketpair

        if domain != AF_UNIX:
            return -EAFNOSUPPORT
        if not isinstance(type, int):
            return -EINVAL
        if type & ~(0xF | SOCK_NONBLOCK | SOCK_CLOEXEC):
            return -EINVAL
        base = type & 0xF
        if base not in (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET):
            return -EINVAL
        if base != SOCK_STREAM:
            return -EOPNOTSUPP  # datagram and seqpacket sockets are not modelled
        if protocol != 0:
            return -EPROTONOSUPPORT
        a, b = create_socketpair(task.sched.costs, task, type & SOCK_NONBLOCK)
        return _install_pair(task, a, b, sv)

    return (yield from syscall("socketpair", body(), task))


def _socket_io(name: str, fd: int, buf: Any, len: int, flags: int, receive: bool) -> Gen:
    """send(2)/recv(2): stream I/O on a unix socket; MSG_DONTWAIT makes this call non-blocking."""
    task = current_task()

    def body() -> Gen:
        from simuring.kernel.objects.socket import UnixSocket

        file = _obj(task, fd)
        if file is None:
            return -EBADF
        if not isinstance(file, UnixSocket):
            return -ENOTSOCK
        view = _view(buf, len, writable=receive)
        if isinstance(view, int):
            return view
        nonblock = bool(flags & MSG_DONTWAIT)
        if receive:
            return (yield from file.sys_recv(task, view, nonblock=nonblock))
        return (yield from file.sys_write(task, view, nonblock=nonblock))

    return (yield from syscall(name, body(), task))


def send(fd: int, buf: Any, len: int, flags: int) -> Gen:
    """send(2) on a socket (the kernel's sendto path)."""
    need_int("send", fd=fd, len=len, flags=flags)
    return (yield from _socket_io("sendto", fd, buf, len, flags, receive=False))


def recv(fd: int, buf: Any, len: int, flags: int) -> Gen:
    """recv(2) on a socket (the kernel's recvfrom path)."""
    need_int("recv", fd=fd, len=len, flags=flags)
    return (yield from _socket_io("recvfrom", fd, buf, len, flags, receive=True))


# -- eventfd ---------------------------------------------------------------------------
def eventfd(initval: int, flags: int) -> Gen:
    """eventfd2(2): a descriptor, or -EINVAL for unknown flags."""
    need_int("eventfd", initval=initval, flags=flags)
    task = current_task()

    def body() -> int:
        from simuring.kernel.objects.eventfd import create_eventfd

        if not isinstance(flags, int) or flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC):
            return -EINVAL
        if not isinstance(initval, int) or not 0 <= initval <= 0xFFFF_FFFF:
            return -EINVAL
        efd = create_eventfd(task.sched.costs, task, initval, flags)
        return int(task.process.fds.install(efd))

    return (yield from syscall("eventfd2", body(), task))


def eventfd_read(fd: int, value: list[int]) -> Gen:
    """glibc eventfd_read(): read 8 bytes into ``value[0]``; 0 or -errno."""
    need_int("eventfd_read", fd=fd)
    _need_list(value, "eventfd_read")
    buf = bytearray(8)
    ret = yield from read(fd, buf, 8)
    if ret < 0:
        return ret
    if ret != 8:
        return -EINVAL
    value[:1] = [int.from_bytes(buf, "little")]
    return 0


def eventfd_write(fd: int, value: int) -> Gen:
    """glibc eventfd_write(): write ``value`` as 8 bytes; 0 or -errno."""
    need_int("eventfd_write", fd=fd, value=value)
    value &= 0xFFFF_FFFF_FFFF_FFFF  # eventfd_t is uint64_t: -1 converts to 2**64-1 (which the kernel refuses)
    ret = yield from write(fd, value.to_bytes(8, "little"), 8)
    return 0 if ret == 8 else (ret if ret < 0 else -EINVAL)


# -- regular files --------------------------------------------------------------------------
def open(path: str, flags: int, mode: int = 0o644) -> Gen:
    """open(2) on the in-memory file system: O_RDONLY/O_WRONLY/O_RDWR, O_CREAT, O_EXCL, O_TRUNC.

    ``mode`` is accepted and ignored (no permission model for files).
    """
    if not isinstance(path, str):
        raise TypeError("open: path must be a str")
    task = current_task()

    def body() -> int:
        from simuring.kernel.objects.regfile import FileCosts, Inode, RegFile, fs_of

        kernel = current_sim().kernel
        task.charge(kernel.costs.get(FileCosts).open_ns)
        if not isinstance(flags, int):
            return -EINVAL
        fs = fs_of(kernel)
        inode = fs.inodes.get(path)
        if inode is None:
            if not flags & O_CREAT:
                return -ENOENT
            if not path or path.endswith("/"):
                return -EISDIR
            inode = fs.inodes[path] = Inode(path)
        elif flags & O_CREAT and flags & O_EXCL:
            return -EEXIST
        acc = flags & O_ACCMODE
        if acc == O_ACCMODE:
            return -EINVAL
        readable = acc in (O_RDONLY, O_RDWR)
        writable = acc in (O_WRONLY, O_RDWR)
        if flags & O_TRUNC and writable:
            del inode.data[:]
            inode.cached.clear()
        return int(task.process.fds.install(RegFile(kernel.costs, inode, flags, readable, writable)))

    return (yield from syscall("openat", body(), task))


def lseek(fd: int, offset: int, whence: int) -> Gen:
    """lseek(2) on a regular file: the new position or -errno (-ESPIPE for streams)."""
    need_int("lseek", fd=fd, offset=offset, whence=whence)
    task = current_task()

    def body() -> int:
        from simuring.abi.errno import ESPIPE
        from simuring.kernel.objects.regfile import RegFile

        file = _obj(task, fd)
        if file is None:
            return -EBADF
        if not isinstance(file, RegFile):
            return -ESPIPE
        return file.lseek(offset, whence)

    return (yield from syscall("lseek", body(), task))


# -- shared memory ------------------------------------------------------------------------------
def _shm_ns(kernel: Any) -> Any:
    from simuring.kernel.objects.shm import ShmNamespace

    ns = kernel.state.get("shm")
    if ns is None:
        ns = kernel.state["shm"] = ShmNamespace()
    return ns


def shm_open(name: str, oflag: int, mode: int = 0o600) -> Gen:
    """shm_open(3): a descriptor on the named shared memory object (O_CREAT, O_EXCL, O_TRUNC)."""
    if not isinstance(name, str):
        raise TypeError("shm_open: name must be a str")
    task = current_task()

    def body() -> int:
        from simuring.kernel.objects.shm import ShmCosts, ShmFile, ShmObject

        kernel = current_sim().kernel
        task.charge(kernel.costs.get(ShmCosts).open_ns)
        if not isinstance(oflag, int) or (oflag & O_ACCMODE) == O_ACCMODE:
            return -EINVAL
        if not name or "/" in name.lstrip("/"):
            return -EINVAL
        ns = _shm_ns(kernel)
        obj = ns.objects.get(name)
        if obj is None:
            if not oflag & O_CREAT:
                return -ENOENT
            obj = ns.objects[name] = ShmObject(name)
        elif oflag & O_CREAT and oflag & O_EXCL:
            return -EEXIST
        acc = oflag & O_ACCMODE
        if oflag & O_TRUNC and acc == O_RDWR:
            err = obj.truncate(0)
            if err:
                return err
        f = ShmFile(obj, oflag, acc in (O_RDONLY, O_RDWR), acc in (O_WRONLY, O_RDWR))
        return int(task.process.fds.install(f))

    return (yield from syscall("openat", body(), task))


def shm_unlink(name: str) -> Gen:
    """shm_unlink(3): remove the name; open descriptors and mappings stay valid."""
    task = current_task()

    def body() -> int:
        ns = _shm_ns(current_sim().kernel)
        obj = ns.objects.pop(name, None)
        if obj is None:
            return -ENOENT
        obj.linked = False
        return 0

    return (yield from syscall("unlink", body(), task))


def ftruncate(fd: int, length: int) -> Gen:
    """ftruncate(2) of a shared memory object or a regular file."""
    need_int("ftruncate", fd=fd, length=length)
    task = current_task()

    def body() -> int:
        from simuring.kernel.objects.regfile import RegFile
        from simuring.kernel.objects.shm import ShmCosts, ShmFile

        file = _obj(task, fd)
        if file is None:
            return -EBADF
        if not isinstance(length, int) or length < 0:
            return -EINVAL
        if isinstance(file, ShmFile):
            task.charge(task.sched.costs.get(ShmCosts).truncate_ns)
            if not file.writable:
                return -EINVAL
            return int(file.obj.truncate(length))
        if isinstance(file, RegFile):
            if not file.writable:
                return -EINVAL
            data = file.inode.data
            if length < len(data):
                del data[length:]
            else:
                data.extend(bytes(length - len(data)))
            return 0
        return -EINVAL

    return (yield from syscall("ftruncate", body(), task))


def mmap(addr: Any, length: int, prot: int, flags: int, fd: int, offset: int) -> Generator[Any, Any, Any]:
    """mmap(2), shared memory only: a ``memoryview`` of the mapping, or -errno.

    ``MAP_SHARED`` of a shm_open descriptor maps the object: every mapping of
    it is a view of the same bytes, across processes.  ``MAP_ANONYMOUS``
    (shared or private, ``fd`` -1) gives fresh zeroed memory.  Without
    PROT_WRITE the view is read-only.  ``addr`` is ignored (no address
    space); ``MAP_PRIVATE`` of a descriptor (copy-on-write) is not modelled
    (-EINVAL), and a descriptor that is not shared memory is -ENODEV.
    """
    task = current_task()

    def body() -> Generator[Any, Any, Any]:
        from simuring.kernel.objects.shm import ShmFile, ShmObject, map_shared

        costs = task.sched.costs
        if not isinstance(length, int) or length <= 0 or not isinstance(flags, int) or not isinstance(prot, int):
            return -EINVAL
        kind = flags & (MAP_SHARED | MAP_PRIVATE)
        if kind not in (MAP_SHARED, MAP_PRIVATE):
            return -EINVAL
        if flags & MAP_ANONYMOUS:
            obj = ShmObject(None, (length + PAGE_SIZE - 1) // PAGE_SIZE * PAGE_SIZE)
            view = map_shared(task, costs, obj, length, 0)
        else:
            file = _obj(task, fd)
            if file is None:
                return -EBADF
            if not isinstance(file, ShmFile):
                return -ENODEV
            if kind == MAP_PRIVATE:
                return -EINVAL
            if not file.readable or (prot & PROT_WRITE and not file.writable):
                from simuring.abi.errno import EACCES

                return -EACCES
            view = map_shared(task, costs, file.obj, length, offset)
            if not isinstance(view, int):
                _maps(current_sim().kernel).append((view, file.obj))
        if isinstance(view, int):
            return view
        return view if prot & PROT_WRITE else view.toreadonly()
        yield  # a generator (the mapping never sleeps)

    return (yield from syscall("mmap", body(), task))


def _maps(kernel: Any) -> list[Any]:
    maps = kernel.state.get("shm_maps")
    if maps is None:
        maps = kernel.state["shm_maps"] = []
    return maps  # type: ignore[no-any-return]


def munmap(addr: Any, length: int) -> Gen:
    """munmap(2) of a view returned by :func:`mmap`: 0, or -EINVAL (not a mapping, length 0).

    The view is released (``memoryview.release``): touching it afterwards
    raises ValueError, Python's stand-in for the SIGSEGV of a dangling
    pointer, and the object can be resized again (ftruncate).
    """
    task = current_task()

    def body() -> int:
        if not isinstance(addr, memoryview) or not isinstance(length, int) or length <= 0:
            return -EINVAL
        maps = _maps(current_sim().kernel)
        for i, (view, obj) in enumerate(maps):
            if view is addr or (addr.obj is view.obj and len(addr) == len(view)):
                del maps[i]
                obj.maps -= 1
                _release(view)
                break
        _release(addr)
        return 0

    return (yield from syscall("munmap", body(), task))


def _release(view: memoryview) -> None:
    """Release a mapping's view; views the script derived from it (slices) keep
    theirs until dropped, like a second mapping of the same pages."""
    try:
        view.release()
    except BufferError:
        pass


def user_memcpy(dst: Any, src: Any, n: int) -> None:
    """A user-space ``memcpy(dst, src, n)`` (e.g. into shared memory), charged to the caller.

    A plain call, not a syscall: it costs ``memcpy_ns`` of CPU time in the
    task's current burst (see :func:`simuring.kernel.objects.shm.copy_cost`).
    """
    task = current_task()
    memoryview(dst)[:n] = memoryview(src)[:n]
    task.charge(memcpy_ns(task.sched.costs, n))
