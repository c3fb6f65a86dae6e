"""The simulated kernel: one :class:`Kernel` per simulated host.

It holds what is global in a real kernel (the ring-id space, plug-in
state such as the IPC channel tables) and the shared request machinery
(the :class:`~simuring.kernel.submit.Submitter`, io-wq pools).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from simuring.abi.io_uring import IOSQE_ASYNC
from simuring.host.task import Process, Task
from simuring.kernel.iowq import IoWq
from simuring.kernel.submit import Submitter

if TYPE_CHECKING:
    from simuring.cost import CostModel
    from simuring.host.spawner import Spawner
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.registry import PluginRegistry
    from simuring.kernel.request import Request
    from simuring.output.trace import Tracer


class Kernel:
    """Kernel-global state of one simulated host."""

    def __init__(self, spawner: Spawner, costs: CostModel, registry: PluginRegistry, tracer: Tracer) -> None:
        self.spawner = spawner  # starts the kernel threads, on the host's clock
        self.env = spawner.env
        self.costs = costs
        self.registry = registry
        self.tracer = tracer
        self.submitter = Submitter(self)
        self.rings: dict[int, RingCtx] = {}
        self.all_rings: list[RingCtx] = []  # every ring ever created, for the result
        self._next_ring_id = 1
        self.iowqs: dict[int, IoWq] = {}
        self.state: dict[str, Any] = {}  # plug-in global state, by plug-in name
        self.ring_counter_start = 0
        """Initial value of new rings' head/tail counters (0 as in Linux; tests
        set it near 2**32 to exercise wrap-around)."""

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
            self.iowqs[task.tid] = wq
        return wq

    def punt(self, by: Task, req: Request) -> None:
        """``io_queue_iowq``: hand ``req`` to its submitter's io-wq."""
        opdef = req.opdef
        assert opdef is not None
        regular = getattr(req.file, "regular", False)
        forced = bool(req.flags & IOSQE_ASYNC)
        bound = not ((opdef.unbound_nonreg_file and not regular) or forced)
        self.iowq_for(req.task, req.ctx).enqueue(by, req, bound, concurrent=forced)

    # -- kernel threads ----------------------------------------------------
    def spawn_kthread(
        self,
        name: str,
        process: Process,
        body: Callable[[Task], Generator[Any, Any, Any]],
        cpu: int | None = None,
        at: int | None = None,
    ) -> Task:
        """Start a kernel-side thread (io-wq worker, SQPOLL thread) of ``process``,
        running from instant ``at`` (now if None)."""
        return self.spawner.spawn(body, name=name, process=process, cpu=cpu, kthread=True, at=at)
