"""inotify (fs/notify/inotify/inotify_user.c, inotify_fsnotify.c): a descriptor whose
watches queue the file system's events (:mod:`simuring.kernel.fsnotify`) for read(2).

* ``inotify_init1(2)``: IN_NONBLOCK and IN_CLOEXEC, any other flag -EINVAL.  The file is
  opened read-only: write(2) is -EBADF.
* ``inotify_add_watch(2)`` (:meth:`Inotify.add_watch`): a watch descriptor; they count up
  from 1 in each instance and are not handed out again after a removal (``idr_alloc_cyclic``).
  A second watch on an inode the instance watches returns its descriptor with the mask
  replaced, or with IN_MASK_ADD widened; IN_MASK_CREATE refuses it (-EEXIST).  IN_ONESHOT
  removes the watch after its first event.
* ``inotify_rm_watch(2)``: queues IN_IGNORED for the watch, which goes.
* events (``inotify_handle_inode_event``): ``struct inotify_event`` records, the name padded
  with NULs to a multiple of 16 bytes (its NUL included); an event equal to the last one
  queued (same wd, mask, cookie and name) is dropped (``inotify_merge``).  A watch with
  IN_EXCL_UNLINK does not hear an unlinked open file's events (the delivery's business:
  :mod:`simuring.kernel.fsnotify`).  Queueing wakes the
  wait queue without a key (``wake_up``).
* read(2) (``inotify_read``): as many whole events as fit; -EINVAL if the first does not,
  -EAGAIN (or a sleep) when none is queued.  poll: POLLIN | POLLRDNORM while one is queued.
* the queue holds at most ``max_queued_events`` (16384, the sysctl's default) events; the next
  one queues IN_Q_OVERFLOW (wd -1) instead, and later ones are dropped while it is queued.
* a watch whose object is deleted (:func:`~simuring.kernel.fsnotify.fsnotify_inoderemove`)
  goes with IN_IGNORED after the object's IN_DELETE_SELF.
* closing the instance drops its watches without events.

Not modelled: the sysctl ``max_queued_events`` (always its default), ``max_user_watches``,
IN_DONT_FOLLOW on a symbolic link (it is watched through its target), FIONREAD.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.errno import EAGAIN, EEXIST, EINVAL
from simuring.abi.inotify import (
    EVENT_HEADER,
    IN_IGNORED,
    IN_MASK_ADD,
    IN_MASK_CREATE,
    IN_ONESHOT,
    IN_Q_OVERFLOW,
)
from simuring.abi.poll import POLLIN, POLLRDNORM
from simuring.kernel.fsnotify import Mark
from simuring.kernel.objects.base import ObjFile, WaitQueue

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.namei import Symlink
    from simuring.kernel.objects.regfile import Inode, SimFs

MAX_QUEUED_EVENTS: Final = 16384
"""``inotify_max_queued_events``'s default (/proc/sys/fs/inotify/max_queued_events): the group's
``max_events``, fixed when the instance is made."""
OVERFLOW_EVENT: Final = (-1, IN_Q_OVERFLOW, 0, "")
"""The group's ``overflow_event``: wd -1, no cookie, no name."""
EVENT_ALIGN: Final = EVENT_HEADER.size
"""A name is padded to a multiple of ``sizeof(struct inotify_event)`` (16 bytes)."""


def record_size(name: str) -> int:
    """The bytes an event takes in a read: the header and the padded name (none: 0)."""
    if not name:
        return EVENT_HEADER.size
    n = len(name.encode(errors="surrogateescape")) + 1
    return EVENT_HEADER.size + -(-n // EVENT_ALIGN) * EVENT_ALIGN


class Inotify(ObjFile):
    """An inotify instance (``struct fsnotify_group`` and its file)."""

    kind = "inotify"
    pollable = True
    fmode_nowait = False  # inotify_init1's anonymous inode file has no FMODE_NOWAIT: RWF_NOWAIT is -EOPNOTSUPP

    def __init__(self, fs: SimFs, flags: int) -> None:
        super().__init__(flags, True, False)
        self.fs = fs
        self.events: list[tuple[int, int, int, str]] = []  # (wd, mask, cookie, name), oldest first
        self.marks: dict[int, Mark] = {}  # wd -> mark
        self.last_wd = 0
        self.overflowed = False  # OVERFLOW_EVENT is queued
        self.wq = WaitQueue()

    def __repr__(self) -> str:
        return f"<Inotify watches={len(self.marks)} queued={len(self.events)}>"

    # -- watches ------------------------------------------------------------------------
    def add_watch(self, key: Inode | Symlink | int, mask: int) -> int:
        """``inotify_update_watch``: the existing watch on ``key`` updated, or a new one."""
        for mark in self.fs.marks.get(key, ()):
            if mark.group is self:
                if mask & IN_MASK_CREATE:
                    return -EEXIST
                mark.mask = (mark.mask | mask) if mask & IN_MASK_ADD else mask
                return mark.wd
        self.last_wd += 1
        mark = Mark(self, key, mask, self.last_wd)
        self.marks[mark.wd] = mark
        self.fs.marks.setdefault(key, []).append(mark)
        return mark.wd

    def _drop(self, mark: Mark) -> None:
        del self.marks[mark.wd]
        marks = self.fs.marks[mark.key]
        marks.remove(mark)
        if not marks:
            del self.fs.marks[mark.key]

    def rm_watch(self, wd: int) -> int:
        """``inotify_rm_watch``: IN_IGNORED queued and the watch gone, or -EINVAL."""
        mark = self.marks.get(wd)
        if mark is None:
            return -EINVAL
        self.queue(wd, IN_IGNORED, 0, "")
        self._drop(mark)
        return 0

    def freeing_mark(self, mark: Mark) -> None:
        """``inotify_freeing_mark``: IN_IGNORED queued for a watch its object's deletion destroys."""
        self.rm_watch(mark.wd)

    def release(self, task: Task | None) -> None:
        """``inotify_release``: the watches go, no event is queued."""
        for mark in list(self.marks.values()):
            self._drop(mark)

    # -- events -------------------------------------------------------------------------
    def handle(self, mark: Mark, mask: int, cookie: int, name: str, obj: Inode | Symlink | int) -> None:
        """``inotify_handle_inode_event``: queue the event for the mark's wd (IN_ONESHOT: then
        the watch goes, with IN_IGNORED)."""
        self.queue(mark.wd, mask, cookie, name)
        if mark.mask & IN_ONESHOT and mark.wd in self.marks:
            self.rm_watch(mark.wd)

    def queue(self, wd: int, mask: int, cookie: int, name: str) -> None:
        """``fsnotify_insert_event`` with ``inotify_merge``: with ``MAX_QUEUED_EVENTS`` queued,
        the event is replaced by IN_Q_OVERFLOW (dropped while that one is queued); else an event
        equal to the last one queued is dropped; a queued one wakes the readers and pollers (no
        key)."""
        event = (wd, mask, cookie, name)
        if len(self.events) >= MAX_QUEUED_EVENTS:
            if self.overflowed:
                return
            self.overflowed = True
            event = OVERFLOW_EVENT
        elif self.events and self.events[-1] == event:
            return
        self.events.append(event)
        self.wq.wake(None, 0)

    def read_nb(self, task: Task, dst: memoryview, off: int = -1) -> int:
        """``inotify_read`` without sleeping: whole events while they fit."""
        if not self.events:
            return -EAGAIN
        done = 0
        while self.events:
            wd, mask, cookie, name = self.events[0]
            size = record_size(name)
            if size > len(dst) - done:
                if done == 0:
                    return -EINVAL  # get_one_event: the buffer cannot take the next event
                break
            EVENT_HEADER.pack_into(dst, done, wd, mask, cookie, size - EVENT_HEADER.size)
            raw = name.encode(errors="surrogateescape")
            dst[done + EVENT_HEADER.size : done + size] = raw + bytes(size - EVENT_HEADER.size - len(raw))
            done += size
            del self.events[0]
            if wd == -1:
                self.overflowed = False
        return done

    def poll_mask(self) -> int:
        """``inotify_poll``."""
        return POLLIN | POLLRDNORM if self.events else 0

    def poll_wq(self, events: int) -> WaitQueue:
        return self.wq
