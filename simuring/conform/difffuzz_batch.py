"""The differential fuzzer's batch cases: two to four SQEs per submit, linked, drained, skipped.

:func:`generate` draws, from ``random.Random(seed)``, a ring (one of
:data:`~simuring.conform.difffuzz_case.RING_FLAGS`), the fuzzer's objects
(:func:`~simuring.conform.difffuzz_case.objects_source`) and one to three
rounds.  A round queues two to four requests of kinds that complete inline or
deterministically (:data:`KINDS`: NOPs, some with an injected result or an
unknown flag, reads of a pipe and an eventfd that hold data, a write to a pipe
with room, requests on a bad descriptor or with an invalid field, cancels and
timeout removals that find nothing, a poll of a ready pipe), each given SQE
flags among IOSQE_IO_LINK, IO_HARDLINK, IO_DRAIN, CQE_SKIP_SUCCESS and ASYNC,
submits them at once, waits :data:`~simuring.conform.difffuzz_case.SETTLE_NS` and records
the round's CQEs in CQ order (:func:`settle_batch`).

The CQE order must be the kernel's, not a race's, so the flags are drawn under
two rules: IOSQE_ASYNC (an io-wq completion), and a link on the round's
last SQE (a chain left open at the end of a submit goes to io-wq:
``io_submit_state_end`` -> ``io_queue_sqe_fallback``), only in a batch that is
one chain, whose links force the order; IOSQE_IO_DRAIN only on the round's last
SQE (every request before it completes inline first; the drained one, or the
chain it closes, is issued from io-wq afterwards), and the round after a drain
starts with two NOPs submitted and settled alone: the first may be drained
itself (a DRAIN on a chain's member drains the next request outside it,
``ctx->drain_next``), and the ring still drains when the second is submitted,
which is then forced to io-wq, where it must not race the next batch.  Before each submit the
case records ``["sqe", round, signature]``, the kinds and flags of the batch,
by which differences are grouped.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from typing import Any

import attrs

from simuring import uapi as U
from simuring.conform.difffuzz_case import (
    RING_FLAGS,
    SETTLE_NS,
    DiffCase,
    Perturbed,
    objects_source,
    program,
    ring_source,
)

#: The request kinds of a batch: name -> the prep lines (``sqe`` bound).  None parks.
KINDS: dict[str, tuple[str, ...]] = {
    "nop": ("L.io_uring_prep_nop(sqe)",),
    "nop-inject-0": ("L.io_uring_prep_nop(sqe)", "sqe.op_flags = IORING_NOP_INJECT_RESULT", "sqe.len = 7"),
    "nop-inject-eio": ("L.io_uring_prep_nop(sqe)", "sqe.op_flags = IORING_NOP_INJECT_RESULT", "sqe.len = 0xFFFFFFFB"),
    "nop-bad-flag": ("L.io_uring_prep_nop(sqe)", "sqe.op_flags = 0x80"),
    "nop-bad-fd": ("L.io_uring_prep_nop(sqe)", "sqe.op_flags = IORING_NOP_FILE", "sqe.fd = 1 << 20"),
    "read-pipe": ("L.io_uring_prep_read(sqe, p[0], bytearray(8), 8, -1)",),
    "read-efd": ("L.io_uring_prep_read(sqe, efd, bytearray(8), 8, -1)",),
    "read-bad-fd": ("L.io_uring_prep_read(sqe, -1, bytearray(8), 8, -1)",),
    "read-bad-rwflags": ("L.io_uring_prep_read(sqe, p[0], bytearray(8), 8, -1)", "sqe.op_flags = 0x8000"),
    "read-bad-ioprio": ("L.io_uring_prep_read(sqe, p[0], bytearray(8), 8, -1)", "sqe.ioprio = 0xFFFF"),
    "write-pipe": ("L.io_uring_prep_write(sqe, q[1], bytearray(b'01234567'), 8, -1)",),
    "cancel-none": ("L.io_uring_prep_cancel64(sqe, 0x5151, 0)",),
    "timeout-remove-none": ("L.io_uring_prep_timeout_remove(sqe, 0x5151, 0)",),
    "poll-ready": ("L.io_uring_prep_poll_add(sqe, p[0], POLLIN)",),
    "bad-opcode": ("L.io_uring_prep_nop(sqe)", "sqe.opcode = 0xF0"),
}
#: Kinds that consume data a round provides once (a second one would park).
ONCE_PER_ROUND = ("read-efd",)

FLAG_NAMES: dict[int, str] = {
    U.IOSQE_IO_LINK: "LINK",
    U.IOSQE_IO_HARDLINK: "HARDLINK",
    U.IOSQE_IO_DRAIN: "DRAIN",
    U.IOSQE_CQE_SKIP_SUCCESS: "SKIP",
    U.IOSQE_ASYNC: "ASYNC",
}


@attrs.frozen
class BatchSqe:
    """One request of a round: its kind and SQE flags."""

    kind: str
    flags: int

    @property
    def signature(self) -> str:
        names = [name for bit, name in FLAG_NAMES.items() if self.flags & bit]
        return "|".join([self.kind, *names])


def _link_bit(rng: random.Random) -> int:
    return rng.choice((0, 0, U.IOSQE_IO_LINK, U.IOSQE_IO_LINK, U.IOSQE_IO_HARDLINK))


def draw_round(rng: random.Random) -> tuple[BatchSqe, ...]:
    """Two to four requests whose CQE order the kernel fixes (the module's two rules)."""
    n = rng.randint(2, 4)
    kinds: list[str] = []
    for _ in range(n):
        kind = rng.choice([k for k in KINDS if k not in ONCE_PER_ROUND or k not in kinds])
        kinds.append(kind)
    links = [_link_bit(rng) for _ in range(n)]
    if rng.random() < 0.3:  # one chain: every SQE but the last linked (the last may dangle)
        links = [rng.choice((U.IOSQE_IO_LINK, U.IOSQE_IO_HARDLINK)) for _ in range(n - 1)] + [links[-1]]
    one_chain = all(links[:-1])
    if not one_chain:  # a link on the last SQE leaves its chain to io-wq (io_submit_state_end): only in one chain
        links[-1] = 0
    sqes = []
    for i, (kind, link) in enumerate(zip(kinds, links, strict=True)):
        flags = link
        if rng.random() < 0.25:
            flags |= U.IOSQE_CQE_SKIP_SUCCESS
        if one_chain and rng.random() < 0.2:
            flags |= U.IOSQE_ASYNC
        if i == n - 1 and rng.random() < 0.25:
            flags |= U.IOSQE_IO_DRAIN
        sqes.append(BatchSqe(kind, flags))
    return tuple(sqes)


def _round_source(index: int, sqes: tuple[BatchSqe, ...], after_drain: bool) -> list[str]:
    lines = [
        f"L.record('sqe', [{index}, {[s.signature for s in sqes]!r}])",
        "yield from L.write(p[1], b'more', 4)",
        "yield from L.write(efd, (1).to_bytes(8, 'little'), 8)",
    ]
    for ud in (0xD0, 0xD1) if after_drain else ():  # the ring may still drain: NOPs alone, see the module's doc
        lines += ["sqe = L.io_uring_get_sqe(ring)", "L.io_uring_prep_nop(sqe)", f"L.io_uring_sqe_set_data64(sqe, {ud:#x})"]
        lines += ["yield from L.io_uring_submit(ring)", "yield from settle_batch(L, ring)"]
    for i, s in enumerate(sqes):
        lines += ["sqe = L.io_uring_get_sqe(ring)", *KINDS[s.kind], f"L.io_uring_sqe_set_data64(sqe, {100 * (index + 1) + i})"]
        lines.append(f"L.io_uring_sqe_set_flags(sqe, {s.flags:#x})")
    lines += ["yield from L.io_uring_submit(ring)", "yield from settle_batch(L, ring)"]
    return lines


#: More CQEs than a round can post, so :func:`settle_batch`'s wait always lasts its full time.
WAIT_NR = 16


def settle_batch(L: Any, ring: Any) -> Generator[Any, Any, None]:
    """Wait ``SETTLE_NS`` for :data:`WAIT_NR` CQEs (never that many: the wait's result does not depend on
    timing), then record every CQE of the round as one list, in CQ order, and consume them.  One wait and
    one list: how many CQEs were visible when a shorter wait returned would depend on timing.  SQEs a
    failed prep left in the SQ (a ring without IORING_SETUP_SUBMIT_ALL stops there) are submitted and
    settled the same way, before the next round: left there, they would join its batch, and a chain of
    theirs could race its io-wq requests."""
    cqe = L.Cqe()
    cqes = L.Cqe(WAIT_NR)
    while True:
        yield from L.io_uring_wait_cqes(ring, cqe, WAIT_NR, L.Timespec(0, SETTLE_NS))
        got = L.io_uring_peek_batch_cqe(ring, cqes, WAIT_NR)
        L.record("cqes", [[c.user_data, c.res, c.flags] for c in cqes[:got]])
        L.io_uring_cq_advance(ring, got)
        if not L.io_uring_sq_ready(ring):
            return
        yield from L.io_uring_submit(ring)


def generate(seed: int) -> DiffCase:
    """The batch case of ``seed``: the same for the same seed."""
    rng = random.Random(seed)
    ring_flags = rng.choice(RING_FLAGS)
    body = ring_source(ring_flags)
    body += objects_source(rng, False, False)
    rounds = []
    after_drain = False
    for index in range(rng.randint(1, 3)):
        sqes = draw_round(rng)
        rounds.append(Perturbed(tuple((s.signature, hex(s.flags)) for s in sqes)))
        body += _round_source(index, sqes, after_drain)
        after_drain = bool(sqes[-1].flags & U.IOSQE_IO_DRAIN)
    doc = f"difffuzz batch seed {seed}: " + "; ".join(" ".join(name for name, _ in r.fields) for r in rounds)
    source = program(doc, "from simuring.conform.difffuzz_batch import settle_batch", body)
    return DiffCase(seed, "BATCH", tuple(rounds), source)
