"""Cancelling in-flight requests (io_uring/cancel.c): matching and searching.

The mechanism behind IORING_OP_ASYNC_CANCEL and IORING_REGISTER_SYNC_CANCEL
(whose opcode record, prep, issue and register command are the ``cancel``
plug-in's) and LINK_TIMEOUT's cancel of the request it guards.

**Matching** (``io_cancel_req_match``, :func:`req_matcher`): a request of
the canceller's ring matches by ``user_data`` (``sqe.addr``), by file
(IORING_ASYNC_CANCEL_FD, with FD_FIXED for a registered-file index), by
opcode (IORING_ASYNC_CANCEL_OP) or any request (IORING_ASYNC_CANCEL_ANY).

**Where requests are found.**  A request queued or running in io-wq is in
its submitter's :class:`~simuring.kernel.iowq.IoWq`.  A parked request (an
armed poll, a pending TIMEOUT) registers a :class:`CancelHook` as
``req.cancel_hook`` while it is parked: the table that holds it
(:class:`CancelTable`: ``ctx->cancel_table`` for polls, ``ctx->timeout_list``
for timeouts) and how to cancel it.  Armed polls are also kept in the
ring's :class:`PollTable`, hashed by user_data like ``ctx->cancel_table``:
lookups walk it bucket by bucket, newest first within a bucket, so that is
the order in which a cancel meets them; pending TIMEOUTs are met in
``ctx->timeout_list`` order (the TIMEOUT plug-in's list, counted timeouts
first by the count they still need, then the others in arming order).  Each
table's owner registers how to walk it in the ring's :class:`CancelTables`;
see docs/requests.md.

**The search** (``__io_async_cancel``, :func:`async_cancel`) calls
``io_try_cancel`` (:func:`try_cancel`) again and again, each call trying, in
this order,

* the canceller's own io-wq (``io_async_cancel_one`` -> ``io_wq_cancel_cb``):
  queued matches are taken off the queue (they complete with -ECANCELED), a
  match a worker is running is only flagged; with ALL/ANY one call handles
  every match of that io-wq and says "running" if any match was running;
* armed polls (``io_poll_cancel``): one is cancelled (-ECANCELED), 0;
* waiting FUTEX_WAITs (``io_futex_cancel``, not with CANCEL_FD; the
  futex plug-in's searcher): the number cancelled (one, or with ALL every
  match in one call);
* pending TIMEOUTs (``io_timeout_cancel``, not with CANCEL_FD): one is
  cancelled, 0, or -EALREADY if its timer is firing at this very instant;

and stops at the first of them that finds something, except that an io-wq
answer of "running" (-EALREADY) does not stop it and is lost if the later
lookups find nothing.  Without ALL/ANY the first answer other than -ENOENT
is the result; if ``io_try_cancel`` finds nothing, the slow path asks every
io-wq once more (``io_async_cancel_one`` over ``ctx->tctx_list``), and
that is where a request running in a worker gives -EALREADY.

With ALL or ANY every successful ``io_try_cancel`` call and every io-wq of
the slow path that found something adds **one** to the result, so the
count is not a number of requests: several queued io-wq matches removed in
one call count once, and a call whose io-wq answer was "running" counts
nothing.  Each request evaluated by the search is stamped with the cancel's
sequence number (``io_cancel_match_sequence``) and is skipped when met again
by the same cancel, so the slow path does not count a running request that
the first io-wq pass already flagged.

:func:`cancel_request` is the per-request step LINK_TIMEOUT uses to cancel
the request it guards (by identity, ``io_req_task_link_timeout``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Final, Protocol

from simuring.abi.errno import EALREADY, ENOENT
from simuring.abi.io_uring import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_ASYNC_CANCEL_ANY,
    IORING_ASYNC_CANCEL_FD,
    IORING_ASYNC_CANCEL_OP,
    IORING_ASYNC_CANCEL_USERDATA,
    IOSQE_FIXED_FILE,
)
from simuring.abi.limits import U64
from simuring.kernel.ext import RingExt

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.files import File
    from simuring.kernel.iowq import IoWq
    from simuring.kernel.request import Request

MatchFn = Callable[["Request"], bool]

GOLDEN_RATIO_64: Final = 0x61C8864680B583EB


def hash_long(value: int, bits: int) -> int:
    """``hash_64``: the top ``bits`` bits of ``value * GOLDEN_RATIO_64`` (mod 2^64)."""
    return ((value * GOLDEN_RATIO_64) & U64) >> (64 - bits)


Walker = Callable[[], "Iterable[Request]"]
Searcher = Callable[["Task", "CancelData"], int]
"""A table searched its own way (``io_futex_cancel``): ``(by, cd)`` -> its answer or -ENOENT."""


class CancelTables(RingExt):
    """Per ring, how to walk each :class:`CancelTable` in the kernel's lookup
    order: registered by the table's owner when the ring first uses it (a
    table nobody registered holds nothing)."""

    def __init__(self, ctx: RingCtx) -> None:
        super().__init__(ctx)
        self.walkers: dict[CancelTable, Walker] = {}
        self.searchers: dict[CancelTable, Searcher] = {}


class PollTable(RingExt):
    """``ctx->cancel_table``: the ring's armed polls hashed by user_data.

    ``io_ring_ctx_alloc`` sizes it from the CQ: ``ilog2(cq_entries) - 5``
    bits, clamped to 1..8 (two buckets up to a 64-entry CQ).
    ``io_poll_req_insert`` adds at the head of its bucket's chain; a lookup
    by user_data walks that chain (``io_poll_find``), one by file, opcode or
    ANY every bucket in index order (``io_poll_file_find``).
    """

    def __init__(self, ctx: RingCtx) -> None:
        super().__init__(ctx)
        self.bits = min(max(ctx.cq_entries.bit_length() - 1 - 5, 1), 8)
        self.buckets: list[list[Request]] = [[] for _ in range(1 << self.bits)]
        self.where: dict[int, int] = {}  # request id -> bucket (hash_del needs no rehash)
        ctx.ext(CancelTables).walkers[CancelTable.POLL] = self.walk

    def bucket(self, user_data: int) -> int:
        return hash_long(user_data & U64, self.bits)

    def insert(self, req: Request) -> None:
        """``io_poll_req_insert``."""
        self.remove(req)
        b = self.bucket(req.user_data)
        self.buckets[b].insert(0, req)
        self.where[req.id] = b

    def remove(self, req: Request) -> None:
        """``hash_del``."""
        b = self.where.pop(req.id, None)
        if b is not None:
            self.buckets[b].remove(req)

    def chain(self, user_data: int) -> list[Request]:
        """The chain ``user_data`` hashes to, head (newest) first."""
        return list(self.buckets[self.bucket(user_data)])

    def walk(self) -> Iterator[Request]:
        """Every armed poll, bucket by bucket, newest first within each."""
        for chain in self.buckets:
            yield from list(chain)


class CancelTable(enum.Enum):
    """The ring's tables of parked requests, in the order ``io_try_cancel`` searches them."""

    POLL = "poll"
    """Armed polls, ``ctx->cancel_table`` (``io_poll_cancel``)."""
    FUTEX = "futex"
    """Waiting FUTEX_WAITs, ``ctx->futex_list`` (``io_futex_cancel``, a searcher: not by file)."""
    TIMEOUT = "timeout"
    """Pending TIMEOUTs, ``ctx->timeout_list`` (``io_timeout_cancel``); not searched by file."""

    @property
    def searched_by_fd(self) -> bool:
        """Whether an IORING_ASYNC_CANCEL_FD search looks in this table."""
        return self is CancelTable.POLL


class CancelHook(Protocol):
    """What a parked request registers as ``req.cancel_hook`` (and clears when it leaves its table)."""

    @property
    def cancel_table(self) -> CancelTable:
        """The table that holds the request."""
        ...

    def cancel(self, by: Task | None) -> int:
        """Take the request out and complete it with -ECANCELED: 0, -EALREADY
        when it is completing by itself at this instant, -ENOENT when it is no
        longer in its table."""
        ...


class CancelData:
    """``struct io_cancel_data``: what a cancel matches on."""

    __slots__ = ("addr", "flags", "fd", "opcode", "file")

    def __init__(self, addr: int, flags: int, fd: int, opcode: int) -> None:
        self.addr = addr
        self.flags = flags
        self.fd = fd
        self.opcode = opcode
        self.file: File | None = None  # IORING_ASYNC_CANCEL_FD: the file looked up at issue


def waiting_ids(ctx: RingCtx) -> set[int]:
    """Ids of in-flight requests not issued yet: later members of a link chain
    and requests held back by a drain.  Only used for membership tests."""
    ids = {r.link.id for r in ctx.inflight.values() if r.link is not None}
    ids.update(r.id for r in ctx.defer_list)
    return ids


def cancel_request(by: Task | None, req: Request, waiting: set[int] | None = None) -> int:
    """Try to cancel one known request (LINK_TIMEOUT's step): 0, -EALREADY or -ENOENT.

    A parked request (pending timer, armed poll) is cancelled through its
    ``cancel_hook`` (a TIMEOUT whose timer already fired answers -EALREADY in
    the firing instant, -ENOENT after it); a request queued in its
    submitter's io-wq is removed from the queue, one a worker is running
    gives -EALREADY (``io_wq_cancel_cb``).  A request issued and parked
    without a ``cancel_hook`` cannot be cancelled (-EALREADY); one not issued
    yet (inside a chain, drained) is not found.  ASYNC_CANCEL does not use
    this helper: it searches like the kernel (:func:`async_cancel`).
    """
    if req.done:
        return -ENOENT
    hook = req.cancel_hook
    if hook is not None:
        return hook.cancel(by)
    if req.in_iowq:
        wq = req.ctx.kernel.iowqs.get(req.task.tid)
        if wq is None:
            return -ENOENT
        return wq.cancel(by, lambda r: r is req)
    if waiting is None:
        waiting = waiting_ids(req.ctx)
    if req.id in waiting:
        return -ENOENT
    return -EALREADY


def req_matcher(ctx: RingCtx, cd: CancelData, fixed: bool, canceller: Request | None) -> MatchFn:
    """``io_cancel_req_match`` for a cancel of ``ctx``'s requests (``canceller``: the
    ASYNC_CANCEL request itself, which never matches; None for IORING_REGISTER_SYNC_CANCEL).
    ``fixed``: CANCEL_FD names a registered-file index.

    With ALL or ANY a request that passes the tests is stamped with this
    cancel (``io_cancel_match_sequence``) and does not match it again.
    """
    flags = cd.flags
    by_data = bool(flags & IORING_ASYNC_CANCEL_USERDATA or not flags & (IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_OP))
    once = bool(flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY))
    seen: set[int] = set()

    def match(r: Request) -> bool:
        if r is canceller or r.done or r.ctx is not ctx:
            return False
        if not flags & IORING_ASYNC_CANCEL_ANY:
            if flags & IORING_ASYNC_CANCEL_FD:
                if r.file is not None:
                    if r.file is not cd.file:
                        return False
                elif r.fd != cd.fd or bool(r.flags & IOSQE_FIXED_FILE) != fixed:
                    return False
            if flags & IORING_ASYNC_CANCEL_OP and r.opcode != cd.opcode:
                return False
            if by_data and r.user_data != cd.addr:
                return False
        if once:
            if r.id in seen:
                return False
            seen.add(r.id)
        return True

    return match


def iowq_cancel_one(by: Task | None, wq: IoWq, match: MatchFn, cancel_all: bool) -> int:
    """``io_async_cancel_one`` over one io-wq (``io_wq_cancel_cb``): 0 when queued
    matches were removed and none is running, -EALREADY when a matching item is
    running in a worker (queued ones are still removed with ``cancel_all``),
    -ENOENT when nothing matched.

    Queued items first, both accounts (``io_wq_cancel_pending_work``): one, or
    with ``cancel_all`` every one; then the items the workers are running
    (``io_wq_cancel_running_work``), which are flagged and their workers
    signalled: a worker sleeping in the item wakes and it completes with
    -EINTR, one that does not sleep finishes it normally.
    """
    running = {rid for acct in wq.accounts.values() for rid in acct.running}

    def queued(r: Request) -> bool:
        return r.id not in running and match(r)

    nr_pending = 0
    while wq.cancel(by, queued) == 0:
        nr_pending += 1
        if not cancel_all:
            return 0
    nr_running = 0
    for acct in wq.accounts.values():
        for r in list(acct.running.values()):
            if match(r):
                nr_running += 1
                wq.signal_running(by, r)
                if not cancel_all:
                    return -EALREADY
    if nr_running:
        return -EALREADY
    return 0 if nr_pending else -ENOENT


def try_cancel(by: Task, ctx: RingCtx, task: Task, cd: CancelData, match: MatchFn, cancel_all: bool) -> int:
    """``io_try_cancel``: the io-wq of ``task`` (the canceller's), then each :class:`CancelTable` in order."""
    wq = ctx.kernel.iowqs.get(task.tid)
    ret = iowq_cancel_one(by, wq, match, cancel_all) if wq is not None else -ENOENT
    if ret == 0:
        return 0
    # -EALREADY from io-wq falls through: the next lookups decide (and may lose it)
    tables = ctx.ext(CancelTables)
    walkers = tables.walkers
    for table in CancelTable:
        if cd.flags & IORING_ASYNC_CANCEL_FD and not table.searched_by_fd:
            continue
        search = tables.searchers.get(table)
        if search is not None:
            res = search(by, cd)
            if res != -ENOENT:
                return res
            continue
        walk = walkers.get(table)
        if walk is None:
            continue
        for r in list(walk()):
            hook = r.cancel_hook
            if hook is None or hook.cancel_table is not table or not match(r):
                continue
            res = hook.cancel(by)
            if res != -ENOENT:  # a TIMEOUT: -ENOENT when it fired earlier (off the list)
                return res
    return -ENOENT


def async_cancel(by: Task, ctx: RingCtx, task: Task, cd: CancelData, match: MatchFn) -> int:
    """``__io_async_cancel``: cancel, among ``ctx``'s requests, what ``match`` accepts, for
    the canceller ``task`` (the ASYNC_CANCEL's submitter, or the caller of
    IORING_REGISTER_SYNC_CANCEL), whose io-wq is searched first.

    Without ALL/ANY: 0, -EALREADY or -ENOENT; with them, the count described
    in the module documentation.
    """
    cancel_all = bool(cd.flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY))
    nr = 0
    while True:
        ret = try_cancel(by, ctx, task, cd, match, cancel_all)
        if ret == -ENOENT:
            break
        if not cancel_all:
            return ret
        nr += 1
    # slow path: every io-wq (the kernel walks ctx->tctx_list; an io-wq holding
    # none of this ring's requests finds nothing)
    ret = -ENOENT
    for wq in list(ctx.kernel.iowqs.values()):
        res = iowq_cancel_one(by, wq, match, cancel_all)
        if res != -ENOENT:
            ret = res
            if not cancel_all:
                break
            nr += 1
    return nr if cancel_all else ret
