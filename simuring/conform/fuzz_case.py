"""The fuzzer's cases: a random program of SQE chains, kept as data so it can be shrunk and printed.

A :class:`Case` is a small liburing-style program: one ring (random setup
flags), a few objects (pipes, eventfds, socket pairs, regular files, a
second ring, an IPC channel, registered files), then batches of SQEs, each
submitted in one of several ways and followed by waits and plain system
calls, and a final phase run by the harness (``h.finish()``: cancel what is
left, flush, exit the rings).  :func:`generate` draws a case from
``random.Random(seed)``; :func:`render` prints it as Python source, which is
what the fuzzer runs (``exec``), so a printed case reproduces exactly.

Every SQE gets a unique ``user_data`` (``UD_BASE + n``); MSG_RING data and
poll-update user_data come from ``AUX_BASE + n``, and the harness's own
requests use ``HARNESS_UD_BASE + n``, so the oracle can tell them apart.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from simuring import syscalls as S
from simuring import uapi as U
from simuring.abi.limits import U32, U64

T = TypeVar("T")

UD_BASE = 0x5EED_0000
AUX_BASE = 0xA0C5_0000
HARNESS_UD_BASE = 0xCA4C_E000
MS = 1_000_000

#: Opcodes with a prep helper, and the IPC proposal's two (the simulator models these).
MODELLED_OPS = (
    "NOP", "READ", "WRITE", "READV", "WRITEV", "POLL_ADD", "POLL_REMOVE", "TIMEOUT",
    "TIMEOUT_REMOVE", "LINK_TIMEOUT", "ASYNC_CANCEL", "MSG_RING", "IPC_SEND", "IPC_RECV",
    "PROVIDE_BUFFERS", "REMOVE_BUFFERS",
)  # fmt: skip

SQE_FLAG_NAMES = (
    ("IOSQE_FIXED_FILE", U.IOSQE_FIXED_FILE),
    ("IOSQE_IO_DRAIN", U.IOSQE_IO_DRAIN),
    ("IOSQE_IO_LINK", U.IOSQE_IO_LINK),
    ("IOSQE_IO_HARDLINK", U.IOSQE_IO_HARDLINK),
    ("IOSQE_ASYNC", U.IOSQE_ASYNC),
    ("IOSQE_BUFFER_SELECT", U.IOSQE_BUFFER_SELECT),
    ("IOSQE_CQE_SKIP_SUCCESS", U.IOSQE_CQE_SKIP_SUCCESS),
)
SETUP_FLAG_NAMES = tuple(
    (name, getattr(U, name))
    for name in sorted(n for n in dir(U) if n.startswith("IORING_SETUP_") and n != "IORING_SETUP_FLAGS_ALL")
)
POLL_NAMES = tuple((n, getattr(U, n)) for n in ("POLLIN", "POLLPRI", "POLLOUT", "POLLERR", "POLLHUP", "POLLRDHUP"))
TIMEOUT_FLAG_NAMES = tuple(
    (n, getattr(U, n))
    for n in (
        "IORING_TIMEOUT_ABS", "IORING_TIMEOUT_UPDATE", "IORING_TIMEOUT_BOOTTIME", "IORING_TIMEOUT_REALTIME",
        "IORING_LINK_TIMEOUT_UPDATE", "IORING_TIMEOUT_ETIME_SUCCESS", "IORING_TIMEOUT_MULTISHOT",
    )
)  # fmt: skip
CANCEL_FLAG_NAMES = tuple(
    (n, getattr(U, n))
    for n in (
        "IORING_ASYNC_CANCEL_ALL", "IORING_ASYNC_CANCEL_FD", "IORING_ASYNC_CANCEL_ANY",
        "IORING_ASYNC_CANCEL_FD_FIXED", "IORING_ASYNC_CANCEL_USERDATA", "IORING_ASYNC_CANCEL_OP",
    )
)  # fmt: skip


def bits(value: int, names: Sequence[tuple[str, int]]) -> str:
    """``value`` as ``NAME | NAME | 0x..`` (``0`` for none)."""
    parts = []
    rest = value
    for name, bit in names:
        if bit and value & bit == bit and rest & bit:
            parts.append(name)
            rest &= ~bit
    if rest:
        parts.append(hex(rest))
    return " | ".join(parts) if parts else "0"


def op_expr(op: int) -> str:
    name = U.OPCODE_NAMES.get(op)
    return f"IORING_OP_{name}" if name and hasattr(U, f"IORING_OP_{name}") else str(op)


def num(v: int) -> str:
    """An int literal as a reader would write it (powers of two as ``2**n``)."""
    if v >= 1 << 20 and v not in (U32, U64):
        for k in range(20, 64):
            if v == 1 << k:
                return f"2**{k}"
            if v == (1 << k) - 1:
                return f"2**{k} - 1"
    if v in (U32, U64):
        return hex(v)
    return str(v)


def ts_expr(sec: int, nsec: int) -> str:
    return f"Timespec({num(sec)}, {num(nsec)})"


SHORT_PERIODS = frozenset(ts_expr(0, ns) for ns in (0, 1, 1000))
"""Relative timespecs too short for a repeating (multishot) TIMEOUT in a fuzz case."""


# -- the case ---------------------------------------------------------------------------------
@dataclass
class Step:
    """Lines of the workload body (an object's setup, a wait, a system call, a submit)."""

    code: list[str]
    kind: str
    refs: frozenset[str] = frozenset()  # names of objects the lines use
    defines: str = ""  # the object name these lines create
    budget_ns: int = 0  # simulated time the lines may legitimately take


@dataclass
class SqeSpec:
    """One SQE: the harness gets it (with its user_data), a prep call fills it, flags and pokes follow."""

    ud: int
    prep: str
    flags: int = 0
    pokes: list[tuple[str, str]] = field(default_factory=list)  # (field, value expression)
    refs: frozenset[str] = frozenset()

    def code(self) -> list[str]:
        lines = [f"sqe = yield from h.get_sqe(ring, {hex(self.ud)})", self.prep]
        if self.flags:
            lines.append(f"io_uring_sqe_set_flags(sqe, {bits(self.flags, SQE_FLAG_NAMES)})")
        lines += [f"sqe.{name} = {value}" for name, value in self.pokes]
        return lines


@dataclass
class Batch:
    sqes: list[SqeSpec]
    submit: Step
    after: list[Step] = field(default_factory=list)


@dataclass
class RingSetup:
    entries: int
    flags: int
    cq_entries: int = 0
    sq_thread_idle: int = 0
    sq_thread_cpu: int = 0
    enable: bool = True  # call io_uring_enable_rings when R_DISABLED

    def code(self) -> list[str]:
        args = [f"flags={bits(self.flags, SETUP_FLAG_NAMES)}"]
        if self.cq_entries:
            args.append(f"cq_entries={num(self.cq_entries)}")
        if self.sq_thread_idle:
            args.append(f"sq_thread_idle={self.sq_thread_idle}")
        if self.sq_thread_cpu:
            args.append(f"sq_thread_cpu={self.sq_thread_cpu}")
        lines = [
            "ring, cqe = Ring(), Cqe()",
            f"p = Params({', '.join(args)})",
            f"if (yield from io_uring_queue_init_params({num(self.entries)}, ring, p)) < 0:",
            "    return",
            "h.track(ring)",
        ]
        if self.flags & U.IORING_SETUP_R_DISABLED and self.enable:
            lines.append("yield from io_uring_enable_rings(ring)")
        return lines


@dataclass
class Case:
    seed: int
    ring: RingSetup
    setup: list[Step]
    batches: list[Batch]
    finish: bool = True  # False: the rings are only exited (no cancel, no oracle)

    def sqes(self) -> list[SqeSpec]:
        return [s for b in self.batches for s in b.sqes]

    def n_sqes(self) -> int:
        return sum(len(b.sqes) for b in self.batches)

    def budget_ns(self) -> int:
        steps = [*self.setup, *(st for b in self.batches for st in (b.submit, *b.after))]
        return sum(st.budget_ns for st in steps) + MS * self.n_sqes()

    def limit_ns(self) -> int:
        """The simulated-time bound: twice what the waits may take, the final phase, and slack."""
        return 2 * self.budget_ns() + FINISH_BUDGET_NS + 200 * MS

    def copy(self) -> Case:
        return copy.deepcopy(self)


#: What ``h.finish()`` may take in simulated time (its waits are bounded).
FINISH_BUDGET_NS = 400 * MS


def render(case: Case, note: str = "") -> str:
    """The case as a Python program (what the fuzzer executes, and what it prints)."""
    body: list[str] = []
    body += case.ring.code()
    for st in case.setup:
        body += st.code
    for i, b in enumerate(case.batches, 1):
        body.append(f"# batch {i}")
        for s in b.sqes:
            body += s.code()
        body += b.submit.code
        for st in b.after:
            body += st.code
    body.append("yield from h.finish()" if case.finish else "yield from h.finish(cancel=False)")
    doc = [f'"""simuring fuzz case, seed {case.seed}: ``python this_file.py`` runs it and prints what the oracle finds.']
    if note:
        doc += ["", note]
    doc[-1] += '"""'
    return "\n".join(
        [
            *doc,
            "from simuring.conform.fuzz import run_program",
            "from simuring.errno import *",
            "from simuring.liburing import *",
            "from simuring.syscalls import *",
            "from simuring.uapi import *",
            "",
            "",
            "def workload(h):",
            *("    " + line for line in body),
            "",
            "",
            'if __name__ == "__main__":',
            f"    print(run_program(workload, seed={case.seed}, limit_ns={num(case.limit_ns())}).summary())",
            "",
        ]
    )


# -- generation -------------------------------------------------------------------------------
@dataclass
class Fd:
    expr: str
    kind: str  # pipe-r, pipe-w, eventfd, sock, file, ring, bad, fixed
    refs: frozenset[str] = frozenset()
    nonblock: bool = False



def passable_cqe_flags(value: int) -> int:
    """CQE flags for a MSG_RING to pass (IORING_MSG_RING_FLAGS_PASS) without IORING_CQE_F_SKIP and
    IORING_CQE_F_32: liburing consumes a CQE with those without returning it, or with the slot
    after it (io_uring_cqe_nr), which the oracle would count as a CQE lost."""
    return value & ~(U.IORING_CQE_F_SKIP | U.IORING_CQE_F_32)


class Generator:
    """Draws one case from ``rng``."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        self.r = rng
        self.seed = seed
        self.next_ud = UD_BASE + 1
        self.next_aux = AUX_BASE + 1
        self.fds: list[Fd] = []
        self.n_registered = 0
        self.has_peer = False
        self.has_ipc = False
        self.uds: dict[str, list[int]] = {}  # opcode name -> user_data of SQEs with it
        self.multishot_timeouts: set[int] = set()  # user_data of MULTISHOT TIMEOUTs (their updates set a period)
        self.all_uds: list[int] = []

    # -- helpers --------------------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, options: Sequence[T]) -> T:
        return self.r.choice(options)

    def weighted(self, table: Sequence[tuple[T, float]]) -> T:
        return self.r.choices([t[0] for t in table], [t[1] for t in table])[0]

    def new_ud(self, op: str) -> int:
        ud = self.next_ud
        self.next_ud += 1
        self.uds.setdefault(op, []).append(ud)
        self.all_uds.append(ud)
        return ud

    def aux(self) -> int:
        v = self.next_aux
        self.next_aux += 1
        return v

    # -- the ring -------------------------------------------------------------------------
    def ring(self) -> RingSetup:
        entries = int(self.weighted([(1, 1), (2, 3), (4, 4), (8, 4), (16, 2), (32, 1)]))
        if self.chance(0.02):
            entries = int(self.pick([0, 3, 5, 40000, 2**31]))
        flags = 0
        ring = RingSetup(entries, 0)
        if self.chance(0.15):
            flags |= U.IORING_SETUP_SQPOLL
            ring.sq_thread_idle = int(self.pick([0, 1, 1, 2, 10, 50]))
            if self.chance(0.3):
                flags |= U.IORING_SETUP_SQ_AFF
                ring.sq_thread_cpu = int(self.pick([0, 0, 1, 3, 31, 4096]))
        else:
            mode = self.weighted(
                [("default", 4), ("coop", 2), ("coop-flag", 1), ("single", 1), ("defer", 2), ("defer-flag", 1)]
            )
            flags |= {
                "default": 0,
                "coop": U.IORING_SETUP_COOP_TASKRUN,
                "coop-flag": U.IORING_SETUP_COOP_TASKRUN | U.IORING_SETUP_TASKRUN_FLAG,
                "single": U.IORING_SETUP_SINGLE_ISSUER,
                "defer": U.IORING_SETUP_SINGLE_ISSUER | U.IORING_SETUP_DEFER_TASKRUN,
                "defer-flag": U.IORING_SETUP_SINGLE_ISSUER | U.IORING_SETUP_DEFER_TASKRUN | U.IORING_SETUP_TASKRUN_FLAG,
            }[str(mode)]
        if self.chance(0.45):
            flags |= U.IORING_SETUP_CQSIZE
            # small CQs force overflow; the CQ must not be smaller than the SQ
            ring.cq_entries = max(entries, int(self.pick([1, 1, 2, 2, 4, 8]))) if entries else 1
            if self.chance(0.04):
                ring.cq_entries = int(self.pick([0, 1, 65537, 2**31]))
        if self.chance(0.25):
            flags |= U.IORING_SETUP_SUBMIT_ALL
        if self.chance(0.08):
            flags |= U.IORING_SETUP_NO_SQARRAY
        if self.chance(0.04):
            flags |= U.IORING_SETUP_CLAMP
        if self.chance(0.05):
            flags |= U.IORING_SETUP_R_DISABLED
            ring.enable = self.chance(0.8)
        if self.chance(0.04):  # a flag whose path the simulator does not model, or no flag at all
            flags |= int(self.pick([U.IORING_SETUP_IOPOLL, U.IORING_SETUP_SQE128, U.IORING_SETUP_CQE32,
                                    U.IORING_SETUP_NO_MMAP, U.IORING_SETUP_HYBRID_IOPOLL,
                                    U.IORING_SETUP_ATTACH_WQ, U.IORING_SETUP_SQ_REWIND, 1 << 24]))  # fmt: skip
        if self.chance(0.03):  # an invalid combination
            flags ^= int(self.pick([U.IORING_SETUP_SQPOLL, U.IORING_SETUP_COOP_TASKRUN, U.IORING_SETUP_TASKRUN_FLAG,
                                    U.IORING_SETUP_DEFER_TASKRUN, U.IORING_SETUP_SQ_AFF]))  # fmt: skip
        ring.flags = flags
        return ring

    # -- objects --------------------------------------------------------------------------
    def objects(self) -> list[Step]:
        steps: list[Step] = []
        counts: dict[str, int] = {}

        def name(prefix: str) -> str:
            k = counts.get(prefix, 0)
            counts[prefix] = k + 1
            return f"{prefix}{k}"

        n = int(self.weighted([(0, 1), (1, 3), (2, 4), (3, 3), (4, 1)]))
        for _ in range(n):
            kind = self.weighted([("pipe", 30), ("eventfd", 20), ("socketpair", 20), ("file", 25)])
            if kind == "pipe":
                v = name("p")
                nb = self.chance(0.6)
                call = f"yield from pipe2({v}, O_NONBLOCK)" if nb else f"yield from pipe({v})"
                steps.append(Step([f"{v} = [0, 0]", call], "object", defines=v))
                self.fds += [Fd(f"{v}[0]", "pipe-r", frozenset({v}), nb), Fd(f"{v}[1]", "pipe-w", frozenset({v}), nb)]
            elif kind == "eventfd":
                v = name("e")
                init = int(self.pick([0, 0, 1, 5, U32]))
                fl = int(self.pick([0, S.EFD_NONBLOCK, S.EFD_NONBLOCK | S.EFD_SEMAPHORE, S.EFD_SEMAPHORE]))
                flag_expr = bits(fl, (("EFD_NONBLOCK", S.EFD_NONBLOCK), ("EFD_SEMAPHORE", S.EFD_SEMAPHORE)))
                steps.append(Step([f"{v} = yield from eventfd({num(init)}, {flag_expr})"], "object", defines=v))
                self.fds.append(Fd(v, "eventfd", frozenset({v}), bool(fl & S.EFD_NONBLOCK)))
            elif kind == "socketpair":
                v = name("s")
                typ = str(self.pick(["SOCK_STREAM", "SOCK_STREAM", "SOCK_DGRAM", "SOCK_SEQPACKET"]))
                nb = self.chance(0.6)
                typ_expr = typ + (" | SOCK_NONBLOCK" if nb else "")
                steps.append(Step([f"{v} = [0, 0]", f"yield from socketpair(AF_UNIX, {typ_expr}, 0, {v})"], "object", defines=v))
                self.fds += [Fd(f"{v}[0]", "sock", frozenset({v}), nb), Fd(f"{v}[1]", "sock", frozenset({v}), nb)]
            else:
                v = name("f")
                acc = str(self.weighted([("O_RDWR", 7), ("O_WRONLY", 1), ("O_RDONLY", 2)]))
                extra = str(self.weighted([("", 8), (" | O_APPEND", 1), (" | O_TRUNC", 1), (" | O_NONBLOCK", 1)]))
                lines = [f'{v} = yield from open("/fuzz-{v}", O_CREAT | {acc}{extra})']
                if self.chance(0.5):
                    size = int(self.pick([1, 100, 4096, 9000]))
                    lines.append(f"yield from write({v}, bytes(range(256)) * {(size + 255) // 256}, {size})")
                steps.append(Step(lines, "object", defines=v))
                self.fds.append(Fd(v, "file", frozenset({v}), True))
        if self.chance(0.25):
            flags = int(self.weighted([(0, 4), (U.IORING_SETUP_COOP_TASKRUN, 1),
                                       (U.IORING_SETUP_SINGLE_ISSUER | U.IORING_SETUP_DEFER_TASKRUN, 2),
                                       (U.IORING_SETUP_R_DISABLED, 1), (U.IORING_SETUP_SQPOLL, 1)]))  # fmt: skip
            steps.append(
                Step(
                    [
                        "peer = Ring()",
                        f"if (yield from io_uring_queue_init(4, peer, {bits(flags, SETUP_FLAG_NAMES)})) == 0:",
                        "    h.track(peer)",
                    ],
                    "object",
                    defines="peer",
                )
            )
            self.has_peer = True
        if self.chance(0.08):
            mode = str(self.pick(["0", "IOIPC_F_BROADCAST", "IOIPC_F_MULTICAST"]))
            sub = str(self.pick(["IOIPC_SUB_BOTH", "IOIPC_SUB_BOTH", "IOIPC_SUB_SEND", "IOIPC_SUB_RECV"]))
            steps.append(
                Step(
                    [
                        f"ch = IpcChannelCreate(flags={mode}, ring_entries={self.pick([2, 8])}, max_msg_size=64, mode=0o666)",
                        "yield from io_uring_register_ipc_channel_create(ring, ch)",
                        f"sub = IpcChannelAttach(channel_id=ch.channel_id_out, flags={sub})",
                        "yield from io_uring_register_ipc_channel_attach(ring, sub)",
                    ],
                    "object",
                    defines="ch",
                )
            )
            self.has_ipc = True
        if self.fds and self.chance(0.3):
            regs = [f for f in self.fds if self.chance(0.7)] or [self.fds[0]]
            exprs = [f.expr for f in regs]
            if self.chance(0.2):
                exprs.insert(self.r.randrange(len(exprs) + 1), "-1")
            if self.chance(0.08):
                exprs.append("ring.ring_fd")
            nr = len(exprs) if self.chance(0.9) else int(self.pick([0, len(exprs) + 1]))
            refs = frozenset().union(*(f.refs for f in regs))
            steps.append(Step([f"yield from io_uring_register_files(ring, [{', '.join(exprs)}], {nr})"], "register", refs))
            self.n_registered = len(exprs)
        return steps

    # -- SQE arguments --------------------------------------------------------------------
    def fd(self, prefer: Iterable[str] = ()) -> tuple[Fd, bool]:
        """An fd expression for an SQE, and whether it is a fixed-file index."""
        pref = [f for f in self.fds if f.kind in set(prefer)]
        if self.n_registered and self.chance(0.15):
            return Fd(str(self.r.randrange(self.n_registered + 1)), "fixed"), True
        roll = self.r.random()
        if pref and roll < 0.55:
            return self.r.choice(pref), False
        if self.fds and roll < 0.85:
            return self.r.choice(self.fds), False
        if roll < 0.9:
            return (Fd("peer.ring_fd", "ring", frozenset({"peer"})) if self.has_peer and self.chance(0.5)
                    else Fd("ring.ring_fd", "ring")), False  # fmt: skip
        return Fd(num(int(self.pick([-1, 0, 2, 77, 2**31 - 1, -(2**31)]))), "bad"), False

    def buffer(self, write: bool, kind: str) -> tuple[str, int]:
        """A buffer expression and its size in bytes (-1: not a buffer)."""
        if kind == "eventfd" and self.chance(0.7):
            if write:
                v = int(self.pick([1, 5, 2**64 - 2, 2**64 - 1, 0, 2**63]))
                return f'bytearray(({num(v)}).to_bytes(8, "little"))', 8
            return "bytearray(8)", 8
        n = int(self.pick([0, 1, 8, 16, 64, 64, 100, 512, 4096, 4097, 65536]))
        shape = self.weighted([("bytearray", 55), ("bytes", 8), ("none", 4), ("strided", 8), ("cast", 5),
                               ("readonly", 5), ("slice", 5), ("2d", 2), ("list", 2)])  # fmt: skip
        if shape == "bytearray":
            return f"bytearray({n})", n
        if shape == "bytes":
            return f"bytes({n})", n
        if shape == "none":
            return "None", 0
        if shape == "strided":
            return f"memoryview(bytearray({2 * n}))[::2]", n
        if shape == "cast":
            m = max(4, n - n % 4)
            return f'memoryview(bytearray({m})).cast("I")', m
        if shape == "readonly":
            return f"memoryview(bytearray({n})).toreadonly()", n
        if shape == "slice":
            return f"memoryview(bytearray({n + 7}))[7:]", n
        if shape == "2d":
            m = max(2, n - n % 2)
            return f'memoryview(bytearray({m})).cast("B", (2, {m // 2}))', m
        return f"[bytearray({n})]", -1  # a list where one buffer is expected

    def length(self, size: int) -> int:
        size = max(size, 0)
        roll = self.r.random()
        if roll < 0.6:
            return size
        if roll < 0.7:
            return self.r.randrange(size) if size else 0
        if roll < 0.8:
            return size + 1
        if roll < 0.85:
            return int(self.pick([2**31 - 1, 2**31, U32]))
        if roll < 0.9:
            return 0
        return int(self.pick([1, 8, 64, 4096, 65536]))

    def offset(self, kind: str) -> int:
        if self.chance(0.75 if kind != "file" else 0.55):
            return int(self.pick([0, 0, 0, U64, 1, 100]))
        return int(self.pick([4095, 4096, 2**31 - 1, 2**31, 2**32, 2**40, 2**62, 2**63 - 1, U64 - 1]))

    def timespec(self) -> str:
        roll = self.r.random()
        if roll < 0.75:
            return ts_expr(0, int(self.pick([0, 1, 1000, 100_000, 500_000, 2 * MS, 10 * MS])))
        if roll < 0.85:
            return ts_expr(int(self.pick([1, 10, 3600])), 0)
        return ts_expr(int(self.pick([-1, 0, 0, 2**40])), int(self.pick([-5, 10**9, 10**9 - 1, 0])))

    def target_ud(self, ops: Sequence[str]) -> int:
        cands = [u for op in ops for u in self.uds.get(op, [])]
        if cands and self.chance(0.75):
            return self.r.choice(cands)
        if self.all_uds and self.chance(0.5):
            return self.r.choice(self.all_uds)
        return int(self.pick([0, 1, UD_BASE, U64]))

    # -- one SQE --------------------------------------------------------------------------
    def sqe(self, after_link: bool) -> list[SqeSpec]:
        """One SQE (and sometimes a LINK_TIMEOUT guarding it)."""
        op = str(
            self.weighted(
                [("NOP", 12), ("RW", 24), ("RWV", 7), ("POLL_ADD", 9), ("POLL_REMOVE", 3), ("TIMEOUT", 7),
                 ("TIMEOUT_REMOVE", 4), ("LINK_TIMEOUT", 3 if after_link else 0.5), ("ASYNC_CANCEL", 5),
                 ("MSG_RING", 5), ("IPC", 3 if self.has_ipc else 0.5), ("RAW", 8)]
            )
        )  # fmt: skip
        flags = 0
        refs: frozenset[str] = frozenset()
        pokes: list[tuple[str, str]] = []
        if op == "NOP":
            prep = "io_uring_prep_nop(sqe)"
            ud = self.new_ud("NOP")
            if self.chance(0.25):
                pokes.append(("nop_flags", "IORING_NOP_INJECT_RESULT" if self.chance(0.9) else num(int(self.pick([2, 1 << 31])))))
                pokes.append(("len", num(int(self.pick([0, 1, 5, U32 - 21, U32 - 4, U32 - 124, 2**31])))))
        elif op in ("RW", "RWV"):
            write = self.chance(0.5)
            fd, fixed = self.fd(["pipe-w", "sock", "eventfd", "file"] if write else ["pipe-r", "sock", "eventfd", "file"])
            refs |= fd.refs
            if fixed:
                flags |= U.IOSQE_FIXED_FILE
            off = self.offset(fd.kind)
            if op == "RW":
                name = "WRITE" if write else "READ"
                buf, size = self.buffer(write, fd.kind)
                if buf.startswith("["):
                    prep = f"io_uring_prep_rw(IORING_OP_{name}, sqe, {fd.expr}, {buf}, {self.length(64)}, {num(off)})"
                else:
                    prep = f"io_uring_prep_{name.lower()}(sqe, {fd.expr}, {buf}, {num(self.length(size))}, {num(off)})"
            else:
                name = "WRITEV" if write else "READV"
                bufs = []
                for _ in range(int(self.pick([0, 1, 1, 2, 3]))):
                    b, size = self.buffer(write, fd.kind)
                    bufs.append(b if not b.startswith("[") else "bytearray(8)")
                nr = len(bufs) if self.chance(0.85) else int(self.pick([0, len(bufs) + 1, 1025, U32]))
                prep = f"io_uring_prep_{name.lower()}(sqe, {fd.expr}, [{', '.join(bufs)}], {num(nr)}, {num(off)})"
            ud = self.new_ud(name)
            if self.chance(0.1):
                pokes.append(("rw_flags", str(self.pick(["8  # RWF_NOWAIT", "0x10  # RWF_APPEND", "1", "0x100"]))))
            if self.chance(0.08):
                pokes.append(("ioprio", num(int(self.pick([(1 << 13) | 4, (2 << 13) | 7, 3 << 13, 4 << 13, 7 << 13, 0xFFFF])))))
        elif op == "POLL_ADD":
            fd, fixed = self.fd(["pipe-r", "pipe-w", "sock", "eventfd"])
            refs |= fd.refs
            if fixed:
                flags |= U.IOSQE_FIXED_FILE
            mask = int(self.pick([U.POLLIN, U.POLLIN, U.POLLOUT, U.POLLIN | U.POLLOUT, U.POLLPRI, U.POLLERR,
                                  U.POLLHUP, U.POLLRDHUP, 0, U32]))  # fmt: skip
            helper = "io_uring_prep_poll_multishot" if self.chance(0.35) else "io_uring_prep_poll_add"
            prep = f"{helper}(sqe, {fd.expr}, {bits(mask, POLL_NAMES)})"
            ud = self.new_ud("POLL_ADD")
        elif op == "POLL_REMOVE":
            target = self.target_ud(["POLL_ADD"])
            prep = f"io_uring_prep_poll_remove(sqe, {hex(target)})"
            ud = self.new_ud("POLL_REMOVE")
            if self.chance(0.15):
                pokes.append(("len", str(self.pick(["IORING_POLL_UPDATE_USER_DATA", "IORING_POLL_UPDATE_EVENTS",
                                                    "IORING_POLL_ADD_MULTI", "IORING_POLL_ADD_LEVEL"]))))  # fmt: skip
                pokes.append(("off", hex(self.aux())))
        elif op == "TIMEOUT":
            count = int(self.pick([0, 0, 0, 1, 2, 5, U32]))
            tflags = int(self.pick([0, 0, 0, 0, 0, U.IORING_TIMEOUT_ABS, U.IORING_TIMEOUT_ETIME_SUCCESS,
                                    U.IORING_TIMEOUT_MULTISHOT, U.IORING_TIMEOUT_BOOTTIME, U.IORING_TIMEOUT_REALTIME,
                                    U.IORING_TIMEOUT_BOOTTIME | U.IORING_TIMEOUT_REALTIME, 1 << 10]))  # fmt: skip
            ts = self.timespec()
            if tflags == U.IORING_TIMEOUT_MULTISHOT and ts in SHORT_PERIODS:
                # a period this short re-fires before any cancel can find it on the
                # timeout list, on the kernel too: the final cancel could not end it
                ts = ts_expr(0, 100_000)
            prep = f"io_uring_prep_timeout(sqe, {ts}, {num(count)}, {bits(tflags, TIMEOUT_FLAG_NAMES)})"
            ud = self.new_ud("TIMEOUT")
            if tflags == U.IORING_TIMEOUT_MULTISHOT:
                self.multishot_timeouts.add(ud)
        elif op == "TIMEOUT_REMOVE":
            if self.chance(0.5):
                target = self.target_ud(["TIMEOUT"])
                prep = f"io_uring_prep_timeout_remove(sqe, {hex(target)}, {self.pick(['0', '0', '0', 'IORING_TIMEOUT_ABS', '0x400'])})"
            else:
                target = self.target_ud(["TIMEOUT", "LINK_TIMEOUT"])
                fl = str(self.pick(["0", "0", "IORING_TIMEOUT_ABS", "IORING_LINK_TIMEOUT_UPDATE", "IORING_TIMEOUT_MULTISHOT"]))
                ts = self.timespec()
                if target in self.multishot_timeouts and ts in SHORT_PERIODS:
                    # the new timespec becomes the period of a multishot timeout
                    # (relative even after an ABS update): keep it long enough
                    ts = ts_expr(0, 100_000)
                prep = f"io_uring_prep_timeout_update(sqe, {ts}, {hex(target)}, {fl})"
            ud = self.new_ud("TIMEOUT_REMOVE")
        elif op == "LINK_TIMEOUT":
            fl = str(self.pick(["0", "0", "0", "IORING_TIMEOUT_ABS", "IORING_TIMEOUT_ETIME_SUCCESS", "IORING_TIMEOUT_MULTISHOT"]))
            prep = f"io_uring_prep_link_timeout(sqe, {self.timespec()}, {fl})"
            ud = self.new_ud("LINK_TIMEOUT")
        elif op == "ASYNC_CANCEL":
            cflags = int(self.pick([0, 0, U.IORING_ASYNC_CANCEL_ALL, U.IORING_ASYNC_CANCEL_ANY, U.IORING_ASYNC_CANCEL_OP,
                                    U.IORING_ASYNC_CANCEL_ALL | U.IORING_ASYNC_CANCEL_OP, U.IORING_ASYNC_CANCEL_USERDATA,
                                    U.IORING_ASYNC_CANCEL_ANY | U.IORING_ASYNC_CANCEL_FD, 1 << 9]))  # fmt: skip
            if self.chance(0.3):
                fd, fixed = self.fd()
                refs |= fd.refs
                if fixed and self.chance(0.5):
                    cflags |= U.IORING_ASYNC_CANCEL_FD_FIXED
                elif fixed:
                    flags |= U.IOSQE_FIXED_FILE
                prep = f"io_uring_prep_cancel_fd(sqe, {fd.expr}, {bits(cflags, CANCEL_FLAG_NAMES)})"
            else:
                prep = f"io_uring_prep_cancel64(sqe, {hex(self.target_ud(['READ', 'POLL_ADD', 'TIMEOUT', 'WRITE']))}, {bits(cflags, CANCEL_FLAG_NAMES)})"
            if cflags & U.IORING_ASYNC_CANCEL_OP:
                pokes.append(("len", op_expr(int(self.pick([U.IORING_OP_READ, U.IORING_OP_POLL_ADD, U.IORING_OP_TIMEOUT, 200])))))
            ud = self.new_ud("ASYNC_CANCEL")
        elif op == "MSG_RING":
            roll = self.r.random()
            if self.has_peer and roll < 0.45:
                fd, fixed = Fd("peer.ring_fd", "ring", frozenset({"peer"})), False
            elif roll < 0.75:
                fd, fixed = Fd("ring.ring_fd", "ring"), False
            else:
                fd, fixed = self.fd()
            refs |= fd.refs
            if fixed:
                flags |= U.IOSQE_FIXED_FILE
            length = int(self.pick([0, 1, 7, 2**31 - 1, U32]))
            data = self.aux()
            if self.chance(0.3):
                passed = passable_cqe_flags(int(self.pick([0, 1, 2, 0xFFFF, U32])))
                prep = f"io_uring_prep_msg_ring_cqe_flags(sqe, {fd.expr}, {num(length)}, {hex(data)}, 0, {num(passed)})"
            else:
                mflags = str(self.pick(["0", "0", "0", "IORING_MSG_RING_CQE_SKIP", "IORING_MSG_RING_FLAGS_PASS", "4"]))
                prep = f"io_uring_prep_msg_ring(sqe, {fd.expr}, {num(length)}, {hex(data)}, {mflags})"
            if self.chance(0.08):
                pokes.append(("addr", str(self.pick(["IORING_MSG_SEND_FD", "7"]))))
            ud = self.new_ud("MSG_RING")
        elif op == "IPC":
            send = self.chance(0.5)
            if self.has_ipc and self.chance(0.8):
                sub_id = self.pick(["sub.local_id_out", "sub.local_id_out", "ch.channel_id_out"])
                refs |= frozenset({"ch"})
            else:
                sub_id = num(self.pick([0, 1, 2, -1, 2**31 - 1]))
            buf, size = self.buffer(send, "ipc")
            if buf.startswith("["):
                buf, size = "bytearray(8)", 8
            helper = "io_uring_prep_ipc_send" if send else "io_uring_prep_ipc_recv"
            prep = f"{helper}(sqe, {sub_id}, {buf}, {num(self.length(size))})"
            ud = self.new_ud("IPC_SEND" if send else "IPC_RECV")
        else:  # RAW: any opcode number, unsupported ones included, with random fields
            roll = self.r.random()
            if roll < 0.35:
                opcode = int(getattr(U, f"IORING_OP_{self.pick(MODELLED_OPS)}"))
            elif roll < 0.7:
                opcode = self.r.randrange(U.IORING_OP_LAST)
            else:
                opcode = self.r.randrange(U.IORING_OP_LAST, 256)
            fd, fixed = self.fd()
            refs |= fd.refs
            if fixed:
                flags |= U.IOSQE_FIXED_FILE
            addr = str(self.pick(["0", "bytearray(64)", "Timespec(0, 1000)", "0xDEADBEEF", "[bytearray(8)]", "None"]))
            prep = (f"io_uring_prep_rw({op_expr(opcode)}, sqe, {fd.expr}, {addr}, "
                    f"{num(int(self.pick([0, 1, 8, 64, U32])))}, {num(int(self.pick([0, 1, 2**40, U64])))})")  # fmt: skip
            if self.chance(0.5):
                pokes.append(("op_flags", num(int(self.pick([1, 2, 0x80, U32])))))
            ud = self.new_ud(U.OPCODE_NAMES.get(opcode, str(opcode)))
        # SQE flags
        for bit, p in ((U.IOSQE_IO_LINK, 0.18), (U.IOSQE_IO_HARDLINK, 0.07), (U.IOSQE_IO_DRAIN, 0.03),
                       (U.IOSQE_ASYNC, 0.1), (U.IOSQE_CQE_SKIP_SUCCESS, 0.1), (U.IOSQE_BUFFER_SELECT, 0.015),
                       (0x80, 0.01)):  # fmt: skip
            if self.chance(p):
                flags |= bit
        if op != "RAW" and self.chance(0.015):
            flags |= U.IOSQE_FIXED_FILE
        # raw field pokes
        if self.chance(0.2):
            for _ in range(int(self.pick([1, 1, 2, 3]))):
                pokes.append(self.poke(op))
        specs = [SqeSpec(ud, prep, flags, pokes, refs)]
        if flags & (U.IOSQE_IO_LINK | U.IOSQE_IO_HARDLINK) and op != "LINK_TIMEOUT" and self.chance(0.2):
            fl = str(self.pick(["0", "0", "0", "IORING_TIMEOUT_ETIME_SUCCESS", "IORING_TIMEOUT_ABS"]))
            lt_flags = int(self.pick([0, 0, 0, U.IOSQE_IO_LINK, U.IOSQE_CQE_SKIP_SUCCESS, U.IOSQE_IO_HARDLINK]))
            specs.append(SqeSpec(self.new_ud("LINK_TIMEOUT"), f"io_uring_prep_link_timeout(sqe, {self.timespec()}, {fl})", lt_flags))
        return specs

    def poke(self, op: str) -> tuple[str, str]:
        fields = ["ioprio", "personality", "buf_index", "file_index", "addr3", "op_flags", "len", "addr", "fd", "opcode"]
        if op != "MSG_RING":
            fields.append("off")
        f = str(self.pick(fields))
        values: dict[str, Sequence[int]] = {
            "ioprio": [1, 0x7FFF, 0xFFFF, (1 << 13) | 4, 3 << 13, 7 << 13],
            "personality": [1, 0xFFFF],
            "buf_index": [1, 0xFFFF],
            "file_index": [1, U32],
            "addr3": [1, U64],
            "op_flags": [1, 0x80, U32, 1 << 31],
            "len": [0, 1, 2**31, U32],
            "off": [1, 2**31, 2**40, 2**63 - 1, U64],
            "addr": [0, 1, 0xDEADBEEF, U64],
            "fd": [-1, 0, 2**31 - 1],
        }
        if f == "opcode":
            return f, op_expr(self.r.randrange(256) if self.chance(0.3) else int(getattr(U, f"IORING_OP_{self.pick(MODELLED_OPS)}")))
        if f == "addr" and self.chance(0.4):
            return f, str(self.pick(["Timespec(0, 1000)", "bytearray(16)", "[bytearray(8)]", "None"]))
        value = int(self.pick(values[f]))
        if op == "MSG_RING" and f == "file_index":  # the CQE flags it passes
            value = passable_cqe_flags(value)
        return f, num(value)

    # -- what happens after a batch's SQEs are queued ------------------------------------
    def submit(self, n: int) -> Step:
        kind = self.weighted([("submit", 55), ("wait", 20), ("events", 10), ("none", 8), ("twice", 5), ("enter", 2)])
        if kind == "submit":
            return Step(["yield from io_uring_submit(ring)"], "submit")
        if kind == "wait":
            t = int(self.pick([0, 100_000, MS, 3 * MS]))
            want = int(self.pick([1, 2, max(1, n)]))
            return Step([f"yield from io_uring_submit_and_wait_timeout(ring, cqe, {want}, {ts_expr(0, t)})"], "submit", budget_ns=2 * t)
        if kind == "events":
            return Step(["yield from io_uring_submit_and_get_events(ring)"], "submit")
        if kind == "twice":
            return Step(["yield from io_uring_submit(ring)", "yield from io_uring_submit(ring)"], "submit")
        if kind == "enter":
            fl = str(self.pick(["IORING_ENTER_GETEVENTS", "IORING_ENTER_SQ_WAKEUP", "IORING_ENTER_SQ_WAIT", "1 << 12"]))
            return Step(["yield from io_uring_submit(ring)", f"yield from io_uring_enter(ring.ring_fd, 0, 0, {fl}, None)"], "submit")
        return Step([], "submit")

    def after(self) -> list[Step]:
        steps: list[Step] = []
        for _ in range(int(self.weighted([(0, 3), (1, 5), (2, 2), (3, 1)]))):
            kind = self.weighted([("reap", 35), ("reap-some", 10), ("events", 8), ("peek", 8), ("batch", 5),
                                  ("wait-nr", 5), ("action", 25), ("sleep", 4)])  # fmt: skip
            if kind == "reap":
                t = int(self.pick([0, 100_000, MS, 5 * MS]))
                steps.append(Step([f"yield from h.reap(ring, {num(t)})"], "wait", budget_ns=2 * t + MS))
            elif kind == "reap-some":
                t = int(self.pick([0, 100_000, MS]))
                steps.append(Step([f"yield from h.reap(ring, {num(t)}, limit={self.pick([1, 2, 3])})"], "wait", budget_ns=2 * t + MS))
            elif kind == "events":
                steps.append(Step(["yield from io_uring_get_events(ring)"], "wait"))
            elif kind == "peek":
                steps.append(Step([f"h.peek(ring, limit={self.pick([1, 4, 100])})"], "wait"))
            elif kind == "batch":
                steps.append(Step([f"h.peek_batch(ring, {self.pick([1, 3, 16])})"], "wait"))
            elif kind == "wait-nr":
                t = int(self.pick([0, 100_000, MS]))
                steps.append(Step([f"yield from h.wait_nr(ring, {self.pick([1, 2, 4])}, {num(t)})"], "wait", budget_ns=2 * t + MS))
            elif kind == "sleep":
                t = int(self.pick([1000, 100_000, MS]))
                steps.append(Step([f"yield from nanosleep({num(t)})"], "sleep", budget_ns=t))
            else:
                st = self.action()
                if st is not None:
                    steps.append(st)
        return steps

    def action(self) -> Step | None:
        """A system call on one of the objects that cannot block (only non-blocking fds)."""
        nb = [f for f in self.fds if f.nonblock]
        kind = self.weighted([("io", 6), ("close", 1), ("register", 1), ("enter", 1)])
        if kind == "close" and self.fds:
            f = self.r.choice(self.fds)
            return Step([f"yield from close({f.expr})"], "action", f.refs)
        if kind == "register" and self.fds:
            if self.chance(0.5):
                return Step(["yield from io_uring_unregister_files(ring)"], "action")
            f = self.r.choice(self.fds)
            return Step([f"yield from io_uring_register_files(ring, [{f.expr}], 1)"], "action", f.refs)
        if kind == "enter":
            t = int(self.pick([0, 1000, MS]))
            return Step([f"yield from io_uring_enter2(ring.ring_fd, 0, {self.pick([0, 1, 2])}, IORING_ENTER_GETEVENTS "
                         f"| IORING_ENTER_EXT_ARG, GeteventsArg(ts={ts_expr(0, t)}), 0)"], "action", budget_ns=2 * t)  # fmt: skip
        if not nb:
            return None
        f = self.r.choice(nb)
        n = int(self.pick([1, 8, 100, 4096]))
        data = f"bytes({n})" if self.chance(0.85) else f"memoryview(bytearray({2 * n}))[::2]"
        if f.kind == "eventfd":
            v = int(self.pick([1, 3, 2**64 - 2]))
            line = (f"yield from eventfd_write({f.expr}, {num(v)})" if self.chance(0.6)
                    else f"yield from read({f.expr}, bytearray(8), 8)")  # fmt: skip
        elif f.kind == "pipe-w":
            line = f"yield from write({f.expr}, {data}, {n})"
        elif f.kind == "pipe-r":
            line = f"yield from read({f.expr}, bytearray({n}), {n})"
        elif f.kind == "sock":
            line = (f"yield from send({f.expr}, {data}, {n}, 0)" if self.chance(0.6)
                    else f"yield from recv({f.expr}, bytearray({n}), {n}, MSG_DONTWAIT)")  # fmt: skip
        else:  # file
            line = (f"yield from write({f.expr}, {data}, {n})" if self.chance(0.5)
                    else f"yield from lseek({f.expr}, {self.pick([0, 4096, 2**40])}, SEEK_SET)")  # fmt: skip
        return Step([line], "action", f.refs)

    # -- the whole case -------------------------------------------------------------------
    def case(self) -> Case:
        ring = self.ring()
        setup = self.objects()
        batches = []
        for _ in range(int(self.weighted([(1, 3), (2, 3), (3, 2), (4, 2), (6, 1)]))):
            sqes: list[SqeSpec] = []
            n = int(self.weighted([(1, 3), (2, 3), (3, 2), (4, 2), (6, 2), (8, 1), (12, 1)]))
            for _ in range(n):
                after_link = bool(sqes) and bool(sqes[-1].flags & (U.IOSQE_IO_LINK | U.IOSQE_IO_HARDLINK))
                sqes += self.sqe(after_link)
            batches.append(Batch(sqes, self.submit(len(sqes)), self.after()))
        return Case(self.seed, ring, setup, batches)


def generate(seed: int) -> Case:
    """The case of ``seed`` (the same seed always gives the same case)."""
    return Generator(random.Random(seed), seed).case()
