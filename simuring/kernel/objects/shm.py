"""POSIX shared memory (``shm_open`` on tmpfs, ``mmap(MAP_SHARED)``).

A :class:`ShmObject` is the tmpfs inode: one ``bytearray``.  Every mapping
of it (:func:`map_shared`) is a ``memoryview`` over that same bytearray, so a
store by one process is seen by every other process that mapped it, at once
(the model has no CPU caches for plain data).  Named objects live in the
kernel-wide :class:`ShmNamespace` (``/dev/shm``); ``mmap`` of
``MAP_SHARED | MAP_ANONYMOUS`` gives an unnamed object, shared by the
threads of the process that holds the view.

Simplifications: no page faults (a mapping costs ``shm.mmap_ns`` once, its
pages are then free to touch); the size is set by ``ftruncate`` and cannot
change while a mapping exists (-EBUSY, a Python constraint: a bytearray with
live views cannot be resized); plain loads and stores are free, and
user-space copies into or out of shared memory cost CPU time when the
workload makes them with ``user_memcpy`` (priced by the host's
:class:`~simuring.host.memory.SharedBuffers`, where every mapped object is
registered) or :func:`copy_cost`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from simuring.abi.errno import EBUSY, EINVAL
from simuring.host.memory import memcpy_ns
from simuring.kernel.costs import ShmCosts
from simuring.kernel.objects.base import ObjFile

if TYPE_CHECKING:
    from simuring.cost import CostModel
    from simuring.host.task import Task


class ShmObject:
    """A tmpfs inode of a shared memory object (``xattrs``: its extended attributes,
    :mod:`simuring.kernel.xattr`)."""

    def __init__(self, name: str | None, size: int = 0) -> None:
        self.name = name
        self.data = bytearray(size)
        self.maps = 0
        self.linked = name is not None
        self.xattrs: dict[str, bytes] = {}

    def truncate(self, length: int) -> int:
        if length < 0:
            return -EINVAL
        if length == len(self.data):
            return 0
        if self.maps:
            return -EBUSY
        try:
            if length < len(self.data):
                del self.data[length:]
            else:
                self.data.extend(bytes(length - len(self.data)))
        except BufferError:  # a view of it is still alive somewhere
            return -EBUSY
        return 0


class ShmNamespace:
    """``/dev/shm``: named objects in creation order (one per kernel, ``Kernel.shm``)."""

    def __init__(self) -> None:
        self.objects: dict[str, ShmObject] = {}


@attrs.frozen(eq=False)
class ShmMapping:
    """A live ``mmap`` of a shared memory object (``Kernel.shm_maps``): the view
    handed to user space and the object whose ``maps`` count it holds."""

    view: memoryview
    obj: ShmObject


class ShmFile(ObjFile):
    """A descriptor on a shared memory object (from ``shm_open``)."""

    kind = "shm"

    def __init__(self, obj: ShmObject, flags: int, readable: bool, writable: bool) -> None:
        super().__init__(flags, readable, writable)
        self.obj = obj

    def __repr__(self) -> str:
        return f"<ShmFile {self.obj.name!r} {len(self.obj.data)} bytes>"


def map_shared(task: Task, costs: CostModel, obj: ShmObject, length: int, offset: int) -> memoryview | int:
    """A view of ``length`` bytes at ``offset`` of ``obj``; -EINVAL outside the object."""
    task.charge(costs.get(ShmCosts).mmap_ns)
    if length <= 0 or offset < 0 or offset % 4096 or offset + length > len(obj.data):
        return -EINVAL
    obj.maps += 1
    task.sched.memory.register(obj.data, len(obj.data))
    return memoryview(obj.data)[offset : offset + length]


def copy_cost(task: Task, nbytes: int) -> None:
    """Charge ``task`` for a user-space copy of ``nbytes`` into or out of shared memory."""
    task.charge(memcpy_ns(task.sched.costs, nbytes))
