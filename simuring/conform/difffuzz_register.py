"""The differential fuzzer's io_uring_register(2) cases: random commands, counts and reserved words.

:func:`generate` draws, from ``random.Random(seed)``, a ring (no flags,
IORING_SETUP_R_DISABLED alone or with SINGLE_ISSUER, or SINGLE_ISSUER |
DEFER_TASKRUN), a pipe and an eventfd, then two to six io_uring_register(2)
calls from :data:`COMMANDS` -- files, sparse files (FILES2), eventfd, probe,
personality, ENABLE_RINGS, IOWQ_MAX_WORKERS, IOWQ_AFF, clock, sync cancel,
file alloc range, restrictions, ring fds, provided-buffer rings (a NULL ring,
never IOU_PBUF_RING_MMAP) and their status, opcodes past IORING_REGISTER_LAST
-- each with a random ``nr_args``, NULL or valid arguments and odd flag and
reserved words.  A ring registered in the task's ring table (slot
:data:`RING_SLOT`) may be named with IORING_REGISTER_USE_REGISTERED_RING.  The
case ends with a NOP submitted and waited for (the ring still disabled, or
restricted, answers for it).

What it never does: a pointer is a real argument or NULL, never a number; an
array is never shorter than the ``nr_args`` the kernel reads (a larger count is
only one the kernel refuses before it reads); IOWQ_MAX_WORKERS only reads the
limits ([0, 0]); an io-wq affinity set is unset at the end, and the ring-table
slot is emptied through a second ring (the table is the task's, kept across
cases on the real side, and a restricted ring may refuse the unregistration).
Before each call the case records ``["sqe", index, [command]]``.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import attrs

from simuring.conform.difffuzz_case import DiffCase, Perturbed, program

#: The task's ring-table slot a case registers its ring at (for IORING_REGISTER_USE_REGISTERED_RING).
RING_SLOT = 7
#: Setup flags a case's ring may have.
REG_RING_FLAGS = ("0", "IORING_SETUP_R_DISABLED", "IORING_SETUP_R_DISABLED | IORING_SETUP_SINGLE_ISSUER", "IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN")


#: A restriction's ``arg`` (a register opcode, an SQE opcode, SQE flags): never one in the simulator's
#: tables only (SQE opcodes 63-66, register opcodes 36-41, docs/kernel.md), where Linux 6.18 says -EINVAL.
RESTRICTION_ARGS = (0, 1, 2, 0x10, 35, 62, 67, 255)


#: The commands that read ``nr_args`` entries of a list (each other command reads one fixed-size
#: struct, or refuses a count other than its own before it reads: EVENTFD's 1, IOWQ_MAX_WORKERS' 2).
READS_NR_ENTRIES = ("IORING_REGISTER_FILES", "IORING_REGISTER_RESTRICTIONS", "IORING_REGISTER_RING_FDS", "IORING_UNREGISTER_RING_FDS")


@attrs.frozen
class Command:
    """A register command: its opcode expression and how to draw (arg expression, nr_args)."""

    opcode: str
    draw: Callable[[random.Random], tuple[str, int]]


def _c(opcode: str, args: tuple[str, ...], nrs: tuple[int, ...]) -> Command:
    return Command(opcode, lambda rng: (rng.choice(args), rng.choice(nrs)))


def _files(rng: random.Random) -> tuple[str, int]:
    if rng.random() < 0.2:
        return "None", rng.choice((0, 1))
    return "[efd, p[0]]", rng.choice((0, 1, 2, (1 << 20) + 1))


def _files2(rng: random.Random) -> tuple[str, int]:
    flags = rng.choice((0, 1, 1, 2, 1 << 31))
    resv2 = rng.choice((0, 0, 1))
    nr = rng.choice((0, 4, 4, 1 << 20))
    return f"L.RsrcRegister(nr={nr}, flags={flags:#x}, resv2={resv2})", rng.choice((32, 32, 0, 16, 40))


def _clock(rng: random.Random) -> tuple[str, int]:
    resv = rng.choice(("[0, 0, 0]", "[1, 0, 0]", "[0, 0, 7]"))
    return f"ClockRegister({rng.choice((0, 1, 2, 7, -1))}, {resv})", rng.choice((0, 1, 1))


def _sync_cancel(rng: random.Random) -> tuple[str, int]:
    flags = rng.choice((0, 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 5, 1 << 31, 3))
    ts = rng.choice(("Timespec(-1, -1)", "Timespec(0, 0)", "Timespec(0, 1000)"))
    pad = rng.choice(("[0] * 7", "[1, 0, 0, 0, 0, 0, 0]"))
    pad2 = rng.choice(("[0, 0, 0]", "[0, 0, 1]"))
    fd = rng.choice(("-1", "efd", "p[0]", "1 << 20"))
    reg = f"SyncCancelReg(addr=0x5151, fd={fd}, flags={flags:#x}, timeout={ts}, opcode={rng.choice((0, 0, 1, 255))}, pad={pad}, pad2={pad2})"
    return reg, rng.choice((1, 1, 0, 2))


def _alloc_range(rng: random.Random) -> tuple[str, int]:
    rng_args = f"L.FileIndexRange({rng.choice((0, 1, 4, 0xFFFF_FFFF))}, {rng.choice((0, 1, 2, 0xFFFF_FFFF))}, {rng.choice((0, 0, 1))})"
    return rng_args, rng.choice((0, 0, 1))


def _restrictions(rng: random.Random) -> tuple[str, int]:
    entries = []
    for _ in range(rng.randint(1, 2)):
        op = rng.choice((0, 1, 2, 3, 4, 99))
        arg = rng.choice(RESTRICTION_ARGS)
        resv = rng.choice((0, 0, 0, 1))
        resv2 = rng.choice(("[0, 0, 0]", "[0, 0, 0]", "[0, 1, 0]"))
        entries.append(f"Restriction({op}, {arg}, {resv}, {resv2})")
    return f"[{', '.join(entries)}]", rng.randint(0, len(entries))


def _ring_fds(rng: random.Random) -> tuple[str, int]:
    """IORING_REGISTER_RING_FDS entries that never register (a slot taken would outlive the case)."""
    bad = rng.choice(("offset=16, data=ring.ring_fd", "offset=0xFFFFFFFF, resv=1, data=ring.ring_fd", "offset=0xFFFFFFFF, data=efd", "offset=3, data=-1"))
    return f"[L.RsrcUpdate({bad})]", rng.choice((0, 1, 1, 17))


def _unreg_ring_fds(rng: random.Random) -> tuple[str, int]:
    return f"[L.RsrcUpdate(offset={rng.choice((16, 0xFFFF_FFFF, 12))}, resv={rng.choice((0, 1))})]", rng.choice((0, 1, 17))


def _pbuf_ring(rng: random.Random) -> tuple[str, int]:
    """IORING_REGISTER_PBUF_RING with a NULL ring and no IOU_PBUF_RING_MMAP: the kernel never
    allocates one; only the order of its checks (resv, flags, entries, the group, the memory) shows."""
    entries = rng.choice((0, 1, 3, 8, 1 << 15, 1 << 16))
    flags = rng.choice((0, 0, 2, 4, 1 << 31))
    resv = rng.choice(("[0, 0, 0]", "[0, 0, 0]", "[0, 1, 0]"))
    return f"L.BufReg(ring_addr=None, ring_entries={entries}, bgid={rng.choice((0, 1, 0xFFFF))}, flags={flags:#x}, resv={resv})", rng.choice((1, 1, 0, 2))


def _unreg_pbuf(rng: random.Random) -> tuple[str, int]:
    resv = rng.choice(("[0, 0, 0]", "[0, 0, 0]", "[1, 0, 0]"))
    return f"L.BufReg(bgid={rng.choice((0, 1, 0xFFFF))}, flags={rng.choice((0, 0, 1))}, resv={resv})", rng.choice((1, 1, 0, 2))


def _pbuf_status(rng: random.Random) -> tuple[str, int]:
    resv = rng.choice(("[0] * 8", "[0] * 8", "[0, 0, 0, 0, 0, 0, 0, 1]"))
    return f"L.BufStatus(buf_group={rng.choice((0, 1, 0xFFFF))}, resv={resv})", rng.choice((1, 1, 0, 2))


COMMANDS: dict[str, Command] = {
    "files": Command("IORING_REGISTER_FILES", _files),
    "files2": Command("IORING_REGISTER_FILES2", _files2),
    "unregister-files": _c("IORING_UNREGISTER_FILES", ("None", "[0]"), (0, 0, 1)),
    "eventfd": _c("IORING_REGISTER_EVENTFD", ("[efd]", "[efd]", "[p[0]]", "None"), (1, 1, 0, 2)),
    "eventfd-async": _c("IORING_REGISTER_EVENTFD_ASYNC", ("[efd]", "None"), (1, 1, 0, 2)),
    "unregister-eventfd": _c("IORING_UNREGISTER_EVENTFD", ("None",), (0, 0, 1)),
    "probe": _c("IORING_REGISTER_PROBE", ("L.Probe()", "L.Probe()", "None"), (0, 1, 8, 256)),
    "personality": _c("IORING_REGISTER_PERSONALITY", ("None", "None", "[0]"), (0, 0, 1)),
    "unregister-personality": _c("IORING_UNREGISTER_PERSONALITY", ("None", "[0]"), (1, 2, 99)),
    "enable-rings": _c("IORING_REGISTER_ENABLE_RINGS", ("None", "None", "[0]"), (0, 0, 1)),
    "iowq-max-workers": _c("IORING_REGISTER_IOWQ_MAX_WORKERS", ("[0, 0]", "[0, 0]", "None"), (2, 2, 0, 1, 3)),
    "iowq-aff": _c("IORING_REGISTER_IOWQ_AFF", ("bytearray(b'\\x03' + bytes(127))", "bytearray(b'\\x01' + bytes(127))", "bytearray(128)", "None"), (0, 1, 8, 128)),
    "unregister-iowq-aff": _c("IORING_UNREGISTER_IOWQ_AFF", ("None", "[0]"), (0, 0, 1)),
    "clock": Command("IORING_REGISTER_CLOCK", _clock),
    "sync-cancel": Command("IORING_REGISTER_SYNC_CANCEL", _sync_cancel),
    "file-alloc-range": Command("IORING_REGISTER_FILE_ALLOC_RANGE", _alloc_range),
    "restrictions": Command("IORING_REGISTER_RESTRICTIONS", _restrictions),
    "ring-fds": Command("IORING_REGISTER_RING_FDS", _ring_fds),
    "unregister-ring-fds": Command("IORING_UNREGISTER_RING_FDS", _unreg_ring_fds),
    "pbuf-ring": Command("IORING_REGISTER_PBUF_RING", _pbuf_ring),
    "unregister-pbuf-ring": Command("IORING_UNREGISTER_PBUF_RING", _unreg_pbuf),
    "pbuf-status": Command("IORING_REGISTER_PBUF_STATUS", _pbuf_status),
    "unknown": _c("IORING_REGISTER_LAST", ("None",), (0, 1)),
    "unknown-255": _c("255", ("None",), (0, 1)),
    "unknown-high": _c("0x7FFFFFFF", ("None",), (0,)),
}


def generate(seed: int) -> DiffCase:
    """The register case of ``seed``: the same for the same seed."""
    rng = random.Random(seed)
    ring_flags = rng.choice(REG_RING_FLAGS)
    registered = rng.random() < 0.3
    body = [
        "ring = L.Ring()",
        f"params = L.Params(flags={ring_flags})",
        "yield from L.io_uring_queue_init_params(8, ring, params)",
        "p = [0, 0]",
        "yield from L.pipe(p)",
        "efd = yield from L.eventfd(1, 0)",
    ]
    if registered:
        body.append(f"yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_RING_FDS, [L.RsrcUpdate(offset={RING_SLOT}, data=ring.ring_fd)], 1)")
    calls = []
    names = sorted(COMMANDS)
    for index in range(rng.randint(2, 6)):
        name = rng.choice(names)
        cmd = COMMANDS[name]
        arg, nr = cmd.draw(rng)
        use_slot = registered and rng.random() < 0.4
        fd = str(RING_SLOT) if use_slot else "ring.ring_fd"
        opcode = f"{cmd.opcode} | IORING_REGISTER_USE_REGISTERED_RING" if use_slot else cmd.opcode
        calls.append(Perturbed(((name, f"{arg}/{nr}"),)))
        body += [f"L.record('sqe', [{index}, [{name!r}]])", f"yield from L.io_uring_register({fd}, {opcode}, {arg}, {nr})"]
    body += [
        "L.record('sqe', [99, ['nop']])",
        "sqe = L.io_uring_get_sqe(ring)",
        "L.io_uring_prep_nop(sqe)",
        "L.io_uring_sqe_set_data64(sqe, 1)",
        "yield from L.io_uring_submit(ring)",
        "cqe = L.Cqe()",
        "if (yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, 20_000_000))) == 0:",
        "    L.io_uring_cqe_seen(ring, cqe[0])",
        "yield from L.io_uring_register(ring.ring_fd, IORING_UNREGISTER_IOWQ_AFF, None, 0)",
    ]
    if registered:  # through a second ring: this one may be restricted
        body += [
            "other = L.Ring()",
            "yield from L.io_uring_queue_init(4, other, 0)",
            f"yield from L.io_uring_register(other.ring_fd, IORING_UNREGISTER_RING_FDS, [L.RsrcUpdate(offset={RING_SLOT})], 1)",
            "L.io_uring_queue_exit(other)",
        ]
    doc = f"difffuzz register seed {seed}: " + ", ".join(c.fields[0][0] for c in calls)
    return DiffCase(seed, "REGISTER", tuple(calls), program(doc, "", body))
