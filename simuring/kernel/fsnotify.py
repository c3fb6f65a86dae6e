"""fsnotify: the file system events the VFS raises, delivered to the marks on the objects
(fs/notify/fsnotify.c, include/linux/fsnotify.h), for inotify(7)
(:mod:`simuring.kernel.objects.inotify`) and fanotify(7) (:mod:`simuring.kernel.objects.fanotify`).

A mark is one group's watch on one object of the in-memory file system:
``fs.marks`` maps the object -- an :class:`~simuring.kernel.objects.regfile.Inode` for a
file, the inode number of ``fs.dirs`` for a directory -- to its marks, oldest first.
An event about an object reaches, in this order (``fsnotify_handle_event``: the parent's
mark, then the object's):

* the marks of the directory it is named in, with its name, if the event is one a
  directory hears of its children (``FS_EVENTS_POSS_ON_CHILD``: IN_ACCESS, IN_MODIFY,
  IN_ATTRIB, IN_CLOSE_WRITE, IN_CLOSE_NOWRITE, IN_OPEN);
* its own marks, without a name.

A directory-entry event (IN_CREATE, IN_DELETE, IN_MOVED_FROM, IN_MOVED_TO) reaches the
directory's marks with the entry's name.  Every event about a directory carries IN_ISDIR but
its own IN_MOVE_SELF and IN_DELETE_SELF.
A mark takes the event if it asked for one of its bits (the group decides what to queue:
fanotify ignores the parent's delivery, with a name, and its masks are fsnotify's bits too).
Where the VFS raises them (fs/read_write.c, fs/open.c, fs/namei.c, io_uring/rw.c) is the
callers' business; each caller names the kernel hook it models.

An object's last name going (``dentry_unlink_inode`` with ``i_nlink`` 0: ``fsnotify_inoderemove``)
raises IN_DELETE_SELF on its own marks, then destroys them all (inotify queues IN_IGNORED for
each): an unlink, an rmdir, or a rename over it (the replaced target's dentry is put at the end
of ``do_renameat2``, after the rename's own events).  An open file pins the dentry it was opened by (``fs.pinned``, by name and object): while
one does, unlinking that name leaves the dentry positive and the event waits for the last such
file's close (``dput`` -> ``__dentry_kill``); another name's unlink, no file pinning it, raises
it at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

from simuring.abi.inotify import (
    IN_ACCESS,
    IN_ALL_EVENTS,
    IN_ATTRIB,
    IN_CLOSE_NOWRITE,
    IN_CLOSE_WRITE,
    IN_DELETE_SELF,
    IN_EXCL_UNLINK,
    IN_ISDIR,
    IN_MODIFY,
    IN_OPEN,
)

if TYPE_CHECKING:
    from simuring.kernel.namei import Symlink
    from simuring.kernel.objects.regfile import Inode, SimFs

EVENTS_ON_CHILD: Final = IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_OPEN
"""``FS_EVENTS_POSS_ON_CHILD``: what a watched directory hears of the objects named in it."""

class Group(Protocol):
    """The listener a mark belongs to (``struct fsnotify_group``)."""

    def handle(self, mark: Mark, mask: int, cookie: int, name: str, obj: Inode | Symlink | int) -> None:
        """An event ``mask`` heard by ``mark`` about ``obj``: the marked object itself, or (with
        its ``name``) a child of the marked directory."""

    def freeing_mark(self, mark: Mark) -> None:
        """The mark is destroyed by the object's deletion (``fsnotify_destroy_marks``)."""


class Mark:
    """One group's watch on one object (``struct fsnotify_mark``): the events it asks for,
    the key of the object in ``fs.marks``, and the group's own number for it (inotify's wd;
    0 for fanotify)."""

    __slots__ = ("group", "key", "mask", "wd")

    def __init__(self, group: Group, key: Inode | Symlink | int, mask: int, wd: int) -> None:
        self.group = group
        self.key = key
        self.mask = mask
        self.wd = wd


def key_of(fs: SimFs, path: str) -> Inode | Symlink | int | None:
    """What ``fs.marks`` keys the object named ``path`` (canonical) by: a directory's inode
    number, a file's inode, a symbolic link, or None (a whiteout: never watched here)."""
    ino = fs.dirs.get(path)
    if ino is not None:
        return ino
    return fs.inodes.get(path) or fs.symlinks.get(path)


def _send(
    fs: SimFs,
    key: Inode | Symlink | int | None,
    mask: int,
    cookie: int,
    name: str,
    unlinked: bool = False,
    obj: Inode | Symlink | int | None = None,
) -> None:
    """The event about ``obj`` (None: ``key`` itself) to the marks on ``key`` that asked for it
    (``fsnotify_handle_inode_event``: a mark with IN_EXCL_UNLINK skips an ``unlinked`` file's
    event)."""
    marks = fs.marks.get(key) if key is not None else None
    if not marks:
        return
    for mark in list(marks):
        if mark.mask & mask & IN_ALL_EVENTS and not (unlinked and mark.mask & IN_EXCL_UNLINK):
            mark.group.handle(mark, mask, cookie, name, mark.key if obj is None else obj)


def fsnotify_path(
    fs: SimFs, path: str, key: Inode | Symlink | int | None, mask: int, unlinked: bool = False
) -> None:
    """An event about the object ``key`` named ``path`` (``fsnotify_parent`` + ``fsnotify``):
    its directory's marks with the name, then its own; ``unlinked``: an open file's event whose
    name is gone (``d_unlinked`` of the file's dentry, for IN_EXCL_UNLINK)."""
    if not fs.marks:
        return
    if isinstance(key, int):
        mask |= IN_ISDIR
    if mask & EVENTS_ON_CHILD and path != "/":
        parent, _, name = path.rpartition("/")
        _send(fs, fs.dirs.get(parent or "/"), mask, 0, name, unlinked, key)
    _send(fs, key, mask, 0, "", unlinked)


def fsnotify_file(fs: SimFs, name: str, key: Inode | int, mask: int) -> None:
    """``fsnotify_file``: an event of a file open on the object ``key`` by the name ``name``;
    the name no longer holding the object is ``d_unlinked`` (for IN_EXCL_UNLINK)."""
    if fs.marks:
        fsnotify_path(fs, name, key, mask, key_of(fs, name) != key)


def fsnotify_inode(fs: SimFs, key: Inode | Symlink | int | None, mask: int) -> None:
    """An event for the object's own marks only (``fsnotify_inode``: IN_MOVE_SELF).  inotify reports a directory's
    IN_MOVE_SELF (like its IN_DELETE_SELF) without IN_ISDIR, as Linux 6.18 shows
    (lno-uring-rename-dir)."""
    if fs.marks:
        _send(fs, key, mask, 0, "")


def fsnotify_link_count(fs: SimFs, key: Inode | Symlink | int | None) -> None:
    """``fsnotify_link_count``: IN_ATTRIB on the object's own marks when a name of it is added or
    removed (link, unlink, a rename's replaced target); a directory's carries IN_ISDIR (Linux
    6.18: lno-uring-rename-over-dir), unlike its IN_MOVE_SELF and IN_DELETE_SELF."""
    if fs.marks:
        _send(fs, key, IN_ATTRIB | IN_ISDIR if isinstance(key, int) else IN_ATTRIB, 0, "")


def fsnotify_name(fs: SimFs, path: str, mask: int) -> None:
    """An event about the object named ``path`` (canonical), found by its name."""
    if fs.marks:
        fsnotify_path(fs, path, key_of(fs, path), mask)


def fsnotify_dirent(fs: SimFs, path: str, mask: int, is_dir: bool, cookie: int = 0) -> None:
    """A directory-entry event for the name ``path`` (``fsnotify_create``, ``fsnotify_mkdir``,
    ``fsnotify_delete``, ``fsnotify_move``): the marks of the directory it is in, with the name."""
    if not fs.marks:
        return
    parent, _, name = path.rpartition("/")
    _send(fs, fs.dirs.get(parent or "/"), mask | (IN_ISDIR if is_dir else 0), cookie, name)


def _linked(fs: SimFs, key: Inode | Symlink | int) -> bool:
    """Whether a name still holds the object (``i_nlink`` > 0)."""
    if isinstance(key, int):
        return key in fs.dirs.values()
    return any(v is key for v in fs.inodes.values()) or any(v is key for v in fs.symlinks.values())


def fsnotify_inoderemove(fs: SimFs, key: Inode | Symlink | int) -> None:
    """``fsnotify_inoderemove``: IN_DELETE_SELF on the object's own marks (a directory's without
    IN_ISDIR), then every mark on it destroyed (``__fsnotify_inode_delete``)."""
    _send(fs, key, IN_DELETE_SELF, 0, "")
    for mark in list(fs.marks.get(key, ())):
        mark.group.freeing_mark(mark)


def d_delete(fs: SimFs, name: str, key: Inode | Symlink | int | None) -> None:
    """``d_delete`` of the name ``name`` just removed: when no open file pins its dentry, it turns
    negative at once (``dentry_unlink_inode``), and if that was the object's last name,
    :func:`fsnotify_inoderemove`."""
    if key is not None and key in fs.marks and (name, key) not in fs.pinned and not _linked(fs, key):
        fsnotify_inoderemove(fs, key)


def dget(fs: SimFs, name: str, key: Inode | int) -> None:
    """An open file pins the dentry it was opened by (``struct file``'s ``f_path``)."""
    pin = (name, key)
    fs.pinned[pin] = fs.pinned.get(pin, 0) + 1


def dput(fs: SimFs, name: str, key: Inode | int) -> None:
    """The file's ``dput`` at its last close: the last pin of an unlinked object's dentry
    kills it (``__dentry_kill`` -> ``dentry_unlink_inode``: :func:`fsnotify_inoderemove`)."""
    pin = (name, key)
    left = fs.pinned[pin] - 1
    if left:
        fs.pinned[pin] = left
        return
    del fs.pinned[pin]
    if key in fs.marks and not _linked(fs, key):
        fsnotify_inoderemove(fs, key)


def next_cookie(fs: SimFs) -> int:
    """``fsnotify_get_cookie``: a fresh non-zero number pairing a rename's two halves."""
    fs.move_cookie += 1
    return fs.move_cookie
