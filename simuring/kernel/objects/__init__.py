"""The POSIX kernel objects of the IPC baselines: one module each.

* :mod:`.pipe` -- anonymous pipes (16 page-sized slots, PIPE_BUF atomicity);
* :mod:`.socket` -- AF_UNIX SOCK_STREAM socket pairs (skbs, send buffer);
* :mod:`.eventfd` -- eventfd counters (EFD_SEMAPHORE);
* :mod:`.shm` -- POSIX shared memory objects and shared mappings;
* :mod:`.regfile` -- regular files of an in-memory file system with a page cache.

Each is a :class:`~simuring.kernel.files.File` (through
:class:`~simuring.kernel.objects.base.ObjFile`) installed in a process's fd
table, with the non-blocking attempt io_uring issues inline, the blocking
variant of syscalls and io-wq, and (pipes, sockets, eventfd) a poll wait
queue.  See docs/objects.md.
"""

from simuring.kernel.objects.base import ObjFile, WaitEntry, WaitQueue, block_on

__all__ = ["ObjFile", "WaitEntry", "WaitQueue", "block_on"]
