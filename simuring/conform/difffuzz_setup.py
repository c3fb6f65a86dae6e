"""The differential fuzzer's io_uring_setup(2) / io_uring_enter(2) cases: odd params, flags and counts.

:func:`generate` draws, from ``random.Random(seed)``, one to three setups, each
with random setup flags among :data:`SETUP_FLAGS` (none to two of them; DEFER_TASKRUN
mostly with SINGLE_ISSUER; sometimes one of :data:`ODD_SETUP_FLAGS`), ``entries``, ``cq_entries``, ``sq_thread_cpu`` /
``sq_thread_idle``, ``features`` and a reserved word, and ``wq_fd`` (a ring, an
eventfd, -1) with IORING_SETUP_ATTACH_WQ.  The setup's result and the entries
the kernel wrote back are recorded.  A ring that was set up then gets a NOP
submitted (one CQE waits in its CQ) and two to four io_uring_enter(2) calls
with random flags among :data:`ENTER_FLAGS`, ``to_submit``, ``min_complete``,
a signal-mask size, or IORING_ENTER_EXT_ARG with a valid
``struct io_uring_getevents_arg`` holding odd values and an odd size.

Nothing can hang: no SQPOLL, IOPOLL or NO_MMAP ring (a thread, a poll loop, user
memory), no REGISTERED_FD_ONLY ring (its slot would outlive the case); an
enter that may wait either asks for at most the one CQE that is there, or
carries a timeout (:data:`WAIT_NS`, relative, or absolute and so already
past).  Before each call the case records ``["sqe", index, [what]]``.
"""

from __future__ import annotations

import random

from simuring.abi.limits import U32
from simuring.conform.difffuzz_case import DiffCase, Perturbed, program

#: Setup flags a case may combine (none starts a thread or a poll loop).
SETUP_FLAGS = tuple(
    f"IORING_SETUP_{name}"
    for name in "CQSIZE CLAMP ATTACH_WQ R_DISABLED SUBMIT_ALL COOP_TASKRUN TASKRUN_FLAG SQE128 SINGLE_ISSUER DEFER_TASKRUN NO_SQARRAY".split()
)
#: Flags that make the setup fail alone or here (without SQPOLL / IOPOLL), and bits no kernel knows.
ODD_SETUP_FLAGS = ("IORING_SETUP_SQ_AFF", "IORING_SETUP_HYBRID_IOPOLL", "(1 << 25)", "(1 << 31)")
#: io_uring_enter(2) flags a case may combine (and two bits no kernel knows).
ENTER_FLAGS = (
    *(f"IORING_ENTER_{name}" for name in "GETEVENTS SQ_WAKEUP SQ_WAIT EXT_ARG REGISTERED_RING ABS_TIMER NO_IOWAIT".split()),
    "(1 << 12)",
    "(1 << 31)",
)
#: The longest an enter of a case may wait (nanoseconds).
WAIT_NS = 10_000_000


def _setup_source(rng: random.Random, index: int) -> tuple[list[str], str]:
    flags = rng.sample(SETUP_FLAGS, rng.randint(0, 2))
    if "IORING_SETUP_DEFER_TASKRUN" in flags and rng.random() < 0.8:
        flags.append("IORING_SETUP_SINGLE_ISSUER")
    if rng.random() < 0.15:
        flags.append(rng.choice(ODD_SETUP_FLAGS))
    flags = sorted(set(flags)) or ["0"]
    entries = rng.choice((8, 8, 8, 8, 0, 1, 3, 4096, 32769, 1 << 20))
    cq = rng.choice((16, 16, 16, 0, 1, 7, 65537, U32))
    cpu, idle = rng.choice((0,) * 6 + (1, 1 << 20)), rng.choice((0,) * 6 + (100, U32))
    resv = rng.choice(("[0, 0, 0]",) * 8 + ("[1, 0, 0]", "[0, 0, 7]"))
    features = rng.choice((0,) * 6 + (1, U32))
    wq_fd = rng.choice(("-1", "efd", "first.ring_fd", "first.ring_fd"))
    what = "|".join(f.removeprefix("IORING_SETUP_") for f in flags)
    lines = [
        f"L.record('sqe', [{index}, [{('setup ' + what)!r}]])",
        f"params = L.Params(flags={' | '.join(flags)}, cq_entries={cq}, sq_thread_cpu={cpu}, sq_thread_idle={idle}, features={features}, wq_fd={wq_fd}, resv={resv})",
        "ring = L.Ring()",
        f"ret = yield from L.io_uring_queue_init_params({entries}, ring, params)",
        "L.record('entries', [params.sq_entries, params.cq_entries] if ret == 0 else ret)",
    ]
    return lines, what


def _enter_source(rng: random.Random) -> tuple[str, str]:
    flags = sorted(rng.sample(ENTER_FLAGS, rng.randint(0, 3)))
    expr = " | ".join(flags) or "0"
    to_submit = rng.choice((0, 0, 1, 100, U32))
    ext = "IORING_ENTER_EXT_ARG" in flags
    getevents = "IORING_ENTER_GETEVENTS" in flags
    what = "|".join(f.removeprefix("IORING_ENTER_") for f in flags) or "0"
    if ext:
        min_wait = rng.choice((0, 0, 5, 1000, 5000))  # microseconds: below WAIT_NS (the kernel waits min_wait first)
        sig_sz = rng.choice((0, 0, 8, 16))
        ts = f"L.Timespec(0, {WAIT_NS})" if (getevents or rng.random() < 0.7) else "None"
        arg = f"L.GeteventsArg(sigmask=0, sigmask_sz={sig_sz}, min_wait_usec={min_wait}, ts={ts})"
        size = rng.choice((24, 24, 24, 0, 16, 32))
        min_complete = rng.choice((0, 1, 2, 100)) if ts != "None" else rng.choice((0, 1))
        return f"yield from L.io_uring_enter2(ring.ring_fd, {to_submit}, {min_complete}, {expr}, {arg}, {size})", what
    min_complete = rng.choice((0, 1, 1)) if getevents else rng.choice((0, 1, 100, U32))
    if rng.random() < 0.5:
        sz = rng.choice((8, 8, 0, 4, 128))
        return f"yield from L.io_uring_enter2(ring.ring_fd, {to_submit}, {min_complete}, {expr}, bytearray(128), {sz})", what + " sigset"
    return f"yield from L.io_uring_enter2(ring.ring_fd, {to_submit}, {min_complete}, {expr}, None, 0)", what


def generate(seed: int) -> DiffCase:
    """The setup/enter case of ``seed``: the same for the same seed."""
    rng = random.Random(seed)
    body = [
        "efd = yield from L.eventfd(0, 0)",
        "first = L.Ring()",
        "yield from L.io_uring_queue_init(4, first, 0)",
    ]
    steps = []
    index = 0
    for _ in range(rng.randint(1, 3)):
        lines, what = _setup_source(rng, index)
        index += 1
        steps.append(Perturbed((("setup", what),)))
        body += lines
        enters = []
        for _ in range(rng.randint(2, 4)):
            call, what = _enter_source(rng)
            steps.append(Perturbed((("enter", what),)))
            enters += [f"    L.record('sqe', [{index}, [{('enter ' + what)!r}]])", f"    {call}"]
            index += 1
        body += [
            "if ret == 0:",
            "    sqe = L.io_uring_get_sqe(ring)",
            "    L.io_uring_prep_nop(sqe)",
            "    L.io_uring_sqe_set_data64(sqe, 1)",
            "    yield from L.io_uring_submit(ring)",
            *enters,
            "    L.io_uring_queue_exit(ring)",
        ]
    doc = f"difffuzz setup seed {seed}: " + "; ".join(" ".join(f"{a} {b}" for a, b in s.fields) for s in steps)
    return DiffCase(seed, "SETUP", tuple(steps), program(doc, "", body))
