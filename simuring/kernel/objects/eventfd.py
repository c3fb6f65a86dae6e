"""eventfd (fs/eventfd.c): a 64-bit counter behind a descriptor.

* ``write`` of an 8-byte value adds it to the counter; a value of
  0xffffffffffffffff is -EINVAL; if the sum would exceed
  0xfffffffffffffffe the writer sleeps until a read makes room (EFD_NONBLOCK:
  -EAGAIN).
* ``read`` returns the counter as 8 bytes and resets it to 0, or with
  EFD_SEMAPHORE returns 1 and decrements it; on a zero counter the reader
  sleeps until a write (EFD_NONBLOCK: -EAGAIN).
* a read buffer shorter than 8 bytes, and a write of any length but 8, are
  -EINVAL (6.18: write(2) of 16 bytes is -EINVAL, read(2) of 16 returns 8).
  Both return 8 on success.
  Reads are ``->read_iter`` (a READV's iovecs together must hold 8 bytes);
  writes are a plain ``->write``, so an io_uring WRITEV writes each iovec
  by itself (``loop_rw_iter``): 4 + 4 bytes is -EINVAL.
* poll (``eventfd_poll``): POLLIN while the counter is non-zero, POLLOUT
  while one more 1 can be added, POLLERR at 0xffffffffffffffff (only
  ``eventfd_signal`` can reach it); never POLLRDNORM/POLLWRNORM.
* wake-ups: a read wakes the queue keyed POLLOUT (``eventfd_read``), a write
  keyed POLLIN (``eventfd_write``) -- every successful write, a value of 0
  included, although the counter did not change.
* memory: every read or write attempt takes the context's line
  (``EVENTFD_STATE_LINES``), paying a transfer when another CPU used it last.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import EAGAIN, EINVAL
from simuring.abi.poll import POLLERR, POLLIN, POLLOUT
from simuring.abi.posix import EFD_SEMAPHORE
from simuring.host.memory import ObjectLines
from simuring.kernel.costs import EventfdCosts
from simuring.kernel.objects.base import WRITE_EVENTS, ObjFile, WaitQueue, block_on

if TYPE_CHECKING:
    import simpy

    from simuring.cost import CostModel
    from simuring.host.task import Task

ULLONG_MAX: Final = 0xFFFF_FFFF_FFFF_FFFF
EVENTFD_MAX: Final = ULLONG_MAX - 1


EVENTFD_STATE_LINES: Final = 1
"""``struct eventfd_ctx`` (kref, the wait queue's lock and list head, the
count, flags, id: under 64 bytes) is one cache line."""


class EventFd(ObjFile):
    """``struct eventfd_ctx`` and its file."""

    kind = "eventfd"
    pollable = True
    write_iter = False  # eventfd_fops has .read_iter but only .write: WRITEV loops per iovec
    wait_tail = True  # eventfd_read/write: wait_event_interruptible_locked_irq

    def __init__(self, costs: CostModel, initval: int, flags: int) -> None:
        super().__init__(flags)
        self.ec = costs.get(EventfdCosts)  # resolved once per eventfd
        self.count = initval
        self.semaphore = bool(flags & EFD_SEMAPHORE)
        self.wq = WaitQueue()
        self.state = ObjectLines(EVENTFD_STATE_LINES)

    def __repr__(self) -> str:
        return f"<EventFd count={self.count}{' semaphore' if self.semaphore else ''}>"

    def read_nb(self, task: Task, dst: memoryview, off: int = -1) -> int:
        task.charge(self.ec.op_ns)
        self.state.touch(task)
        if len(dst) < 8:
            return -EINVAL
        if self.count == 0:
            return -EAGAIN
        value = 1 if self.semaphore else self.count
        self.count -= value
        dst[:8] = value.to_bytes(8, "little")
        self.wq.wake(task, POLLOUT)  # eventfd_read: wake_up_locked_poll(EPOLLOUT)
        return 8

    def write_nb(self, task: Task, src: memoryview, off: int = -1) -> int:
        task.charge(self.ec.op_ns)
        self.state.touch(task)
        if len(src) != 8:
            return -EINVAL  # eventfd_write takes exactly a u64 (unlike eventfd_read, which takes >= 8)
        value = int.from_bytes(bytes(src[:8]), "little")
        if value == ULLONG_MAX:
            return -EINVAL
        if ULLONG_MAX - self.count <= value:
            return -EAGAIN
        self.count += value
        # eventfd_write: wake_up_locked_poll(EPOLLIN) after every successful add,
        # whatever the value (a 0 wakes waiters that will find nothing new)
        self.wq.wake(task, POLLIN)
        return 8

    def poll_mask(self) -> int:
        """``eventfd_poll``: EPOLLIN, EPOLLOUT and EPOLLERR only."""
        mask = 0
        if self.count > 0:
            mask |= POLLIN
        if self.count == ULLONG_MAX:
            mask |= POLLERR
        if EVENTFD_MAX > self.count:
            mask |= POLLOUT
        return mask

    def poll_wq(self, events: int) -> WaitQueue:
        return self.wq

    def write_wait(self, task: Task, src: memoryview, off: int = -1) -> Generator[simpy.Event, Any, int]:
        # an eventfd write is all or nothing: no partial-progress loop
        return (yield from block_on(task, self.wq, WRITE_EVENTS, lambda: self.write_nb(task, src, off), tail=self.wait_tail))


def create_eventfd(costs: CostModel, task: Task, initval: int, flags: int) -> EventFd:
    efd = EventFd(costs, initval, flags)
    task.charge(efd.ec.create_ns)
    return efd
