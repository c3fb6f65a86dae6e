"""Memory-system model: copy costs by footprint and ownership, and cache lines shared between CPUs.

A copy costs ``mem.memcpy_base_ns`` plus its bytes at a bandwidth that
depends on where its lines are (:func:`copy_ns`):

* by *footprint*, the bytes the buffer spans over its use (a 16-slot pipe is
  64 KiB, an IPC channel's data region is its slots times the largest
  message): the smallest cache tier it fits in (L1, L2, LLC, DRAM);
* by *ownership*: a buffer that fits in a core's private caches (L2) and was
  last used on another CPU has its lines in that core's cache, and each line
  moves between cores (read after a remote write: ``mem.remote_bytes_per_ns``;
  invalidated before a write: ``mem.remote_write_bytes_per_ns``, or
  ``mem.remote_stream_write_bytes_per_ns`` for user shared memory, which the
  other side streams through while this one writes), after
  ``mem.remote_copy_ns`` for the first line.  A larger buffer has been evicted to
  the shared cache or DRAM by the time it comes round again, and the
  footprint's tier applies.

:class:`BufferLines` tracks, for one kernel or shared-memory buffer, which
CPU last wrote and last read it; :func:`memcpy_ns` is a copy of a private,
hot buffer (the footprint is the copy itself).  :class:`ObjectLines` is the
few cache lines of a kernel object's shared state (a pipe's mutex and
indices, an eventfd's count and wait queue) that move to whichever CPU uses
the object.  :class:`CacheLine` models one 64-byte line that several CPUs
read and update with atomics, the building block of lock-free rings:

* a CPU touching a line last written by another CPU pays
  ``mem.cacheline_transfer_ns`` (the line moves between cores);
* stores and CAS are applied when the code runs (the start of the task's
  burst in the DES), but *visible to others* only from their logical time
  ``now + burst offset`` of the writer.  A reader whose own logical time is
  earlier still sees the previous value.  So two tasks whose read-then-CAS
  windows overlap in simulated time really race: the one whose CAS comes
  second finds the value changed and fails, and must retry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simuring.cost import CostModel
    from simuring.host.task import Task


def copy_ns(costs: CostModel, nbytes: int, footprint: int, remote: bool = False, into: bool = False, streamed: bool = False) -> int:
    """CPU time of copying ``nbytes`` within a buffer of ``footprint`` bytes
    (``copy_from_user``/``copy_to_user``/``memcpy``; 0 bytes still costs the call).

    ``remote``: the lines were last used on another CPU; it matters only
    while the footprint fits in that CPU's L2 (else they are in the LLC or
    DRAM by now and the footprint's tier applies): the copy then pays
    ``mem.remote_copy_ns`` once and streams at ``mem.remote_bytes_per_ns``,
    or ``mem.remote_write_bytes_per_ns`` when it writes ``into`` those lines
    (each must be taken from the other core first).  ``streamed``: the other
    core reads the buffer while this one writes it (a shared-memory ring both
    sides stream through, with no lock between them, unlike a pipe's pages
    under ``pipe->mutex``): a write into its lines costs
    ``mem.remote_stream_write_bytes_per_ns`` instead.
    """
    mem = costs.mem
    if nbytes <= 0:
        return mem.memcpy_base_ns
    if footprint <= mem.l1_bytes:
        bw = mem.l1_bytes_per_ns
    elif footprint <= mem.l2_bytes:
        bw = mem.l2_bytes_per_ns
    elif footprint <= mem.llc_bytes:
        bw = mem.llc_bytes_per_ns
    else:
        bw = mem.dram_bytes_per_ns
    extra = 0
    if remote and footprint <= mem.l2_bytes:
        extra = mem.remote_copy_ns
        remote_bw = (mem.remote_stream_write_bytes_per_ns if streamed else mem.remote_write_bytes_per_ns) if into else mem.remote_bytes_per_ns
        if remote_bw < bw:
            bw = remote_bw
    return mem.memcpy_base_ns + extra + int(nbytes / bw)


def memcpy_ns(costs: CostModel, nbytes: int) -> int:
    """CPU time of copying ``nbytes`` between private buffers the task just used
    (the footprint is the copy itself)."""
    return copy_ns(costs, nbytes, nbytes)


def _cpu_of(task: Task) -> int:
    cpu = task.cpu if task.cpu is not None else task.last_cpu
    return cpu.index if cpu is not None else -1


class BufferLines:
    """Where a shared buffer's lines last were: which CPU last wrote it and last read it.

    ``footprint`` is the bytes the buffer spans (its lines go round through
    it).  :meth:`write` and :meth:`read` charge a copy of ``n`` bytes into
    or out of it, as :func:`copy_ns` prices it, and record the CPU.
    ``streamed``: both sides copy at once, with no lock between them (user
    shared memory); see :func:`copy_ns`.
    """

    __slots__ = ("footprint", "writer_cpu", "reader_cpu", "streamed")

    def __init__(self, footprint: int, streamed: bool = False) -> None:
        self.footprint = footprint
        self.streamed = streamed
        self.writer_cpu = -1
        self.reader_cpu = -1

    def write(self, task: Task, n: int) -> None:
        """``task`` copies ``n`` bytes into the buffer (from its own hot buffer):
        remote if another CPU last read or wrote it."""
        cpu = _cpu_of(task)
        remote = self.reader_cpu not in (-1, cpu) or self.writer_cpu not in (-1, cpu)
        task.charge(copy_ns(task.sched.costs, n, self.footprint, remote, into=True, streamed=self.streamed))
        self.writer_cpu = cpu

    def read(self, task: Task, n: int) -> None:
        """``task`` copies ``n`` bytes out of the buffer: remote if another CPU wrote it."""
        cpu = _cpu_of(task)
        remote = self.writer_cpu not in (-1, cpu)
        task.charge(copy_ns(task.sched.costs, n, self.footprint, remote))
        self.reader_cpu = cpu


class SharedBuffers:
    """The host's shared memory as the CPUs' caches see it: a :class:`BufferLines`
    per shared buffer (the bytearray behind every mapping of a shared-memory
    object), found from any view of it.

    The registry keeps each buffer alive, so an identity is never reused
    while the simulation runs.
    """

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[object, BufferLines]] = {}

    def register(self, buffer: object, footprint: int) -> BufferLines:
        """Track ``buffer`` (its lines span ``footprint`` bytes); returns its record."""
        found = self._by_id.get(id(buffer))
        if found is not None and found[0] is buffer:
            return found[1]
        lines = BufferLines(footprint, streamed=True)  # no lock: reader and writer copy at once
        self._by_id[id(buffer)] = (buffer, lines)
        return lines

    def lines_of(self, view: object) -> BufferLines | None:
        """The record of the shared buffer ``view`` is a view of, or None (private memory)."""
        try:
            base = memoryview(view).obj  # type: ignore[arg-type]
        except TypeError:
            return None
        found = self._by_id.get(id(base))
        return found[1] if found is not None and found[0] is base else None

    def user_copy(self, task: Task, dst: object, src: object, n: int) -> None:
        """Charge ``task`` for a user-space ``memcpy(dst, src, n)``: out of a shared
        buffer as a read of it, else into one as a write, else a private copy."""
        source = self.lines_of(src)
        target = self.lines_of(dst)
        if source is not None:
            source.read(task, n)
            if target is not None:
                target.writer_cpu = _cpu_of(task)
        elif target is not None:
            target.write(task, n)
        else:
            task.charge(memcpy_ns(task.sched.costs, n))


class ObjectLines:
    """The cache lines of a kernel object's shared state (locks, indices, wait queue).

    Whoever uses the object takes its ``lines`` lines; a CPU other than the
    last one to use it pays ``mem.cacheline_transfer_ns`` for each
    (:meth:`touch`).  The number of lines is the object's: how many lines of
    its structure one operation writes (documented where it is declared), or
    a measured effective count where a core fetches some of them at once
    (``unix.shared_lines``), so it need not be whole.
    """

    __slots__ = ("lines", "owner_cpu", "transfers")

    def __init__(self, lines: float) -> None:
        self.lines = lines
        self.owner_cpu = -1
        self.transfers = 0  # how many times the lines moved to another CPU

    def touch(self, task: Task) -> None:
        cpu = _cpu_of(task)
        owner = self.owner_cpu
        if owner != cpu:
            if owner != -1:
                task.charge(round(self.lines * task.sched.mem_costs.cacheline_transfer_ns))
                self.transfers += 1
            self.owner_cpu = cpu


class CacheLine:
    """A shared word on its own cache line, with one level of visibility history.

    ``value``/``owner_cpu`` are the latest store and the CPU that made it,
    visible to others from logical time ``visible_at``; ``prev``/``prev_owner``
    are what a reader whose logical time is earlier still sees, and where the
    line then was.  A reader pays a cache-line transfer only for the version it
    reads: it does not pay for a store that is still in its logical future.
    """

    __slots__ = ("name", "value", "prev", "visible_at", "owner_cpu", "prev_owner", "transfers", "cas_failures")

    def __init__(self, name: str, value: int = 0) -> None:
        self.name = name
        self.value = value
        self.prev = value
        self.visible_at = 0  # logical time from which ``value`` is seen by others
        self.owner_cpu = -1  # CPU that last wrote the line
        self.prev_owner = -1  # CPU that wrote ``prev``
        self.transfers = 0
        self.cas_failures = 0

    def _acquire(self, task: Task) -> int:
        """Take the line for writing: pay the transfer if another CPU wrote it last.

        Returns the writing CPU's index.  (A write needs the latest version, so
        the latest owner is what counts.)
        """
        cpu = task.cpu.index if task.cpu is not None else -1
        owner = self.owner_cpu
        if owner != -1 and owner != cpu:
            task.charge(task.sched.mem_costs.cacheline_transfer_ns)
            self.transfers += 1
        return cpu

    def _publish(self, task: Task, cpu: int, value: int) -> None:
        """Make ``value`` the latest version, visible from the writer's logical time."""
        now = task.now()
        if now >= self.visible_at:  # the old latest version becomes the visible-before one
            self.prev = self.value
            self.prev_owner = self.owner_cpu
        self.owner_cpu = cpu
        self.value = value
        self.visible_at = now

    def load(self, task: Task) -> int:
        """Read the line as ``task`` sees it at its logical time (the hottest call of the IPC ring)."""
        cpu = task.cpu.index if task.cpu is not None else -1
        if task.now() < self.visible_at:
            owner = self.prev_owner
            value = self.prev
        else:
            owner = self.owner_cpu
            value = self.value
        if owner != -1 and owner != cpu:
            task.charge(task.sched.mem_costs.cacheline_transfer_ns)
            self.transfers += 1
        return value

    def peek(self) -> int:
        """The latest value, without cost (for assertions and reports)."""
        return self.value

    def store(self, task: Task, value: int) -> None:
        self._publish(task, self._acquire(task), value)

    def cas(self, task: Task, expected: int, new: int) -> bool:
        """Compare-and-swap: succeeds only if the latest value is ``expected``."""
        cpu = self._acquire(task)
        task.charge(task.sched.mem_costs.atomic_ns)
        if self.value != expected:
            self.cas_failures += 1
            self.owner_cpu = cpu  # a failed locked cmpxchg still took the line exclusively
            return False
        self._publish(task, cpu, new)
        return True

    def fetch_add(self, task: Task, delta: int, mask: int = 0xFFFF_FFFF_FFFF_FFFF) -> int:
        """Atomic add; returns the old value (always succeeds, like ``lock xadd``).

        The stored value wraps at the word's width: ``mask`` is 2**bits - 1
        (a 64-bit word unless told; 0xFFFFFFFF for an ``atomic_t`` used as u32).
        """
        cpu = self._acquire(task)
        task.charge(task.sched.mem_costs.atomic_ns)
        old = self.value
        self._publish(task, cpu, (old + delta) & mask)
        return int(old)
