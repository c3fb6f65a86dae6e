"""The API namespace ``L`` a scenario is written against, and its recording wrappers.

A scenario uses only ``L``'s names: liburing's functions under their C
names, the POSIX calls of :mod:`simuring.syscalls`, the classes ``Ring``,
``Cqe``, ``Params``, ``Timespec``, ``GeteventsArg``, ``IoUringCqe``, the
io_uring_register(2) arguments (``Probe``, ``RsrcUpdate``, ``RsrcUpdate2``,
``RsrcRegister``, ``FileIndexRange``, ``Iovec``), ``FutexWaitv`` (a list of
them is a ``struct futex_waitv`` array), IORING_REGISTER_MEM_REGION's ``RegionDesc``,
``MemRegionReg`` and ``RegWait``, and the POSIX
constants (``L.AF_UNIX``, ``L.O_RDWR``, ...).  io_uring constants come from
:mod:`simuring.uapi` directly.  Each backend supplies the same names:

* a name in :data:`ENTERING` enters the kernel and is a generator function,
  used with ``yield from``; its result is recorded;
* a name in :data:`PLAIN` is a plain call (only touches the shared rings);
  ``sq_kflags(ring)``, ``sq_kdropped(ring)`` and ``sq_array_store(ring,
  slot, index)`` are not liburing functions: they read ``*ring->sq.kflags``
  and ``*ring->sq.kdropped`` and store ``ring->sq.array[slot & mask]``, as
  liburing's tests do through ``struct io_uring``; ``reg_wait_store(mem, offset,
  w)`` stores a ``RegWait`` into region memory at a byte offset;
* ``mmap`` returns a mapping (recorded as ``"map"``) or -errno: of a ring fd at
  IORING_OFF_PBUF_RING the buffer ring (used with ``io_uring_buf_ring_add``), at
  the parameter region's offset (or anonymous) writable bytes;
* ``io_uring_cqe_seen`` and ``io_uring_cq_advance`` record the completions
  they consume, in order;
* ``L.record(label, value)`` records what the scenario itself observed.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from typing import Any

from simuring.abi.cq_mixed import io_uring_cqe_nr
from simuring.conform.observe import Recorder
from simuring.uapi import Cqe

ENTERING: tuple[str, ...] = (
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_enter2",
    "io_uring_register",
    "io_uring_queue_init",
    "io_uring_queue_init_mem",
    "io_uring_queue_init_params",
    "io_uring_queue_exit",
    "io_uring_submit",
    "io_uring_submit_and_wait",
    "io_uring_submit_and_get_events",
    "io_uring_get_events",
    "io_uring_wait_cqe",
    "io_uring_wait_cqe_nr",
    "io_uring_wait_cqe_timeout",
    "io_uring_wait_cqes",
    "io_uring_submit_and_wait_timeout",
    "io_uring_enable_rings",
    "io_uring_register_clock",
    "io_uring_register_personality",
    "io_uring_register_restrictions",
    "io_uring_register_sync_cancel",
    "io_uring_resize_rings",
    "io_uring_register_sync_msg",
    "io_uring_unregister_personality",
    "io_uring_register_files",
    "io_uring_unregister_files",
    "io_uring_register_probe",
    "io_uring_register_eventfd",
    "io_uring_register_eventfd_async",
    "io_uring_unregister_eventfd",
    "io_uring_register_files_update",
    "io_uring_register_files_tags",
    "io_uring_register_files_sparse",
    "io_uring_register_files_update_tag",
    "io_uring_register_file_alloc_range",
    "io_uring_register_iowq_max_workers",
    "io_uring_register_iowq_aff",
    "io_uring_unregister_iowq_aff",
    "io_uring_register_buffers",
    "io_uring_register_buffers_tags",
    "io_uring_register_buffers_sparse",
    "io_uring_register_buffers_update_tag",
    "io_uring_unregister_buffers",
    "io_uring_clone_buffers",
    "io_uring_clone_buffers_offset",
    "io_uring_sqring_wait",
    "io_uring_register_buf_ring",
    "io_uring_unregister_buf_ring",
    "io_uring_buf_ring_head",
    "io_uring_setup_buf_ring",
    "io_uring_free_buf_ring",
    "io_uring_register_region",
    # POSIX (simuring.syscalls)
    "pipe",
    "pipe2",
    "read",
    "write",
    "close",
    "eventfd",
    "eventfd_read",
    "eventfd_write",
    "socketpair",
    "send",
    "recv",
    "nanosleep",
    "open",
    "lseek",
    "ftruncate",
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
    "getpid",
    "epoll_create1",
    "epoll_ctl",
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
    "getrlimit",
    "setrlimit",
    "prlimit",
    "mmap",
    "munmap",
)

PLAIN: tuple[str, ...] = (
    "io_uring_get_sqe",
    "io_uring_sqe_set_data64",
    "io_uring_sqe_set_flags",
    "io_uring_cqe_get_data64",
    "io_uring_peek_cqe",
    "io_uring_peek_batch_cqe",
    "io_uring_cq_advance",
    "io_uring_cqe_seen",
    "io_uring_cq_ready",
    "io_uring_cq_has_overflow",
    "io_uring_cq_eventfd_enabled",
    "io_uring_cq_eventfd_toggle",
    "io_uring_sq_ready",
    "io_uring_sq_space_left",
    "io_uring_prep_rw",
    "io_uring_prep_nop",
    "io_uring_prep_read",
    "io_uring_prep_write",
    "io_uring_prep_read_fixed",
    "io_uring_prep_read_multishot",
    "io_uring_prep_write_fixed",
    "io_uring_prep_readv_fixed",
    "io_uring_prep_writev_fixed",
    "io_uring_prep_readv",
    "io_uring_prep_writev",
    "io_uring_prep_timeout",
    "io_uring_prep_timeout_remove",
    "io_uring_prep_timeout_update",
    "io_uring_prep_link_timeout",
    "io_uring_prep_cancel64",
    "io_uring_prep_cancel",
    "io_uring_prep_cancel_fd",
    "io_uring_prep_poll_add",
    "io_uring_prep_poll_multishot",
    "io_uring_prep_poll_remove",
    "io_uring_prep_poll_update",
    "io_uring_prep_msg_ring",
    "io_uring_prep_msg_ring_cqe_flags",
    # CLOSE, FILES_UPDATE, FSYNC, SYNC_FILE_RANGE, FADVISE, MADVISE (opcodes/openclose.py, sync.py, advise.py)
    "io_uring_prep_close",
    "io_uring_prep_close_direct",
    "io_uring_prep_files_update",
    "io_uring_prep_fsync",
    "io_uring_prep_sync_file_range",
    "io_uring_prep_fadvise",
    "io_uring_prep_madvise",
    # FTRUNCATE, FALLOCATE (opcodes/truncate.py), SHUTDOWN (opcodes/net.py)
    "io_uring_prep_ftruncate",
    "io_uring_prep_fallocate",
    "io_uring_prep_shutdown",
    "io_uring_prep_sendmsg",
    "io_uring_prep_recvmsg",
    # OPENAT, OPENAT2 (opcodes/open.py)
    "io_uring_prep_openat",
    "io_uring_prep_openat_direct",
    "io_uring_prep_openat2",
    "io_uring_prep_openat2_direct",
    # STATX (opcodes/statx.py)
    "io_uring_prep_statx",
    # MKDIRAT, UNLINKAT, RENAMEAT, SYMLINKAT, LINKAT (opcodes/fs.py)
    "io_uring_prep_mkdirat",
    "io_uring_prep_mkdir",
    "io_uring_prep_unlinkat",
    "io_uring_prep_unlink",
    "io_uring_prep_renameat",
    "io_uring_prep_rename",
    "io_uring_prep_symlinkat",
    "io_uring_prep_symlink",
    "io_uring_prep_linkat",
    "io_uring_prep_link",
    # FSETXATTR, SETXATTR, FGETXATTR, GETXATTR (opcodes/xattr.py)
    "io_uring_prep_fsetxattr",
    "io_uring_prep_setxattr",
    "io_uring_prep_fgetxattr",
    "io_uring_prep_getxattr",
    # PIPE (opcodes/pipe.py)
    "io_uring_prep_pipe",
    "io_uring_prep_pipe_direct",
    "io_uring_prep_send",
    "io_uring_prep_send_set_addr",
    "io_uring_prep_sendto",
    "io_uring_prep_recv",
    "io_uring_prep_send_bundle",
    "io_uring_prep_recv_multishot",
    "io_uring_prep_splice",
    "io_uring_prep_tee",
    # EPOLL_CTL, EPOLL_WAIT (opcodes/epoll.py)
    "io_uring_prep_epoll_ctl",
    "io_uring_prep_epoll_wait",
    # provided buffers (opcodes/kbuf.py): the SQE helpers and the buffer ring's inline helpers
    "io_uring_prep_provide_buffers",
    "io_uring_prep_remove_buffers",
    "io_uring_buf_ring_init",
    "io_uring_buf_ring_mask",
    "io_uring_buf_ring_add",
    "io_uring_buf_ring_advance",
    "io_uring_buf_ring_cq_advance",
    # FUTEX_WAIT, FUTEX_WAKE (opcodes/futex.py)
    "io_uring_prep_futex_wait",
    "io_uring_prep_futex_wake",
    "io_uring_prep_futex_waitv",
    # MSG_RING's IORING_MSG_SEND_FD (opcodes/msg_ring.py), FIXED_FD_INSTALL (opcodes/openclose.py)
    "io_uring_prep_msg_ring_fd",
    "io_uring_prep_msg_ring_fd_alloc",
    "io_uring_prep_fixed_fd_install",
    # SOCKET, BIND, LISTEN, CONNECT, ACCEPT (opcodes/sock.py)
    "io_uring_prep_socket",
    "io_uring_prep_socket_direct",
    "io_uring_prep_socket_direct_alloc",
    "io_uring_prep_bind",
    "io_uring_prep_listen",
    "io_uring_prep_connect",
    "io_uring_prep_accept",
    "io_uring_prep_accept_direct",
    "io_uring_prep_multishot_accept",
    "io_uring_prep_multishot_accept_direct",
    # SEND_ZC, SENDMSG_ZC (opcodes/net_zc.py)
    "io_uring_prep_send_zc",
    "io_uring_prep_send_zc_fixed",
    "io_uring_prep_sendmsg_zc",
    # URING_CMD on a socket (opcodes/uring_cmd.py)
    "io_uring_prep_cmd_sock",
    # the shared ring words liburing's tests read or write through ``struct io_uring``
    "sq_kflags",
    "sq_kdropped",
    "sq_array_store",
    # a registered wait region's entries (simuring.abi.regions), as an application fills them
    "reg_wait_store",
)

CLASSES: tuple[str, ...] = ("Ring", "Cqe", "Params", "Timespec", "GeteventsArg", "IoUringCqe", "Probe", "RsrcUpdate", "RsrcUpdate2", "RsrcRegister", "FileIndexRange", "Iovec", "BufReg", "BufStatus", "Msghdr", "FutexWaitv", "SockaddrUn", "SockaddrIn", "SockaddrIn6", "Rlimit", "Sqe", "RegionDesc", "MemRegionReg", "RegWait")

#: POSIX constants offered as ``L.<name>`` (values from each backend).
CONSTANTS: tuple[str, ...] = (
    "AF_UNIX", "AF_LOCAL", "AF_INET", "AF_INET6", "AF_UNSPEC", "IPPROTO_TCP", "IPPROTO_UDP", "IPPROTO_IPV6", "SOCK_STREAM", "SOCK_DGRAM", "SOCK_SEQPACKET", "SOCK_NONBLOCK",
    "SOCK_CLOEXEC", "MSG_DONTWAIT", "MSG_NOSIGNAL", "EFD_CLOEXEC", "EFD_NONBLOCK", "EFD_SEMAPHORE",
    "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE", "O_CREAT", "O_EXCL", "O_TRUNC", "O_APPEND",
    "O_NONBLOCK", "O_CLOEXEC", "O_DIRECT", "O_PATH", "O_NOFOLLOW", "SEEK_SET", "SEEK_CUR", "SEEK_END", "PIPE_BUF",
    # <sys/resource.h>
    "RLIMIT_NOFILE", "RLIM_INFINITY",
    # <sys/mman.h>
    "PROT_READ", "PROT_WRITE", "MAP_SHARED", "MAP_PRIVATE", "MAP_ANONYMOUS",
    # <sys/stat.h>
    "S_IFMT", "S_IFSOCK", "S_IFREG", "S_IFBLK", "S_IFDIR", "S_IFCHR", "S_IFIFO",
    # <sys/epoll.h>
    "EPOLL_CLOEXEC", "EPOLL_CTL_ADD", "EPOLL_CTL_DEL", "EPOLL_CTL_MOD", "EPOLLIN", "EPOLLPRI",
    "EPOLLOUT", "EPOLLERR", "EPOLLHUP", "EPOLLRDNORM", "EPOLLWRNORM", "EPOLLRDHUP", "EPOLLEXCLUSIVE",
    "EPOLLONESHOT", "EPOLLET",
)  # fmt: skip

Gen = Generator[Any, Any, Any]


class Api:
    """The namespace ``L`` handed to a scenario (attributes set by :func:`build_api`)."""

    def __init__(self, backend: str, recorder: Recorder) -> None:
        self.backend = backend
        self._recorder = recorder

    def record(self, label: str, value: Any) -> None:
        """Record an observation of the scenario's own (compared between the backends)."""
        self._recorder.record(label, value)

    def __repr__(self) -> str:
        return f"<conformance API ({self.backend})>"


#: Entering calls that return a pointer (``struct io_uring_buf_ring *``): recorded as
#: ``"ptr"``, or 0 for NULL, as the pointer's value differs between the backends.
POINTER_RESULTS = frozenset({"io_uring_setup_buf_ring"})

#: Entering calls that return a mapping or -errno (mmap(2)): a mapping is recorded as ``"map"``
#: (the simulator's is a Python object, the real kernel's an address), an errno as it stands.
MAPPING_RESULTS = frozenset({"mmap"})


def _recorded(name: str, ret: Any) -> Any:
    """What the recorder keeps of an entering call's result (see POINTER_RESULTS, MAPPING_RESULTS)."""
    if name in POINTER_RESULTS:
        return "ptr" if ret is not None else 0
    if name in MAPPING_RESULTS and not isinstance(ret, int):
        return "map"
    return ret


def _recording_entry(name: str, fn: Callable[..., Gen], rec: Recorder) -> Callable[..., Gen]:
    def entry(*args: Any, **kwargs: Any) -> Gen:
        ret = yield from fn(*args, **kwargs)
        rec.call(name, _recorded(name, ret))
        return ret

    entry.__name__ = entry.__qualname__ = name
    entry.__doc__ = fn.__doc__
    return entry


def _recording_seen(fn: Callable[..., Any], rec: Recorder) -> Callable[..., None]:
    def io_uring_cqe_seen(ring: Any, cqe: Any) -> None:
        if cqe is not None:
            rec.cqe(cqe)
        fn(ring, cqe)

    return io_uring_cqe_seen


def _recording_advance(
    fn: Callable[..., Any], peek_batch: Callable[..., int], cq_ready: Callable[..., int], rec: Recorder
) -> Callable[..., None]:
    """``io_uring_cq_advance`` recording the CQEs that start in the ``nr`` slots it consumes (a
    32-byte CQE of a mixed ring takes two).  The peek that finds them consumes the padding
    entries at the head (io_uring_peek_batch_cqe), which count among the ``nr``."""

    def io_uring_cq_advance(ring: Any, nr: int) -> None:
        if nr > 0:
            before = cq_ready(ring)
            cqes = Cqe(nr)
            got = peek_batch(ring, cqes, nr)
            skipped = max(0, before - cq_ready(ring))
            slots = skipped
            for cqe in cqes[:got]:
                if slots >= nr:
                    break
                rec.cqe(cqe)
                slots += io_uring_cqe_nr(cqe)
            nr -= skipped
        fn(ring, nr)

    return io_uring_cq_advance


def build_api(backend: str, rec: Recorder, functions: Mapping[str, Callable[..., Any]], classes: Mapping[str, Any], constants: Mapping[str, int]) -> Api:
    """Assemble ``L``: every name of ENTERING, PLAIN, CLASSES and CONSTANTS must be supplied.

    ``functions`` holds generator functions for ENTERING names and plain
    functions for PLAIN names.
    """
    missing = [n for n in (*ENTERING, *PLAIN) if n not in functions]
    missing += [n for n in CLASSES if n not in classes]
    missing += [n for n in CONSTANTS if n not in constants]
    if missing:
        raise LookupError(f"the {backend} backend lacks {', '.join(missing)}")
    api = Api(backend, rec)
    for name in ENTERING:
        setattr(api, name, _recording_entry(name, functions[name], rec))
    for name in PLAIN:
        setattr(api, name, functions[name])
    api.io_uring_cqe_seen = _recording_seen(functions["io_uring_cqe_seen"], rec)  # type: ignore[attr-defined]
    api.io_uring_cq_advance = _recording_advance(  # type: ignore[attr-defined]
        functions["io_uring_cq_advance"], functions["io_uring_peek_batch_cqe"], functions["io_uring_cq_ready"], rec
    )
    for name in CLASSES:
        setattr(api, name, classes[name])
    for name in CONSTANTS:
        setattr(api, name, constants[name])
    return api
