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
* Files are sparse, as on tmpfs: an inode keeps only the pages that were
  written, so a write at offset 2**40 costs one page of memory; the size is
  the kernel's ``i_size``; a read of a hole (never written, or past a
  truncation) gives zeros and needs no device read.  Positions are
  ``loff_t``: a read or write whose range does not fit (offset + count
  above ``LLONG_MAX``, ``rw_verify_area``) is -EINVAL; tmpfs's
  ``s_maxbytes`` is ``MAX_LFS_FILESIZE`` = ``LLONG_MAX``, so no write that
  passes that check is -EFBIG, and lseek(2) may go up to ``LLONG_MAX``.
* Appending writes (``generic_write_checks``: IOCB_APPEND, from O_APPEND or
  an io_uring write's RWF_APPEND) go to the end of the file whatever the
  offset; a write at the file position (-1) leaves it after the data.
* Files are created with ``open(path, O_CREAT)`` or, with content that is
  *not* in the page cache (a file "on disk"), with :func:`create_file`;
  :func:`drop_caches` empties every page cache (``echo 1 >
  /proc/sys/vm/drop_caches``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from simuring.abi.errno import EAGAIN, EINVAL
from simuring.abi.inotify import IN_ACCESS, IN_CLOSE_NOWRITE, IN_CLOSE_WRITE, IN_MODIFY
from simuring.abi.posix import O_APPEND, PAGE_SIZE, SEEK_CUR, SEEK_END, SEEK_SET
from simuring.host.events import timeout_at
from simuring.host.memory import memcpy_ns
from simuring.kernel.costs import FileCosts
from simuring.kernel.fsnotify import dget, dput, fsnotify_file, fsnotify_path
from simuring.kernel.objects.base import ObjFile

if TYPE_CHECKING:
    import simpy

    from simuring.cost import CostModel
    from simuring.host.task import Task
    from simuring.kernel import Kernel
    from simuring.kernel.fsnotify import Mark
    from simuring.kernel.namei import Symlink


MAX_LFS_FILESIZE = (1 << 63) - 1
"""``LLONG_MAX``: the largest ``loff_t``, and tmpfs's ``s_maxbytes`` on 64-bit."""


class Inode:
    """A regular file's content (sparse: only written pages are kept), its size
    (``i_size``), which of its pages are cached, and its extended attributes
    (``xattrs``: full name -> value, as tmpfs's ``simple_xattrs``; see
    :mod:`simuring.kernel.xattr`)."""

    def __init__(self, path: str, data: bytes = b"", cached: bool = True) -> None:
        self.path = path
        self.size = 0
        self.pages: dict[int, bytearray] = {}  # page index -> PAGE_SIZE bytes; a missing page is a hole
        self.cached: set[int] = set()
        self.device_reads = 0
        self.xattrs: dict[str, bytes] = {}
        if data:
            self.write(0, memoryview(data))
        if not cached:
            self.cached.clear()

    def missing(self, off: int, n: int) -> list[int]:
        """Pages of ``[off, off + n)`` that hold data and are not in the page
        cache, in order (a hole reads as zeros without the device)."""
        if n <= 0:
            return []
        first, last = off // PAGE_SIZE, (off + n - 1) // PAGE_SIZE
        return [p for p in range(first, last + 1) if p in self.pages and p not in self.cached]

    def read(self, off: int, n: int) -> bytes:
        """The ``n`` bytes at ``off`` (the caller clamps to the size); holes are zeros."""
        out = bytearray()
        pages = self.pages
        pos, end = off, off + n
        while pos < end:
            index, start = divmod(pos, PAGE_SIZE)
            k = min(PAGE_SIZE - start, end - pos)
            page = pages.get(index)
            out += page[start : start + k] if page is not None else bytes(k)
            pos += k
        return bytes(out)

    def write(self, off: int, src: memoryview) -> tuple[int, int]:
        """Copy ``src`` to ``off``, allocating the pages it touches and growing
        the size; the first and last page index written (they become cached)."""
        pages = self.pages
        n = len(src)
        pos, done = off, 0
        while done < n:
            index, start = divmod(pos, PAGE_SIZE)
            k = min(PAGE_SIZE - start, n - done)
            page = pages.get(index)
            if page is None:
                page = pages[index] = bytearray(PAGE_SIZE)
            page[start : start + k] = src[done : done + k]
            pos += k
            done += k
        end = off + n
        self.size = max(self.size, end)
        first, last = off // PAGE_SIZE, (end - 1) // PAGE_SIZE
        self.cached.update(range(first, last + 1))
        return first, last

    def truncate(self, length: int) -> None:
        """Set the size (``truncate_setsize``): pages past it go, the tail of
        the last one is zeroed; growing only moves the size (a hole)."""
        if length < self.size:
            keep = (length + PAGE_SIZE - 1) // PAGE_SIZE
            for index in [i for i in self.pages if i >= keep]:
                del self.pages[index]
            self.cached = {i for i in self.cached if i < keep}
            tail = length % PAGE_SIZE
            page = self.pages.get(length // PAGE_SIZE)
            if tail and page is not None:
                page[tail:] = bytes(PAGE_SIZE - tail)
        self.size = length


class SimFs:
    """The in-memory file system: path -> inode (creation order), and the names
    looked up and found missing (the dentry cache's negative entries: an
    io_uring open's inline LOOKUP_CACHED walk finds them without waiting).

    The name space (:mod:`simuring.kernel.namei`): paths are canonical and
    absolute; ``dirs`` holds the directories (the root ``/`` always),
    ``symlinks`` the symbolic links, ``devices`` the character devices
    (RENAME_WHITEOUT's whiteouts); a hard link is a second key of ``inodes``
    for the same :class:`Inode`.  ``marks`` holds the fsnotify marks on its objects
    (:mod:`simuring.kernel.fsnotify`), ``pinned`` the dentries open files hold (by name and
    object, for IN_DELETE_SELF), ``move_cookie`` the last rename cookie handed out."""

    def __init__(self) -> None:
        self.inodes: dict[str, Inode] = {}
        self.negative: set[str] = set()
        self.dirs: dict[str, int] = {"/": 1}  # directory -> inode number
        self.symlinks: dict[str, Symlink] = {}
        self.devices: dict[str, int] = {}  # path -> rdev
        self.next_ino = 1
        self.marks: dict[Inode | Symlink | int, list[Mark]] = {}
        self.pinned: dict[tuple[str, Inode | int], int] = {}  # (name, object) -> open files pinning its dentry
        self.move_cookie = 0


def create_file(kernel: Kernel, path: str, data: bytes = b"", cached: bool = False) -> Inode:
    """Put a file with ``data`` on the simulated disk (not cached unless ``cached``);
    the directories above it are made if missing."""
    from simuring.kernel.namei import make_parents

    make_parents(kernel.fs, path)
    inode = Inode(path, data, cached)
    kernel.fs.inodes[path] = inode
    return inode


def drop_caches(kernel: Kernel) -> None:
    """Evict every page of every file from the page cache."""
    for inode in kernel.fs.inodes.values():
        inode.cached.clear()


class RegFile(ObjFile):
    """An open regular file: the inode and the file position; the file system and the name
    it was opened by, for its fsnotify events (:mod:`simuring.kernel.fsnotify`: a later
    rename of the file is not followed)."""

    kind = "file"
    regular = True

    def __init__(
        self,
        costs: CostModel,
        inode: Inode,
        flags: int,
        readable: bool,
        writable: bool,
        fs: SimFs | None = None,
        name: str = "",
    ) -> None:
        super().__init__(flags, readable, writable)
        self.costs = costs
        self.fc = costs.get(FileCosts)  # resolved once per open file
        self.inode = inode
        self.pos = 0
        self.fs = fs
        self.name = name
        if fs is not None and name:
            dget(fs, name, inode)

    def notify(self, mask: int) -> None:
        """Raise ``mask`` on the file (``fsnotify_file``), if any object is watched: an event
        with the file in it, which IN_EXCL_UNLINK holds back once the name the file was opened
        by is unlinked (``fsnotify_handle_inode_event``'s ``d_unlinked``)."""
        fs = self.fs
        if fs is not None and fs.marks:
            fsnotify_file(fs, self.name, self.inode, mask)

    def notify_change(self, mask: int) -> None:
        """Raise ``mask`` on the file's dentry (``fsnotify_change`` of a truncation): no file
        in the event, so IN_EXCL_UNLINK does not hold it back."""
        fs = self.fs
        if fs is not None and fs.marks:
            fsnotify_path(fs, self.name, self.inode, mask)

    def release(self, task: Task | None) -> None:
        """``__fput``: ``fsnotify_close`` (IN_CLOSE_WRITE for a file opened for writing, else
        IN_CLOSE_NOWRITE), then ``dput`` of the dentry it was opened by."""
        self.notify(IN_CLOSE_WRITE if self.writable else IN_CLOSE_NOWRITE)
        if self.fs is not None and self.name:
            dput(self.fs, self.name, self.inode)

    def sys_read(self, task: Task, dst: memoryview, nonblock: bool = False) -> Generator[simpy.Event, Any, int]:
        """read(2): ``vfs_read`` raises IN_ACCESS when it returns data."""
        ret = yield from super().sys_read(task, dst, nonblock)
        if ret > 0:
            self.notify(IN_ACCESS)
        return ret

    def sys_write(self, task: Task, src: memoryview, nonblock: bool = False) -> Generator[simpy.Event, Any, int]:
        """write(2): ``vfs_write`` raises IN_MODIFY when it wrote something."""
        ret = yield from super().sys_write(task, src, nonblock)
        if ret > 0:
            self.notify(IN_MODIFY)
        return ret

    def __repr__(self) -> str:
        return f"<RegFile {self.inode.path!r} pos={self.pos}>"

    def _range(self, off: int, n: int) -> tuple[int, int]:
        start = self.pos if off < 0 else off
        return start, max(0, min(n, self.inode.size - start))

    def _copy_out(self, task: Task, dst: memoryview, start: int, n: int, off: int) -> int:
        dst[:n] = self.inode.read(start, n)
        pages = (n + PAGE_SIZE - 1) // PAGE_SIZE
        task.charge(self.fc.page_ns * pages + memcpy_ns(self.costs, n))
        if off < 0:
            self.pos = start + n
        return n

    def _bad_range(self, off: int, n: int) -> bool:
        """``rw_verify_area``: ``[pos, pos + n)`` leaves the ``loff_t`` range (-EINVAL)."""
        return (self.pos if off < 0 else off) + n > MAX_LFS_FILESIZE

    def read_nb(self, task: Task, dst: memoryview, off: int = -1) -> int:
        task.charge(self.fc.op_ns)
        if self._bad_range(off, len(dst)):
            return -EINVAL
        start, n = self._range(off, len(dst))
        if n == 0:
            return 0
        if self.inode.missing(start, n):
            return -EAGAIN  # IOCB_NOWAIT and a page is not cached
        return self._copy_out(task, dst, start, n, off)

    def read_wait(self, task: Task, dst: memoryview, off: int = -1) -> Generator[simpy.Event, Any, int]:
        task.charge(self.fc.op_ns)
        if self._bad_range(off, len(dst)):
            return -EINVAL
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
        return self.write_at(task, src, off, bool(self.f_flags & O_APPEND))

    def write_at(self, task: Task, src: memoryview, off: int, append: bool) -> int:
        """The write itself; ``append`` is IOCB_APPEND (``generic_write_checks``
        moves the write to ``i_size``; at the file position (-1) the position
        follows it)."""
        task.charge(self.fc.op_ns)
        n = len(src)
        if self._bad_range(off, n):
            return -EINVAL
        if n == 0:
            return 0  # before the append: an empty write moves nothing
        if append:
            if off < 0:
                self.pos = self.inode.size
            else:
                off = self.inode.size
        start = self.pos if off < 0 else off
        first, last = self.inode.write(start, src)
        task.charge(self.fc.page_ns * (last - first + 1) + memcpy_ns(self.costs, n))
        if off < 0:
            self.pos = start + n
        return n

    def write_wait(self, task: Task, src: memoryview, off: int = -1) -> Generator[simpy.Event, Any, int]:
        return self.write_nb(task, src, off)
        yield  # pragma: no cover  (a generator that never sleeps)

    def lseek(self, offset: int, whence: int) -> int:
        """``generic_file_llseek`` with tmpfs's ``s_maxbytes``: -EINVAL outside [0, LLONG_MAX]."""
        if whence == SEEK_SET:
            new = offset
        elif whence == SEEK_CUR:
            new = self.pos + offset
        elif whence == SEEK_END:
            new = self.inode.size + offset
        else:
            return -EINVAL
        if not 0 <= new <= MAX_LFS_FILESIZE:
            return -EINVAL
        self.pos = new
        return new
