"""inotify's system calls (fs/notify/inotify/inotify_user.c): inotify_init1(2),
inotify_add_watch(2), inotify_rm_watch(2); the instance is
:class:`~simuring.kernel.objects.inotify.Inotify`."""

from __future__ import annotations

from typing import Final

from simuring.abi.errno import EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR
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
from simuring.host.task import Task
from simuring.kernel import kernel_of
from simuring.kernel.files import files_of
from simuring.kernel.fsnotify import key_of
from simuring.kernel.namei import AT_FDCWD, lookup, start_of
from simuring.kernel.objects.inotify import Inotify

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
    file = files_of(task.process).get(fd)
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
    if not isinstance(path, str):
        return -EFAULT
    if not path:
        return -ENOENT
    fs = group.fs
    name = lookup(fs, start_of(task.process, AT_FDCWD, path), path, not mask & IN_DONT_FOLLOW)
    if isinstance(name, int):
        return name
    if mask & IN_ONLYDIR and name not in fs.dirs:
        return -ENOTDIR
    key = key_of(fs, name)
    if key is None:
        return -EINVAL  # a whiteout device: not modelled
    return group.add_watch(key, mask)


def sys_inotify_rm_watch(task: Task, fd: int, wd: int) -> int:
    """``SYSCALL_DEFINE2(inotify_rm_watch)``: -EBADF, -EINVAL (not an instance, no such wd), or 0."""
    group = _instance(task, fd)
    if isinstance(group, int):
        return group
    return group.rm_watch(wd)
