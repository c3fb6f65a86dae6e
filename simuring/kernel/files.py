"""File descriptors and the objects behind them (``struct file``, ``files_struct``).

Every kernel object a workload reaches through an fd (an io_uring instance,
a pipe end, a socket, an eventfd, an IPC channel mapping) is a :class:`File`.
The per-process :class:`FdTable` allocates the lowest free descriptor, as
``get_unused_fd_flags`` does; 0, 1 and 2 are taken by stdio placeholders so
that the first descriptor a workload opens is 3, like a real program.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Final

from mypy_extensions import mypyc_attr

from simuring.abi.errno import EBADF, EMFILE, ENODEV
from simuring.abi.poll import POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM

if TYPE_CHECKING:
    from simuring.host.task import Process, Task
    from simuring.kernel.objects.base import WaitQueue

DEFAULT_NOFILE: Final = 1024
"""RLIMIT_NOFILE's soft limit of a new process: the kernel's ``INR_OPEN_CUR``, which
systemd leaves to the services and shells it starts."""
DEFAULT_NOFILE_MAX: Final = 524288
"""RLIMIT_NOFILE's hard limit of a new process: systemd's default (``DefaultLimitNOFILE``'s
hard value, 512 Ki), above the kernel's own ``INR_OPEN_MAX`` (4096)."""

DEFAULT_POLLMASK: Final = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM
"""What ``vfs_poll`` reports for a file without a poll method (a regular file)."""


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled, plug-ins still subclass it
class File:
    """Base class of every object behind a descriptor (a ``struct file``).

    ``refs`` counts descriptors and kernel references (``fget``/``fput``);
    :meth:`release` runs when the last one goes.

    What the generic io_uring code asks of any file is declared here, with
    the answer of a file that lacks the operation; subclasses override:

    * ``pollable``: the file has ``f_op->poll`` with a wait queue (pipe,
      socket, eventfd); a -EAGAIN on it arms a poll instead of a punt;
    * ``regular``: ``S_ISREG``; io-wq runs its work on a bounded worker;
    * :meth:`poll_mask` / :meth:`poll_wq`: ``f_op->poll``;
    * :meth:`mmap`: ``f_op->mmap``.
    """

    # class variables (ClassVar): a subclass's own value is what compiled code reads too
    kind: ClassVar[str] = "file"
    pollable: ClassVar[bool] = False
    regular: ClassVar[bool] = False
    fmode_nowait: ClassVar[bool] = True
    """FMODE_NOWAIT: RWF_NOWAIT is accepted (a FIFO's, an inotify or fanotify descriptor's file lacks it: -EOPNOTSUPP)."""
    fmode_path: ClassVar[bool] = False
    """FMODE_PATH: an O_PATH file, which ``fget`` / ``fdget`` do not find (:class:`FdTable`)."""

    def __init__(self) -> None:
        self.refs = 0

    def get(self) -> File:
        self.refs += 1
        return self

    def put(self, task: Task | None) -> None:
        self.refs -= 1
        if self.refs == 0:
            self.release(task)

    def release(self, task: Task | None) -> None:
        """Called when the last reference is dropped (``f_op->release``)."""

    def poll_mask(self) -> int:
        """The events ready now (``vfs_poll`` without registering); a file
        without ``f_op->poll`` is always ready for reading and writing."""
        return DEFAULT_POLLMASK

    def poll_wq(self, events: int) -> WaitQueue | None:
        """The wait queue a waiter for ``events`` sleeps on (None: not pollable)."""
        return None

    def mmap(self, task: Task, length: int, prot: int, flags: int, offset: int) -> object:
        """``f_op->mmap``: the mapping object, or a negative errno; -ENODEV
        without the operation, as ``mmap(2)`` answers for such a file."""
        return -ENODEV

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class StdioFile(File):
    kind = "stdio"


class ReservedFd(File):
    """A descriptor taken (``get_unused_fd_flags``) by an open that has not finished (a FIFO's
    open waiting for its other end): the number is not free, the file comes later.  Linux
    answers -EBADF for it meanwhile; here it is a file that supports nothing (not modelled)."""

    kind = "reserved"


class FdTable:
    """A process's descriptor table with lowest-free allocation, and the process's
    RLIMIT_NOFILE (``signal->rlim``, kept here since only the table uses it): ``limit``
    its soft value (``rlim_cur``: a new descriptor must be below it, ``alloc_fd``'s
    end), ``limit_max`` its hard value (``rlim_max``).

    O_PATH files (``fmode_path``) sit in a table of their own, so that :meth:`get`,
    which is ``fget`` / ``fdget`` (``__fget_files`` with the FMODE_PATH mask), does
    not find them (-EBADF for every I/O call) while :meth:`get_raw` (``fdget_raw``)
    and :meth:`close` do; allocation takes the lowest number free in both."""

    def __init__(self, limit: int = DEFAULT_NOFILE, limit_max: int = DEFAULT_NOFILE_MAX) -> None:
        self.limit = limit
        self.limit_max = limit_max
        self._files: dict[int, File] = {}
        self._paths: dict[int, File] = {}
        for fd in range(3):
            self._files[fd] = StdioFile().get()

    def unused(self, limit: int | None = None) -> int:
        """``__get_unused_fd_flags`` without taking the number: the lowest free descriptor
        below ``limit`` (the soft limit when None), or -EMFILE when there is none."""
        paths = self._paths
        for fd in range(self.limit if limit is None else limit):
            if fd not in self._files and fd not in paths:
                return fd
        return -EMFILE

    def install(self, file: File, limit: int | None = None) -> int:
        """Install ``file`` at the lowest free descriptor (``get_unused_fd_flags`` +
        ``fd_install``); -EMFILE when there is none.  ``limit`` is the RLIMIT_NOFILE an
        io_uring request read when it was prepared (its ``nofile``), else the soft limit now."""
        fd = self.unused(limit)
        if fd >= 0:
            self.install_at(fd, file)
        return fd

    def install_at(self, fd: int, file: File) -> None:
        """``fd_install``: put ``file`` at ``fd`` (free, or kept for it by :meth:`install`
        of a :class:`ReservedFd`, whose placeholder is dropped)."""
        self._files.pop(fd, None)
        (self._paths if file.fmode_path else self._files)[fd] = file.get()

    def get(self, fd: int) -> File | None:
        """``fget`` / ``fdget``: the file at ``fd``, None if not open or an O_PATH file."""
        return self._files.get(fd) if isinstance(fd, int) else None

    def get_raw(self, fd: int) -> File | None:
        """``fget_raw`` / ``fdget_raw``: the file at ``fd``, an O_PATH file too."""
        if not isinstance(fd, int):
            return None
        file = self._files.get(fd)
        return self._paths.get(fd) if file is None else file

    def close(self, fd: int, task: Task | None) -> int:
        """``file_close_fd`` + ``fput``: -EBADF if ``fd`` is not open."""
        if not isinstance(fd, int):
            return -EBADF
        file = self._files.pop(fd, None)
        if file is None:
            file = self._paths.pop(fd, None)
            if file is None:
                return -EBADF
        file.put(task)
        return 0

    def close_all(self, task: Task | None) -> None:
        """Process exit: drop every descriptor, highest first (``close_files``)."""
        for fd in sorted([*self._files, *self._paths], reverse=True):
            self.close(fd, task)

    def __len__(self) -> int:
        return len(self._files) + len(self._paths)


def files_of(process: Process) -> FdTable:
    """``current->files``: a process's file-descriptor table.  The host carries
    it without knowing its type (a process is the host's; its files are the
    kernel's), so the kernel names the type here, once."""
    fds: FdTable = process.fds  # type: ignore[assignment]  # (no typing.cast call: hot)
    return fds


def fdget(task: Task, fd: object) -> File | None:
    """``fdget`` (fs/file.c, ``__fget_light``): the file at ``fd`` for one system call,
    None if not open or an O_PATH file (as :meth:`FdTable.get`).

    A process whose descriptor table has one user borrows the file: nothing can
    close it during the call.  Once the table is shared (``files->count`` above
    one: a second thread, or an io-wq worker or SQPOLL thread, all made with
    CLONE_FILES: :attr:`~simuring.host.task.Process.fds_users`), ``__fget`` takes
    a reference that ``fdput`` drops at the call's end, two atomic operations on
    the file's count: ``syscall.fd_ref_ns`` (measured on a Zen 5 guest: 24-38 ns
    a call, 27-28 in its calibrations, the same with the other thread asleep or
    spinning)."""
    file = files_of(task.process).get(fd) if isinstance(fd, int) else None
    if file is not None and task.process.fds_users > 1:
        task.charge(task.sched.syscall_costs.fd_ref_ns)
    return file
