"""An O_PATH file (``open(path, O_PATH)``): the name itself, not opened.

``do_dentry_open`` gives such a file ``FMODE_PATH`` and nothing else: no
FMODE_READ, no FMODE_WRITE, the empty file operations (``empty_fops``), and
the driver's or file system's open is never called (a FIFO does not wait
for its other end, a device node needs no driver).  ``build_open_flags``
keeps only O_DIRECTORY, O_NOFOLLOW and O_PATH of the flags (O_CLOEXEC goes
to the descriptor): O_CREAT, O_TRUNC, O_NONBLOCK and the access mode are
dropped.

How the rest of the kernel treats it is decided where a descriptor is
looked up (:class:`~simuring.kernel.files.FdTable`): ``fget`` / ``fdget``,
which every I/O path uses (read(2), write(2), lseek(2), ftruncate(2),
epoll_ctl(2), io_uring's ``io_file_get_normal``, IORING_REGISTER_FILES,
FILES_UPDATE), skip it (-EBADF, as if the descriptor were not open);
``fdget_raw`` and ``file_close_fd``, which close(2), IORING_OP_CLOSE,
statx(2)'s AT_EMPTY_PATH and a path walk's directory descriptor use, see
it.  A direct open (``file_index``) puts it in a registered slot, and through
the slot the requests see the file as it is: READ / WRITE and FALLOCATE
-EBADF (no FMODE_READ / FMODE_WRITE), FSYNC -EINVAL (no ``->fsync``),
FTRUNCATE -EINVAL (no FMODE_WRITE), FADVISE 0 (``generic_fadvise`` on the
inode's mapping), POLL_ADD the default mask (no ``->poll``), FGETXATTR the
inode's attributes, socket requests -ENOTSOCK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from simuring.kernel.objects.base import ObjFile

if TYPE_CHECKING:
    from simuring.kernel.objects.regfile import Inode


class PathFile(ObjFile):
    """An O_PATH file: the canonical ``path`` it names, the ``inode`` of a regular
    file or special node (None for a directory or a symbolic link) and whether the
    name is a directory (``is_dir``: it may be a walk's starting point)."""

    kind = "path"
    fmode_path: ClassVar[bool] = True

    def __init__(self, path: str, inode: Inode | None, is_dir: bool, flags: int) -> None:
        super().__init__(flags, readable=False, writable=False)
        self.path = path
        self.inode = inode
        self.is_dir = is_dir

    def __repr__(self) -> str:
        return f"<PathFile {self.path!r}>"
