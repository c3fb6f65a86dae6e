"""The cost sections the kernel itself declares: its POSIX objects and io_uring poll.

These are kernel sections, not a plug-in's: the objects (pipe, AF_UNIX
socket, eventfd, shared memory, regular file) and the poll machinery
(``io_arm_poll_handler`` on the submission path, POLL_ADD) exist whatever
opcode plug-ins are loaded, so every host profile gives these sections.
The engine passes them, with the loaded plug-ins' sections, to
:func:`~simuring.cost.load_profile`. Each object resolves its section once,
when it is created (a pipe keeps its ``PipeCosts``).
"""

from __future__ import annotations

from typing import ClassVar, Final

import attrs

from simuring.cost import CostSection, param


@attrs.frozen
class PollCosts:
    """io_uring poll costs."""

    SECTION: ClassVar[str] = "poll"

    arm_ns: int = param(150, "ns", "arm a poll: allocate the poll entry, vfs_poll, add it to the wait queue")
    wake_ns: int = param(60, "ns", "the poll wake callback run by the waker (io_poll_wake), before the task-work add")
    rearm_ns: int = param(50, "ns", "task-work side of a poll wake-up: re-check the mask (io_poll_check_events)")


@attrs.frozen
class PipeCosts:
    """Pipe costs (fs/pipe.c), besides the copies (``mem`` section)."""

    SECTION: ClassVar[str] = "pipe"

    create_ns: int = param(1500, "ns", "pipe2(): allocate the pipe inode, its buffers array and two files")
    op_ns: int = param(80, "ns", "fixed part of one pipe_read/pipe_write attempt (pipe mutex, accounting)")
    slot_ns: int = param(
        0,
        "ns",
        "a slot a write starts (a page from the pipe's cache or the allocator, the buffer set up, the head moved) "
        "or a read empties (the page released, the tail moved): what a write that appends to the last slot, "
        "or a read that leaves data in it, does not pay",
    )
    shared_lines: float = param(
        2.0,
        "lines",
        "cache lines a read and a write both write that move between their CPUs one after another (the mutex, "
        "the wait queues' lock, head and tail, the slot being filled or drained; a core fetches some of them "
        "at once, so the count need not be whole)",
    )
    buf_alloc_ns: int = param(
        60, "ns", "allocate and charge to the memory cgroup the page of a new pipe buffer slot that the pipe's page cache cannot give"
    )
    buf_free_ns: int = param(
        0, "ns", "free an emptied slot's page that the pipe's page cache does not keep (the reader's anon_pipe_buf_release: put_page, memcg uncharge)"
    )
    release_ns: int = param(300, "ns", "closing one end of a pipe (last reference)")


@attrs.frozen
class UnixCosts:
    """AF_UNIX stream socket costs and limits, besides the copies (``mem``)."""

    SECTION: ClassVar[str] = "unix"

    create_ns: int = param(3000, "ns", "socketpair(): two sockets, two files, connect them")
    sendmsg_ns: int = param(250, "ns", "fixed part of one unix_stream_sendmsg call (locks, checks, peer lookup)")
    recvmsg_ns: int = param(200, "ns", "fixed part of one unix_stream_recvmsg call (locks, scm, checks)")
    skb_alloc_ns: int = param(150, "ns", "allocate and free one skb (alloc_skb + kfree_skb)")
    shared_lines: float = param(
        3.0,
        "lines",
        "cache lines a send and the matching receive both write that move between their CPUs one after another "
        "(of the ~11 they share: queue, locks, sk_wmem_alloc, wait queue, the skb's head and shared info, slab "
        "free lists, pid reference; a core fetches some of them at once, so the count need not be whole)",
    )
    skb_frag_alloc_ns: int = param(
        0,
        "ns",
        "allocate, charge and free one block of an skb's data beyond its head: alloc_skb_with_frags takes "
        "the largest block of up to 8 pages that the data fills, one page allocation each",
    )
    skb_frag_free_ns: int = param(
        0, "ns", "free one such block when the receiver consumes the skb (put_page, the memory cgroup's uncharge)"
    )
    skb_page_ns: int = param(
        0, "ns", "what each page of an skb's data beyond its head costs besides its block's allocation"
    )
    skb_overhead_bytes: int = param(768, "bytes", "skb truesize overhead charged to the send buffer per skb")
    wmem_default_bytes: int = param(212992, "bytes", "send-buffer limit of a new socket (net.core.wmem_default)")
    rmem_default_bytes: int = param(212992, "bytes", "receive-buffer size a new socket reports (net.core.rmem_default)")
    wmem_max_bytes: int = param(212992, "bytes", "the most SO_SNDBUF may ask for, before doubling (net.core.wmem_max)")
    rmem_max_bytes: int = param(212992, "bytes", "the most SO_RCVBUF may ask for, before doubling (net.core.rmem_max)")
    sockopt_ns: int = param(150, "ns", "one socket option read or write (sk_getsockopt / sk_setsockopt under the socket lock)")
    release_ns: int = param(800, "ns", "closing a socket (last reference): shutdown, purge queues")
    socket_ns: int = param(1500, "ns", "socket(): one socket and its file (sock_alloc, unix_create, sock_alloc_file)")
    bind_ns: int = param(400, "ns", "bind() to an abstract name: the address copy, hash and table insert")
    listen_ns: int = param(150, "ns", "listen(): state and backlog under the socket lock")
    connect_ns: int = param(2500, "ns", "connect() of a stream socket: the embryo socket, its skb, queueing it on the listener")
    accept_ns: int = param(1200, "ns", "accept(): dequeue the embryo, a new file, graft the socket onto it")


@attrs.frozen
class EventfdCosts:
    """eventfd costs."""

    SECTION: ClassVar[str] = "eventfd"

    create_ns: int = param(800, "ns", "eventfd2(): allocate the context and its file")
    op_ns: int = param(60, "ns", "one eventfd read/write attempt (wait-queue lock, 8-byte copy)")


@attrs.frozen
class ShmCosts:
    """Shared-memory costs."""

    SECTION: ClassVar[str] = "shm"

    open_ns: int = param(1500, "ns", "shm_open(): path lookup and tmpfs inode creation or open")
    truncate_ns: int = param(500, "ns", "ftruncate() of a shared memory object")
    mmap_ns: int = param(2000, "ns", "mmap() of a shared mapping (VMA setup; page faults not modelled)")


@attrs.frozen
class FileCosts:
    """Regular-file costs: VFS path, page cache and the storage device."""

    SECTION: ClassVar[str] = "file"

    open_ns: int = param(1500, "ns", "open(): path walk, file allocation")
    op_ns: int = param(150, "ns", "fixed part of one read_iter/write_iter call on a regular file")
    page_ns: int = param(25, "ns", "page-cache lookup (or insertion) of one page")
    device_read_ns: int = param(60_000, "ns", "latency of one read request to the storage device")
    device_page_ns: int = param(500, "ns", "device transfer time per 4 KiB page read")
    namei_ns: int = param(
        2000,
        "ns",
        "a name-space change (mkdir, unlink, rmdir, rename, symlink, link): parent walk, dentry and inode update",
    )


KERNEL_COST_SECTIONS: Final[tuple[type[CostSection], ...]] = (
    PollCosts,
    PipeCosts,
    UnixCosts,
    EventfdCosts,
    ShmCosts,
    FileCosts,
)
"""Every cost section the kernel declares (profile tables poll, pipe, unix, eventfd, shm, file)."""
