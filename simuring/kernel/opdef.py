"""The opcode table, modelled on the kernel's ``io_uring/opdef.c``.

Each opcode is one :class:`OpDef` record: its number and name, a few flags
that the generic submission path reads, and two functions:

* ``prep(req, sqe) -> int`` reads and validates the SQE fields into the
  request (``io_issue_def.prep``); it returns 0 or a negative errno, which
  the submission path turns into an error CQE (never a Python exception).
* ``issue(req, issue_flags) -> int`` performs the operation in the context of
  ``req.worker`` (the submitting task inline, an io-wq worker after a punt).
  It returns the result to post, :data:`ISSUE_SKIP_COMPLETE` when the
  request will complete later by itself (a timer, a poll wake-up), or
  ``-EAGAIN`` to ask the generic path to retry asynchronously.  ``issue`` may
  be a generator function when the operation must let simulated time pass in
  the middle (a blocking read in an io-wq worker, a CAS race window).  The
  generic path tells the two kinds apart by what a call returns
  (:func:`simuring.host.gen.is_generator`), so a plug-in compiled with mypyc
  works as an interpreted one does.
* ``issue_nowait(req, issue_flags) -> int`` (optional, for a generator
  ``issue``): the same operation as a plain function, called instead of
  ``issue`` for an inline issue (IO_URING_F_NONBLOCK), where ``issue`` must
  not block anyway.  It saves creating and driving a generator per request.
* ``ltimeout_arm(by, lt, req)`` and ``ltimeout_disarm(lt)`` (optional, the
  LINK_TIMEOUT record's): the hooks the generic path calls on a linked
  timeout ``lt`` guarding ``req``: arm it when ``req`` did not complete at
  issue (``io_arm_ltimeout`` -> ``io_queue_linked_timeout``), disarm it when
  ``req`` completed first (``io_disarm_next`` ->
  ``__io_disarm_linked_timeout``).

Adding an opcode never touches the submission path: plug-ins register
records in an :class:`OpTable`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from simuring.abi.io_uring import opcode_name

if TYPE_CHECKING:
    import simpy

    from simuring.abi.io_uring import Sqe
    from simuring.host.task import Task
    from simuring.kernel.request import Request

class IssueStatus(enum.Enum):
    """What ``issue`` returns instead of a result (``IOU_ISSUE_SKIP_COMPLETE``)."""

    SKIP_COMPLETE = "skip_complete"


ISSUE_SKIP_COMPLETE: Final = IssueStatus.SKIP_COMPLETE
"""Returned by ``issue`` when the request completes later (``IOU_ISSUE_SKIP_COMPLETE``)."""

IO_URING_F_NONBLOCK: Final = 1
"""Issue flag: the issuer must not block (inline issue); io-wq issues without it."""
IO_URING_F_IOWQ: Final = 2
"""Issue flag: issued from an io-wq worker."""

PrepFn = Callable[["Request", "Sqe"], int]
IssueResult = int | IssueStatus
"""A result to post (0, a count, -errno) or :data:`ISSUE_SKIP_COMPLETE`."""
PlainIssueFn = Callable[["Request", int], IssueResult]
GenIssueFn = Callable[["Request", int], Generator["simpy.Event", Any, IssueResult]]
IssueFn = PlainIssueFn | GenIssueFn
"""``issue``: a plain function, or a generator function when it may block."""
LtimeoutArmFn = Callable[["Task", "Request", "Request"], None]
"""``(by, lt, req)``: start linked timeout ``lt``'s timer; ``req`` is the request it guards."""
LtimeoutDisarmFn = Callable[["Request"], None]
"""``(lt)``: stop linked timeout ``lt``'s timer; the request it guards completed first."""
FailFn = Callable[["Request", int], int]
"""``(req, res)``: the result a failing request completes with (``.fail``)."""


def _no_prep(req: Request, sqe: Sqe) -> int:
    return 0


@frozen
class OpDef:
    """One entry of the opcode table (``struct io_issue_def`` + ``io_cold_def``)."""

    opcode: int
    issue: IssueFn
    prep: PrepFn = _no_prep
    name: str = ""
    needs_file: bool = False
    """The SQE's ``fd`` names a file resolved at issue time (-EBADF if bad)."""
    unbound_nonreg_file: bool = False
    """io-wq runs it on an unbounded worker unless the file is a regular file."""
    pollin: bool = False
    pollout: bool = False
    poll_exclusive: bool = False
    """Its fast poll waits exclusively (``.poll_exclusive``: EPOLLEXCLUSIVE, at the tail of
    the wait queue, and a keyed wake-up stops there): of several waiting ACCEPTs the
    oldest is woken, and only it."""
    ioprio: bool = False
    """The op uses ``sqe.ioprio``; otherwise a non-zero ioprio is -EINVAL."""
    iopoll: bool = False
    """The op may be used on an IORING_SETUP_IOPOLL ring (``.iopoll``); otherwise
    it is -EINVAL there (``io_init_req``)."""
    buffer_select: bool = False
    """The op may take a provided buffer (IOSQE_BUFFER_SELECT, ``.buffer_select``);
    otherwise the flag is -EOPNOTSUPP at submission (``io_init_req``)."""
    plugin: str = ""
    issue_nowait: PlainIssueFn | None = None
    """Plain-function form of a generator ``issue`` for IO_URING_F_NONBLOCK (optional)."""
    ltimeout_arm: LtimeoutArmFn | None = None
    """LINK_TIMEOUT: arm the timer once the guarded request is in flight (optional)."""
    ltimeout_disarm: LtimeoutDisarmFn | None = None
    """LINK_TIMEOUT: disarm the timer, the guarded request completed first (optional)."""
    fail: FailFn | None = None
    """``.fail``, which ``io_req_defer_failed`` calls on a request that fails after it was
    issued (so far: a fast-poll request cancelled while parked): its result (optional)."""

    def __attrs_post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", opcode_name(self.opcode))


class OpTable:
    """Opcode number -> :class:`OpDef`; duplicates are refused."""

    def __init__(self) -> None:
        self._defs: dict[int, OpDef] = {}
        self.by_opcode: Mapping[int, OpDef] = self._defs
        """Opcode -> record, read-only (the submission path's lookup: a dict's own ``get``)."""

    def add(self, opdef: OpDef) -> None:
        if not isinstance(opdef.opcode, int) or opdef.opcode < 0 or opdef.opcode > 255:
            raise ValueError(f"opcode {opdef.opcode!r} must be an int in 0..255 (sqe.opcode is a u8)")
        old = self._defs.get(opdef.opcode)
        if old is not None:
            raise ValueError(
                f"opcode {opdef.opcode} ({opdef.name}) from plug-in {opdef.plugin!r} is already "
                f"registered by plug-in {old.plugin!r} as {old.name}"
            )
        self._defs[opdef.opcode] = opdef

    def get(self, opcode: int) -> OpDef | None:
        return self._defs.get(opcode)

    def __iter__(self) -> Iterator[OpDef]:
        return iter(sorted(self._defs.values(), key=lambda d: d.opcode))

    def __len__(self) -> int:
        return len(self._defs)
