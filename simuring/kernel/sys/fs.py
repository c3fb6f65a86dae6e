"""File system calls: read(2), write(2), close(2), open(2), lseek(2), ftruncate(2),
mkdir(2), mknod(2), unlink(2), rmdir(2), readlink(2).

A descriptor is looked up in the calling process's table (``fdget``); user
buffers are checked as the kernel's ``import_ubuf`` does
(:mod:`simuring.kernel.uaccess`); regular files live in the kernel's
in-memory file system (:mod:`simuring.kernel.objects.regfile`).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import (
    EBADF,
    EEXIST,
    EFAULT,
    EINVAL,
    EISDIR,
    ELOOP,
    ENAMETOOLONG,
    ENOENT,
    ENOTDIR,
    ENXIO,
    ESPIPE,
)
from simuring.abi.inotify import IN_CREATE, IN_MODIFY, IN_OPEN
from simuring.abi.posix import (
    O_ACCMODE,
    O_CREAT,
    O_EXCL,
    O_NOFOLLOW,
    O_PATH,
    O_RDONLY,
    O_RDWR,
    O_TRUNC,
    O_WRONLY,
)
from simuring.host.task import Task
from simuring.kernel import kernel_of
from simuring.kernel.costs import FileCosts, ShmCosts
from simuring.kernel.files import fdget, files_of
from simuring.kernel.fsnotify import fsnotify_dirent
from simuring.kernel.namei import (
    LAST_NORM,
    MAXSYMLINKS,
    do_mkdirat,
    do_mknodat,
    do_readlinkat,
    do_rmdir,
    do_unlinkat,
    join,
    lookup,
    parentat,
    start_of,
    too_long,
)
from simuring.kernel.objects.base import ObjFile
from simuring.kernel.objects.dirfile import DirFile
from simuring.kernel.objects.fifo import FifoFile, NodeInode, fifo_open, wait_and_install
from simuring.kernel.objects.pathfile import PathFile
from simuring.kernel.objects.regfile import MAX_LFS_FILESIZE, Inode, RegFile
from simuring.kernel.objects.shm import ShmFile
from simuring.kernel.uaccess import user_bytes

if TYPE_CHECKING:
    from simuring.kernel import Kernel

O_DIRECTORY: Final = 0o200000
"""x86-64's O_DIRECTORY."""
AT_REMOVEDIR: Final = 0x200


def sys_read(task: Task, fd: int, buf: Any, count: int) -> Generator[Any, Any, int]:
    """``ksys_read`` (fs/read_write.c): a count, 0 at end of file, or -errno;
    blocks unless O_NONBLOCK."""
    file = fdget(task, fd)
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
    file = fdget(task, fd)
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


def sys_openat(task: Task, path: str, flags: int, mode: int) -> int | Generator[Any, Any, int]:
    """``do_sys_openat2`` (fs/open.c) on the in-memory file system: O_RDONLY /
    O_WRONLY / O_RDWR, O_CREAT, O_EXCL, O_TRUNC.  ``mode`` is ignored (no
    permission model for files).  An empty path is -ENOENT (``getname``); then the
    descriptor is taken (``get_unused_fd_flags``) before :func:`open_file` walks the
    path, so a full table is -EMFILE whatever the path names, with nothing opened,
    created or notified.  A blocking open of a FIFO with no partner yet sleeps until
    one comes, its descriptor held meanwhile
    (:func:`~simuring.kernel.objects.fifo.wait_and_install`)."""
    kernel = kernel_of(task.env)
    task.charge(kernel.costs.get(FileCosts).open_ns)
    if not isinstance(flags, int):
        return -EINVAL
    if not path:
        return -ENOENT  # getname
    fds = files_of(task.process)
    fd = fds.unused()  # get_unused_fd_flags: before do_filp_open looks at the path
    if fd < 0:
        return fd
    file = open_file(kernel, path, flags)
    if isinstance(file, int):
        return file
    if isinstance(file, FifoFile) and file.waiting:
        return wait_and_install(task, fds, file, fd)
    fds.install_at(fd, file)
    return fd


def sys_mknodat(task: Task, dfd: int, path: str, mode: int, dev: int) -> int:
    """``do_mknodat`` (fs/namei.c, :func:`~simuring.kernel.namei.do_mknodat`): a FIFO, a device
    or socket node, or an empty regular file."""
    kernel = kernel_of(task.env)
    task.charge(kernel.costs.get(FileCosts).namei_ns)
    if not isinstance(path, str):
        return -EFAULT
    if not isinstance(mode, int) or not isinstance(dev, int) or not isinstance(dfd, int):
        return -EINVAL
    return do_mknodat(kernel.fs, start_of(task.process, dfd, path), path, mode, dev)


def open_file(
    kernel: Kernel, path: str, flags: int, start: str = "/"
) -> RegFile | DirFile | FifoFile | PathFile | int:
    """``do_filp_open`` on the in-memory file system: the path is walked from ``start``
    (for a relative one; :mod:`simuring.kernel.namei`), symbolic links followed; a new
    open file, or -errno (-ENOENT, -ENOTDIR, -ELOOP from the walk; -EISDIR for a name
    to create ending in ``/`` or naming a directory, or a directory opened for
    writing; -ENOTDIR for O_DIRECTORY on a file; -EEXIST; -EINVAL for a FIFO opened with
    access mode 3).  O_TRUNC empties a regular file, whatever the access mode.  A missing name is remembered in
    ``fs.negative``; a directory opens as a :class:`DirFile`, a FIFO as a :class:`FifoFile`
    (``fifo_open``: one whose ``waiting`` is set still has to wait for its partner), another
    special file is -ENXIO (no driver).  O_PATH opens the name only (:func:`_open_path`).
    ``path`` is not empty (``getname`` refused that) and the caller has its descriptor or
    registered slot already."""
    fs = kernel.fs
    if flags & O_PATH:
        return _open_path(kernel, path, flags, start)
    if flags & O_CREAT:
        return _open_create(kernel, start, path, flags, MAXSYMLINKS)
    name = lookup(fs, start, path)
    if isinstance(name, int):
        return name
    if name in fs.dirs:
        if flags & O_ACCMODE != O_RDONLY or flags & O_TRUNC:
            return -EISDIR  # may_open: a directory is never written
        directory = DirFile(name, flags, fs)
        directory.notify(IN_OPEN)  # vfs_open -> fsnotify_open
        return directory
    if flags & O_DIRECTORY:
        return -ENOTDIR
    inode = fs.inodes.get(name)
    if inode is None:
        return -ENXIO  # a whiteout (0:0 character device): no driver
    return _open_inode(kernel, inode, flags, name)


def _open_path(kernel: Kernel, path: str, flags: int, start: str) -> PathFile | int:
    """``build_open_flags`` with O_PATH (every flag but O_DIRECTORY, O_NOFOLLOW and O_PATH
    dropped: O_CREAT creates nothing, O_TRUNC empties nothing, the access mode asks for
    nothing), then ``do_o_path``: the name is looked up (its last symbolic link followed
    unless O_NOFOLLOW; -ENOTDIR with O_DIRECTORY for anything but a directory) and the
    file is made without opening it (:class:`PathFile`): a FIFO does not wait, a device
    node needs no driver."""
    fs = kernel.fs
    name = lookup(fs, start, path, not flags & O_NOFOLLOW)
    if isinstance(name, int):
        return name
    is_dir = name in fs.dirs
    if flags & O_DIRECTORY and not is_dir:
        return -ENOTDIR
    return PathFile(name, fs.inodes.get(name), is_dir, flags & (O_DIRECTORY | O_NOFOLLOW | O_PATH))


def _open_create(kernel: Kernel, start: str, path: str, flags: int, links: int) -> RegFile | FifoFile | int:
    """``open_last_lookups`` and ``do_open`` with O_CREAT: a symbolic link is followed
    (unless O_EXCL), a missing name created in its directory."""
    fs = kernel.fs
    last = parentat(fs, start, path)
    if isinstance(last, int):
        return last
    if last.kind != LAST_NORM:
        return -EEXIST if flags & O_EXCL else -EISDIR
    if last.slash:
        return -EISDIR
    if too_long(last.name):
        return -ENAMETOOLONG
    name = join(last.dir, last.name)
    link = fs.symlinks.get(name)
    if link is not None:
        if flags & O_EXCL:
            return -EEXIST
        if links <= 0:
            return -ELOOP
        return _open_create(kernel, last.dir, link.target, flags, links - 1)
    inode = fs.inodes.get(name)
    if inode is None:
        if name in fs.dirs or name in fs.devices:
            return -EEXIST if flags & O_EXCL else -EISDIR if name in fs.dirs else -ENXIO
        inode = fs.inodes[name] = Inode(name)
        fs.negative.discard(name)
        fsnotify_dirent(fs, name, IN_CREATE, False)  # vfs_create -> fsnotify_create
        return _open_inode(kernel, inode, flags, name, True)
    if flags & O_EXCL:
        return -EEXIST
    return _open_inode(kernel, inode, flags, name)


def _open_inode(
    kernel: Kernel, inode: Inode, flags: int, name: str, created: bool = False
) -> RegFile | FifoFile | int:
    """``do_open`` of a file named ``name``: ``vfs_open`` raises IN_OPEN, then O_TRUNC's
    ``handle_truncate`` IN_MODIFY (``fsnotify_change`` of ATTR_SIZE) -- not for a file this
    open ``created`` (FMODE_CREATED: nothing to truncate, no event).  The access mode decides
    only the file's FMODE_READ / FMODE_WRITE (``OPEN_FMODE``): a regular file opened with
    access mode 3 is opened for neither (its reads and writes are -EBADF), and O_TRUNC empties
    a regular file opened for reading too (``do_open`` truncates any S_ISREG file with
    O_TRUNC; ``build_open_flags`` asks for MAY_WRITE then)."""
    if isinstance(inode, NodeInode):
        return fifo_open(kernel.costs, inode, flags) if inode.is_fifo else -ENXIO
    acc = flags & O_ACCMODE
    readable = acc in (O_RDONLY, O_RDWR)  # OPEN_FMODE: access mode 3 opens neither way
    writable = acc in (O_WRONLY, O_RDWR)
    truncate = bool(flags & O_TRUNC) and not created  # do_open: whatever the access mode
    if truncate:
        inode.truncate(0)
    file = RegFile(kernel.costs, inode, flags, readable, writable, kernel.fs, name)
    file.notify(IN_OPEN)
    if truncate:
        file.notify_change(IN_MODIFY)
    return file


def sys_mkdirat(task: Task, dfd: int, path: str, mode: int) -> int:
    """``do_mkdirat`` (fs/namei.c); ``mode`` is ignored (no permissions)."""
    kernel = kernel_of(task.env)
    task.charge(kernel.costs.get(FileCosts).namei_ns)
    if not path:
        return -ENOENT
    return do_mkdirat(kernel.fs, start_of(task.process, dfd, path), path)


def sys_unlinkat(task: Task, dfd: int, path: str, flags: int) -> int:
    """``SYSCALL_DEFINE3(unlinkat)``: -EINVAL for a flag but AT_REMOVEDIR, then ``do_rmdir``
    or ``do_unlinkat`` (fs/namei.c)."""
    kernel = kernel_of(task.env)
    task.charge(kernel.costs.get(FileCosts).namei_ns)
    if flags & ~AT_REMOVEDIR:
        return -EINVAL
    if not path:
        return -ENOENT
    start = start_of(task.process, dfd, path)
    return (
        do_rmdir(kernel.fs, start, path)
        if flags & AT_REMOVEDIR
        else do_unlinkat(kernel.fs, start, path)
    )


def sys_readlinkat(task: Task, dfd: int, path: str, buf: Any, bufsiz: int) -> int:
    """``do_readlinkat`` (fs/stat.c): -EINVAL for a size of 0 or less, the walk's error, -EINVAL
    if the name is not a symbolic link; else the target's first ``bufsiz`` bytes are copied
    (no NUL) and their count returned."""
    kernel = kernel_of(task.env)
    task.charge(kernel.costs.get(FileCosts).open_ns)
    if bufsiz <= 0:
        return -EINVAL
    if not path:
        return -ENOENT
    target = do_readlinkat(kernel.fs, start_of(task.process, dfd, path), path)
    if isinstance(target, int):
        return target
    data = target.encode(errors="surrogateescape")[:bufsiz]
    view = user_bytes(buf, len(data), kernel_writes=True)
    if isinstance(view, int):
        return view
    view[: len(data)] = data
    return len(data)


def sys_lseek(task: Task, fd: int, offset: int, whence: int) -> int:
    """``ksys_lseek`` (fs/read_write.c): the new position of a regular file, or
    -errno (-ESPIPE for streams)."""
    file = fdget(task, fd)
    if file is None:
        return -EBADF
    if not isinstance(file, RegFile):
        return -ESPIPE
    return file.lseek(offset, whence)


def sys_ftruncate(task: Task, fd: int, length: int) -> int:
    """``do_sys_ftruncate`` (fs/open.c) of a shared memory object (``shmem_setattr``)
    or a regular file."""
    file = fdget(task, fd)
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
        file.notify_change(IN_MODIFY)  # notify_change -> fsnotify_change (ATTR_SIZE)
        return 0
    return -EINVAL
