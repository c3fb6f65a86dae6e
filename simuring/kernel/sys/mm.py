"""Memory syscalls: POSIX shared memory, mmap(2), munmap(2).

``shm_open(3)`` / ``shm_unlink(3)`` are glibc's openat / unlink under
``/dev/shm`` (tmpfs); the kernel keeps the names in ``Kernel.shm`` and the
live mappings of named objects in ``Kernel.shm_maps``.  A mapping is a
``memoryview`` of the object's bytes (:mod:`simuring.kernel.objects.shm`).
The IPC proposal's channel fd is mapped through its file's own ``mmap``.
"""

from __future__ import annotations

from typing import Any

from simuring.abi.errno import EACCES, EBADF, EEXIST, EINVAL, ENOENT
from simuring.abi.posix import (
    MAP_ANONYMOUS,
    MAP_PRIVATE,
    MAP_SHARED,
    O_ACCMODE,
    O_CREAT,
    O_EXCL,
    O_RDONLY,
    O_RDWR,
    O_TRUNC,
    O_WRONLY,
    PAGE_SIZE,
    PROT_WRITE,
)
from simuring.host.task import Task
from simuring.kernel import kernel_of
from simuring.kernel.costs import ShmCosts
from simuring.kernel.files import files_of
from simuring.kernel.memmap import is_ring_mapping
from simuring.kernel.objects.shm import ShmFile, ShmMapping, ShmObject, map_shared


def sys_shm_open(task: Task, name: str, oflag: int, mode: int) -> int:
    """shm_open(3): ``do_sys_openat2`` (fs/open.c) of ``/dev/shm/name`` on tmpfs
    (mm/shmem.c): a descriptor on the named object (O_CREAT, O_EXCL, O_TRUNC).  After glibc's
    check of the name, the descriptor is taken first (``get_unused_fd_flags``): with the table
    full the answer is -EMFILE and no object is made.  Access mode 3 (O_ACCMODE) is accepted, as
    for any regular file, and opens the object for neither reading nor writing; O_TRUNC empties
    it whatever the access mode (Linux 6.18.44 decided both)."""
    kernel = kernel_of(task.env)
    task.charge(kernel.costs.get(ShmCosts).open_ns)
    if not isinstance(oflag, int):
        return -EINVAL
    if not name or "/" in name.lstrip("/"):
        return -EINVAL
    fds = files_of(task.process)
    fd = fds.unused()
    if fd < 0:
        return fd
    ns = kernel.shm
    obj = ns.objects.get(name)
    if obj is None:
        if not oflag & O_CREAT:
            return -ENOENT
        obj = ns.objects[name] = ShmObject(name)
    elif oflag & O_CREAT and oflag & O_EXCL:
        return -EEXIST
    acc = oflag & O_ACCMODE  # 3 opens the object for neither reading nor writing (OPEN_FMODE)
    if oflag & O_TRUNC:  # in any access mode (handle_truncate; the caller may write the object)
        err = obj.truncate(0)
        if err:
            return err
    f = ShmFile(obj, oflag, acc in (O_RDONLY, O_RDWR), acc in (O_WRONLY, O_RDWR))
    fds.install_at(fd, f)
    return fd


def sys_shm_unlink(task: Task, name: str) -> int:
    """shm_unlink(3): ``do_unlinkat`` (fs/namei.c) of ``/dev/shm/name``; open
    descriptors and mappings stay valid."""
    obj = kernel_of(task.env).shm.objects.pop(name, None)
    if obj is None:
        return -ENOENT
    obj.linked = False
    return 0


def sys_mmap(task: Task, addr: Any, length: int, prot: int, flags: int, fd: int, offset: int) -> Any:
    """``ksys_mmap_pgoff`` / ``do_mmap`` (mm/mmap.c), shared memory only: a
    ``memoryview`` of the mapping, or -errno.

    ``MAP_SHARED`` of a shm_open descriptor maps the object (``shmem_mmap``):
    every mapping of it is a view of the same bytes, across processes.
    ``MAP_ANONYMOUS`` (shared or private, ``fd`` -1) gives fresh zeroed memory.
    Without PROT_WRITE the view is read-only.  ``addr`` is ignored (no address
    space); ``MAP_PRIVATE`` of a shm descriptor (copy-on-write) is not modelled
    (-EINVAL).  Any other descriptor is mapped by its file's own ``mmap``
    (``f_op->mmap``: a ring fd's regions, :mod:`simuring.kernel.memmap`; -ENODEV
    for a file without one), after the offset's page alignment is checked (-EINVAL).
    """
    costs = task.sched.costs
    if not isinstance(length, int) or length <= 0 or not isinstance(flags, int) or not isinstance(prot, int):
        return -EINVAL
    kind = flags & (MAP_SHARED | MAP_PRIVATE)
    if kind not in (MAP_SHARED, MAP_PRIVATE):
        return -EINVAL
    if flags & MAP_ANONYMOUS:
        obj = ShmObject(None, (length + PAGE_SIZE - 1) // PAGE_SIZE * PAGE_SIZE)
        view = map_shared(task, costs, obj, length, 0)
    else:
        file = files_of(task.process).get(fd)
        if file is None:
            return -EBADF
        if not isinstance(file, ShmFile):
            if not isinstance(offset, int) or offset & (PAGE_SIZE - 1):
                return -EINVAL  # ksys_mmap_pgoff: the offset is counted in pages
            return file.mmap(task, length, prot, flags, offset)  # f_op->mmap; File's default: -ENODEV
        if kind == MAP_PRIVATE:
            return -EINVAL
        if not file.readable or (prot & PROT_WRITE and not file.writable):
            return -EACCES
        view = map_shared(task, costs, file.obj, length, offset)
        if not isinstance(view, int):
            kernel_of(task.env).shm_maps.append(ShmMapping(view, file.obj))
    if isinstance(view, int):
        return view
    return view if prot & PROT_WRITE else view.toreadonly()


def sys_mmap_file(task: Task, fd: int, length: int, prot: int, flags: int, offset: int) -> Any:
    """mmap(2) through the file's own ``f_op->mmap`` (``call_mmap``, mm/mmap.c):
    the IPC channel fd's read-only mapping object, or -errno (-EBADF, -ENODEV
    for a file that cannot be mapped)."""
    file = files_of(task.process).get(fd)
    if file is None:
        return -EBADF
    return file.mmap(task, length, prot, flags, offset)  # File's default: -ENODEV


def sys_munmap(task: Task, addr: Any, length: int) -> int:
    """``__vm_munmap`` (mm/mmap.c) of a view returned by mmap: 0, or -EINVAL (not
    a mapping, length 0).  A ring fd's rings or buffer ring are unmapped with nothing
    to release (the kernel keeps its memory).

    The view is released (``memoryview.release``): touching it afterwards
    raises ValueError, Python's stand-in for the SIGSEGV of a dangling
    pointer, and the object can be resized again (ftruncate).
    """
    if not isinstance(length, int) or length <= 0:
        return -EINVAL
    if not isinstance(addr, memoryview):
        return 0 if is_ring_mapping(addr) else -EINVAL
    maps = kernel_of(task.env).shm_maps
    for i, m in enumerate(maps):
        view = m.view
        if view is addr or (addr.obj is view.obj and len(addr) == len(view)):
            del maps[i]
            m.obj.maps -= 1
            release(view)
            break
    release(addr)
    return 0


def release(view: memoryview) -> None:
    """Release a mapping's view; views the script derived from it (slices) keep
    theirs until dropped, like a second mapping of the same pages."""
    try:
        view.release()
    except BufferError:
        pass
