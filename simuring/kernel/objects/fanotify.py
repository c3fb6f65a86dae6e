"""fanotify (fs/notify/fanotify/fanotify_user.c, fanotify.c): a notification group whose inode
marks queue the file system's events (:mod:`simuring.kernel.fsnotify`, the same delivery as
inotify's) for read(2) as ``struct fanotify_event_metadata`` records.

* events (``fanotify_handle_event``): an event reaches the group through its mark on the
  object itself, or on the object's directory when that mark has FAN_EVENT_ON_CHILD; an event
  about a directory needs FAN_ONDIR in the mark; the record is about the object, with the
  event's bits the mark asked for (``fanotify_group_event_mask``; FAN_ONDIR is not reported
  without FID reporting).  A mark stays while any bit, FAN_ONDIR or FAN_EVENT_ON_CHILD
  included, is left in its mask.  An event about the same object from the same process as
  one still queued is merged into it, the masks or'ed (``fanotify_merge``: one queued event
  per object and process).  The pid is the process (thread group) that caused it; an event
  raised in kernel context (no current task) is the group owner's.
* read(2) (``fanotify_read`` / ``copy_event_to_user``): as many whole 24-byte records as fit;
  -EINVAL if the first does not, -EAGAIN (or a sleep) when none is queued.  Each record's fd
  is a new descriptor of the reader, open on the object with the group's ``event_f_flags``
  and FMODE_NONOTIFY (reading it or closing it raises no event).  poll: POLLIN | POLLRDNORM
  while one is queued.
* closing the group drops its marks without events, as does the deletion of a marked object.

Not modelled: the queue's limit (FAN_Q_OVERFLOW), mount / filesystem marks, ignore masks,
FID / name / pidfd / tid reporting, permission events and write(2) of responses; a record's
descriptor pins no dentry (:func:`~simuring.kernel.fsnotify.dget`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simuring.abi.errno import EAGAIN, EINVAL, ENOENT
from simuring.abi.fanotify import FAN_EVENT_ON_CHILD, FAN_ONDIR, FANOTIFY_METADATA_VERSION, METADATA
from simuring.abi.inotify import IN_ALL_EVENTS, IN_ISDIR
from simuring.abi.poll import POLLIN, POLLRDNORM
from simuring.abi.posix import O_ACCMODE, O_RDWR, O_WRONLY
from simuring.host.current import NotInSimulation, current_task
from simuring.kernel.files import files_of
from simuring.kernel.fsnotify import Mark
from simuring.kernel.objects.base import ObjFile, WaitQueue
from simuring.kernel.objects.dirfile import DirFile
from simuring.kernel.objects.regfile import Inode, RegFile

if TYPE_CHECKING:
    from simuring.cost import CostModel
    from simuring.host.task import Task
    from simuring.kernel.namei import Symlink
    from simuring.kernel.objects.regfile import SimFs


class Fanotify(ObjFile):
    """A fanotify group (``struct fsnotify_group`` and its file); ``owner`` is the pid of the
    process that made it, ``event_f_flags`` the open flags of the descriptors it hands out."""

    kind = "fanotify"
    pollable = True
    fmode_nowait = False  # fanotify_init's anonymous inode file has no FMODE_NOWAIT: RWF_NOWAIT is -EOPNOTSUPP

    def __init__(self, fs: SimFs, costs: CostModel, flags: int, event_f_flags: int, owner: int) -> None:
        super().__init__(flags, True, False)
        self.fs = fs
        self.costs = costs
        self.event_f_flags = event_f_flags
        self.owner = owner
        self.events: list[tuple[Inode | Symlink | int, int, int]] = []  # (object, mask, pid), oldest first
        self.marks: dict[Inode | Symlink | int, Mark] = {}  # object -> this group's mark on it
        self.wq = WaitQueue()

    def __repr__(self) -> str:
        return f"<Fanotify marks={len(self.marks)} queued={len(self.events)}>"

    # -- marks --------------------------------------------------------------------------
    def add_mark(self, key: Inode | Symlink | int, mask: int) -> int:
        """``fanotify_add_mark``: a new mark, or the existing one's mask widened."""
        mark = self.marks.get(key)
        if mark is not None:
            mark.mask |= mask
            return 0
        mark = self.marks[key] = Mark(self, key, mask, 0)
        self.fs.marks.setdefault(key, []).append(mark)
        return 0

    def remove_mark(self, key: Inode | Symlink | int, mask: int) -> int:
        """``fanotify_remove_mark``: -ENOENT without a mark; the bits cleared, the mark gone
        when none is left (``fanotify_mark_remove_from_mask``: FAN_ONDIR and FAN_EVENT_ON_CHILD
        count, so that a mask can be changed bit by bit)."""
        mark = self.marks.get(key)
        if mark is None:
            return -ENOENT
        mark.mask &= ~mask
        if not mark.mask:  # a mark left with FAN_ONDIR or FAN_EVENT_ON_CHILD stays
            self._drop(mark)
        return 0

    def flush(self) -> int:
        """FAN_MARK_FLUSH of inode marks (``fanotify_clear_marks_by_group``)."""
        for mark in list(self.marks.values()):
            self._drop(mark)
        return 0

    def _drop(self, mark: Mark) -> None:
        del self.marks[mark.key]
        marks = self.fs.marks[mark.key]
        marks.remove(mark)
        if not marks:
            del self.fs.marks[mark.key]

    def freeing_mark(self, mark: Mark) -> None:
        """A mark its object's deletion destroys goes without an event (``fanotify_freeing_mark``
        is not defined)."""
        self._drop(mark)

    def release(self, task: Task | None) -> None:
        """``fanotify_release``: the marks go, the queue with them."""
        self.flush()
        self.events.clear()

    # -- events -------------------------------------------------------------------------
    def handle(self, mark: Mark, mask: int, cookie: int, name: str, obj: Inode | Symlink | int) -> None:
        """``fanotify_handle_event`` (``fanotify_group_event_mask``): a directory mark hears its
        children's events (``name`` given) only with FAN_EVENT_ON_CHILD, an event about a
        directory (IN_ISDIR) only with FAN_ONDIR; the event is about ``obj``, with the bits the
        mark asked for (FAN_ONDIR is not reported without FID reporting), merged
        (``fanotify_merge``) or queued."""
        if name and not mark.mask & FAN_EVENT_ON_CHILD:
            return
        if mask & IN_ISDIR and not mark.mask & FAN_ONDIR:
            return
        mask &= mark.mask & IN_ALL_EVENTS
        if not mask:
            return
        try:
            pid = current_task().process.pid
        except NotInSimulation:
            pid = self.owner
        for i, (key, old, old_pid) in enumerate(self.events):
            if key == obj and old_pid == pid:
                self.events[i] = (key, old | mask, pid)
                return
        self.events.append((obj, mask, pid))
        self.wq.wake(None, 0)

    def read_nb(self, task: Task, dst: memoryview, off: int = -1) -> int:
        """``fanotify_read`` without sleeping: whole records while they fit, each with a new
        descriptor open on its object (``create_fd``)."""
        if not self.events:
            return -EAGAIN
        done = 0
        files = files_of(task.process)
        while self.events:
            if METADATA.size > len(dst) - done:
                if done == 0:
                    return -EINVAL  # get_one_event: the buffer cannot take the next event
                break
            key, mask, pid = self.events.pop(0)
            file = self._open(key)
            fd = files.install(file) if file is not None else -1
            METADATA.pack_into(dst, done, METADATA.size, FANOTIFY_METADATA_VERSION, 0, METADATA.size, mask, fd, pid)
            done += METADATA.size
        return done

    def _open(self, key: Inode | Symlink | int) -> RegFile | DirFile | None:
        """``create_fd``: the object opened with ``event_f_flags`` and FMODE_NONOTIFY (no
        file system given, so the file raises no event and pins nothing); None for a symbolic
        link or a directory no name holds any more (not modelled)."""
        if isinstance(key, int):
            path = next((name for name, ino in self.fs.dirs.items() if ino == key), None)
            return DirFile(path, self.event_f_flags) if path is not None else None
        if not isinstance(key, Inode):
            return None
        acc = self.event_f_flags & O_ACCMODE
        return RegFile(self.costs, key, self.event_f_flags, acc != O_WRONLY, acc in (O_WRONLY, O_RDWR))

    def poll_mask(self) -> int:
        """``fanotify_poll``."""
        return POLLIN | POLLRDNORM if self.events else 0

    def poll_wq(self, events: int) -> WaitQueue:
        return self.wq
