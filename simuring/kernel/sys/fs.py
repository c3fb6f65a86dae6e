"""File system calls: read(2), write(2), close(2), open(2), lseek(2), ftruncate(2).

A descriptor is looked up in the calling process's table (``fdget``); user
buffers are checked as the kernel's ``import_ubuf`` does
(:mod:`simuring.kernel.uaccess`); regular files live in the kernel's
in-memory file system (:mod:`simuring.kernel.objects.regfile`).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from simuring.abi.errno import EBADF, EEXIST, EINVAL, EISDIR, ENOENT, ESPIPE
from simuring.abi.posix import O_ACCMODE, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY
from simuring.host.task import Task
from simuring.kernel import kernel_of
from simuring.kernel.costs import FileCosts, ShmCosts
from simuring.kernel.files import files_of
from simuring.kernel.objects.base import ObjFile
from simuring.kernel.objects.regfile import MAX_LFS_FILESIZE, Inode, RegFile
from simuring.kernel.objects.shm import ShmFile
from simuring.kernel.uaccess import user_bytes

if TYPE_CHECKING:
    from simuring.kernel import Kernel


def sys_read(task: Task, fd: int, buf: Any, count: int) -> Generator[Any, Any, int]:
    """``ksys_read`` (fs/read_write.c): a count, 0 at end of file, or -errno;
    blocks unless O_NONBLOCK."""
    file = files_of(task.process).get(fd)
    if file is None:
        return -EBADF
    view = user_bytes(buf, count, kernel_writes=True)
    if isinstance(view, int):
        return view
    if not isinstance(file, ObjFile):
        return -EINVAL
    return (yield from file.sys_read(task, view))


def sys_write(task: Task, fd: int, buf: Any, count: int) -> Generator[Any, Any, int]:
    """``ksys_write`` (fs/read_write.c): a count or -errno; blocks until all is
    written unless O_NONBLOCK."""
    file = files_of(task.process).get(fd)
    if file is None:
        return -EBADF
    view = user_bytes(buf, count, kernel_writes=False)
    if isinstance(view, int):
        return view
    if not isinstance(file, ObjFile):
        return -EINVAL
    return (yield from file.sys_write(task, view))


def sys_close(task: Task, fd: int) -> int:
    """``SYSCALL_DEFINE1(close)`` (fs/open.c, ``file_close_fd`` + ``fput``): drop
    the descriptor; the object goes when its last reference does."""
    return files_of(task.process).close(fd, task)


def sys_openat(task: Task, path: str, flags: int, mode: int) -> int:
    """``do_sys_openat2`` (fs/open.c) on the in-memory file system: O_RDONLY /
    O_WRONLY / O_RDWR, O_CREAT, O_EXCL, O_TRUNC.  ``mode`` is ignored (no
    permission model for files)."""
    kernel = kernel_of(task.env)
    task.charge(kernel.costs.get(FileCosts).open_ns)
    if not isinstance(flags, int):
        return -EINVAL
    file = open_file(kernel, path, flags)
    if isinstance(file, int):
        return file
    return files_of(task.process).install(file)


def open_file(kernel: Kernel, path: str, flags: int) -> RegFile | int:
    """``do_filp_open`` on the in-memory file system (no directories: ``path`` is
    the inode's name): a new open file, or -errno (-ENOENT, -EISDIR for a name to
    create ending in ``/``, -EEXIST, -EINVAL for access mode 3).  O_TRUNC empties
    a file opened for writing.  A missing name is remembered in ``fs.negative``."""
    fs = kernel.fs
    inode = fs.inodes.get(path)
    if inode is None:
        if not flags & O_CREAT:
            fs.negative.add(path)  # the lookup leaves a negative dentry
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
        inode.truncate(0)
    return RegFile(kernel.costs, inode, flags, readable, writable)


def sys_lseek(task: Task, fd: int, offset: int, whence: int) -> int:
    """``ksys_lseek`` (fs/read_write.c): the new position of a regular file, or
    -errno (-ESPIPE for streams)."""
    file = files_of(task.process).get(fd)
    if file is None:
        return -EBADF
    if not isinstance(file, RegFile):
        return -ESPIPE
    return file.lseek(offset, whence)


def sys_ftruncate(task: Task, fd: int, length: int) -> int:
    """``do_sys_ftruncate`` (fs/open.c) of a shared memory object (``shmem_setattr``)
    or a regular file."""
    file = files_of(task.process).get(fd)
    if file is None:
        return -EBADF
    if not isinstance(length, int) or not 0 <= length <= MAX_LFS_FILESIZE:
        return -EINVAL  # above LLONG_MAX is a negative loff_t in C
    if isinstance(file, ShmFile):
        task.charge(task.sched.costs.get(ShmCosts).truncate_ns)
        if not file.writable:
            return -EINVAL
        return file.obj.truncate(length)
    if isinstance(file, RegFile):
        if not file.writable:
            return -EINVAL
        file.inode.truncate(length)  # sparse: growing costs no memory
        return 0
    return -EINVAL
