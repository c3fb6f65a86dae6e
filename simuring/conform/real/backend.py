"""The real side: a scenario drives the machine's kernel through ctypes.

``L`` offers the names of :mod:`simuring.conform.api`, implemented by
:mod:`simuring.conform.real.liburing` (rings), :mod:`.prep` (SQE helpers)
and :mod:`.posix` (POSIX calls).  A kernel-entering name is a generator
function that never yields, so the scenario's ``yield from`` works as in the
simulator and the driver just runs the generator to its end.  Every ring,
fd and temporary file the scenario leaves behind is released afterwards.
"""

from __future__ import annotations

import tempfile
import traceback
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from simuring.abi.posix import FutexWaitv, Msghdr, Rlimit, SockaddrIn, SockaddrIn6, SockaddrUn
from simuring.conform.api import ENTERING, PLAIN, Api, build_api
from simuring.conform.observe import Observation, Recorder
from simuring.conform.real import liburing, prep
from simuring.conform.real.memory import msghdr_forget, msghdr_write_back
from simuring.conform.real.posix import CONSTANTS, Posix
from simuring.conform.real.ring import Ring
from simuring.conform.real.rlimit import SavedNofile
from simuring.conform.registry import Scenario
from simuring.uapi import (
    BufReg,
    BufStatus,
    Cqe,
    FileIndexRange,
    GeteventsArg,
    IoUringCqe,
    Iovec,
    MemRegionReg,
    Params,
    Probe,
    RegionDesc,
    RegWait,
    RsrcRegister,
    RsrcUpdate,
    RsrcUpdate2,
    Sqe,
    Timespec,
)


class ScenarioMisuse(RuntimeError):
    """The scenario did something only the simulator allows (yielding a value of its own)."""


def _entering(fn: Callable[..., Any]) -> Callable[..., Generator[Any, Any, Any]]:
    """A generator function running ``fn`` at once (it never yields)."""

    def entry(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        ret = fn(*args, **kwargs)
        msghdr_write_back()  # what the kernel wrote into a RECVMSG's msghdr
        return ret
        yield  # unreachable: makes this a generator function

    entry.__name__ = getattr(fn, "__name__", "entry")
    entry.__doc__ = fn.__doc__
    return entry


def _implementation(name: str, posix: Posix) -> Callable[..., Any]:
    """Where the real backend implements ``name``: the POSIX calls, the SQE helpers, or the ring logic."""
    if hasattr(Posix, name):
        return getattr(posix, name)  # type: ignore[no-any-return]
    module = prep if name.startswith("io_uring_prep_") or name.startswith("io_uring_sqe_set_") else liburing
    impl = getattr(module, name, None)
    if not callable(impl):
        raise LookupError(f"the real backend lacks {name}")
    return impl  # type: ignore[no-any-return]


PATH_ARGS: dict[str, tuple[int, ...]] = {
    "io_uring_prep_openat": (2,),
    "io_uring_prep_openat_direct": (2,),
    "io_uring_prep_openat2": (2,),
    "io_uring_prep_openat2_direct": (2,),
    "io_uring_prep_statx": (2,),
    "io_uring_prep_setxattr": (3,),
    "io_uring_prep_getxattr": (3,),
    "io_uring_prep_mkdirat": (2,),
    "io_uring_prep_mkdir": (1,),
    "io_uring_prep_unlinkat": (2,),
    "io_uring_prep_unlink": (1,),
    "io_uring_prep_renameat": (2, 4),
    "io_uring_prep_rename": (1, 2),
    "io_uring_prep_symlinkat": (1, 3),
    "io_uring_prep_symlink": (1, 2),
    "io_uring_prep_linkat": (2, 4),
    "io_uring_prep_link": (1, 2),
}
"""The path arguments (by position) of the prep helpers that take paths: an absolute path (a
symlink's target too) is moved inside the run's private directory."""


class RealSession:
    """One scenario run: its API namespace, and what it must release afterwards."""

    def __init__(self, rec: Recorder, root: Path) -> None:
        self.nofile = SavedNofile()
        self.posix = Posix(root)
        self.rings: list[Ring] = []
        session = self

        class TrackedRing(Ring):
            """``struct io_uring``, remembered so the harness can tear it down."""

            def __init__(self) -> None:
                super().__init__()
                session.rings.append(self)

        def io_uring_setup(entries: int, p: Params) -> int:
            fd = liburing.io_uring_setup(entries, p)
            session.posix.track(fd)
            return fd

        functions: dict[str, Callable[..., Any]] = {}
        for name in (*ENTERING, *PLAIN):
            functions[name] = _implementation(name, self.posix)
        functions["io_uring_setup"] = io_uring_setup
        for name in ENTERING:
            functions[name] = _entering(functions[name])
        for name, positions in PATH_ARGS.items():
            functions[name] = self._with_paths(getattr(prep, name), positions)
        classes = {
            "Ring": TrackedRing,
            "Cqe": Cqe,
            "Params": Params,
            "Timespec": Timespec,
            "GeteventsArg": GeteventsArg,
            "IoUringCqe": IoUringCqe,
            "Probe": Probe,
            "RsrcUpdate": RsrcUpdate,
            "RsrcUpdate2": RsrcUpdate2,
            "RsrcRegister": RsrcRegister,
            "FileIndexRange": FileIndexRange,
            "Iovec": Iovec,
            "BufReg": BufReg,
            "BufStatus": BufStatus,
            "Msghdr": Msghdr,
            "FutexWaitv": FutexWaitv,
            "SockaddrUn": SockaddrUn,
            "SockaddrIn": SockaddrIn,
            "SockaddrIn6": SockaddrIn6,
            "Rlimit": Rlimit,
            "Sqe": Sqe,
            "RegionDesc": RegionDesc,
            "MemRegionReg": MemRegionReg,
            "RegWait": RegWait,
        }
        self.api: Api = build_api("real", rec, functions, classes, CONSTANTS)

    def _with_paths(
        self, helper: Callable[..., None], positions: tuple[int, ...]
    ) -> Callable[..., None]:
        """``helper(sqe, ...)`` with the arguments at ``positions`` mapped by :meth:`Posix.c_path`."""
        posix = self.posix

        def prep_with_paths(*args: Any) -> None:
            helper(*(posix.c_path(a) if i in positions else a for i, a in enumerate(args)))

        prep_with_paths.__name__ = helper.__name__
        return prep_with_paths

    def release(self) -> None:
        self.nofile.restore()  # first: a lowered limit must not starve the clean-up
        for ring in self.rings:
            if ring.mapped:
                liburing.io_uring_queue_exit(ring)
        self.posix.close_leftovers()


def drive(gen: Generator[Any, Any, Any]) -> None:
    """Run a scenario generator to its end (real calls never yield)."""
    try:
        value = gen.send(None)
    except StopIteration:
        return
    gen.close()
    raise ScenarioMisuse(f"the scenario yielded {value!r}: only 'yield from' of L's calls may appear in a scenario")


def run_real(sc: Scenario) -> tuple[list[Observation], str | None]:
    """Run ``sc`` against the real kernel: its observations, and the error text if it raised."""
    rec = Recorder()
    with tempfile.TemporaryDirectory(prefix="simuring-conform-") as tmp:
        session = RealSession(rec, Path(tmp))
        try:
            drive(sc.fn(session.api))
        except Exception as exc:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            return rec.observations, f"{type(exc).__name__}: {exc} (at {Path(frame.filename).name}:{frame.lineno})"
        finally:
            session.release()
            msghdr_forget()
    return rec.observations, None
