"""The cost model: what each simulated action costs on the modelled host.

A :class:`CostModel` is a frozen bundle of *sections*: the core ones
(``host``, ``sched``, ``syscall``, ``uring``, ``iowq``, ``ops``, ``mem``),
typed attributes of the model, and the sections declared by the kernel's
objects and by opcode plug-ins, reached by class: ``costs.get(PipeCosts)``.
Each section is a frozen attrs class that names its profile table once
(``SECTION: ClassVar[str] = "pipe"``) and whose fields are declared with
:func:`param`: a default, a unit and a one-line meaning. Values are checked
where they enter (a number >= 0; integers for integer fields), so a bad
profile fails at load time, not in the middle of a run; so does a profile
that lacks a section something loaded needs (no silent defaults). Look a
section up once per ring or object and keep it, never per CQE.

The parameters are costs of *mechanisms* (a syscall entry, a wake-up, posting
one CQE), never of benchmark cells: contention, batching and wake-up chains
come from simulating those mechanisms. Where each value came from is kept in
``CostModel.sources``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Final, Protocol, TypeVar

import attrs

UNIT: Final = "unit"
MEANING: Final = "meaning"
KIND: Final = "kind"

SET_SOURCE: Final = "--set on the command line"
CLASS_DEFAULT_SOURCE: Final = "class default (not from a profile)"
PROFILE_TABLE: Final = "profile"
"""The profile's own table (name, description): no section may take its name."""


class ProfileError(Exception):
    """A user error in a cost profile or a ``--set`` override.

    The message names where the error is: the file (or built-in profile), the
    dotted key and the line when known, or the ``--set`` argument.
    """


class ParamValueError(ValueError):
    """A parameter value that is not a number >= 0 (or not an integer for an int field)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


# --------------------------------------------------------------------------- params


def show_value(value: object) -> str:
    """A value as a user wrote it: strings in double quotes, numbers as they are."""
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def _convert(kind: type, value: Any) -> Any:
    """Bring an acceptable value to the field's kind; leave anything else for the check."""
    if isinstance(value, bool):
        return value
    if kind is int and isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if kind is float and isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return value
    return value


def _problem(kind: type, value: Any) -> str | None:
    """Why ``value`` (already converted) is not acceptable for a field of ``kind``, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"expected a number >= 0, got {show_value(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"expected a finite number >= 0, got {value!r}"
    if value < 0:
        return f"expected a number >= 0, got {value!r}"
    if kind is int and not isinstance(value, int):
        return f"expected an integer >= 0, got {value!r}"
    return None


def _validate(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    reason = _problem(attribute.metadata[KIND], value)
    if reason is not None:
        raise ParamValueError(attribute.name, reason)


def param(default: int | float, unit: str, meaning: str) -> Any:
    """Declare one cost parameter of a section class.

    The field's kind follows the default: an ``int`` default makes an integer
    field (an integral float such as ``2.0`` is accepted and converted, ``2.5``
    is rejected); a ``float`` default makes a float field (ints accepted).
    ``unit`` (e.g. ``"ns"``, ``"ns/byte"``, ``"vCPUs"``, ``"ratio"``) and
    ``meaning`` (one line) are stored in the field metadata.
    """
    if isinstance(default, bool) or not isinstance(default, int | float):
        raise TypeError(f"param default must be an int or a float, got {default!r}")
    kind = int if isinstance(default, int) else float
    if _problem(kind, default) is not None:
        raise ValueError(f"param default must be a finite number >= 0, got {default!r}")
    if not isinstance(unit, str) or not unit.strip():
        raise TypeError("param unit must be a non-empty string")
    if not isinstance(meaning, str) or not meaning.strip():
        raise TypeError("param meaning must be a non-empty string")
    return attrs.field(
        default=default,
        converter=functools.partial(_convert, kind),
        validator=_validate,
        metadata={UNIT: unit, MEANING: meaning, KIND: kind},
    )


def param_fields(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    """The fields of a section class, in declaration order.

    Raises TypeError if ``cls`` is not an attrs class or has a field not
    declared with :func:`param` (a plug-in programming error, not a user error).
    """
    if not isinstance(cls, type) or not attrs.has(cls):
        raise TypeError(f"cost section {cls!r} is not an attrs class")
    fields = attrs.fields(cls)
    for f in fields:
        if UNIT not in f.metadata or MEANING not in f.metadata or KIND not in f.metadata:
            raise TypeError(
                f"{cls.__qualname__}.{f.name} is not declared with simuring.cost.param()"
            )
    return tuple(fields)


class CostSection(Protocol):
    """A cost section class: attrs fields declared with :func:`param`, and the
    name of its profile table, given once in the class (``SECTION``)."""

    SECTION: ClassVar[str]


S = TypeVar("S", bound=CostSection)

_TABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")


def section_name(cls: type) -> str:
    """The profile table that section class ``cls`` names, after checking the class.

    Raises TypeError if ``cls`` does not set ``SECTION`` in its own body (a
    name inherited from a base class does not count), if the name is not a
    lower-case table name, or if a field is not declared with :func:`param`:
    a programming error of the kernel or of a plug-in, not a user error.
    """
    name = vars(cls).get("SECTION") if isinstance(cls, type) else None
    if not isinstance(name, str) or not _TABLE_NAME.fullmatch(name) or name == PROFILE_TABLE:
        raise TypeError(
            f"cost section {cls!r} must name its profile table in its body: "
            'SECTION: ClassVar[str] = "name" (lower case, not "profile")'
        )
    param_fields(cls)
    return name


def missing_sections(missing: Iterable[type]) -> str:
    """The message for sections a profile lacks: their tables and the classes that need them."""
    classes = list(missing)
    tables = ", ".join(f"[{section_name(cls)}]" for cls in classes)
    needed_by = ", ".join(f"{cls.__module__}.{cls.__qualname__}" for cls in classes)
    return (
        f"missing section(s) {tables}, needed by {needed_by} "
        "(a profile gives every section of the kernel and of the loaded plug-ins)"
    )


def check_param(field: attrs.Attribute[Any], value: Any) -> int | float:
    """``value`` converted for ``field``; raises ParamValueError if it is not acceptable."""
    converted = _convert(field.metadata[KIND], value)
    reason = _problem(field.metadata[KIND], converted)
    if reason is not None:
        raise ParamValueError(field.name, reason)
    return converted  # type: ignore[no-any-return]


def parse_number(text: str) -> int | float:
    """A command-line number: an int if it looks like one, else a float (ValueError if neither)."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return float(text)


# --------------------------------------------------------------------------- core sections


@attrs.frozen
class HostSection:
    """The machine: how many CPUs the scheduler has and the memory granules."""

    SECTION: ClassVar[str] = "host"

    cpus: int = param(32, "vCPUs", "CPUs the scheduler can run tasks on")
    cache_line_bytes: int = param(
        64, "bytes", "size of a cache line (unit of sharing between CPUs)"
    )
    page_bytes: int = param(4096, "bytes", "size of a memory page")


@attrs.frozen
class SchedSection:
    """The scheduler: switches, wake-ups, inter-processor interrupts, slices."""

    SECTION: ClassVar[str] = "sched"

    context_switch_ns: int = param(
        1500, "ns", "switch from one task to another on a CPU (schedule(), mm switch)"
    )
    wakeup_ns: int = param(400, "ns", "cost to the waker of try_to_wake_up()")
    wakeup_latency_ns: int = param(2500, "ns", "from wake-up to the wakee running on an idle CPU")
    ipi_send_ns: int = param(300, "ns", "cost to the sender of an inter-processor interrupt")
    ipi_latency_ns: int = param(1500, "ns", "from IPI send to handler start on the target CPU")
    ipi_receive_ns: int = param(
        400, "ns", "interrupt entry/exit cost charged to the interrupted CPU"
    )
    timeslice_ns: int = param(
        3_000_000,
        "ns",
        "slice a running task gets before a runnable task waiting on the same CPU runs",
    )
    migration_ns: int = param(
        500, "ns", "extra cost when a task wakes on a different CPU than it last ran on"
    )
    idle_poll_ns: int = param(
        0,
        "ns",
        "how long an idle vCPU polls for work before it halts (the guest's cpuidle-haltpoll "
        "window); a wake-up within it needs no IPI, a later one pays ipi_send_ns and ipi_latency_ns",
    )
    deep_idle_ns: int = param(
        200_000,
        "ns",
        "how long a CPU stays halted before it sinks into a deeper sleep (a vCPU whose host "
        "thread stops halt-polling and is descheduled, KVM's halt_poll_ns; on bare metal a "
        "deeper C-state's target residency)",
    )
    deep_idle_exit_ns: int = param(
        0,
        "ns",
        "extra latency to wake a CPU from that deeper sleep (the host scheduler wakes the "
        "vCPU's thread; a deep C-state's exit latency), on top of ipi_latency_ns; 0 = no deeper sleep",
    )
    deep_idle_ramp: float = param(
        0.0,
        "ratio",
        "how gradually a halted CPU sinks into that deeper sleep: its extra wake-up latency "
        "grows linearly from 0 to deep_idle_exit_ns over this fraction of deep_idle_ns before "
        "it (a host whose idle governor picks deeper states the longer the CPU has been "
        "idle); 0 = all at once at deep_idle_ns, 1 (or more) = from the moment it halts",
    )
    wakeup_jitter_ns: int = param(
        0,
        "ns",
        "mean of the random extra wake-up latency (exponentially distributed, seeded): "
        "interrupts, host-side vCPU scheduling; 0 = none",
    )
    irq_ns: int = param(
        0,
        "ns",
        "CPU time each interruption takes from a running task (the timer interrupt, the "
        "others, on a KVM guest with the VM exits they cause and the host's own work): the "
        "task and everything it does after it, wake-ups and locks let go included, run that "
        "much later; 0 = none",
    )
    irq_hz: int = param(
        250,
        "Hz",
        "interruptions a second, at evenly spaced instants, the same on every CPU (the "
        "timer ticks are aligned across CPUs, and a VM's vCPUs are interrupted together); "
        "an idle CPU loses nothing",
    )
    hz: int = param(
        250,
        "Hz",
        "scheduler tick rate (CONFIG_HZ): a task running in user space returns to user "
        "space through each tick, where pending task work runs; 0 = no tick",
    )

    def __attrs_post_init__(self) -> None:
        # interruptions that outlast their period would leave a task no time to run
        if self.irq_ns > 0 and (self.irq_hz <= 0 or self.irq_ns >= 1_000_000_000 // self.irq_hz):
            raise ValueError(
                f"sched.irq_ns ({self.irq_ns} ns) must be shorter than the interruptions' period "
                f"at sched.irq_hz = {self.irq_hz} ({1_000_000_000 // self.irq_hz if self.irq_hz > 0 else 0} ns): "
                "they would leave a running task no time"
            )


@attrs.frozen
class SyscallSection:
    """The user/kernel boundary of every system call."""

    SECTION: ClassVar[str] = "syscall"

    entry_ns: int = param(60, "ns", "user to kernel transition, including mitigations")
    exit_ns: int = param(60, "ns", "kernel to user transition, including mitigations")
    jitter_ns: int = param(
        0,
        "ns",
        "mean of the random extra CPU time of one system call (exponentially distributed, "
        "seeded): cache and TLB misses, interrupts, SMT siblings; 0 = none",
    )
    fd_ref_ns: int = param(
        0,
        "ns",
        "a file reference taken and dropped (fget/fput: two atomic operations on the file's count): "
        "paid by a call on a descriptor when the process's descriptor table is shared with another "
        "thread (fdget's __fget_light), and by io_uring_enter(2) on a ring fd that is not registered",
    )


@attrs.frozen
class UringSection:
    """The io_uring core: ring setup, SQE consumption, CQE posting, waiting, task work, SQPOLL."""

    SECTION: ClassVar[str] = "uring"

    setup_ns: int = param(15_000, "ns", "io_uring_setup(): allocate the context and rings, mmap")
    teardown_ns: int = param(10_000, "ns", "ring exit: cancel, free the context and rings")
    resize_ns: int = param(10_000, "ns", "IORING_REGISTER_RESIZE_RINGS: allocate and copy the new rings, free the old")
    get_sqe_ns: int = param(5, "ns", "user space: claim and fill one SQE")
    submit_sqe_ns: int = param(40, "ns", "kernel: consume one SQE (read, allocate request, prep)")
    post_cqe_ns: int = param(15, "ns", "kernel: fill one CQE and advance the CQ tail")
    overflow_cqe_ns: int = param(150, "ns", "kernel: allocate and queue one CQ overflow entry")
    reap_cqe_ns: int = param(5, "ns", "user space: peek and mark seen one CQE")
    cq_wait_setup_ns: int = param(100, "ns", "prepare to wait for CQEs: wait-queue entry, checks")
    task_work_run_ns: int = param(100, "ns", "fixed cost of one task-work run")
    task_work_item_ns: int = param(30, "ns", "per completion run from task work")
    sqpoll_loop_ns: int = param(100, "ns", "one pass of the SQPOLL thread loop with nothing to do")
    sqpoll_notice_ns: int = param(
        150,
        "ns",
        "SQPOLL thread noticing a new SQ tail written by the application (cache-line transfer)",
    )


@attrs.frozen
class IowqSection:
    """io-wq: punting requests to worker threads."""

    SECTION: ClassVar[str] = "iowq"

    enqueue_ns: int = param(150, "ns", "punt: queue the work item")
    worker_wakeup_ns: int = param(400, "ns", "wake an idle worker, cost to the submitter")
    worker_create_ns: int = param(30_000, "ns", "create a new io-wq worker thread")
    worker_dequeue_ns: int = param(100, "ns", "a worker picks up a queued item")


@attrs.frozen
class OpsSection:
    """Issue costs of the built-in opcodes (plug-in opcodes bring their own sections)."""

    SECTION: ClassVar[str] = "ops"

    nop_ns: int = param(10, "ns", "issue cost of IORING_OP_NOP")


@attrs.frozen
class MemSection:
    """Memory-system costs: copies by size (cache tiers) and cache-line traffic."""

    SECTION: ClassVar[str] = "mem"

    memcpy_base_ns: int = param(20, "ns", "fixed cost of one copy_to/from_user or memcpy call")
    l1_bytes: int = param(48 * 1024, "bytes", "L1 data cache size per core")
    l2_bytes: int = param(2 * 1024 * 1024, "bytes", "L2 cache size per core")
    llc_bytes: int = param(32 * 1024 * 1024, "bytes", "last-level cache size (shared)")
    l1_bytes_per_ns: float = param(64.0, "bytes/ns", "copy bandwidth when the data fits in L1")
    l2_bytes_per_ns: float = param(32.0, "bytes/ns", "copy bandwidth when the data fits in L2")
    llc_bytes_per_ns: float = param(16.0, "bytes/ns", "copy bandwidth when the data fits in the LLC")
    dram_bytes_per_ns: float = param(8.0, "bytes/ns", "copy bandwidth from DRAM")
    remote_bytes_per_ns: float = param(
        8.0,
        "bytes/ns",
        "copy bandwidth when the lines are in another core's private cache (read after "
        "another CPU wrote them, or written after another CPU used them): a buffer that "
        "fits in L2 and was last used on another CPU",
    )
    remote_write_bytes_per_ns: float = param(
        8.0,
        "bytes/ns",
        "copy bandwidth into lines another core holds (each must be invalidated there "
        "first: a read-for-ownership), e.g. a pipe page the reader on another CPU freed",
    )
    remote_stream_write_bytes_per_ns: float = param(
        8.0,
        "bytes/ns",
        "copy bandwidth into lines of user shared memory another core holds and reads "
        "meanwhile (a ring both sides stream through, with no lock between them)",
    )
    remote_copy_ns: int = param(
        0,
        "ns",
        "fixed extra time of such a copy: the first line's transfer from the other core, "
        "before the rest streams in at remote_bytes_per_ns",
    )
    cacheline_transfer_ns: int = param(80, "ns", "moving a cache line last written by another CPU (cross-core miss)")
    atomic_ns: int = param(10, "ns", "an uncontended atomic read-modify-write (CAS, fetch-add) on a local line")
    pcp_refill_page_ns: int = param(
        0,
        "ns",
        "each page a CPU's empty page list takes from the buddy allocator at once, under the zone "
        "lock (rmqueue_bulk): paid by the allocation that found the list empty; 0: the lists not modelled",
    )
    pcp_drain_page_ns: int = param(
        0,
        "ns",
        "each page a CPU's full page list gives back to the buddy allocator at once, under the zone "
        "lock (free_pcppages_bulk): paid by the free that filled the list",
    )
    pcp_batch: int = param(63, "pages", "a CPU page list's batch (the zone's pcp->batch, /proc/zoneinfo 'batch')")
    pcp_high_min: int = param(
        7116, "pages", "the pages a CPU's list keeps at least before it drains (pcp->high_min: the zone's low watermark over the CPUs)"
    )
    pcp_high_max: int = param(
        100352, "pages", "the most its self-tuning bound may grow to (pcp->high_max: an eighth of the zone's pages over the CPUs)"
    )

    def __attrs_post_init__(self) -> None:
        if self.pcp_batch < 1 or self.pcp_high_min < self.pcp_batch or self.pcp_high_max < self.pcp_high_min:
            raise ValueError(
                f"mem.pcp_batch ({self.pcp_batch}), mem.pcp_high_min ({self.pcp_high_min}) and mem.pcp_high_max "
                f"({self.pcp_high_max}) must satisfy 1 <= batch <= high_min <= high_max"
            )


#: Parameters that were renamed, and what to write instead (an unknown name says so).
RENAMED_PARAMS: Final[Mapping[str, str]] = {
    "sched.tick_irq_ns": (
        "renamed on 2026-12-06: sched.irq_ns (each interruption's time) and sched.irq_hz "
        "(how many a second); run simuring calibrate again, or write sched.irq_ns = "
        "tick_irq_ns x hz / irq_hz"
    ),
}


def unknown_param(dotted: str, fields: Iterable[str]) -> str:
    """The message for a parameter no section has: the rename, or the names known."""
    renamed = RENAMED_PARAMS.get(dotted)
    if renamed is not None:
        return f"unknown parameter {dotted!r}: {renamed}"
    return f"unknown parameter {dotted!r} (known: {', '.join(fields)})"


#: The core sections, by profile table name, in declaration (and describe()) order;
#: each is also the :class:`CostModel` attribute of that name.
CORE_SECTIONS: Final[Mapping[str, type[CostSection]]] = {
    cls.SECTION: cls
    for cls in (
        HostSection,
        SchedSection,
        SyscallSection,
        UringSection,
        IowqSection,
        OpsSection,
        MemSection,
    )
}


# --------------------------------------------------------------------------- the model


class FrozenMap(Mapping[str, Any]):
    """A read-only, hashable, picklable mapping (keeps the order it was given)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data: dict[str, Any] = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    # ``get`` and ``in`` straight on the dict (the Mapping mixins go through
    # __getitem__)
    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


def _freeze_extra(sections: Iterable[Any]) -> FrozenMap:
    """The non-core sections (instances, or a mapping of them by table name),
    keyed by the tables their classes name, sorted by name."""
    named: dict[str, Any] = {}
    items = sections.items() if isinstance(sections, Mapping) else ((None, s) for s in sections)
    for key, section in items:
        name = section_name(type(section))
        if key is not None and key != name:
            raise ValueError(f"cost section {type(section).__qualname__} is [{name}], not [{key}]")
        if name in CORE_SECTIONS:
            raise ValueError(f"cost section [{name}] clashes with a core section")
        if name in named:
            raise ValueError(f"two cost sections named [{name}]")
        named[name] = section
    return FrozenMap({k: named[k] for k in sorted(named)})


def _names(dotted: Iterable[str]) -> frozenset[str]:
    """``section.key`` names, as a frozen set."""
    return frozenset(dotted)


@attrs.frozen(kw_only=True)
class ParamInfo:
    """One parameter of a cost model, for listing and reports."""

    section: str
    key: str
    value: int | float
    unit: str
    meaning: str
    source: str
    range: tuple[float, float] | None = None
    inherited: bool = False  # the value (source, range) comes from the profile's base

    @property
    def dotted(self) -> str:
        """``section.key``."""
        return f"{self.section}.{self.key}"

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen(kw_only=True)
class CostModel:
    """Every cost of the modelled host, with provenance.

    Core sections are typed attributes (``costs.sched.wakeup_ns``); the
    kernel objects' and plug-ins' sections are in ``extra`` (by table name,
    for listing) and reached by class: ``costs.get(PipeCosts)``, resolved
    once per ring or object. ``sources`` maps every ``section.key`` to where
    its value came from; parameters missing from it get a "class default"
    source.  ``ranges`` maps the parameters a fit may move to their
    physically plausible ``(low, high)`` interval (from the profile's
    ``range`` keys).  ``base`` is the name of the profile this one inherits
    from (``[profile] base``; None for a profile that gives everything) and
    ``inherited`` the ``section.key`` of every parameter taken from it.
    """

    name: str = "defaults"
    description: str = "class defaults of every section (placeholders, not a profile)"
    host: HostSection = attrs.field(factory=HostSection)
    sched: SchedSection = attrs.field(factory=SchedSection)
    syscall: SyscallSection = attrs.field(factory=SyscallSection)
    uring: UringSection = attrs.field(factory=UringSection)
    iowq: IowqSection = attrs.field(factory=IowqSection)
    ops: OpsSection = attrs.field(factory=OpsSection)
    mem: MemSection = attrs.field(factory=MemSection)
    extra: Mapping[str, Any] = attrs.field(factory=FrozenMap, converter=_freeze_extra)
    sources: Mapping[str, str] = attrs.field(factory=FrozenMap, converter=FrozenMap)
    ranges: Mapping[str, tuple[float, float]] = attrs.field(factory=FrozenMap, converter=FrozenMap)
    origin: str = "class defaults"
    base: str | None = None
    inherited: frozenset[str] = attrs.field(factory=frozenset, converter=_names)
    _by_class: Mapping[type, Any] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        for name, cls in CORE_SECTIONS.items():
            if not isinstance(getattr(self, name), cls):
                raise TypeError(f"CostModel.{name} must be a {cls.__name__}")
        object.__setattr__(
            self, "_by_class", {type(section): section for _, section in self._sections()}
        )
        full: dict[str, str] = {}
        for sec_name, section in self._sections():
            for f in attrs.fields(type(section)):
                dotted = f"{sec_name}.{f.name}"
                full[dotted] = self.sources.get(dotted, CLASS_DEFAULT_SOURCE)
        stray = sorted((set(self.sources) | self.inherited) - set(full))
        if stray:
            raise ValueError(f"sources or inheritance for unknown parameters: {', '.join(stray)}")
        object.__setattr__(self, "sources", FrozenMap(full))

    def _sections(self) -> Iterator[tuple[str, Any]]:
        for name in CORE_SECTIONS:
            yield name, getattr(self, name)
        yield from self.extra.items()

    def section_names(self) -> list[str]:
        """Core sections in declaration order, then plug-in sections by name."""
        return [name for name, _ in self._sections()]

    def get(self, cls: type[S]) -> S:
        """The section of class ``cls`` (``costs.get(PipeCosts)``).

        Look it up once per ring or object and keep it. A section that is not
        in the model is a LookupError: the class was not declared where the
        profile was loaded (the kernel's list or the plug-in's registration);
        a profile that lacks a declared section fails when it is loaded.
        """
        section = self._by_class.get(cls)
        if section is None:
            raise LookupError(
                f"cost model {self.name!r} has no section {cls.__qualname__} "
                f"([{section_name(cls)}]): it was not declared when the profile was loaded"
            )
        return section  # type: ignore[no-any-return]

    def require(self, sections: Iterable[type]) -> None:
        """Raise ProfileError unless the model has every section class in ``sections``."""
        missing = [cls for cls in sections if cls not in self._by_class]
        if missing:
            raise ProfileError(
                f"cost model {self.name} ({self.origin}): {missing_sections(missing)}"
            )

    def _named(self, name: str) -> Any:
        return getattr(self, name) if name in CORE_SECTIONS else self.extra[name]

    def describe(self) -> list[ParamInfo]:
        """Every parameter: sections in declaration order, fields in declaration order."""
        out = []
        for sec_name, section in self._sections():
            for f in attrs.fields(type(section)):
                out.append(
                    ParamInfo(
                        section=sec_name,
                        key=f.name,
                        value=getattr(section, f.name),
                        unit=f.metadata[UNIT],
                        meaning=f.metadata[MEANING],
                        source=self.sources[f"{sec_name}.{f.name}"],
                        range=self.ranges.get(f"{sec_name}.{f.name}"),
                        inherited=f"{sec_name}.{f.name}" in self.inherited,
                    )
                )
        return out

    def with_overrides(self, assignments: Sequence[str]) -> CostModel:
        """A copy with ``section.key=value`` assignments applied (the ``--set`` option).

        Later assignments to the same key win. Raises ProfileError naming the
        offending ``--set`` argument.
        """
        if isinstance(assignments, str):
            raise TypeError("with_overrides() takes a sequence of 'section.key=value' strings")
        changes: dict[str, dict[str, int | float]] = {}
        sources = dict(self.sources)
        for assignment in assignments:
            where = f"--set {assignment!r}"
            target, sep, text = assignment.partition("=")
            sec_name, dot, key = target.strip().partition(".")
            if not sep or not dot or not sec_name or not key:
                raise ProfileError(f"{where}: expected SECTION.KEY=VALUE, e.g. sched.wakeup_ns=400")
            if sec_name not in CORE_SECTIONS and sec_name not in self.extra:
                raise ProfileError(
                    f"{where}: unknown section {sec_name!r} "
                    f"(sections: {', '.join(self.section_names())})"
                )
            section = self._named(sec_name)
            fields = {f.name: f for f in attrs.fields(type(section))}
            dotted = f"{sec_name}.{key}"
            if key not in fields:
                raise ProfileError(f"{where}: {unknown_param(dotted, fields)}")
            try:
                raw = parse_number(text)
            except ValueError:
                raise ProfileError(
                    f"{where}: {dotted}: expected a number >= 0, got {show_value(text.strip())}"
                ) from None
            try:
                value = check_param(fields[key], raw)
            except ParamValueError as exc:
                raise ProfileError(f"{where}: {dotted}: {exc.reason}") from None
            changes.setdefault(sec_name, {})[key] = value
            old = self.sources[dotted]
            if old.startswith(SET_SOURCE):
                sources[dotted] = old  # keeps the original "(profile value X)"
            else:
                sources[dotted] = f"{SET_SOURCE} (profile value {getattr(section, key)!r})"
        core: dict[str, Any] = {}
        extra = dict(self.extra)
        for sec_name, values in changes.items():
            try:
                updated = attrs.evolve(self._named(sec_name), **values)
            except ValueError as exc:  # a section's own cross-field checks
                given = ", ".join(f"--set {sec_name}.{k}={v!r}" for k, v in values.items())
                raise ProfileError(f"{given}: {exc}") from None
            if sec_name in CORE_SECTIONS:
                core[sec_name] = updated
            else:
                extra[sec_name] = updated
        set_here = {f"{sec}.{key}" for sec, values in changes.items() for key in values}
        return attrs.evolve(
            self, extra=extra, sources=sources, inherited=self.inherited - set_here, **core
        )

    def content_hash(self) -> str:
        """A short hash of every parameter's value (sections, keys and values; not
        the name, sources or ranges): two models that simulate alike have the
        same hash, whatever file or override they came from."""
        values = {sec_name: attrs.asdict(section) for sec_name, section in self._sections()}
        text = json.dumps(values, sort_keys=True, separators=(",", ":"), default=repr)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON: name, description, origin, base, sections and sources."""
        return {
            "name": self.name,
            "description": self.description,
            "origin": self.origin,
            "base": self.base,
            "sections": {sec_name: attrs.asdict(section) for sec_name, section in self._sections()},
            "sources": dict(self.sources),
        }
