"""Resource limits: prlimit64(2), behind getrlimit(2), setrlimit(2) and prlimit(2) (kernel/sys.c).

Only RLIMIT_NOFILE is modelled: it lives in the process's descriptor table
(:class:`~simuring.kernel.files.FdTable`: ``limit`` is ``rlim_cur``,
``limit_max`` ``rlim_max``), where every new descriptor is checked against
it (-EMFILE) and IORING_REGISTER_FILES compares its table size with it.
"""

from __future__ import annotations

from typing import Final

from simuring.abi.errno import EFAULT, EINVAL, EPERM
from simuring.abi.limits import U64
from simuring.abi.posix import RLIMIT_NOFILE, Rlimit
from simuring.host.task import Task
from simuring.kernel.files import files_of

RLIM_NLIMITS: Final = 16
NR_OPEN: Final = 1024 * 1024
"""``sysctl_nr_open`` (fs.nr_open), its default: no RLIMIT_NOFILE hard limit above it."""


def sys_prlimit64(task: Task, pid: int, resource: int, new: object, old: object) -> int:
    """``SYSCALL_DEFINE4(prlimit64)`` -> ``do_prlimit``: ``new`` (an :class:`Rlimit` or None)
    is read first (-EFAULT); then -EINVAL for a resource past RLIM_NLIMITS or a soft
    limit above the hard one, -EPERM for an RLIMIT_NOFILE hard limit above ``fs.nr_open``
    or a raised hard limit without CAP_SYS_RESOURCE (the process is root when its uid
    is 0); the old limits are written to ``old`` and the new ones set together.  ``pid``
    0 or the caller's own process id names the caller."""
    if not isinstance(resource, int) or not isinstance(pid, int):
        return -EINVAL
    if new is not None and not isinstance(new, Rlimit):
        return -EFAULT
    if old is not None and not isinstance(old, Rlimit):
        return -EFAULT
    if pid not in (0, task.process.pid):
        raise ValueError(f"prlimit of another process (pid {pid}) is not modelled")
    if not 0 <= resource < RLIM_NLIMITS:
        return -EINVAL
    if resource != RLIMIT_NOFILE:
        raise ValueError(f"resource {resource}: only RLIMIT_NOFILE ({RLIMIT_NOFILE}) is modelled")
    fds = files_of(task.process)
    if new is not None:
        cur, hard = new.rlim_cur & U64, new.rlim_max & U64
        if cur > hard:
            return -EINVAL
        if hard > NR_OPEN:
            return -EPERM
        if hard > fds.limit_max and task.process.uid != 0:
            return -EPERM  # capable(CAP_SYS_RESOURCE)
    if old is not None:
        old.rlim_cur, old.rlim_max = fds.limit, fds.limit_max
    if new is not None:
        fds.limit, fds.limit_max = cur, hard
    return 0
