"""Regular files on a small in-memory file system, with a page cache.

The kernel holds one :class:`SimFs` (``kernel.fs``): path -> inode.
An inode has its bytes and the set of its pages that are in the page cache.

* A read of cached pages completes at once (``filemap_read`` finding every
  page): the fixed cost ``file.op_ns``, ``file.page_ns`` per page and the
  copy.  If any page of the range is missing, a non-blocking attempt (an
  io_uring inline issue, IOCB_NOWAIT) answers -EAGAIN and io_uring punts
  the request to a *bounded* io-wq worker (the file is ``regular``); the
  blocking read (the worker, or ``read(2)``) sleeps one device read
  (``file.device_read_ns`` plus ``file.device_page_ns`` per missing page),
  after which the pages are cached and the copy is done.
* A write copies into the page cache (extending the file) and completes at
  once; the pages become cached.  Writeback is not modelled.
* Files are created with ``open(path, O_CREAT)`` or, with content that is
  *not* in the page cache (a file "on disk"), with :func:`create_file`;
  :func:`drop_caches` empties every page cache (``echo 1 >
  /proc/sys/vm/drop_caches``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from simuring.abi.errno import EAGAIN, EINVAL
from simuring.abi.posix import PAGE_SIZE, SEEK_CUR, SEEK_END, SEEK_SET
from simuring.cost import param
from simuring.host.events import timeout_at
from simuring.host.memory import memcpy_ns
from simuring.kernel.objects.base import ObjFile

if TYPE_CHECKING:
    import simpy

    from simuring.cost import CostModel
    from simuring.host.task import Task
    from simuring.kernel import Kernel


@attrs.frozen
class FileCosts:
    """Regular-file costs: VFS path, page cache and the storage device."""

    SECTION: ClassVar[str] = "file"

    open_ns: int = param(1500, "ns", "open(): path walk, file allocation")
    op_ns: int = param(150, "ns", "fixed part of one read_iter/write_iter call on a regular file")
    page_ns: int = param(25, "ns", "page-cache lookup (or insertion) of one page")
    device_read_ns: int = param(60_000, "ns", "latency of one read request to the storage device")
    device_page_ns: int = param(500, "ns", "device transfer time per 4 KiB page read")


class Inode:
    """A regular file's content and which of its pages are cached."""

    def __init__(self, path: str, data: bytes = b"", cached: bool = True) -> None:
        self.path = path
        self.data = bytearray(data)
        self.cached: set[int] = set(range(self.npages())) if cached else set()
        self.device_reads = 0

    def npages(self) -> int:
        return (len(self.data) + PAGE_SIZE - 1) // PAGE_SIZE

    def missing(self, off: int, n: int) -> list[int]:
        """Pages of ``[off, off + n)`` not in the page cache, in order."""
        if n <= 0:
            return []
        first, last = off // PAGE_SIZE, (off + n - 1) // PAGE_SIZE
        return [p for p in range(first, last + 1) if p not in self.cached]


class SimFs:
    """The in-memory file system: path -> inode (creation order)."""

    def __init__(self) -> None:
        self.inodes: dict[str, Inode] = {}


def create_file(kernel: Kernel, path: str, data: bytes = b"", cached: bool = False) -> Inode:
    """Put a file with ``data`` on the simulated disk (not cached unless ``cached``)."""
    inode = Inode(path, data, cached)
    kernel.fs.inodes[path] = inode
    return inode


def drop_caches(kernel: Kernel) -> None:
    """Evict every page of every file from the page cache."""
    for inode in kernel.fs.inodes.values():
        inode.cached.clear()


class RegFile(ObjFile):
    """An open regular file: the inode and the file position."""

    kind = "file"
    regular = True

    def __init__(self, costs: CostModel, inode: Inode, flags: int, readable: bool, writable: bool) -> None:
        super().__init__(flags, readable, writable)
        self.costs = costs
        self.fc = costs.get(FileCosts)  # resolved once per open file
        self.inode = inode
        self.pos = 0

    def __repr__(self) -> str:
        return f"<RegFile {self.inode.path!r} pos={self.pos}>"

    def _range(self, off: int, n: int) -> tuple[int, int]:
        start = self.pos if off < 0 else off
        size = len(self.inode.data)
        return start, max(0, min(n, size - start))

    def _copy_out(self, task: Task, dst: memoryview, start: int, n: int, off: int) -> int:
        inode = self.inode
        dst[:n] = inode.data[start : start + n]
        pages = (n + PAGE_SIZE - 1) // PAGE_SIZE
        task.charge(self.fc.page_ns * pages + memcpy_ns(self.costs, n))
        if off < 0:
            self.pos = start + n
        return n

    def read_nb(self, task: Task, dst: memoryview, off: int = -1) -> int:
        task.charge(self.fc.op_ns)
        start, n = self._range(off, len(dst))
        if n == 0:
            return 0
        if self.inode.missing(start, n):
            return -EAGAIN  # IOCB_NOWAIT and a page is not cached
        return self._copy_out(task, dst, start, n, off)

    def read_wait(self, task: Task, dst: memoryview, off: int = -1) -> Generator[simpy.Event, Any, int]:
        task.charge(self.fc.op_ns)
        start, n = self._range(off, len(dst))
        if n == 0:
            return 0
        missing = self.inode.missing(start, n)
        if missing:
            fc = self.fc
            self.inode.device_reads += 1
            yield from task.sleep(timeout_at(task.env, task.now() + fc.device_read_ns + fc.device_page_ns * len(missing)))
            self.inode.cached.update(missing)
            start, n = self._range(off, len(dst))  # the file may have changed meanwhile
        return self._copy_out(task, dst, start, n, off)

    def write_nb(self, task: Task, src: memoryview, off: int = -1) -> int:
        task.charge(self.fc.op_ns)
        inode = self.inode
        start = self.pos if off < 0 else off
        n = len(src)
        if n == 0:
            return 0
        end = start + n
        if end > len(inode.data):
            inode.data.extend(bytes(end - len(inode.data)))
        inode.data[start:end] = src
        first, last = start // PAGE_SIZE, (end - 1) // PAGE_SIZE
        inode.cached.update(range(first, last + 1))
        task.charge(self.fc.page_ns * (last - first + 1) + memcpy_ns(self.costs, n))
        if off < 0:
            self.pos = end
        return n

    def write_wait(self, task: Task, src: memoryview, off: int = -1) -> Generator[simpy.Event, Any, int]:
        return self.write_nb(task, src, off)
        yield  # pragma: no cover  (a generator that never sleeps)

    def lseek(self, offset: int, whence: int) -> int:
        if whence == SEEK_SET:
            new = offset
        elif whence == SEEK_CUR:
            new = self.pos + offset
        elif whence == SEEK_END:
            new = len(self.inode.data) + offset
        else:
            return -EINVAL
        if new < 0:
            return -EINVAL
        self.pos = new
        return new
