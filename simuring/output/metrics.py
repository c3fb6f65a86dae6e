"""Per-task counters and a bounded-memory latency histogram.

The histogram is log-linear (HDR-style): values are bucketed with 64
sub-buckets per power of two, so any percentile is exact to within ~1.6%
and memory stays constant whatever the number of samples (a million-NOP run
keeps a flat footprint).  Integer arithmetic only, so results are
byte-identical across runs.
"""

from __future__ import annotations

from typing import Any, Final

from simuring.abi.io_uring import opcode_name

SUB_BITS: Final = 6
SUB: Final = 1 << SUB_BITS


def _bucket(value: int) -> int:
    if value < SUB:
        return value
    shift = value.bit_length() - SUB_BITS - 1
    return ((shift + 1) << SUB_BITS) + ((value >> shift) - SUB)


def _bucket_low(index: int) -> int:
    if index < SUB:
        return index
    shift = (index >> SUB_BITS) - 1
    return (SUB + (index & (SUB - 1))) << shift


class Histogram:
    """Counts of non-negative integer samples (nanoseconds)."""

    __slots__ = ("counts", "n", "total", "min", "max")

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.n = 0
        self.total = 0
        self.min = 0
        self.max = 0

    def add(self, value: int) -> None:
        value = int(value)
        if value < 0:
            value = 0
        b = _bucket(value)
        self.counts[b] = self.counts.get(b, 0) + 1
        if self.n == 0 or value < self.min:
            self.min = value
        if value > self.max:
            self.max = value
        self.n += 1
        self.total += value

    def merge(self, other: Histogram) -> None:
        for b, c in other.counts.items():
            self.counts[b] = self.counts.get(b, 0) + c
        if other.n:
            self.min = other.min if self.n == 0 else min(self.min, other.min)
            self.max = max(self.max, other.max)
        self.n += other.n
        self.total += other.total

    def percentile(self, p: float) -> int:
        """Lower bound of the bucket holding the p-th percentile (clamped to min/max)."""
        if self.n == 0:
            return 0
        rank = max(1, -(-int(p * self.n * 1000) // 100_000))  # ceil(p/100 * n) in integers
        seen = 0
        for b in sorted(self.counts):
            seen += self.counts[b]
            if seen >= rank:
                return min(max(_bucket_low(b), self.min), self.max)
        return self.max

    def buckets(self) -> list[tuple[int, int]]:
        """``(lower bound in ns, count)`` of every non-empty bucket, lowest first."""
        return [(_bucket_low(b), self.counts[b]) for b in sorted(self.counts)]

    def summary(self) -> dict[str, int]:
        if self.n == 0:
            return {"count": 0}
        return {
            "count": self.n,
            "min": self.min,
            "mean": self.total // self.n,
            "p50": self.percentile(50),
            "p90": self.percentile(90),
            "p99": self.percentile(99),
            "max": self.max,
        }


class TaskStats:
    """What a task did: syscalls, SQEs submitted by opcode, completions."""

    __slots__ = ("syscalls", "ops", "latency", "waits", "punts", "ipis", "taskwork_wakeups")

    def __init__(self) -> None:
        self.syscalls: dict[str, int] = {}
        self.ops: dict[int, int] = {}
        self.latency = Histogram()
        self.waits = 0
        self.punts = 0
        self.ipis = 0
        self.taskwork_wakeups = 0

    def syscall(self, name: str) -> None:
        self.syscalls[name] = self.syscalls.get(name, 0) + 1

    def submitted(self, opcode: Any) -> None:
        key = opcode if isinstance(opcode, int) else -1
        self.ops[key] = self.ops.get(key, 0) + 1

    def completed(self, latency_ns: int) -> None:
        self.latency.add(latency_ns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "syscalls": dict(sorted(self.syscalls.items())),
            "sqes": {opcode_name(op): n for op, n in sorted(self.ops.items())},
            "completions": self.latency.n,
            "latency_ns": self.latency.summary(),
            "latency_histogram_ns": [list(pair) for pair in self.latency.buckets()],
            "cq_waits": self.waits,
            "iowq_punts": self.punts,
            "ipis_received": self.ipis,
            "task_work_wakeups": self.taskwork_wakeups,
        }
