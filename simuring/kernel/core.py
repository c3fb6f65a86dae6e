"""The :class:`Kernel` (the body of :mod:`simuring.kernel`, which re-exports it).

A module of its own, so that the optional compiled build (docs/speed.md)
compiles it: no package ``__init__`` is compiled, and the kernel's state is
read on every request.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, cast

from simuring.abi.io_uring import IOSQE_ASYNC
from simuring.host.task import Process, Task
from simuring.kernel.ext import K, KernelExt
from simuring.kernel.iowq import IoWq, apply_iowq_limits
from simuring.kernel.objects.regfile import SimFs
from simuring.kernel.objects.shm import ShmMapping, ShmNamespace
from simuring.kernel.request import req_fields
from simuring.kernel.submit import Submitter
from simuring.kernel.tctx import UringTask

if TYPE_CHECKING:
    import simpy

    from simuring.cost import CostModel
    from simuring.host.spawner import Spawner
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.registry import PluginRegistry
    from simuring.kernel.request import Request
    from simuring.output.trace import Tracer


def kernel_of(env: simpy.Environment) -> Kernel:
    """The kernel running on ``env`` (each simulation has one): how a syscall
    finds the kernel-global state (file system, shm namespace, ring ids).

    The environment carries it as an attribute (as a SimPy process carries its
    task, :func:`simuring.host.current.bind`): a table keyed by environment
    would keep every simulation alive, since the kernel refers to its
    environment (a sweep running thousands of points in one process grew by
    half a megabyte per point)."""
    kernel: Kernel = env.simuring_kernel  # type: ignore[attr-defined]
    return kernel


class Kernel:
    """Kernel-global state of one simulated host."""

    def __init__(self, spawner: Spawner, costs: CostModel, registry: PluginRegistry, tracer: Tracer) -> None:
        self.spawner = spawner  # starts the kernel threads, on the host's clock
        self.env = spawner.env
        self.env.simuring_kernel = self  # type: ignore[attr-defined]
        self.costs = costs
        self.registry = registry
        self.tracer = tracer
        self.submitter = Submitter(self)
        self.rings: dict[int, RingCtx] = {}
        self.all_rings: list[RingCtx] = []  # every ring ever created, for the result
        self.shm = ShmNamespace()  # /dev/shm (shm_open, shm_unlink)
        self.shm_maps: list[ShmMapping] = []  # live mmaps of shm objects (munmap finds them here)
        self._next_ring_id = 1
        self.iowqs: dict[int, IoWq] = {}
        self.uring_tasks: dict[int, UringTask] = {}  # io_uring contexts of tasks, by tid (kernel.tctx)
        self.fs = SimFs()  # regular files: path -> inode
        self._ext: dict[type[KernelExt], KernelExt] = {}  # plug-in state, by class
        self.ring_counter_start = 0
        """Initial value of new rings' head/tail counters (0 as in Linux; tests
        set it near 2**32 to exercise wrap-around)."""

    def ext(self, cls: type[K]) -> K:
        """The kernel-wide state of class ``cls``, created as ``cls(self)`` on first use."""
        st = self._ext.get(cls)
        if st is None:
            st = self._ext[cls] = cls(self)
        return cast(K, st)

    def peek_ext(self, cls: type[K]) -> K | None:
        """The kernel-wide state of class ``cls`` if it was created, else None."""
        return cast("K | None", self._ext.get(cls))

    def next_ring_id(self) -> int:
        rid = self._next_ring_id
        self._next_ring_id += 1
        return rid

    # -- io-wq ------------------------------------------------------------
    def iowq_for(self, task: Task, ctx: RingCtx) -> IoWq:
        wq = self.iowqs.get(task.tid)
        if wq is None:
            bounded = min(ctx.sq_entries, 4 * self.costs.host.cpus)
            wq = IoWq(self, task, bounded)
            apply_iowq_limits(wq, ctx)  # the ring's IORING_REGISTER_IOWQ_MAX_WORKERS limits
            self.iowqs[task.tid] = wq
        return wq

    def punt(self, by: Task, req: Request) -> None:
        """``io_queue_iowq``: hand ``req`` to its submitter's io-wq."""
        opdef = req.opdef
        unbound_nonreg = opdef is not None and opdef.unbound_nonreg_file  # no opdef: init failed, never issued
        file = req.file
        regular = file is not None and file.regular
        forced = bool(req.flags & IOSQE_ASYNC)
        bound = not ((unbound_nonreg and not regular) or forced)
        if self.tracer.enabled:  # rw: the model hashes no work (every item is on the normal queue)
            self.tracer.emit(by.now(), "io_uring_queue_async_work", tid=by.tid, **req_fields(req), flags=req.flags, rw=0)
        self.iowq_for(req.task, req.ctx).enqueue(by, req, bound, concurrent=forced)

    # -- kernel threads ----------------------------------------------------
    def spawn_kthread(
        self,
        name: str,
        process: Process,
        body: Callable[[Task], Generator[simpy.Event, Any, None]],
        cpu: int | None = None,
        at: int | None = None,
    ) -> Task:
        """Start a kernel-side thread (io-wq worker, SQPOLL thread) of ``process``,
        running from instant ``at`` (now if None)."""
        return self.spawner.spawn(body, name=name, process=process, cpu=cpu, kthread=True, at=at)
