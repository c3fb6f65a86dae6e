"""inotify's system calls (fs/notify/inotify/inotify_user.c): inotify_init1(2),
inotify_add_watch(2), inotify_rm_watch(2); the instance is
:class:`~simuring.kernel.objects.inotify.Inotify`.  fanotify's (fs/notify/fanotify/fanotify_user.c):
fanotify_init(2), fanotify_mark(2) for inode marks; the group is
:class:`~simuring.kernel.objects.fanotify.Fanotify`.  The caller is root."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.errno import EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR
from simuring.abi.fanotify import (
    FAN_ACCESS_PERM,
    FAN_CLASS_CONTENT,
    FAN_CLASS_PRE_CONTENT,
    FAN_CLOEXEC,
    FAN_CLOSE,
    FAN_ENABLE_AUDIT,
    FAN_EVENT_ON_CHILD,
    FAN_FS_ERROR,
    FAN_MARK_ADD,
    FAN_MARK_DONT_FOLLOW,
    FAN_MARK_EVICTABLE,
    FAN_MARK_FILESYSTEM,
    FAN_MARK_FLUSH,
    FAN_MARK_IGNORE,
    FAN_MARK_IGNORED_MASK,
    FAN_MARK_IGNORED_SURV_MODIFY,
    FAN_MARK_MOUNT,
    FAN_MARK_ONLYDIR,
    FAN_MARK_REMOVE,
    FAN_MNT_ATTACH,
    FAN_MNT_DETACH,
    FAN_NONBLOCK,
    FAN_ONDIR,
    FAN_OPEN,
    FAN_OPEN_EXEC,
    FAN_OPEN_EXEC_PERM,
    FAN_OPEN_PERM,
    FAN_PRE_ACCESS,
    FAN_RENAME,
    FAN_REPORT_DIR_FID,
    FAN_REPORT_FD_ERROR,
    FAN_REPORT_FID,
    FAN_REPORT_MNT,
    FAN_REPORT_NAME,
    FAN_REPORT_PIDFD,
    FAN_REPORT_TARGET_FID,
    FAN_REPORT_TID,
    FAN_UNLIMITED_MARKS,
    FAN_UNLIMITED_QUEUE,
)
from simuring.abi.inotify import (
    IN_ALL_EVENTS,
    IN_CLOEXEC,
    IN_DONT_FOLLOW,
    IN_EXCL_UNLINK,
    IN_IGNORED,
    IN_ISDIR,
    IN_MASK_ADD,
    IN_MASK_CREATE,
    IN_NONBLOCK,
    IN_ONESHOT,
    IN_ONLYDIR,
    IN_Q_OVERFLOW,
    IN_UNMOUNT,
)
from simuring.abi.posix import O_ACCMODE, O_APPEND, O_CLOEXEC, O_NONBLOCK
from simuring.host.task import Task
from simuring.kernel import kernel_of
from simuring.kernel.files import fdget, files_of
from simuring.kernel.fsnotify import key_of
from simuring.kernel.namei import AT_FDCWD, lookup, start_of
from simuring.kernel.objects.fanotify import Fanotify
from simuring.kernel.objects.inotify import Inotify

if TYPE_CHECKING:
    from simuring.kernel.namei import Symlink
    from simuring.kernel.objects.regfile import Inode, SimFs

ALL_INOTIFY_BITS: Final = (
    IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW
    | IN_EXCL_UNLINK | IN_MASK_ADD | IN_MASK_CREATE | IN_ISDIR | IN_ONESHOT
)
"""What a watch's mask may hold (``ALL_INOTIFY_BITS``); a mask with none of them is -EINVAL."""


def sys_inotify_init1(task: Task, flags: int) -> int:
    """``do_inotify_init``: -EINVAL for a flag but IN_NONBLOCK and IN_CLOEXEC."""
    if not isinstance(flags, int) or flags & ~(IN_NONBLOCK | IN_CLOEXEC):
        return -EINVAL
    return files_of(task.process).install(Inotify(kernel_of(task.env).fs, flags))


def _instance(task: Task, fd: int) -> Inotify | int:
    """``fdget`` and the ``inotify_fops`` check: the instance, -EBADF or -EINVAL."""
    file = fdget(task, fd)
    if file is None:
        return -EBADF
    return file if isinstance(file, Inotify) else -EINVAL


def sys_inotify_add_watch(task: Task, fd: int, path: str, mask: int) -> int:
    """``SYSCALL_DEFINE3(inotify_add_watch)``: the mask first (-EINVAL for none of
    ``ALL_INOTIFY_BITS``, or IN_MASK_ADD with IN_MASK_CREATE), then the descriptor, then the
    path (followed unless IN_DONT_FOLLOW; IN_ONLYDIR: -ENOTDIR for anything but a directory);
    the watch descriptor."""
    if not isinstance(mask, int) or not mask & ALL_INOTIFY_BITS:
        return -EINVAL
    if mask & IN_MASK_ADD and mask & IN_MASK_CREATE:
        return -EINVAL
    group = _instance(task, fd)
    if isinstance(group, int):
        return group
    name = _walk(task, group.fs, AT_FDCWD, path, not mask & IN_DONT_FOLLOW)
    key, err = _marked(group.fs, name, bool(mask & IN_ONLYDIR))
    return group.add_watch(key, mask) if key is not None else err


def _walk(task: Task, fs: SimFs, dfd: int, path: str, follow: bool) -> str | int:
    """``user_path_at`` of a watch's or a mark's path: the canonical name, or -errno."""
    if not isinstance(path, str):
        return -EFAULT
    if not path:
        return -ENOENT
    return lookup(fs, start_of(task.process, dfd, path), path, follow)


def _marked(fs: SimFs, name: str | int, onlydir: bool) -> tuple[Inode | Symlink | int | None, int]:
    """``(key, 0)``: what the object ``name`` is keyed by in ``fs.marks`` (a directory's is its
    inode number); or ``(None, -errno)``: ``name`` itself when a walk's error, -ENOTDIR for
    anything but a directory when ``onlydir`` (IN_ONLYDIR, FAN_MARK_ONLYDIR)."""
    if isinstance(name, int):
        return None, name
    if onlydir and name not in fs.dirs:
        return None, -ENOTDIR
    key = key_of(fs, name)
    return (key, 0) if key is not None else (None, -EINVAL)  # None: a whiteout device, not modelled


def sys_inotify_rm_watch(task: Task, fd: int, wd: int) -> int:
    """``SYSCALL_DEFINE2(inotify_rm_watch)``: -EBADF, -EINVAL (not an instance, no such wd), or 0."""
    group = _instance(task, fd)
    if isinstance(group, int):
        return group
    return group.rm_watch(wd)


FAN_REPORT_BITS: Final = (
    FAN_REPORT_PIDFD | FAN_REPORT_TID | FAN_REPORT_FID | FAN_REPORT_DIR_FID | FAN_REPORT_NAME
    | FAN_REPORT_TARGET_FID | FAN_REPORT_FD_ERROR | FAN_REPORT_MNT
)
FANOTIFY_INIT_FLAGS: Final = (
    FAN_CLOEXEC | FAN_NONBLOCK | FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT | FAN_UNLIMITED_QUEUE
    | FAN_UNLIMITED_MARKS | FAN_ENABLE_AUDIT | FAN_REPORT_BITS
)
"""Every flag fanotify_init(2) knows (``FANOTIFY_INIT_FLAGS``)."""
EVENT_F_BITS: Final = O_ACCMODE | O_APPEND | O_NONBLOCK | 0o4010000 | O_CLOEXEC | 0o100000 | 0o1000000
"""``FANOTIFY_INIT_ALL_EVENT_F_BITS``: O_ACCMODE, O_APPEND, O_NONBLOCK, O_SYNC (and O_DSYNC),
O_CLOEXEC, O_LARGEFILE, O_NOATIME."""
FD_EVENTS: Final = 0x1 | 0x2 | FAN_CLOSE | FAN_OPEN | FAN_OPEN_EXEC
"""``FANOTIFY_PATH_EVENTS``: what a group without FID reporting may mark for."""
PERM_EVENTS: Final = FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM | FAN_PRE_ACCESS
VALID_MASK: Final = (
    0xFFF | FAN_OPEN_EXEC | FAN_FS_ERROR | FAN_MNT_ATTACH | FAN_MNT_DETACH | FAN_RENAME
    | FAN_ONDIR | FAN_EVENT_ON_CHILD | PERM_EVENTS
)
"""``FANOTIFY_EVENTS | FANOTIFY_EVENT_FLAGS | FANOTIFY_PERM_EVENTS``: any other bit is -EINVAL."""
MARK_FLAGS: Final = (
    FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_DONT_FOLLOW | FAN_MARK_ONLYDIR | FAN_MARK_MOUNT
    | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY | FAN_MARK_FLUSH | FAN_MARK_FILESYSTEM
    | FAN_MARK_EVICTABLE | FAN_MARK_IGNORE
)
"""``FANOTIFY_MARK_FLAGS``."""
NOT_MODELLED_MARK: Final = (
    FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY
    | FAN_MARK_EVICTABLE | FAN_MARK_IGNORE
)


def sys_fanotify_init(task: Task, flags: int, event_f_flags: int) -> int:
    """``SYSCALL_DEFINE2(fanotify_init)``, as root: -EINVAL for an unknown flag, the class
    FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT, an unknown ``event_f_flags`` bit or an access
    mode of 3.  FID / pidfd / tid reporting is not modelled (a ValueError)."""
    if not isinstance(flags, int) or not isinstance(event_f_flags, int):
        return -EINVAL
    if flags & ~FANOTIFY_INIT_FLAGS:
        return -EINVAL
    if flags & (FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT) == FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT:
        return -EINVAL
    if event_f_flags & ~EVENT_F_BITS or event_f_flags & O_ACCMODE == O_ACCMODE:
        return -EINVAL
    if flags & FAN_REPORT_BITS:
        raise ValueError("fanotify_init: the FAN_REPORT_* flags are not modelled")
    f_flags = (O_NONBLOCK if flags & FAN_NONBLOCK else 0) | (O_CLOEXEC if flags & FAN_CLOEXEC else 0)
    kernel = kernel_of(task.env)
    group = Fanotify(kernel.fs, kernel.costs, f_flags, event_f_flags, task.process.pid)
    return files_of(task.process).install(group)


def sys_fanotify_mark(task: Task, fd: int, flags: int, mask: int, dfd: int, path: str | None) -> int:
    """``do_fanotify_mark`` for an inode mark: -EINVAL for a bit outside ``VALID_MASK``, an
    unknown flag, not exactly one of ADD / REMOVE / FLUSH, an empty mask to add or remove, a
    flag with FLUSH; then -EBADF / -EINVAL for the group's descriptor; -EINVAL for a permission
    event on a notification group or an event needing FID reporting; then the object (``path``
    from ``dfd``, or ``dfd``'s own file when None: -EBADF), ONLYDIR's -ENOTDIR.  Removing a
    mark the group does not hold is -ENOENT.  FAN_EVENT_ON_CHILD is dropped from the mask of
    anything but a directory.  Mount, filesystem, ignore and evictable marks are not modelled
    (a ValueError)."""
    if not isinstance(flags, int) or not isinstance(mask, int):
        return -EINVAL
    cmd = flags & (FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_FLUSH)
    if mask & ~VALID_MASK or flags & ~MARK_FLAGS:
        return -EINVAL
    if flags & NOT_MODELLED_MARK:
        raise ValueError("fanotify_mark: only inode marks are modelled")
    if cmd in (FAN_MARK_ADD, FAN_MARK_REMOVE):
        if not mask:
            return -EINVAL
    elif cmd != FAN_MARK_FLUSH or flags & ~FAN_MARK_FLUSH:
        return -EINVAL
    file = fdget(task, fd)
    if file is None:
        return -EBADF
    if not isinstance(file, Fanotify):
        return -EINVAL
    if mask & PERM_EVENTS:
        raise ValueError("fanotify_mark: permission events are not modelled")
    if mask & ~(FD_EVENTS | FAN_ONDIR | FAN_EVENT_ON_CHILD):
        return -EINVAL  # an event that needs FID reporting
    if cmd == FAN_MARK_FLUSH:
        return file.flush()
    name: str | int
    if path is None:
        obj = files_of(task.process).get(dfd)
        if obj is None:
            return -EBADF
        name = getattr(obj, "name", "")
        if not name:
            raise ValueError("fanotify_mark: a NULL path is modelled for an open regular file only")
    else:
        name = _walk(task, file.fs, dfd, path, not flags & FAN_MARK_DONT_FOLLOW)
    key, err = _marked(file.fs, name, bool(flags & FAN_MARK_ONLYDIR))
    if key is None:
        return err
    if not isinstance(key, int):
        mask &= ~FAN_EVENT_ON_CHILD  # only a directory's mark hears its children
    return file.add_mark(key, mask) if cmd == FAN_MARK_ADD else file.remove_mark(key, mask)
