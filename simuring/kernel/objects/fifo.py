"""Special files made by mknod(2): FIFOs (named pipes), and the device and socket nodes.

A node is an :class:`NodeInode` in the file system's ``inodes`` table (so a
name, a hard link, unlink(2) and rename(2) treat it as any file's), with its
type and permission bits (``mode``; the process umask is taken as 022, not
modelled otherwise) and its device number.  Only a FIFO can be opened: a
character or block device has no driver here and a socket node is not a
socket, so opening either is -ENXIO (what Linux answers for a device number
with no driver, ``chrdev_open``, and for a socket node, ``no_open``).

A FIFO (fs/pipe.c ``fifo_open``): the first open of a FIFO that nobody has
open makes its pipe (``inode->i_pipe``, a
:class:`~simuring.kernel.objects.pipe.Pipe`); every open while any end is
open shares it (``pipe->files``, kept on the inode with the pipe's open
counters, counts the open files); the last close drops it and whatever data
it held (``put_pipe_info``).  The
opens, by access mode:

* O_RDONLY counts a reader (``readers``, and ``r_counter``, which only
  grows) and wakes whoever waits for a partner.  With writers, or with
  O_NONBLOCK, it returns at once; O_NONBLOCK without a writer remembers the
  writer count it saw (``f_pipe``), so that poll(2) reports no POLLHUP until
  a writer has come (and gone).  Otherwise it waits for ``w_counter`` to move
  (``wait_for_partner``).
* O_WRONLY with O_NONBLOCK and no reader is -ENXIO; otherwise it counts a
  writer, wakes the partner, and without readers waits for ``r_counter`` to
  move.
* O_RDWR counts both and never waits (Linux-specific).
* access mode 3 is -EINVAL.

The wait is ``wait_for_partner``: interruptible, on the pipe's wait queue,
ended by any keyless wake-up that finds the counter moved.  Interrupted (an
io-wq worker whose OPENAT is cancelled) the open takes its count back
(waking the other side when it was the last) and fails with -ERESTARTSYS,
which io_uring posts as it is.

An open FIFO end is a :class:`FifoFile`, a pipe end (its reads, writes,
splices, POLLIN/POLLOUT and wake-ups are a pipe's,
:mod:`simuring.kernel.objects.pipe`) with the FIFO's differences: an O_RDWR
end is both a reader and a writer; poll (``pipe_poll``) reports POLLHUP to a
reader only once no writer is left and a writer has opened since that reader
looked (``f_pipe != w_counter``); closing (``pipe_release``) wakes everyone
only when the close leaves one side without ends and the other with some.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import EAGAIN, EINVAL, ENXIO, ERESTARTSYS
from simuring.abi.posix import O_ACCMODE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, S_IFIFO, S_IFMT
from simuring.kernel.files import FdTable, ReservedFd
from simuring.kernel.objects.base import ObjFile, block_on
from simuring.kernel.objects.pipe import Pipe, PipeFile
from simuring.kernel.objects.regfile import Inode

if TYPE_CHECKING:
    import simpy

    from simuring.cost import CostModel
    from simuring.host.task import Task

UMASK: Final = 0o022
"""The process umask the model assumes (``current_umask()``; umask(2) is not modelled)."""


class NodeInode(Inode):
    """A special file's inode: ``mode`` (S_IFMT and the permission bits), ``rdev``; for a FIFO,
    its pipe while any end of it is open (``i_pipe``) and that pipe's open counters
    (``r_counter`` and ``w_counter`` only grow; ``files`` counts the open files sharing it)."""

    def __init__(self, path: str, mode: int, rdev: int = 0) -> None:
        super().__init__(path)
        self.mode = mode
        self.rdev = rdev
        self.pipe: Pipe | None = None
        self.r_counter = 0
        self.w_counter = 0
        self.files = 0

    @property
    def is_fifo(self) -> bool:
        return self.mode & S_IFMT == S_IFIFO

    def put_pipe(self) -> None:
        """``put_pipe_info``: the last file gone, the pipe (and its data) goes; a later open
        makes a new one, its counters from zero (``alloc_pipe_info``)."""
        self.files -= 1
        if self.files == 0:
            self.pipe = None
            self.r_counter = self.w_counter = 0


def wake_partner(task: Task | None, pipe: Pipe) -> None:
    """``wake_up_partner``: a keyless wake-up of everything on the pipe's queue."""
    pipe.wq.wake(task, 0)


class FifoFile(PipeFile):
    """An open FIFO: a pipe end that may read, write or both; ``f_pipe`` is the writer count
    a non-blocking reader saw with no writer (POLLHUP held back until it moves); ``waiting``
    names the counter a blocking open still waits for (``"r"``, ``"w"`` or ``""``)."""

    fmode_nowait = False  # fifo_open sets no FMODE_NOWAIT: RWF_NOWAIT is -EOPNOTSUPP

    def __init__(self, inode: NodeInode, pipe: Pipe, flags: int, readable: bool, writable: bool) -> None:
        ObjFile.__init__(self, flags, readable, writable)
        self.pipe = pipe
        self.reader = readable
        self.inode = inode
        self.f_pipe = 0
        self.waiting = ""
        self.seen = 0  # the counter's value when the wait began

    def __repr__(self) -> str:
        mode = "rw" if self.readable and self.writable else "r" if self.readable else "w"
        return f"<FifoFile {self.inode.path!r} {mode}, {len(self.pipe)} bytes>"

    def writer_unseen(self) -> bool:
        """A reader opened with no writer keeps POLLHUP back until a writer has opened."""
        return self.f_pipe == self.inode.w_counter

    def _partner_moved(self) -> int:
        inode = self.inode
        now = inode.w_counter if self.waiting == "w" else inode.r_counter
        return -EAGAIN if now == self.seen else 0

    def wait_partner(self, task: Task) -> Generator[simpy.Event, Any, int]:
        """``wait_for_partner``: sleep until the other side's open counter moves; 0, or
        -ERESTARTSYS when interrupted (the open is taken back: :meth:`abandon`)."""
        if not self.waiting:
            return 0
        ret = yield from block_on(task, self.pipe.wq, 0, self._partner_moved)
        if ret == 0:
            self.waiting = ""
            return 0
        self.abandon(task)
        return -ERESTARTSYS

    def abandon(self, task: Task | None) -> None:
        """A waiting open given up (``err_rd`` / ``err_wr``): its count taken back, waking the
        other side when it was the last, and the file dropped."""
        pipe = self.pipe
        if self.waiting == "w":
            pipe.readers -= 1
            if pipe.readers == 0:
                wake_partner(task, pipe)
        else:
            pipe.writers -= 1
            if pipe.writers == 0:
                wake_partner(task, pipe)
        self.waiting = ""
        self.inode.put_pipe()
        self.readable = self.writable = False  # its ends are already taken back

    def release(self, task: Task | None) -> None:
        """``pipe_release``: the ends go; a close that leaves one side alone wakes everyone."""
        pipe = self.pipe
        if task is not None:
            task.charge(pipe.pc.release_ns)
        if not (self.readable or self.writable):
            return
        if self.readable:
            pipe.readers -= 1
        if self.writable:
            pipe.writers -= 1
        if (pipe.readers == 0) != (pipe.writers == 0):
            wake_partner(task, pipe)
        self.inode.put_pipe()


def _meet(pipe: Pipe, file: FifoFile, mine: int, theirs: int, side: str, counter: int, keep: bool) -> None:
    """One side's open after its count: the first of its side wakes the other (``wake_up_partner``);
    with none of the other side, a non-blocking reader ``keep`` s the writer counter it saw
    (``f_pipe``), any other open is left to wait for ``side``'s counter to move."""
    if mine == 1:
        wake_partner(None, pipe)
    if theirs == 0:
        if keep:
            file.f_pipe = counter
        else:
            file.waiting, file.seen = side, counter


def fifo_open(costs: CostModel, inode: NodeInode, flags: int) -> FifoFile | int:
    """``fifo_open`` up to the wait: the shared pipe, the counts, -ENXIO or -EINVAL; a file
    whose ``waiting`` is set must still :meth:`~FifoFile.wait_partner` (a blocking open
    with no partner yet)."""
    acc = flags & O_ACCMODE
    pipe = inode.pipe
    if acc == O_ACCMODE:
        return -EINVAL
    if acc == O_WRONLY and flags & O_NONBLOCK and (pipe is None or pipe.readers == 0):
        return -ENXIO
    if pipe is None:
        pipe = inode.pipe = Pipe(costs)
    inode.files += 1
    file = FifoFile(inode, pipe, flags, acc != O_WRONLY, acc != O_RDONLY)
    if acc == O_RDONLY:
        inode.r_counter += 1
        pipe.readers += 1
        _meet(pipe, file, pipe.readers, pipe.writers, "w", inode.w_counter, bool(flags & O_NONBLOCK))
    elif acc == O_WRONLY:
        inode.w_counter += 1
        pipe.writers += 1
        _meet(pipe, file, pipe.writers, pipe.readers, "r", inode.r_counter, False)
    else:
        assert acc == O_RDWR
        pipe.readers += 1
        pipe.writers += 1
        inode.r_counter += 1
        inode.w_counter += 1
        if pipe.readers == 1 or pipe.writers == 1:
            wake_partner(None, pipe)
    return file


def wait_and_install(task: Task, fds: FdTable, file: FifoFile, fd: int) -> Generator[simpy.Event, Any, int]:
    """A blocking open that waits (``do_sys_openat2``, ``io_openat2``): descriptor ``fd``, found free
    before the open (``get_unused_fd_flags``), is held while ``wait_for_partner`` sleeps, then
    ``fd_install``; the descriptor or -errno."""
    fds.install_at(fd, ReservedFd())
    ret = yield from file.wait_partner(task)
    if ret < 0:
        fds.close(fd, None)
        return ret
    fds.install_at(fd, file)
    return fd
