"""Shrinking a failing fuzz case: drop batches, SQEs, steps, objects, pokes and flag bits while it still fails the same way.

Greedy: the candidates (:func:`candidates`) go from coarse (a whole batch)
to fine (one flag bit); the first one that still fails with the same
failure class replaces the case, and the search starts again, until no
candidate fails or the budget (runs, seconds) is spent.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

from simuring.conform.fuzz_case import Case, Step
from simuring.uapi import IORING_SETUP_CQSIZE, IORING_SETUP_SQ_AFF, IORING_SETUP_SQPOLL

#: Literals worth replacing with 0 in a prep call: powers of two, hex, and numbers of 3+ digits.
BIG = re.compile(r"(?<![\w.])(2\*\*\d+(?: - 1)?|0x[0-9a-fA-F]+|\d{3,})(?![\w(])")


def _defined(case: Case) -> set[str]:
    return {st.defines for st in case.setup if st.defines}


def valid(case: Case) -> bool:
    """Every object a line uses is still created."""
    names = _defined(case)
    used: set[str] = set()
    for st in case.setup:
        used |= st.refs
    for b in case.batches:
        for s in b.sqes:
            used |= s.refs
        for st in (b.submit, *b.after):
            used |= st.refs
    return used <= names


def size(case: Case) -> int:
    """A measure that every accepted candidate makes smaller."""
    n = 0
    for b in case.batches:
        n += 10 + len(b.after) * 3 + (1 if b.submit.code else 0)
        for s in b.sqes:
            n += 8 + 2 * len(s.pokes) + bin(s.flags).count("1") + len(s.prep) // 4
    n += 3 * len(case.setup) + bin(case.ring.flags).count("1") + (2 if case.finish else 0)
    n += sum(1 for v in (case.ring.cq_entries, case.ring.sq_thread_idle, case.ring.sq_thread_cpu) if v)
    return n


def candidates(case: Case) -> Iterator[Case]:
    """Smaller variants of ``case``, coarse first."""
    if case.finish:
        c = case.copy()
        c.finish = False
        yield c
    for i in reversed(range(len(case.batches))):
        c = case.copy()
        del c.batches[i]
        yield c
    # SQEs, by halves, quarters, ... then one by one
    spots = [(bi, si) for bi, b in enumerate(case.batches) for si in range(len(b.sqes))]
    chunk = len(spots) // 2
    while chunk >= 1:
        for start in range(0, len(spots), chunk):
            drop = set(spots[start : start + chunk])
            c = case.copy()
            for bi, b in enumerate(c.batches):
                b.sqes = [s for si, s in enumerate(b.sqes) if (bi, si) not in drop]
            yield c
        chunk //= 2
    # batches merged into the one before (one submit instead of two)
    for i in range(len(case.batches) - 1, 0, -1):
        c = case.copy()
        c.batches[i - 1].sqes += c.batches[i].sqes
        c.batches[i - 1].after += c.batches[i].after
        del c.batches[i]
        yield c
    # the steps after each batch, and the submit calls
    for bi, b in enumerate(case.batches):
        for k in reversed(range(len(b.after))):
            c = case.copy()
            del c.batches[bi].after[k]
            yield c
        if b.submit.code and b.submit.code != ["yield from io_uring_submit(ring)"]:
            c = case.copy()
            c.batches[bi].submit = Step(["yield from io_uring_submit(ring)"], "submit")
            yield c
    # objects and registrations nobody uses any more
    for k in reversed(range(len(case.setup))):
        c = case.copy()
        del c.setup[k]
        yield c
    # pokes and SQE flag bits
    for bi, b in enumerate(case.batches):
        for si, s in enumerate(b.sqes):
            for k in reversed(range(len(s.pokes))):
                c = case.copy()
                del c.batches[bi].sqes[si].pokes[k]
                yield c
            bit = 1
            while bit <= s.flags:
                if s.flags & bit:
                    c = case.copy()
                    c.batches[bi].sqes[si].flags &= ~bit
                    yield c
                bit <<= 1
    # big numbers in prep calls and pokes (offsets, lengths, sizes) made 0
    for bi, b in enumerate(case.batches):
        for si, s in enumerate(b.sqes):
            for m in BIG.finditer(s.prep):
                c = case.copy()
                c.batches[bi].sqes[si].prep = s.prep[: m.start()] + "0" + s.prep[m.end() :]
                yield c
            for k, (name, value) in enumerate(s.pokes):
                if BIG.fullmatch(value):
                    c = case.copy()
                    c.batches[bi].sqes[si].pokes[k] = (name, "0")
                    yield c
    # setup parameters
    for name in ("cq_entries", "sq_thread_idle", "sq_thread_cpu"):
        if getattr(case.ring, name):
            c = case.copy()
            setattr(c.ring, name, 0)
            yield c
    # setup flag bits
    bit = 1
    while bit <= case.ring.flags:
        if case.ring.flags & bit:
            c = case.copy()
            c.ring.flags &= ~bit
            if bit == IORING_SETUP_CQSIZE:
                c.ring.cq_entries = 0
            if bit == IORING_SETUP_SQPOLL:
                c.ring.sq_thread_idle = 0
                c.ring.flags &= ~IORING_SETUP_SQ_AFF
                c.ring.sq_thread_cpu = 0
            if bit == IORING_SETUP_SQ_AFF:
                c.ring.sq_thread_cpu = 0
            yield c
        bit <<= 1


def shrink(
    case: Case,
    still_fails: Callable[[Case], bool],
    max_runs: int = 400,
    max_seconds: float = 60.0,
) -> tuple[Case, int]:
    """The smallest variant of ``case`` found for which ``still_fails``; and how many runs it took."""
    best = case
    runs = 0
    t0 = time.monotonic()
    improved = True
    while improved:
        improved = False
        for cand in candidates(best):
            if not valid(cand) or size(cand) >= size(best):
                continue
            if runs >= max_runs or time.monotonic() - t0 > max_seconds:
                return best, runs
            runs += 1
            if still_fails(cand):
                best = cand
                improved = True
                break
    return best, runs
