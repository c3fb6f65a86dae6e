"""What the IPC plug-in counted during a simulation, for reports and tests."""

from __future__ import annotations

from typing import Any, Protocol

from simuring.kernel import Kernel
from simuring.opcodes.ipc.tables import IpcState


class HasKernel(Protocol):
    """What :func:`ipc_stats` reads: a finished run's kernel (a ``Simulation`` has one)."""

    @property
    def kernel(self) -> Kernel: ...


def ipc_stats(sim: HasKernel) -> dict[str, Any]:
    """Per-channel counters and their totals.

    ``{"channels": {id: {...}}, "totals": {...}}``; a channel id reused after
    DESTROY appears once per incarnation, keyed ``"<id>"``, ``"<id>#2"``, ...
    Counters: sends, send_bytes, send_faults, enobufs, reserve_retries (lost
    CAS races on the producer tail), recvs, recv_bytes, recv_eagain (issue
    attempts answering -EAGAIN, inline and in io-wq), recv_lost_races,
    head_scans (consumer-head recomputations; lazy_scans from RECV, full_scans
    from SEND on a full ring), wake_targets (receiving rings whose CQ wait
    queue was woken), wakeups (tasks actually woken: sleeping waiters, who
    find no CQE and sleep again), wakeup_cost_ns (sender CPU time spent
    waking), and the CacheLine counters (``cas_failures``, ``transfers``).
    """
    state = sim.kernel.peek_ext(IpcState)
    channels: dict[str, Any] = {}
    totals: dict[str, int] = {}
    if state is not None:
        seen: dict[int, int] = {}
        for ch in state.all_channels:
            seen[ch.id] = seen.get(ch.id, 0) + 1
            name = str(ch.id) if seen[ch.id] == 1 else f"{ch.id}#{seen[ch.id]}"
            d: dict[str, Any] = ch.stats.to_dict()
            lines = [ch.prod_tail, ch.cons_head, ch.rr_counter, ch.msg_counter]
            d["producer_tail_cas_failures"] = ch.prod_tail.cas_failures
            d["consumer_head_cas_failures"] = ch.cons_head.cas_failures
            d["cacheline_transfers"] = sum(line.transfers for line in lines) + sum(
                s.local_head.transfers for s in ch.subscribers.values()
            ) + sum(desc.seq.transfers for desc in ch.descs)
            channels[name] = d
            for k, v in d.items():
                totals[k] = totals.get(k, 0) + int(v)
    return {"channels": channels, "totals": totals}
