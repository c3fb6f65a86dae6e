"""``struct rlimit`` calls of the C library (getrlimit(2), setrlimit(2), prlimit(2)) over
:class:`~simuring.abi.posix.Rlimit`, for the scenarios, for liburing's retry of a file
registration (:func:`increase_rlimit_nofile`), and for the harness, which puts the
process's RLIMIT_NOFILE back after every scenario (:class:`SavedNofile`)."""

from __future__ import annotations

import ctypes
import resource

from simuring.abi.posix import Rlimit
from simuring.conform.real.libc import call


class CRlimit(ctypes.Structure):
    _fields_ = [("rlim_cur", ctypes.c_uint64), ("rlim_max", ctypes.c_uint64)]


def _c(rlim: Rlimit | None) -> CRlimit | None:
    return None if rlim is None else CRlimit(rlim.rlim_cur & (2**64 - 1), rlim.rlim_max & (2**64 - 1))


def prlimit(pid: int, res: int, new: Rlimit | None, old: Rlimit | None) -> int:
    """prlimit(2); ``old`` (if given) is filled in place on success."""
    c_new, c_old = _c(new), _c(old)
    ret = call(
        "prlimit",
        ctypes.c_int(pid),
        ctypes.c_int(res),
        None if c_new is None else ctypes.byref(c_new),
        None if c_old is None else ctypes.byref(c_old),
    )
    if ret == 0 and old is not None and c_old is not None:
        old.rlim_cur, old.rlim_max = int(c_old.rlim_cur), int(c_old.rlim_max)
    return ret


def getrlimit(res: int, rlim: Rlimit | None) -> int:
    """getrlimit(2) (glibc: prlimit64 on the caller)."""
    return prlimit(0, res, None, rlim)


def setrlimit(res: int, rlim: Rlimit | None) -> int:
    """setrlimit(2) (glibc: prlimit64 on the caller)."""
    return prlimit(0, res, rlim, None)


def increase_rlimit_nofile(nr: int) -> int:
    """liburing's ``increase_rlimit_nofile``: a soft RLIMIT_NOFILE below ``nr`` is raised by ``nr``."""
    rlim = Rlimit()
    ret = getrlimit(resource.RLIMIT_NOFILE, rlim)
    if ret < 0:
        return ret
    if rlim.rlim_cur < nr:
        rlim.rlim_cur += nr
        setrlimit(resource.RLIMIT_NOFILE, rlim)
    return 0


class SavedNofile:
    """The process's RLIMIT_NOFILE when a scenario began; :meth:`restore` sets it again (a
    scenario may lower it, which would starve the harness of descriptors, or raise it)."""

    def __init__(self) -> None:
        self.saved = Rlimit()
        getrlimit(resource.RLIMIT_NOFILE, self.saved)

    def restore(self) -> None:
        setrlimit(resource.RLIMIT_NOFILE, self.saved)
