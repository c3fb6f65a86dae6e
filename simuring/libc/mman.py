"""``<sys/mman.h>``: shm_open, shm_unlink, mmap, munmap (POSIX shared memory, and the regions of a ring fd)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_str

Gen = Generator[Any, Any, int]


def shm_open(name: str, oflag: int, mode: int = 0o600) -> Gen:
    """shm_open(3): a descriptor on the named shared memory object (O_CREAT, O_EXCL, O_TRUNC)."""
    need_str(name, "shm_open", "name")
    return (yield from syscall("shm_open", name, oflag, mode))


def shm_unlink(name: str) -> Gen:
    """shm_unlink(3): remove the name; open descriptors and mappings stay valid."""
    return (yield from syscall("shm_unlink", name))


def mmap(addr: Any, length: int, prot: int, flags: int, fd: int, offset: int) -> Generator[Any, Any, Any]:
    """mmap(2): a ``memoryview`` of the mapping, or -errno.

    ``MAP_SHARED`` of a shm_open descriptor maps the object: every mapping of
    it is a view of the same bytes, across processes.  ``MAP_ANONYMOUS``
    (shared or private, ``fd`` -1) gives fresh zeroed memory.  Without
    PROT_WRITE the view is read-only.  ``addr`` is ignored (no address
    space); ``MAP_PRIVATE`` of a shm descriptor (copy-on-write) is not modelled
    (-EINVAL).  Another descriptor is mapped by its file: a ring fd's regions
    (the rings, a kernel buffer ring: its ``BufRing``, the parameter region:
    docs/kernel.md "Mapped regions"), -ENODEV for a file that cannot be mapped.
    """
    return (yield from syscall("mmap", addr, length, prot, flags, fd, offset))


def munmap(addr: Any, length: int) -> Gen:
    """munmap(2) of a view returned by :func:`mmap`: 0, or -EINVAL (not a mapping, length 0).

    The view is released: touching it afterwards raises ValueError, Python's
    stand-in for the SIGSEGV of a dangling pointer, and the object can be
    resized again (ftruncate).
    """
    return (yield from syscall("munmap", addr, length))
