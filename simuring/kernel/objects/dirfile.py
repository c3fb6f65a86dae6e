"""An open directory (``open(path, O_RDONLY | O_DIRECTORY)`` of a directory of the
in-memory file system): usable as the ``dfd`` of the *at() calls and io_uring's
path opcodes.  read(2) on it is -EISDIR (``generic_read_dir``); it is not
writable (opening a directory for writing is -EISDIR).  It names the directory
by its path when opened: a later rename of the directory is not followed (not
modelled), nor is directory reading (getdents)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simuring.abi.errno import EISDIR
from simuring.kernel.objects.base import ObjFile

if TYPE_CHECKING:
    from simuring.host.task import Task


class DirFile(ObjFile):
    """An open directory: its canonical path."""

    kind = "dir"

    def __init__(self, path: str, flags: int) -> None:
        super().__init__(flags, True, False)
        self.path = path

    def __repr__(self) -> str:
        return f"<DirFile {self.path!r}>"

    def read_nb(self, task: Task, dst: memoryview, off: int = -1) -> int:
        return -EISDIR
