"""An open directory (``open(path, O_RDONLY | O_DIRECTORY)`` of a directory of the
in-memory file system): usable as the ``dfd`` of the *at() calls and io_uring's
path opcodes.  read(2) on it is -EISDIR (``generic_read_dir``); it is not
writable (opening a directory for writing is -EISDIR).  It names the directory
by its path when opened: a later rename of the directory is not followed (not
modelled), nor is directory reading (getdents).  Its opening raises IN_OPEN and its
last close IN_CLOSE_NOWRITE (``fsnotify_open``, ``fsnotify_close``); it pins the
directory's dentry (:func:`~simuring.kernel.fsnotify.dget`) until that close:
IN_DELETE_SELF of a directory removed while open waits for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simuring.abi.errno import EISDIR
from simuring.abi.inotify import IN_CLOSE_NOWRITE
from simuring.kernel.fsnotify import dget, dput, fsnotify_file
from simuring.kernel.objects.base import ObjFile

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.objects.regfile import SimFs


class DirFile(ObjFile):
    """An open directory: its canonical path, and the file system and inode number of the
    directory it pins (none: nothing pinned)."""

    kind = "dir"

    def __init__(self, path: str, flags: int, fs: SimFs | None = None) -> None:
        super().__init__(flags, True, False)
        self.path = path
        self.fs = fs
        self.ino = fs.dirs[path] if fs is not None else 0
        if fs is not None:
            dget(fs, path, self.ino)

    def notify(self, mask: int) -> None:
        """Raise ``mask`` on the open directory (``fsnotify_file``)."""
        if self.fs is not None:
            fsnotify_file(self.fs, self.path, self.ino, mask)

    def release(self, task: Task | None) -> None:
        """``__fput``: ``fsnotify_close`` (IN_CLOSE_NOWRITE), then ``dput`` of the directory's
        dentry."""
        if self.fs is not None:
            self.notify(IN_CLOSE_NOWRITE)
            dput(self.fs, self.path, self.ino)

    def __repr__(self) -> str:
        return f"<DirFile {self.path!r}>"

    def read_nb(self, task: Task, dst: memoryview, off: int = -1) -> int:
        return -EISDIR
